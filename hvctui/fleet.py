"""The fleet: every profile's links at a glance, refreshed concurrently; linking many at once.

A use case beside hvctui/service.py, written once for both faces (the TUI's fleet screen and
`hvctui status`): it prepares each profile's call with `service.prepare`, runs it over the same
async flows (one session per vCenter, logged out after), at most `concurrency` at a time, and
hands back one `FleetRow` per profile as answers arrive. It never imports Textual.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone, tzinfo
from typing import TYPE_CHECKING, Any

from hvctui.profiles.store import Profile
from hvctui.service import PASSWORD_ENV, PSC_PASSWORD_ENV, Call, NotReady, Service, prepare
from hvctui.vapi.connection import Secret, Timeouts
from hvctui.vapi.errors import (
    BadOffer,
    ErrorType,
    HvcError,
    NetworkError,
    ServerError,
    TlsError,
)
from hvctui.vapi.text import one_line

if TYPE_CHECKING:
    from hvctui.vapi.models import CertificateInfo
    from hvctui.vapi.psccheck import PscCheck

#: Profiles refreshed at once unless told otherwise (`--concurrency`, the screen's setting).
DEFAULT_CONCURRENCY = 8
MAX_CONCURRENCY = 256

# Row states. A row is "done" in any state but WAITING and CHECKING/LINKING.
WAITING = "waiting"
CHECKING = "checking"
LINKING = "linking"
LINKED = "linked"
UNLINKED = "unlinked"
UNHEALTHY = "unhealthy"
PROBLEM = "problem"
CANCELLED = "cancelled"

#: Problems first, then what needs a look, then what is fine; pending rows last.
_RANK = {PROBLEM: 0, UNHEALTHY: 1, CANCELLED: 2, UNLINKED: 3, LINKED: 4, LINKING: 5,
         CHECKING: 6, WAITING: 7}

#: The problem kinds a row can have, each with the words a person reads first.
PROBLEM_WORDS = {
    "cannot_log_in": "cannot log in",
    "cannot_reach": "cannot reach",
    "certificate_not_trusted": "certificate not trusted",
    "pin_mismatch": "pin mismatch",
    "needs_pin": "certificate not pinned yet",
    "not_permitted": "not permitted",
    "password_needed": "password needed",
    "incomplete": "profile incomplete",
    "server_error": "server error",
    "link_failed": "link failed",
    "untrusted_psc": "PSC certificate not trusted",
    "cancelled": "cancelled",
    "broken_profile": "broken in config.toml",
}

#: Asked for a password typed by a person: (user, server) -> the password, or None if not given.
AskPassword = Callable[[str, str], Awaitable[str | None]]
#: Asked whether to trust a PSC's offered certificate: (PSC host:port, offer) -> trust?
AskTrust = Callable[[str, "CertificateInfo", "PscCheck"], Awaitable[bool]]


@dataclass(frozen=True)
class FleetLink:
    link: str
    domain: str
    health: str  # HEALTHY, UNHEALTHY, or "unknown"
    message: str = ""  # the health message, rendered, when UNHEALTHY

    def as_json(self) -> dict[str, Any]:
        return {"link": self.link, "domain": self.domain, "health": self.health,
                "health_message": self.message or None}


@dataclass(frozen=True)
class FleetRow:
    """One profile as the fleet shows it; every text in it is printable already."""

    profile: str
    server: str
    state: str = WAITING
    links: tuple[FleetLink, ...] = ()
    checked_at: str = ""  # ISO 8601 UTC, when the answer arrived
    last_link: str = ""  # the last link attempt in the history: "time status detail"
    problem: str = ""  # in words: "cannot reach: ..."
    kind: str = ""  # a key of PROBLEM_WORDS
    outcome: str = ""  # what linking from the fleet did to this row

    @property
    def done(self) -> bool:
        return self.state not in (WAITING, CHECKING, LINKING)

    @property
    def failed(self) -> bool:
        return self.state in (PROBLEM, UNHEALTHY)

    @property
    def domains(self) -> str:
        return ", ".join(link.domain for link in self.links)

    @property
    def health(self) -> str:
        return ", ".join(link.health for link in self.links)

    def sort_key(self) -> tuple[int, str]:
        return _RANK.get(self.state, 9), self.profile

    def as_json(self) -> dict[str, Any]:
        """The row for `hvctui status --json` and the screen's copy: the same values."""
        return {"profile": self.profile, "server": self.server, "state": self.state,
                "links": [link.as_json() for link in self.links],
                "checked_at": self.checked_at or None, "last_link": self.last_link or None,
                "problem": self.problem or None, "problem_kind": self.kind or None,
                "outcome": self.outcome or None}

    def with_problem(self, kind: str, detail: str, **changes: Any) -> FleetRow:
        words = PROBLEM_WORDS.get(kind, kind)
        text = f"{words}: {one_line(detail, 200)}" if detail else words
        return replace(self, state=PROBLEM, kind=kind, problem=text, **changes)


