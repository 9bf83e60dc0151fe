"""The fleet at a glance: one row per profile, filled in live as the vCenters answer.

The refresh and the linking run through hvctui/fleet.py (the same use case as `hvctui status`);
this screen only shows the rows, in the same order and with the same values. Every text from a
server or a file goes into widgets as `Text`, never as markup.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import tzinfo
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Input, Static
from textual.worker import Worker

from hvctui.fleet import (
    CANCELLED,
    INSECURE_WORDS,
    CHECKING,
    LINKED,
    LINKING,
    PROBLEM,
    UNHEALTHY,
    UNLINKED,
    WAITING,
    Fleet,
    FleetRow,
    checked_at_text,
    counts,
    sort_rows,
    status_payload,
)
from hvctui.profiles.credentials import CredentialKey
from hvctui.profiles.store import Profile
from hvctui.tui.clipboard import copy
from hvctui.tui.keys import FLEET_KEYS, bindings
from hvctui.tui.screens.dialogs import PasswordScreen, TrustScreen
from hvctui.tui.screens.ontop import OnTop
from hvctui.tui.widgets.fleettable import FleetTable, header_text
from hvctui.tui.widgets.keyhints import KeyHints
from hvctui.tui.widgets.oneline import OneLineInput
from hvctui.vapi import details_from_pem, dumps, one_line, printable

if TYPE_CHECKING:
    from hvctui.vapi import CertificateInfo, PscCheck

_STYLE = {PROBLEM: "bold red", UNHEALTHY: "bold yellow", CANCELLED: "dim", UNLINKED: "",
          LINKED: "green", CHECKING: "italic", LINKING: "italic", WAITING: "dim"}
#: How often answers that arrived are drawn (many answers, one repaint).
REDRAW_SECONDS = 0.1


class FleetFilter(OneLineInput):
    """Down goes to the table, as the profiles filter's goes to the list."""

    BINDINGS = [Binding("down", "to_table", "Fleet table", show=False)]

    def action_to_table(self) -> None:
        self.screen.query_one(FleetTable).focus()


