"""Each patch to Textual's internals (tui/guards.py, tui/escapes.py, tui/keygate.py,
HvcApp._fatal_error) is installed, and each is a debt: a canary runs Textual's own code (kept
by the guard as `_hvctui_original`, or a plain App) on the defect's smallest reproduction. The canaries are strict xfails: the
day a Textual release fixes a defect, its canary passes, the suite turns red, and the reason says
which guard can go. A private name renamed by Textual fails `test_every_guard_is_installed`."""

from __future__ import annotations

import gc
import os
import threading
import weakref
from typing import Any

import pytest
from rich.console import Console
from textual import events
from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Input, Label, OptionList

from hvctui.tui import guards
from hvctui.tui.app import HvcApp
from hvctui.tui.guards import ORIGINAL

SECRET = "Basic hunter2-not-for-screens"


@pytest.fixture(autouse=True, scope="module")
def installed() -> dict[str, bool]:
    return guards.install()


def original(function: Any) -> Any:
    """Textual's own code behind a guard."""
    return getattr(function, ORIGINAL)


def canary(issue: str, guard: str) -> Any:
    return pytest.mark.xfail(strict=True, reason=f"{issue}: remove {guard} when this passes")


# --- installed --------------------------------------------------------------------------------


def test_every_guard_is_installed(installed: dict[str, bool]) -> None:
    assert installed and all(installed.values()), installed
    from textual._styles_cache import StylesCache
    from textual._xterm_parser import XTermParser
    from textual.drivers import linux_driver
    from textual.drivers.linux_driver import LinuxDriver

    for wrapper in (OptionList._move_page, StylesCache.get_inner_outer,
                    XTermParser.feed, XTermParser._parse_extended_key,
                    linux_driver.getincrementaldecoder, LinuxDriver.process_message,
                    LinuxDriver._query_in_band_window_resize):
        assert hasattr(wrapper, ORIGINAL), wrapper


async def test_the_attributes_the_guards_read_are_still_textuals() -> None:
    """Private attributes read, not wrapped: renamed, the guard would do nothing, silently."""
    from textual._xterm_parser import XTermParser
    from textual.drivers.linux_driver import LinuxDriver

    assert "_timeout_time" in vars(XTermParser())  # escapes.py ends the ESC wait through it
    assert "_in_band_window_resize" in vars(LinuxDriver(App()))
    assert "_fatal_error" in vars(App) and HvcApp._fatal_error is not App._fatal_error
    app = App[None]()
    async with app.run_test():  # keygate.py waits for every queue to drain through these
        assert app._registry and all(hasattr(pump, "_message_queue")
                                     and hasattr(pump, "_next_callbacks")
                                     for pump in (app, *app._registry))


# --- canaries: Textual's own code on each defect ----------------------------------------------


class _Widgets(App[None]):
    def compose(self) -> ComposeResult:
        yield Input(value="a\x1b[2Jb")
        options = OptionList("a", "b", "c")
        options.display = False  # as the palette's list is until it has results: no lines
        yield options


class _TwoFields(App[None]):
    def compose(self) -> ComposeResult:
        yield Input(id="first")
        yield Input(id="second")


@canary("docs/upstream/10-keys-in-one-read-go-to-the-old-focus.md", "tui/keygate.py")
async def test_canary_keys_in_one_read_go_to_the_field_focused_before_tab() -> None:
    app = _TwoFields()
    async with app.run_test() as pilot:
        for key, character in (("tab", None), ("x", "x"), ("y", "y")):
            app.post_message(events.Key(key, character))  # one read: no key waits for another
        await pilot.pause()
        assert app.query_one("#second", Input).value == "xy"  # Textual 8.2.8: "#first" has it


