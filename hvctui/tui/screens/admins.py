"""The HLM administrator groups: list, add, remove."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import OptionList, Static

from hvctui.tui.widgets.keyhints import KeyHints
from hvctui.tui.keys import ADMINS_KEYS, bindings
from hvctui.tui.screens.dialogs import ConfirmScreen, TextScreen
from hvctui.tui.widgets.response import error_text
from hvctui.vapi import flow
from hvctui.vapi.errors import HvcError
from hvctui.vapi.connection import Connection
from hvctui.vapi.checks import check_group


class AdminsScreen(Screen[None]):
    BINDINGS = bindings(ADMINS_KEYS)

    def __init__(self, connection: Connection) -> None:
        super().__init__()
        self.connection = connection
        self.groups: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="admins"):
            yield Static(f"HLM administrator groups of {self.connection.server}",
                         classes="screen-title")
            yield OptionList(id="admins-list")
            yield Static("", id="admins-detail")
        yield KeyHints()

    def on_mount(self) -> None:
        self._run()

    @work(exclusive=True, group="admins")
    async def _run(self, add: str | None = None, remove: str | None = None) -> None:
        self.query_one("#admins-detail", Static).update(Text("working…", style="italic"))
        try:
            self.groups = await flow.administrators(self.connection, add=add, remove=remove,
                transport=self.app.transport)  # type: ignore[attr-defined]
        except HvcError as error:
            self.query_one("#admins-detail", Static).update(error_text(error))
            return
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(self.groups)
        options.focus()
        self.query_one("#admins-detail", Static).update(
            Text("a adds a group, d removes the selected one.", style="dim"))

    def action_refresh(self) -> None:
        self._run()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_add(self) -> None:
        self._add()

    @work(group="admins-dialog")
    async def _add(self) -> None:
        group = await self.app.push_screen_wait(TextScreen(
            "Add an HLM administrator group", "Written group@domain.",
            placeholder="group@domain"))
        if not group:
            return
        try:
            check_group(group)
        except ValueError as exc:
            self.notify(f"admin group: {exc}", severity="error")
            return
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
