"""The Textual app: one main screen (profiles, form, response) over the core's flows."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import Worker

from hvctui.tui.widgets.keyhints import KeyHints
from hvctui.profiles.store import (
    Config,
    ConfigError,
    ConfigStore,
    LoadResult,
    Profile,
    check_profile_name,
)
from hvctui.tui.guards import install as install_guards
from hvctui.tui.keys import APP_KEYS, KNOWN_IDS, bindings
from hvctui.tui.themes import DEFAULT_THEME, load_themes
from hvctui.tui.widgets.form import SpecForm
from hvctui.tui.widgets.response import ResponsePane
from hvctui.tui.widgets.sidebar import ProfileSidebar
from hvctui.vapi.connection import Connection, Timeouts

if TYPE_CHECKING:
    from hvctui.vapi.models import CertificateInfo

# The setup and error modules load with the first action (Link, Save, a screen), not at start.

#: Configs larger than this are read after the first frame (about 1,500 profiles).
LARGE_CONFIG_BYTES = 256 * 1024

#: How many profiles the command palette offers by name.
PALETTE_PROFILES = 300

MAIN_ONLY = {"link", "save_profile", "reveal", "open_links", "open_admins", "focus_profiles",
             "focus_response", "cancel_call"}


class HvcApp(App[int]):
    """hvctui's TUI. `timings=False` and `tz` make output deterministic for snapshots."""

    CSS_PATH = "app.tcss"
    TITLE = "hvctui"
    BINDINGS = bindings(APP_KEYS)

    def __init__(
        self,
        config_path: Path | None = None,
        initial_profile: str | None = None,
        *,
        demo: bool = False,
        timings: bool = True,
        tz: tzinfo | None = None,
        transport: Any = None,
        timeouts: Timeouts = Timeouts(),
    ) -> None:
        super().__init__()
        install_guards()  # Textual defects that would end the app: see hvctui/tui/guards.py
        self.tz = tz
        self._configured_tz = tz is None  # an explicit tz (tests) wins over the config's
        self.store = ConfigStore(config_path)
        self.config = Config()
        self.config_error: ConfigError | None = None
        self.config_warning = ""
        # A large config (thousands of profiles) is read on a thread after the first frame;
        # until it is in, nothing may be saved over it.
        self.loading_config = _file_size(self.store.path) > LARGE_CONFIG_BYTES
        if not self.loading_config:
            self._take_loaded(self.store.load())
        self.demo = demo
        self.timings = timings
        #: An httpx transport for every call (tests: the simulator in-process); None = network.
        self.transport = transport
        self.timeouts = timeouts
        self.current = ""
        self._initial = initial_profile
        self._drafts: dict[str, tuple[dict[str, Any], dict[str, str]]] = {}
        self._call: Worker[None] | None = None
        self._sent_at = 0.0
        self._theme_ready = False
        # Themes are set before the first style pass: choosing one later restyles every widget.
        themes, problems = load_themes(self.store.folder / "themes")
        self._theme_problems: list[object] = list(problems)
        for theme in themes:
            self.register_theme(theme)
        self._use_configured_theme()

    def _take_loaded(self, loaded: LoadResult) -> None:
        self.config = loaded.config
        self.config_error = loaded.error
        self.config_warning = loaded.warning
        if self._configured_tz:
            self.tz = self.config.zone()

    def _use_configured_theme(self) -> None:
        wanted = self.config.theme or DEFAULT_THEME
        if wanted not in self.available_themes:
            self._theme_problems.append(f"theme {wanted!r} not found; using {DEFAULT_THEME}")
            wanted = DEFAULT_THEME
        self.theme = wanted

    # --- start -----------------------------------------------------------------------------

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
        return self.screen_stack[0].query_one(SpecForm)

    @property
    def pane(self) -> ResponsePane:
        return self.screen_stack[0].query_one(ResponsePane)

    @property
    def sidebar(self) -> ProfileSidebar:
        return self.screen_stack[0].query_one(ProfileSidebar)

    def on_mount(self) -> None:
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        if self.loading_config:
            self.sidebar.show_placeholder("loading profiles…")
            self.form.load(Profile())
            self._refresh_banner()
            # After the first frame: the parse would otherwise compete with it for the GIL.
            self.call_after_refresh(self._load_config_in_background)
        else:
            self._show_config()
        self.form.input("server").focus()  # the editor itself: one focus change, not two

    @work(thread=True, group="config")
    def _load_config_in_background(self) -> None:
        loaded = self.store.load(parse_elsewhere=True)
        self.call_from_thread(self._config_loaded, loaded)

    def _config_loaded(self, loaded: LoadResult) -> None:
        self._take_loaded(loaded)
        self.loading_config = False
        if self.config.theme and self.config.theme != self.theme:
            self._use_configured_theme()
        self._show_config()

    def _show_config(self) -> None:
        for problem in self._theme_problems:
            self.notify(str(problem), severity="warning", timeout=10)
        self._theme_problems = []
        self._theme_ready = True
        self._apply_keymap()
        names = list(self.config.profiles)
        first = self._initial or self.config.default_profile or (names[0] if names else "")
        if self._initial and self._initial not in self.config.profiles:
            self.notify(f"no profile named {self._initial!r}", severity="error")
            first = names[0] if names else ""
        self.sidebar.set_profiles(names, first)
        self._select(first, remember=False)
        if self.config_error is not None:
            self.notify(f"Config not loaded: {self.config_error}", severity="error", timeout=20)
        if self.config_warning:
            self.notify(self.config_warning, severity="warning", timeout=15)

    def _apply_keymap(self) -> None:
        unknown = sorted(set(self.config.keymap) - KNOWN_IDS)
        if unknown:
            self.notify(f"[keymap] ignores unknown binding ids: {', '.join(unknown)}",
                        severity="warning", timeout=10)
        keymap = {k: v for k, v in self.config.keymap.items() if k in KNOWN_IDS}
        if keymap:
            self.set_keymap(keymap)

    def _theme_changed(self, theme: Any) -> None:
        if not self._theme_ready or self.config_error is not None or self.loading_config:
            return
        name = theme.name
        if name == self.config.theme:
            return
        try:
            self.config = self.store.update(lambda c: setattr(c, "theme", name))
        except Exception as exc:  # noqa: BLE001 - a theme that cannot be saved is reported
            self.notify(f"theme not saved: {exc}", severity="error")

    # --- status and banner -----------------------------------------------------------------

    def _refresh_banner(self) -> None:
        screen = self.screen_stack[0]
        values = self.form.values()
        status = Text()
        status.append(" hvctui ", style="bold reverse")
        if self.demo:
            status.append(" DEMO ", style="bold reverse yellow")
        status.append(f"  {self.current or '(no profile)'}", style="bold")
        if values["server"]:
            status.append(f"  {values['user'] or '?'} @ {values['server']}")
        status.append(f"  TLS {values['tls']}", style="dim")
        screen.query_one("#status", Static).update(status)
        banner = screen.query_one("#banner", Static)
        lines = []
        if values["tls"] == "insecure":
            lines.append("⚠ TLS verification is OFF for this profile: the vCenter's "
                         "certificate is not checked.")
        if self.config_error is not None:
            problem = self.config_error.problems[0]
            lines.append(f"⚠ config not loaded, not saved over: {problem}. Fix the file, or "
                         "ctrl+p → Start afresh.")
        banner.update("\n".join(lines))
        banner.display = bool(lines)
        banner.set_class(values["tls"] == "insecure", "insecure")

    @on(SpecForm.Edited)
    def _edited(self, event: SpecForm.Edited) -> None:
        if event.field in ("server", "user", "tls") and self._ui_alive():
            self._refresh_banner()

    # --- profiles --------------------------------------------------------------------------

    def _stash(self) -> None:
        """Keep what was typed for the current profile, so switching never loses it."""
        if self.current or self.form.values()["server"]:
            self._drafts[self.current] = (self.form.values(), self.form.passwords())

    def _select(self, name: str, remember: bool = True) -> None:
        if remember:
            self._stash()
        self.current = name
        profile = self.config.profiles.get(name, Profile())
        values, passwords = self._drafts.get(name, ({}, {}))
        self.form.load(profile, passwords)
        if values:
            self.form.fill(values)  # what was typed, even if not valid yet
        self.sidebar.mark_selected(name)
        self._refresh_banner()

    @on(ProfileSidebar.Chosen)
    def _chosen(self, event: ProfileSidebar.Chosen) -> None:
        if event.name and event.name != self.current:
            self._select(event.name)
        self.form.row("server").focus()

    @on(ProfileSidebar.Command)
    def _profile_command(self, event: ProfileSidebar.Command) -> None:
        self._profile_dialog(event.verb, event.name)

    @work(group="dialog")
    async def _profile_dialog(self, verb: str, name: str) -> None:
        from hvctui.tui.screens.dialogs import ConfirmScreen, TextScreen

        if not self._can_save():
            return
        if verb == "delete":
            if not name:
                return
            if await self.push_screen_wait(ConfirmScreen(
                    f"Delete profile {name}?", "Its saved settings are removed from "
                    "config.toml. Links on the server are not touched.")):
                self._save_config(lambda c: _delete_profile(c, name), f"Deleted {name}.")
                self._drafts.pop(name, None)
                names = list(self.config.profiles)
                self.sidebar.set_profiles(names, names[0] if names else "")
                self._select(names[0] if names else "", remember=False)
            return
        suggestion = {"new": "", "duplicate": f"{name}-copy", "rename": name}[verb]
        new = await self.push_screen_wait(TextScreen(
            {"new": "New profile name", "duplicate": f"Duplicate {name} as",
             "rename": f"Rename {name} to"}[verb],
            "Letters, digits, '.', '_' or '-'.", value=suggestion))
        if not new or (verb == "rename" and new == name):
            return
        try:
            check_profile_name(new)
        except ValueError as exc:
            self.notify(str(exc), severity="error")
            return
        if new in self.config.profiles:
            self.notify(f"a profile named {new!r} exists already", severity="error")
            return
        if verb == "new":
            self._stash()
            self._save_config(lambda c: c.profiles.__setitem__(new, Profile()), f"Added {new}.")
        elif verb == "duplicate":
            profile = self._form_profile(quiet=True) or self.config.profiles.get(name, Profile())
            self._save_config(lambda c: c.profiles.__setitem__(new, profile),
                              f"Duplicated {name} as {new}.")
        else:
            self._save_config(lambda c: _rename_profile(c, name, new), f"Renamed to {new}.")
            if name in self._drafts:
                self._drafts[new] = self._drafts.pop(name)
            if self.current == name:
                self.current = new
        self.sidebar.set_profiles(list(self.config.profiles), new)
        self._select(new, remember=verb != "rename")

    def _can_save(self) -> bool:
        if self.loading_config:
            self.notify("Profiles are still loading; try again in a moment.", severity="warning")
            return False
        if self.config_error is not None:
            self.notify("The config file could not be read, so it is not saved over. Fix it, "
                        "or ctrl+p → Start afresh.", severity="error", timeout=10)
            return False
        return True

    def _save_config(self, change: Any, done: str) -> bool:
        try:
            self.config = self.store.update(change)
        except Exception as exc:  # noqa: BLE001 - a failed save is reported, the form kept
            self.notify(f"Not saved: {exc}", severity="error", timeout=10)
            return False
        self.notify(done)
        return True

    def _form_profile(self, quiet: bool = False) -> Profile | None:
        from hvctui.profiles.setup import merge

        base = self.config.profiles.get(self.current, Profile())
        profile, problems = merge(base, self.form.values())
        if problems and not quiet:
            self.form.show_problems(problems)
        return profile

    def action_save_profile(self) -> None:
        if not self._can_save():
            return
        profile = self._form_profile()
        if profile is None:
            self.notify("Not saved: correct the fields marked in the form.", severity="error")
            return
        if not self.current:
            self._profile_dialog("new", "")
            return
        name = self.current
        if self._save_config(lambda c: c.profiles.__setitem__(name, profile),
                             f"Saved profile {name} (passwords are never saved)."):
            self._drafts.pop(name, None)

    def action_start_afresh(self) -> None:
        backup = self.store.start_afresh()
        self.config_error = None
        self.notify(f"Started afresh; the old file is kept as {backup}." if backup
                    else "Started afresh.", timeout=10)
        self._refresh_banner()

    # --- link ------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in MAIN_ONLY and len(self.screen_stack) > 1:
            return False
        return True

    def action_reveal(self) -> None:
        hidden = self.form.toggle_reveal()
        self.notify("Passwords shown." if hidden else "Passwords hidden.")

    def action_focus_profiles(self) -> None:
        self.sidebar.query_one("#profile-filter").focus()

    def action_focus_response(self) -> None:
        self.pane.focus()

    def _call_running(self) -> bool:
        return self._call is not None and self._call.is_running

    def _prepare(self, need_spec: bool) -> tuple[Profile, dict[str, Any]] | None:
        """The form as a profile and its passwords, or None with the problems shown."""
        from hvctui.profiles.setup import FieldProblem, check_for_link, merge
        from hvctui.vapi.errors import InputError

        base = self.config.profiles.get(self.current, Profile())
        profile, problems = merge(base, self.form.values())
        if profile is not None:
            problems = [p for p in check_for_link(profile, need_spec=need_spec)
                        if not (p.field == "pin_sha256" and not profile.pin_sha256)]
        secrets: dict[str, Any] = {}
        if profile is not None and not problems:
            from hvctui.profiles.secrets import resolve_password

            typed = self.form.passwords()
            wanted = [("password", profile.password_source, profile.user, "HVCTUI_PASSWORD")]
            if need_spec:
                wanted.append(("psc_password", profile.psc_password_source, profile.psc_user,
                               "HVCTUI_PSC_PASSWORD"))
            for field, source, who, env in wanted:
                if typed[field]:
                    from hvctui.vapi.connection import Secret

                    secrets[field] = Secret(typed[field])
                    continue
                try:
                    secrets[field] = resolve_password(source, who=who, override_env=env)
                except InputError as exc:
                    message = ("is required: type it here (kept in memory only)"
                               if source == "prompt" else exc.message)
                    problems.append(FieldProblem(field, message))
        if problems or profile is None:
            self.form.show_problems(problems)
            self.pane.show_text(Text("Not sent: " + "; ".join(str(p) for p in problems),
                                     style="bold red"))
            return None
        self.form.clear_problems()
        return profile, secrets

    def action_link(self) -> None:
        if self._call_running():
            self.notify("A call is already in flight; escape cancels it.", severity="warning")
            return
        prepared = self._prepare(need_spec=True)
        if prepared is None:
            return
        profile, secrets = prepared
        self._call = self._run_link(self.current, profile, secrets)

    def action_cancel_call(self) -> None:
        if self._call_running():
            assert self._call is not None
            self._call.cancel()

    def _ui_alive(self) -> bool:
        """False while the app shuts down (a cancelled call still logs out then)."""
        return bool(self.screen_stack) and self.is_running and not self._exit

    def _on_event(self, phase: str, detail: str) -> None:
        if not self._ui_alive():
            return
        if phase == "send":
            self._sent_at = time.perf_counter()
        if phase == "answer" and self.timings and self._sent_at:
            detail = f"{detail} in {(time.perf_counter() - self._sent_at) * 1000:.0f} ms"
        self.pane.event(phase, detail)

    @work(group="call")
    async def _run_link(self, name: str, profile: Profile, secrets: dict[str, Any]) -> None:
        from hvctui.profiles.setup import build_connection, build_spec
        from hvctui.vapi.errors import Cancelled, HvcError, ServerError

        started = time.perf_counter()
        self.pane.start(f"link {profile.domain_name} ({profile.psc_hostname}) via "
                        f"{profile.server}")
        status, detail = "ok", ""
        try:
            if profile.tls == "pinned" and not profile.pin_sha256 and self.transport is None:
                profile = await self._first_use_pin(name, profile)
            from hvctui.vapi import flow  # the HTTP stack loads with the first call

            connection = build_connection(profile, secrets["password"], self.timeouts)
            spec = build_spec(profile, secrets["psc_password"])
            outcome = await flow.link(connection, spec, self._decide_trust,
                                      on_event=self._on_event, transport=self.transport)
        except HvcError as error:
            self.pane.show_error(error, self.tz)
            status = error.error_type.value if isinstance(error, ServerError) else \
                type(error).__name__
            detail = error.title
        except asyncio.CancelledError:
            if self._ui_alive():
                self.pane.show_error(Cancelled(), self.tz)
            self.record(name, "link", profile.server, "Cancelled", "cancelled", started)
            raise
        else:
            detail = outcome.link_id
            text = Text()
            text.append(" LINKED ", style="bold reverse green")
            text.append(f"  {spec.domain_name}\n", style="bold")
            text.append("link id ", style="bold")
            text.append(f"{outcome.link_id}\n")
            text.append("Users log out and back in to see the linked inventory.", style="dim")
            self.pane.show_success(text, f"Linked {spec.domain_name}: link {outcome.link_id}",
                                   {"ok": True, "link": outcome.link_id,
                                    "domain": spec.domain_name})
            if outcome.trusted_thumbprint:
                self.form.set_value("ssl_thumbprint", outcome.trusted_thumbprint)
                await self._offer_to_store_thumbprint(name, outcome.trusted_thumbprint)
        self.record(name, "link", profile.server, status, detail, started)

    async def _decide_trust(self, offered: CertificateInfo) -> bool:
        from hvctui.tui.screens.dialogs import TrustScreen

        details = None
        if offered.ssl_certificate:
            details = _details_from_pem(offered.ssl_certificate)
        self.pane.event("note", "the PSC's certificate is not trusted yet: see the dialog")
        trusted = await self.push_screen_wait(TrustScreen(
            "Trust the PSC's certificate?",
            "vCenter does not know the on-premises PSC's certificate (UNVERIFIED_PEER). "
            "Compare this thumbprint with the PSC's own before trusting it.",
            offered.ssl_thumbprint, details))
        self.pane.event("note", "trusted: resubmitting" if trusted else "not trusted")
        return bool(trusted)

    async def _offer_to_store_thumbprint(self, name: str, thumbprint: str) -> None:
        from hvctui.tui.screens.dialogs import ConfirmScreen

        if not name or self.config_error is not None:
            return
        if await self.push_screen_wait(ConfirmScreen(
                f"Store the PSC thumbprint in profile {name}?",
                "Next time the link is sent with it and no trust step is needed.")):
            self._save_config(lambda c: _set_field(c, name, "ssl_thumbprint", thumbprint),
                              f"Thumbprint stored in {name}.")

    async def _first_use_pin(self, name: str, profile: Profile) -> Profile:
        """Trust-on-first-use for the cloud vCenter's own certificate (TLS mode pinned)."""
        from hvctui.tui.screens.dialogs import TrustScreen
        from hvctui.vapi.checks import split_server
        from hvctui.vapi.tls import probe_certificate

        host, port = split_server(profile.server)
        self.pane.event("tls", f"fetching {host}:{port}'s certificate to pin it (no request)")
        details = await probe_certificate(host, port)
        accepted = await self.push_screen_wait(TrustScreen(
            f"Pin the certificate of {profile.server}?",
            "TLS mode is pinned and no certificate is pinned yet. Compare the thumbprint with "
            "the one your vCenter administrator gave you. Accepting saves the pin.",
            details.sha256, details))
        if not accepted:
            from hvctui.vapi.errors import Cancelled

            raise Cancelled()
        self.form.set_value("pin_sha256", details.sha256)
        if name and self.config_error is None:
            self._save_config(lambda c: _set_field(c, name, "pin_sha256", details.sha256),
                              f"Pinned {profile.server}'s certificate in {name}.")
        return profile.replace(pin_sha256=details.sha256)

    def record(self, profile: str, call: str, server: str, status: str, detail: str,
               started: float) -> None:
        from hvctui.profiles.history import History, HistoryEntry, now_text

        try:
            History().append(HistoryEntry(now_text(), profile or "(unsaved)", call, server,
                                          status, int((time.perf_counter() - started) * 1000),
                                          detail))
        except OSError as exc:
            self.notify(f"history not written: {exc}", severity="warning")

    # --- other screens ----------------------------------------------------------------------

    def _connection(self) -> Connection | None:
        from hvctui.profiles.setup import build_connection

        prepared = self._prepare(need_spec=False)
        if prepared is None:
            return None
        profile, secrets = prepared
        if profile.tls == "pinned" and not profile.pin_sha256 and self.transport is None:
            self.notify("Link once (F5) to pin the vCenter's certificate first.",
                        severity="warning")
            return None
        return build_connection(profile, secrets["password"], self.timeouts)

    def action_open_links(self) -> None:
        from hvctui.tui.screens.links import LinksScreen

        connection = self._connection()
        if connection is not None:
            self.push_screen(LinksScreen(connection, self.current or "(unsaved)"))

    def action_open_admins(self) -> None:
        from hvctui.tui.screens.admins import AdminsScreen

        connection = self._connection()
        if connection is not None:
            self.push_screen(AdminsScreen(connection))

    def action_open_history(self) -> None:
        from hvctui.tui.screens.history import HistoryScreen

        self.push_screen(HistoryScreen())

    def action_help(self) -> None:
        from hvctui.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Links", "List the links, check health, unlink",
                            self.action_open_links)
        yield SystemCommand("Administrators", "HLM administrator groups",
                            self.action_open_admins)
        yield SystemCommand("History", "Calls made so far", self.action_open_history)
        yield SystemCommand("Help", "Keys and screens", self.action_help)
        yield SystemCommand("Copy answer as text", "The response pane's content",
                            self.pane.action_copy_text)
        yield SystemCommand("Copy answer as JSON", "The response as --json would print it",
                            self.pane.action_copy_json)
        yield SystemCommand("Save profile", "Save the form to the selected profile",
                            self.action_save_profile)
        if self.config_error is not None:
            yield SystemCommand("Start afresh", "Keep the broken config.toml as a backup "
                                "beside it and start a new one", self.action_start_afresh)
        # The palette fuzzy-matches every command per keystroke: past a few hundred profiles the
        # sidebar filter (ctrl+f) is the faster way, so only the first ones are offered here.
        for name in list(self.config.profiles)[:PALETTE_PROFILES]:
            yield SystemCommand(f"Profile: {name}", "Select this profile",
                                lambda n=name: self._select(n), discover=False)


def _set_field(config: Any, name: str, field: str, value: str) -> None:
    if name in config.profiles:
        setattr(config.profiles[name], field, value)


def _delete_profile(config: Any, name: str) -> None:
    config.profiles.pop(name, None)
    if config.default_profile == name:
        config.default_profile = ""


def _rename_profile(config: Any, old: str, new: str) -> None:
    config.profiles = {(new if k == old else k): v for k, v in config.profiles.items()}
    if config.default_profile == old:
        config.default_profile = new


def _details_from_pem(pem: str) -> Any:
    import ssl

    from hvctui.vapi.tls import certificate_details

    try:
        return certificate_details(ssl.PEM_cert_to_DER_cert(pem))
    except Exception:  # noqa: BLE001 - a bad PEM from the server: show the thumbprint only
        return None


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
