"""The TUI driven as a person would, against the simulator over real loopback TLS."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from hvctui.profiles.store import ConfigStore
from hvctui.tui.app import HvcApp
from hvctui.tui.screens.dialogs import ConfirmScreen, TextScreen, TrustScreen
from hvctui.tui.screens.links import LinksScreen

from .conftest import Sim
from .tui_support import (
    PASSWORD,
    PW_ENV,
    corp_profile,
    link_through_trust,
    pane_text,
    screen_text,
    unbroken,
    wait_for_dialog,
    wait_until,
    write_config,
)


@pytest.fixture(autouse=True)
def password_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PW_ENV, PASSWORD)


def app_for(sim: Sim, folder: Path, **profiles_changes: object) -> HvcApp:
    path = write_config(folder, {
        "corp": corp_profile(sim.address, sim.info.sha256),
        "unreachable": corp_profile(sim.address, sim.info.sha256,
                                    psc_hostname="psc.nowhere.example"),
    })
    return HvcApp(config_path=path)


async def test_link_with_trust_step_shows_the_link_id_and_stores_the_thumbprint(
        sim: Sim, isolated_config: Path) -> None:
    app = app_for(sim, isolated_config)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f5")
        await wait_for_dialog(pilot, TrustScreen)
        assert sim.psc_thumbprint in unbroken(str(app.screen.query_one("#trust-details").render()))
        await pilot.press("t")
        await wait_for_dialog(pilot, ConfirmScreen)
        link_id = next(iter(sim.world.links))
        assert link_id in pane_text(app)
        await pilot.press("y")
        await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
    saved = ConfigStore(isolated_config / "config.toml").load().config
    assert saved.profiles["corp"].ssl_thumbprint == sim.psc_thumbprint


async def test_declining_to_store_the_thumbprint_leaves_the_form_as_it_was(
        sim: Sim, isolated_config: Path) -> None:
    app = app_for(sim, isolated_config)
    async with app.run_test(size=(80, 24)) as pilot:
        await link_through_trust(pilot, store_thumbprint=False)
        assert sim.world.links  # linked
        assert app.main.form.values()["ssl_thumbprint"] == ""
        assert app.main.unsaved() == []  # quit would not warn of edits nobody made


async def test_replacing_a_stored_thumbprint_asks_showing_the_old_and_the_new(
        sim: Sim, isolated_config: Path) -> None:
    old = "AB:" * 31 + "AB"
    path = write_config(isolated_config, {"corp": corp_profile(
        sim.address, sim.info.sha256, ssl_thumbprint=old)})
    app = HvcApp(config_path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        app.main.form.input("ssl_thumbprint").value = ""  # cleared, say after a renewal
        await pilot.press("f5")
        await wait_for_dialog(pilot, TrustScreen)
        await pilot.press("t")
        await wait_for_dialog(pilot, ConfirmScreen)
        shown = unbroken(" ".join(str(w.render()) for w in app.screen.query("Static")))
        assert "Replace" in shown and old.replace(":", "") in shown.replace(":", "")
        assert sim.psc_thumbprint.replace(":", "") in shown.replace(":", "")
        await pilot.press("n")
        await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
    assert ConfigStore(path).load().config.profiles["corp"].ssl_thumbprint == old


async def test_escape_in_the_trust_dialog_sends_no_second_create(
        sim: Sim, isolated_config: Path) -> None:
    app = app_for(sim, isolated_config)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f5")
        await wait_for_dialog(pilot, TrustScreen)
        await pilot.press("escape")
        await wait_until(pilot, lambda: "UNVERIFIED_PEER" in pane_text(app))
    assert sim.world.stats.create_calls == 1 and sim.world.links == {}


async def test_error_profile_shows_the_cause_chain_with_rendered_params(
        sim: Sim, isolated_config: Path) -> None:
    app = app_for(sim, isolated_config)
    async with app.run_test(size=(80, 24)) as pilot:
        app.main.select_profile("unreachable")
        await pilot.press("f5")
        await wait_until(pilot, lambda: "ERROR" in pane_text(app) and "Next:" in pane_text(app))
        text = pane_text(app)
    assert "HTTP 500" in text and "caused by" in text
    assert "elapsed (d) 30.2" in text and "attempts (i) 3" in text
    assert "com.vmware.vcenter.hvc.dns.rcode(code=3, rcode=NXDOMAIN)" in text
    assert "id com.vmware.vcenter.hvc.dns.unresolved" in text


async def test_links_screen_lists_the_link_and_unlinks_after_typing_the_domain(
        sim: Sim, isolated_config: Path) -> None:
    app = app_for(sim, isolated_config)
    async with app.run_test(size=(80, 24)) as pilot:
        await link_through_trust(pilot)
        link_id = next(iter(sim.world.links))
        await pilot.press("f2")
        await wait_until(pilot, lambda: isinstance(app.screen, LinksScreen)
                         and bool(app.screen.rows))
        assert app.screen.rows[0].link == link_id
        await pilot.press("u")
        await wait_for_dialog(pilot, TextScreen)
        await pilot.press(*"corp.lo", "enter")  # not the domain: refused
        assert isinstance(app.screen, TextScreen) and link_id in sim.world.links
        await pilot.press("c", "a", "l", "enter")
        await wait_until(pilot, lambda: sim.world.links == {})


async def test_links_screen_shows_a_login_failure_not_an_endless_loading_overlay(
        sim: Sim, isolated_config: Path) -> None:
    app = app_for(sim, isolated_config)
    async with app.run_test(size=(80, 24)) as pilot:
        app.main.form.set_value("user", "nobody@vmc.local")
        # typed: the profile's source gives only its saved user's password
        app.main.form.set_value("password", PASSWORD)
        sim.control("/sim/faults", {"latency_ms": 500})
        await pilot.press("f2")
        await wait_until(pilot, lambda: isinstance(app.screen, LinksScreen))
        await pilot.pause(0.2)
        # While the list is fetched the screen stays drawn: Textual's loading overlay (which
        # once stayed for good after a fast failure) is never used.
        assert not app.screen.query("LoadingIndicator")
        assert "loading..." in screen_text(app)
        await wait_until(pilot, lambda: "Cannot log in as nobody@vmc.local" in screen_text(app))
        assert "UNAUTHENTICATED" in screen_text(app)


async def test_a_refresh_pressed_during_an_unlink_does_not_cancel_it(
        sim: Sim, isolated_config: Path) -> None:
    app = app_for(sim, isolated_config)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await link_through_trust(pilot)
        await pilot.press("f2")
        await wait_until(pilot, lambda: isinstance(app.screen, LinksScreen)
                         and bool(app.screen.rows))
        sim.control("/sim/faults", {"latency_ms": 400})
        await pilot.press("u")
        await wait_for_dialog(pilot, TextScreen)
        await pilot.press(*"corp.local", "enter", "r", "r")
        await wait_until(pilot, lambda: sim.world.links == {}, timeout=15)
        await wait_until(pilot, lambda: isinstance(app.screen, LinksScreen)
                         and not app.screen.rows, timeout=15)  # the list says it is gone
        assert "An unlink is under way" in " ".join(str(n.message) for n in app._notifications)


@pytest.mark.dialog_quiet
async def test_unlink_typed_ahead_in_one_burst_does_not_answer_the_question(
        sim: Sim, isolated_config: Path) -> None:
    """The question opens, but the domain typed ahead of it is no answer (issue 19): it
    unlinks only when typed once the question is shown."""
    from textual import events

    app = app_for(sim, isolated_config)
    async with app.run_test(size=(80, 24)) as pilot:
        await link_through_trust(pilot)
        await pilot.press("f2")
        await wait_until(pilot, lambda: isinstance(app.screen, LinksScreen)
                         and bool(app.screen.rows))
        sim.control("/sim/faults", {"latency_ms": 300})
        for key in ["u", *"corp.local", "enter"]:  # as one read from a fast typist
            app.post_message(events.Key(key, "\r" if key == "enter" else key))
        await wait_until(pilot, lambda: isinstance(app.screen, TextScreen))
        await pilot.pause(0.3)
        assert isinstance(app.screen, TextScreen) and sim.world.links
        assert app.screen.query_one("#dialog-input").value == ""
        await wait_for_dialog(pilot, TextScreen)
        await pilot.press(*"corp.local", "enter")
        await wait_until(pilot, lambda: sim.world.links == {}, timeout=15)


async def test_pressing_link_twice_quickly_creates_once(sim: Sim, isolated_config: Path) -> None:
    sim.control("/sim/faults", {"latency_ms": 300})
    app = app_for(sim, isolated_config)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f5", "f5", "ctrl+j")
        await wait_for_dialog(pilot, TrustScreen, timeout=15)
    assert sim.world.stats.create_calls == 1 and sim.world.stats.logins == 1


async def test_keys_work_during_a_slow_call_and_escape_cancels_it(
        sim: Sim, isolated_config: Path) -> None:
    sim.control("/sim/faults", {"latency_ms": 3000})
    app = app_for(sim, isolated_config)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f5")
        await wait_until(pilot, lambda: "POST /api/session" in pane_text(app))
        field = app.main.form.input("domain_name")
        field.focus()
        await pilot.press("end", "x")
        assert field.value == "corp.localx" and app.main._call_running()
        await pilot.press("escape")
        await wait_until(pilot, lambda: "Cancelled" in pane_text(app))
    assert sim.world.links == {}


async def test_keys_typed_into_the_form_while_link_runs_are_named_when_it_ends(
        sim: Sim, isolated_config: Path) -> None:
    """From the third trial: F5 then `t y y` in one burst put `yy` into the vCenter field,
    unseen. Keys typed during a call still go where the focus is (above); when the call
    ends, what they changed is named."""
    sim.control("/sim/faults", {"latency_ms": 600})
    app = app_for(sim, isolated_config)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("f5")
        await wait_until(pilot, lambda: "POST /api/session" in pane_text(app))
        field = app.main.form.input("domain_name")
        field.focus()
        await pilot.press("end", "y", "y")
        await wait_for_dialog(pilot, TrustScreen)  # corp's first link asks about the PSC
        await pilot.press("escape")
        await wait_until(pilot, lambda: not app.main._call_running(), timeout=15)
        await pilot.pause()
        said = [str(n.message) for n in app._notifications]
        assert any(m.startswith("Edited while Link ran") and "SSO domain" in m for m in said)


async def test_a_thumbprint_stored_by_the_link_is_not_named_as_typed(
        sim: Sim, isolated_config: Path) -> None:
    """The fourth trial: after t and y (store the thumbprint), nothing typed ahead, the toast
    said keys typed during the call had edited the PSC thumbprint."""
    app = app_for(sim, isolated_config)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await link_through_trust(pilot, store_thumbprint=True)
        await wait_until(pilot, lambda: not app.main._call_running(), timeout=15)
        await pilot.pause()
        assert app.main.form.values()["ssl_thumbprint"]  # stored, and shown
        assert not any("Edited while Link ran" in str(n.message) for n in app._notifications)


async def test_bad_form_values_are_named_and_nothing_is_sent(
        sim: Sim, isolated_config: Path) -> None:
    app = app_for(sim, isolated_config)
    async with app.run_test(size=(80, 24)) as pilot:
        app.main.form.input("psc_port").value = "99999"
        app.main.form.input("domain_name").value = ""
        app.main.form.input("admin_groups").value = "admins"
        app.main.form.input("accept_language").value = "not a language!"
        await pilot.press("f5")
        await pilot.pause()
        problems = {name: app.main.form.problem(name)
                    for name in ("psc_port", "domain_name", "admin_groups", "accept_language")}
        pane = pane_text(app)
        editing = app.main.form.editing()
    # The editor goes to the topmost field with a problem, whatever order they were found in.
    assert editing == "psc_port" and problems["accept_language"]
    # Every bad field at once, each under its field and in the pane, not just the first.
    assert "not a port number" in problems["psc_port"]
    assert "is required" in problems["domain_name"]
    assert "group@domain" in problems["admin_groups"]
    assert "PSC port" in pane and "SSO domain" in pane and "Admin groups" in pane
    assert sim.world.stats.requests == 0


async def test_leaving_a_field_checks_it(sim: Sim, isolated_config: Path) -> None:
    app = app_for(sim, isolated_config)
    async with app.run_test(size=(80, 24)) as pilot:
        field = app.main.form.input("ssl_thumbprint")
        field.focus()
        await pilot.press(*"AB:CD", "tab")
        await pilot.pause()
        assert "hex pairs" in app.main.form.problem("ssl_thumbprint")


async def test_typed_values_survive_switching_profiles(sim: Sim, isolated_config: Path) -> None:
    app = app_for(sim, isolated_config)
    async with app.run_test(size=(80, 24)) as pilot:
        app.main.form.input("domain_name").value = "typed.local"
        app.main.form.input("psc_password").value = "typed-secret"
        app.main.select_profile("unreachable")
        await pilot.pause()
        assert app.main.form.input("domain_name").value == "corp.local"
        app.main.select_profile("corp")
        await pilot.pause()
        assert app.main.form.input("domain_name").value == "typed.local"
        assert app.main.form.input("psc_password").value == "typed-secret"


async def test_first_use_of_a_pinned_vcenter_shows_its_certificate_and_saves_the_pin(
        sim: Sim, isolated_config: Path) -> None:
    path = write_config(isolated_config, {"corp": corp_profile(sim.address, tls="pinned")})
    app = HvcApp(config_path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f5")
        await wait_for_dialog(pilot, TrustScreen)
        shown = str(app.screen.query_one("#trust-details").render())
        assert sim.info.sha256 in unbroken(shown) and "SHA-1" in shown and "hvctui simulator" in shown
        assert sim.world.stats.requests == 0  # nothing sent before the decision
        await pilot.press("t")
        await wait_until(pilot, lambda: isinstance(app.screen, TrustScreen)
                         and sim.psc_thumbprint in unbroken(str(
                             app.screen.query_one("#trust-details").render())))
    saved = ConfigStore(path).load().config.profiles["corp"]
    assert saved.pin_sha256 == sim.info.sha256


async def test_a_first_use_pin_that_fails_before_anything_is_sent_is_in_the_history(
        isolated_config: Path) -> None:
    import socket

    from hvctui.profiles.history import History

    with socket.socket() as closed:  # a port nobody listens on: the certificate probe fails
        closed.bind(("127.0.0.1", 0))
        address = f"127.0.0.1:{closed.getsockname()[1]}"
    path = write_config(isolated_config, {"corp": corp_profile(address, tls="pinned")})
    app = HvcApp(config_path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f5")
        await wait_until(pilot, lambda: "refused" in pane_text(app).lower() or
                         "cannot" in pane_text(app).lower())
        await wait_until(pilot, lambda: not app.main._call_running())
    entries = History().read()
    assert [(e.profile, e.call, e.server) for e in entries] == [("corp", "link", address)]
    assert entries[0].status != "ok"


async def test_broken_config_opens_says_so_and_is_never_saved_over(isolated_config: Path) -> None:
    isolated_config.mkdir(parents=True)
    path = isolated_config / "config.toml"
    path.write_text('[profiles.corp]\nserver = "vc.example.com"\ntls = "maybe"\n')
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    app = HvcApp(config_path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        banner = str(app.query_one("#banner").render())
        assert "line 3" in banner and "profiles.corp.tls" in banner
        assert app.main.sidebar.visible_names == ["corp"]  # listed, marked broken
        app.main.form.input("server").value = "other.example.com"
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


async def test_a_file_that_is_not_toml_opens_says_so_and_is_never_saved_over(
        isolated_config: Path) -> None:
    isolated_config.mkdir(parents=True)
    path = isolated_config / "config.toml"
    path.write_text('[profiles.corp]\nserver = "vc.example.com\n')
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    app = HvcApp(config_path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        banner = str(app.query_one("#banner").render())
        assert "line 2" in banner and "not saved over" in banner
        app.main.form.input("server").value = "other.example.com"
        await pilot.press("ctrl+s")
        app.theme = "hvc-light"
        await pilot.pause()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


async def test_start_afresh_keeps_a_backup_then_saves(isolated_config: Path) -> None:
    isolated_config.mkdir(parents=True)
    path = isolated_config / "config.toml"
    path.write_text("broken = [")
    app = HvcApp(config_path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        app.action_start_afresh()
        app.theme = "hvc-light"
        await pilot.pause()
    assert (isolated_config / "config.toml.broken-1").read_text() == "broken = ["
    assert ConfigStore(path).load().config.theme == "hvc-light"


async def test_keymap_remaps_link_by_id(sim: Sim, isolated_config: Path) -> None:
    path = write_config(isolated_config, {"corp": corp_profile(sim.address, sim.info.sha256)},
                        keymap={"link": "f12"})
    app = HvcApp(config_path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f5")
        await pilot.pause(0.3)
        assert sim.world.stats.requests == 0
        await pilot.press("f12")
        await wait_for_dialog(pilot, TrustScreen)


async def test_theme_choice_is_saved_and_a_broken_user_theme_is_skipped(
        isolated_config: Path) -> None:
    themes = isolated_config / "themes"
    themes.mkdir(parents=True)
    (themes / "mine.toml").write_text('name = "mine"\nprimary = "#112233"\n')
    (themes / "broken.toml").write_text('name = "broken"\nprimary = "not-a-colour"\n')
    path = write_config(isolated_config, {"corp": corp_profile("vc.example.com")})
    app = HvcApp(config_path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.theme == "hvc-dark"
        assert "mine" in app.available_themes and "broken" not in app.available_themes
        assert any("broken.toml" in str(n.message) for n in app._notifications)
        app.theme = "hvc-high-contrast"
        await pilot.pause()
    assert ConfigStore(path).load().config.theme == "hvc-high-contrast"


def test_a_theme_file_that_is_huge_or_not_a_file_is_skipped_unread(isolated_config: Path) -> None:
    import os

    from hvctui.tui.themes import MAX_THEME_BYTES, load_themes

    themes = isolated_config / "themes"
    themes.mkdir(parents=True)
    (themes / "huge.toml").write_text('name = "huge"\nprimary = "#112233"\n'
                                      + "#" * MAX_THEME_BYTES + "\n")
    os.mkfifo(themes / "fifo.toml")  # would block a plain read forever
    loaded, problems = load_themes(themes)
    assert "huge" not in {t.name for t in loaded}
    reasons = {p.path.name: p.reason for p in problems}
    assert "too large" in reasons["huge.toml"] and "not a regular file" in reasons["fifo.toml"]


async def test_profiles_add_rename_delete_from_the_sidebar(isolated_config: Path) -> None:
    path = write_config(isolated_config, {"corp": corp_profile("vc.example.com")})
    app = HvcApp(config_path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        app.main.sidebar.profile_list.focus()
        await pilot.press("c")
        await wait_for_dialog(pilot, TextScreen)
        await pilot.press("enter")  # accepts "corp-copy"
        await wait_until(pilot, lambda: "corp-copy" in app.config.profiles)
        app.main.sidebar.profile_list.focus()
        await pilot.press("r")
        await wait_for_dialog(pilot, TextScreen)
        app.screen.query_one("#dialog-input").value = "lab"
        await pilot.press("enter")
        await wait_until(pilot, lambda: "lab" in app.config.profiles)
        app.main.sidebar.profile_list.focus()
        await pilot.press("d")
        await wait_for_dialog(pilot, ConfirmScreen)
        await pilot.press("y")
        await wait_until(pilot, lambda: "lab" not in app.config.profiles)
    assert list(ConfigStore(path).load().config.profiles) == ["corp"]


async def test_sidebar_filter_narrows_the_list(isolated_config: Path) -> None:
    path = write_config(isolated_config, {f"site-{i}": corp_profile("vc.example.com")
                                          for i in range(30)})
    app = HvcApp(config_path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        app.main.action_focus_profiles()
        await pilot.press(*"site-2")
        await pilot.pause()
        assert app.main.sidebar.visible_names == ["site-2"] + [f"site-{i}" for i in range(20, 30)]
        await pilot.press("enter")
        await pilot.pause()
        assert app.main.profile_name == "site-2"


async def test_insecure_is_shown_as_a_warning_while_in_use(isolated_config: Path) -> None:
    path = write_config(isolated_config, {"lab": corp_profile("vc.example.com", tls="insecure")})
    app = HvcApp(config_path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        banner = app.query_one("#banner")
        assert banner.display and "TLS verification is OFF" in str(banner.render())
        app.main.form.edit("tls")
        await wait_until(pilot, lambda: app.main.form.editing() == "tls")
        await pilot.press("right")  # insecure -> system CAs
        await pilot.pause()
        assert app.main.form.values()["tls"] == "system"
        assert not banner.display


async def test_trust_dialog_shows_certificate_details_when_the_server_sends_the_pem(
        isolated_config: Path) -> None:
    from hvctui.sim.server import SimServer
    from hvctui.sim.world import World

    with SimServer(World(send_psc_certificate=True)) as server:
        path = write_config(isolated_config,
                            {"corp": corp_profile(server.info.server, server.info.sha256)})
        app = HvcApp(config_path=path)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("f5")
            await wait_for_dialog(pilot, TrustScreen)
            shown = str(app.screen.query_one("#trust-details").render())
            await pilot.press("t")
            await wait_until(pilot, lambda: bool(server.world.links))
    psc = server.world.pscs["psc.corp.local"]
    assert psc.thumbprint in unbroken(shown) and "CN=psc.corp.local" in shown
    assert "SHA-1" in shown and "Valid" in shown and "self-signed" in shown


async def test_admins_screen_adds_and_removes_a_group(sim: Sim, isolated_config: Path) -> None:
    from hvctui.tui.screens.admins import AdminsScreen

    app = app_for(sim, isolated_config)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f3")
        await wait_until(pilot, lambda: isinstance(app.screen, AdminsScreen)
                         and bool(app.screen.groups))
        assert f"of {sim.address} (profile corp)" in screen_text(app)  # as F2's title does
        first = app.screen.groups[0]
        await pilot.press("d")  # at once: the first row is selected, as drawn
        await wait_for_dialog(pilot, ConfirmScreen)
        assert first in screen_text(app)
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, AdminsScreen))
        await pilot.press("a")
        await wait_for_dialog(pilot, TextScreen)
        await pilot.press(*"ops@corp.local", "enter")
        await wait_until(pilot, lambda: "ops@corp.local" in sim.world.administrators)
        await wait_until(pilot, lambda: isinstance(app.screen, AdminsScreen)
                         and "ops@corp.local" in app.screen.groups)
        await pilot.press("home", *["down"] * app.screen.groups.index("ops@corp.local"), "d")
        await wait_for_dialog(pilot, ConfirmScreen)
        await pilot.press("y")
        await wait_until(pilot, lambda: "ops@corp.local" not in sim.world.administrators)


async def test_history_screen_lists_calls_without_secrets(sim: Sim, isolated_config: Path) -> None:
    from textual.widgets import DataTable

    from hvctui.tui.screens.history import HistoryScreen

    app = app_for(sim, isolated_config)
    async with app.run_test(size=(80, 24)) as pilot:
        app.main.select_profile("unreachable")
        await pilot.press("f5")
        await wait_until(pilot, lambda: bool(app.main.pane.json))
        await pilot.press("f4")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen))
        table = app.screen.query_one(DataTable)
        row = [str(c) for c in table.get_row_at(0)]
        await pilot.press("f4", "f4")  # on the history: still one history, one escape away
        await pilot.pause()
        assert [type(s) for s in app.screen_stack][1:] == [HistoryScreen]
    assert row[2] == "ERROR" and row[3] == "unreachable" and row[4] == "link"
    assert PASSWORD not in (isolated_config / "history.jsonl").read_text()


async def test_admin_groups_are_edited_as_a_list(isolated_config: Path) -> None:
    from hvctui.tui.screens.dialogs import GroupsScreen

    path = write_config(isolated_config, {"corp": corp_profile("vc.example.com")})
    app = HvcApp(config_path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        app.main.form.input("admin_groups").focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, GroupsScreen))
        assert app.screen.groups == ["vmc-admins@corp.local"]
        await pilot.press("a")
        await wait_for_dialog(pilot, TextScreen)
        await pilot.press(*"nodomain", "enter")
        await pilot.pause()
        # The dialog stays open with what was typed, and says what is wrong.
        assert isinstance(app.screen, TextScreen)
        assert "group@domain" in str(app.screen.query_one("#dialog-problem").render())
        assert app.screen.query_one("#dialog-input").value == "nodomain"
        await pilot.press("end", *"@corp.local", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, GroupsScreen)
                         and len(app.screen.groups) == 2)
        await pilot.press("home", "d", "enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, GroupsScreen))
        assert app.main.form.values()["admin_groups"] == ["nodomain@corp.local"]
        await pilot.press("enter", "a")  # once more, adding one: the list grows
        await wait_for_dialog(pilot, TextScreen)
        await pilot.press(*"y@corp.local", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, GroupsScreen)
                         and len(app.screen.groups) == 2)
        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, GroupsScreen))
        await pilot.press(*", x@corp.local")  # typing goes on at the end of the list
        assert app.main.form.values()["admin_groups"] == [
            "nodomain@corp.local", "y@corp.local", "x@corp.local"]
        # escape cancels the list's edits: an add and a removal are both undone
        await pilot.press("enter", "a")
        await wait_for_dialog(pilot, TextScreen)
        await pilot.press(*"z@corp.local", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, GroupsScreen)
                         and len(app.screen.groups) == 4)
        await pilot.press("home", "d", "escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, GroupsScreen))
        assert app.main.form.values()["admin_groups"] == [
            "nodomain@corp.local", "y@corp.local", "x@corp.local"]


async def test_the_answer_is_copied_as_text_and_as_json(sim: Sim, isolated_config: Path) -> None:
    import json

    app = app_for(sim, isolated_config)
    async with app.run_test(size=(80, 24)) as pilot:
        app.main.select_profile("unreachable")
        await pilot.press("f5")
        await wait_until(pilot, lambda: "Next:" in pane_text(app))
        await pilot.press("ctrl+o", "y")
        text = app.clipboard
        await pilot.press("j")
        payload = json.loads(app.clipboard)
    assert text.startswith("Error: ERROR (HTTP 500)") and "caused by:" in text
    assert payload["error_type"] == "ERROR" and payload["http_status"] == 500
    assert payload["messages"][1]["id"] == "com.vmware.vcenter.hvc.dns.unresolved"
    assert PASSWORD not in text + app.clipboard


async def test_the_pane_shows_dates_in_the_configured_time_zone(
        sim: Sim, isolated_config: Path) -> None:
    path = write_config(isolated_config, {"unreachable": corp_profile(
        sim.address, sim.info.sha256, psc_hostname="psc.nowhere.example")},
        timezone="America/New_York")
    app = HvcApp(config_path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f5")
        await wait_until(pilot, lambda: "Next:" in pane_text(app))
        text = pane_text(app)
    assert "EST  [LONG_DATE_TIME]" in text or "EDT  [LONG_DATE_TIME]" in text


async def test_escape_after_the_create_was_sent_says_the_link_may_exist(
        sim: Sim, isolated_config: Path) -> None:
    path = write_config(isolated_config, {"corp": corp_profile(
        sim.address, sim.info.sha256, ssl_thumbprint=sim.psc_thumbprint)})
    sim.control("/sim/faults", {"latency_ms": 1500})
    app = HvcApp(config_path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f5")
        await wait_until(pilot, lambda: "POST /api/hvc/links" in pane_text(app), timeout=20)
        await pilot.press("escape")
        await wait_until(pilot, lambda: "Cancelled" in pane_text(app))
        text = pane_text(app)
    assert "link may exist" in text and "F2" in text  # where to look, in this app's keys


async def test_notifications_are_shown_as_text_and_the_app_keeps_running(
        isolated_config: Path) -> None:
    """ctrl+s's "Saved profile ..." toast, and a warning about a value that is not ours."""
    from textual.widgets._toast import Toast

    path = write_config(isolated_config, {"corp": corp_profile("vc.example.com")})
    app = HvcApp(config_path=path)
    # Textual's test driver leaves toasts out unless asked: they are what is tested here.
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: bool(app.screen.query(Toast)))
        await pilot.pause()
        shown = " ".join(str(t.render()) for t in app.screen.query(Toast))
        assert "Saved profile corp" in shown
        app.notify("a value [/oops] with \x1b]0;title\x07 in it", severity="warning")
        await pilot.pause()
        await pilot.pause()
        shown = " ".join(str(t.render()) for t in app.screen.query(Toast))
        assert "[/oops]" in shown and "\x1b" not in shown
        assert app.is_running


