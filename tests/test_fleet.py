"""The fleet use case: many profiles refreshed concurrently, problems first, linking many."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from hvctui.fleet import (
    CHECKING,
    LINKED,
    PROBLEM,
    UNHEALTHY,
    UNLINKED,
    Fleet,
    FleetRow,
    sort_rows,
)
from hvctui.profiles.history import History
from hvctui.profiles.store import ConfigStore, Profile
from hvctui.service import Service
from hvctui.sim.fleet import SimFleet, add_link, unused_address
from hvctui.sim.world import World
from tests.tui_support import PASSWORD, PW_ENV, corp_profile


@pytest.fixture(autouse=True)
def password_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PW_ENV, PASSWORD)


def service(tmp_path: Path) -> Service:
    return Service(ConfigStore(tmp_path / "config.toml"), History(tmp_path / "history.jsonl"))


@contextlib.contextmanager
def fleet_sim(worlds: list[World]) -> Iterator[SimFleet]:
    with SimFleet(worlds) as sims:
        yield sims


def profile_at(sims: SimFleet, i: int, **changes: object) -> Profile:
    vc = sims.vcenters[i]
    return corp_profile(vc.server, pin=vc.info.sha256, **changes)


async def final_rows(fleet: Fleet, profiles: dict[str, Profile]) -> dict[str, FleetRow]:
    rows: dict[str, FleetRow] = {}
    async for row in fleet.refresh(profiles):
        rows[row.profile] = row
    return rows


class SessionCounter:
    """Counts a world's sessions as they open and close: the most open at once, and now."""

    def __init__(self, world: World) -> None:
        self.open = self.peak = 0
        login, logout = world.login, world.logout

        def counted_login(user: str, password: str, lang: str | None) -> str:
            token = login(user, password, lang)
            self.open += 1
            self.peak = max(self.peak, self.open)
            return token

        def counted_logout(token: str) -> None:
            known = token in world.sessions
            logout(token)
            self.open -= known

        world.login = counted_login  # type: ignore[method-assign]
        world.logout = counted_logout  # type: ignore[method-assign]


async def test_refresh_keeps_at_most_the_configured_number_of_sessions_open(
        tmp_path: Path) -> None:
    world = World(seed=1)
    world.faults.update({"latency_ms": 40})
    sessions = SessionCounter(world)
    with fleet_sim([world]) as sims:
        profiles = {f"p{i:02}": profile_at(sims, 0) for i in range(12)}
        rows = await final_rows(Fleet(service(tmp_path), concurrency=3), profiles)
        assert sessions.peak <= 3
        assert sessions.peak >= 2  # it did run calls side by side
        assert sessions.open == 0  # every session logged out
        assert world.stats.logins == 12
    assert {r.state for r in rows.values()} == {UNLINKED}


async def test_a_dead_vcenter_delays_only_its_own_row(tmp_path: Path) -> None:
    dead = World(seed=2)
    dead.faults.update({"latency_ms": 3_600_000})  # answers never come
    worlds = [dead, World(seed=3), World(seed=4)]
    with fleet_sim(worlds) as sims:
        profiles = {"a-dead": profile_at(sims, 0)}
        profiles |= {f"ok{i}": profile_at(sims, 1 + i % 2) for i in range(5)}
        fleet = Fleet(service(tmp_path), concurrency=2)
        seen: dict[str, FleetRow] = {}
        rows = fleet.refresh(profiles)
        async with contextlib.aclosing(rows):
            async for row in rows:
                seen[row.profile] = row
                if all(seen.get(f"ok{i}", row).done and f"ok{i}" in seen for i in range(5)):
                    break
        assert seen["a-dead"].state == CHECKING  # still waiting on its answer
        assert all(seen[f"ok{i}"].state == UNLINKED for i in range(5))


