"""The live response pane: the phases of a call as they happen, then the result.

Results are the core's reports (vapi/render.py): this widget only styles their rows. What it
copies is the report's own plain text and JSON, the very ones the CLI prints.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from rich.text import Span, Text

from hvctui.tui.clipboard import copy
from hvctui.tui.keys import RESPONSE_KEYS, bindings
from hvctui.tui.widgets.textview import TextView
from hvctui.vapi import dumps, one_line, printable

if TYPE_CHECKING:
    from hvctui.vapi import Report, Row

PHASE_MARK = {"connect": "->", "tls": "~", "login": "->", "send": "->", "answer": "<-",
              "logout": "->", "note": "."}


def styled(row: Row) -> Text:
    """One report row as the pane draws it (its text is printable already)."""
    indent = "  " * min(row.depth, 3)
    if row.kind == "title":
        head = Text.assemble((f" {row.name} ", "bold reverse red"),
                             (f"  {row.value}" if row.value else "", "bold"))
        if row.detail:
            head.append(f"  {row.detail}", style="dim")
        return head
    if row.kind == "message":
        lead = "\u2514 caused by: " if row.depth else ""
        return Text.assemble((indent + lead, "dim"), (row.text, "bold"))
    if row.kind == "id":
        line = Text(f"{indent}  id {row.text}", style="dim")
        if row.detail:
            line.append("  (localized)", style="dim italic")
        return line
    if row.kind == "param":
        # Spans made by hand: thousands of these rows must build in a few milliseconds.
        head = f"{indent}  {row.name}"
        kind_part = f" ({row.param_kind}) "
        tail = f"  [{row.detail}]" if row.detail else ""
        a = len(head)
        b = a + len(kind_part)
        c = b + len(row.value)
        spans = [Span(0, a, "cyan"), Span(a, b, "dim")]
        if tail:
            spans.append(Span(c, c + len(tail), "dim"))
        return Text(head + kind_part + row.value + tail, spans=spans)
    if row.kind in ("data", "body"):
        return Text.assemble((f"{row.kind} ", "bold"), row.text)
    if row.kind == "next":
        return Text.assemble(("Next: ", "bold green"), row.text)
    if row.kind == "ok":
        return Text.assemble((f" {row.text} ", "bold reverse green"), (f"  {row.detail}", "bold"))
    if row.kind == "link":
        return Text.assemble(("link id ", "bold"), row.text)
    if row.kind == "more":
        return Text(indent + "  " + row.text, style="italic")
    return Text(row.text, style="dim" if row.kind == "text" else "")


def report_text(report: Report) -> Text:
    return Text("\n").join(styled(row) for row in report.rows)


class ResponsePane(TextView):
    """Progress, then the result; `y` copies it as text, `j` as JSON."""

    BINDINGS = bindings(RESPONSE_KEYS)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._progress: list[tuple[str, str]] = []
        self._done = False
        self._result: list[Text] = []
        self._report: Report | None = None
        self._plain = ""
        #: The JSON of an answer shown as text (the PSC check's), for the copy as JSON.
        self._payload: dict[str, Any] = {}
        #: The answer shown for each profile, so switching back shows it again.
        self._answers: dict[str, tuple[list[tuple[str, str]], list[Text], Report | None, str,
                                       str, dict[str, Any]]] = {}
        self.profile = ""
        self._label = ""
        #: Show the time of an answer in its label (off for deterministic snapshots).
        self.clock = True
        #: A call is in flight: its line counts the seconds.
        self._working = False
        self._started = 0.0
        self._ticker: Any = None

    def on_mount(self) -> None:
        self.show_idle()

    def _update(self) -> None:
        rows: list[Text] = []
        if self._label:
            rows.append(Text(self._label, style="dim italic"))
        if self._done and self._progress:
            rows.append(Text(self._summary(), style="dim"))
        else:
            for phase, detail in self._progress:
                rows.append(Text.assemble((f"{PHASE_MARK.get(phase, '.')} ", "dim"),
                                          (f"{phase:<8}", "dim bold"),
                                          (printable(detail), "dim")))
            if self._progress:
                rows.append(Text())
        rows.extend(self._result)
        self.set_lines(rows)
        self._answers[self.profile] = (list(self._progress), list(self._result), self._report,
                                       self._plain, self._label, self._payload)

    def _summary(self) -> str:
        """The finished call's phases on one line: each request with its answer."""
        steps: list[str] = []
        for phase, detail in self._progress:
            if phase == "send" and detail.startswith(("POST", "GET", "PUT", "DELETE")):
                steps.append(detail.split("?")[0])
            elif phase == "answer" and steps:
                steps[-1] += f" {detail.removeprefix('HTTP ')}"
        return printable(". " + " . ".join(steps) if steps else ". " + self._progress[0][1])

    @property
    def plain(self) -> str:
        """The answer as plain text, as the CLI prints it."""
        return self._report.plain if self._report is not None else self._plain

    @property
    def json(self) -> dict[str, Any]:
        """The answer as `--json` prints it."""
        return self._report.payload if self._report is not None else self._payload

    def show_for(self, profile: str) -> None:
        """Switch to a profile: show the answer last shown for it, or nothing yet."""
        self.profile = profile
        kept = self._answers.get(profile)
        if kept is None:
            self.show_idle()
            return
        (self._progress, self._result, self._report, self._plain, self._label,
         self._payload) = kept
        self._working = False
        self._done = True
        self._update()

    def show_idle(self) -> None:
        self._working = False
        self._progress, self._report, self._plain, self._label, self._payload = [], None, "", "", {}
        self._result = [Text(f"Press {self.app.key_for('link')} to link. Answers appear here.",
                             style="dim")]
        self._done = False
        self._update()

    def start(self, profile: str, title: str) -> None:
        self.profile = profile
        self._progress = [("note", title)]
        self._done = False
        self._label = ""
        self._started = time.monotonic()
        self._working = True
        self._result = [self._working_text()]
        self._report, self._plain, self._payload = None, "", {}
        self._update()
        if self._ticker is None:
            self._ticker = self.set_interval(1.0, self._tick)

    def _working_text(self) -> Text:
        """The call in flight, with its elapsed seconds (not in snapshots: `clock`)."""
        seconds = f" {int(time.monotonic() - self._started)} s" if self.clock else ""
        return Text(f"working...{seconds} (escape cancels)", style="italic")

    def _tick(self) -> None:
        if self._working and not self._done:
            self._result = [self._working_text()]
            self._update()

    def event(self, phase: str, detail: str) -> None:
        self._progress.append((phase, detail))
        self._update()

    def _labelled(self, profile: str) -> None:
        self.profile = profile
        when = f" at {time.strftime('%H:%M:%S')}" if self.clock else ""
        self._label = f"answer for {one_line(profile, 40) or '(unsaved)'}{when}"

    def show_report(self, profile: str, report: Report) -> None:
        self._working = False
        self._labelled(profile)
        self._result = [styled(row) for row in report.rows]
        self._report, self._plain, self._payload = report, report.plain, {}
        self._done = True
        self._update()
        self.scroll_home(animate=False)

    def show_text(self, profile: str, text: Text,
                  payload: dict[str, Any] | None = None) -> None:
        """An answer as text; `payload` is what copying it as JSON gives."""
        self._working = False
        self._labelled(profile)
        self._progress, self._done = [], True
        self._result = list(text.split("\n"))
        self._report, self._plain, self._payload = None, text.plain, payload or {}
        self._update()

    def action_copy_text(self) -> None:
        copy(self, self.plain, "the answer as text")

    def action_copy_json(self) -> None:
        copy(self, dumps(self.json, indent=2) if self.json else "", "the answer as JSON")