def sort_rows(rows: list[FleetRow]) -> list[FleetRow]:
    """Problems first (then unhealthy links, unlinked, healthy, pending), by name within."""
    return sorted(rows, key=FleetRow.sort_key)


def counts(rows: list[FleetRow]) -> dict[str, int]:
    done = sum(r.done for r in rows)
    return {"total": len(rows), "done": done, "failed": sum(r.failed for r in rows),
            "remaining": len(rows) - done}


def problem_of(error: BaseException) -> tuple[str, str]:
    """(kind, detail) for an error met while checking or linking a profile."""
    if isinstance(error, NotReady):
        if any(p.field in ("password", "psc_password") for p in error.problems):
            return "password_needed", "; ".join(str(p) for p in error.problems)
        return "incomplete", "; ".join(str(p) for p in error.problems)
    if isinstance(error, TlsError):
        return ("pin_mismatch" if error.kind == "pin_mismatch" else "certificate_not_trusted",
                error.message)
    if isinstance(error, NetworkError):
        return "cannot_reach", error.message or error.title
    if isinstance(error, (TimeoutError, asyncio.TimeoutError)):
        return "cannot_reach", "no answer in time"
    if isinstance(error, BadOffer):
        return "untrusted_psc", error.message
    if isinstance(error, ServerError):
        if error.error_type is ErrorType.UNAUTHENTICATED:
            return "cannot_log_in", error.message or error.title
        if error.error_type is ErrorType.UNAUTHORIZED:
            return "not_permitted", error.message or error.title
        if error.error_type is ErrorType.UNVERIFIED_PEER:
            return "untrusted_psc", error.message or error.title
        return "server_error", f"{error.title}: {error.message}" if error.message else error.title
    if isinstance(error, HvcError):
        return "server_error", f"{error.title}: {error.message}" if error.message else error.title
    return "server_error", f"unexpected failure ({type(error).__name__})"


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def checked_at_text(row: FleetRow, tz: tzinfo | None = None) -> str:
    """When the row was checked, as a clock time in `tz` (the screen's and CLI's column)."""
    if not row.checked_at:
        return ""
    moment = datetime.strptime(row.checked_at, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=timezone.utc)
    return moment.astimezone(tz).strftime("%H:%M:%S") if tz else row.checked_at[11:19]


