"""The links of the selected profile's vCenter: list with health, unlink behind a typed domain."""

from __future__ import annotations

import time

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Static

from hvctui.tui.widgets.keyhints import KeyHints
from hvctui.tui.keys import LINKS_KEYS, bindings
from hvctui.tui.screens.dialogs import TextScreen
from hvctui.tui.widgets.response import error_text
from hvctui.vapi import flow
from hvctui.vapi.errors import HvcError
from hvctui.vapi.connection import Connection
from hvctui.vapi.flow import LinkRow
from hvctui.vapi.render import render_message


class LinksScreen(Screen[None]):
    BINDINGS = bindings(LINKS_KEYS)

    def __init__(self, connection: Connection, profile: str) -> None:
        super().__init__()
        self.connection = connection
        self.profile = profile
        self.rows: list[LinkRow] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="links"):
            yield Static(f"Links of {self.connection.server} (profile {self.profile})",
                         classes="screen-title")
            yield DataTable(id="links-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="links-detail")
        yield KeyHints()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Link", "Domain", "Health")
        self.refresh_links()

    def _detail(self, text: Text | str) -> None:
        self.query_one("#links-detail", Static).update(text)

    @work(exclusive=True, group="links")
    async def refresh_links(self) -> None:
        self._detail(Text("loading…", style="italic"))
        try:
            rows = await flow.list_links(self.connection,
                transport=self.app.transport)  # type: ignore[attr-defined]
        except HvcError as error:
            self._detail(error_text(error))
            return
        self.rows = rows
        table = self.query_one(DataTable)
        table.clear()
        for row in rows:
            health = row.info.connection_health_status if row.info else "unknown"
            table.add_row(row.link, row.display_name,
                          Text(health, style="green" if health == "HEALTHY" else "bold red"),
                          key=row.link)
        self._detail(self._summary())
        table.focus()

    def _summary(self) -> Text:
        if not self.rows:
            return Text("No links. Press escape, then F5 to link.", style="dim")
        out = Text()
        for row in self.rows:
            if row.info and row.info.health_status_message:
                out.append(f"{row.display_name}: ", style="bold")
                out.append(render_message(row.info.health_status_message).text + "\n")
        out.append("u unlinks the selected link (you will type its domain to confirm).",
                   style="dim")
        return out

    def action_refresh(self) -> None:
        self.refresh_links()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_unlink(self) -> None:
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row is None or table.cursor_row >= len(self.rows):
            self.notify("No link selected.", severity="warning")
            return
        row = self.rows[table.cursor_row]
        self._unlink(row)

    @work(exclusive=True, group="links")
    async def _unlink(self, row: LinkRow) -> None:
        typed = await self.app.push_screen_wait(TextScreen(
            f"Unlink {row.display_name}?",
            f"Link {row.link} will be removed; users lose the linked inventory. "
            f"Type the domain name to confirm.",
            must_equal=row.display_name, placeholder=row.display_name))
        if typed is None:
            self.notify("Not unlinked.")
            return
        self._detail(Text(f"unlinking {row.display_name}…", style="italic"))
        started = time.perf_counter()
        try:
            await flow.unlink(self.connection, row.link,
                transport=self.app.transport)  # type: ignore[attr-defined]
        except HvcError as error:
            self._detail(error_text(error))
            return
        self.app.record(self.profile, f"unlink {row.link}",  # type: ignore[attr-defined]
                        self.connection.server, "ok", row.display_name, started)
        self.notify(f"Unlinked {row.display_name}.")
        self.refresh_links()
