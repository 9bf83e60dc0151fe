"""An Input that says when a paste of several lines was cut to its first (Textual's Input drops
the rest without a word)."""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class OneLineInput(Input):
    def on_paste(self, event: events.Paste) -> None:
        if len(event.text.splitlines()) > 1:
            self.notify("Only the first line of the pasted text was kept: this field holds "
                        "one line.", severity="warning")