async def test_rows_name_their_problem_and_problems_sort_first(tmp_path: Path) -> None:
    unhealthy = World(seed=5)
    unhealthy.faults.update({"unhealthy": True})
    add_link(unhealthy)
    linked = World(seed=6)
    add_link(linked)
    with fleet_sim([World(seed=7), unhealthy, linked]) as sims:
        other_pin = sims.vcenters[1].info.sha256
        profiles = {
            "a-fine": profile_at(sims, 0),
            "b-linked": profile_at(sims, 2),
            "c-unhealthy": profile_at(sims, 1),
            "d-unreachable": corp_profile(unused_address(), pin="AA:" * 31 + "AA"),
            "e-wrong-password": profile_at(sims, 0, user="nobody@vmc.local"),
            "f-pin-mismatch": corp_profile(sims.vcenters[0].server, pin=other_pin),
            "g-no-pin": profile_at(sims, 0, pin_sha256=""),
            "h-typed": profile_at(sims, 0, password_source="prompt"),
        }
        profiles["g-no-pin"] = Profile(**{**profiles["g-no-pin"].as_dict(), "tls": "pinned"})
        rows = await final_rows(Fleet(service(tmp_path)), profiles)
    assert rows["a-fine"].state == UNLINKED
    assert rows["b-linked"].state == LINKED and rows["b-linked"].domains == "corp.local"
    assert rows["c-unhealthy"].state == UNHEALTHY
    assert rows["c-unhealthy"].links[0].message  # the health message, rendered
    kinds = {name: row.kind for name, row in rows.items() if row.state == PROBLEM}
    assert kinds == {"d-unreachable": "cannot_reach", "e-wrong-password": "cannot_log_in",
                     "f-pin-mismatch": "pin_mismatch", "g-no-pin": "needs_pin",
                     "h-typed": "password_needed"}
    assert rows["d-unreachable"].problem.startswith("cannot reach: ")
    order = [r.profile for r in sort_rows(list(rows.values()))]
    assert order[:5] == ["d-unreachable", "e-wrong-password", "f-pin-mismatch", "g-no-pin",
                         "h-typed"]
    assert order[5:] == ["c-unhealthy", "a-fine", "b-linked"]


async def test_a_typed_password_is_asked_once_per_user_and_server(tmp_path: Path) -> None:
    asked: list[tuple[str, str]] = []

    async def ask(user: str, server: str) -> str | None:
        asked.append((user, server))
        return PASSWORD

    with fleet_sim([World(seed=8), World(seed=9)]) as sims:
        profiles = {f"p{i}": profile_at(sims, i % 2, password_source="prompt")
                    for i in range(6)}
        fleet = Fleet(service(tmp_path), ask_password=ask)
        rows = await final_rows(fleet, profiles)
        assert {r.state for r in rows.values()} == {UNLINKED}
        assert sorted(asked) == sorted(("cloudadmin@vmc.local", vc.server)
                                       for vc in sims.vcenters)
        await final_rows(fleet, profiles)  # kept for the session: not asked again
        assert len(asked) == 2


async def test_an_incomplete_profile_is_a_row_naming_what_is_missing_and_asks_nothing(
        tmp_path: Path) -> None:
    """No "Password for  at :" (an empty user at an empty server): the row says the profile
    is incomplete and what it lacks, for checking (status) and for linking alike."""
    asked: list[tuple[str, str]] = []

    async def ask(user: str, server: str) -> str | None:
        asked.append((user, server))
        return PASSWORD

    profiles = {"half": Profile(password_source="prompt", psc_hostname="psc.corp.local"),
                "nouser": Profile(server="vc.example.com", password_source="prompt")}
    fleet = Fleet(service(tmp_path), ask_password=ask)
    rows = await final_rows(fleet, profiles)
    assert asked == []
    assert rows["half"].kind == "incomplete" and "server" in rows["half"].problem
    assert "user" in rows["nouser"].problem and "server" not in rows["nouser"].problem

    async def decide(psc: str, offered: object, check: object) -> bool:
        return False

    linked = {row.profile: row async for row in fleet.link(profiles, list(profiles), decide)}
    assert asked == [] and "SSO domain" in linked["nouser"].problem