@pytest.mark.parametrize("key", ["f2", "f3"])
async def test_a_screen_closed_before_its_answer_arrives_does_not_end_the_app(
        sim: Sim, isolated_config: Path, key: str) -> None:
    """Found by random keys (seed 2): F3, escape, then the answer came for a closed screen."""
    from hvctui.tui.screens.main import MainScreen

    sim.control("/sim/faults", {"latency_ms": 400})
    app = app_for(sim, isolated_config)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(key)
        await wait_until(pilot, lambda: not isinstance(app.screen, MainScreen))
        await pilot.press("escape")
        await pilot.pause(2.0)  # long enough for every answer of the closed screen's call
        assert app.is_running and app._exception is None


async def test_up_and_down_move_between_fields_and_keep_the_editor_in_view(
        isolated_config: Path) -> None:
    """Up and down scrolled the form and left the field being typed into out of view."""
    from hvctui.tui.widgets.form import ALL_FIELDS

    path = write_config(isolated_config, {"corp": corp_profile("vc.example.com")})
    app = HvcApp(config_path=path)
    names = [f.name for f in ALL_FIELDS]
    async with app.run_test(size=(80, 24)) as pilot:
        form = app.main.form
        form.edit("server")
        await wait_until(pilot, lambda: form.editing() == "server")
        await pilot.press("up")  # the first field: it stays
        assert form.editing() == "server"
        for name in names[1:]:
            await pilot.press("down")
            await wait_until(pilot, lambda: form.editing() == name)
            editor = form.input(name) if name != "tls" else app.focused
            assert editor is not None, name
            # It scrolls into view on the next refresh (a busy machine can take a few frames).
            await wait_until(pilot, lambda: form.region.contains_region(editor.region),
                             timeout=3)
        await pilot.press("down")  # the last field: it stays
        assert form.editing() == names[-1]
        await pilot.press("up", "up")
        await wait_until(pilot, lambda: form.editing() == names[-3])
        await pilot.press(*"zz")
        assert form.values()[names[-3]].endswith("zz") or form.passwords().get(
            names[-3], "").endswith("zz")


