"""The HLM administrator groups: list, add, remove."""

from __future__ import annotations

from datetime import tzinfo

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.css.query import NoMatches
from textual.containers import Vertical
from textual.widgets import OptionList, Static

from hvctui.service import Call, Service
from hvctui.tui.keys import ADMINS_KEYS, bindings
from hvctui.tui.screens.dialogs import ConfirmScreen, TextScreen, group_problem
from hvctui.tui.screens.links import CallScreen
from hvctui.tui.widgets.keyhints import KeyHints
from hvctui.vapi import one_line


class AdminsScreen(CallScreen):
    BINDINGS = bindings(ADMINS_KEYS)
    DETAIL = "admins-detail"

    def __init__(self, service: Service, call: Call, tz: tzinfo | None = None) -> None:
        super().__init__(service, call, tz)
        self.groups: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="admins"):
            yield Static(Text(f"HLM administrator groups of "
                              f"{one_line(self.call.connection.server, 60)} "
                              f"(profile {one_line(self.call.label, 40)})"),
                         classes="screen-title")
            yield OptionList(id="admins-list")
            yield Static("", id="admins-detail")
        yield KeyHints()

    def on_mount(self) -> None:
        self._run()

    @work(exclusive=True, group="admins")
    async def _run(self, add: str | None = None, remove: str | None = None) -> None:
        self._detail(Text("working...", style="italic"))
        try:
            self.groups = await self.service.administrators(self.call, add=add, remove=remove)
        except Exception as error:  # noqa: BLE001 - never to Textual's crash screen
            self._error(error)
            return
        try:
            options = self.query_one(OptionList)
        except NoMatches:  # the screen was closed (or is closing) while the call ran
            return
        previous = options.highlighted
        options.set_options([Text(one_line(g)) for g in self.groups])
        if self.groups:  # a row is always selected: d acts on what is shown highlighted
            options.highlighted = min(previous or 0, len(self.groups) - 1)
        options.focus()
        self._detail(Text("a adds a group, d removes the selected one.", style="dim"))

    def action_refresh(self) -> None:
        self._run()

    @work(group="admins-dialog")
    async def action_add(self) -> None:
        group = await self.app.push_screen_wait(TextScreen(
            "Add an HLM administrator group", "Written group@domain.",
            placeholder="group@domain", check=group_problem))
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
