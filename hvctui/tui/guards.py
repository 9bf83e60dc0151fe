"""Local guards for defects in Textual that end the app or hold what it no longer shows, each
proven by a test.

Every guard names the upstream behaviour it covers, checks the precondition that upstream
misses and otherwise hands over to Textual's own code, so it stays correct if upstream fixes the
defect; if the private method it wraps disappears, the guard is not installed and the
regression test in tests/test_random_keys.py says so.
"""

from __future__ import annotations

import re
from typing import Any

from textual.await_complete import AwaitComplete
from textual.screen import Screen
from textual.widgets import Input, OptionList

from hvctui.tui import escapes

_INSTALLED = "_hvctui_guarded"


def _guard_option_list_page() -> bool:
    """Page Up / Page Down in an OptionList that has options but no lines yet.

    Upstream (Textual 8.2.x, `OptionList._move_page`): the line cache is filled by
    `_update_lines`, which does nothing while the list has no content region (not laid out
    yet, or hidden: the command palette's list is `display: none` until it has results). With
    options present and `highlighted` set, `_move_page` reads `self._index_to_line[highlighted]`
    from the empty cache and raises `KeyError` (or `IndexError` at `self._lines[-1]`), which
    ends the app. Without lines there is no page to move by, so the highlight stays.
    """
    original = getattr(OptionList, "_move_page", None)
    if original is None:
        return False
    if getattr(original, _INSTALLED, False):
        return True

    def _move_page(self: OptionList, direction: Any) -> None:
        if self.option_count and not self.scrollable_content_region:
            return  # no lines to page through yet: upstream would raise KeyError
        original(self, direction)

    setattr(_move_page, _INSTALLED, True)
    _move_page.__doc__ = original.__doc__
    OptionList._move_page = _move_page  # type: ignore[method-assign]
    return True


def _guard_stale_dismiss() -> bool:
    """`Screen.dismiss` on a screen that is no longer the active one.

    Upstream (Textual 8.2.x, `Screen.dismiss`): calls the result callback and then
    `app.pop_screen()`, which pops whatever screen is on top, not necessarily this one. A
    handler queued on a screen that a burst of keys has already closed (enter, enter in the
    command palette; enter and escape in a dialog) dismisses it a second time: with only the
    main screen left this raises `ScreenStackError` and ends the app, otherwise it pops another
    screen and answers its caller twice. A screen that is not on top has nothing to dismiss.
    """
    original = Screen.dismiss
    if getattr(original, _INSTALLED, False):
        return True

    def dismiss(self: Screen[Any], result: Any = None) -> AwaitComplete:
        stack = self.app.screen_stack
        if not stack or stack[-1] is not self:
            return AwaitComplete.nothing()
        return original(self, result)

    setattr(dismiss, _INSTALLED, True)
    dismiss.__doc__ = original.__doc__
    Screen.dismiss = dismiss  # type: ignore[method-assign]
    return True


def _guard_stale_palette_choice() -> bool:
    """A choice that reaches the command palette after it closed.

    Upstream (Textual 8.2.x, `CommandPalette._select_command` / `_select_or_command`): two
    enters in one read each post a selection; the first closes the palette and runs the
    command, the second, handled by the closed palette, runs the command again (and dismisses
    again, see `_guard_stale_dismiss`). The palette's `@on` handlers are bound at class
    creation, so the guard sits in front of its message dispatch and drops those two messages
    once the palette is not the active screen.
    """
    from textual.command import CommandPalette

    original = CommandPalette._on_message
    if getattr(original, _INSTALLED, False):
        return True

    async def _on_message(self: CommandPalette, message: Any) -> None:
        if isinstance(message, (Input.Submitted, OptionList.OptionSelected)) \
                and not self.is_active:
            return
        await original(self, message)

    setattr(_on_message, _INSTALLED, True)
    CommandPalette._on_message = _on_message  # type: ignore[method-assign]
    return True


def _guard_second_palette() -> bool:
    """ctrl+p while the command palette is open under another screen.

    Upstream (Textual 8.2.x, `CommandPalette.is_open`, asked by `App.action_command_palette`):
    only the top screen is checked, so with a dialog opened over the palette (by a call in
    flight) ctrl+p pushes a second palette with the same id and `DuplicateIds` ends the app.
    The palette is open if it is anywhere on the stack; ctrl+p then does nothing.
    """
    from textual.command import CommandPalette

    original = CommandPalette.is_open
    if getattr(original, _INSTALLED, False):
        return True

    def is_open(app: Any) -> bool:
        return original(app) or any(screen.has_class("--textual-command-palette")
                                    for screen in app.screen_stack)

    setattr(is_open, _INSTALLED, True)
    CommandPalette.is_open = staticmethod(is_open)  # type: ignore[method-assign]
    return True


