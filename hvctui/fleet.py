"""The fleet: every profile's links at a glance, refreshed concurrently; linking many at once.

A use case beside hvctui/service.py, written once for both faces (the TUI's fleet screen and
`hvctui status`): it prepares each profile's call with `service.prepare`, runs it over the same
async flows (one session per vCenter, logged out after), at most `concurrency` at a time, and
hands back one `FleetRow` per profile as answers arrive. It never imports Textual.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone, tzinfo
from typing import TYPE_CHECKING, Any

from hvctui.profiles.credentials import (
    CredentialKey,
    PasswordUnavailable,
    overrides_note,
    psc_key,
    vcenter_key,
)
from hvctui.profiles.history import now_text
from hvctui.profiles.store import Profile
from hvctui.service import Call, NotReady, Service, missing_values
from hvctui.vapi import (
    HvcError,
    InputError,
    Secret,
    Timeouts,
    normalize_thumbprint,
    one_line,
)

if TYPE_CHECKING:
    from hvctui.vapi import CertificateInfo, PscCheck

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

#: What a row of a profile with `tls = "insecure"` says, wherever it is shown.
INSECURE_WORDS = "TLS NOT VERIFIED (insecure)"

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
    #: The profile's TLS mode is insecure: its vCenter's certificate is not checked, and
    #: every row and line that talks to it says so.
    insecure: bool = False

    @property
    def done(self) -> bool:
        return self.state not in (WAITING, CHECKING, LINKING)

    @property
    def failed(self) -> bool:
        """Nothing could be learnt or done: no answer, no login, an error (not an unhealthy
        link: that is an answer)."""
        return self.state == PROBLEM

    @property
    def unhealthy(self) -> bool:
        """The vCenter answered, and a link reports UNHEALTHY."""
        return self.state == UNHEALTHY

    @property
    def fine(self) -> bool:
        """Checked, and nothing that needs a look (no failure, no unhealthy link)."""
        return not (self.failed or self.unhealthy)

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
                "outcome": self.outcome or None, "tls_insecure": self.insecure}

    def with_problem(self, kind: str, detail: str, **changes: Any) -> FleetRow:
        words = PROBLEM_WORDS.get(kind, kind)
        text = f"{words}: {one_line(detail, 240)}" if detail else words
        return replace(self, state=PROBLEM, kind=kind, problem=text, **changes)


def broken_row(name: str, problems: list[Any], file_name: str) -> FleetRow:
    """The row of a profile the config could not load: a problem, with where and why (the
    same row in `status` and on the fleet screen: never left out, never "all well")."""
    prefix = f"profiles.{name}."

    def short(problem: Any) -> str:
        key = problem.key[len(prefix):] if problem.key.startswith(prefix) else problem.key
        line = f" (line {problem.line})" if problem.line else ""
        return f"{key or name}{line}: {problem.reason}"

    why = "; ".join(short(p) for p in problems) or "not a valid table"
    return replace(FleetRow(one_line(name, 80), ""), state=PROBLEM, kind="broken_profile",
                   problem=f"broken in {one_line(file_name, 80)}: {one_line(why, 400)}")


def sort_rows(rows: list[FleetRow]) -> list[FleetRow]:
    """Problems first (then unhealthy links, unlinked, healthy, pending), by name within."""
    return sorted(rows, key=FleetRow.sort_key)


def counts(rows: list[FleetRow]) -> dict[str, int]:
    """What happened, each row counted once: failed (no answer, no login, an error) and
    unhealthy (a link reports UNHEALTHY) apart."""
    done = sum(r.done for r in rows)
    return {"total": len(rows), "done": done, "failed": sum(r.failed for r in rows),
            "unhealthy": sum(r.unhealthy for r in rows), "remaining": len(rows) - done}


def counts_words(c: dict[str, int]) -> str:
    """"1 failed, 1 unhealthy": the header's and `status`'s words for the counts."""
    return f"{c['failed']} failed, {c['unhealthy']} unhealthy"


def problem_of(error: BaseException) -> tuple[str, str]:
    """(kind, detail) for an error met while checking or linking a profile."""
    if isinstance(error, HvcError):
        return error.fleet_problem, error.fleet_detail
    if isinstance(error, (TimeoutError, asyncio.TimeoutError)):
        return "cannot_reach", "no answer in time"
    return "server_error", f"unexpected failure ({type(error).__name__})"


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
    _asked: set[CredentialKey] = field(default_factory=set)
    _password_locks: dict[CredentialKey, asyncio.Lock] = field(default_factory=dict)
    _asking: asyncio.Lock = field(default_factory=asyncio.Lock)
    #: Keys whose password a server took in this run; until then one call at a time tries one.
    _proven: set[CredentialKey] = field(default_factory=set)
    _trying: dict[CredentialKey, asyncio.Lock] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.concurrency = max(1, min(int(self.concurrency), MAX_CONCURRENCY))

    # --- rows before any answer ----------------------------------------------------------

    def pending_rows(self, profiles: dict[str, Profile], names: list[str] | None = None
                     ) -> list[FleetRow]:
        last = self.last_links()
        return [FleetRow(one_line(name, 80), one_line(profiles[name].server, 120),
                         last_link=last.get(name, ""),
                         insecure=profiles[name].tls == "insecure")
                for name in (names or list(profiles)) if name in profiles]

    def last_links(self) -> dict[str, str]:
        """The newest link attempt of each profile in the history, as a short line."""
        last: dict[str, str] = {}
        for entry in self.service.history.read(limit=5000):  # newest first
            if entry.call == "link" and entry.profile not in last:
                detail = entry.detail
                if detail.split(" ", 1)[0] == entry.status:  # a failure's title starts with it
                    detail = detail[len(entry.status):].lstrip()
                detail = f" {detail}" if detail else ""
                last[entry.profile] = one_line(f"{entry.time} {entry.status}{detail}", 160)
        return last

    # --- passwords ------------------------------------------------------------------------

    @staticmethod
    def overrides_note(profiles: dict[str, Profile], what: str = "the fleet") -> str:
        """Said once when HVCTUI_PASSWORD / HVCTUI_PSC_PASSWORD are set: the fleet ignores
        them (each would reach every profile's server) unless a profile names one as its own
        source."""
        return overrides_note(what, profiles.values())

    async def _ask(self, key: CredentialKey, source: str) -> None:
        """Ask a person once for the password of `key` when its source is `prompt` and this
        process holds none; the answer is held for that key (every screen reuses it)."""
        credentials = self.service.credentials
        if source != "prompt" or credentials.held(key) is not None:
            return
        if not (key.user.isprintable() and key.server.isprintable()):
            return  # a profile prepare refuses anyway: nobody is asked for its password
        lock = self._password_locks.setdefault(key, asyncio.Lock())
        async with lock:
            if credentials.held(key) is not None or key in self._asked:
                return
            self._asked.add(key)
            if self.ask_password is None:
                return  # prepare says there is no one to ask
            async with self._asking:  # one question at a time
                given = await self.ask_password(key.user, key.server)
            if not given:
                credentials.decline(key)
                return
            try:
                credentials.remember(key, Secret(given))
            except PasswordUnavailable:  # the same one the server refused: not sent again
                credentials.decline(key, "the one typed was refused by the server earlier in "
                                    "this session, so it was not sent again")

    async def _call(self, name: str, profile: Profile, need_spec: bool,
                    ask: bool = True) -> Call:
        # An incomplete profile is said to be so, naming what is missing, before anyone is
        # asked a password (for an empty user at an empty server).
        lacking = missing_values(profile, need_spec=need_spec)
        if lacking:
            raise NotReady(lacking)
        if ask:
            await self._ask(vcenter_key(profile), profile.password_source)
        if need_spec and ask:
            await self._ask(psc_key(profile), profile.psc_password_source)
        return self.service.prepare(name, profile, {}, need_spec=need_spec,
                                    timeouts=self.timeouts, allow_first_use_pin=True)

    async def _one_try(self, keys: list[CredentialKey],
                       attempt: Callable[[], Awaitable[FleetRow]]) -> FleetRow:
        """`attempt()` while no other call tries a password of `keys` that no server has taken
        yet in this run: every call is prepared before any answer, so profiles sharing a user
        and server would each send a password the first one had refused (SSO locks an account
        after three failures). The next prepares after it, and a refused one is not sent."""
        async with AsyncExitStack() as stack:
            for key in sorted(set(keys), key=str):
                lock = self._trying.setdefault(key, asyncio.Lock())
                if key in self._proven:
                    continue
                await lock.acquire()
                if key in self._proven:  # taken while this call waited: the rest run side by side
                    lock.release()
                else:
                    stack.callback(lock.release)
            row = await attempt()
            if not row.kind:  # no problem: the servers took them
                self._proven.update(keys)
            return row

    # --- refresh --------------------------------------------------------------------------

    async def _check(self, row: FleetRow, call: Call) -> FleetRow:
        shown, _ = await self.service.links(call, tz=self.tz)
        links = tuple(FleetLink(s.link, s.display_name, s.health, s.message) for s in shown)
        state = (UNLINKED if not links else
                 UNHEALTHY if any(link.health != "HEALTHY" and link.health != "unknown"
                                  for link in links) else LINKED)
        return replace(row, state=state, links=links, checked_at=now_text(), problem="", kind="")

    async def _refresh_tried(self, row: FleetRow, profile: Profile, gate: asyncio.Semaphore,
                             out: asyncio.Queue[FleetRow], ask: bool) -> FleetRow:
        try:
            call = await self._call(row.profile, profile, need_spec=False, ask=ask)
        except NotReady as error:
            return row.with_problem(*problem_of(error), checked_at=now_text())
        if call.needs_pin:
            return row.with_problem("needs_pin", "TLS mode is pinned and nothing is pinned; "
                                    "open the profile and link once to pin its certificate",
                                    checked_at=now_text())
        async with gate:
            await out.put(replace(row, state=CHECKING))
            try:
                return await self._check(row, call)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - each row reports its own failure
                return row.with_problem(*problem_of(error), checked_at=now_text(), links=())

    async def refresh(self, profiles: dict[str, Profile], names: list[str] | None = None,
                      *, ask: bool = True) -> AsyncIterator[FleetRow]:
        """Each profile's row as its answer arrives (a CHECKING row first when its call
        starts). At most `concurrency` calls at once; closing or cancelling the iteration
        cancels every call still in flight (each logs out on its way out). `ask=False`: no
        password question (a row checked again after another screen's call)."""
        if ask:
            self._asked.clear()  # a question skipped before is asked again on a new refresh
        self._proven.clear()
        rows = self.pending_rows(profiles, names)
        jobs = [(row, profiles[name]) for row, name in
                zip(rows, [n for n in (names or list(profiles)) if n in profiles])]

        async def one(row: FleetRow, profile: Profile, gate: asyncio.Semaphore,
                      out: asyncio.Queue[FleetRow]) -> FleetRow:
            return await self._one_try([vcenter_key(profile)], lambda: self._refresh_tried(
                row, profile, gate, out, ask))

        async for row in self._run(jobs, one):
            yield row

    async def _run(self, jobs: list[tuple[FleetRow, Profile]],
                   work: Callable[..., Awaitable[FleetRow]]) -> AsyncIterator[FleetRow]:
        gate = asyncio.Semaphore(self.concurrency)
        out: asyncio.Queue[FleetRow] = asyncio.Queue()

        async def one(row: FleetRow, profile: Profile) -> None:
            try:
                result = await work(row, profile, gate, out)
            except Exception as error:  # noqa: BLE001 - a defect costs its row, not the fleet
                result = row.with_problem(*problem_of(error), checked_at=now_text())
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
        self._asked.clear()
        self._proven.clear()
        decisions: dict[tuple[str, str], asyncio.Future[bool]] = {}
        asking = asyncio.Lock()  # one question on screen at a time

        async def decide_once(psc: str, offered: CertificateInfo, check: PscCheck) -> bool:
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
            return await self._one_try([vcenter_key(profile), psc_key(profile)],
                                       lambda: link_tried(row, profile, gate, out))

        async def link_tried(row: FleetRow, profile: Profile, gate: asyncio.Semaphore,
                             out: asyncio.Queue[FleetRow]) -> FleetRow:
            try:
                call = await self._call(row.profile, profile, need_spec=True)
            except NotReady as error:
                # An attempt that sent nothing is an attempt: in the history, as the form's.
                self.service.record_not_sent(row.profile, profile.server, "link", error)
                kind, detail = problem_of(error)
                return row.with_problem(kind, detail, outcome=f"not linked: "
                                        f"{PROBLEM_WORDS[kind]}",
                                        last_link=self.last_links().get(row.profile, ""))
            if call.needs_pin:
                why = "link it from the main screen first, to pin its certificate"
                self.service.record_not_sent(row.profile, profile.server, "link", InputError(
                    f"TLS mode is pinned and nothing is pinned yet: {why}",
                    field="pin_sha256"))
                return row.with_problem("needs_pin", why, outcome="not linked",
                                        last_link=self.last_links().get(row.profile, ""))
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
                    checked = replace(row, state=LINKED, checked_at=now_text(), problem="", kind="")
                return replace(checked, outcome=done,
                               last_link=self.last_links().get(row.profile, ""))

        async for row in self._run(jobs, link_one):
            yield row


def status_payload(rows: list[FleetRow]) -> dict[str, Any]:
    """`hvctui status --json`: every row in the screen's order, and the counts."""
    ordered = sort_rows(rows)
    return {"ok": all(r.fine for r in ordered), "counts": counts(ordered),
            "rows": [r.as_json() for r in ordered]}


def linked(row: FleetRow) -> bool:
    """Whether linking this row succeeded (its check after may still find it unhealthy)."""
    return row.done and row.state not in (PROBLEM, CANCELLED)


def link_payload(rows: list[FleetRow]) -> dict[str, Any]:
    """`hvctui link --profile a --profile b --json`: the rows in the order asked, the same
    row values as status; ok only if every profile was linked."""
    done = sum(linked(r) for r in rows)
    return {"ok": bool(rows) and done == len(rows),
            "counts": {"total": len(rows), "linked": done, "not_linked": len(rows) - done},
            "rows": [r.as_json() for r in rows]}


def table_lines(rows: list[FleetRow], tz: tzinfo | None = None, width: int = 0,
                left_out: list[str] | None = None) -> list[str]:
    """The status table as plain lines (the CLI prints them; problems first).

    With `width` (the terminal's), every line fits in it, so that a terminal never wraps a row
    mid-word: first a column that holds no value in any row (every cell `-`) is left out (its
    heading added to `left_out`, for the face to say so); then the cells are cut, with "…",
    the least telling first (the vCenter, domain, health, time, profile name beyond 24
    characters), the PROBLEM after them and the STATE last: they are what the table is read
    for."""
    header = ("PROFILE", "STATE", "CLOUD VCENTER", "DOMAIN", "HEALTH", "CHECKED", "PROBLEM")
    cells = [header]
    for row in sort_rows(rows):
        health = row.health
        unhealthy = "; ".join(f"{link.domain}: {link.message}" for link in row.links
                              if link.message)
        problem = "; ".join(p for p in (INSECURE_WORDS if row.insecure else "",
                                        row.problem or unhealthy) if p)
        cells.append((row.profile, row.state, row.server, row.domains or "-", health or "-",
                      checked_at_text(row, tz) or "-", problem))
    texts = [[one_line(c) for c in r] for r in cells]
    problem_at = len(header) - 1
    widths = [min(max(len(r[i]) for r in texts), 200 if i == problem_at else 40)
              for i in range(len(header))]
    # Each column keeps its heading's width, the profile's name up to 24 characters (it is
    # what a row is read by), a server up to 16 (an address and port, whole) and the time
    # whole (HH:MM:SS: a time cut says nothing).
    keep = {0: 24, 2: 16, 5: 8}
    floors = [max(len(h), min(w, keep.get(i, 0)))
              for i, (h, w) in enumerate(zip(header, widths))]
    shown = list(range(len(header)))

    def too_wide() -> bool:
        return bool(width) and sum(widths[i] for i in shown) + 2 * (len(shown) - 1) > width

    if too_wide():
        empty = [i for i in range(2, len(header))  # never the profile or its state
                 if len(texts) > 1 and all(r[i] in ("-", "") for r in texts[1:])]
        shown = [i for i in shown if i not in empty]
        if left_out is not None:
            left_out.extend(header[i] for i in empty)
    state_at = 1
    for group in ([i for i in shown if i not in (state_at, problem_at)], [problem_at],
                  [state_at]):
        while too_wide():
            cuttable = [i for i in group if i in shown and widths[i] > floors[i]]
            if not cuttable:
                break  # this group is at its headings: cut the next one
            widest = max(cuttable, key=lambda i: widths[i] - floors[i])
            widths[widest] -= 1
    return ["  ".join((r[i] if len(r[i]) <= widths[i] else r[i][:widths[i] - 1] + "…")
                      .ljust(widths[i]) for i in shown).rstrip() for r in texts]
