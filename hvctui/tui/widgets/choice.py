"""A one-line choice among a few values: left/right (or space) cycle through them."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget


def choice_text(options: list[tuple[str, str]], value: str) -> Text:
    """`‹ label ›` of a value (also how the form draws the choice while it is not edited)."""
    label = dict((v, label) for label, v in options).get(value, value)
    return Text.assemble(("‹ ", "dim"), label, (" ›", "dim"))


class Choice(Widget, can_focus=True):
    """Shows `‹ label ›`; lighter than a dropdown, and as quick from the keyboard."""

    BINDINGS = [
        Binding("right,space", "step(1)", "Next", show=False),
        Binding("left", "step(-1)", "Previous", show=False),
    ]
    DEFAULT_CSS = """
    Choice { height: 1; width: 1fr; }
    Choice:focus { background: $boost; text-style: bold; }
    """

    value: reactive[str] = reactive("", init=False)

    @dataclass
    class Changed(Message):
        choice: Choice
        value: str

    def __init__(self, options: list[tuple[str, str]], value: str, *, id: str | None = None
                 ) -> None:
        super().__init__(id=id)
        self.options = options
        self.set_reactive(Choice.value, value)

    def render(self) -> Text:
        return choice_text(self.options, self.value)

    def action_step(self, step: int) -> None:
        values = [v for _, v in self.options]
        index = values.index(self.value) if self.value in values else 0
        self.value = values[(index + step) % len(values)]

    def watch_value(self, value: str) -> None:
        self.post_message(self.Changed(self, value))
