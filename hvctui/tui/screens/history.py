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
from hvctui.vapi import one_line


class HistoryScreen(Screen[None]):
    BINDINGS = [Binding("escape", "close", "Back", id="history_close")]

    def __init__(self, history: History) -> None:
        super().__init__()
        self.history = history

    def compose(self) -> ComposeResult:
        with Vertical(id="history"):
            yield Static("Request history (newest first)", classes="screen-title")
            yield DataTable(id="history-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="history-detail")
        yield KeyHints()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Time (UTC)", "ms", "Status", "Profile", "Call", "Detail")
        self._entries = self.history.read()
        for e in self._entries:
            # At 80 columns every column but the detail fits whole (each is cut to its width),
            # and the highlighted entry's detail is written out in full below the table.
            cells = ((str(e.time)[5:].replace("T", " ").rstrip("Z"), 14), (str(e.duration_ms), 6),
                     (e.status, 16), (e.profile, 12), (e.call, 12), (e.detail, 60))
            # Every cell is Text: the file holds what servers and users wrote, never markup.
            table.add_row(*(Text(one_line(str(c), width)) for c, width in cells))
        if not self._entries:  # a history that is no regular file says so (a planted symlink)
            self.query_one(".screen-title", Static).update(
                Text(f"Request history: {self.history.problem or 'nothing yet.'}"))
        table.focus()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if 0 <= event.cursor_row < len(self._entries):
            e = self._entries[event.cursor_row]
            self.query_one("#history-detail", Static).update(Text(
                f"{one_line(e.profile, 40)}: {one_line(e.call, 120)} via "
                f"{one_line(e.server, 120)}: {e.status} in "
                f"{e.duration_ms} ms" + (f"; {one_line(e.detail, 400)}" if e.detail else "")))

    def action_close(self) -> None:
        self.dismiss(None)