async def test_linking_many_asks_once_per_psc_and_each_row_shows_its_outcome(
        tmp_path: Path) -> None:
    worlds = [World(seed=10), World(seed=11), World(seed=12)]
    same = worlds[0].pscs["psc.corp.local"].thumbprint
    for world in worlds:  # one on-premises PSC, seen from three cloud vCenters
        world.pscs["psc.corp.local"].thumbprint = same
    asked: list[str] = []

    async def decide(psc: str, offered: object, check: object) -> bool:
        asked.append(psc)
        return True

    with fleet_sim(worlds) as sims:
        profiles = {f"p{i}": profile_at(sims, i) for i in range(3)}
        svc = service(tmp_path)
        rows: dict[str, FleetRow] = {}
        async for row in Fleet(svc).link(profiles, ["p0", "p2"], decide):
            rows[row.profile] = row
        assert asked == ["psc.corp.local:443"]
        assert worlds[0].links and worlds[2].links and not worlds[1].links
    assert rows["p0"].state == LINKED and rows["p0"].outcome.startswith("linked corp.local")
    assert rows["p2"].state == LINKED and rows["p2"].domains == "corp.local"
    assert "p1" not in rows
    assert rows["p0"].last_link.split()[1] == "ok"  # the history's last attempt
    assert [e.profile for e in svc.history.read()] == ["p2", "p0"] or \
        [e.profile for e in svc.history.read()] == ["p0", "p2"]


# --- hvctui status ------------------------------------------------------------------------


def write_profiles(folder: Path, profiles: dict[str, Profile]) -> Path:
    from tests.tui_support import write_config

    return write_config(folder, profiles)


