"""The request history, newest first (time, profile, call, status, duration; no secrets)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Static

from rich.text import Text

from hvctui.profiles.history import History
from hvctui.tui.widgets.keyhints import KeyHints
from hvctui.vapi.text import one_line


class HistoryScreen(Screen[None]):
    BINDINGS = [Binding("escape", "close", "Back", id="history_close")]

    def __init__(self, history: History) -> None:
        super().__init__()
        self.history = history

    def compose(self) -> ComposeResult:
        with Vertical(id="history"):
            yield Static("Request history (newest first)", classes="screen-title")
            yield DataTable(id="history-table", cursor_type="row", zebra_stripes=True)
        yield KeyHints()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Time (UTC)", "Status", "Profile", "Call", "ms", "Detail")
        entries = self.history.read()
        for e in entries:
            # Month-day and time: the columns that matter fit in 80 columns. Every cell is
            # Text: the file holds what servers and users wrote, never markup.
            cells = (str(e.time)[5:].replace("T", " ").rstrip("Z"), e.status, e.profile, e.call,
                     str(e.duration_ms), e.detail)
            table.add_row(*(Text(one_line(str(c), 80)) for c in cells))
        if not entries:  # a history that is no regular file says so (a planted symlink)
            self.query_one(".screen-title", Static).update(
                Text(f"Request history: {self.history.problem or 'nothing yet.'}"))
        table.focus()

    def action_close(self) -> None:
        self.dismiss(None)
