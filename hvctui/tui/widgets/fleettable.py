"""The fleet's rows: a table that draws only the lines on screen, so a refresh of hundreds of
profiles and a filter keystroke repaint in one cheap frame.

Cells are `Text` built by the screen from row values that passed vapi/text.py; nothing here
parses markup.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip

from hvctui.tui.widgets.cursorview import CursorView

#: Width of each column but the last, which takes the rest.
WIDTHS = (1, 19, 10, 9)
TITLES = (" ", "Profile", "State", "Checked", "Links and health, or the problem")


def header_text() -> Text:
    return line_of([Text(t, style="bold") for t in TITLES])


def line_of(cells: list[Text]) -> Text:
    line = Text(no_wrap=True, end="")
    for cell, width in zip(cells, WIDTHS):
        piece = cell.copy()
        piece.truncate(width, overflow="ellipsis", pad=True)
        line.append_text(piece)
        line.append(" ")
    for cell in cells[len(WIDTHS):]:
        line.append_text(cell)
    return line


class FleetTable(CursorView):
    """Rows keyed by profile name, with a cursor; `cells_of(name)` gives a row's cells."""

    COMPONENT_CLASSES = {"fleet-table--cursor"}
    DEFAULT_CSS = """
    /* Rows are cut to the width with …: never a sideways scrollbar taking a row. */
    FleetTable { height: 1fr; overflow-x: hidden; }
    FleetTable > .fleet-table--cursor { background: $boost; }
    FleetTable:focus > .fleet-table--cursor { background: $accent 40%; }
    """

    class Highlighted(Message):
        pass

    def __init__(self, cells_of: Callable[[str], list[Text]], **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.cells_of = cells_of

    def show(self, names: list[str], keep: str = "") -> None:
        """These rows, in this order; the cursor stays on `keep` if it is among them."""
        self.names = names
        self.cursor = max(0, min(self.cursor, len(names) - 1))
        self.virtual_size = Size(self.size.width, len(names))
        if keep in names:
            # The row followed (a linked row sorts lower) stays in view with its cursor.
            self.cursor = names.index(keep)
            self._keep_cursor_in_view()
            # and again once the screen is laid out (the detail below may grow meanwhile)
            self.call_after_refresh(self._keep_cursor_in_view)
        self.refresh()

    def cells(self, index: int) -> list[Text]:
        return self.cells_of(self.names[index])

    def render_line(self, y: int) -> Strip:
        index = y + self.scroll_offset.y
        width = self.scrollable_content_region.width
        style = self.rich_style
        if index >= len(self.names):
            return Strip.blank(width, style)
        line = line_of(self.cells(index))
        line.truncate(width, overflow="ellipsis")
        strip = Strip(list(line.render(self.app.console)))
        if index == self.cursor:
            style += self.get_component_rich_style("fleet-table--cursor")
            strip = strip.apply_style(style)
        return strip.adjust_cell_length(width, style)

    def cursor_moved(self) -> None:
        self.post_message(self.Highlighted())

    def on_click(self, event: events.Click) -> None:
        self.move_cursor(event.y + self.scroll_offset.y)

