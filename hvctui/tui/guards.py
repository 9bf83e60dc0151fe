"""Local guards for defects in Textual that end the app or hold what it no longer shows, each
proven by a test.

Every guard names its upstream issue (or the report under docs/upstream/, ready to file), checks
the precondition that upstream misses and otherwise hands over to Textual's own code, which it
keeps as `_hvctui_original` on the wrapper. tests/test_textual_patches.py proves each one is
installed, and runs the original on the defect's reproduction as a strict xfail: the day
upstream fixes it, that test turns red and says the guard can go. Written against Textual 8.2.x
(pyproject pins the minor series: the names wrapped are private).
"""

from __future__ import annotations

from typing import Any

from textual.widgets import OptionList

from hvctui.tui import escapes

#: The wrapper's attribute holding the function it wraps (escapes.py uses the same).
ORIGINAL = "_hvctui_original"


def _installed(function: Any) -> bool:
    return hasattr(function, ORIGINAL)


def _keep(wrapper: Any, original: Any) -> Any:
    setattr(wrapper, ORIGINAL, original)
    wrapper.__doc__ = getattr(original, "__doc__", None)
    return wrapper


def _guard_option_list_page() -> bool:
    """Page Up / Page Down in an OptionList that has options but no lines yet.

    Upstream (Textual 8.2.x, `OptionList._move_page`): the line cache is filled by
    `_update_lines`, which does nothing while the list has no content region (not laid out
    yet, or hidden: the command palette's list is `display: none` until it has results). With
    options present and `highlighted` set, `_move_page` reads `self._index_to_line[highlighted]`
    from the empty cache and raises `KeyError` (or `IndexError` at `self._lines[-1]`), which
    ends the app. Without lines there is no page to move by, so the highlight stays.
    Upstream: not reported; docs/upstream/01-option-list-page-before-layout.md. No public
    override: the list is the command palette's own.
    """
    original = getattr(OptionList, "_move_page", None)
    if original is None:
        return False
    if _installed(original):
        return True

    def _move_page(self: OptionList, direction: Any) -> None:
        if self.option_count and not self.scrollable_content_region:
            return  # no lines to page through yet: upstream would raise KeyError
        original(self, direction)

    OptionList._move_page = _keep(_move_page, original)  # type: ignore[method-assign]
    return True


def _guard_styles_cache_retention() -> bool:
    """The render caches of widgets long gone, kept alive.

    Upstream (Textual 8.2.x, `StylesCache.get_inner_outer`; Textualize/textual#6665, open):
    an `lru_cache(1024)` on an instance method keys on `self`, so it keeps the last 1,024
    `StylesCache` objects alive, each with every line its widget last drew. Every dialog,
    list and screen opened and closed leaves its widgets' caches there: the soak (a Link every
    few seconds, a screen opened each time) grew by a sixth before the cache filled. The
    result depends only on the two colours, so it is cached on them alone. No public override.
    """
    from functools import lru_cache

    from textual._styles_cache import StylesCache

    original = StylesCache.__dict__.get("get_inner_outer")
    if _installed(original):
        return True
    compute = getattr(original, "__wrapped__", None)  # an lru_cache wrapper: the defect
    if compute is None:
        return False

    @lru_cache(1024)
    def inner_outer(base_background: Any, background: Any) -> Any:
        return compute(None, base_background, background)  # `self` is not used

    def get_inner_outer(self: StylesCache, base_background: Any, background: Any) -> Any:
        return inner_outer(base_background, background)

    StylesCache.get_inner_outer = _keep(  # type: ignore[method-assign]
        get_inner_outer, original)
    return True


def _guard_undecodable_input() -> bool:
    """A byte from the terminal that is not UTF-8.

    Upstream (Textual 8.2.x, `LinuxDriver.run_input_thread`): the terminal's input is decoded
    by a strict UTF-8 decoder, so one byte that is not UTF-8 (an umlaut typed in a terminal set
    to Latin-1, alt in xterm's 8-bit meta mode, a C1 byte pasted) raises UnicodeDecodeError in
    the input thread, and the app ends with a traceback and exit code 0. The driver gets its
    decoder from its module's `getincrementaldecoder`; hvctui's reads such a byte as U+FFFD,
    drawn as the replacement character; a character split between two reads still decodes.
    Upstream: textual#6456 (open). No public override: the driver builds its decoder inside
    its input thread.
    """
    from textual.drivers import linux_driver

    original = getattr(linux_driver, "getincrementaldecoder", None)
    if original is None:
        return False
    if _installed(original):
        return True

    def getincrementaldecoder(encoding: str) -> Any:
        decoder = original(encoding)
        return lambda errors="replace": decoder(errors)

    linux_driver.getincrementaldecoder = _keep(  # type: ignore[attr-defined]
        getincrementaldecoder, original)
    return True


def _guard_malformed_extended_key() -> bool:
    """A key in the kitty keyboard protocol's form whose numbers are malformed.

    Upstream (Textual 8.2.x, `XTermParser._parse_extended_key`): a sequence that matches the
    protocol's pattern is converted with `int()` and `chr()` unchecked, so `ESC[1;1:3A`,
    `ESC[1114112u` or a 20-digit code (pasted, or sent by a confused terminal) raises
    ValueError or OverflowError in the input thread and the app ends. Such a sequence is not a
    key: the parser reads it as it reads any sequence it does not know.
    Upstream: docs/upstream/05-malformed-kitty-key-raises.md. No public override.
    """
    from textual._xterm_parser import XTermParser

    original = getattr(XTermParser, "_parse_extended_key", None)
    if original is None:
        return False
    if _installed(original):
        return True

    def _parse_extended_key(self: XTermParser, sequence: str) -> Any:
        try:
            return original(self, sequence)
        except (ValueError, OverflowError):
            return None

    XTermParser._parse_extended_key = _keep(  # type: ignore[method-assign]
        _parse_extended_key, original)
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
    Upstream: docs/upstream/06-unrequested-in-band-resize.md. No public override.
    """
    import time

    from textual import events
    from textual.drivers.linux_driver import LinuxDriver
    from textual.messages import InBandWindowResize

    original = LinuxDriver.process_message
    query = getattr(LinuxDriver, "_query_in_band_window_resize", None)
    if _installed(original):
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

    LinuxDriver.process_message = _keep(process_message, original)  # type: ignore[method-assign]
    LinuxDriver._query_in_band_window_resize = _keep(  # type: ignore[method-assign]
        _query_in_band_window_resize, query)
    return True


def install() -> dict[str, bool]:
    """Install every guard (idempotent); returns which ones are in place."""
    return {"option_list_page": _guard_option_list_page(),
            "styles_cache_retention": _guard_styles_cache_retention(),
            "escapes": escapes.install(),
            "undecodable_input": _guard_undecodable_input(),
            "malformed_extended_key": _guard_malformed_extended_key(),
            "unrequested_resize": _guard_unrequested_resize()}
