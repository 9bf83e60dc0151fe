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


def terminal_read(app: HvcApp, data: str) -> list[str]:
    """Post the keys that Textual's terminal parser reads from `data` (one read, as tmux
    forwards Escape and the key typed after it), and return their names."""
    from textual._xterm_parser import XTermParser

    keys = [event for event in XTermParser().feed(data) if isinstance(event, events.Key)]
    for key in keys:
        app.post_message(key)
    return [key.key for key in keys]


async def test_escape_then_tab_in_one_read_reverts_the_field_and_moves_on(
        isolated_config: Path) -> None:
    """tmux sends Escape and a key typed within its escape-time (500 ms) in one write: the
    terminal parser must not read them as shift+tab (or alt+key)."""
    app = make(isolated_config)
    async with app.run_test(size=(80, 24)) as pilot:
        app.main.form.edit("user")
        await wait_until(pilot, lambda: app.main.form.editing() == "user")
        burst(app, "end", "z", "q")
        await wait_until(pilot, lambda: app.main.form.values()["user"].endswith("zq"))
        assert terminal_read(app, "\x1b\t") == ["escape", "tab"]
        await wait_until(pilot, lambda: app.main.form.editing() == "password")
        assert app.main.form.values()["user"] == "cloudadmin@vmc.local"
        # Escape then a letter: the field reverts, and the letter is typed, not alt+letter
        app.main.form.edit("user")
        await wait_until(pilot, lambda: app.main.form.editing() == "user")
        burst(app, "end", "z")
        await wait_until(pilot, lambda: app.main.form.values()["user"].endswith("z"))
        assert terminal_read(app, "\x1bk") == ["escape", "k"]
        await wait_until(pilot, lambda: app.main.form.values()["user"].endswith("k"))
        assert app.main.form.values()["user"] == "cloudadmin@vmc.localk"


def test_only_keys_that_follow_escape_are_split_from_it(isolated_config: Path) -> None:
    """Terminal sequences, readline's alt keys and a paste are read as Textual reads them."""
    from textual._xterm_parser import XTermParser

    make(isolated_config)  # the app installs the split

    def keys(*reads: str) -> list[str]:
        parser = XTermParser()
        return [e.key if isinstance(e, events.Key) else type(e).__name__
                for data in reads for e in parser.feed(data)]

    assert keys("\x1b[15~", "\x1bOP", "\x1b[Z") == ["f5", "f1", "shift+tab"]
    assert keys("\x1b", "[A") == ["up"]  # a sequence split over two reads
    assert keys("\x1b", "\r") == ["escape", "enter"]  # Escape, then enter in the next read
    assert keys("\x1bf", "\x1bb", "\x1b\x7f") == ["ctrl+right", "ctrl+left", "ctrl+w"]
    assert keys("\x1b\x1bx") == ["escape", "escape", "x"]
    assert keys("\x1b[200~a b\x1b[201~", "\x1bq") == ["Paste", "escape", "q"]

