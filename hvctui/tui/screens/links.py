"""The links of the selected profile's vCenter: list with health, unlink behind a typed domain."""

from __future__ import annotations

from contextlib import suppress
from datetime import tzinfo

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.css.query import NoMatches
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Static

from hvctui.service import Call, Service
from hvctui.tui.clipboard import copy
from hvctui.tui.keys import LINKS_KEYS, bindings
from hvctui.tui.screens.dialogs import TextScreen
from hvctui.tui.screens.ontop import OnTop
from hvctui.tui.widgets.keyhints import KeyHints
from hvctui.tui.widgets.response import report_text
from hvctui.vapi import HvcError, LinkHealth, error_report, one_line


class CallScreen(OnTop, Screen[None]):
    """A screen of one vCenter's calls (links, administrators): its line `#DETAIL` says what
    is under way, what to do, or why a call failed."""

    DETAIL = ""

    def __init__(self, service: Service, call: Call, tz: tzinfo | None = None) -> None:
        super().__init__()
        self.service = service
        self.call = call
        self.tz = tz

    def _detail(self, text: Text) -> None:
        with suppress(NoMatches):  # closed while a call was in flight: nothing to show it on
            self.query_one(f"#{self.DETAIL}", Static).update(text)

    def _error(self, error: Exception) -> None:
        if isinstance(error, HvcError):
            self._detail(report_text(error_report(error, self.tz)))
        else:  # a defect: named by its type only (its text could hold a secret)
            self._detail(Text(f"Unexpected failure ({type(error).__name__}).", style="bold red"))


class LinksScreen(CallScreen):
    BINDINGS = bindings(LINKS_KEYS)
    DETAIL = "links-detail"

    def __init__(self, service: Service, call: Call, tz: tzinfo | None = None) -> None:
        super().__init__(service, call, tz)
        self.rows: list[LinkHealth] = []
        #: The list is being fetched (a key pressed now has nothing to act on yet). Not named
        #: `loading`: that is Textual's own reactive, which covers the screen with an overlay.
        self.fetching = False
        #: An unlink is asked for or under way: a refresh waits for it (it must not cancel it).
        self.unlinking = False

    def compose(self) -> ComposeResult:
        with Vertical(id="links"):
            yield Static(Text(f"Links of {one_line(self.call.connection.server, 60)} "
                              f"(profile {one_line(self.call.label, 40)})"),
                         classes="screen-title")
            yield DataTable(id="links-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="links-detail")
        yield KeyHints()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("Link", "Domain", "Health")
        self.refresh_links()

    @work(exclusive=True, group="links")
    async def refresh_links(self) -> None:
        self._detail(Text("loading...", style="italic"))
        self.fetching = True
        try:
            rows, _ = await self.service.links(self.call, tz=self.tz)
        except Exception as error:  # noqa: BLE001 - never to Textual's crash screen
            self._error(error)
            return
        finally:
            self.fetching = False
        self.rows = rows
        try:
            table = self.query_one(DataTable)
        except NoMatches:  # the screen was closed (or is closing) while the call ran
            return
        table.clear()
        for row in rows:
            table.add_row(Text(row.link), Text(row.display_name),
                          Text(row.health, style="green" if row.health == "HEALTHY"
                               else "bold red"))
        self._detail(self._summary())
        table.focus()

    def _summary(self) -> Text:
        if not self.rows:
            return Text("No links. Press escape, then link from the main screen.", style="dim")
        out = Text()
        for row in self.rows:
            if row.message:
                out.append(f"{row.display_name}: ", style="bold")
                out.append(row.message + "\n")
        out.append("u unlinks the selected link (you will type its domain to confirm).",
                   style="dim")
        return out

    def action_refresh(self) -> None:
        if self.unlinking:
            self.notify("An unlink is under way; the list refreshes when it is done.",
                        severity="warning")
            return
        self.refresh_links()

    def _selected(self, binding_id: str) -> LinkHealth | None:
        """The link under the cursor; else None, said (with the key as mapped, to try again)."""
        table = self.query_one(DataTable)
        if self.fetching and not self.rows:
            key = one_line(self.app.key_for(binding_id), 20)
            self.notify(Text(f"The links are still loading; press {key} again when they show."),
                        severity="warning")
            return None
        if not self.rows or table.cursor_row is None or table.cursor_row >= len(self.rows):
            self.notify("No link selected.", severity="warning")
            return None
        return self.rows[table.cursor_row]

    def action_copy_link(self) -> None:
        row = self._selected("links_copy")
        if row is not None:
            copy(self, row.link, f"link id {one_line(row.link, 80)}")

    def action_unlink(self) -> None:
        """The question is asked at once (keys typed ahead land in it); the server's own
        domain of the link must then match what was confirmed before anything is removed."""
        if self.unlinking:
            return
        row = self._selected("links_unlink")
        if row is None:
            return
        self.unlinking = True

        def answered(typed: str | None) -> None:
            if typed is None:
                self.unlinking = False
                self.notify("Not unlinked.")
            else:
                self._unlink(row)

        self.app.push_screen(TextScreen(
            f"Unlink {row.display_name}?",
            f"Link {row.link} will be removed; users lose the linked inventory. "
            "Type the domain name to confirm.",
            must_equal=row.display_name, placeholder="the domain name"), answered)

    @work(exclusive=True, group="unlink")
    async def _unlink(self, row: LinkHealth) -> None:
        async def confirm(display_name: str) -> bool:
            if display_name != row.display_name:  # changed on the server since the list
                self.notify(Text(f"Not unlinked: the link's domain is now {display_name}, not "
                                 f"the {row.display_name} you confirmed. Press r and look again."),
                            severity="error", timeout=15)
                return False
            return True

        self._detail(Text(f"unlinking {row.display_name}...", style="italic"))
        try:
            removed = await self.service.unlink(self.call, row.link, confirm)
        except Exception as error:  # noqa: BLE001 - never to Textual's crash screen
            self._error(error)
            return
        finally:
            self.unlinking = False
        if not removed:
            self.notify("Not unlinked.")
            self._detail(self._summary())
            return
        self.notify(Text(f"Unlinked {row.display_name}."))
        self.refresh_links()
