"""The key-hint line at the bottom of every screen: one widget that re-renders from the
screen's active bindings (remapped keys included), drawn from the first frame on."""

from __future__ import annotations

from textual.content import Content
from textual.screen import Screen
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

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        self.refresh()

    def render(self) -> Content:
        # Help and the palette stand at the right end, so no number of local keys (the
        # profiles list has four) pushes them out of the line.
        pinned: list[tuple[str, str] | str] = []
        for active in self.screen.active_bindings.values():
            if active.binding.action in ("help", "app.help") and active.enabled:
                pinned = [(f" {self.app.get_key_display(active.binding)}", "bold $accent"),
                          " help "]
                break
        palette = Content.assemble(*pinned, (" ^p", "bold $accent"), " palette")
        parts: list[Content | tuple[str, str] | str] = []
        # The focused widget may say first what its keys cannot (the profile filter: how to
        # reach the list and make a profile there).
        key_hint = getattr(self.screen.focused, "key_hint", None)
        if callable(key_hint):
            parts.append(key_hint())
        seen: set[str] = {"help", "app.help"}
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if not binding.show or not active.enabled or binding.action in seen:
                continue
            seen.add(binding.action)
            parts += [(f" {self.app.get_key_display(binding)} ", "bold $accent"),
                      f"{binding.description} "]
        hints = Content.assemble(*parts)
        room = max(0, (self.size.width or 80) - palette.cell_length)
        if hints.cell_length > room:
            hints = hints.truncate(room, ellipsis=True)
        return hints.pad_right(room - hints.cell_length) + palette
