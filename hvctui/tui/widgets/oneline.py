"""An Input of one line, as hvctui builds every Input: control characters in its value are
drawn as visible symbols, and a paste of several lines cut to its first says so (Textual's
Input drops the rest without a word)."""

from __future__ import annotations

import re
from typing import Any

from rich.highlighter import Highlighter
from rich.text import Text
from textual import events
from textual.widgets import Input

#: C0 but tab, DEL, C1, and the bidi overrides and isolates (as vapi/text.py).
_UNDRAWABLE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _shown(match: re.Match[str]) -> str:
    """One visible cell for one control character: the cursor's offsets stay right."""
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode control pictures: ␛ for ESC, ␇ for BEL
    return "\u2421" if code == 0x7f else "\ufffd"


class ShownControls(Highlighter):
    """Draws each control character of an Input's value as one visible symbol, so none
    reaches the terminal raw (Textual draws the value as it is:
    docs/upstream/04-input-draws-control-characters.md); the value itself is unchanged."""

    def highlight(self, text: Text) -> None:
        text.plain = _UNDRAWABLE.sub(_shown, text.plain)


class OneLineInput(Input):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, highlighter=ShownControls(), **kwargs)

    def on_paste(self, event: events.Paste) -> None:
        if len(event.text.splitlines()) > 1:
            self.notify("Only the first line of the pasted text was kept: this field holds "
                        "one line.", severity="warning")
