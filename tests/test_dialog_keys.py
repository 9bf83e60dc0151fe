"""Dialogs that trust, store a thumbprint, unlink or delete are answered by no key typed as
they open (issue 19), and no [keymap] can make one key mean two of their answers.

Bursts are posted to the app with no pause between them (Pilot.press waits for idle between
keys and cannot reproduce keys that arrive in one read)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events

from hvctui.tui.app import HvcApp
from hvctui.tui.keys import TOGETHER, clashes, safe_keymap
from hvctui.tui.screens.dialogs import ConfirmScreen, GuardedDialog, TextScreen, TrustScreen

from .conftest import Sim
from .test_trust_tui import demo_app
from .tui_support import (PASSWORD, PW_ENV, corp_profile, pane_text, wait_for_dialog, wait_until,
                          write_config)

QUIET = GuardedDialog.QUIET_SECONDS

pytestmark = pytest.mark.dialog_quiet  # keys typed as dialogs open: the real quiet time


@pytest.fixture(autouse=True)
def password_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PW_ENV, PASSWORD)


def burst(app: HvcApp, *keys: str) -> None:
    """Keys as one read from the terminal delivers them."""
    for key in keys:
        app.post_message(events.Key(key, key if len(key) == 1 else None))


def note(app: HvcApp) -> str:
    return str(app.screen.query_one("#dialog-note").render())


def notifications(app: HvcApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_a_burst_as_the_trust_dialog_opens_does_not_trust_and_t_after_it_does(
        sim: Sim, isolated_config: Path) -> None:
    path = write_config(isolated_config, {"corp": corp_profile(sim.address, sim.info.sha256)})
    app = HvcApp(config_path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f5")
        await wait_until(pilot, lambda: isinstance(app.screen, TrustScreen))
        dialog = app.screen
        # "test", meant for the profile filter, arrives as the dialog opens.
        burst(app, "t", "e", "s", "t")
        await pilot.pause()
        assert app.screen is dialog and sim.world.links == {}
        assert "Keys typed as this dialog opened were ignored" in note(app)
        await pilot.pause(QUIET / 2)
        burst(app, "t")  # still within the quiet time the burst restarted
        await pilot.pause()
        assert app.screen is dialog and sim.world.links == {}
        await pilot.pause(QUIET + 0.1)
        await pilot.press("t")
        await wait_for_dialog(pilot, ConfirmScreen)
        assert list(sim.world.links)


async def test_a_key_typed_before_the_trust_dialog_was_drawn_never_answers_it(
        sim: Sim, isolated_config: Path) -> None:
    """The key gate replays keys typed ahead to the new dialog: they keep the time they were
    typed, and a key typed before the dialog was drawn is no answer, however late it comes."""
    path = write_config(isolated_config, {"corp": corp_profile(sim.address, sim.info.sha256)})
    app = HvcApp(config_path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f5")
        typed_ahead = events.Key("t", "t")
        await wait_for_dialog(pilot, TrustScreen)
        app.post_message(typed_ahead)
        await pilot.pause()
        assert isinstance(app.screen, TrustScreen) and sim.world.links == {}
        assert "ignored" in note(app)


async def test_d_then_y_in_one_burst_deletes_no_profile(isolated_config: Path) -> None:
    path = write_config(isolated_config, {"corp": corp_profile("127.0.0.1:18443"),
                                          "lab": corp_profile("127.0.0.1:18444")})
    app = HvcApp(config_path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        app.main.sidebar.profile_list.focus()
        await pilot.pause()
        burst(app, "d", "y")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.pause(QUIET / 2)
        assert isinstance(app.screen, ConfirmScreen)
        assert set(app.config.profiles) == {"corp", "lab"}
        await wait_for_dialog(pilot, ConfirmScreen)
        await pilot.press("y")
        await wait_until(pilot, lambda: len(app.config.profiles) == 1)


async def test_trust_typed_as_the_type_to_confirm_dialog_opens_is_not_taken(
        psc_sim: Sim, isolated_config: Path) -> None:
    """DIFFERENT: `t` asks to type "trust"; the word arriving as that dialog opens (its text
    field included) is ignored, typed once it is shown it trusts."""
    app = demo_app(psc_sim, isolated_config, "intercepted-psc")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f5")
        await wait_for_dialog(pilot, TrustScreen)
        await pilot.press("t")
        await wait_until(pilot, lambda: isinstance(app.screen, TextScreen))
        burst(app, *"trust", "enter")
        await pilot.pause()
        assert isinstance(app.screen, TextScreen) and psc_sim.world.links == {}
        assert app.screen.query_one("#dialog-input").value == ""
        await wait_for_dialog(pilot, TextScreen)
        await pilot.press(*"trust", "enter")
        await wait_until(pilot, lambda: bool(psc_sim.world.links))


async def test_a_keymap_binding_trust_and_cancel_to_one_key_is_refused(
        sim: Sim, isolated_config: Path) -> None:
    path = write_config(isolated_config, {"corp": corp_profile(sim.address, sim.info.sha256)},
                        keymap={"trust": "t,escape"})
    before = path.read_bytes()
    app = HvcApp(config_path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        refused = [n for n in notifications(app) if "[keymap] refused" in n]
        assert refused, notifications(app)
        assert "escape" in refused[0] and "trust and trust_cancel" in refused[0]
        await pilot.press("f5")
        await wait_for_dialog(pilot, TrustScreen)
        await pilot.press("escape")  # the default: cancels
        await wait_until(pilot, lambda: not isinstance(app.screen, TrustScreen))
        await wait_until(pilot, lambda: "not trusted" in pane_text(app))
        assert sim.world.links == {}
        await pilot.press("f5")
        await wait_for_dialog(pilot, TrustScreen)
        await pilot.press("t")
        await wait_for_dialog(pilot, ConfirmScreen)
        assert list(sim.world.links)
    assert path.read_bytes() == before


def test_the_default_keys_never_clash() -> None:
    assert clashes({}) == []


@pytest.mark.parametrize(("keymap", "key", "ids"), [
    ({"trust": "t,escape"}, "escape", ("trust", "trust_cancel")),
    ({"trust_cancel": "t"}, "t", ("trust", "trust_cancel")),
    ({"fleet_refresh": "j"}, "j", ("fleet_refresh", "fleet_copy_json")),
    ({"quit": "escape"}, "escape", ("trust_cancel", "quit")),
    ({"profile_new": "f5"}, "f5", ("link", "profile_new")),
])
def test_one_key_for_two_bindings_active_at_once_is_refused_for_the_defaults(
        keymap: dict[str, str], key: str, ids: tuple[str, ...]) -> None:
    kept, refused = safe_keymap({**keymap, "help": "f10"})
    assert kept == {"help": "f10"}
    assert any(c.key == key and set(c.ids) == set(ids) for c in refused), refused
    assert all(key in str(c) and all(i in str(c) for i in c.ids) for c in refused)


def test_the_same_key_on_two_screens_is_no_clash() -> None:
    assert "escape" in {name for k in TOGETHER["links screen"] for name in k.keys.split(",")}
    assert safe_keymap({"links_refresh": "f9", "fleet_refresh": "f9"}) == (
        {"links_refresh": "f9", "fleet_refresh": "f9"}, [])


async def test_keys_typed_for_the_fleet_as_its_password_question_opens_are_no_password(
        isolated_config: Path) -> None:
    """F6 asks "Password for USER" on its own (a profile whose password is typed): `/abc` and
    enter, meant for the fleet's filter, arrive as it opens. They must not become a password
    sent to SSO (three failures lock the account): the dialog stays, empty, and says why; a
    password typed once it is shown is taken."""
    from hvctui.sim.world import World
    from hvctui.tui.screens.fleet import FleetScreen, PasswordScreen

    from .test_fleet import fleet_sim, profile_at

    world = World(seed=60)
    tried: list[str] = []
    login = world.login

    def counted(user: str, password: str, lang: str | None) -> str:
        tried.append(password)
        return login(user, password, lang)

    world.login = counted  # type: ignore[method-assign]
    with fleet_sim([world]) as sims:
        path = write_config(isolated_config, {
            "typed": profile_at(sims, 0, password_source="prompt")})
        app = HvcApp(config_path=path)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("f6")
            await wait_until(pilot, lambda: isinstance(app.screen, PasswordScreen))
            dialog = app.screen
            app.post_message(events.Key("slash", "/"))
            burst(app, "a", "b", "c", "enter")
            await pilot.pause()
            await pilot.pause(QUIET / 2)
            assert app.screen is dialog and tried == []
            assert dialog.query_one("#dialog-input").value == ""
            assert "Keys typed as this dialog opened were ignored" in note(app)
            await wait_for_dialog(pilot, PasswordScreen)
            await pilot.press(*PASSWORD, "enter")
            await wait_until(pilot, lambda: isinstance(app.screen, FleetScreen))
            await wait_until(pilot, lambda: app.screen.rows["typed"].done)
            assert tried == [PASSWORD]
