"""The Textual app: app-wide things only (config, themes, keymap, palette, history).

The main UI is its own screen (tui/screens/main.py), which runs calls through the service layer.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Iterable
from datetime import tzinfo
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import events, on
from textual.app import App, SystemCommand
from textual.command import Provider
from textual.driver import Driver
from textual.screen import Screen

from hvctui.profiles.store import Config, ConfigStore, LoadResult
from hvctui.service import Service
from hvctui.tui.guards import install as install_guards
from hvctui.tui.keygate import KeyGate
from hvctui.tui.keys import ALL_KEYS, APP_KEYS, KNOWN_IDS, bindings, safe_keymap, shown_key
from hvctui.tui.screens.main import MainScreen, Settings
from hvctui.tui.symbols import ascii_driver, terminal_charset, use_ascii
from hvctui.tui.themes import DEFAULT_THEME, load_themes
from hvctui.vapi import Timeouts, one_line, printable

#: How many profiles the command palette offers by name.
PALETTE_PROFILES = 300
#: The binding id of each palette command that has a key (its keys are shown beside it).
PALETTE_KEYS = {
    "Link": "link", "Links": "links_screen", "Administrators": "admins_screen",
    "Check the PSC's certificate": "check_psc", "Fleet": "fleet_screen",
    "History": "history_screen", "Help": "help", "Copy answer as text": "copy_text",
    "Copy answer as JSON": "copy_json", "Preview the request": "preview",
    "Save profile": "save_profile", "Show or hide the profiles": "toggle_sidebar",
    "Quit": "quit",
}


def palette_commands() -> type[Provider]:
    """The palette's commands drawn as text (tui/palette.py), loaded when first opened."""
    from hvctui.tui.palette import Commands

    return Commands