async def test_link_names_every_problem_at_once_the_language_too(isolated_config: Path) -> None:
    path = write_config(isolated_config, {"corp": corp_profile("vc.example.com")})
    app = HvcApp(config_path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        app.main.form.input("server").value = "a:b:c"
        app.main.form.input("accept_language").value = "not a tag"
        await pilot.press("f5")
        await pilot.pause()
        shown = pane_text(app)
        assert "Not ready to send" in shown
        assert "vCenter: " in shown and "Language: 'not a tag'" in shown


async def test_the_history_fits_80_columns_duration_and_detail_in_view(
        isolated_config: Path) -> None:
    from hvctui.profiles.history import History, HistoryEntry

    History().append(HistoryEntry("2026-12-06T10:22:19Z", "a-rather-long-profile-name-here",
                                  "unlink 3f2a8c51-4b9e-4c1d-9a7e-2d3c4b5a6f70",
                                  "vcenter.sddc-1-2-3-4.vmwarevmc.com", "UNVERIFIED_PEER",
                                  123456, "the PSC's certificate is not trusted yet; detail"))
    path = write_config(isolated_config, {"corp": corp_profile("vc.example.com")})
    app = HvcApp(config_path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f4")
        await pilot.pause(0.2)
        from textual.widgets import DataTable

        table = app.screen.query_one(DataTable)
        widths = [column.get_render_width(table) for column in table.ordered_columns]
        assert sum(widths[:5]) <= 80 - 10  # room is left for the detail's start
        assert table.ordered_columns[1].label.plain == "ms"
        detail = str(app.screen.query_one("#history-detail").render())
        assert "123456 ms" in detail and "detail" in detail and "vmwarevmc.com" in detail


def test_wrapped_rows_keep_their_indentation_and_thumbprints_break_at_byte_pairs() -> None:
    from hvctui.tui.widgets.textview import hanging_indent, word_breaks

    line = "  └ caused by: The host name psc.example does not resolve at all here"
    indent = hanging_indent(line, 40)
    assert indent == len("  └ caused by: ")
    starts = word_breaks(line, 40, indent)
    rows = [line[a:b] for a, b in zip(starts, [*starts[1:], len(line)])]
    assert all(len(row.rstrip()) <= 40 - (indent if i else 0) for i, row in enumerate(rows))
    assert len(rows) == 3 and rows[1].startswith("does")
    thumbprint = "  SHA-256 " + ":".join(["AB"] * 32)
    starts = word_breaks(thumbprint, 40, hanging_indent(thumbprint, 40))
    assert all(thumbprint[s - 1] in ": " for s in starts[1:])  # never inside a byte pair


async def test_the_pane_indents_a_wrapped_cause_under_its_text(sim: Sim,
                                                               isolated_config: Path) -> None:
    path = write_config(isolated_config, {"corp": corp_profile(
        sim.address, pin=sim.info.sha256, psc_hostname="psc.nowhere.example")})
    app = HvcApp(config_path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f5")
        await wait_until(pilot, lambda: "caused by" in pane_text(app))
        view = app.main.pane  # a TextView
        lines = []
        for y in range(view.virtual_size.height):
            view.scroll_to(y=y, animate=False, immediate=True)
            lines.append(view.render_line(0).text)
        cause = next(i for i, text in enumerate(lines) if "└ caused by:" in text)
        column = lines[cause].index("caused by:") + len("caused by: ")
        assert lines[cause + 1][:column].strip() == "" and lines[cause + 1][column] != " "


async def test_a_call_in_flight_counts_its_seconds(sim: Sim, isolated_config: Path) -> None:
    app = app_for(sim, isolated_config)
    async with app.run_test(size=(80, 24)) as pilot:
        sim.control("/sim/faults", {"latency_ms": 1400})
        await pilot.press("f5")
        await wait_until(pilot, lambda: "working... 0 s" in pane_text(app))
        await wait_until(pilot, lambda: "working... 1 s" in pane_text(app), timeout=5)
        await pilot.press("escape")
        await wait_until(pilot, lambda: "working" not in pane_text(app))


async def test_toasts_cover_neither_the_link_id_nor_a_dialogs_keys(
        sim: Sim, isolated_config: Path) -> None:
    app = app_for(sim, isolated_config)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("f5")
        await wait_until(pilot, lambda: isinstance(app.screen, TrustScreen))
        app.notify("A long notification that takes two or three lines of a toast to say. " * 2)
        await pilot.pause(0.3)
        keys = app.screen.query_one(".dialog-keys").region
        toasts = [toast.region for toast in app.screen.query("Toast")]
        assert toasts and not any(keys.overlaps(region) for region in toasts)
        await wait_for_dialog(pilot, TrustScreen)
        await pilot.press("t")
        await wait_for_dialog(pilot, ConfirmScreen)
        await pilot.press("n")
        await wait_until(pilot, lambda: app.screen is app.main and "link id" in pane_text(app))
        app.notify("Another notification, as long as the first one was, or a little longer. " * 2)
        await pilot.pause(0.3)
        pane = app.main.pane
        row = next(y for y in range(pane.virtual_size.height)
                   if "link id" in pane._logical[pane._rows[y][0]].plain)
        line = pane.region.y + row - int(pane.scroll_offset.y)
        toasts = [toast.region for toast in app.screen.query("Toast")]
        assert toasts and not any(r.y <= line < r.y + r.height and r.right > pane.region.x
                                  for r in toasts)


async def test_a_click_on_a_key_bar_entry_does_what_its_key_does(isolated_config: Path) -> None:
    from hvctui.tui.screens.help import HelpScreen
    from hvctui.tui.screens.preview import PreviewScreen
    from hvctui.tui.widgets.keyhints import KeyHints

    path = write_config(isolated_config, {"corp": corp_profile("vc.example.com")})
    app = HvcApp(config_path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        app.main.form.edit("server")  # the form's keys in the bar: f5 Link, f7 Preview, ...
        await pilot.pause()
        bar = app.screen.query_one(KeyHints)
        line = str(bar.render())
        await pilot.click(KeyHints, offset=(line.index("Preview"), 0))
        await wait_until(pilot, lambda: isinstance(app.screen, PreviewScreen))
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.main)
        line = str(bar.render())
        await pilot.click(KeyHints, offset=(line.index("help"), 0))
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))


async def test_the_history_says_what_happened_and_the_palette_names_keys_as_people_read_them(
        sim: Sim, isolated_config: Path) -> None:
    from textual.widgets import DataTable

    from hvctui.profiles.history import History

    app = app_for(sim, isolated_config)
    async with app.run_test(size=(80, 24)) as pilot:
        app.main.select_profile("unreachable")
        await pilot.press("f5")
        await wait_until(pilot, lambda: bool(app.main.pane.json))
        assert app.palette_keys("Help") == "f1, ?"
        await pilot.press("f4")
        await wait_until(pilot, lambda: bool(app.screen.query(DataTable)))
        await pilot.pause(0.2)
        detail = str(app.screen.query_one("#history-detail").render())
    [entry] = History().read()
    assert entry.detail.startswith("ERROR (HTTP 500): ") and len(entry.detail) > 30
    assert detail.startswith("unreachable: link via ")


async def test_a_pin_accepted_for_an_edited_server_is_not_stored_on_the_saved_one(
        sim: Sim, isolated_config: Path) -> None:
    saved_server = "127.0.0.1:9"  # the profile as saved: another server
    path = write_config(isolated_config, {"corp": corp_profile(saved_server, tls="pinned")})
    app = HvcApp(config_path=path)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        app.main.form.input("server").value = sim.address  # edited, not saved
        # typed: the profile's sources give their passwords only to the server it is saved
        # with (the PSC's too: it goes to the cloud vCenter)
        app.main.form.set_value("password", PASSWORD)
        app.main.form.set_value("psc_password", PASSWORD)
        await pilot.press("f5")
        await wait_for_dialog(pilot, TrustScreen)
        await pilot.press("t")
        await wait_until(pilot, lambda: app.main.form.values()["pin_sha256"] == sim.info.sha256)
        await pilot.pause(0.2)
        assert any("pinned in the form only" in str(n.message) for n in app._notifications)
    saved = ConfigStore(path).load().config.profiles["corp"]
    assert saved.server == saved_server and saved.pin_sha256 == ""  # no pin on the wrong server