#: C0 but tab, DEL, C1, and the bidi overrides and isolates (as vapi/text.py).
_UNDRAWABLE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _shown(match: re.Match[str]) -> str:
    """One visible cell for one control character: the cursor's offsets stay right."""
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode control pictures: ␛ for ESC, ␇ for BEL
    return "\u2421" if code == 0x7f else "\ufffd"


def _guard_input_controls() -> bool:
    """An Input whose value holds control characters (pasted, or loaded from a file).

    Upstream (Textual 8.2.x, `Input._value`): the value is drawn as it is, so an ESC or a C1
    CSI in it reaches the terminal raw (it can clear the screen or set the clipboard). Each
    such character is drawn as one visible symbol instead; the value itself is unchanged
    (a password keeps every character; a host name holding one is refused by its check).
    """
    original = getattr(Input, "_value", None)
    if not isinstance(original, property) or original.fget is None:
        return False
    if getattr(original.fget, _INSTALLED, False):
        return True
    draw = original.fget

    def _value(self: Input) -> Any:
        text = draw(self)
        plain = getattr(text, "plain", None)
        if isinstance(plain, str) and _UNDRAWABLE.search(plain):
            text.plain = _UNDRAWABLE.sub(_shown, plain)
        return text

    setattr(_value, _INSTALLED, True)
    Input._value = property(_value)  # type: ignore[method-assign,assignment]
    return True


def _guard_styles_cache_retention() -> bool:
    """The render caches of widgets long gone, kept alive.

    Upstream (Textual 8.2.x, `StylesCache.get_inner_outer`; Textualize/textual#6665, open):
    an `lru_cache(1024)` on an instance method keys on `self`, so it keeps the last 1,024
    `StylesCache` objects alive, each with every line its widget last drew. Every dialog,
    list and screen opened and closed leaves its widgets' caches there: the soak (a Link every
    few seconds, a screen opened each time) grew by a sixth before the cache filled. The
    result depends only on the two colours, so it is cached on them alone.
    """
    from functools import lru_cache

    from textual._styles_cache import StylesCache

    original = StylesCache.__dict__.get("get_inner_outer")
    if getattr(original, _INSTALLED, False):
        return True
    compute = getattr(original, "__wrapped__", None)  # an lru_cache wrapper: the defect
    if compute is None:
        return False

    @lru_cache(1024)
    def inner_outer(base_background: Any, background: Any) -> Any:
        return compute(None, base_background, background)  # `self` is not used

    def get_inner_outer(self: StylesCache, base_background: Any, background: Any) -> Any:
        return inner_outer(base_background, background)

    setattr(get_inner_outer, _INSTALLED, True)
    StylesCache.get_inner_outer = get_inner_outer  # type: ignore[method-assign,assignment]
    return True


def _guard_undecodable_input() -> bool:
    """A byte from the terminal that is not UTF-8.

    Upstream (Textual 8.2.x, `LinuxDriver.run_input_thread`): the terminal's input is decoded
    by a strict UTF-8 decoder, so one byte that is not UTF-8 (an umlaut typed in a terminal set
    to Latin-1, alt in xterm's 8-bit meta mode, a C1 byte pasted) raises UnicodeDecodeError in
    the input thread, and the app ends with a traceback and exit code 0. The driver gets its
    decoder from its module's `getincrementaldecoder`; hvctui's reads such a byte as U+FFFD,
    drawn as the replacement character; a character split between two reads still decodes.
    """
    from textual.drivers import linux_driver

    original = getattr(linux_driver, "getincrementaldecoder", None)
    if original is None:
        return False
    if getattr(original, _INSTALLED, False):
        return True

    def getincrementaldecoder(encoding: str) -> Any:
        decoder = original(encoding)
        return lambda errors="replace": decoder(errors)

    setattr(getincrementaldecoder, _INSTALLED, True)
    linux_driver.getincrementaldecoder = getincrementaldecoder  # type: ignore[attr-defined]
    return True


