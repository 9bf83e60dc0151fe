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
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

ESC = "\x1b"
PASTE_START, PASTE_END = "\x1b[200~", "\x1b[201~"
#: After an ESC, the parser goes on reading a sequence: CSI, SS3, another ESC; and readline's
#: alt+f, alt+b, alt+backspace. (DCS, OSC and APC are replies to queries hvctui and Textual
#: never send: ESC then P, ], _ or \ is escape, then the key.)
SEQUENCE_AFTER_ESC = frozenset("[O\x1bfb\x7f")
SHOWN_ESC = "\u241b"
_INSTALLED = "_hvctui_escapes"


#: A paste whose reads stop this long before its end marker came is over (cut short, or its
#: start marker was itself pasted): the keys after it act again.
PASTE_STALL = 2.0
#: A read that comes this soon after the one before was handled (the terminal had it ready:
#: the same write) streams on from it. After a paste's end marker, what streams on is pasted
#: text too. A person's keys and mouse reports come further apart.
PASTE_FLOW = 0.005


class Reads:
    """One terminal's reads, cut where an ESC must stand alone; pastes followed across reads
    (a marker can be cut between two reads).

    A paste is text from its start marker to its end marker, within bounds. A paste can hold an
    end marker of its own (tmux passes it on: what followed ran as keys, a pasted F5 sent Link
    and a pasted `t` trusted). So what follows an end marker in its read is pasted text, and
    so are the reads that stream in right after it (ready within PASTE_FLOW of the read before
    being handled, as the rest of one write is). A paste whose reads stall for PASTE_STALL is
    over (with no end marker every later key was pasted text, for good).
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.tail = ""  # the end of the read before: a marker's first characters
        self.pasting = False
        self.ended_with_escape = False  # the read before ended with an ESC, outside a paste
        #: In a paste, the read before ended with what may be the start of the end marker
        #: (ESC, ESC[, ESC[2...): kept back until the next read says whether it is.
        self.held = ""
        self.clock = clock
        self.last = clock()
        self.reopened = False  # pasted text hvctui bracketed, up to the end of this read
        self.after_paste = False  # the read before ended a paste: what streams on is text
        self.tail_shown: set[int] = set()  # the tail's ESCs sent on as ␛: no marker starts there

    def handled(self) -> None:
        """The read's keys are handled: from now the terminal is idle."""
        self.last = self.clock()

    def _reopen(self, piece: list[str]) -> None:
        piece.append(PASTE_START)
        self.pasting = self.reopened = True

    def cut(self, data: str) -> tuple[bool, list[str]]:
        """(whether the ESC that ended the read before stands alone, the pieces of this read:
        each but the last ends with an ESC that stands alone)."""
        idle = self.clock() - self.last
        stalled = self.pasting and idle >= PASTE_STALL
        ending = self.held + (PASTE_END if stalled else "")
        data, self.held = ending + data, ""
        alone_before = (self.ended_with_escape and not self.pasting
                        and data[0] not in SEQUENCE_AFTER_ESC)
        window, start = self.tail + data, len(self.tail)
        shown = set(self.tail_shown)  # window positions of ESCs sent on as ␛
        pieces: list[str] = []
        piece: list[str] = []
        streaming = self.after_paste and not self.pasting and idle < PASTE_FLOW
        continue_at = len(ending) if streaming else -1  # streams on from a paste: text too
        self.after_paste = False
        for index, char in enumerate(data):
            if index == continue_at:
                self._reopen(piece)
            at = start + index
            ended = False
            if char == "~" and at >= 5 and at - 5 not in shown:
                if window.startswith(PASTE_START, at - 5):
                    self.pasting = True
                elif window.startswith(PASTE_END, at - 5) and self.pasting:
                    self.pasting, ended = False, True
                    self.after_paste = index >= len(ending)  # not hvctui's own end
            if char != ESC:
                piece.append(char)
                if ended and len(ending) <= index < len(data) - 1:  # more: pasted text too
                    self._reopen(piece)
            elif self.pasting:  # the end marker, or pasted text
                cut_marker = (len(window) - at < len(PASTE_END)
                              and PASTE_END.startswith(window[at:]))
                if cut_marker and not self.reopened:
                    self.held = window[at:]  # cut by the read: wait for the rest
                    break
                if window.startswith(PASTE_END, at):
                    piece.append(ESC)
                else:
                    piece.append(SHOWN_ESC)
                    shown.add(at)
            else:
                piece.append(ESC)
                if index + 1 < len(data) and data[index + 1] not in SEQUENCE_AFTER_ESC:
                    pieces.append("".join(piece))
                    piece = []
        if self.reopened:  # the text bracketed by hvctui ends with this read
            if self.pasting:
                piece.append(PASTE_END)
            self.pasting = self.reopened = False
            self.after_paste = True
        pieces.append("".join(piece))
        kept = len(window) - len(self.held)
        self.tail = window[:kept][-5:]
        self.tail_shown = {at - (kept - len(self.tail)) for at in shown
                           if kept - len(self.tail) <= at < kept}
        self.ended_with_escape = data.endswith(ESC) and not self.pasting
        return alone_before, pieces


def _escape_alone(parser: Any) -> Any:
    """End the parser's wait for what follows an ESC (it reports escape), if it is waiting."""
    if getattr(parser, "_timeout_time", None) is not None:
        parser._timeout_time = 0.0  # noqa: SLF001 - what `tick` compares with the clock
        yield from parser.tick()


def install() -> bool:
    """Read every terminal's input through `Reads` (idempotent)."""
    from textual._xterm_parser import XTermParser

    original = XTermParser.feed
    if getattr(original, _INSTALLED, False):
        return True
    if not hasattr(XTermParser, "tick"):
        return False

    def feed(self: XTermParser, data: str) -> Any:
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
        reads.handled()

    setattr(feed, _INSTALLED, True)
    XTermParser.feed = feed  # type: ignore[method-assign]
    return True