class FleetScreen(OnTop, Screen[None]):
    """Every profile's links and health; space selects, the link key links the selected."""

    BINDINGS = bindings(FLEET_KEYS)
    DEFAULT_CSS = """
    #fleet-columns { height: 1; }
    #fleet-filter { background: $boost; }
    #fleet-detail { height: auto; max-height: 6; padding: 0 1; }
    """

    def __init__(self, fleet: Fleet, profiles: dict[str, Profile], names: list[str],
                 tz: tzinfo | None = None, sidebar_filter: str = "",
                 broken: list[FleetRow] = ()) -> None:  # type: ignore[assignment]
        super().__init__()
        #: The main screen's profile filter that chose `names` (said in the header).
        self.sidebar_filter = sidebar_filter
        self.fleet = fleet
        self.profiles = profiles
        self.names = [n for n in names if n in profiles]
        self.tz = tz
        self.rows: dict[str, FleetRow] = {r.profile: r for r in fleet.pending_rows(
            profiles, self.names)}
        #: Profiles the config could not load: shown with their problem, never checked.
        self.rows.update({r.profile: r for r in broken})
        self.selected: set[str] = set()
        self.shown: list[str] = []
        self._job: Worker[None] | None = None
        #: The profiles the fleet's own link is linking now (their rows follow that job).
        self._linking: set[str] = set()
        self._stop_listening = lambda: None
        self._dirty = False
        self._what = ""

    def compose(self) -> ComposeResult:
        with Vertical(id="fleet"):
            yield Static(id="fleet-header", classes="screen-title")
            yield FleetFilter(placeholder="filter profiles", id="fleet-filter", compact=True)
            yield Static(header_text(), id="fleet-columns")
            yield FleetTable(lambda name: self._cells(self.rows[name]), id="fleet-table")
            yield Static("", id="fleet-detail")
        yield KeyHints()

    @property
    def table(self) -> FleetTable:
        return self.query_one(FleetTable)

    def on_mount(self) -> None:
        self.fleet.ask_password = self.ask_password
        note = self.fleet.overrides_note(self.profiles)
        if note:
            self.notify(note, severity="warning", timeout=10)
        self.set_interval(REDRAW_SECONDS, self._redraw_if_dirty)
        self.redraw()
        self.table.focus()
        self.action_refresh()
        self._stop_listening = self.fleet.service.on_recorded(self._recorded)

    def on_unmount(self) -> None:
        self._stop_listening()

    def _recorded(self, profile: str, server: str, what: str, status: str) -> None:
        """A link (or unlink) finished, here or on another screen (the palette's Link, F2
        over this screen): the rows of that profile and of every other profile of the same
        vCenter show what is true now, not what they were before, without waiting for `r`.
        The rows the fleet's own link is linking follow that link."""
        if not (what == "link" or what.startswith("unlink ")):
            return
        where = CredentialKey.at("", server).server
        names = [n for n in self.names if n not in self._linking and n in self.rows
                 and (n == profile
                      or CredentialKey.at("", self.profiles[n].server).server == where)]
        if names:
            self._recheck(names)

    @work(group="fleet-recheck")
    async def _recheck(self, names: list[str]) -> None:
        for name in names:
            self.rows[name] = replace(self.rows[name], state=CHECKING)
        self._dirty = True
        try:
            async for row in self.fleet.refresh(self.profiles, names, ask=False):
                self._arrived(replace(row, outcome=self.rows[row.profile].outcome))
        finally:
            self._dirty = True

    # --- drawing --------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._job is not None and self._job.is_running

    def _header(self) -> Text:
        c = counts(list(self.rows.values()))
        out = Text()
        out.append(f"Fleet: {c['total']} profile{'' if c['total'] == 1 else 's'}  ")
        out.append(f"{c['done']} done", style="bold")
        out.append("  ")
        out.append(f"{c['failed']} failed", style="bold red" if c["failed"] else "bold")
        out.append(", ")
        out.append(f"{c['unhealthy']} unhealthy",
                   style="bold yellow" if c["unhealthy"] else "bold")
        out.append(f"  {c['remaining']} remaining")
        if self.query_one("#fleet-filter", Input).value.strip():
            out.append(f"  ({len(self.shown)} shown)")
        if self.running:
            out.append(f"  ({self._what}, esc cancels)", style="italic")
        if len(self.names) < len(self.profiles):
            # Not every profile: the sidebar's filter chose these (say so, never silently).
            which = (f"the sidebar's filter '{one_line(self.sidebar_filter, 30)}'"
                     if self.sidebar_filter.strip() else "the sidebar's filter")
            out.append(f"\n{which}: {len(self.names)} of {len(self.profiles)} profiles; "
                       "clear it for all", style="bold")
        return out

    def _visible(self) -> list[FleetRow]:
        needle = self.query_one("#fleet-filter", Input).value.strip().lower()
        rows = sort_rows(list(self.rows.values()))
        return [r for r in rows if needle in r.profile.lower()] if needle else rows

    def redraw(self) -> None:
        """The table in state order (problems first), the cursor kept on its profile."""
        self._dirty = False
        table = self.table
        # The cursor follows its profile as rows move; at the top it stays at the top.
        current = table.cursor_name if table.cursor > 0 else ""
        self.shown = [r.profile for r in self._visible()]
        table.show(self.shown, current)
        self.query_one("#fleet-header", Static).update(self._header())
        self._show_detail()

    def _redraw_if_dirty(self) -> None:
        if self._dirty:
            self.redraw()

    def _cells(self, row: FleetRow) -> list[Text]:
        """Selection, profile, state, when checked, then what matters most for the state:
        the problem, the links with their health (and health message), or the outcome."""
        what = Text()
        if row.state in (PROBLEM, CANCELLED):
            what.append(one_line(row.problem, 160), style="red" if row.state == PROBLEM else "")
        else:
            for i, link in enumerate(row.links):
                what.append("; " if i else "")
                what.append(one_line(link.domain, 40) + " ")
                what.append(link.health, style="bold yellow" if link.health == "UNHEALTHY"
                            else "green")
                if link.message:
                    what.append(": " + one_line(link.message, 120))
            if not row.links and row.state == UNLINKED:
                what.append("not linked", style="dim")
        if row.outcome and row.state != PROBLEM:
            what.append(("  " if what.plain else "") + one_line(row.outcome, 120), style="bold")
        if row.insecure:  # first, so that no width cuts it off
            what = Text.assemble((INSECURE_WORDS + " ", "bold red"), what)
        return [Text("●" if row.profile in self.selected else " ", style="bold"),
                Text(one_line(row.profile, 24)),
                Text(row.state, style=_STYLE.get(row.state, "")),
                Text(checked_at_text(row, self.tz) or "-", style="dim"),
                what]

    def _cursor_row(self) -> FleetRow | None:
        return self.rows.get(self.table.cursor_name)

    def _show_detail(self) -> None:
        row = self._cursor_row()
        out = Text()
        if row is not None:
            out.append(row.profile, style="bold")
            out.append(f"  {row.server}\n")
            if row.insecure:
                out.append(INSECURE_WORDS + ": the vCenter's certificate is not checked\n",
                           style="bold red")
            if row.problem:
                out.append(printable(row.problem) + "\n", style="red")
            for link in row.links:
                out.append(f"{link.domain}  {link.health}  link {link.link}\n")
                if link.message:
                    out.append(f"  {printable(link.message)}\n", style="yellow")
            if row.outcome:
                out.append(f"this session: {row.outcome}\n")
            out.append(f"last link attempt: {row.last_link or 'none in the history'}",
                       style="dim")
        self.query_one("#fleet-detail", Static).update(out)

    @on(FleetTable.Highlighted)
    def _highlighted(self) -> None:
        self._show_detail()

    @on(Input.Changed, "#fleet-filter")
    def _filtered(self) -> None:
        self.redraw()

    @on(Input.Submitted, "#fleet-filter")
    def _filter_done(self) -> None:
        self.table.focus()

    def _arrived(self, row: FleetRow) -> None:
        self.rows[row.profile] = row
        self._dirty = True

    # --- refresh and link -----------------------------------------------------------------

    def action_refresh(self) -> None:
        if self.running:
            self.notify("Still working; escape cancels.", severity="warning")
            return
        for name, row in self.rows.items():
            if name in self.names:  # a broken profile's row keeps its problem
                self.rows[name] = replace(row, state=WAITING, problem="", kind="")
        self._what = "checking"
        self._job = self._refresh()
        self.redraw()

    @work(group="fleet", exclusive=True)
    async def _refresh(self) -> None:
        await self._follow(self.fleet.refresh(self.profiles, self.names))

    async def _follow(self, rows: AsyncIterator[FleetRow]) -> None:
        """Each row as it arrives; if cancelled, the rows not answered yet are marked."""
        try:
            async for row in rows:
                self._arrived(row)
        except asyncio.CancelledError:
            for name, row in self.rows.items():
                if not row.done:
                    self.rows[name] = replace(row, state=CANCELLED, problem="cancelled",
                                              kind="cancelled")
            raise
        finally:
            self._dirty = True

    def action_cancel(self) -> None:
        """Escape: cancel what is running; else leave the filter for the table (clearing it);
        else back to the main screen."""
        search = self.query_one("#fleet-filter", Input)
        if self.running:
            assert self._job is not None
            self._job.cancel()
            self.notify("Cancelled; rows not answered yet are marked.")
        elif search.has_focus:
            search.value = ""
            self.table.focus()
        else:
            self.dismiss(None)

    def action_toggle_select(self) -> None:
        row = self._cursor_row()
        if row is None:
            return
        self.selected.symmetric_difference_update({row.profile})
        cursor = self.table.cursor
        self.redraw()
        self.table.move_cursor(row=min(cursor + 1, len(self.shown) - 1))

    def action_focus_filter(self) -> None:
        self.query_one("#fleet-filter", Input).focus()

    def action_link_selected(self) -> None:
        if self.running:
            self.notify("Still working; escape cancels.", severity="warning")
            return
        names = [n for n in self.names if n in self.selected]
        if not names:
            row = self._cursor_row()
            if row is None:
                return
            names = [row.profile]
        self._what = f"linking {len(names)}"
        self._job = self._link(names)
        self._dirty = True

    @work(group="fleet", exclusive=True)
    async def _link(self, names: list[str]) -> None:
        self._linking = set(names)
        try:
            await self._follow(self.fleet.link(self.profiles, names, self._decide_trust,
                                               self.rows))
        finally:
            self._linking = set()
            self.selected -= set(names)

    async def _decide_trust(self, psc: str, offered: CertificateInfo, check: PscCheck) -> bool:
        details = details_from_pem(offered.ssl_certificate) if offered.ssl_certificate else None
        trusted = await self.app.push_screen_wait(TrustScreen(
            f"Trust the certificate of PSC {one_line(psc, 80)}?",
            "vCenter does not know this on-premises PSC's certificate (UNVERIFIED_PEER). "
            "Compare the thumbprint with the PSC's own. Your answer holds for every selected "
            "profile that links to this PSC. hvctui's own check from this machine:",
            offered.ssl_thumbprint, details, check))
        return bool(trusted)

    async def ask_password(self, user: str, server: str) -> str | None:
        """The fleet's question for a typed password (one dialog per user and server)."""
        return await self.app.push_screen_wait(PasswordScreen(user, server))

    def action_copy_json(self) -> None:
        """The rows as `hvctui status --json` prints them."""
        copy(self, dumps(status_payload(list(self.rows.values())), indent=2),
             "the fleet as JSON")