@dataclass
class Fleet:
    """Refreshes and links many profiles through one Service; typed passwords kept in memory
    for this object's life only (a TUI session, one `hvctui status`)."""

    service: Service
    concurrency: int = DEFAULT_CONCURRENCY
    timeouts: Timeouts = Timeouts()
    tz: tzinfo | None = None
    #: Asked once per (user, server) for a password whose source is "prompt"; None: not asked.
    ask_password: AskPassword | None = None
    _passwords: dict[tuple[str, str], Secret | None] = field(default_factory=dict)
    _password_locks: dict[tuple[str, str], asyncio.Lock] = field(default_factory=dict)
    _asking: asyncio.Lock = field(default_factory=asyncio.Lock)

    def __post_init__(self) -> None:
        self.concurrency = max(1, min(int(self.concurrency), MAX_CONCURRENCY))

    # --- rows before any answer ----------------------------------------------------------

    def pending_rows(self, profiles: dict[str, Profile], names: list[str] | None = None
                     ) -> list[FleetRow]:
        last = self.last_links()
        return [FleetRow(one_line(name, 80), one_line(profiles[name].server, 120),
                         last_link=last.get(name, "")) for name in (names or list(profiles))
                if name in profiles]

    def last_links(self) -> dict[str, str]:
        """The newest link attempt of each profile in the history, as a short line."""
        last: dict[str, str] = {}
        for entry in self.service.history.read(limit=5000):  # newest first
            if entry.call == "link" and entry.profile not in last:
                detail = f" {entry.detail}" if entry.detail else ""
                last[entry.profile] = one_line(f"{entry.time} {entry.status}{detail}", 160)
        return last

    # --- passwords ------------------------------------------------------------------------

    async def _typed(self, source: str, env: str, user: str, server: str) -> str:
        """A password to type for (user, server), asked once and kept; "" if none needed."""
        if source != "prompt" or os.environ.get(env):
            return ""
        key = (user.lower(), server.lower())
        lock = self._password_locks.setdefault(key, asyncio.Lock())
        async with lock:
            if key not in self._passwords:
                async with self._asking:  # one question at a time
                    given = (await self.ask_password(user, server) if self.ask_password
                             else None)
                self._passwords[key] = Secret(given) if given else None
        secret = self._passwords[key]
        return secret.get_secret_value() if secret else ""

    async def _call(self, name: str, profile: Profile, need_spec: bool) -> Call:
        typed = {"password": await self._typed(profile.password_source, PASSWORD_ENV,
                                               profile.user, profile.server)}
        if need_spec:
            typed["psc_password"] = await self._typed(
                profile.psc_password_source, PSC_PASSWORD_ENV, profile.psc_user,
                f"{profile.psc_hostname}:{profile.psc_port or 443}")
        return prepare(name, profile, {}, need_spec=need_spec,
                       typed={k: v for k, v in typed.items() if v}, timeouts=self.timeouts,
                       allow_first_use_pin=True)

    # --- refresh --------------------------------------------------------------------------

    async def _check(self, row: FleetRow, call: Call) -> FleetRow:
        shown, _ = await self.service.links(call, tz=self.tz)
        links = tuple(FleetLink(s.link, s.display_name, s.health, s.message) for s in shown)
        state = (UNLINKED if not links else
                 UNHEALTHY if any(link.health != "HEALTHY" and link.health != "unknown"
                                  for link in links) else LINKED)
        return replace(row, state=state, links=links, checked_at=_now(), problem="", kind="")

    async def _refresh_one(self, row: FleetRow, profile: Profile, gate: asyncio.Semaphore,
                           out: asyncio.Queue[FleetRow]) -> FleetRow:
        try:
            call = await self._call(row.profile, profile, need_spec=False)
        except NotReady as error:
            return row.with_problem(*problem_of(error), checked_at=_now())
        if call.needs_pin:
            return row.with_problem("needs_pin", "TLS mode is pinned and nothing is pinned; "
                                    "open the profile and link once to pin its certificate",
                                    checked_at=_now())
        async with gate:
            await out.put(replace(row, state=CHECKING))
            try:
                return await self._check(row, call)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - each row reports its own failure
                return row.with_problem(*problem_of(error), checked_at=_now(), links=())

    async def refresh(self, profiles: dict[str, Profile], names: list[str] | None = None
                      ) -> AsyncIterator[FleetRow]:
        """Each profile's row as its answer arrives (a CHECKING row first when its call
        starts). At most `concurrency` calls at once; closing or cancelling the iteration
        cancels every call still in flight (each logs out on its way out)."""
        rows = self.pending_rows(profiles, names)
        jobs = [(row, profiles[name]) for row, name in
                zip(rows, [n for n in (names or list(profiles)) if n in profiles])]
        async for row in self._run(jobs, self._refresh_one):
            yield row

    async def _run(self, jobs: list[tuple[FleetRow, Profile]],
                   work: Callable[..., Awaitable[FleetRow]]) -> AsyncIterator[FleetRow]:
        gate = asyncio.Semaphore(self.concurrency)
        out: asyncio.Queue[FleetRow] = asyncio.Queue()

        async def one(row: FleetRow, profile: Profile) -> None:
            try:
                result = await work(row, profile, gate, out)
            except Exception as error:  # noqa: BLE001 - a defect costs its row, not the fleet
                result = row.with_problem(*problem_of(error), checked_at=_now())
            await out.put(result)

        tasks = [asyncio.create_task(one(row, profile)) for row, profile in jobs]
        finished = 0
        try:
            while finished < len(tasks):
                row = await out.get()
                if row.done:
                    finished += 1
                yield row
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    # --- linking many ---------------------------------------------------------------------

    async def link(self, profiles: dict[str, Profile], names: list[str], decide: AskTrust,
                   rows: dict[str, FleetRow] | None = None) -> AsyncIterator[FleetRow]:
        """Link each named profile with its own spec (Service.link, recorded in the history),
        at the same bound; each row comes back with its outcome and its links checked again.

        An UNVERIFIED_PEER answer is decided once per PSC and offered thumbprint: the same
        PSC offered twice is asked about once, and the answer given to both."""
        decisions: dict[tuple[str, str], asyncio.Future[bool]] = {}
        asking = asyncio.Lock()  # one question on screen at a time

        async def decide_once(psc: str, offered: CertificateInfo, check: PscCheck) -> bool:
            from hvctui.vapi.checks import normalize_thumbprint

            try:
                key = (psc.lower(), normalize_thumbprint(offered.ssl_thumbprint))
            except ValueError:
                key = (psc.lower(), offered.ssl_thumbprint)
            if key not in decisions:
                future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
                decisions[key] = future
                try:
                    async with asking:
                        future.set_result(bool(await decide(psc, offered, check)))
                finally:
                    if not future.done():
                        future.set_result(False)  # the question failed: not trusted
            return await asyncio.shield(decisions[key])

        known = rows or {}
        base = {r.profile: r for r in self.pending_rows(profiles, names)}
        jobs = [(known.get(name, base[name]), profiles[name]) for name in names
                if name in profiles]

        async def link_one(row: FleetRow, profile: Profile, gate: asyncio.Semaphore,
                           out: asyncio.Queue[FleetRow]) -> FleetRow:
            try:
                call = await self._call(row.profile, profile, need_spec=True)
            except NotReady as error:
                kind, detail = problem_of(error)
                return row.with_problem(kind, detail, outcome=f"not linked: "
                                        f"{PROBLEM_WORDS[kind]}")
            if call.needs_pin:
                return row.with_problem("needs_pin", "link it from the main screen first, "
                                        "to pin its certificate", outcome="not linked")
            assert call.spec is not None
            psc = f"{call.spec.psc_hostname}:{call.spec.port or 443}"
            async with gate:
                await out.put(replace(row, state=LINKING, outcome="linking..."))
                try:
                    outcome = await self.service.link(
                        call, lambda offered, check: decide_once(psc, offered, check))
                except asyncio.CancelledError:
                    raise
                except Exception as error:  # noqa: BLE001 - each row its own outcome
                    kind, detail = problem_of(error)
                    if kind == "server_error":
                        kind = "link_failed"
                    failed = row.with_problem(kind, detail)
                    return replace(failed, outcome=f"not linked: {failed.problem}",
                                   last_link=self.last_links().get(row.profile, ""))
                done = f"linked {one_line(outcome.spec.domain_name, 80)}: " \
                       f"link {one_line(outcome.link_id, 80)}"
                try:
                    checked = await self._check(row, call)
                except Exception:  # noqa: BLE001 - the link stands; the check is a bonus
                    checked = replace(row, state=LINKED, checked_at=_now(), problem="", kind="")
                return replace(checked, outcome=done,
                               last_link=self.last_links().get(row.profile, ""))

        async for row in self._run(jobs, link_one):
            yield row


