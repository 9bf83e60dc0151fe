"""The HLM administrator groups: list, add, remove."""

from __future__ import annotations

from datetime import tzinfo

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.css.query import NoMatches
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import OptionList, Static

from hvctui.service import Call, Service
from hvctui.tui.keys import ADMINS_KEYS, bindings
from hvctui.tui.screens.dialogs import ConfirmScreen, TextScreen
from hvctui.tui.widgets.keyhints import KeyHints
from hvctui.tui.widgets.response import report_text
from hvctui.vapi import HvcError, check_group, error_report, one_line


class AdminsScreen(Screen[None]):
    BINDINGS = bindings(ADMINS_KEYS)

    def __init__(self, service: Service, call: Call, tz: tzinfo | None = None) -> None:
        super().__init__()
        self.service = service
        self.call = call
        self.tz = tz
        self.groups: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="admins"):
            yield Static(Text(f"HLM administrator groups of "
                              f"{one_line(self.call.connection.server, 60)}"),
                         classes="screen-title")
            yield OptionList(id="admins-list")
            yield Static("", id="admins-detail")
        yield KeyHints()

    def on_mount(self) -> None:
        self._run()

    def _detail(self, text: Text) -> None:
        try:
            self.query_one("#admins-detail", Static).update(text)
        except NoMatches:  # closed while a call was in flight: nothing to show it on
            pass

    @work(exclusive=True, group="admins")
    async def _run(self, add: str | None = None, remove: str | None = None) -> None:
        self._detail(Text("working...", style="italic"))
        try:
            self.groups = await self.service.administrators(self.call, add=add, remove=remove)
        except HvcError as error:
            self._detail(report_text(error_report(error, self.tz)))
            return
        except Exception as exc:  # noqa: BLE001 - never to Textual's crash screen
            self._detail(Text(f"Unexpected failure ({type(exc).__name__}).", style="bold red"))
            return
        try:
            options = self.query_one(OptionList)
        except NoMatches:  # the screen was closed (or is closing) while the call ran
            return
        previous = options.highlighted
        options.clear_options()
        options.add_options([Text(one_line(g)) for g in self.groups])
        if self.groups:  # a row is always selected: d acts on what is shown highlighted
            options.highlighted = min(previous or 0, len(self.groups) - 1)
        options.focus()
        self._detail(Text("a adds a group, d removes the selected one.", style="dim"))

    def action_refresh(self) -> None:
        self._run()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_add(self) -> None:
        self._add()

    @staticmethod
    def _problem(group: str) -> str:
        try:
            check_group(group)
        except ValueError as exc:
            return str(exc)
        return ""

    @work(group="admins-dialog")
    async def _add(self) -> None:
        group = await self.app.push_screen_wait(TextScreen(
            "Add an HLM administrator group", "Written group@domain.",
            placeholder="group@domain", check=self._problem))
        if group:
            self._run(add=group)

    def action_remove(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is None or not self.groups:
            self.notify("No group selected.", severity="warning")
            return
        self._remove(self.groups[options.highlighted])

    @work(group="admins-dialog")
    async def _remove(self, group: str) -> None:
        if await self.app.push_screen_wait(ConfirmScreen(f"Remove {group}?",
                                                         "Its members lose HLM administration.")):
            self._run(remove=group)