def _guard_malformed_extended_key() -> bool:
    """A key in the kitty keyboard protocol's form whose numbers are malformed.

    Upstream (Textual 8.2.x, `XTermParser._parse_extended_key`): a sequence that matches the
    protocol's pattern is converted with `int()` and `chr()` unchecked, so `ESC[1;1:3A`,
    `ESC[1114112u` or a 20-digit code (pasted, or sent by a confused terminal) raises
    ValueError or OverflowError in the input thread and the app ends. Such a sequence is not a
    key: the parser reads it as it reads any sequence it does not know.
    """
    from textual._xterm_parser import XTermParser

    original = getattr(XTermParser, "_parse_extended_key", None)
    if original is None:
        return False
    if getattr(original, _INSTALLED, False):
        return True

    def _parse_extended_key(self: XTermParser, sequence: str) -> Any:
        try:
            return original(self, sequence)
        except (ValueError, OverflowError):
            return None

    setattr(_parse_extended_key, _INSTALLED, True)
    XTermParser._parse_extended_key = _parse_extended_key  # type: ignore[method-assign]
    return True


#: Larger than any terminal: an in-band size beyond it is not one.
MAX_TERMINAL_CELLS = 2000
#: The terminal answers the driver's in-band resize query within this many seconds, or never.
IN_BAND_REPLY_WINDOW = 5.0


def _guard_unrequested_resize() -> bool:
    """In-band window size reports the app did not ask for, or of an impossible size.

    Upstream (Textual 8.2.x, `XTermParser` and `LinuxDriver.process_message`): every
    `ESC[48;rows;cols;...t` read from the terminal becomes a Resize, whether or not in-band
    resizing was turned on, at any size: one pasted or sent `ESC[48;99999;99999;1;1t` made the
    app lay out a 99999x99999 screen (3 GB in 20 s, no key answered). And a reply saying that
    the terminal supports in-band resizing (`ESC[?2048;2$y`) is taken whenever it comes, after
    which the driver ignores SIGWINCH: a pasted one froze the screen's size for good.
    The driver's own resize events (SIGWINCH) do not pass here. A support reply is taken once,
    only within `IN_BAND_REPLY_WINDOW` seconds of the driver's query; a Resize from the input
    only once that reply came, and only at a size a terminal can have.
    """
    import time

    from textual import events
    from textual.drivers.linux_driver import LinuxDriver
    from textual.messages import InBandWindowResize

    original = LinuxDriver.process_message
    query = getattr(LinuxDriver, "_query_in_band_window_resize", None)
    if getattr(original, _INSTALLED, False):
        return True
    if query is None:
        return False

    def _query_in_band_window_resize(self: LinuxDriver) -> None:
        self._hvctui_asked_at = time.monotonic()  # type: ignore[attr-defined]
        query(self)

    def process_message(self: LinuxDriver, message: Any) -> None:
        if isinstance(message, InBandWindowResize):
            asked = getattr(self, "_hvctui_asked_at", None)
            if (asked is None or getattr(self, "_hvctui_answered", False)
                    or time.monotonic() - asked > IN_BAND_REPLY_WINDOW):
                return
            self._hvctui_answered = True  # type: ignore[attr-defined]
        elif isinstance(message, events.Resize) and not (
                getattr(self, "_in_band_window_resize", False)
                and 0 < message.size.width <= MAX_TERMINAL_CELLS
                and 0 < message.size.height <= MAX_TERMINAL_CELLS):
            return
        original(self, message)

    setattr(process_message, _INSTALLED, True)
    LinuxDriver.process_message = process_message  # type: ignore[method-assign]
    LinuxDriver._query_in_band_window_resize = (  # type: ignore[method-assign]
        _query_in_band_window_resize)
    return True


def install() -> dict[str, bool]:
    """Install every guard (idempotent); returns which ones are in place."""
    return {"option_list_page": _guard_option_list_page(),
            "stale_dismiss": _guard_stale_dismiss(),
            "stale_palette_choice": _guard_stale_palette_choice(),
            "second_palette": _guard_second_palette(),
            "input_controls": _guard_input_controls(),
            "styles_cache_retention": _guard_styles_cache_retention(),
            "escapes": escapes.install(),
            "undecodable_input": _guard_undecodable_input(),
            "malformed_extended_key": _guard_malformed_extended_key(),
            "unrequested_resize": _guard_unrequested_resize()}
