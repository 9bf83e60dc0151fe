"""The live response pane: the phases of a call as they happen, then the result."""

from __future__ import annotations

import json
from datetime import tzinfo
from typing import TYPE_CHECKING, Any

from rich.text import Span, Text

from hvctui.tui.keys import RESPONSE_KEYS, bindings
from hvctui.tui.widgets.textview import TextView

if TYPE_CHECKING:
    from hvctui.vapi.errors import HvcError

PHASE_MARK = {"connect": "→", "tls": "🔒", "login": "→", "send": "→", "answer": "←",
              "logout": "→", "note": "·"}


def error_rows(error: HvcError, tz: tzinfo | None = None) -> list[Text]:
    """An error as the pane shows it, line by line: type and status, the cause chain with
    every param rendered by kind, data, and the next step."""
    from hvctui.vapi.errors import NotVapiAnswer, ServerError
    from hvctui.vapi.render import render_message

    rows: list[Text] = []
    add = rows.append
    if isinstance(error, ServerError):
        head = Text.assemble((f" {error.error_type.value} ", "bold reverse red"),
                             (f"  HTTP {error.http_status}", "bold"))
        if error.operation:
            head.append(f"  {error.operation}", style="dim")
        add(head)
        if not error.messages:
            add(Text("The server sent no message.", style="italic"))
        for depth, message in enumerate(error.messages):
            r = render_message(message, tz)
            indent = "  " * min(depth, 3)  # a deep chain must not march off the screen
            lead = "└ caused by: " if depth else ""
            add(Text.assemble((indent + lead, "dim"), (r.text or "(no text)", "bold")))
            id_line = Text(f"{indent}  id {r.id or '(none)'}", style="dim")
            if r.localized:
                id_line.append("  (localized)", style="dim italic")
            add(id_line)
            for p in r.params:
                add(_param_row(indent, p.name, p.kind, p.value, p.detail))
        if error.data is not None:
            add(Text.assemble(("data ", "bold"),
                              json.dumps(error.data, sort_keys=True, ensure_ascii=False)))
    else:
        add(Text(f" {error.title} ", style="bold reverse red"))
        if error.message:
            add(Text(error.message, style="bold"))
        if isinstance(error, NotVapiAnswer) and error.excerpt:
            add(Text.assemble(("body ", "dim"), error.excerpt))
    if error.hint:
        add(Text.assemble(("Next: ", "bold green"), error.hint))
    return rows


def _param_row(indent: str, name: str, kind: str, value: str, detail: str) -> Text:
    # Spans made by hand: thousands of these rows must build in a few milliseconds.
    head = f"{indent}  {name}"
    kind_part = f" ({kind}) "
    tail = f"  [{detail}]" if detail else ""
    a = len(head)
    b = a + len(kind_part)
    c = b + len(value)
    spans = [Span(0, a, "cyan"), Span(a, b, "dim")]
    if tail:
        spans.append(Span(c, c + len(tail), "dim"))
    return Text(head + kind_part + value + tail, spans=spans)


def error_text(error: HvcError, tz: tzinfo | None = None) -> Text:
    return Text("\n").join(error_rows(error, tz))


class ResponsePane(TextView):
    """Progress, then the result; `y` copies it as text, `j` as JSON."""

    BINDINGS = bindings(RESPONSE_KEYS)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._progress: list[tuple[str, str]] = []
        self._done = False
        self._result: list[Text] = []
        self._plain = ""
        self._json: dict[str, Any] = {}
        self._error: tuple[HvcError, tzinfo | None] | None = None

    def on_mount(self) -> None:
        self.show_idle()

    def _update(self) -> None:
        rows: list[Text] = []
        if self._done and self._progress:
            rows.append(Text(self._summary(), style="dim"))
        else:
            for phase, detail in self._progress:
                rows.append(Text.assemble((f"{PHASE_MARK.get(phase, '·')} ", "dim"),
                                          (f"{phase:<8}", "dim bold"), (detail, "dim")))
            if self._progress:
                rows.append(Text())
        rows.extend(self._result)
        self.set_lines(rows)
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

    @property
    def plain(self) -> str:
        """The answer as plain text, as the CLI prints it (made when first asked for)."""
        if self._error is not None:
            from hvctui.vapi.render import error_lines

            return "\n".join(error_lines(*self._error))
        return self._plain

    @property
    def json(self) -> dict[str, Any]:
        """The answer as `--json` prints it (made when first asked for)."""
        if self._error is not None:
            from hvctui.vapi.render import error_json

            return error_json(*self._error)
        return self._json

    def _keep(self, plain: str, payload: dict[str, Any],
              error: tuple[HvcError, tzinfo | None] | None = None) -> None:
        self._plain, self._json, self._error = plain, payload, error

    def show_idle(self) -> None:
        self._progress = []
        self._result = [Text("Press F5 to link. Answers appear here.", style="dim")]
        self._keep("", {})
        self._update()

    def start(self, title: str) -> None:
        self._progress = [("note", title)]
        self._done = False
        self._result = [Text("working… (escape cancels)", style="italic")]
        self._keep("", {})
        self._update()

    def event(self, phase: str, detail: str) -> None:
        self._progress.append((phase, detail))
        self._update()

    def show_success(self, text: Text, plain: str, payload: dict[str, Any]) -> None:
        self._result = list(text.split("\n"))
        self._done = True
        self._keep(plain, payload)
        self._update()
        self.scroll_home(animate=False)

    def show_error(self, error: HvcError, tz: tzinfo | None = None) -> None:
        self._result = error_rows(error, tz)
        self._keep("", {}, (error, tz))
        self._done = True
        self._update()
        self.scroll_home(animate=False)

    def show_text(self, text: Text) -> None:
        self._progress, self._done = [], True
        self._result = list(text.split("\n"))
        self._keep(text.plain, {})
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
