"""What the terminal sends, read as the person typed it: Escape and the key after it, and pastes.

A terminal sends Escape as a lone ESC, alt+key as ESC + key, and a paste between the markers
ESC[200~ and ESC[201~. Textual's parser (8.2.x, `XTermParser`) reads ESC + a key arriving within
`ESCDELAY` (100 ms) as one key, and tmux forwards Escape and a key typed within its
`escape-time` (500 ms by default up to 3.4) in one write. So Escape then Tab became shift+tab,
Escape then `x` alt+x (typing `x`), Escape then enter or `.` lost the escape: the field was not
restored, the dialog not closed. hvctui binds no alt keys: an ESC followed by a key is fed to
the parser alone and its wait is ended at once, which Textual reports as escape; then the key.
Kept as Textual reads them: ESC + the start of a terminal sequence (arrows, F-keys, paste,
focus, mouse) and readline's alt+f, alt+b and alt+backspace (word moves, delete a word).

Inside a paste, the parser still reads ESC as the start of a sequence: ESC followed by more than
32 characters was replayed as keys (a pasted line feed ran Link), and an ESC before the end
marker closed the dialog the text was pasted into. A paste is text: each ESC in it, other than
the end marker's, reaches the parser as ␛ (U+241B), drawn as the control it stands for.

A paste can hold an end marker of its own, which terminals that do not sanitise pastes pass on:
what follows it is typed, as keys typed ahead are. No timing tells the two apart; the dialogs that
trust, unlink or delete answer no key typed before they were drawn (screens/dialogs.py).

Upstream: docs/upstream/07-escape-then-key-in-one-read.md and
08-escape-in-a-paste-replayed-as-keys.md. No public override: the driver builds its parser.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

ESC = "\x1b"
PASTE_START, PASTE_END = "\x1b[200~", "\x1b[201~"
#: After an ESC, the parser goes on reading a sequence: CSI, SS3, another ESC; and readline's
#: alt+f, alt+b, alt+backspace. (DCS, OSC and APC are replies to queries hvctui and Textual
#: never send: ESC then P, ], _ or \ is escape, then the key.)
SEQUENCE_AFTER_ESC = frozenset("[O\x1bfb\x7f")
SHOWN_ESC = "\u241b"
#: A paste whose reads stop this long before its end marker came is over (its start marker was
#: sent unbracketed, or the link broke): otherwise every later key would be pasted text.
PASTE_STALL = 2.0
_ORIGINAL = "_hvctui_original"  # as guards.ORIGINAL


class Reads:
    """One terminal's reads, cut where an ESC must stand alone, with each ESC in a paste made
    text; a marker can be cut between two reads."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.tail = ""  # the end of the read before: a marker's first characters
        self.pasting = False
        self.ended_with_escape = False  # the read before ended with an ESC, outside a paste
        #: In a paste, the read before ended with what may be the start of the end marker
        #: (ESC, ESC[, ESC[2...): kept back until the next read says whether it is.
        self.held = ""
        self.clock = clock
        self.last = clock()

    def cut(self, data: str) -> tuple[bool, list[str]]:
        """(whether the ESC that ended the read before stands alone, the pieces of this read:
        each but the last ends with an ESC that stands alone)."""
        now = self.clock()
        stalled = self.pasting and now - self.last >= PASTE_STALL
        self.last = now
        data, self.held = self.held + (PASTE_END if stalled else "") + data, ""
        alone_before = self.ended_with_escape and data[0] not in SEQUENCE_AFTER_ESC
        window, start = self.tail + data, len(self.tail)
        pieces: list[str] = []
        piece: list[str] = []
        for index, char in enumerate(data):
            at = start + index
            if char == "~" and at >= 5:
                if window.startswith(PASTE_START, at - 5):
                    self.pasting = True
                elif window.startswith(PASTE_END, at - 5):
                    self.pasting = False
            if char != ESC:
                piece.append(char)
            elif self.pasting:
                rest = window[at:]
                if len(rest) < len(PASTE_END) and PASTE_END.startswith(rest):
                    self.held = rest  # the end marker cut by the read: wait for the rest
                    break
                piece.append(ESC if rest.startswith(PASTE_END) else SHOWN_ESC)
            else:
                piece.append(ESC)
                if index + 1 < len(data) and data[index + 1] not in SEQUENCE_AFTER_ESC:
                    pieces.append("".join(piece))
                    piece = []
        pieces.append("".join(piece))
        kept = window[:len(window) - len(self.held)]
        self.tail = kept[-5:]
        self.ended_with_escape = kept.endswith(ESC) and not self.pasting
        return alone_before, pieces


def _escape_alone(parser: Any) -> Iterable[Any]:
    """End the parser's wait for what follows an ESC (it reports escape), if it is waiting."""
    if getattr(parser, "_timeout_time", None) is not None:
        parser._timeout_time = 0.0  # noqa: SLF001 - what `tick` compares with the clock
        yield from parser.tick()


def install() -> bool:
    """Read every terminal's input through `Reads` (idempotent); False if Textual's parser no
    longer has what this relies on."""
    from textual._xterm_parser import XTermParser

    original = XTermParser.feed
    if hasattr(original, _ORIGINAL):
        return True
    if not hasattr(XTermParser, "tick") or "_timeout_time" not in vars(XTermParser()):
        return False

    def feed(self: XTermParser, data: str) -> Iterable[Any]:
        if not data:  # the end of input
            yield from original(self, data)
            return
        reads = self.__dict__.setdefault("_hvctui_reads", Reads())
        alone_before, pieces = reads.cut(data)
        if alone_before:
            yield from _escape_alone(self)
        for number, piece in enumerate(pieces):
            if number:
                yield from _escape_alone(self)
            if piece:
                yield from original(self, piece)

    setattr(feed, _ORIGINAL, original)
    XTermParser.feed = feed  # type: ignore[method-assign]
    return True
