"""`hvctui demo`: one profile per scenario of the default world, no password on disk."""

from __future__ import annotations

import json
import os
import subprocess
import sys
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
from hvctui.vapi.psccheck import PscCheck

from .conftest import PASSWORD, Sim

EXPECTED = {
    "corp": None,
    "verified-psc": "ALREADY_EXISTS",  # their specs are valid: only one domain can be linked
    "intercepted-psc": "ALREADY_EXISTS",
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


@pytest.fixture
def sim(psc_sim: Sim) -> Sim:
    """The demo's simulator has its PSCs on loopback (sim/psc.py), as `hvctui demo` does."""
    return psc_sim


async def trust(_: CertificateInfo, __: PscCheck) -> bool:
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


async def test_the_demo_shows_each_verdict_of_the_psc_check(sim: Sim) -> None:
    from hvctui.vapi.psccheck import Verdict, check_psc

    config = demo_config(sim.address, sim.info.sha256, sim.world)
    verdicts = {}
    for name, psc_key in (("corp", "psc.corp.local"), ("verified-psc", "psc-verified"),
                          ("intercepted-psc", "psc-intercepted")):
        profile = config.profiles[name]
        offer = CertificateInfo(ssl_thumbprint=sim.world.pscs[psc_key].thumbprint)
        check = await check_psc(profile.psc_hostname, int(profile.psc_port), offer)
        verdicts[name] = check.verdict
    assert verdicts == {"corp": Verdict.UNCHECKED, "verified-psc": Verdict.SAME,
                        "intercepted-psc": Verdict.DIFFERENT}


@pytest.mark.parametrize("signame", ["SIGHUP", "SIGTERM"])
def test_a_demo_ended_by_a_signal_leaves_no_folder_behind(tmp_path: Path, signame: str) -> None:
    """The real `hvctui demo` on a pseudo-terminal, ended as a closed terminal or `kill` ends
    it: its throwaway config folder is removed."""
    import os
    import pty
    import signal
    import subprocess
    import sys
    import threading
    import time

    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HVCTUI_")}
    env.update(TMPDIR=str(temp), TERM="xterm-256color", COLUMNS="80", LINES="24")
    main, sub = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "hvctui", "demo"], stdin=sub, stdout=sub,
                            stderr=sub, env=env, close_fds=True, start_new_session=True)
    os.close(sub)
    seen = bytearray()

    def drain() -> None:  # a full pty would block the app's writes
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:
                return
            if not chunk:
                return
            seen.extend(chunk)

    threading.Thread(target=drain, daemon=True).start()
    try:
        deadline = time.monotonic() + 60
        # Started: its folder holds the config and the TUI has drawn the demo's profiles.
        # The banner points the CLI at its folder (cut with … at this long TMPDIR).
        while not (list(temp.glob("hvctui-demo-*/config.toml")) and b"corp" in seen
                   and b"export HVCTUI_CONFIG_DIR=" in seen):
            assert proc.poll() is None, bytes(seen[-2000:])
            assert time.monotonic() < deadline, "the demo did not start"
            time.sleep(0.1)
        proc.send_signal(getattr(signal, signame))
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(main)
    assert list(temp.glob("hvctui-demo-*")) == []


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

        async def decide(psc: str, offered: CertificateInfo, check: object) -> bool:
            asked.append(psc)
            return True

        linked = {r.profile: r async for r in fleet.link(
            profiles, ["fleet-unlinked-a", "fleet-unlinked-b"], decide)}
        assert asked == ["psc.corp.local:443"]
        assert {r.state for r in linked.values() if r.done} == {"linked"}


