"""Small modal dialogs: trust a certificate, confirm, type to confirm, ask for a name."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.css.scalar import Scalar
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static

from hvctui.tui.keys import TRUST_KEYS, bindings
from hvctui.tui.screens.ontop import OnTop
from hvctui.tui.widgets.oneline import OneLineInput
from hvctui.vapi import check_group, one_line, printable

if TYPE_CHECKING:
    from hvctui.vapi import CertificateDetails, PscCheck


def colon_lines(value: str, width: int) -> list[str]:
    """A thumbprint cut into lines of at most `width` cells, only after a colon (never inside
    a byte); one line when it fits, when `width` is unknown (0) or when it has no colons."""
    if width <= 0 or len(value) <= width or ":" not in value:
        return [value]
    lines: list[str] = []
    line = ""
    for part in (p + ":" for p in value.split(":")):
        if line and len(line) + len(part) > width:
            lines.append(line)
            line = ""
        line += part
    lines.append(line[:-1])
    return lines


def thumbprint_line(out: Text, label: str, value: str, width: int = 0) -> None:
    """`label` then the thumbprint, continued under it (broken at colons) when it does not fit
    in `width` cells; a newline at the end."""
    indent = max(len(label), 9)
    out.append(label.ljust(indent), style="bold")
    lines = colon_lines(one_line(value, 200), width - indent if width else 0)
    out.append(("\n" + " " * indent).join(lines) + "\n")


def certificate_text(thumbprint: str, details: CertificateDetails | None,
                     now: datetime | None = None, *, compact: bool = False,
                     width: int = 0) -> Text:
    """`compact` leaves out the SHA-1 (room at 80x24 for a DIFFERENT verdict's details);
    `width` (cells) breaks the thumbprints at colons to fit it."""
    out = Text()
    thumbprint_line(out, "SHA-256", thumbprint, width)
    if details is None:
        out.append("(the server sent the thumbprint only, no certificate)\n", style="dim")
        return out
    if not compact:
        thumbprint_line(out, "SHA-1", details.sha1, width)
    out.append("Subject  ", style="bold")
    out.append(one_line(details.subject, 300) + "\n")
    out.append("Issuer   ", style="bold")
    out.append(one_line(details.issuer, 300) + ("  (self-signed)" if details.self_signed else "")
               + "\n")
    now = now or datetime.now(timezone.utc)
    out.append("Valid    ", style="bold")
    out.append(f"{details.not_before:%Y-%m-%d} to {details.not_after:%Y-%m-%d}")
    if not details.not_before <= now <= details.not_after:
        out.append("  NOT VALID NOW", style="bold red")
    out.append("\n")
    return out


def verdict_text(check: PscCheck, width: int = 0) -> Text:
    """The verdict of hvctui's own check of the PSC, in words (server text made printable);
    `width` (cells) breaks the thumbprint at colons to fit it."""
    from hvctui.vapi import Verdict

    out = Text()
    if check.verdict is Verdict.SAME:
        out.append("\u2713 Checked: ", style="bold green")
        out.append(f"the PSC ({check.where}) presents this same certificate to this machine.")
        return out
    if check.verdict is Verdict.DIFFERENT:
        out.append("! DIFFERENT: ", style="bold red")
        out.append(f"{check.where} presents another certificate to this machine "
                   "(interception between cloud and PSC? a load balancer?). Seen from here:\n")
    elif check.seen_sha256:
        out.append(f"The PSC ({check.where}) presents this certificate to this machine:\n")
    else:
        out.append("? Could not check ", style="bold yellow")
        out.append(f"the PSC's certificate from this machine: {one_line(check.why, 200)}. "
                   "Compare the thumbprint by other means.")
        return out
    thumbprint_line(out, "SHA-256", check.seen_sha256, width)
    out.append("Subject  ", style="bold")
    out.append(one_line(check.seen_subject, 200))
    return out


def group_problem(group: str, listed: Sequence[str] = ()) -> str:
    """What is wrong with an admin group typed ("" when nothing): not written group@domain, or
    in `listed` already."""
    try:
        group = check_group(group)
    except ValueError as exc:
        return str(exc)
    if group.lower() in (g.lower() for g in listed):
        return f"{group} is listed already"
    return ""


class FittedDialog(OnTop, ModalScreen[Any]):
    """A dialog whose keys (`.dialog-foot`, docked at the bottom) stay visible at any size: the
    middle (`.dialog-body`) gets at most the rows the title and the keys leave, and scrolls."""

    def on_mount(self) -> None:
        self.call_after_refresh(self.fit_body)

    on_resize = on_mount

    def fit_body(self) -> None:
        try:
            dialog = self.query_one("#dialog")
            body = self.query_one(".dialog-body")
        except NoMatches:
            return
        others = sum(child.outer_size.height + child.styles.margin.height
                     for child in dialog.children if child is not body and child.display)
        room = max(3, self.size.height - dialog.styles.gutter.height - others)
        if body.styles.max_height != Scalar.from_number(room):
            body.styles.max_height = room


class GuardedDialog(FittedDialog):
    """A dialog that trusts, stores a thumbprint, unlinks, deletes or asks for a password (one
    that opens on its own: keys typed for the screen below must not become a password): it
    acts on no key typed before it was drawn (shown, or shown again), nor within
    `QUIET_SECONDS` after; each key it ignores restarts that quiet time, and it says so in
    words.

    Keys meant for the screen below (a profile name typed into the filter, a key held down, a
    burst from a slow SSH link) would otherwise answer it: `test` trusted at its `t`. The app
    asks `ignores_key` before it routes any key (app.py), so this holds for the dialog's
    bindings and its text field alike. Keys the key gate held (keygate.py) keep the time they
    arrived, so keys typed ahead are judged by when they were typed, not when replayed.
    While no field takes text, a printable key that is none of the dialog's keys is typing,
    not an answer: it restarts the quiet time too. `guarded` False makes an ordinary dialog
    (a TextScreen asking for a name, where typing ahead is welcome).
    """

    #: Long enough to cover a burst and the gaps of someone typing (each key restarts it),
    #: short enough that nobody reading the question notices it.
    QUIET_SECONDS = 0.5
    guarded = True

    def __init__(self) -> None:
        super().__init__()
        self._drawn = False
        #: A key that is none of the dialog's was typed: it is typing, not opening, that the
        #: ignored keys are part of.
        self._typing = False
        #: Keys that arrived (their `time`, time.monotonic) before this are ignored.
        self._quiet_until = 0.0

    def on_screen_resume(self) -> None:
        # Shown: on opening, and again when a dialog over it closes (keys typed into that one
        # must not answer this one either).
        self._drawn = False
        self._typing = False
        self.call_after_refresh(self._on_drawn)

    def _on_drawn(self) -> None:
        self._drawn = True
        self._quiet_until = max(self._quiet_until, time.monotonic() + self.QUIET_SECONDS)

    @property
    def answerable(self) -> bool:
        """A key pressed now would be acted on."""
        return not self.guarded or (self._drawn and time.monotonic() >= self._quiet_until)

    def ignores_key(self, event: events.Key) -> bool:
        """True for a key that arrived before the dialog was drawn or during its quiet time:
        it is not acted on, and the quiet time starts again."""
        if not self.guarded or (self._drawn and event.time >= self._quiet_until):
            return False
        self._restart_quiet()
        return True

    def on_key(self, event: events.Key) -> None:
        if (not self.guarded or not event.is_printable
                or event.key in self.active_bindings):
            return
        event.stop()
        event.prevent_default()
        self._typing = True
        self._restart_quiet()

    def _restart_quiet(self) -> None:
        self._quiet_until = max(self._quiet_until, time.monotonic() + self.QUIET_SECONDS)
        note = ("Typing is not an answer here: keys were ignored; stop typing, then answer "
                "with the keys below." if self._typing else
                "Keys typed as this dialog opened were ignored: answer with the keys below.")
        try:
            shown = self.query_one("#dialog-note", Static)
        except NoMatches:
            shown = Static(id="dialog-note", classes="problem")
            try:
                foot = self.query_one(".dialog-foot")
            except NoMatches:
                return  # not composed yet: the keys are ignored all the same
            foot.mount(shown, before=0)
        shown.update(Text(note))
        self.call_after_refresh(self.fit_body)


class FittedText(Static):
    """Text built for the width it is shown at (thumbprints broken at colons, never inside a
    byte): `build(width)` again whenever the width changes."""

    def __init__(self, build: Callable[[int], Text], **kwargs: Any) -> None:
        super().__init__(self._text(build, 0), **kwargs)
        self._build = build
        self._width = 0

    @staticmethod
    def _text(build: Callable[[int], Text], width: int) -> Text:
        text = build(width)
        text.rstrip()  # no blank last line
        return text

    def on_resize(self) -> None:
        width = self.content_size.width
        if width and width != self._width:
            self._width = width
            self.update(self._text(self._build, width))


class TrustScreen(GuardedDialog):
    """Trust-on-first-use: show what is offered; `t` trusts, `escape` cancels.

    With the verdict of the PSC check (`check`): when the PSC presents a DIFFERENT certificate
    to this machine, `t` alone does not trust: typing "trust" in a second dialog does.
    """

    BINDINGS = bindings(TRUST_KEYS)

    def __init__(self, title: str, explanation: str, thumbprint: str,
                 details: CertificateDetails | None = None,
                 check: PscCheck | None = None) -> None:
        from hvctui.vapi import Verdict

        super().__init__()
        self._title = title
        self._explanation = explanation
        self._thumbprint = thumbprint
        self._details = details
        self._check = check
        self._different = check is not None and check.verdict is Verdict.DIFFERENT

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="trust"):
            yield Static(Text(printable(self._title)), classes="dialog-title")
            # The keys are docked at the bottom, always visible; what is offered scrolls when
            # the terminal is too small for all of it.
            with Vertical(classes="dialog-foot"):
                yield Static("[b]t[/b] then type [b]trust[/b]: trust anyway    "
                             "[b]escape[/b] cancel" if self._different else
                             "[b]t[/b] trust and continue    [b]escape[/b] cancel",
                             classes="dialog-keys")
            with VerticalScroll(classes="dialog-body"):
                yield Static(Text(printable(self._explanation)), classes="dialog-text")
                if self._check is not None:
                    check = self._check
                    yield FittedText(lambda width: verdict_text(check, width),
                                     id="trust-verdict")
                    yield Static(Text("Offered by vCenter:", style="bold"))
                yield FittedText(lambda width: certificate_text(
                    self._thumbprint, self._details, compact=self._different, width=width),
                    id="trust-details")

    def action_trust(self) -> None:
        if not self._different:
            self.dismiss(True)
            return

        def typed(value: str | None) -> None:
            if value == "trust":
                self.dismiss(True)

        self.app.push_screen(TextScreen(
            "Trust a certificate the PSC does not present to this machine?",
            "Only if you know why they differ (e.g. a load balancer). Type trust to trust "
            "the offered certificate anyway.", must_equal="trust"), typed)

    def action_cancel(self) -> None:
        self.dismiss(False)


class ConfirmScreen(GuardedDialog):
    """A yes/no question: `y` or enter agrees, `n` or escape declines."""

    BINDINGS = [Binding("y,enter", "yes", "Yes"), Binding("n,escape", "no", "No")]

    def __init__(self, question: str, detail: str) -> None:
        super().__init__()
        self._question = question
        self._detail = detail

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(printable(self._question)), classes="dialog-title")
            with Vertical(classes="dialog-foot"):
                yield Static("[b]y[/b] yes    [b]n[/b]/[b]escape[/b] no", classes="dialog-keys")
            with VerticalScroll(classes="dialog-body"):
                yield Static(Text(printable(self._detail)), classes="dialog-text")

    def action_yes(self) -> None:
        self.dismiss(True)

    def action_no(self) -> None:
        self.dismiss(False)


class TextScreen(GuardedDialog):
    """Ask for one line of text; `must_equal` makes it a type-to-confirm dialog, guarded
    (unlink, trust anyway); a name is not, so `n` then a name types into it."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, question: str, detail: str = "", value: str = "",
                 must_equal: str | None = None, placeholder: str = "",
                 check: Callable[[str], str] | None = None) -> None:
        super().__init__()
        #: Says what is wrong with a value ("" when it is fine): the dialog stays open, text kept.
        self._check = check
        self._question = question
        self._detail = detail
        self._value = value
        self._must_equal = must_equal
        self._placeholder = placeholder
        self.guarded = must_equal is not None

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(printable(self._question)), classes="dialog-title")
            with Vertical(classes="dialog-foot"):
                yield OneLineInput(self._value, placeholder=self._placeholder,
                                   id="dialog-input", compact=True)
                yield Static("", id="dialog-problem", classes="problem")
                yield Static("[b]enter[/b] confirm    [b]escape[/b] cancel",
                             classes="dialog-keys")
            if self._detail:
                with VerticalScroll(classes="dialog-body"):
                    yield Static(Text(printable(self._detail)), classes="dialog-text")

    @on(Input.Submitted, "#dialog-input")
    def _submit(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        why = ""
        if self._must_equal is not None and value != self._must_equal:
            why = f"type {self._must_equal} exactly to confirm"
        elif value and self._check is not None:
            why = self._check(value)
        if why:
            problem = self.query_one("#dialog-problem", Static)
            problem.update(Text("\u21b3 " + printable(why)))
            problem.display = True
            self.call_after_refresh(self.fit_body)
            return
        self.dismiss(value or None)


class PasswordScreen(GuardedDialog):
    """Ask for a password (kept in memory for this session only); escape skips.

    Guarded like the dialogs that trust or unlink: it pops up on its own (the fleet asks as
    its refresh reaches a profile whose password is typed), so the keys someone was typing
    for the screen below (`/abc` for the fleet's filter) must not become a password, nor
    their enter send it (SSO locks an account after three failures)."""

    BINDINGS = [Binding("escape", "cancel", "Skip")]

    def __init__(self, user: str, server: str) -> None:
        super().__init__()
        self._user = user
        self._server = server

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(f"Password for {one_line(self._user, 60)}"),
                         classes="dialog-title")
            with Vertical(classes="dialog-foot"):
                yield Input(password=True, id="dialog-input", compact=True)
                yield Static(Text.assemble(("enter", "bold"), " use it    ",
                                           ("escape", "bold"), " skip these profiles"),
                             classes="dialog-keys")
            with VerticalScroll(classes="dialog-body"):
                yield Static(Text(f"at {one_line(self._server, 80)}: kept in memory for this "
                                  "session only, for every profile with this user and "
                                  "server."), classes="dialog-text")

    @on(Input.Submitted, "#dialog-input")
    def _submit(self, event: Input.Submitted) -> None:
        self.dismiss(event.value or None)