class HvcApp(App[int]):
    """hvctui's TUI. `timings=False` and `tz` make output deterministic for snapshots."""

    CSS_PATH = "app.tcss"
    TITLE = "hvctui"
    BINDINGS = bindings(APP_KEYS)
    COMMANDS = {palette_commands}

    def __init__(
        self,
        config_path: Path | None = None,
        initial_profile: str | None = None,
        *,
        demo: bool = False,
        demo_reset: Callable[[], None] | None = None,
        demo_banner: tuple[str, ...] = (),
        timings: bool = True,
        tz: tzinfo | None = None,
        transport: Any = None,
        timeouts: Timeouts = Timeouts(),
    ) -> None:
        super().__init__()
        install_guards()  # local guards for Textual defects (tui/guards.py)
        store = ConfigStore(config_path)
        self.loaded: LoadResult = store.load()
        self.config: Config = self.loaded.config
        self.service = Service(store, transport=transport)
        self.settings = Settings(self.service, timeouts,
                                 tz if tz is not None else self.config.zone(), demo, timings,
                                 probe_pins=transport is None, demo_banner=tuple(demo_banner))
        self._initial = initial_profile or ""
        #: Puts the demo's simulated vCenters back as they started (`hvctui demo` only).
        self.demo_reset = demo_reset
        self._theme_ready = False
        # Themes are set before the first style pass: choosing one later restyles every widget.
        themes, problems = load_themes(store.folder / "themes")
        self._problems: list[str] = [str(p) for p in problems]
        for theme in themes:
            self.register_theme(theme)
        wanted = self.config.theme or DEFAULT_THEME
        if wanted not in self.available_themes:
            self._problems.append(f"theme {wanted!r} not found; using {DEFAULT_THEME}")
            wanted = DEFAULT_THEME
        self.theme = wanted
        self.main = MainScreen(self.settings, self.config, self.loaded.error,
                               self.loaded.broken, self._initial)
        self.key_gate = KeyGate(self)
        #: The [keymap] as given to Textual's set_keymap (binding id -> keys).
        self.keymap: dict[str, str] = {}

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            # A key goes where the keys before it have put the focus (tui/keygate.py)...
            if not self.key_gate.admit(event):
                return
            # ...unless that is a dialog that trusts, unlinks, deletes or asks for a password
            # and the key was typed as it opened: such keys answer nothing, bindings and
            # fields alike.
            from hvctui.tui.screens.dialogs import GuardedDialog

            screen = self.screen_stack[-1] if self.screen_stack else None
            if isinstance(screen, GuardedDialog) and screen.ignores_key(event):
                return
        await super().on_event(event)

    def notify(self, message: str | Text, *, title: str = "",
               severity: Any = "information", timeout: float | None = None,
               markup: bool = False) -> None:
        """Every notification is data: shown as text, never parsed as markup, its control
        characters made visible. (Widgets and screens' `notify` come here too.)"""
        text = message.plain if isinstance(message, Text) else str(message)
        super().notify(printable(text), title=printable(title), severity=severity,
                       timeout=timeout, markup=False)

    def _fatal_error(self) -> None:
        """Textual's crash report shows every frame's local variables (a CreateSpec, a Basic
        header, a typed password); ours shows the frames and the exception alone.

        Workers and actions catch what they can expect; this is the last guard, for a defect.
        No public option turns the locals off: docs/upstream/09-crash-report-shows-locals.md.
        """
        from rich.segment import Segments
        from rich.traceback import Traceback

        self.bell()
        report = Traceback(show_locals=False, width=None, max_frames=20)
        self._exit_renderables.append(Segments(self.console.render(report,
                                                                   self.console.options)))
        self._close_messages_no_wait()

    def action_command_palette(self) -> None:
        """Textual's, but the palette is open if it is anywhere on the stack: Textual's
        `CommandPalette.is_open` looks at the top screen only, and ctrl+p with a dialog over
        the palette pushed a second one with the same id (DuplicateIds ended the app).
        docs/upstream/03-palette-is-open-top-only.md"""
        from textual.command import CommandPalette

        from hvctui.tui.palette import Palette

        if self.use_command_palette and not any(isinstance(screen, CommandPalette)
                                                for screen in self.screen_stack):
            self.push_screen(Palette(id="--command-palette"))

    def get_default_screen(self) -> Screen[Any]:
        return self.main

    def get_driver_class(self) -> type[Driver]:
        """The platform's driver; where the locale cannot draw lines, arrows or the ellipsis,
        one that sends their ASCII stand-ins (symbols.py)."""
        driver = super().get_driver_class()
        output = getattr(sys.__stdout__, "encoding", None)
        if use_ascii(output_encoding=output):
            return ascii_driver(driver, terminal_charset(os.environ, output))
        return driver

    def on_mount(self) -> None:
        self.call_after_refresh(gc.enable)  # off since start (tui/launch.py): the first frame
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        self._apply_keymap()
        for problem in self._problems:
            self.notify(Text(problem), severity="warning", timeout=10)
        if self._initial and self._initial not in self.config.profiles:
            self.notify(Text(f"no profile named {self._initial!r}"), severity="error")
        if self.loaded.error is not None:
            self.notify(Text(f"Config not loaded: {self.loaded.error}"), severity="error",
                        timeout=20)
        for warning in self.loaded.warnings:
            self.notify(Text(str(warning)), severity="warning", timeout=15)
        self._theme_ready = True

    def _apply_keymap(self) -> None:
        unknown = sorted(set(self.config.keymap) - KNOWN_IDS)
        if unknown:
            self.notify(Text(f"[keymap] ignores unknown binding ids: "
                             f"{one_line(', '.join(unknown), 200)}"),
                        severity="warning", timeout=10)
        keymap = {k: v for k, v in self.config.keymap.items() if k in KNOWN_IDS}
        # One key for two actions active at once (trust and cancel) is refused: the defaults
        # stand for those bindings, the file is left as it is.
        keymap, refused = safe_keymap(keymap)
        if refused:
            ids = sorted({binding for clash in refused for binding in clash.ids
                          if binding in self.config.keymap})
            self.notify(Text(f"[keymap] refused: {one_line('; '.join(map(str, refused)), 400)}."
                             f" Using the default keys for {', '.join(ids)}."),
                        severity="error", timeout=20)
        self.keymap = keymap
        if keymap:
            self.set_keymap(keymap)

    def _keys(self, binding_id: str) -> list[str]:
        """The keys bound to a binding id, as currently mapped."""
        default = next((k.keys for k in ALL_KEYS if k.id == binding_id), "")
        return self.keymap.get(binding_id, default).split(",")

    def key_for(self, binding_id: str) -> str:
        """The first key bound to a binding id, as currently mapped (for hints)."""
        key = self._keys(binding_id)[0].strip()
        return key.upper() if key.startswith("f") else key

    def palette_keys(self, title: str) -> str:
        """The keys of a palette command, as currently mapped ("" for none)."""
        binding_id = PALETTE_KEYS.get(title)
        keys = self._keys(binding_id) if binding_id else []
        # As people read them: "?", not Textual's name "question_mark".
        return ", ".join(shown_key(key) for key in keys if key.strip())

    def search_themes(self) -> None:
        """The theme palette with the names drawn as text (a user's theme file names its
        theme: data, never markup)."""
        from hvctui.tui.palette import Palette, Themes

        self.push_screen(Palette(providers=[Themes], placeholder="Search for themes…"))

    def _theme_changed(self, theme: Any) -> None:
        if not self._theme_ready or self.loaded.error is not None:
            return
        if theme.name == self.config.theme:
            return
        try:
            self.config = self.service.set_theme(theme.name)
        except Exception as exc:  # noqa: BLE001 - a theme that cannot be saved is reported
            self.notify(Text(f"theme not saved: {one_line(str(exc), 200)}"), severity="error")

    @on(MainScreen.ConfigChanged)
    def _config_changed(self, event: MainScreen.ConfigChanged) -> None:
        self.config = event.config

    # --- app-wide screens and the palette ---------------------------------------------------

    def action_open_history(self) -> None:
        from hvctui.tui.screens.history import HistoryScreen

        if not isinstance(self.screen, HistoryScreen):  # F4 on it: one, not a stack of them
            self.push_screen(HistoryScreen(self.service.history))

    def action_help(self) -> None:
        from hvctui.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(dict(self.keymap)))

    async def action_back(self) -> None:
        """q: back to the screen below; on the main screen, quit (asking first, as ctrl+q)."""
        if self.screen is self.main:
            await self.action_quit()
        else:
            self.screen.dismiss(None)

    async def action_quit(self) -> None:
        """ctrl+q: asks first when the form holds edits that are not saved."""
        from hvctui.tui.screens.dialogs import ConfirmScreen

        if isinstance(self.screen, ConfirmScreen) and self.screen.id == "quit-question":
            self.exit()  # ctrl+q twice: the user means it
            return
        unsaved = self.main.unsaved()
        if not unsaved:
            self.exit()
            return

        def answered(leave: bool | None) -> None:
            if leave:
                self.exit()

        names = ", ".join(one_line(n, 40) for n in unsaved[:5])
        shown = self.main.profile_name
        save = self.key_for("save_profile")
        how = (f"{save} saves the profile shown ({one_line(shown, 40)}); the others are saved "
               f"by choosing each, then {save}." if shown in unsaved and len(unsaved) > 1 else
               f"{save} saves the profile shown." if shown in unsaved else
               f"Choose it in the list, then {save} saves it." if len(unsaved) == 1 else
               f"Choose each in the list, then {save} saves it.")
        question = ConfirmScreen("Quit and drop the unsaved edits?",
                                 f"Not saved: {names}{' …' if len(unsaved) > 5 else ''}. {how}")
        question.id = "quit-question"
        self.push_screen(question, answered)

    def action_reset_demo(self) -> None:
        if self.demo_reset is not None:
            self.demo_reset()
            self.notify("Every simulated vCenter is back as the demo started it: links made "
                        "since are gone, the links it started with (fleet-healthy, "
                        "fleet-unhealthy) are there. What you saved in a profile stays: a "
                        "stored thumbprint skips the trust dialog.")

    def action_start_afresh(self) -> None:
        self.main.start_afresh()
        self.loaded.error = None

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        main = self.main
        yield SystemCommand("Link", "Send the form's CreateSpec (as F5)", main.action_link)
        yield SystemCommand("Links", "List the links, check health, unlink",
                            main.action_open_links)
        yield SystemCommand("Administrators", "HLM administrator groups",
                            main.action_open_admins)
        yield SystemCommand("Check the PSC's certificate", "What the PSC presents to this "
                            "machine, compared with the thumbprint (as F8)",
                            main.action_check_psc)
        yield SystemCommand("Fleet", "Every profile's links and health at once; link many",
                            main.action_open_fleet)
        yield SystemCommand("History", "Calls made so far", self.action_open_history)
        yield SystemCommand("Help", "Keys and screens", self.action_help)
        yield SystemCommand("Copy answer as text", "The response pane's content",
                            main.pane.action_copy_text)
        yield SystemCommand("Copy answer as JSON", "The response as --json would print it",
                            main.pane.action_copy_json)
        yield SystemCommand("Preview the request", "The exact body Link sends, password "
                            "masked (as F7)", main.action_preview)
        yield SystemCommand("Save profile", "Save the form to the selected profile",
                            main.action_save_profile)
        yield SystemCommand("Show or hide the profiles", "More room for the form",
                            main.action_toggle_sidebar)
        if self.demo_reset is not None:
            yield SystemCommand("Reset the demo world", "Every simulated vCenter back as the "
                                "demo started it (links made since removed)",
                                self.action_reset_demo)
        if self.loaded.error is not None:
            yield SystemCommand("Start afresh", "Keep the broken config.toml as a backup "
                                "beside it and start a new one", self.action_start_afresh)
        # The palette fuzzy-matches every command per keystroke: past a few hundred profiles the
        # sidebar filter (ctrl+f) is the faster way, so only the first ones are offered here.
        for name in list(self.config.profiles)[:PALETTE_PROFILES]:
            yield SystemCommand(f"Profile: {one_line(name, 64)}", "Select this profile",
                                lambda n=name: main.select_profile(n), discover=False)