def test_status_prints_the_table_and_exits_zero_when_every_row_is_fine(
        isolated_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from hvctui.cli import main

    linked = World(seed=20)
    add_link(linked)
    with fleet_sim([linked, World(seed=21)]) as sims:
        write_profiles(isolated_config, {"one": profile_at(sims, 0), "two": profile_at(sims, 1)})
        code = main(["status"])
    out, err = capsys.readouterr()
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["PROFILE", "STATE", "CLOUD"]
    assert lines[1].split()[:2] == ["two", "unlinked"]
    assert lines[2].split()[:2] == ["one", "linked"] and "corp.local" in lines[2]
    assert "2 profiles: 0 failed, 0 unhealthy." in err


def test_status_json_exits_one_on_a_problem_and_lists_problems_first(
        isolated_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from hvctui.cli import main

    unhealthy = World(seed=22)
    unhealthy.faults.update({"unhealthy": True})
    add_link(unhealthy)
    with fleet_sim([World(seed=23), unhealthy]) as sims:
        write_profiles(isolated_config, {
            "fine": profile_at(sims, 0), "sick": profile_at(sims, 1),
            "gone": corp_profile(unused_address(), pin="AB:" * 31 + "AB"),
            "other": profile_at(sims, 0)})
        code = main(["status", "--json", "--concurrency", "2", "--profile", "fine",
                     "--profile", "sick", "--profile", "gone"])
        payload = json.loads(capsys.readouterr().out)
        assert main(["status", "--profile", "fine", "--profile", "sick",
                     "--profile", "gone"]) == 1
        assert capsys.readouterr().err.endswith("3 profiles: 1 failed, 1 unhealthy.\n")
    assert code == 1 and payload["ok"] is False
    assert [r["profile"] for r in payload["rows"]] == ["gone", "sick", "fine"]
    gone, sick, fine = payload["rows"]
    assert gone["problem_kind"] == "cannot_reach" and gone["problem"].startswith("cannot reach")
    assert sick["state"] == "unhealthy" and sick["links"][0]["health"] == "UNHEALTHY"
    assert sick["links"][0]["health_message"]
    assert fine["state"] == "unlinked" and fine["problem"] is None
    # one failed (no answer), one unhealthy (an answer: a link reports UNHEALTHY)
    assert payload["counts"] == {"total": 3, "done": 3, "failed": 1, "unhealthy": 1,
                                 "remaining": 0}


def test_status_refuses_an_unknown_profile(isolated_config: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    from hvctui.cli import main

    write_profiles(isolated_config, {"one": corp_profile("127.0.0.1:9")})
    assert main(["status", "--profile", "nope"]) == 2
    assert "no profile named 'nope'" in capsys.readouterr().err


# --- the fleet screen ---------------------------------------------------------------------


async def test_fleet_screen_fills_in_problems_first_and_links_two_selected_rows(
        isolated_config: Path) -> None:
    from hvctui.tui.app import HvcApp
    from hvctui.tui.screens.dialogs import TrustScreen
    from hvctui.tui.screens.fleet import FleetScreen
    from tests.tui_support import wait_for_dialog, wait_until, write_config

    unhealthy = World(seed=30)
    unhealthy.faults.update({"unhealthy": True})
    add_link(unhealthy)
    worlds = [unhealthy, World(seed=31), World(seed=32)]
    same = worlds[1].pscs["psc.corp.local"].thumbprint
    worlds[2].pscs["psc.corp.local"].thumbprint = same
    with fleet_sim(worlds) as sims:
        path = write_config(isolated_config, {
            "alpha": profile_at(sims, 1), "beta": profile_at(sims, 2),
            "gamma": profile_at(sims, 0),
            "omega": corp_profile(unused_address(), pin="AC:" * 31 + "AC")})
        app = HvcApp(config_path=path)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("f6")
            await wait_until(pilot, lambda: isinstance(app.screen, FleetScreen))
            screen = app.screen
            assert isinstance(screen, FleetScreen)
            await wait_until(pilot, lambda: "0 remaining" in header(screen))
            await wait_until(pilot, lambda: screen.shown[0] == "omega" and not screen._dirty)
            # the unhealthy link is an answer, not a failure: counted apart
            assert "4 done  1 failed, 1 unhealthy  0 remaining" in header(screen)
            assert screen.shown == ["omega", "gamma", "alpha", "beta"]
            assert cell(screen, 0, 2) == "problem" and cell(screen, 0, 4).startswith(
                "cannot reach: ")
            assert cell(screen, 1, 2) == "unhealthy"
            assert cell(screen, 1, 4).startswith("corp.local UNHEALTHY: ")
            # the same values as `hvctui status --json` gives
            assert [r.as_json()["state"] for r in sort_rows(list(screen.rows.values()))] == \
                ["problem", "unhealthy", "unlinked", "unlinked"]
            screen.table.move_cursor(row=2)
            await pilot.press("space", "space", "l")
            await wait_for_dialog(pilot, TrustScreen)
            await pilot.press("t")
            await wait_until(pilot, lambda: screen.rows["alpha"].state == "linked"
                             and screen.rows["beta"].state == "linked")
            await wait_until(pilot, lambda: not screen._dirty)
            assert isinstance(app.screen, FleetScreen)  # one trust question for one PSC
            assert screen.shown[2:] == ["alpha", "beta"]
            assert cell(screen, 2, 4).startswith("corp.local HEALTHY  linked corp.local: link")
            assert worlds[1].links and worlds[2].links
            # down in the filter goes to the table (as in the profiles sidebar); escape in the
            # filter clears it and stays; a second escape leaves the screen
            await pilot.press("slash", *"alp")
            await wait_until(pilot, lambda: screen.shown == ["alpha"])
            await pilot.press("down")
            assert screen.table.has_focus
            await pilot.press("slash", "escape")
            await wait_until(pilot, lambda: len(screen.shown) == 4)
            assert app.screen is screen and screen.table.has_focus
            await pilot.press("escape")
            await wait_until(pilot, lambda: app.screen is not screen)


def header(screen: object) -> str:
    from textual.widgets import Static

    return str(screen.query_one("#fleet-header", Static).render())  # type: ignore[attr-defined]


def cell(screen: object, row: int, column: int) -> str:
    return screen.table.cells(row)[column].plain  # type: ignore[attr-defined]


async def test_escape_cancels_the_refresh_and_a_typed_password_is_asked_once(
        isolated_config: Path) -> None:
    from textual.widgets import Input

    from hvctui.tui.app import HvcApp
    from hvctui.tui.screens.fleet import FleetScreen, PasswordScreen
    from tests.tui_support import wait_for_dialog, wait_until, write_config

    dead = World(seed=40)
    dead.faults.update({"latency_ms": 3_600_000})
    with fleet_sim([dead, World(seed=41)]) as sims:
        path = write_config(isolated_config, {
            "dead": profile_at(sims, 0),
            "typed-1": profile_at(sims, 1, password_source="prompt"),
            "typed-2": profile_at(sims, 1, password_source="prompt")})
        app = HvcApp(config_path=path)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("f6")
            await wait_for_dialog(pilot, PasswordScreen)
            app.screen.query_one(Input).value = PASSWORD
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, FleetScreen))
            screen = app.screen
            assert isinstance(screen, FleetScreen)
            await wait_until(pilot, lambda: screen.rows["typed-1"].done
                             and screen.rows["typed-2"].done)
            assert isinstance(app.screen, FleetScreen)  # asked once for both profiles
            assert screen.rows["typed-2"].state == UNLINKED
            assert screen.rows["dead"].state == CHECKING
            await pilot.press("escape")
            await wait_until(pilot, lambda: screen.rows["dead"].state == "cancelled")
            await wait_until(pilot, lambda: not screen._dirty)
            assert "3 done" in header(screen) and isinstance(app.screen, FleetScreen)
            await pilot.press("escape")
            await wait_until(pilot, lambda: not isinstance(app.screen, FleetScreen))


async def test_fleet_link_attempts_that_send_nothing_are_in_the_history_f4_shows(
        isolated_config: Path) -> None:
    """A link from the fleet that stops before anything is sent (the password question
    skipped, a vCenter not pinned yet) is an attempt: F4 lists it with its profile, status
    and why, as it lists the form's."""
    from hvctui.tui.app import HvcApp
    from hvctui.tui.screens.fleet import FleetScreen, PasswordScreen
    from hvctui.tui.screens.history import HistoryScreen
    from tests.tui_support import screen_text, wait_for_dialog, wait_until, write_config

    with fleet_sim([World(seed=50)]) as sims:
        path = write_config(isolated_config, {
            "typed": profile_at(sims, 0, password_source="prompt"),
            "unpinned": profile_at(sims, 0, pin_sha256="")})
        app = HvcApp(config_path=path)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("f6")
            await wait_for_dialog(pilot, PasswordScreen)
            await pilot.press("escape")  # the refresh's question: skipped
            await wait_until(pilot, lambda: isinstance(app.screen, FleetScreen))
            screen = app.screen
            assert isinstance(screen, FleetScreen)
            await wait_until(pilot, lambda: not screen.running and not screen._dirty)
            await pilot.pause()
            screen.table.move_cursor(row=0)
            await pilot.press("space", "space")
            assert screen.selected == {"typed", "unpinned"}
            await pilot.press("l")
            await wait_for_dialog(pilot, PasswordScreen)
            await pilot.press("escape")  # the link's question: skipped too
            await wait_until(pilot, lambda: isinstance(app.screen, FleetScreen)
                             and not screen.running and screen.rows["typed"].outcome
                             and screen.rows["unpinned"].outcome)
            assert screen.rows["typed"].outcome == "not linked: password needed"
            assert screen.rows["unpinned"].outcome == "not linked"
            # the row's "last link attempt" is this one, from the history
            assert " NotReady " in screen.rows["typed"].last_link + " "
            await pilot.press("f4")
            await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen))
            entries = {e.profile: e for e in app.screen._entries}
            assert set(entries) == {"typed", "unpinned"}
            assert all(e.call == "link" and e.server == sims.vcenters[0].server
                       for e in entries.values())
            assert entries["typed"].status == "NotReady"
            assert "password" in entries["typed"].detail
            assert "nothing is pinned yet" in entries["unpinned"].detail
            text = screen_text(app)
            assert "typed" in text and "unpinned" in text


