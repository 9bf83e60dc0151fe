"""The request history, newest first (time, profile, call, status, duration; no secrets)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Static

from hvctui.tui.widgets.keyhints import KeyHints
from hvctui.profiles.history import History


class HistoryScreen(Screen[None]):
    BINDINGS = [Binding("escape", "close", "Back", id="history_close")]

    def compose(self) -> ComposeResult:
        with Vertical(id="history"):
            yield Static("Request history (newest first)", classes="screen-title")
            yield DataTable(id="history-table", cursor_type="row", zebra_stripes=True)
        yield KeyHints()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Time (UTC)", "Status", "Profile", "Call", "ms", "Detail")
        entries = History().read()
        for e in entries:
            # Month-day and time: the columns that matter fit in 80 columns.
            table.add_row(e.time[5:].replace("T", " ").rstrip("Z"), e.status, e.profile, e.call,
                          str(e.duration_ms), e.detail)
        if not entries:
            self.query_one(".screen-title", Static).update("Request history: nothing yet.")
        table.focus()

    def action_close(self) -> None:
        self.dismiss(None)
