"""A list of rows with a cursor that draws only the rows on screen (the profiles, the fleet)."""

from __future__ import annotations

from textual.binding import Binding
from textual.geometry import Region
from textual.scroll_view import ScrollView


class CursorView(ScrollView, can_focus=True):
    """Rows named in `names`, a `cursor` among them, and the keys that move it."""

    BINDINGS = [
        Binding("up", "move(-1)", show=False),
        Binding("down", "move(1)", show=False),
        Binding("pageup", "page(-1)", show=False),
        Binding("pagedown", "page(1)", show=False),
        Binding("home", "jump(0)", show=False),
        Binding("end", "jump(-1)", show=False),
    ]

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.names: list[str] = []
        self.cursor = 0

    @property
    def cursor_name(self) -> str:
        return self.names[self.cursor] if 0 <= self.cursor < len(self.names) else ""

    def cursor_moved(self) -> None:
        """Called after the cursor moved (a subclass may tell its screen)."""

    def move_cursor(self, row: int) -> None:
        if not self.names:
            return
        self.cursor = max(0, min(row, len(self.names) - 1))
        self.scroll_to_region(Region(0, self.cursor, 1, 1), animate=False, immediate=True)
        self.refresh()
        self.cursor_moved()

    def _keep_cursor_in_view(self) -> None:
        if 0 <= self.cursor < len(self.names):
            self.scroll_to_region(Region(0, self.cursor, 1, 1), animate=False, immediate=True)

    def on_resize(self) -> None:
        # Something beside it grew (the fleet's detail under its table, 4 or 5 lines for a
        # row with links): this got shorter after the cursor was scrolled into view, and
        # the highlighted row must not sit below what is shown.
        self.call_after_refresh(self._keep_cursor_in_view)

    def action_move(self, step: int) -> None:
        self.move_cursor(self.cursor + step)

    def action_page(self, step: int) -> None:
        self.move_cursor(self.cursor + step * max(1, self.size.height - 1))

    def action_jump(self, index: int) -> None:
        self.move_cursor(index if index >= 0 else len(self.names) - 1)