async def test_a_link_made_over_the_fleet_updates_its_row_when_it_finishes(
        isolated_config: Path) -> None:
    """The palette's Link (the main screen's link) run while the fleet is shown: when it
    finishes, the profile's row shows it linked (and the history's attempt), not its old
    'unlinked' until `r`."""
    from hvctui.tui.app import HvcApp
    from hvctui.tui.screens.dialogs import ConfirmScreen, TrustScreen
    from hvctui.tui.screens.fleet import FleetScreen
    from tests.tui_support import wait_for_dialog, wait_until, write_config

    worlds = [World(seed=60), World(seed=61)]
    with fleet_sim(worlds) as sims:
        path = write_config(isolated_config, {"alpha": profile_at(sims, 0),
                                              "beta": profile_at(sims, 1),
                                              "gamma": profile_at(sims, 0)})
        app = HvcApp(config_path=path)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("f6")
            await wait_until(pilot, lambda: isinstance(app.screen, FleetScreen))
            screen = app.screen
            assert isinstance(screen, FleetScreen)
            await wait_until(pilot, lambda: not screen.running and not screen._dirty)
            assert cell(screen, screen.shown.index("alpha"), 2) == "unlinked"
            app.main.action_link()  # what ctrl+p: Link runs, over the fleet
            await wait_for_dialog(pilot, TrustScreen)
            await pilot.press("t")
            await wait_for_dialog(pilot, ConfirmScreen)
            await pilot.press("n")
            await wait_until(pilot, lambda: app.screen is screen)
            assert worlds[0].links
            await wait_until(pilot, lambda: screen.rows["alpha"].state == LINKED
                             and not screen._dirty)
            row = screen.shown.index("alpha")
            assert cell(screen, row, 2) == "linked"
            assert cell(screen, row, 4).startswith("corp.local HEALTHY")
            assert screen.rows["alpha"].last_link.split()[1] == "ok"
            # the same vCenter's other profile shows the link too; another vCenter's is as it was
            await wait_until(pilot, lambda: screen.rows["gamma"].state == LINKED)
            assert screen.rows["beta"].state == UNLINKED