@canary("docs/upstream/01-option-list-page-before-layout.md", "_guard_option_list_page")
async def test_canary_page_down_in_an_option_list_with_no_lines() -> None:
    app = _Widgets()
    async with app.run_test() as pilot:
        option_list = app.query_one(OptionList)
        await pilot.pause()
        option_list.highlighted = 1
        original(OptionList._move_page)(option_list, 1)  # Textual 8.2.8: KeyError


def test_every_screen_hvctui_pushes_dismisses_only_on_top() -> None:
    """Textual's dismiss pops whatever screen is on top (the canary below): every screen class
    of hvctui's, the palette too, takes OnTop first."""
    import importlib
    import pkgutil

    import hvctui.tui
    from hvctui.tui.screens.main import MainScreen
    from hvctui.tui.screens.ontop import OnTop

    for module in pkgutil.walk_packages(hvctui.tui.__path__, "hvctui.tui."):
        importlib.import_module(module.name)
    ours = {cls for cls in _subclasses(Screen) if cls.__module__.startswith("hvctui.")}
    assert len(ours) >= 10
    assert [cls.__name__ for cls in ours if cls is not MainScreen  # the default: never dismissed
            and not issubclass(cls, OnTop)] == []


async def test_a_screen_not_on_top_dismisses_nothing() -> None:
    """A second dismiss queued by a burst of keys: the screen above stays, no answer is given
    twice, and with only the default screen left nothing raises."""
    from hvctui.tui.screens.ontop import OnTop

    class Ours(OnTop, Screen[str]):
        pass

    answers: list[str | None] = []
    app = App[None]()
    async with app.run_test() as pilot:
        below, above = Ours(), Ours()
        await app.push_screen(below, answers.append)
        await app.push_screen(above)
        below.dismiss("stale")
        await pilot.pause()
        assert app.screen is above and answers == []
        above.dismiss()
        await pilot.pause()
        below.dismiss("once")
        below.dismiss("twice")  # Textual's own: ScreenStackError, the app ends
        await pilot.pause()
        assert answers == ["once"] and app.is_running and len(app.screen_stack) == 1


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    return found.union(*(_subclasses(sub) for sub in found))


@canary("docs/upstream/02-dismiss-pops-another-screen.md", "OnTop (tui/screens/ontop.py)")
async def test_canary_dismissing_a_screen_that_is_not_on_top() -> None:
    app = App[None]()
    async with app.run_test() as pilot:
        below, above = Screen[None](), Screen[None]()
        await app.push_screen(below)
        await app.push_screen(above)
        Screen.dismiss(below)
        await pilot.pause()
        assert app.screen is above  # Textual 8.2.8 pops `above`


@canary("docs/upstream/03-palette-is-open-top-only.md", "HvcApp.action_command_palette")
async def test_canary_the_palette_under_a_dialog_is_not_open() -> None:
    from textual.command import CommandPalette

    app = App[None]()
    async with app.run_test() as pilot:
        await app.push_screen(CommandPalette(id="--command-palette"))
        await app.push_screen(Screen[None]())
        await pilot.pause()
        assert CommandPalette.is_open(app)  # Textual 8.2.8: False, ctrl+p opens a second


@canary("docs/upstream/04-input-draws-control-characters.md",
        "the highlighter ShownControls (tui/widgets/oneline.py)")
async def test_canary_an_input_draws_an_escape_raw() -> None:
    app = _Widgets()  # a plain Input: no highlighter
    async with app.run_test():
        assert "\x1b" not in app.query_one(Input)._value.plain


@canary("textual#6665", "_guard_styles_cache_retention")
def test_canary_the_styles_cache_keeps_closed_widgets_caches() -> None:
    from textual._styles_cache import StylesCache
    from textual.color import Color

    cache = StylesCache()
    kept = weakref.ref(cache)
    original(StylesCache.get_inner_outer)(cache, Color(1, 2, 3), Color(4, 5, 6))
    del cache
    gc.collect()
    assert kept() is None


