"""Keys that arrive together (a paste, a laggy SSH link) land where a person typing slowly
would put them: each key goes to the target the keys before it have chosen.

The keys are posted to the app with no pause between them (Pilot.press waits for idle between
keys and would hide the defect), then the test waits once and looks where the text went."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual import events

from hvctui.tui.app import HvcApp
from hvctui.tui.screens.dialogs import ConfirmScreen, TextScreen

from .tui_support import corp_profile, wait_until, write_config

CHARS = {"tab": "\t", "enter": "\r", "escape": "\x1b", "space": " "}


def burst(app: HvcApp, *keys: str) -> None:
    """Post keys as one read from the terminal would deliver them."""
    for key in keys:
        if len(key) == 1:
            app.post_message(events.Key(key, key))
        else:
            app.post_message(events.Key(key, CHARS.get(key)))


def make(folder: Path, **changes: Any) -> HvcApp:
    path = write_config(folder, {
        "corp": corp_profile("127.0.0.1:18443", **changes),
        "dev": corp_profile("127.0.0.1:18444"),
    })
    return HvcApp(config_path=path, timings=False)


async def test_tab_then_letters_land_in_the_next_field(isolated_config: Path) -> None:
    app = make(isolated_config)
    async with app.run_test(size=(80, 24)) as pilot:
        app.main.form.focus_first()
        await wait_until(pilot, lambda: app.main.form.editing() == "server")
        burst(app, "end", "tab", "x", "y")
        await wait_until(pilot, lambda: "xy" in app.main.form.values()["user"]
                         or "xy" in app.main.form.values()["server"])
        await pilot.pause()
        values = app.main.form.values()
        assert values["server"] == "127.0.0.1:18443"
        assert values["user"] == "cloudadmin@vmc.localxy"  # the cursor starts at the end


async def test_the_header_has_the_last_letter_typed_before_a_tab(isolated_config: Path) -> None:
    """The editor moves on at once; the header still gets the field's last keystroke."""
    app = make(isolated_config)
    async with app.run_test(size=(80, 24)) as pilot:
        app.main.form.edit("user")
        await wait_until(pilot, lambda: app.main.form.editing() == "user")
        burst(app, "end", "z", "q", "tab", "k")
        await wait_until(pilot, lambda: app.main.form.editing() == "password")
        await pilot.pause()
        assert app.main.form.values()["user"] == "cloudadmin@vmc.localzq"
        assert app.main.form.passwords()["password"] == "k"
        assert "cloudadmin@vmc.localzq @" in str(app.main.query_one("#status").render())


async def test_ctrl_f_then_letters_filter_the_profiles(isolated_config: Path) -> None:
    app = make(isolated_config)
    async with app.run_test(size=(80, 24)) as pilot:
        app.main.form.input("domain_name").focus()
        await wait_until(pilot, lambda: app.main.form.editing() == "domain_name")
        burst(app, "ctrl+f", "d", "e", "v")
        await wait_until(pilot, lambda: app.main.sidebar.visible_names == ["dev"])
        await pilot.pause()
        assert app.main.form.values()["domain_name"] == "corp.local"


async def test_n_then_a_name_types_the_name_into_the_new_profile_dialog(
        isolated_config: Path) -> None:
    app = make(isolated_config)
    async with app.run_test(size=(80, 24)) as pilot:
        app.main.sidebar.profile_list.focus()
        await pilot.pause()
        burst(app, "n", "d", "e", "v", "2")
        await wait_until(pilot, lambda: isinstance(app.screen, TextScreen))
        await pilot.pause()
        assert app.screen.query_one("#dialog-input").value == "dev2"
        burst(app, "enter")
        await wait_until(pilot, lambda: "dev2" in app.main.config.profiles)
    assert not any(isinstance(s, ConfirmScreen) for s in app.screen_stack)
