"""The CreateSpec form, with the cloud vCenter connection above it.

Values are judged by the same code as the CLI's flags (hvctui/service.py: the CreateSpec for
its fields), on leaving a field and on submit; every problem is shown under its field.

The form is three widgets whatever the number of fields: the rows above the one being edited,
drawn as text; that row, which holds the editor (an Input, or the TLS choice) once it has
focus; and the rows below it. The editor moves from field to field. Each widget costs Textual
time before the first frame (benchmarks/run.py), and a field is read far more often than edited.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Any

from rich.style import Style
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input

from hvctui.profiles.credentials import source_words
from hvctui.profiles.store import Profile, check_password_source
from hvctui.service import FIELD_LABELS, FieldProblem, field_problems
from hvctui.tui.widgets.choice import Choice, choice_text
from hvctui.tui.widgets.oneline import OneLineInput
from hvctui.vapi import PORT_FIELD, one_line, printable

LABEL_WIDTH = 16


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
    FormField("password_source", "Password from", True,
              placeholder="prompt, env:VAR, keyring or command:ARGV"),
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
    FormField("psc_password_source", "PSC pass from", True,
              placeholder="prompt, env:VAR, keyring or command:ARGV"),
    FormField("ssl_thumbprint", "PSC thumbprint", placeholder="offered by the trust step"),
    FormField("admin_groups", "Admin groups", placeholder="e.g. admins@corp.local; enter: edit as a list"),
    FormField("accept_language", "Language", placeholder="e.g. de-DE (empty: English)"),
]
SECTIONS = [("Cloud vCenter", CONNECTION_FIELDS), ("On-premises PSC (CreateSpec)", SPEC_FIELDS)]
ALL_FIELDS = CONNECTION_FIELDS + SPEC_FIELDS
FIELDS = {f.name: f for f in ALL_FIELDS}
#: What a profile saves: every field but the passwords.
SAVED_FIELDS = [f for f in ALL_FIELDS if f.kind != "password"]
PASSWORDS = ("password", "psc_password")
TLS_CHOICES = [("system CAs", "system"), ("CA file", "ca_file"), ("pinned", "pinned"),
               ("INSECURE", "insecure")]


#: The source field that says where each password comes from.
SOURCE_OF = {"password": "password_source", "psc_password": "psc_password_source"}
#: The fields that name whose password it is: a typed password belongs to that user at that
#: server, and goes nowhere else when they are edited afterwards.
KEY_OF = {"password": ("user", "server"), "psc_password": ("psc_user", "psc_hostname", "psc_port")}


def label_of(field: str) -> str:
    """A field as the form names it ("vCenter", "Password from"); a field the form does not
    show (the PSC's certificate) as the core names it."""
    return FIELDS[field].label if field in FIELDS else FIELD_LABELS.get(field, field)


def in_form_words(message: str) -> str:
    """A problem's message with the fields it sends the user to named as the form names them."""
    return message.replace(PORT_FIELD, FIELDS["psc_port"].label)


def problem_words(problems: list[FieldProblem]) -> str:
    """Every problem, each after its field's label as shown in the form (never an id such as
    `domain_name`)."""
    return "; ".join(f"{label_of(p.field)}: {in_form_words(p.message)}" for p in problems)


def source_hint(source: str, held: bool, edited: str, source_label: str) -> str:
    """A password field's placeholder: where its password comes from when none is typed.
    `edited`: the user or server differs from the saved profile's, so the source (the saved
    one's) is not used (service.password_state). A source that is none (`source_label`'s
    field holds something else) gives nothing: the hint says so, not "typed"."""
    if held:
        return "typed earlier in this session (kept in memory only)"
    if source.strip() not in ("", "prompt"):
        try:
            check_password_source(source.strip())
        except ValueError:
            return f"type it: {source_label} holds no password source (kept in memory only)"
    if edited:
        return (f"type it: {one_line(source.strip(), 30)} is for the saved {edited} only "
                "(kept in memory only)")
    if source.strip() in ("", "prompt"):
        return "type it; kept in memory only"
    return f"{source_words(source.strip())} (or type to override)"


class FormText(Widget):
    """Rows of the form drawn as text; a click on one edits it."""

    DEFAULT_CSS = "FormText { height: auto; text-wrap: nowrap; text-overflow: ellipsis; }"

    @dataclass
    class Picked(Message):
        field: str

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        #: (text, the field it belongs to, the indent its wrapped lines keep; 0: not wrapped)
        self._entries: list[tuple[Text, str, int]] = []

    def show(self, entries: list[tuple[Text, str, int]]) -> None:
        self._entries = entries
        self.refresh(layout=True)

    def lines(self, width: int) -> list[tuple[Text, str]]:
        lines: list[tuple[Text, str]] = []
        for text, field, indent in self._entries:
            if not indent:
                lines.append((text, field))
                continue
            for part in textwrap.wrap(text.plain, max(8, width - indent)) or [""]:
                lines.append((Text(" " * indent + part, style=text.style), field))
        return lines

    def get_content_height(self, container: Any, viewport: Any, width: int) -> int:
        return len(self.lines(width))

    def render(self) -> Text:
        return Text("\n").join(text for text, _ in self.lines(self.content_region.width))

    def on_click(self, event: events.Click) -> None:
        lines = self.lines(self.content_region.width)
        if 0 <= event.y < len(lines) and lines[event.y][1]:
            self.post_message(self.Picked(lines[event.y][1]))


class EditRow(Widget, can_focus=True):
    """The row being edited: drawn like the others until it gets focus, then the editor."""

    COMPONENT_CLASSES = {"edit-row--focused-label"}
    DEFAULT_CSS = f"""
    EditRow {{ height: 1; layout: horizontal; text-wrap: nowrap; text-overflow: ellipsis; }}
    EditRow > Input, EditRow > Choice {{ margin-left: {LABEL_WIDTH}; width: 1fr; }}
    EditRow:focus {{ background: $boost; }}
    /* Where typing goes is unmistakable, in every theme and without colours (reverse): the
       label of the row whose editor has focus is a block of the theme's accent. */
    EditRow > .edit-row--focused-label {{ color: $accent; text-style: bold reverse; }}
    /* A placeholder must never read as a value, colours or not (NO_COLOR). */
    EditRow > Input > .input--placeholder {{ text-style: italic dim; }}
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.drawn = Text()
        self.label = Text()
        self.input: Input | None = None
        self.choice: Choice | None = None
        self.select = False  # the field is the TLS choice
        #: The field's value, placeholder and masking, for an editor made later.
        self.value = ""
        self.placeholder = ""
        self.masked = False
        self._mounting: Any = None

    @property
    def editor(self) -> Input | Choice | None:
        """The editor in use, once the row has had focus."""
        return self.choice if self.select else self.input

    def make_editor(self) -> Input | Choice:
        """The editor for the field, made (and mounted) on first need."""
        editor = self.editor
        if editor is None:
            if self.select:
                editor = self.choice = Choice(TLS_CHOICES, self.value, id="form-choice")
            else:
                editor = self.input = OneLineInput(self.value, placeholder=self.placeholder,
                                                   password=self.masked, id="form-input",
                                                   compact=True, select_on_focus=False)
            self._mounting = self.mount(editor)
        for other in (self.input, self.choice):
            if other is not None:
                other.display = other is editor
        self.can_focus = False  # focus belongs to the editors now
        self.refresh()
        return editor

    def render(self) -> Text:
        if self.editor is None:
            return self.drawn
        if not self.has_focus_within:
            return self.label
        label = self.label.copy()
        label.stylize(self.get_component_rich_style("edit-row--focused-label", partial=True))
        return label

    def on_descendant_focus(self) -> None:
        self.refresh()

    on_descendant_blur = on_descendant_focus

    async def on_focus(self) -> None:
        # Focus moves on as soon as the editor is mounted, inside this handler: a key that
        # follows (tui/keygate.py waits for handlers) then finds the editor focused.
        editor = self.make_editor()
        if self._mounting is not None:
            mounting, self._mounting = self._mounting, None
            await mounting
        if self.screen.focused is self and editor.is_attached:
            self.screen.set_focus(editor)

    def on_key(self, event: events.Key) -> None:
        # Keys that arrive before the editor has focus are typed into it, not lost.
        if self.input is not None and not self.select and event.is_printable \
                and event.character:
            event.stop()
            self.input.insert_text_at_cursor(event.character)


class SpecForm(VerticalScroll, can_focus=False):
    """Every field of the connection and the CreateSpec (focus goes to its editor, never to the
    form itself: a stop with nothing to type into would swallow keys)."""

    BINDINGS = [
        Binding("tab", "step(1)", show=False),
        Binding("shift+tab", "step(-1)", show=False),
        Binding("enter", "step(1)", show=False),  # the TLS choice (an Input submits itself)
        # Up and down move between fields, as in a list (not scroll the editor out of view).
        Binding("down", "step(1, False)", show=False),
        Binding("up", "step(-1, False)", show=False),
    ]
    COMPONENT_CLASSES = {"form--section", "form--problem"}
    DEFAULT_CSS = """
    SpecForm > .form--section { color: $primary; text-style: bold; }
    SpecForm > .form--problem { color: $error; }
    """

    @dataclass
    class Edited(Message):
        field: str

    @dataclass
    class EditGroups(Message):
        """Enter on the admin groups: edit them as a list (the screen opens the dialog)."""

        groups: list[str]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._values = {f.name: "" for f in ALL_FIELDS} | {"tls": "system"}
        self._placeholders = {f.name: f.placeholder for f in ALL_FIELDS}
        self._problems: dict[str, str] = {}
        self._held: frozenset[str] = frozenset()
        #: Per password field: (held, what is edited) as the screen last found them.
        self._states: dict[str, tuple[bool, str]] = {}
        #: Each typed password's user and server as they were when it was typed.
        self._typed_for: dict[str, tuple[str, ...]] = {}
        self._masked = True
        self._current = ALL_FIELDS[0].name

    def compose(self) -> ComposeResult:
        yield FormText(id="form-above")
        yield EditRow(id="form-edit")
        yield FormText(id="form-below")

    def on_mount(self) -> None:
        self._draw()

    @property
    def _row(self) -> EditRow:
        return self.query_one(EditRow)

    # --- drawing ---------------------------------------------------------------------------

    def _row_text(self, f: FormField, with_value: bool = True) -> Text:
        label = f"{f.label}{'*' if f.required else ' '}".ljust(LABEL_WIDTH)[:LABEL_WIDTH]
        text = Text()
        text.append(label, style="bold red" if f.name in self._problems else "dim")
        if not with_value:
            return text
        value = self._values[f.name]
        if f.kind == "select":
            text.append_text(choice_text(TLS_CHOICES, value))
        elif not value:
            text.append(self._placeholders[f.name], style="dim italic")
        elif f.kind == "password" and self._masked:
            text.append("*" * len(value))
        else:
            text.append(printable(value, newlines=False))
        return text

    def _problem_entry(self, name: str) -> tuple[Text, str, int]:
        style = self.get_component_rich_style("form--problem", partial=True)
        return (Text("\u21b3 " + printable(self._problems[name]), style=style), name, LABEL_WIDTH)

    def _draw(self) -> None:
        """Both runs of text and the edited row, from the values held."""
        if not self.is_attached:
            return
        section = self.get_component_rich_style("form--section", partial=True) or Style(bold=True)
        above: list[tuple[Text, str, int]] = []
        below: list[tuple[Text, str, int]] = []
        entries = above
        for title, fields in SECTIONS:
            entries.append((Text(title, style=section), "", 0))
            for f in fields:
                if f.name == self._current:
                    entries = below
                    if f.name in self._problems:
                        below.append(self._problem_entry(f.name))
                    continue
                entries.append((self._row_text(f), f.name, 0))
                if f.name in self._problems:
                    entries.append(self._problem_entry(f.name))
        self.query_one("#form-above", FormText).show(above)
        self.query_one("#form-below", FormText).show(below)
        row = self._row
        current = FIELDS[self._current]
        row.drawn = self._row_text(current)
        row.label = self._row_text(current, with_value=False)
        row.refresh()

    # --- the editor, from field to field ---------------------------------------------------

    def raw(self, name: str) -> str:
        """A field's text exactly as typed (not stripped, admin groups as one line), the
        editor's while it edits the field."""
        editor = self._row.editor
        if name == self._current and editor is not None:
            return editor.value
        return self._values[name]

    def _keep(self) -> None:
        """What the editor holds goes back to the field it edits."""
        editor = self._row.editor
        if editor is not None:
            self._values[self._current] = editor.value
            if self._current in SOURCE_OF.values():
                self._hint_sources()

    def _hint_sources(self) -> None:
        """Each password's placeholder says where it comes from, as its source field says,
        and whether this session holds it (`show_password_states`)."""
        for name, source in SOURCE_OF.items():
            held, edited = self._states.get(name, (name in self._held, ""))
            self._placeholders[name] = source_hint(self.raw(source), held, edited,
                                                   FIELDS[source].label)

    def show_password_states(self, states: dict[str, tuple[bool, str]]) -> None:
        """What the screen found for each password field: (held for the user and server
        shown, what is edited so that the profile's source is not used). The placeholders
        follow at once, the one being edited too."""
        if states == self._states:
            return
        self._states = dict(states)
        self._hint_sources()
        if self._current in PASSWORDS:
            self._row.placeholder = self._placeholders[self._current]
            editor = self._row.editor
            if isinstance(editor, Input):
                editor.placeholder = self._row.placeholder
        self._draw()

    def hint(self, name: str) -> str:
        """The placeholder a password field shows when empty (for tests)."""
        return self._placeholders[name]

    def _goto(self, name: str) -> None:
        if name == self._current:
            return
        leaving = self._current
        self._keep()
        self._current = name
        self._set_editor()
        self.check_field(leaving)  # leaving a field judges it (and draws)

    def _set_editor(self) -> None:
        """The edited row (and its editor, once made) take the current field's value."""
        row = self._row
        f = FIELDS[self._current]
        had_editor = row.input is not None or row.choice is not None
        row.select = f.kind == "select"
        row.value = self._values[f.name]
        row.placeholder = self._placeholders[f.name]
        row.masked = f.kind == "password" and self._masked
        if not had_editor:
            return
        editor = row.make_editor()
        with editor.prevent(Input.Changed, Choice.Changed):
            editor.value = row.value
        if isinstance(editor, Input):
            editor.password = row.masked
            editor.placeholder = row.placeholder
            editor.cursor_position = len(editor.value)

    def edit(self, name: str) -> None:
        """Move the editor to a field and give it focus."""
        self._goto(name)
        row = self._row
        (row if row.editor is None else row.editor).focus()
        self.call_after_refresh(self._show_edited)

    def _show_edited(self) -> None:
        """Scroll so that the edited row and the problem under it are in view."""
        row = self._row
        below = self.query_one("#form-below", FormText)
        problem_lines = sum(1 for _, field in below.lines(below.content_region.width)
                            if field == self._current)
        region = row.virtual_region
        self.scroll_to_region(region._replace(height=1 + problem_lines), animate=False,
                              immediate=True)

    def input(self, name: str) -> Input:
        """The editor, moved to a text field (made on first need)."""
        self._goto(name)
        editor = self._row.make_editor()
        assert isinstance(editor, Input), name
        return editor

    def editing(self) -> str:
        """The field whose editor has focus, or ""."""
        editor = self._row.editor
        return self._current if editor is not None and editor.has_focus else ""

    def action_step(self, step: int, leave: bool = True) -> None:
        """tab and shift+tab move from field to field, and out of the form at either end (up
        and down stay in it)."""
        index = [f.name for f in ALL_FIELDS].index(self._current) + step
        if 0 <= index < len(ALL_FIELDS) and self._row.has_focus_within:
            self.edit(ALL_FIELDS[index].name)
        elif not leave:
            return
        elif step > 0:
            self.screen.focus_next()
        else:
            self.screen.focus_previous()

    # --- values in and out -------------------------------------------------------------------

    def load(self, profile: Profile, passwords: dict[str, str] | None = None,
             held: frozenset[str] = frozenset()) -> None:
        """Show `profile`; `passwords` typed for it before, `held` the password fields whose
        user and server this session already holds a password for."""
        self._held = held
        self._states = {}
        data = profile.as_dict()
        for f in SAVED_FIELDS:
            value = data.get(f.name, "")
            self._values[f.name] = ", ".join(value) if f.name == "admin_groups" else str(value)
        for name in PASSWORDS:
            self._values[name] = (passwords or {}).get(name, "")
        self._hint_sources()
        self._bind_passwords()
        self._set_editor()
        self.clear_problems()

    def fill(self, values: dict[str, Any]) -> None:
        """Set fields from raw form values (as `values()` returns them)."""
        self._keep()
        for name, value in values.items():
            if name in self._values:
                self._values[name] = ", ".join(value) if isinstance(value, list) else value
        self._bind_passwords()  # a draft's passwords were typed for the draft's own values
        self._set_editor()
        self._draw()

    def values(self) -> dict[str, Any]:
        """The profile fields as typed (no passwords)."""
        out: dict[str, Any] = {}
        for f in SAVED_FIELDS:
            value = self.raw(f.name)
            if f.name == "admin_groups":
                out[f.name] = [g.strip() for g in value.split(",") if g.strip()]
            else:
                out[f.name] = value if f.kind == "select" else value.strip()
        return out

    def owner_of(self, name: str) -> tuple[str, ...]:
        """Whose password a password field holds (user and server as shown); () for others."""
        return self._key_now(name) if name in PASSWORDS else ()

    def passwords(self) -> dict[str, str]:
        return {name: self.raw(name) for name in PASSWORDS}

    def _key_now(self, name: str) -> tuple[str, ...]:
        return tuple(self.raw(f).strip().lower() for f in KEY_OF[name])

    def _bind_passwords(self) -> None:
        """The passwords shown belong to the user and server shown."""
        self._typed_for = {name: self._key_now(name) for name in PASSWORDS if self.raw(name)}

    def drop_stale_passwords(self) -> list[str]:
        """Clear each typed password whose user or server was edited after it was typed (it
        belongs to the old ones); the fields cleared."""
        stale = [name for name in PASSWORDS if self.raw(name)
                 and self._typed_for.get(name, self._key_now(name)) != self._key_now(name)]
        for name in stale:
            self.set_value(name, "")
            self._typed_for.pop(name, None)
        return stale

    def set_value(self, name: str, value: str) -> None:
        self._keep()
        self._values[name] = value
        if name in SOURCE_OF.values():
            self._hint_sources()
        if name == self._current:
            editor = self._row.editor
            if editor is not None:
                editor.value = value
                if isinstance(editor, Input):
                    editor.cursor_position = len(value)
            self._row.value = value
        self._draw()

    def set_groups(self, groups: list[str]) -> None:
        self.set_value("admin_groups", ", ".join(groups))
        self.check_field("admin_groups")

    def focus_first(self) -> None:
        self.edit(ALL_FIELDS[0].name)

    def toggle_reveal(self) -> bool:
        """Show the passwords if hidden, hide them if shown; True when now shown."""
        self._masked = not self._masked
        self._keep()
        self._set_editor()
        self._draw()
        return not self._masked

    # --- problems ------------------------------------------------------------------------------

    def clear_problems(self) -> None:
        self._problems.clear()
        self._draw()

    def show_problems(self, problems: list[FieldProblem]) -> None:
        self._problems = {}
        for p in problems:
            if p.field in FIELDS:
                self._problems.setdefault(p.field, in_form_words(p.message))
        self._draw()
        first = next((f.name for f in ALL_FIELDS if f.name in self._problems), "")
        if first:  # the topmost, whatever order the problems came in
            self.edit(first)

    def problem(self, name: str) -> str:
        """The problem shown under a field, or "" (for tests and screen readers)."""
        return printable(self._problems.get(name, ""))

    def check_field(self, name: str) -> None:
        problems = [] if name in PASSWORDS else field_problems({name: self.values().get(name)})
        message = next((in_form_words(p.message) for p in problems if p.field == name), "")
        if message:
            self._problems[name] = message
        else:
            self._problems.pop(name, None)
        self._draw()

    # --- what the editor tells --------------------------------------------------------------

    @on(FormText.Picked)
    def _picked(self, event: FormText.Picked) -> None:
        self.edit(event.field)

    @on(Input.Blurred, "#form-input")
    def _blurred(self) -> None:
        self.check_field(self._current)

    @on(Input.Submitted, "#form-input")
    def _submitted(self, event: Input.Submitted) -> None:
        """Enter on the admin groups edits them as a list; in any other field it moves on to
        the next one, as in a paper form."""
        event.stop()
        if self._current == "admin_groups":
            self.post_message(self.EditGroups(self.values()["admin_groups"]))
        else:
            self.action_step(1)

    @on(Input.Changed, "#form-input")
    def _changed(self) -> None:
        if self._current in SOURCE_OF.values():
            self._hint_sources()  # the password rows' hints follow their source as it is typed
            self._draw()
        if self._current in PASSWORDS:
            self._typed_for[self._current] = self._key_now(self._current)
        if self._current in self._problems and self.raw(self._current).strip():
            self.check_field(self._current)  # a marked field is judged again as it is fixed
        self.post_message(self.Edited(self._current))

    def on_resize(self) -> None:
        if self.editing():  # a smaller terminal must not hide what is being typed into
            self.call_after_refresh(self._show_edited)

    @on(Choice.Changed)
    def _choice_changed(self) -> None:
        self.post_message(self.Edited("tls"))
