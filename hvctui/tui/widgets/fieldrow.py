"""A form row that draws its label and value itself and makes its Input only when edited.

A screen of thirteen Inputs costs more to start than everything else on it; most fields are
read far more often than edited, so each row stays one light widget until it gets focus.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import events
from textual.widget import Widget
from textual.widgets import Input

from hvctui.vapi.text import printable

LABEL_WIDTH = 16


class FieldRow(Widget, can_focus=True):
    DEFAULT_CSS = f"""
    FieldRow {{ height: 1; layout: horizontal; text-wrap: nowrap; text-overflow: ellipsis; }}
    FieldRow > Input {{ margin-left: {LABEL_WIDTH}; width: 1fr; }}
    FieldRow:focus {{ background: $boost; }}
    /* A placeholder must never read as a value, colours or not (NO_COLOR). */
    FieldRow > Input > .input--placeholder {{ text-style: italic dim; }}
    """

    def __init__(self, name: str, label: str, *, required: bool = False,
                 placeholder: str = "", password: bool = False) -> None:
        super().__init__(id=f"row-{name}")
        self.field = name
        self.label = f"{label}{'*' if required else ' '}"
        self._value = ""
        self._placeholder = placeholder
        self._password = password
        self._editor: Input | None = None
        self._mounting: Any = None

    # --- the value, wherever it lives -------------------------------------------------------

    @property
    def value(self) -> str:
        return self._editor.value if self._editor is not None else self._value

    @value.setter
    def value(self, value: str) -> None:
        if self._editor is not None:
            self._editor.value = value
        else:
            self._value = value
            self.refresh()

    @property
    def placeholder(self) -> str:
        return self._placeholder

    @placeholder.setter
    def placeholder(self, text: str) -> None:
        self._placeholder = text
        if self._editor is not None:
            self._editor.placeholder = text
        self.refresh()

    @property
    def password(self) -> bool:
        return self._password

    @password.setter
    def password(self, masked: bool) -> None:
        self._password = masked
        if self._editor is not None:
            self._editor.password = masked
        self.refresh()

    def editor(self) -> Input:
        """The row's Input, made (and mounted) on first need."""
        if self._editor is None:
            self._editor = Input(self._value, placeholder=self._placeholder, id=f"f-{self.field}",
                                 compact=True, password=self._password, select_on_focus=False)
            self.can_focus = False  # focus now belongs to the editor
            self._mounting = self.mount(self._editor)
        return self._editor

    # --- drawing and focus ---------------------------------------------------------------

    def render(self) -> Text:
        label_style = "bold red" if self.has_class("invalid") else "dim"
        text = Text(self.label.ljust(LABEL_WIDTH)[:LABEL_WIDTH], style=label_style,
                    no_wrap=True, overflow="ellipsis")
        if self._editor is None:  # drawn where the editor's text will stand
            if self._value:
                text.append("*" * len(self._value) if self._password
                            else printable(self._value, newlines=False))
            else:
                text.append(self._placeholder, style="dim italic")
        return text

    async def on_focus(self) -> None:
        # Focus moves on as soon as the editor is mounted, inside this handler: a key that
        # follows (tui/keygate.py waits for handlers) then finds the editor focused.
        editor = self.editor()
        if self._mounting is not None:
            mounting, self._mounting = self._mounting, None
            await mounting
        if self.screen.focused is self and editor.is_attached:
            self.screen.set_focus(editor)

    def on_key(self, event: events.Key) -> None:
        # Keys that arrive before the editor has focus are typed into it, not lost.
        if self._editor is not None and event.is_printable and event.character:
            event.stop()
            self._editor.insert_text_at_cursor(event.character)