def status_payload(rows: list[FleetRow]) -> dict[str, Any]:
    """`hvctui status --json`: every row in the screen's order, and the counts."""
    ordered = sort_rows(rows)
    return {"ok": not any(r.failed for r in ordered), "counts": counts(ordered),
            "rows": [r.as_json() for r in ordered]}


def table_lines(rows: list[FleetRow], tz: tzinfo | None = None) -> list[str]:
    """The status table as plain lines (the CLI prints them; problems first)."""
    header = ("PROFILE", "STATE", "CLOUD VCENTER", "DOMAIN", "HEALTH", "CHECKED", "PROBLEM")
    cells = [header]
    for row in sort_rows(rows):
        health = row.health
        unhealthy = "; ".join(f"{link.domain}: {link.message}" for link in row.links
                              if link.message)
        cells.append((row.profile, row.state, row.server, row.domains or "-", health or "-",
                      checked_at_text(row, tz) or "-", row.problem or unhealthy))
    widths = [min(max(len(one_line(r[i])) for r in cells), 40) for i in range(len(header) - 1)]
    lines = []
    for r in cells:
        first = [one_line(c, 40).ljust(w) for c, w in zip(r[:-1], widths)]
        lines.append("  ".join([*first, one_line(r[-1], 200)]).rstrip())
    return lines
