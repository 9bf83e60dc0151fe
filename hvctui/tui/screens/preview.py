"""The request the Link key would send, shown before it is sent (the PSC password masked)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from hvctui.tui.screens.ontop import OnTop
from hvctui.vapi import CreateSpec, dumps, one_line


def preview_text(server: str, spec: CreateSpec, language: str = "") -> Text:
    """The request line, the headers that carry data, and the body exactly as sent, except the
    password. Server and values are data: Text, never markup."""
    out = Text()
    out.append("POST ", style="bold")
    out.append(f"https://{one_line(server, 200)}/api/hvc/links\n")
    out.append("Content-Type: application/json\n", style="dim")
    if language:
        out.append(f"Accept-Language: {one_line(language, 100)}\n", style="dim")
    out.append("\n")
    out.append(dumps(spec.redacted(), indent=2))
    return out


class PreviewScreen(OnTop, ModalScreen[bool]):
    """enter sends it, escape goes back to the form."""

    BINDINGS = [Binding("enter", "send", "Send"), Binding("escape", "close", "Back")]

    def __init__(self, title: str, text: Text) -> None:
        super().__init__()
        self._title = title
        self._text = text

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(self._title), classes="dialog-title")
            with VerticalScroll(id="preview-body"):
                yield Static(self._text, id="preview-text")
            yield Static(Text.assemble(("enter", "bold"), " send it    ",
                                       ("escape", "bold"), " back to the form"),
                         classes="dialog-keys")

    def action_send(self) -> None:
        self.dismiss(True)

    def action_close(self) -> None:
        self.dismiss(False)
