"""Keys people already have in their fingers (issue 21): `?` and `q` as in k9s and lazygit
where no text field has focus, and making a profile found without reading help."""

from __future__ import annotations

from pathlib import Path

from hvctui.tui.app import HvcApp
from hvctui.tui.screens.dialogs import ConfirmScreen, TextScreen, TrustScreen
from hvctui.tui.screens.help import HelpScreen
from hvctui.tui.screens.history import HistoryScreen

from .conftest import Sim
from .tui_support import (PASSWORD, PW_ENV, corp_profile, screen_text, wait_for_dialog,
                          wait_until, write_config)

NAMES = ["alpha", "beta", "corp", "dev", "lab"]


def app_with(folder: Path, selected: str = "dev", **top: object) -> HvcApp:
    path = write_config(folder, {n: corp_profile("vc.example.com") for n in NAMES}, **top)
    return HvcApp(config_path=path, initial_profile=selected)


def key_bar(app: HvcApp) -> str:
    return screen_text(app).rstrip("\n").split("\n")[-1]


async def test_question_mark_opens_help_and_q_goes_back_then_quits(
        isolated_config: Path) -> None:
    app = app_with(isolated_config)
    async with app.run_test(size=(80, 24)) as pilot:
        app.main.sidebar.profile_list.focus()
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.press("q")
        await wait_until(pilot, lambda: app.screen is app.main)
        await pilot.press("f4")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen))
        await pilot.press("q")
        await wait_until(pilot, lambda: app.screen is app.main)
        await pilot.press("ctrl+o", "question_mark")  # the response pane: no text field
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.press("question_mark")  # the key that opened help closes it
        await wait_until(pilot, lambda: app.screen is app.main)
        await pilot.press("q")  # nothing edited: quits at once, as ctrl+q does
        await wait_until(pilot, lambda: not app.is_running)


async def test_q_and_question_mark_in_a_text_field_are_text(isolated_config: Path) -> None:
    app = app_with(isolated_config)
    async with app.run_test(size=(80, 24)) as pilot:
        app.main.sidebar.focus_filter()
        await pilot.press("q", "question_mark")
        await pilot.pause()
        assert app.main.sidebar.filter_text == "q?"
        assert app.is_running and app.screen is app.main


async def test_q_on_the_main_screen_asks_first_when_edits_are_unsaved(
        isolated_config: Path) -> None:
    app = app_with(isolated_config)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: bool(app.main.query("SpecForm")))
        app.main.form.input("psc_port").focus()
        await pilot.press("4", "4", "4")
        app.main.sidebar.profile_list.focus()
        await pilot.press("q")
        await wait_for_dialog(pilot, ConfirmScreen)
        assert app.screen.id == "quit-question"
        await pilot.press("n")
        await wait_until(pilot, lambda: app.screen is app.main)
        assert app.is_running


async def test_q_in_the_trust_dialog_is_typing_not_a_way_out(
        sim: Sim, isolated_config: Path, monkeypatch: object) -> None:
    monkeypatch.setenv(PW_ENV, PASSWORD)  # type: ignore[attr-defined]
    path = write_config(isolated_config, {"corp": corp_profile(sim.address, sim.info.sha256)})
    app = HvcApp(config_path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f5")
        await wait_for_dialog(pilot, TrustScreen)
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, TrustScreen) and app.is_running
        assert "Typing is not an answer" in str(app.screen.query_one("#dialog-note").render())


async def test_the_filter_says_how_to_reach_the_list_and_make_a_profile(
        isolated_config: Path) -> None:
    app = app_with(isolated_config, keymap={"profile_new": "a"})
    async with app.run_test(size=(80, 24)) as pilot:
        app.main.sidebar.focus_filter()
        await pilot.pause()
        assert key_bar(app).startswith(" \u2193 then a new profile")
        await pilot.press("down", "a")
        await wait_for_dialog(pilot, TextScreen)
        assert "New profile name" in screen_text(app)


async def test_an_empty_sidebar_says_which_key_makes_a_profile(isolated_config: Path) -> None:
    app = HvcApp(config_path=isolated_config / "config.toml")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        sidebar = "".join(line[:21] for line in screen_text(app).split("\n")[2:6])
        assert "no profiles yet:" in sidebar and "press n in this list" in sidebar
        await pilot.press("down", "n")
        await wait_for_dialog(pilot, TextScreen)


async def test_down_from_the_filter_lands_on_the_selected_profile(
        isolated_config: Path) -> None:
    app = app_with(isolated_config, selected="corp")
    async with app.run_test(size=(80, 24)) as pilot:
        listing = app.main.sidebar.profile_list
        app.main.sidebar.focus_filter()
        await pilot.press("down")
        await wait_until(pilot, lambda: listing.has_focus)
        assert listing.highlighted_name == "corp"
        await pilot.press("down", "down")  # looked further down, chose nothing
        assert listing.highlighted_name == "lab"
        await pilot.press("ctrl+f", "down")
        await wait_until(pilot, lambda: listing.has_focus)
        assert listing.highlighted_name == "corp"


async def test_a_filter_that_matches_no_profile_says_so(isolated_config: Path) -> None:
    """A filter that matched nothing left the list blank, nothing saying why."""
    path = write_config(isolated_config, {"corp": corp_profile("vc.example.com")})
    app = HvcApp(config_path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"zzz")
        await pilot.pause()
        sidebar = "".join(line[:21] for line in screen_text(app).split("\n")[2:8])
        assert "no profile matches" in sidebar and "'zzz'" in sidebar, sidebar
        await pilot.press("escape")
        await pilot.pause()
        sidebar = "".join(line[:21] for line in screen_text(app).split("\n")[2:8])
        assert "corp" in sidebar and "no profile matches" not in sidebar
