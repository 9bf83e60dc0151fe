"""The main screen: profiles sidebar, the form, the response pane, and the link worker.

It prepares, runs and records calls only through hvctui/service.py, and tells the app about
config changes by message; it never reaches into the app.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import tzinfo
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import Worker

from hvctui.profiles.credentials import CredentialKey, overrides_note, psc_key, vcenter_key
from hvctui.profiles.store import Config, ConfigError, Profile, check_profile_name
from hvctui.service import Call, ChangedOnDisk, NotReady, PscCheckTarget, Service, password_state
from hvctui.tui.keys import MAIN_KEYS, bindings
from hvctui.tui.widgets.form import FIELDS, KEY_OF, SAVED_FIELDS, SOURCE_OF, SpecForm, problem_words
from hvctui.tui.widgets.keyhints import KeyHints
from hvctui.tui.widgets.response import ResponsePane
from hvctui.tui.widgets.sidebar import ProfileSidebar
from hvctui.vapi import Cancelled, HvcError, Timeouts, details_from_pem, one_line, split_server

if TYPE_CHECKING:
    from hvctui.tui.screens.links import CallScreen
    from hvctui.vapi import CertificateInfo, PscCheck


@dataclass
class Settings:
    """What the main screen needs of the app, given once (no reaching back)."""

    service: Service
    timeouts: Timeouts
    tz: tzinfo | None
    demo: bool = False
    timings: bool = True
    #: Skip trust-on-first-use of the vCenter's own certificate (an in-process transport).
    probe_pins: bool = True
    #: vCenters the fleet screen asks at once.
    fleet_concurrency: int = 8
    #: The demo's banner (hvctui/demo.py: what it is, and how the CLI reaches its profiles).
    demo_banner: tuple[str, ...] = ()


#: Fields the link itself fills in (a trusted thumbprint and its certificate, a first-use pin).
_SET_BY_LINK = frozenset({"ssl_thumbprint", "ssl_certificate", "pin_sha256"})
#: The fields that say whose password it is and where it comes from.
_KEY_FIELDS = {*SOURCE_OF.values()}.union(*KEY_OF.values())


@dataclass(frozen=True)
class _Revert:
    """One revert of a field by escape, for the undo key."""

    profile: str
    field: str
    #: The text escape replaced, and the text it put there.
    typed: str
    put: str
    #: A password's user and server at the time (() for other fields).
    owner: tuple[str, ...]

    def __repr__(self) -> str:  # the text may be a password: never in a repr
        return f"_Revert({self.profile!r}, {self.field!r})"


class MainScreen(Screen[None]):
    BINDINGS = bindings(MAIN_KEYS)

    #: What the header and the banner show; each change repaints them (one watcher each).
    profile_name: reactive[str] = reactive("")
    server: reactive[str] = reactive("")
    user: reactive[str] = reactive("")
    tls_mode: reactive[str] = reactive("system")
    config_problem: reactive[str] = reactive("")

    @dataclass
    class ConfigChanged(Message):
        """The config was saved: the app keeps it (palette, theme)."""

        config: Config

    def __init__(self, settings: Settings, config: Config, error: ConfigError | None,
                 broken: dict[str, list[Any]], initial: str = "") -> None:
        super().__init__()
        self.settings = settings
        self.service = settings.service
        self.config = config
        self.config_error = error
        self.broken = broken
        self._initial = initial
        self._drafts: dict[str, tuple[dict[str, Any], dict[str, str]]] = {}
        #: A profile whose save was refused because the file changed: the next save is over it.
        self._save_over = ""
        self._call: Worker[None] | None = None
        self._sent_at = 0.0
        #: What escape's reverts replaced, latest last. In memory only, as the form's
        #: passwords are.
        self._reverted: list[_Revert] = []
        self._stop_listening = lambda: None

    # --- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="status")
        yield Static(id="banner")
        with Horizontal(id="main"):
            yield ProfileSidebar(id="sidebar")
            with Vertical(id="work"):
                yield SpecForm(id="form")
                yield ResponsePane(id="response")
        yield KeyHints()

    @property
    def form(self) -> SpecForm:
        return self.query_one(SpecForm)

    @property
    def pane(self) -> ResponsePane:
        return self.query_one(ResponsePane)

    @property
    def sidebar(self) -> ProfileSidebar:
        return self.query_one(ProfileSidebar)

    def on_mount(self) -> None:
        self.pane.clock = self.settings.timings
        first = self._initial or self.config.default_profile
        if first not in self.config.profiles:
            first = next(iter(self.config.profiles), "")
        self.sidebar.set_profiles(list(self.config.profiles), first, broken=sorted(self.broken))
        self.select_profile(first, remember=False)
        if self.config_error is not None:
            self.config_problem = str(self.config_error.problems[0])
        self._banner()
        self.sidebar.focus_filter()  # typing goes to the profile filter first
        self._stop_listening = self.service.credentials.subscribe(
            lambda: self.call_later(self._show_password_states))
        note = overrides_note("the TUI", self.config.profiles.values())
        if note:
            self.notify(note, severity="warning", timeout=10)

    def on_descendant_focus(self, event: Any) -> None:
        # Reading the answer: the pane gets the larger share of the height (app.tcss).
        self.query_one("#work").set_class(isinstance(event.widget, ResponsePane), "reading")

    # --- header and banner: reactive ------------------------------------------------------

    def _header(self) -> None:
        status = Text()
        status.append(" hvctui ", style="bold reverse")
        if self.settings.demo:
            status.append(" DEMO ", style="bold reverse yellow")
        status.append(f"  {one_line(self.profile_name, 30) or '(no profile)'}", style="bold")
        status.append(f"  TLS {self.tls_mode}", style="dim")
        if self.server:
            status.append(f"  {one_line(self.user, 30) or '?'} @ {one_line(self.server, 60)}")
        self.query_one("#status", Static).update(status)

    def _banner(self) -> None:
        banner = self.query_one("#banner", Static)
        lines = []
        if self.settings.demo:
            lines.extend(self.settings.demo_banner or
                         ["DEMO: throwaway profiles, gone on exit; ctrl+p: Reset the demo world"])
        if self.tls_mode == "insecure":
            lines.append("! TLS verification is OFF: the vCenter's certificate is not checked.")
        if self.config_problem:
            lines.append(f"! config not loaded, not saved over: {one_line(self.config_problem)}"
                         ". Fix the file, or ctrl+p: Start afresh.")
        if self.broken:
            name, problems = next(iter(self.broken.items()))
            lines.append(f"! profile {one_line(name, 60)} is broken (never saved over): "
                         f"{one_line(str(problems[0]), 200)}")
        if len(self.broken) > 1:
            lines.append(f"! and {len(self.broken) - 1} more broken profiles (marked ! in the "
                         "list)")
        banner.update(Text("\n".join(lines)))
        banner.display = bool(lines)
        banner.set_class(self.tls_mode == "insecure", "insecure")

    watch_profile_name = watch_server = watch_user = _header
    watch_config_problem = _banner

    def watch_tls_mode(self) -> None:
        self._header()
        self._banner()

    @on(SpecForm.Edited)
    def _edited(self, event: SpecForm.Edited) -> None:
        if event.field in ("server", "user", "tls"):
            values = self.form.values()
            self.server, self.user, self.tls_mode = (values["server"], values["user"],
                                                     values["tls"])
        if event.field in _KEY_FIELDS:
            self._show_password_states()

    def _show_password_states(self) -> None:
        """The password hints say what is true now: held for the user and server shown, from
        the profile's source, or to be typed (and why), by the core's rule
        (service.password_state). Called on a profile's load, on an edit of whose password
        it is, and on every change of the session's credentials (a link that held a typed
        password, a refusal, the fleet's question)."""
        if not self.is_attached:
            return
        base = self.config.profiles.get(self.profile_name)
        values = self.form.values()
        states = {name: password_state(self.service.credentials, base, values, name)
                  for name in ("password", "psc_password")}
        self.form.show_password_states({n: (s.held, s.edited) for n, s in states.items()})

    def on_unmount(self) -> None:
        self._stop_listening()

    # --- profiles --------------------------------------------------------------------------

    def _stash(self) -> None:
        """Keep what was typed for the current profile, so switching never loses it."""
        if self.profile_name or self.form.values()["server"]:
            self._drafts[self.profile_name] = (self.form.values(), self.form.passwords())

    def _held_passwords(self, profile: Profile) -> frozenset[str]:
        """The password fields whose user and server this session holds a password for."""
        held = self.service.credentials.held
        return frozenset(name for name, key in (("password", vcenter_key(profile)),
                                                ("psc_password", psc_key(profile)))
                         if held(key) is not None)

    def select_profile(self, name: str, remember: bool = True) -> None:
        if remember:
            self._stash()
        self.profile_name = name
        profile = self.config.profiles.get(name, Profile())
        values, passwords = self._drafts.get(name, ({}, {}))
        self.form.load(profile, passwords, self._held_passwords(profile))
        if values:
            self.form.fill(values)  # what was typed, even if not valid yet
        self.sidebar.mark_selected(name)
        self.pane.show_for(name)
        values = self.form.values()
        self.server, self.user, self.tls_mode = values["server"], values["user"], values["tls"]
        self._show_password_states()

    @on(ProfileSidebar.Chosen)
    def _chosen(self, event: ProfileSidebar.Chosen) -> None:
        if event.name in self.broken:
            problems = "; ".join(str(p) for p in self.broken[event.name])
            self.notify(Text(f"Profile {event.name} is broken in config.toml: {problems}"),
                        severity="error", timeout=15)
            return
        if event.name and event.name != self.profile_name:
            self.select_profile(event.name)
        self.form.focus_first()

    @on(ProfileSidebar.Command)
    def _profile_command(self, event: ProfileSidebar.Command) -> None:
        self._profile_dialog(event.verb, event.name)

    def _save(self, change: Any, done: str) -> bool:
        """Run a profile edit of the service; report a failure and keep the form."""
        try:
            config = change()
        except ChangedOnDisk:
            raise
        except (OSError, ValueError, ConfigError) as exc:
            self.notify(Text(f"Not saved: {one_line(str(exc), 300)}"), severity="error",
                        timeout=10)
            return False
        self.config = config
        self.post_message(self.ConfigChanged(config))
        self.notify(Text(done))
        return True

    def _can_save(self) -> bool:
        if self.config_error is not None:
            self.notify("The config file could not be read, so it is not saved over. Fix it, "
                        "or ctrl+p: Start afresh.", severity="error", timeout=10)
            return False
        return True

    @work(group="dialog")
    async def _profile_dialog(self, verb: str, name: str) -> None:
        from hvctui.tui.screens.dialogs import ConfirmScreen, TextScreen

        if not self._can_save():
            return
        if verb == "delete":
            if not name:
                return
            if await self.app.push_screen_wait(ConfirmScreen(
                    f"Delete profile {name}?", "Its saved settings are removed from "
                    "config.toml. Links on the server are not touched.")):
                if self._save(lambda: self.service.delete_profile(name), f"Deleted {name}."):
                    self._drafts.pop(name, None)
                    names = list(self.config.profiles)
                    self.sidebar.set_profiles(names, names[0] if names else "",
                                              broken=sorted(self.broken))
                    self.select_profile(names[0] if names else "", remember=False)
            return

        def valid(new: str) -> str:
            try:
                check_profile_name(new)
            except ValueError as exc:
                return str(exc)
            if new in self.config.profiles and not (verb == "rename" and new == name):
                return f"a profile named {new!r} exists already"
            return ""

        suggestion = {"new": "", "duplicate": f"{name}-copy", "rename": name}[verb]
        new = await self.app.push_screen_wait(TextScreen(
            {"new": "New profile name", "duplicate": f"Duplicate {name} as",
             "rename": f"Rename {name} to"}[verb],
            "Letters, digits, '.', '_' or '-'.", value=suggestion, check=valid))
        if not new or (verb == "rename" and new == name):
            return
        if verb == "new":
            self._stash()
            ok = self._save(lambda: self.service.add_profile(new), f"Added {new}.")
        elif verb == "duplicate":
            profile = self._form_profile(quiet=True) or self.config.profiles.get(name, Profile())
            ok = self._save(lambda: self.service.add_profile(new, profile),
                            f"Duplicated {name} as {new}.")
        else:
            ok = self._save(lambda: self.service.rename_profile(name, new), f"Renamed to {new}.")
            if ok and name in self._drafts:
                self._drafts[new] = self._drafts.pop(name)
            if ok and self.profile_name == name:
                self.profile_name = new
        if ok:
            if new.lower() not in self.sidebar.filter_text.strip().lower():
                self.sidebar.clear_filter()  # a new name the filter would hide
            self.sidebar.set_profiles(list(self.config.profiles), new, broken=sorted(self.broken))
            self.select_profile(new, remember=verb != "rename")
            if verb != "rename":
                self.form.focus_first()  # a new profile is filled in next

    def _form_profile(self, quiet: bool = False) -> Profile | None:
        from hvctui.service import field_problems, merge

        base = self.config.profiles.get(self.profile_name, Profile())
        values = self.form.values()
        profile, problems = merge(base, values)
        problems += [p for p in field_problems(values) if p not in problems]
        if problems and not quiet:
            self.form.show_problems(problems)
        return None if problems else profile

    def action_save_profile(self) -> None:
        if not self._can_save():
            return
        profile = self._form_profile()
        if profile is None:
            self.notify("Not saved: correct the fields marked in the form.", severity="error")
            return
        if not self.profile_name:
            self._profile_dialog("new", "")
            return
        name = self.profile_name
        loaded = self.config.profiles.get(name)
        try:  # a field also changed in the file meanwhile is saved over only when asked twice
            saved = self._save(lambda: self.service.save_profile(
                name, profile, loaded, over=self._save_over == name),
                f"Saved profile {name} (passwords are never saved).")
        except ChangedOnDisk as changed:
            self._save_over = name
            key = self.app.key_for("save_profile")  # type: ignore[attr-defined]
            self.notify(Text(f"Not saved: {one_line(str(changed), 300)}. Your edits stay in "
                             f"the form: {key} again writes the form's values there."),
                        severity="warning", timeout=15)
            return
        if saved:
            self._save_over = ""
            self._drafts.pop(name, None)
            self.form.clear_problems()
            kept = [f for f, v in self.config.profiles[name].as_dict().items()
                    if v != profile.as_dict()[f]]
            if kept:  # the file's own changes, kept: the form shows what is saved
                self._drafts[name] = ({}, self.form.passwords())
                self.select_profile(name, remember=False)
                self._drafts.pop(name, None)
                self.notify(Text(f"Kept from the file, changed there meanwhile: "
                                 f"{', '.join(kept)}."), timeout=10)

    def start_afresh(self) -> None:
        backup = self.service.store.start_afresh()
        self.config_error = None
        self.config_problem = ""
        self.notify(Text(f"Started afresh; the old file is kept as {backup}." if backup
                         else "Started afresh."), timeout=10)

    # --- actions ---------------------------------------------------------------------------

    def action_reveal(self) -> None:
        self.notify("Passwords shown." if self.form.toggle_reveal() else "Passwords hidden.")

    def action_focus_profiles(self) -> None:
        self.sidebar.focus_filter()

    def action_focus_response(self) -> None:
        self.pane.focus()

    def action_toggle_sidebar(self) -> None:
        self.sidebar.display = not self.sidebar.display
        if not self.sidebar.display and self.sidebar.has_focus_within:
            self.form.focus_first()

    def _call_running(self) -> bool:
        return self._call is not None and self._call.is_running

    def _prepare(self, need_spec: bool) -> Call | None:
        """The form as a call ready to go, or None with every problem shown."""
        for name in self.form.drop_stale_passwords():
            self.notify(Text(f"The {'PSC ' if name == 'psc_password' else ''}password typed "
                             "before the user or server was edited was not sent: type it "
                             "again for this one."), severity="warning", timeout=8)
        try:
            call = self.service.prepare(
                self.profile_name, self.config.profiles.get(self.profile_name),
                self.form.values(), need_spec=need_spec, typed=self.form.passwords(),
                timeouts=self.settings.timeouts, allow_first_use_pin=self.settings.probe_pins,
                ask_in_form=True)
        except NotReady as not_ready:
            self._not_ready("Not ready to send", not_ready)
            return None
        self.form.clear_problems()
        return call

    def _not_ready(self, what: str, not_ready: NotReady) -> None:
        """Every problem under its field and in the pane; and, when another screen covers
        this one (the palette's Link over the fleet), in a toast too: else nothing shows."""
        self.form.show_problems(not_ready.problems)
        words = f"{what}: {problem_words(not_ready.problems)}"
        self.pane.show_text(self.profile_name, Text(words, style="bold red"))
        if self.app.screen is not self:
            self.notify(Text(f"{one_line(self.profile_name, 40) or '(no profile)'}: {words}. "
                             "The form (escape back to it) marks each field."),
                        severity="error", timeout=12)

    def action_link(self) -> None:
        if self._call_running():
            self.notify("A call is already in flight; escape cancels it.", severity="warning")
            return
        call = self._prepare(need_spec=True)
        if call is not None:
            self._call = self._run_link(call)

    def action_cancel_call(self) -> None:
        """Escape: cancels a call in flight; otherwise, in a form field, puts back the
        profile's saved value, and in the profile filter clears it (a call in flight wins:
        escape must always be able to stop it). What a revert replaced is kept for the undo
        key (`undo_revert`): an escape meant to close something must not cost the edit."""
        if self._call_running():
            assert self._call is not None
            self._call.cancel()
            return
        if self.sidebar.filter_text and self.sidebar.filter_focused:
            self.sidebar.clear_filter()
            return
        name = self.form.editing()
        if not name:
            return
        saved = self.saved_values(self.profile_name)
        typed = self.form.raw(name)
        if name in ("password", "psc_password"):
            if not typed:
                return
            self.form.set_value(name, "")  # passwords are never saved: back to their source
            done = "cleared: it comes from its source again"
        elif name in saved and self.form.values().get(name) != saved[name]:
            value = saved[name]
            self.form.set_value(name, ", ".join(value) if isinstance(value, list) else value)
            done = "put back to the saved value"
        else:
            return
        self._reverted.append(_Revert(self.profile_name, name, typed, self.form.raw(name),
                                      self.form.owner_of(name)))
        del self._reverted[:-20]
        self.form.check_field(name)
        self._show_password_states()
        self.notify(Text(f"{FIELDS[name].label} {done}; {self.app.key_for('undo_revert')} "
                         "brings back what you typed."), timeout=8)

    def action_undo_revert(self) -> None:
        """Undo escape's revert: the text it replaced goes back into its field, exactly (the
        latest revert of the profile shown first), while the form has focus."""
        if not self.form.has_focus_within:
            return
        mine = [i for i, entry in enumerate(self._reverted)
                if entry.profile == self.profile_name]
        if not mine:
            self.notify(Text(f"Nothing to undo: {self.app.key_for('undo_revert')} brings back "
                             "a field's text that escape replaced."), timeout=4)
            return
        revert = self._reverted[mine[-1]]
        name = revert.field
        label = FIELDS[name].label
        if self.form.raw(name) != revert.put:
            self.notify(Text(f"{label} was edited after escape put it back; nothing undone "
                             "(escape there, then undo again, steps back)."),
                        severity="warning", timeout=8)
            return
        del self._reverted[mine[-1]]
        if revert.owner != self.form.owner_of(name):
            # A password belongs to the user and server it was typed for: never to others.
            self.notify(Text(f"{label} not brought back: it was typed for another user or "
                             "server than the form shows now."), severity="warning", timeout=8)
            return
        self.form.set_value(name, revert.typed)
        self.form.edit(name)
        self.form.check_field(name)
        self._show_password_states()
        self.notify(Text(f"{label}: your text is back."), timeout=4)

    def saved_values(self, name: str) -> dict[str, Any]:
        """A saved profile as the form shows it (no passwords)."""
        data = self.config.profiles.get(name, Profile()).as_dict()
        out: dict[str, Any] = {}
        for f in SAVED_FIELDS:
            value = data.get(f.name, "")
            out[f.name] = list(value) if f.name == "admin_groups" else str(value).strip()
        return out

    def unsaved(self) -> list[str]:
        """The profiles whose form differs from what is saved (the shown one and drafts)."""
        drafts = {name: values for name, (values, _) in self._drafts.items()}
        if self.profile_name or self.form.values()["server"]:
            drafts[self.profile_name] = self.form.values()
        return [name or "(unsaved)" for name, values in drafts.items()
                if name in self.broken or values != self.saved_values(name)]

    def action_preview(self) -> None:
        """The request Link would send, password masked; enter sends it."""
        from hvctui.tui.screens.preview import PreviewScreen, preview_text

        call = self._prepare(need_spec=True)
        if call is None or call.spec is None:
            return

        def done(send: bool | None) -> None:
            if send:
                self.action_link()

        self.app.push_screen(PreviewScreen(
            f"The request {self.app.key_for('link')} sends for "
            f"{one_line(call.label, 40)} (password masked)",
            preview_text(call.connection.server, call.spec, call.connection.accept_language)), done)

    def _on_event(self, phase: str, detail: str) -> None:
        if not self.is_attached:
            return
        if phase == "send":
            self._sent_at = time.perf_counter()
        if phase == "answer" and self.settings.timings and self._sent_at:
            detail = f"{detail} in {(time.perf_counter() - self._sent_at) * 1000:.0f} ms"
        self.pane.event(phase, detail)

    @work(group="call")
    async def _run_link(self, call: Call) -> None:
        from hvctui.vapi import error_report, link_report

        name = call.profile_name
        spec = call.spec
        assert spec is not None
        self.pane.start(name, f"link {spec.domain_name} ({spec.psc_hostname}) via "
                        f"{call.connection.server}")
        created = False
        before = self.form.values()  # keys typed during the call still edit the form: say so

        def on_event(phase: str, detail: str) -> None:
            nonlocal created
            if phase == "send" and detail.startswith("POST /api/hvc/links"):
                created = True
            self._on_event(phase, detail)

        try:
            outcome = await self.service.link(call, self._decide_trust, on_event,
                                              pin_first=self._first_use_pin)
        except HvcError as error:
            self.pane.show_report(name, error_report(error, self.settings.tz, self.actions()))
        except asyncio.CancelledError:
            if self.is_attached:
                self.pane.show_report(name, error_report(Cancelled(after_create=created),
                                                         self.settings.tz, self.actions()))
            raise
        except Exception as exc:  # noqa: BLE001 - never to Textual's crash screen (locals!)
            self.pane.show_text(name, Text(f"Unexpected failure ({type(exc).__name__}); "
                                           "nothing more is shown so that no secret can be.",
                                           style="bold red"))
        else:
            self.pane.show_report(name, link_report(outcome.link_id, spec.domain_name,
                                                    outcome.trusted_thumbprint))
            if outcome.trusted_thumbprint:
                await self._offer_to_store_thumbprint(name, outcome.trusted_thumbprint,
                                                      outcome.trusted_certificate)
        if self.service.history_problem:
            self.notify(self.service.history_problem, severity="warning")
        self._say_edited_during(name, before)

    def _say_edited_during(self, name: str, before: dict[str, Any]) -> None:
        """Keys typed while Link ran went to the field with focus (meant, often, for the
        question about to open): what they changed is named, with how to put it back."""
        if not self.is_attached or self.profile_name != name:
            return
        after = self.form.values()
        edited = [f for f in before if f in FIELDS and f not in _SET_BY_LINK
                  and after.get(f) != before[f]]
        if edited:
            self.notify(Text(f"Edited while Link ran (keys typed then went to the form): "
                             f"{', '.join(FIELDS[f].label for f in edited)}. Escape in a field "
                             "puts back its saved value."), severity="warning", timeout=12)

    def actions(self) -> dict[str, str]:
        """The hints' words for this face: keys as currently mapped."""
        return {"links": f"{self.app.key_for('links_screen')}: Links",
                "trust": f"{self.app.key_for('link')} again, then t in the dialog",
                "link": self.app.key_for("link"),
                "thumbprint": "the form's PSC thumbprint field",
                "check_psc": f"{self.app.key_for('check_psc')}: Check the PSC's certificate"}

    async def _decide_trust(self, offered: CertificateInfo, check: PscCheck) -> bool:
        from hvctui.tui.screens.dialogs import TrustScreen

        details = details_from_pem(offered.ssl_certificate) if offered.ssl_certificate else None
        self.pane.event("note", "the PSC's certificate is not trusted yet: see the dialog")
        trusted = await self.app.push_screen_wait(TrustScreen(
            "Trust the PSC's certificate?",
            "vCenter does not know the PSC's certificate (UNVERIFIED_PEER). hvctui's own "
            "check from this machine:",
            offered.ssl_thumbprint, details, check))
        self.pane.event("note", "trusted: resubmitting" if trusted else "not trusted")
        return bool(trusted)

    async def _offer_to_store_thumbprint(self, name: str, thumbprint: str,
                                         certificate: str | None = None) -> None:
        """Offer to keep what was trusted in the profile. A stored thumbprint is replaced only
        by a question that shows the old and the new; declining leaves form and file as they
        were."""
        from hvctui.tui.screens.dialogs import ConfirmScreen

        if not name or self.config_error is not None:
            return
        what = "thumbprint and certificate" if certificate else "thumbprint"
        old = self.config.profiles.get(name, Profile()).ssl_thumbprint
        if old and old != thumbprint:
            title = f"Replace the PSC thumbprint stored in profile {name}?"
            text = (f"stored:  {old}\ntrusted: {thumbprint}\nNext time the link is sent with "
                    "the trusted one.")
        else:
            title = f"Store the PSC {what} in profile {name}?"
            text = "Next time the link is sent with it and no trust step is needed."
        if not await self.app.push_screen_wait(ConfirmScreen(title, text)):
            return
        if self._save(lambda: self.service.set_profile_field(name, "ssl_thumbprint",
                                                             thumbprint),
                      f"Thumbprint stored in {name}."):
            self.form.set_value("ssl_thumbprint", thumbprint)
            if certificate:
                self._save(lambda: self.service.set_profile_field(name, "ssl_certificate",
                                                                  certificate),
                           f"Thumbprint and certificate stored in {name}.")

    async def _first_use_pin(self, call: Call) -> Call:
        """Trust-on-first-use for the cloud vCenter's own certificate (TLS mode pinned)."""
        from hvctui.tui.screens.dialogs import TrustScreen
        from hvctui.vapi import probe_certificate

        server = call.connection.server
        host, port = split_server(server)
        self.pane.event("tls", f"fetching {host}:{port}'s certificate to pin it (no request)")
        details = await probe_certificate(host, port)
        accepted = await self.app.push_screen_wait(TrustScreen(
            f"Pin the certificate of {server}?",
            "TLS mode is pinned and no certificate is pinned yet. Compare the thumbprint with "
            "the one your vCenter administrator gave you. Accepting saves the pin.",
            details.sha256, details))
        if not accepted:
            raise Cancelled()
        pinned = call.pinned(details.sha256)
        self.form.set_value("pin_sha256", pinned.profile.pin_sha256)
        name = call.profile_name
        saved = self.config.profiles.get(name)
        # A pin is this server's: stored only in a profile saved with this very server and TLS
        # mode; else it stays in the form, for ctrl+s to save with the server typed.
        if (name and self.config_error is None and saved is not None and saved.tls == "pinned"
                and CredentialKey.at("", saved.server) == CredentialKey.at("", server)):
            self._save(lambda: self.service.set_profile_field(name, "pin_sha256",
                                                              pinned.profile.pin_sha256),
                       f"Pinned {server}'s certificate in {name}.")
        else:
            self.notify(Text(f"{server}'s certificate is pinned in the form only: the profile "
                             f"is saved with another server or TLS mode. "
                             f"{self.app.key_for('save_profile')} saves it with this one."),
                        severity="warning", timeout=10)
        return pinned

    def action_check_psc(self) -> None:
        """Check before linking: what the PSC of the form presents to this machine, compared
        with the form's thumbprint (or the profile's certificate) when there is one."""
        from hvctui.service import prepare_psc_check

        try:
            target = prepare_psc_check(self.config.profiles.get(self.profile_name),
                                       self.form.values())
        except NotReady as not_ready:
            self._not_ready("Not checked", not_ready)
            return
        self._check_psc(target)

    @work(group="psc-check", exclusive=True)
    async def _check_psc(self, target: PscCheckTarget) -> None:
        from hvctui.service import check_payload
        from hvctui.tui.screens.dialogs import verdict_text

        name = self.profile_name
        self.pane.start(name, f"check the certificate {one_line(target.host, 80)}:"
                        f"{target.port} presents to this machine (handshake only)")
        check = await self.service.check_psc(target.host, target.port, target.offered)
        if not self.is_attached:
            return
        text = verdict_text(check)
        if target.offered is None and check.seen_sha256:
            text.append("\n(no thumbprint in the form to compare with)", style="dim")
        elif target.offered is not None:
            text.append(f"\ncompared with the thumbprint {target.thumbprint}", style="dim")
        # The same object `hvctui check-psc --json` prints, for the copy as JSON.
        self.pane.show_text(name, text, check_payload(check, name))

    # --- other screens ----------------------------------------------------------------------

    def _open_call_screen(self, screen: type[CallScreen]) -> None:
        call = self._prepare(need_spec=False)
        if call is not None and call.needs_pin:
            self.notify(Text(f"Link once ({self.app.key_for('link')}) to pin the vCenter's "
                             "certificate first."), severity="warning")
        elif call is not None:
            self.app.push_screen(screen(self.service, call, self.settings.tz))

    def action_open_links(self) -> None:
        from hvctui.tui.screens.links import LinksScreen

        self._open_call_screen(LinksScreen)

    def action_open_admins(self) -> None:
        from hvctui.tui.screens.admins import AdminsScreen

        self._open_call_screen(AdminsScreen)

    def action_open_fleet(self) -> None:
        """Every profile (or those the sidebar's filter shows) on the fleet screen."""
        from hvctui.fleet import Fleet, broken_row
        from hvctui.tui.screens.fleet import FleetScreen

        if getattr(self, "_fleet", None) is None:  # one per session: typed passwords kept
            self._fleet = Fleet(self.service, self.settings.fleet_concurrency,
                                self.settings.timeouts, self.settings.tz)
        names = [n for n in self.sidebar.visible_names if n in self.config.profiles]
        broken = [broken_row(n, self.broken[n], self.service.store.path.name)
                  for n in self.sidebar.visible_names if n in self.broken]
        self.app.push_screen(FleetScreen(
            self._fleet, dict(self.config.profiles), names, self.settings.tz,
            sidebar_filter=self.sidebar.filter_text, broken=broken))

    @on(SpecForm.EditGroups)
    def _edit_groups(self, event: SpecForm.EditGroups) -> None:
        from hvctui.tui.screens.dialogs import GroupsScreen

        def done(result: list[str] | None) -> None:
            if result is not None:
                self.form.set_groups(result)

        self.app.push_screen(GroupsScreen(event.groups), done)
