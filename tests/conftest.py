"""Shared fixtures: an isolated config folder for every test, and the simulator over TLS."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import ipaddress
import json
import os
import pwd
import socket
import ssl
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hvctui.sim.app import SimApp, build_app
from hvctui.sim.psc import INTERCEPTED, VERIFIED
from hvctui.sim.server import SimServer
from hvctui.sim.world import DEMO_PASSWORD, World

from .hostile import install

PASSWORD = DEMO_PASSWORD


#: The user folders platformdirs gives on Linux, and where each lives under a home.
XDG_FOLDERS = {"XDG_CONFIG_HOME": ".config", "XDG_DATA_HOME": ".local/share",
               "XDG_CACHE_HOME": ".cache", "XDG_STATE_HOME": ".local/state"}


def real_hvctui_folders() -> list[Path]:
    """Where hvctui writes in the real home: the account's home and $HOME, and the XDG folders
    the session started with."""
    homes = {Path(pwd.getpwuid(os.getuid()).pw_dir), Path(os.environ.get("HOME") or "/")}
    roots = {home / sub for home in homes for sub in XDG_FOLDERS.values()}
    roots |= {Path(os.environ[var]) for var in XDG_FOLDERS
              if os.path.isabs(os.environ.get(var, ""))}
    return sorted(root / "hvctui" for root in roots)


#: Taken when the tests are collected, before temporary_home changes HOME and XDG_*.
REAL_HVCTUI_FOLDERS = real_hvctui_folders()


def fingerprint(folders: list[Path]) -> dict[str, str]:
    """Every path under `folders` with the SHA-256 of its bytes (by content, not time: a file
    written again with the same bytes is not a change)."""
    found: dict[str, str] = {}
    for folder in folders:
        for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
            try:
                found[str(path)] = (hashlib.sha256(path.read_bytes()).hexdigest()
                                    if path.is_file() else "folder")
            except OSError as exc:  # unreadable, or removed meanwhile: still a state to compare
                found[str(path)] = f"unreadable: {exc.errno}"
    return found


@pytest.fixture(scope="session", autouse=True)
def temporary_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """No test writes to the real home. HOME and the XDG folders point into a temporary folder
    for the whole session, so a test that drops HVCTUI_CONFIG_DIR (monkeypatch.undo() drops
    the one isolated_config set) still lands there; and the session fails if anything under
    the real home's hvctui folders changed meanwhile."""
    watched = REAL_HVCTUI_FOLDERS
    before = fingerprint(watched)
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(home))
        for var, sub in XDG_FOLDERS.items():
            patch.setenv(var, str(home / sub))
        yield home
    after = fingerprint(watched)
    if after != before:
        changed = sorted(k for k in {*before, *after} if before.get(k) != after.get(k))
        pytest.fail(f"the real home changed during the tests: {changed[:20]} (by a test of "
                    "this session, or by another process writing there meanwhile: hvctui "
                    "itself, or a test run of a version without this check)")


@pytest.fixture(autouse=True)
def isolated_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own config folder; no test touches the user's files."""
    folder = tmp_path / "config"
    monkeypatch.setenv("HVCTUI_CONFIG_DIR", str(folder))
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("COLUMNS", raising=False)  # the CLI's tables fit in it when set
    for name in ("HVCTUI_PASSWORD", "HVCTUI_PSC_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    return folder


@pytest.fixture(autouse=True)
def loopback_names_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading a certificate (vapi/tls.py: the PSC check, a pin) resolves the name: in tests
    only loopback names and addresses resolve, so no test asks the real DNS (psc.corp.local
    "does not resolve")."""
    from hvctui.vapi import tls

    real = tls.resolve_host

    def resolve(host: str, port: int) -> list[tuple[int, tuple[object, ...]]]:
        try:
            loopback = ipaddress.ip_address(host.strip("[]")).is_loopback
        except ValueError:
            loopback = host == "localhost"
        if not loopback:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, port)

    monkeypatch.setattr(tls, "resolve_host", resolve)


class Sim:
    """A running simulator and ways to look at it from a test."""

    def __init__(self, server: SimServer) -> None:
        self.server = server
        self.world: World = server.world
        self.info = server.info

    @property
    def address(self) -> str:
        return self.info.server

    @property
    def psc_thumbprint(self) -> str:
        return self.world.pscs["psc.corp.local"].thumbprint

    def control(self, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call a /sim/ control path over the real TLS socket (trusting the sim's cert)."""
        context = ssl.create_default_context(cadata=self.info.cert_pem.decode())
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.info.url}{path}", data=data,
                                         method="PUT" if data else "GET")
        with urllib.request.urlopen(request, context=context, timeout=5) as response:
            return json.loads(response.read())