def test_the_demo_never_uses_the_callers_passwords(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """HVCTUI_PASSWORD / HVCTUI_PSC_PASSWORD win over a profile's source: left in the demo's
    environment they would be sent to the simulator, and wrong-psc-password would link."""
    import os

    import hvctui.sim.server as server
    import hvctui.tui.launch as launch
    from hvctui.demo import run_demo

    callers = {"HVCTUI_PASSWORD": "callers-cloud-secret",
               "HVCTUI_PSC_PASSWORD": "callers-psc-secret",
               "HVCTUI_OTHER_PASSWORD_FILE": "callers-other-secret"}
    for name, value in callers.items():
        monkeypatch.setenv(name, value)
    seen: dict[str, dict[str, str]] = {}
    passwords: dict[str, tuple[str, str]] = {}
    start = server.SimServer.__enter__

    def starting(self: server.SimServer) -> server.SimServer:
        seen.setdefault("simulator", dict(os.environ))
        return start(self)

    def tui(profile: str | None, config: Path, demo: bool, demo_reset: object = None,
            demo_banner: object = ()) -> int:
        seen["tui"] = dict(os.environ)
        from hvctui.profiles.store import ConfigStore

        for name, p in ConfigStore(config).load().config.profiles.items():
            call = prepare(name, p, {}, need_spec=True)
            assert call.spec is not None
            passwords[name] = (call.connection.password.get_secret_value(),
                               call.spec.password.get_secret_value())
        return 0

    monkeypatch.setattr(server.SimServer, "__enter__", starting)
    monkeypatch.setattr(launch, "run_tui", tui)
    assert run_demo() == 0
    for where, environment in seen.items():
        leaked = {k for k, v in environment.items() if v in callers.values()}
        assert leaked == set(), where
    assert set(seen) == {"simulator", "tui"}
    assert passwords["corp"] == (PASSWORD, PASSWORD)
    assert passwords["wrong-psc-password"] == (PASSWORD, "not-the-password")
    assert all(cloud == PASSWORD for cloud, _ in passwords.values())


async def test_in_the_demo_each_profile_keeps_its_scenario_after_others_link_and_reset_restores(
        sim: Sim, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's demo table holds in any order: the profiles that link have a simulated
    vCenter of their own; 'Reset the demo world' puts every world back as it started."""
    from hvctui.demo import DemoReset, demo_fleet_worlds
    from hvctui.sim.fleet import SimFleet

    monkeypatch.delenv("HVCTUI_CONFIG_DIR")
    worlds = demo_fleet_worlds(sim.world)
    with SimFleet(worlds) as fleet_sim:
        store = prepare_demo(tmp_path / "demo", sim.address, sim.info.sha256, sim.world,
                             fleet_sim)
        profiles = store.load().config.profiles
        reset = DemoReset([sim.world, *(vc.world for vc in fleet_sim.vcenters)])
        before = [dict(w.links) for w in [sim.world, *worlds]]
        for order in ([*profiles][:11], [*profiles][:11][::-1]):  # corp first, then last
            outcomes: dict[str, str | None] = {}
            for name in order:
                call = prepare(name, profiles[name], {}, need_spec=True)
                try:
                    await flow.link(call.connection, call.spec, trust)
                    outcomes[name] = None
                except ServerError as error:
                    outcomes[name] = error.error_type.value
            assert outcomes == {**EXPECTED, "verified-psc": None, "intercepted-psc": None}
            reset()
            assert [dict(w.links) for w in [sim.world, *worlds]] == before
        assert before[1] and before[2]  # the fleet's healthy and unhealthy keep their links


async def test_the_demo_banner_says_its_profiles_are_throwaway_and_the_palette_resets(
        sim: Sim, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hvctui.tui.app import HvcApp

    from .tui_support import screen_text

    monkeypatch.delenv("HVCTUI_CONFIG_DIR")
    store = prepare_demo(tmp_path / "demo", sim.address, sim.info.sha256, sim.world)
    resets: list[int] = []
    from hvctui.demo import demo_banner

    app = HvcApp(config_path=store.path, initial_profile="corp", demo=True,
                 demo_reset=lambda: resets.append(1),
                 demo_banner=demo_banner(str(store.path.parent)))
    async with app.run_test(size=(80, 24)) as pilot:
        banner = str(app.main.query_one("#banner").render())
        assert "DEMO: throwaway profiles" in banner and "Reset the demo world" in banner
        assert len(banner.splitlines()) == 2
        # 80 columns (78 inside the banner's padding) with the folder `hvctui demo` makes
        typical = banner.replace(str(store.path.parent), "/tmp/hvctui-demo-ab12cd34")
        assert all(len(line) <= 78 for line in typical.splitlines())
        # The second line points the CLI of another window at the demo's profiles.
        assert f"HVCTUI_CONFIG_DIR={store.path.parent}" in banner
        await pilot.press("ctrl+p")
        await pilot.pause(0.2)
        await pilot.press(*"Reset the demo")
        await pilot.pause(0.3)
        palette = screen_text(app)
        assert "Every simulated vCenter back as the demo started it" in palette
        assert "Unlink every" not in palette
        await pilot.press("escape")
        await pilot.pause(0.2)
        await pilot.press("ctrl+p")
        await pilot.pause(0.2)
        await pilot.press(*"Reset the demo world")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause(0.3)
    assert resets == [1]


def test_the_demo_banners_command_points_the_cli_of_another_window_at_its_profiles(
        sim: Sim, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The line the banner shows, pasted into another shell (whose environment has none of
    the demo's), makes `hvctui status` check the demo's profiles with their passwords."""
    import shlex

    from hvctui.demo import demo_banner

    monkeypatch.delenv("HVCTUI_CONFIG_DIR")
    store = prepare_demo(tmp_path / "demo", sim.address, sim.info.sha256, sim.world)
    line = demo_banner(str(store.path.parent))[1]
    words = shlex.split(line)
    assert words[0] == "export" and "'VMware1!'" in line  # quoted: no history expansion
    env = {k: v for k, v in os.environ.items() if not k.startswith("HVCTUI_")}
    env.update(word.split("=", 1) for word in words[1:])
    done = subprocess.run([sys.executable, "-m", "hvctui", "status", "--profile", "corp",
                           "--json"], env=env, capture_output=True, text=True, timeout=60)
    rows = json.loads(done.stdout)["rows"]
    assert [row["profile"] for row in rows] == ["corp"]
    assert rows[0]["state"] == "unlinked", rows
