"""The request history, newest first (time, profile, call, status, duration; no secrets)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Static

from hvctui.profiles.history import History, HistoryEntry
from hvctui.tui.screens.ontop import OnTop
from hvctui.tui.widgets.keyhints import KeyHints
from hvctui.vapi import one_line

TITLES = ("Time (UTC)", "ms", "Status", "Profile", "Call", "Detail")
#: The width each column but the detail gets; where the table is too narrow for them and a
#: readable start of the detail, the profile and the call give up cells first.
WIDTHS = (14, 6, 16, 12, 12)
#: The fewest cells the detail is cut to (the whole of it is written out below the table).
DETAIL_AT_LEAST = 12
SHRINKS = {3: 8, 4: 8, 2: 12}  # column index: the narrowest it gets, in the order given
#: One blank cell after each column (the table's own padding, one either side, is off: it
#: cost the detail six cells at 80 columns).
PADDING = 1


def column_widths(room: int) -> list[int]:
    """Each column's width for a table `room` cells wide: the whole row fits (no sideways
    scroll), the detail takes what the others leave."""
    widths = list(WIDTHS)
    spare = room - PADDING * len(TITLES) - sum(widths) - DETAIL_AT_LEAST
    for index, narrowest in SHRINKS.items():
        if spare >= 0:
            break
        give = min(widths[index] - narrowest, -spare)
        widths[index] -= give
        spare += give
    detail = room - PADDING * len(TITLES) - sum(widths)
    return [*widths, max(4, detail)]


def cut(value: str, width: int) -> Text:
    """`value` on one line in at most `width` cells, ending in … where it was cut."""
    text = Text(one_line(value, 400), no_wrap=True, end="")
    if text.cell_len > width:
        text.truncate(width, overflow="ellipsis")
    return text


class RowTable(DataTable):  # type: ignore[type-arg]
    """A table of whole rows: home and end go to the first and last row (as in the fleet and
    the profiles), not sideways (DataTable's), since nothing here is wider than the screen."""

    BINDINGS = [Binding("home", "scroll_top", show=False),
                Binding("end", "scroll_bottom", show=False)]


def cells(e: HistoryEntry) -> list[str]:
    return [str(e.time)[5:].replace("T", " ").rstrip("Z"), str(e.duration_ms), e.status,
            e.profile, e.call, e.detail]


class HistoryScreen(OnTop, Screen[None]):
    BINDINGS = [Binding("escape", "close", "Back", id="history_close")]

    def __init__(self, history: History) -> None:
        super().__init__()
        self.history = history
        self._widths: list[int] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="history"):
            yield Static("Request history (newest first)", classes="screen-title")
            yield RowTable(id="history-table", cursor_type="row", zebra_stripes=True,
                           cell_padding=0)
            yield Static("", id="history-detail")
        yield KeyHints()

    def on_mount(self) -> None:
        self._entries = self.history.read()
        self._fill()
        if not self._entries:  # a history that is no regular file says so (a planted symlink)
            self.query_one(".screen-title", Static).update(
                Text(f"Request history: {self.history.problem or 'nothing yet.'}"))
        self.query_one(DataTable).focus()

    def on_resize(self) -> None:
        self.call_after_refresh(self._fill)

    def _room(self) -> int:
        table = self.query_one(DataTable)
        # The vertical scrollbar's cells are kept whether it shows or not (app.tcss).
        width = table.size.width or self.size.width
        return width - table.styles.scrollbar_size_vertical

    def _fill(self) -> None:
        """Every entry, each cell cut to its column with … (its detail in full below), so the
        table fits the screen's width and never scrolls sideways."""
        widths = column_widths(self._room())
        if widths == self._widths:
            return
        self._widths = widths
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        for title, width in zip(TITLES, widths):
            table.add_column(cut(title, width), width=width + PADDING)
        for e in self._entries:
            # Every cell is Text: the file holds what servers and users wrote, never markup.
            table.add_row(*(cut(c, width) for c, width in zip(cells(e), widths)))
        if self._entries:
            table.move_cursor(row=min(max(row, 0), len(self._entries) - 1))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if 0 <= event.cursor_row < len(self._entries):
            e = self._entries[event.cursor_row]
            self.query_one("#history-detail", Static).update(Text(
                f"{one_line(e.profile, 40)}: {one_line(e.call, 120)} via "
                f"{one_line(e.server, 120)}: {e.status} in "
                f"{e.duration_ms} ms" + (f"; {one_line(e.detail, 400)}" if e.detail else "")))
