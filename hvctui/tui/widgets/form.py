"""The CreateSpec form, with the cloud vCenter connection above it.

Values are judged by the same code as the CLI's flags (hvctui/service.py: the CreateSpec for
its fields), on leaving a field and on submit; every problem is shown under its field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Label, Static

from rich.text import Text

from hvctui.profiles.store import Profile
from hvctui.tui.widgets.choice import Choice
from hvctui.tui.widgets.fieldrow import FieldRow
from hvctui.vapi.text import printable

if TYPE_CHECKING:
    from hvctui.service import FieldProblem


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    required: bool = False
    kind: str = "text"  # text, password, select
    placeholder: str = ""


CONNECTION_FIELDS = [
    FormField("server", "vCenter", True, placeholder="host[:port] of the cloud vCenter"),
    FormField("user", "User", True, placeholder="e.g. cloudadmin@vmc.local"),
    FormField("password", "Password", True, "password"),
    FormField("tls", "TLS", True, "select"),
    FormField("ca_file", "CA file", placeholder="PEM bundle, with TLS ca_file"),
    FormField("pin_sha256", "Pinned SHA-256", placeholder="accepted on first connect"),
]
SPEC_FIELDS = [
    FormField("psc_hostname", "PSC host", True, placeholder="e.g. psc.corp.local"),
    FormField("psc_port", "PSC port", placeholder="empty: the PSC's default (443)"),
    FormField("domain_name", "SSO domain", True, placeholder="e.g. corp.local"),
    FormField("psc_user", "PSC admin", True, placeholder="e.g. administrator@corp.local"),
    FormField("psc_password", "PSC password", True, "password"),
    FormField("ssl_thumbprint", "PSC thumbprint", placeholder="offered by the trust step"),
    FormField("admin_groups", "Admin groups", placeholder="e.g. admins@corp.local; enter: edit as a list"),
    FormField("accept_language", "Language", placeholder="e.g. de-DE (empty: English)"),
]
ALL_FIELDS = CONNECTION_FIELDS + SPEC_FIELDS
TLS_CHOICES = [("system CAs", "system"), ("CA file", "ca_file"), ("pinned", "pinned"),
               ("INSECURE", "insecure")]


def source_hint(source: str) -> str:
    if source.startswith("env:"):
        return f"from ${source[4:]} (or type to override)"
    if source == "keyring":
        return "from the keyring (or type to override)"
    return "type it; kept in memory only"


class SpecForm(VerticalScroll):
    """Every field of the connection and the CreateSpec."""

    @dataclass
    class Edited(Message):
        field: str

    @dataclass
    class EditGroups(Message):
        """Enter on the admin groups: edit them as a list (the screen opens the dialog)."""

        groups: list[str]

    def compose(self) -> ComposeResult:
        # Problem lines are mounted under a row only when there is a problem.
        yield Static("Cloud vCenter", classes="section")
        for f in CONNECTION_FIELDS:
            yield self._make_row(f)
        yield Static("On-premises PSC (CreateSpec)", classes="section")
        for f in SPEC_FIELDS:
            yield self._make_row(f)

    def _make_row(self, f: FormField) -> Widget:
        if f.kind == "select":
            return Horizontal(Label(Text(f"{f.label}*"), classes="label"),
                              Choice(TLS_CHOICES, "system", id=f"f-{f.name}"),
                              id=f"row-{f.name}", classes="choice-row")
        return FieldRow(f.name, f.label, required=f.required, placeholder=f.placeholder,
                        password=f.kind == "password")

    def row(self, name: str) -> FieldRow:
        return self.query_one(f"#row-{name}", FieldRow)

    def input(self, name: str) -> Input:
        """The field's Input (made on first need)."""
        return self.row(name).editor()

    # --- values in and out -------------------------------------------------------------------

    def load(self, profile: Profile, passwords: dict[str, str] | None = None) -> None:
        data = profile.as_dict()
        for f in ALL_FIELDS:
            if f.kind == "select":
                self.query_one(f"#f-{f.name}", Choice).value = data[f.name]
            elif f.kind == "password":
                continue
            elif f.name == "admin_groups":
                self.row(f.name).value = ", ".join(data[f.name])
            else:
                self.row(f.name).value = str(data.get(f.name, ""))
        for name, source in (("password", profile.password_source),
                             ("psc_password", profile.psc_password_source)):
            row = self.row(name)
            row.value = (passwords or {}).get(name, "")
            row.placeholder = source_hint(source)
        self.clear_problems()

    def fill(self, values: dict[str, Any]) -> None:
        """Set fields from raw form values (as `values()` returns them)."""
        for name, value in values.items():
            if name == "tls":
                self.query_one("#f-tls", Choice).value = value
            elif self.query(f"#row-{name}"):
                self.row(name).value = ", ".join(value) if isinstance(value, list) else value

    def values(self) -> dict[str, Any]:
        """The profile fields as typed (no passwords)."""
        out: dict[str, Any] = {}
        for f in ALL_FIELDS:
            if f.kind == "password":
                continue
            if f.kind == "select":
                out[f.name] = self.query_one(f"#f-{f.name}", Choice).value
            elif f.name == "admin_groups":
                out[f.name] = [g.strip() for g in self.row(f.name).value.split(",")
                               if g.strip()]
            else:
                out[f.name] = self.row(f.name).value.strip()
        return out

    def passwords(self) -> dict[str, str]:
        return {name: self.row(name).value for name in ("password", "psc_password")}

    def set_value(self, name: str, value: str) -> None:
        self.row(name).value = value

    def set_groups(self, groups: list[str]) -> None:
        self.row("admin_groups").value = ", ".join(groups)
        self.check_field("admin_groups")

    def focus_first(self) -> None:
        self.input("server").focus()

    def toggle_reveal(self) -> bool:
        revealed = self.row("password").password
        for name in ("password", "psc_password"):
            self.row(name).password = not revealed
        return revealed

    # --- problems ------------------------------------------------------------------------------

    def clear_problems(self) -> None:
        self.query(".problem").remove()
        for row in self.query(".invalid"):
            row.remove_class("invalid")
            row.refresh()

    def show_problems(self, problems: list[FieldProblem]) -> None:
        self.clear_problems()
        for p in problems:
            self._show(p.field, p.message)
        if problems:
            first = problems[0].field
            if self.query(f"#row-{first}"):
                target = self.query_one(f"#row-{first}")
                (self.input(first) if isinstance(target, FieldRow) else target).focus()
                self.scroll_to_widget(target)

    def _show(self, name: str, message: str) -> None:
        existing = self.query(f"#p-{name}")
        row = self.query(f"#row-{name}")
        if row:
            row.first().set_class(bool(message), "invalid")
            row.first().refresh()
        # The message quotes what was typed: Text, never markup.
        line = Text("\u21b3 " + printable(message))
        if existing:
            if message:
                existing.first(Static).update(line)
            else:
                existing.first().remove()
        elif message and row:
            self.mount(Static(line, classes="problem", id=f"p-{name}"), after=row.first())

    def problem(self, name: str) -> str:
        """The problem shown under a field, or "" (for tests and screen readers)."""
        shown = self.query(f"#p-{name}")
        return str(shown.first(Static).render()).removeprefix("↳ ") if shown else ""

    def check_field(self, name: str) -> None:
        if name in ("password", "psc_password"):
            self._show(name, "")
            return
        from hvctui.service import field_problems

        value = self.values().get(name)
        problems = field_problems({name: value})
        self._show(name, next((p.message for p in problems if p.field == name), ""))

    @on(Input.Blurred)
    def _blurred(self, event: Input.Blurred) -> None:
        name = (event.input.id or "").removeprefix("f-")
        if name:
            self.check_field(name)

    @on(Input.Submitted, "#f-admin_groups")
    def _edit_groups(self) -> None:
        """Enter on the admin groups opens them as a list to add to and remove from."""
        value = self.row("admin_groups").value
        self.post_message(self.EditGroups([g.strip() for g in value.split(",") if g.strip()]))

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        """Enter in a field moves on to the next one, as in a paper form."""
        if event.input.id != "f-admin_groups":
            event.stop()
            self.screen.focus_next()

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        if event.input.id:
            self.post_message(self.Edited(event.input.id.removeprefix("f-")))

    @on(Choice.Changed)
    def _choice_changed(self, event: Choice.Changed) -> None:
        self.post_message(self.Edited("tls"))