class SharedSimServer(SimServer):
    """One simulator for the whole session, given a fresh World before each test, with the
    tests' hostile faults installed (tests/hostile.py).

    Starting and stopping a simulator per test cost 0.2-0.3 s each (uvicorn looks for its exit
    flag every 0.1 s, the PSC listeners every 0.1 s each) over ~200 tests. The fresh world is
    what a new server had: World(seed=7) (the same thumbprints), the same loopback PSCs, no
    faults, no links, no sessions, zeroed stats. Requests still in flight from the test before
    are cancelled, and the app is swapped on the server's own loop: a request that slept
    through a latency fault cannot land in the next test's world. Tests that need a world of
    their own (another seed, a clock, a certificate) start their own SimServer."""

    def __init__(self, *, loopback_pscs: bool = False, send_psc_certificate: bool = False
                 ) -> None:
        self.send_psc_certificate = send_psc_certificate
        super().__init__(World(seed=7, send_psc_certificate=send_psc_certificate),
                         loopback_pscs=loopback_pscs)
        install(self._servers[0].config.app)
        #: The loopback PSCs' entries (their listeners live as long as the server).
        self.loopback = {key: psc for key, psc in self.world.pscs.items()
                         if key in (VERIFIED, INTERCEPTED)}

    def fresh_world(self) -> World:
        """Install a new World, as a new server would have; returns it."""
        world = World(seed=7, send_psc_certificate=self.send_psc_certificate)
        for key, psc in self.loopback.items():
            world.pscs[key] = dataclasses.replace(psc)
        server = self._servers[0]
        app: SimApp = server.config.app

        async def swap() -> None:
            for task in list(server.server_state.tasks):
                task.cancel()
            app.world = world
            app.inner = build_app(world)
            install(app)

        assert self.loop is not None, "the shared simulator is not running"
        asyncio.run_coroutine_threadsafe(swap(), self.loop).result(timeout=5)
        self.world = world
        return world


@pytest.fixture(scope="session")
def shared_sim_server() -> Iterator[SharedSimServer]:
    with SharedSimServer() as server:
        yield server


@pytest.fixture(scope="session")
def shared_psc_sim_server() -> Iterator[SharedSimServer]:
    with SharedSimServer(loopback_pscs=True) as server:
        yield server


@pytest.fixture(scope="session")
def shared_psc_sim_90_server() -> Iterator[SharedSimServer]:
    with SharedSimServer(loopback_pscs=True, send_psc_certificate=True) as server:
        yield server


@pytest.fixture
def sim(shared_sim_server: SharedSimServer) -> Sim:
    """The simulator over TLS on loopback, with a fresh World(seed=7) for this test."""
    shared_sim_server.fresh_world()
    return Sim(shared_sim_server)


@pytest.fixture
def psc_sim(shared_psc_sim_server: SharedSimServer) -> Sim:
    """The simulator with its PSCs on loopback (sim/psc.py): psc-verified, psc-intercepted."""
    shared_psc_sim_server.fresh_world()
    return Sim(shared_psc_sim_server)


@pytest.fixture
def psc_sim_90(shared_psc_sim_90_server: SharedSimServer) -> Sim:
    """The same, acting as vSphere 9.0 (UNVERIFIED_PEER carries the PEM)."""
    shared_psc_sim_90_server.fresh_world()
    return Sim(shared_psc_sim_90_server)



#: Textual repaints at most 60 times a second (textual.screen.UPDATE_PERIOD), and the pilot
#: waits for idle after each key by naps of 1/50 s, twice a key (textual._wait): over a
#: thousand keys typed in the suite, 40+ ms each. Tests run the app at 250 frames a second
#: and nap 5 ms: a nap still spans a frame, so "idle" still means the key was handled and
#: the screen repainted (a nap shorter than a frame let a test look before the repaint).
FRAME = 0.004
IDLE_NAP = 0.005
#: CPU time within one nap below which the process counts as idle (Textual's: 1 ms of its
#: 20 ms). Kept at 1 ms: a repaint or a simulator answer within the nap costs more.
IDLE_CPU = 0.001


#: A dialog that trusts, unlinks or deletes takes no key until QUIET_SECONDS (0.5 s) after it
#: is drawn (screens/dialogs.py). About a hundred tests wait for one only to answer it; they
#: wait this long instead. Tests of that quiet time itself (typed ahead, bursts, pastes) are
#: marked `dialog_quiet` and run it at its real length.
SHORT_QUIET = 0.05


@pytest.fixture(autouse=True)
def short_dialog_quiet(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    dialogs = sys.modules.get("hvctui.tui.screens.dialogs")  # imported by every TUI test file
    if dialogs is not None and request.node.get_closest_marker("dialog_quiet") is None:
        monkeypatch.setattr(dialogs.GuardedDialog, "QUIET_SECONDS", SHORT_QUIET)


@pytest.fixture(scope="session", autouse=True)
def quick_frames_and_idle_checks() -> Iterator[None]:
    import textual._wait as wait
    import textual.screen as screen

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(screen, "UPDATE_PERIOD", FRAME)
        patch.setattr(wait, "SLEEP_GRANULARITY", IDLE_NAP)
        patch.setattr(wait, "SLEEP_IDLE", IDLE_CPU)
        yield
