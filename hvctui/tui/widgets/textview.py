"""A scrollable, read-only view of a long Rich Text that draws only the rows on screen."""

from __future__ import annotations

from rich.segment import Segment
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from hvctui.vapi import hanging_indent, word_breaks


class TextView(ScrollView, can_focus=True):
    """Lines are wrapped only when wider than the view, continuation rows indented under the
    line's own text (a cause chain keeps its shape); rows are rendered when shown."""

    DEFAULT_CSS = """
    TextView { height: 1fr; scrollbar-gutter: stable; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._logical: list[Text] = []
        #: One row per screen line: (logical line, start, end, indent) into `_logical`.
        self._rows: list[tuple[int, int, int, int]] = []
        self._strips: dict[int, Strip] = {}
        self._wrapped_at = -1

    @property
    def text(self) -> Text:
        return Text("\n").join(self._logical)

    def set_lines(self, lines: list[Text]) -> None:
        """Show these lines (each may be wider than the view: it is wrapped). A line break in
        one (a server's message may hold them) starts a row: a row drawn with it in would send
        the terminal a raw line feed, and the text after it would land over other widgets."""
        self._logical = [part for line in lines
                         for part in (line.split("\n", allow_blank=True)
                                      if "\n" in line.plain else (line,))]
        self._wrap(force=True)
        self.refresh()

    def _width(self) -> int:
        return max(self.scrollable_content_region.width, 10)

    def _wrap(self, force: bool = False) -> None:
        width = self._width()
        if width == self._wrapped_at and not force:
            return
        self._wrapped_at = width
        rows: list[tuple[int, int, int, int]] = []
        for index, line in enumerate(self._logical):
            plain = line.plain
            if len(plain) <= width and line.cell_len <= width:
                rows.append((index, 0, len(plain), 0))
            elif line.cell_len == len(plain):
                indent = hanging_indent(plain, width)
                starts = word_breaks(plain, width, indent)
                rows.extend((index, a, b, indent if a else 0)
                            for a, b in zip(starts, [*starts[1:], len(plain)]))
            else:  # wide characters: let Rich measure them
                offset = 0
                for part in line.wrap(self.app.console, width, overflow="fold"):
                    rows.append((index, offset, offset + len(part.plain), 0))
                    offset += len(part.plain)
        self._rows = rows
        self._strips.clear()
        self.virtual_size = Size(width, len(rows))

    def on_resize(self) -> None:
        self._wrap()

    def render_line(self, y: int) -> Strip:
        index = y + self.scroll_offset.y
        width = self.scrollable_content_region.width
        style = self.rich_style
        if index >= len(self._rows):
            return Strip.blank(width, style)
        strip = self._strips.get(index)
        if strip is None:
            line, start, end, indent = self._rows[index]
            text = self._logical[line]
            row = text if (start, end) == (0, len(text.plain)) else text[start:end]
            if indent:
                row = Text(" " * indent, end="") + row
            segments = list(row.render(self.app.console))
            strip = Strip(Segment.apply_style(segments, style)).extend_cell_length(width, style)
            self._strips[index] = strip
        return strip.crop(0, width)