class GroupsScreen(OnTop, ModalScreen[list[str]]):
    """The admin groups as a list: `a` adds one, `d` removes the highlighted one, enter
    returns the list (each group checked as group@domain when added); escape leaves the
    field's groups as they were, as escape does everywhere else."""

    BINDINGS = [
        Binding("a", "add", "Add"),
        Binding("d,delete", "remove", "Remove"),
        Binding("enter", "done", "Done", priority=True),
        Binding("escape", "cancel", "Cancel", priority=True),
    ]

    def __init__(self, groups: list[str]) -> None:
        super().__init__()
        self.groups = list(groups)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static("Admin groups (granted HLM administration)", classes="dialog-title")
            yield OptionList(*[Text(one_line(g)) for g in self.groups], id="groups-list")
            yield Static("[b]a[/b] add  [b]d[/b] remove  [b]enter[/b] done  "
                         "[b]escape[/b] cancel", classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one("#groups-list").focus()

    def _refresh_list(self) -> None:
        options = self.query_one("#groups-list", OptionList)
        options.set_options([Text(one_line(g)) for g in self.groups])
        if self.groups:
            options.highlighted = len(self.groups) - 1

    def action_add(self) -> None:
        self.app.push_screen(TextScreen("Add an admin group", "Written group@domain.",
                                        placeholder="group@domain",
                                        check=lambda group: group_problem(group, self.groups)),
                             self._added)

    def _added(self, group: str | None) -> None:
        if group:
            self.groups.append(group.strip())
            self._refresh_list()

    def action_remove(self) -> None:
        options = self.query_one("#groups-list", OptionList)
        if options.highlighted is not None and self.groups:
            del self.groups[options.highlighted]
            self._refresh_list()

    def action_done(self) -> None:
        self.dismiss(self.groups)
