"""The live response pane: the phases of a call as they happen, then the result."""

from __future__ import annotations

import json
from datetime import tzinfo
from typing import Any

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from hvctui.tui.keys import RESPONSE_KEYS, bindings
from hvctui.vapi.errors import HvcError, NotVapiAnswer, ServerError

PHASE_MARK = {"connect": "→", "tls": "🔒", "login": "→", "send": "→", "answer": "←",
              "logout": "→", "note": "·"}


def error_text(error: HvcError, tz: tzinfo | None = None) -> Text:
    """An error as the pane shows it: type and status, the cause chain, data, next step."""
    from hvctui.vapi.render import render_message

    out = Text()
    if isinstance(error, ServerError):
        out.append(f" {error.error_type.value} ", style="bold reverse red")
        out.append(f"  HTTP {error.http_status}", style="bold")
        if error.operation:
            out.append(f"  {error.operation}", style="dim")
        out.append("\n")
        if not error.messages:
            out.append("The server sent no message.\n", style="italic")
        for depth, message in enumerate(error.messages):
            r = render_message(message, tz)
            indent = "  " * depth
            lead = "└ caused by: " if depth else ""
            out.append(f"{indent}{lead}", style="dim")
            out.append(f"{r.text or '(no text)'}\n", style="bold")
            out.append(f"{indent}  id {r.id or '(none)'}", style="dim")
            if r.localized:
                out.append("  (localized)", style="dim italic")
            out.append("\n")
            for p in r.params:
                out.append(f"{indent}  {p.name}", style="cyan")
                out.append(f" ({p.kind}) ", style="dim")
                out.append(p.value)
                if p.detail:
                    out.append(f"  [{p.detail}]", style="dim")
                out.append("\n")
        if error.data is not None:
            out.append("data ", style="bold")
            out.append(json.dumps(error.data, sort_keys=True, ensure_ascii=False) + "\n")
    else:
        out.append(f" {error.title} ", style="bold reverse red")
        out.append("\n")
        if error.message:
            out.append(error.message + "\n", style="bold")
        if isinstance(error, NotVapiAnswer) and error.excerpt:
            out.append("body ", style="dim")
            out.append(error.excerpt + "\n")
    if error.hint:
        out.append("Next: ", style="bold green")
        out.append(error.hint + "\n")
    return out


class ResponsePane(VerticalScroll, can_focus=True):
    """Progress, then the result; `y` copies it as text, `j` as JSON."""

    BINDINGS = bindings(RESPONSE_KEYS)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._progress: list[tuple[str, str]] = []
        self._done = False
        self._result = Text()
        self.plain = ""
        self.json: dict[str, Any] = {}

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static(id="response-body")

    def on_mount(self) -> None:
        self.show_idle()

    def _update(self) -> None:
        body = Text()
        if self._done and self._progress:
            body.append(self._summary() + "\n", style="dim")
        else:
            for phase, detail in self._progress:
                body.append(f"{PHASE_MARK.get(phase, '·')} ", style="dim")
                body.append(f"{phase:<8}", style="dim bold")
                body.append(f"{detail}\n", style="dim")
        if self._progress and not self._done:
            body.append("\n")
        body.append_text(self._result)
        self.query_one("#response-body", Static).update(body)
        self.set_class(self._done and bool(self._result), "has-result")

    def _summary(self) -> str:
        """The finished call's phases on one line: each request with its answer."""
        steps: list[str] = []
        for phase, detail in self._progress:
            if phase == "send" and detail.startswith(("POST", "GET", "PUT", "DELETE")):
                steps.append(detail.split("?")[0])
            elif phase == "answer" and steps:
                steps[-1] += f" {detail.removeprefix('HTTP ')}"
        return "· " + " · ".join(steps) if steps else "· " + self._progress[0][1]

    def show_idle(self) -> None:
        self._progress = []
        self._result = Text("Press F5 to link. Answers appear here.", style="dim")
        self.plain, self.json = "", {}
        self._update()

    def start(self, title: str) -> None:
        self._progress = [("note", title)]
        self._done = False
        self._result = Text("working… (escape cancels)", style="italic")
        self.plain, self.json = "", {}
        self._update()

    def event(self, phase: str, detail: str) -> None:
        self._progress.append((phase, detail))
        self._update()

    def show_success(self, text: Text, plain: str, payload: dict[str, Any]) -> None:
        self._result = text
        self._done = True
        self.plain, self.json = plain, payload
        self._update()
        self.scroll_home(animate=False)

    def show_error(self, error: HvcError, tz: tzinfo | None = None) -> None:
        from hvctui.vapi.render import error_json, error_lines

        self._result = error_text(error, tz)
        self.plain = "\n".join(error_lines(error, tz))
        self.json = error_json(error, tz)
        self._done = True
        self._update()
        self.scroll_home(animate=False)

    def show_text(self, text: Text) -> None:
        self._progress, self._done = [], True
        self._result = text
        self.plain, self.json = text.plain, {}
        self._update()

    def action_copy_text(self) -> None:
        self._copy(self.plain, "text")

    def action_copy_json(self) -> None:
        self._copy(json.dumps(self.json, indent=2, sort_keys=True, ensure_ascii=False)
                   if self.json else "", "JSON")

    def _copy(self, content: str, kind: str) -> None:
        if not content:
            self.notify("Nothing to copy yet.", severity="warning")
            return
        self.app.copy_to_clipboard(content)
        self.notify(f"Answer copied as {kind} (OSC 52: in tmux, set-clipboard on).")
