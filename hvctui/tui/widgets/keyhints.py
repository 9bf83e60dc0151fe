"""The key-hint line at the bottom of every screen: one widget that re-renders from the
screen's active bindings (remapped keys included), drawn from the first frame on."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.content import Content
from textual.widget import Widget


class KeyHints(Widget):
    DEFAULT_CSS = """
    KeyHints {
        dock: bottom;
        height: 1;
        background: $panel;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        #: Where each entry was drawn: (first cell, cell after it, its action, the node that
        #: runs it), so that a click on an entry does what its key does.
        self._entries: list[tuple[int, int, str, Any]] = []

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, lambda _screen: self.refresh())

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def render(self) -> Content:
        # Help and the palette stand at the right end, so no number of local keys (the
        # profiles list has four) pushes them out of the line.
        pinned: list[tuple[str, str] | str] = []
        help_entry: tuple[str, Any] | None = None
        for active in self.screen.active_bindings.values():
            if active.binding.action in ("help", "app.help") and active.enabled:
                pinned = [(f" {self.app.get_key_display(active.binding)}", "bold $accent"),
                          " help "]
                help_entry = (active.binding.action, active.node)
                break
        palette = Content.assemble(*pinned, (" ^p", "bold $accent"), " palette")
        parts: list[Content | tuple[str, str] | str] = []
        entries: list[tuple[int, int, str, Any]] = []
        width = 0
        # The focused widget may say first what its keys cannot (the profile filter: how to
        # reach the list and make a profile there).
        key_hint = getattr(self.screen.focused, "key_hint", None)
        if callable(key_hint):
            first = key_hint()
            parts.append(first)
            width += Content.assemble(first).cell_length
        seen: set[str] = {"help", "app.help"}
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if not binding.show or not active.enabled or binding.action in seen:
                continue
            seen.add(binding.action)
            entry = Content.assemble((f" {self.app.get_key_display(binding)} ", "bold $accent"),
                                     f"{binding.description} ")
            entries.append((width, width + entry.cell_length, binding.action, active.node))
            width += entry.cell_length
            parts.append(entry)
        hints = Content.assemble(*parts)
        room = max(0, (self.size.width or 80) - palette.cell_length)
        if hints.cell_length > room:
            hints = hints.truncate(room, ellipsis=True)
        entries = [(a, min(b, room), action, node) for a, b, action, node in entries
                   if a < room - 1]
        if help_entry is not None:
            help_width = Content.assemble(*pinned).cell_length
            entries.append((room, room + help_width, *help_entry))
        entries.append((room + palette.cell_length - len(" ^p palette"),
                        room + palette.cell_length, "app.command_palette", self.app))
        self._entries = entries
        return hints.pad_right(room - hints.cell_length) + palette

    async def on_click(self, event: events.Click) -> None:
        """A click on an entry does what its key does."""
        for start, end, action, node in self._entries:
            if start <= event.x < end:
                await self.app.run_action(action, node)
                return
