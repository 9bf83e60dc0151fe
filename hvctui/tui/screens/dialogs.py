"""Small modal dialogs: trust a certificate, confirm, type to confirm, ask for a name."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from hvctui.tui.keys import TRUST_KEYS, bindings

if TYPE_CHECKING:
    from hvctui.vapi.tls import CertificateDetails


def certificate_text(thumbprint: str, details: CertificateDetails | None,
                     now: datetime | None = None) -> Text:
    out = Text()
    out.append("SHA-256  ", style="bold")
    out.append(thumbprint + "\n")
    if details is None:
        out.append("(the server sent the thumbprint only, no certificate)\n", style="dim")
        return out
    out.append("SHA-1    ", style="bold")
    out.append(details.sha1 + "\n")
    out.append("Subject  ", style="bold")
    out.append(details.subject + "\n")
    out.append("Issuer   ", style="bold")
    out.append(details.issuer + ("  (self-signed)" if details.self_signed else "") + "\n")
    now = now or datetime.now(UTC)
    out.append("Valid    ", style="bold")
    out.append(f"{details.not_before:%Y-%m-%d} to {details.not_after:%Y-%m-%d}")
    if not details.not_before <= now <= details.not_after:
        out.append("  NOT VALID NOW", style="bold red")
    out.append("\n")
    return out


class TrustScreen(ModalScreen[bool]):
    """Trust-on-first-use: show what is offered; `t` trusts, `escape` cancels."""

    BINDINGS = bindings(TRUST_KEYS)

    def __init__(self, title: str, explanation: str, thumbprint: str,
                 details: CertificateDetails | None = None) -> None:
        super().__init__()
        self._title = title
        self._explanation = explanation
        self._thumbprint = thumbprint
        self._details = details

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="trust"):
            yield Static(self._title, classes="dialog-title")
            yield Static(self._explanation, classes="dialog-text")
            yield Static(certificate_text(self._thumbprint, self._details), id="trust-details")
            yield Static("[b]t[/b] trust and continue    [b]escape[/b] cancel",
                         classes="dialog-keys")

    def action_trust(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question: `y` or enter agrees, `n` or escape declines."""

    BINDINGS = [Binding("y,enter", "yes", "Yes"), Binding("n,escape", "no", "No")]

    def __init__(self, question: str, detail: str = "") -> None:
        super().__init__()
        self._question = question
        self._detail = detail

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(self._question, classes="dialog-title")
            if self._detail:
                yield Static(self._detail, classes="dialog-text")
            yield Static("[b]y[/b] yes    [b]n[/b]/[b]escape[/b] no", classes="dialog-keys")

    def action_yes(self) -> None:
        self.dismiss(True)

    def action_no(self) -> None:
        self.dismiss(False)


class TextScreen(ModalScreen[str | None]):
    """Ask for one line of text; `must_equal` makes it a type-to-confirm dialog."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, question: str, detail: str = "", value: str = "",
                 must_equal: str | None = None, placeholder: str = "") -> None:
        super().__init__()
        self._question = question
        self._detail = detail
        self._value = value
        self._must_equal = must_equal
        self._placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(self._question, classes="dialog-title")
            if self._detail:
                yield Static(self._detail, classes="dialog-text")
            yield Input(self._value, placeholder=self._placeholder, id="dialog-input",
                        compact=True)
            yield Static("", id="dialog-problem", classes="problem")
            yield Static("[b]enter[/b] confirm    [b]escape[/b] cancel", classes="dialog-keys")

    @on(Input.Submitted, "#dialog-input")
    def _submit(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if self._must_equal is not None and value != self._must_equal:
            problem = self.query_one("#dialog-problem", Static)
            problem.update(f"↳ type {self._must_equal} exactly to confirm")
            problem.display = True
            return
        self.dismiss(value or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class GroupsScreen(ModalScreen[list[str]]):
    """The admin groups as a list: `a` adds one, `d` removes the highlighted one, enter or
    escape returns the list (each group checked as group@domain when added)."""

    BINDINGS = [
        Binding("a", "add", "Add"),
        Binding("d,delete", "remove", "Remove"),
        Binding("enter,escape", "done", "Done", priority=True),
    ]

    def __init__(self, groups: list[str]) -> None:
        super().__init__()
        self.groups = list(groups)

    def compose(self) -> ComposeResult:
        from textual.widgets import OptionList

        with Vertical(id="dialog"):
            yield Static("Admin groups (granted HLM administration)", classes="dialog-title")
            yield OptionList(*self.groups, id="groups-list")
            yield Static("", id="dialog-problem", classes="problem")
            yield Static("[b]a[/b] add    [b]d[/b] remove    [b]enter[/b] done",
                         classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one("#groups-list").focus()

    def _refresh_list(self) -> None:
        from textual.widgets import OptionList

        options = self.query_one("#groups-list", OptionList)
        options.clear_options()
        options.add_options(self.groups)
        if self.groups:
            options.highlighted = len(self.groups) - 1
    def action_add(self) -> None:
        self.app.push_screen(TextScreen("Add an admin group", "Written group@domain.",
                                        placeholder="group@domain"), self._added)

    def _added(self, group: str | None) -> None:
        from hvctui.vapi.checks import check_group

        if not group:
            return
        problem = self.query_one("#dialog-problem", Static)
        try:
            group = check_group(group)
        except ValueError as exc:
            problem.update(f"↳ {exc}")
            problem.display = True
            return
        if group.lower() in (g.lower() for g in self.groups):
            problem.update(f"↳ {group} is listed already")
            problem.display = True
            return
        problem.display = False
        self.groups.append(group)
        self._refresh_list()

    def action_remove(self) -> None:
        from textual.widgets import OptionList

        options = self.query_one("#groups-list", OptionList)
        if options.highlighted is not None and self.groups:
            del self.groups[options.highlighted]
            self._refresh_list()

    def action_done(self) -> None:
        self.dismiss(self.groups)
