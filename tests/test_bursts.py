"""Keys that arrive together (a paste, a laggy SSH link) land where a person typing slowly
would put them: each key goes to the target the keys before it have chosen.

The keys are posted to the app with no pause between them (Pilot.press waits for idle between
keys and would hide the defect), then the test waits once and looks where the text went."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from textual import events

from hvctui.tui.app import HvcApp
from hvctui.tui.screens.dialogs import ConfirmScreen, TextScreen, TrustScreen

from .conftest import Sim
from .tui_support import corp_profile, wait_for_dialog, wait_until, write_config

CHARS = {"tab": "\t", "enter": "\r", "escape": "\x1b", "space": " "}

pytestmark = pytest.mark.dialog_quiet  # keys typed as dialogs open: the real quiet time


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
        burst(app, "escape")  # escape in the filter clears it
        await wait_until(pilot, lambda: app.main.sidebar.visible_names == ["corp", "dev"])
        assert app.main.sidebar.filter_text == ""


async def test_n_then_a_name_types_the_name_into_the_new_profile_dialog(
        isolated_config: Path) -> None:
    app = make(isolated_config)
    async with app.run_test(size=(80, 24)) as pilot:
        app.main.sidebar.profile_list.focus()
        await pilot.pause()
        burst(app, "n", "d", "e", "v", "2")
        await wait_for_dialog(pilot, TextScreen)
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


def read(*reads: str, pause_after: int | None = None, gap: float = 0.5) -> list[str]:
    """The keys (and pastes, as "Paste:text") Textual's parser reads from these reads, `gap`
    seconds apart (a person's pace), with the parser's ESC wait run out after read number
    `pause_after` (a person pausing)."""
    from textual import constants
    from textual._xterm_parser import XTermParser

    from hvctui.tui.escapes import Reads

    now = [0.0]
    parser = XTermParser()
    parser.__dict__["_hvctui_reads"] = Reads(clock=lambda: now[0])
    found: list[Any] = []
    for number, data in enumerate(reads):
        now[0] += gap
        found += parser.feed(data)
        if number == pause_after:
            time.sleep(constants.ESCAPE_DELAY + 0.05)
            found += parser.tick()
    return [e.key if isinstance(e, events.Key) else f"Paste:{e.text}" for e in found
            if isinstance(e, (events.Key, events.Paste))]


def test_only_keys_that_follow_escape_are_split_from_it(isolated_config: Path) -> None:
    """Terminal sequences and readline's alt keys are read as Textual reads them."""
    make(isolated_config)  # the app installs the split
    assert read("\x1b[15~", "\x1bOP", "\x1b[Z") == ["f5", "f1", "shift+tab"]
    assert read("\x1b", "[A") == ["up"]  # a sequence cut between two reads
    assert read("\x1b[1;", "5C") == ["ctrl+right"]
    assert read("\x1b", "\r") == ["escape", "enter"]  # Escape, then enter in the next read
    assert read("\x1bf", "\x1bb", "\x1b\x7f") == ["ctrl+right", "ctrl+left", "ctrl+w"]
    assert read("\x1b\x1bx") == ["escape", "escape", "x"]
    assert read("\x1bP", "\x1b]") == ["escape", "P", "escape", "right_square_bracket"]


def test_escape_a_pause_then_a_key_is_escape_then_the_key(isolated_config: Path) -> None:
    """The parser's own wait ran out first: nothing is left to end (this ended the app)."""
    make(isolated_config)
    assert read("\x1b", "x", pause_after=0) == ["escape", "x"]
    assert read("\x1b\x1b", "\t", pause_after=0) == ["escape", "escape", "tab"]
    assert read("a\x1b", "c", "\x1bq") == ["a", "escape", "c", "escape", "q"]


def test_a_paste_is_text_whatever_it_holds(isolated_config: Path) -> None:
    """An ESC in a paste is not a key: ESC and 32 characters were replayed as keys (a line
    feed ran Link), an ESC before the end marker closed the dialog pasted into."""
    make(isolated_config)
    start, end = "\x1b[200~", "\x1b[201~"
    text = "\x1b" + "x" * 31 + "\n"
    assert read(start + text + end) == ["Paste:\u241b" + "x" * 31 + "\n"]
    assert read(start + "abc\x1b" + end) == ["Paste:abc\u241b"]
    assert read(start + "a b" + end, "\x1bq") == ["Paste:a b", "escape", "q"]
    # markers cut between reads
    assert read("\x1b[20", "0~a\x1bxb" + end) == ["Paste:a\u241bxb"]
    assert read(start + "ab\x1b[20", "1~", "\x1bx") == ["Paste:ab", "escape", "x"]
    assert read(start + "ab\x1b", "[201~x") == ["Paste:ab", "x"]
    # a read that ends in the paste with what may start the end marker, and is not it
    for cut in ("\x1b", "\x1b[", "\x1b[2", "\x1b[20"):
        rest = "\x1b[201~"[len(cut):] if cut == "\x1b[20" else "x\rmore" + end
        assert read(start + "abc" + cut, rest) == (
            ["Paste:abc"] if cut == "\x1b[20" else ["Paste:abc\u241b" + cut[1:] + "x\rmore"])
    assert read(start + "abc\x1b", end, pause_after=0) == ["Paste:abc\u241b"]


def test_a_byte_that_is_not_utf8_is_read_as_a_replacement_character(
        isolated_config: Path) -> None:
    """The terminal's reads are decoded by Textual's driver: a byte that is not UTF-8 (an
    umlaut from a Latin-1 terminal) ended the app (guarded in hvctui.tui.guards)."""
    from textual.drivers import linux_driver

    make(isolated_config)  # the app installs the guard
    decode = linux_driver.getincrementaldecoder("utf-8")().decode
    assert decode(b"x\xfcy") == "x\ufffdy"
    assert decode(b"\xc3") == "" and decode(b"\xbc") == "\u00fc"  # split between two reads
    assert decode(b"\x9b") == "\ufffd"


def test_malformed_terminal_sequences_are_read_as_text_not_raised(isolated_config: Path) -> None:
    """Textual's parser raised on kitty-keyboard sequences with malformed numbers, which ended
    the app (guarded in hvctui.tui.guards); a well-formed one is still a key."""
    make(isolated_config)
    for sequence in ("\x1b[1;1:3A", "\x1b[1114112u", "\x1b[99999999999999999999;5u",
                     "\x1b[:u"):
        assert "escape" not in read(sequence)  # text, no exception
    assert read("\x1b[97;5u") == ["ctrl+a"]


async def test_an_in_band_resize_is_kept_only_when_asked_for_and_possible(
        isolated_config: Path) -> None:
    """A pasted ESC[48;99999;99999;1;1t made the app lay out a 99999x99999 screen (3 GB, no key
    answered): a size from the input passes only once in-band resizing is on, and only if a
    terminal can have it (guarded in hvctui.tui.guards)."""
    from textual.drivers.linux_driver import LinuxDriver
    from textual.geometry import Size

    app = make(isolated_config)
    driver = LinuxDriver(app)
    sent: list[Any] = []
    driver.send_message = sent.append  # type: ignore[method-assign]

    def resize(width: int, height: int) -> events.Resize:
        return events.Resize(Size(width, height), Size(width, height))

    driver.process_message(resize(100, 40))  # in-band resizing was never turned on
    driver._in_band_window_resize = True
    driver.process_message(resize(99999, 99999))
    assert sent == []
    driver.process_message(resize(100, 40))
    assert [m.size for m in sent] == [Size(100, 40)]


async def test_a_support_reply_for_in_band_resizing_is_taken_once_and_only_when_asked(
        isolated_config: Path) -> None:
    """A pasted ESC[?2048;2$y turned in-band resizing on at any time, after which SIGWINCH was
    ignored and the screen kept its size for good (guarded in hvctui.tui.guards)."""
    from textual.drivers.linux_driver import LinuxDriver
    from textual.messages import InBandWindowResize

    from hvctui.tui import guards

    app = make(isolated_config)
    driver = LinuxDriver(app)
    sent: list[Any] = []
    driver.send_message = sent.append  # type: ignore[method-assign]
    driver.write = lambda data: None  # type: ignore[method-assign]
    driver.process_message(InBandWindowResize(True, True))  # nobody asked
    assert not driver._in_band_window_resize and sent == []
    driver._query_in_band_window_resize()
    driver._hvctui_asked_at -= guards.IN_BAND_REPLY_WINDOW + 1  # asked too long ago
    driver.process_message(InBandWindowResize(True, True))
    assert not driver._in_band_window_resize
    driver._query_in_band_window_resize()
    driver.process_message(InBandWindowResize(True, True))  # the terminal's answer
    assert driver._in_band_window_resize and len(sent) == 1
    driver._in_band_window_resize = False
    driver.process_message(InBandWindowResize(True, True))  # a second one: not taken
    assert not driver._in_band_window_resize and len(sent) == 1


def test_a_paste_with_no_end_marker_is_over_after_a_pause(isolated_config: Path) -> None:
    """A start marker with no end froze every key for good: a paste whose reads stall for
    PASTE_STALL seconds is over, and the keys after it act."""
    from textual._xterm_parser import XTermParser

    from hvctui.tui.escapes import PASTE_STALL, Reads

    make(isolated_config)
    start = "\x1b[200~"
    now = [0.0]
    parser = XTermParser()
    parser.__dict__["_hvctui_reads"] = Reads(clock=lambda: now[0])

    def keys(data: str) -> list[str]:
        return [e.key if isinstance(e, events.Key) else f"Paste:{e.text}"
                for e in parser.feed(data) if isinstance(e, (events.Key, events.Paste))]

    assert keys(start + "hi") == []  # no end marker: still a paste
    now[0] += PASTE_STALL / 2
    assert keys("\x1bOP") == []  # F1 soon after: pasted text, as a paste over a slow link
    now[0] += PASTE_STALL
    assert keys("\x1bOPx") == ["Paste:hi\u241bOP", "f1", "x"]  # stalled: over, keys act
    # an end marker outside any paste ends nothing: what follows it acts
    assert read("\x1b[201~\rq") == ["enter", "q"]


async def test_a_paste_holding_an_end_marker_then_f5_and_t_trusts_nothing(
        sim: Sim, isolated_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A paste can hold an end marker of its own (tmux passes it on): what follows it is typed.
    F5 then starts Link as typing it would; the `t` of the same paste reaches the trust dialog
    as it opens, and trusts nothing."""
    from .tui_support import PASSWORD, PW_ENV

    monkeypatch.setenv(PW_ENV, PASSWORD)
    path = write_config(isolated_config, {"corp": corp_profile(sim.address, sim.info.sha256)})
    app = HvcApp(config_path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        # One paste: its first read ends after F5; the rest streams in as the dialog opens.
        assert terminal_read(app, "\x1b[200~zz\x1b[201~\x1b[15~") == ["f5"]
        await wait_until(pilot, lambda: isinstance(app.screen, TrustScreen))
        assert terminal_read(app, "t\x1b[201~") == ["t"]
        await pilot.pause(0.2)
        assert isinstance(app.screen, TrustScreen) and sim.world.links == {}