@canary("textual#6456", "_guard_undecodable_input")
async def test_canary_a_byte_that_is_not_utf8_ends_the_input_thread(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from textual.drivers import linux_driver

    monkeypatch.setattr(linux_driver, "getincrementaldecoder",
                        original(linux_driver.getincrementaldecoder))
    driver = linux_driver.LinuxDriver(App())
    read_end, write_end = os.pipe()
    driver.fileno = read_end
    keys: list[str] = []

    def process_message(message: Any) -> None:
        if isinstance(message, events.Key):
            keys.append(message.key)
            if message.key == "y":
                driver.exit_event.set()

    driver.process_message = process_message  # type: ignore[method-assign]
    os.write(write_end, b"x\xfcy")
    give_up = threading.Timer(2.0, driver.exit_event.set)
    give_up.start()
    try:
        driver.run_input_thread()  # Textual 8.2.8: UnicodeDecodeError
    finally:
        give_up.cancel()
        os.close(read_end)
        os.close(write_end)
    assert keys[0] == "x" and keys[-1] == "y"


@canary("docs/upstream/05-malformed-kitty-key-raises.md", "_guard_malformed_extended_key")
def test_canary_a_malformed_kitty_key_raises() -> None:
    from textual._xterm_parser import XTermParser

    original(XTermParser._parse_extended_key)(XTermParser(), "\x1b[1;1:3A")  # ValueError


@canary("docs/upstream/06-unrequested-in-band-resize.md", "_guard_unrequested_resize")
async def test_canary_an_unrequested_in_band_resize_is_taken() -> None:
    from textual.drivers.linux_driver import LinuxDriver
    from textual.geometry import Size

    driver = LinuxDriver(App())
    sent: list[Any] = []
    driver.send_message = sent.append  # type: ignore[method-assign]
    huge = Size(99999, 99999)
    original(LinuxDriver.process_message)(driver, events.Resize(huge, huge))
    assert sent == []  # in-band resizing was never turned on


def _keys(data: str) -> list[str]:
    from textual._xterm_parser import XTermParser

    found = original(XTermParser.feed)(XTermParser(), data)
    return [e.key if isinstance(e, events.Key) else f"Paste:{e.text}" for e in found
            if isinstance(e, (events.Key, events.Paste))]


@canary("docs/upstream/07-escape-then-key-in-one-read.md", "escapes.py's Escape/alt split")
def test_canary_escape_then_tab_in_one_read_is_shift_tab() -> None:
    assert _keys("\x1b\t") == ["escape", "tab"]  # Textual 8.2.8: shift+tab


@canary("docs/upstream/08-escape-in-a-paste-replayed-as-keys.md", "escapes.py's paste ESC")
def test_canary_an_escape_in_a_paste_replays_the_paste_as_keys() -> None:
    pasted = "\x1b" + "x" * 31 + "\n"
    assert _keys("\x1b[200~" + pasted + "\x1b[201~") == ["Paste:" + pasted]


class _Crashing(App[None]):
    BINDINGS = [("x", "crash")]

    def __init__(self) -> None:
        super().__init__()
        self.shown: list[Any] = []

    def compose(self) -> ComposeResult:
        yield Label("x crashes")

    def action_crash(self) -> None:
        header = SECRET  # a local that a crash report must not print
        raise RuntimeError(f"defect ({len(header)})")

    def _fatal_error(self) -> None:
        App._fatal_error(self)
        self.shown.extend(self._exit_renderables)


@canary("docs/upstream/09-crash-report-shows-locals.md", "HvcApp._fatal_error")
async def test_canary_textuals_crash_report_shows_local_variables() -> None:
    app = _Crashing()
    with pytest.raises(RuntimeError):
        async with app.run_test() as pilot:
            await pilot.press("x")
            await pilot.pause()
    console = Console(record=True, width=120)
    for renderable in app.shown:
        console.print(renderable)
    shown = console.export_text()
    assert "RuntimeError" in shown and SECRET not in shown
