"""`hvctui demo`: one profile per scenario of the default world, no password on disk."""

from __future__ import annotations

from pathlib import Path

import pytest

from hvctui.demo import (
    DEMO_PASSWORD_ENV,
    DEMO_SCENARIOS,
    DEMO_WRONG_PASSWORD_ENV,
    demo_config,
    prepare_demo,
)
from hvctui.service import prepare
from hvctui.vapi import flow
from hvctui.vapi.errors import HvcError, ServerError
from hvctui.vapi.models import CertificateInfo

from .conftest import PASSWORD, Sim

EXPECTED = {
    "corp": None,
    "legacy-psc": "UNSUPPORTED",
    "unreachable": "ERROR",
    "unreachable-de": "ERROR",
    "wrong-domain": "INVALID_ARGUMENT",
    "wrong-psc-password": "INVALID_ARGUMENT",
    "unknown-group": "INVALID_ARGUMENT",
    "bad-port": "INVALID_ARGUMENT",
    "auditor": "UNAUTHORIZED",
}


@pytest.fixture(autouse=True)
def restore_demo_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """prepare_demo sets these in the process; registering them first restores them after."""
    for name in (DEMO_PASSWORD_ENV, DEMO_WRONG_PASSWORD_ENV):
        monkeypatch.setenv(name, "")


async def trust(_: CertificateInfo) -> bool:
    return True


def test_every_scenario_has_a_profile_and_corp_comes_first(sim: Sim) -> None:
    config = demo_config(sim.address, sim.info.sha256, sim.world)
    assert list(config.profiles) == [name for name, _ in DEMO_SCENARIOS] == list(EXPECTED)
    assert config.default_profile == "corp"


async def test_each_demo_profile_shows_its_scenario_even_after_corp_is_linked(
        sim: Sim, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HVCTUI_CONFIG_DIR")
    store = prepare_demo(tmp_path / "demo", sim.address, sim.info.sha256, sim.world)
    profiles = store.load().config.profiles
    outcomes: dict[str, str | None] = {}
    for name, profile in profiles.items():
        call = prepare(name, profile, {}, need_spec=True)
        try:
            await flow.link(call.connection, call.spec, trust)
            outcomes[name] = None
        except ServerError as error:
            outcomes[name] = error.error_type.value
            assert error.messages and all(m.text for m in error.messages)
    assert outcomes == EXPECTED
    try:
        call = prepare("corp", profiles["corp"], {}, need_spec=True,
                       typed={"password": PASSWORD, "psc_password": PASSWORD})
        await flow.link(call.connection, call.spec, trust)
    except HvcError as error:
        assert isinstance(error, ServerError) and error.error_type.value == "ALREADY_EXISTS"
    else:
        raise AssertionError("a second link must be refused")


def test_demo_writes_no_password_and_only_into_its_own_folder(
        sim: Sim, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    folder = tmp_path / "demo"
    prepare_demo(folder, sim.address, sim.info.sha256, sim.world)
    assert list(home.iterdir()) == []
    written = b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())
    assert PASSWORD.encode() not in written


async def test_the_demo_fleet_shows_each_state_and_links_its_unlinked_two_with_one_question(
        sim: Sim, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hvctui.demo import DEMO_FLEET, demo_fleet_worlds
    from hvctui.fleet import Fleet, sort_rows
    from hvctui.profiles.history import History
    from hvctui.service import Service
    from hvctui.sim.fleet import SimFleet

    monkeypatch.delenv("HVCTUI_CONFIG_DIR")
    worlds = demo_fleet_worlds(sim.world)
    for world in worlds:
        world.faults.update({"latency_ms": 0})
    with SimFleet(worlds) as fleet_sim:
        store = prepare_demo(tmp_path / "demo", sim.address, sim.info.sha256, sim.world,
                             fleet_sim)
        profiles = store.load().config.profiles
        assert list(profiles) == [n for n, _ in DEMO_SCENARIOS] + [n for n, _ in DEMO_FLEET]
        fleet = Fleet(Service(store, History(tmp_path / "history.jsonl")))
        names = [n for n, _ in DEMO_FLEET]
        rows = {r.profile: r async for r in fleet.refresh(profiles, names)}
        states = {n: r.state for n, r in rows.items() if r.done}
        assert states == {"fleet-healthy": "linked", "fleet-unhealthy": "unhealthy",
                          "fleet-unlinked-a": "unlinked", "fleet-unlinked-b": "unlinked",
                          "fleet-unreachable": "problem"}
        assert [r.profile for r in sort_rows([rows[n] for n in names])][:2] == [
            "fleet-unreachable", "fleet-unhealthy"]
        asked: list[str] = []

        async def decide(psc: str, offered: CertificateInfo) -> bool:
            asked.append(psc)
            return True

        linked = {r.profile: r async for r in fleet.link(
            profiles, ["fleet-unlinked-a", "fleet-unlinked-b"], decide)}
        assert asked == ["psc.corp.local:443"]
        assert {r.state for r in linked.values() if r.done} == {"linked"}
