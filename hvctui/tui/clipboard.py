"""Copying: the one way hvctui copies, and the one sentence that says what happened.

Textual copies by writing OSC 52 to the terminal, which answers nothing: tmux drops it under
its default `set-clipboard external`, many terminals ignore it. So no message may say "Copied";
each says what was sent, where, and what tmux needs to pass it on, in the same words.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

#: Every copy's message; {what} is what was sent ("the fleet as JSON").
SENT = ("Sent {what} to the terminal's clipboard (OSC 52, which no terminal confirms; "
        "in tmux it needs set -g set-clipboard on).")


def copy(node: Any, content: str, what: str) -> None:
    """Send `content` to the terminal's clipboard and say so truthfully, naming `what` it is
    ("the answer as JSON"); nothing to send is said too."""
    if not content:
        node.notify("Nothing to copy yet.", severity="warning")
        return
    node.app.copy_to_clipboard(content)
    node.notify(Text(SENT.format(what=what)), timeout=8)