async def test_a_row_linked_from_the_fleet_stays_in_view_as_it_sorts_lower(
        isolated_config: Path) -> None:
    """The linked row moves below the unlinked ones; the cursor follows it, and so does the
    view (it went out of sight, so the row seemed not to change)."""
    from hvctui.tui.app import HvcApp
    from hvctui.tui.screens.dialogs import TrustScreen
    from hvctui.tui.screens.fleet import FleetScreen
    from tests.tui_support import screen_text, wait_for_dialog, wait_until, write_config

    with fleet_sim([World(seed=62)]) as sims:
        gone = unused_address()
        profiles = {f"a-gone-{i:02}": corp_profile(gone, pin="AD:" * 31 + "AD")
                    for i in range(12)}
        profiles["m-link"] = profile_at(sims, 0)
        profiles |= {f"n-other-{i}": profile_at(sims, 0) for i in range(5)}
        app = HvcApp(config_path=write_config(isolated_config, profiles))
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("f6")
            await wait_until(pilot, lambda: isinstance(app.screen, FleetScreen))
            screen = app.screen
            assert isinstance(screen, FleetScreen)
            await wait_until(pilot, lambda: not screen.running and not screen._dirty)
            screen.table.move_cursor(row=screen.shown.index("m-link"))
            await pilot.press("l")
            await wait_for_dialog(pilot, TrustScreen)
            await pilot.press("t")
            await wait_until(pilot, lambda: screen.rows["m-link"].state == LINKED
                             and not screen._dirty)
            await pilot.pause()
            # the other profiles of that vCenter are checked again after the link too
            await wait_until(pilot, lambda: all(screen.rows[f"n-other-{i}"].state == LINKED
                                                for i in range(5)) and not screen._dirty)
            await pilot.pause()
            assert screen.table.cursor_name == "m-link"
            lines = [line for line in screen_text(app).splitlines() if "m-link" in line]
            assert any(" linked " in line for line in lines), lines
