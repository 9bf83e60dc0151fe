"""A real user's context (issue 11): where typing goes first, what the pane shows for which
profile, dialogs that keep what was typed, and the keys that users reach for."""

from __future__ import annotations

from pathlib import Path

import pytest

from hvctui.tui.app import HvcApp
from hvctui.tui.screens.dialogs import TextScreen
from hvctui.tui.screens.links import LinksScreen

from .conftest import Sim
from .tui_support import (PASSWORD, PW_ENV, corp_profile, pane_text, wait_for_dialog, wait_until,
                          write_config)


@pytest.fixture(autouse=True)
def password_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PW_ENV, PASSWORD)


def two_profiles(sim: Sim, folder: Path, **top: object) -> Path:
    return write_config(folder, {
        "corp": corp_profile(sim.address, sim.info.sha256, ssl_thumbprint=sim.psc_thumbprint),
        "legacy": corp_profile(sim.address, sim.info.sha256,
                               psc_hostname="psc-legacy.corp.local", domain_name="legacy.local",
                               psc_user="administrator@legacy.local", admin_groups=[]),
    }, **top)


async def test_typing_at_start_goes_to_the_profile_filter(sim: Sim, isolated_config: Path) -> None:
    app = HvcApp(config_path=two_profiles(sim, isolated_config))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"leg")
        await pilot.pause()
        assert app.main.sidebar.visible_names == ["legacy"]
        assert app.main.form.values()["server"] == sim.address  # the form was not typed into


async def test_each_profile_keeps_its_own_answer_labelled_with_its_name(
        sim: Sim, isolated_config: Path) -> None:
    app = HvcApp(config_path=two_profiles(sim, isolated_config))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f5")
        await wait_until(pilot, lambda: "LINKED" in pane_text(app))
        assert "answer for corp" in pane_text(app)
        app.main.select_profile("legacy")
        await pilot.pause()
        assert "LINKED" not in pane_text(app)  # not corp's answer under legacy's name
        app.main.select_profile("corp")
        await pilot.pause()
        assert "LINKED" in pane_text(app) and "answer for corp" in pane_text(app)


async def test_a_refused_profile_name_keeps_the_dialog_and_what_was_typed(
        sim: Sim, isolated_config: Path) -> None:
    app = HvcApp(config_path=two_profiles(sim, isolated_config))
    async with app.run_test(size=(80, 24)) as pilot:
        app.main.sidebar.profile_list.focus()
        await pilot.press("n")
        await wait_for_dialog(pilot, TextScreen)
        await pilot.press(*"my lab", "enter")
        await pilot.pause()
        assert isinstance(app.screen, TextScreen)
        assert app.screen.query_one("#dialog-input").value == "my lab"
        assert "not a profile name" in str(app.screen.query_one("#dialog-problem").render())
        assert "my" not in app.config.profiles and "my lab" not in app.config.profiles


async def test_the_hints_name_link_as_remapped(sim: Sim, isolated_config: Path) -> None:
    path = two_profiles(sim, isolated_config, keymap={"link": "f12"})
    app = HvcApp(config_path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "Press F12 to link" in pane_text(app) and "F5" not in pane_text(app)


async def test_f9_hides_and_shows_the_profiles_and_ctrl_b_is_left_to_tmux(
        sim: Sim, isolated_config: Path) -> None:
    """ctrl+b is tmux's prefix: inside tmux the app never sees it, so the default is f9."""
    app = HvcApp(config_path=two_profiles(sim, isolated_config))
    async with app.run_test(size=(80, 24)) as pilot:
        form_width = app.main.form.size.width
        await pilot.press("ctrl+b")
        await pilot.pause()
        assert app.main.sidebar.display
        await pilot.press("f9")
        await pilot.pause()
        assert not app.main.sidebar.display and app.main.form.size.width > form_width
        await pilot.press("f9")
        await pilot.pause()
        assert app.main.sidebar.display


async def test_f2_copies_a_link_id_and_the_palette_offers_link(
        sim: Sim, isolated_config: Path) -> None:
    app = HvcApp(config_path=two_profiles(sim, isolated_config))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f5")
        await wait_until(pilot, lambda: "LINKED" in pane_text(app))
        link_id = next(iter(sim.world.links))
        await pilot.press("f2")
        await wait_until(pilot, lambda: isinstance(app.screen, LinksScreen) and
                         bool(app.screen.rows))
        await pilot.press("y")
        await pilot.pause()
        assert app.clipboard == link_id
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Link" in titles
