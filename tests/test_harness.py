"""The test harness keeps its promises: the session's simulator (conftest.SharedSimServer)
gives every test what a new one gave (the seeded world, no faults, no links, no sessions,
zeroed stats, nothing left over from the test before, not even a request in flight), and the
pilot's quicker frames and idle checks (conftest.quick_frames_and_idle_checks) are in force."""

from __future__ import annotations

import base64
import ssl
import threading
import time
import urllib.error
import urllib.request
from typing import Any

from hvctui.sim.world import DEMO_PASSWORD, World

from .conftest import SharedSimServer, Sim
from .hostile import HostileFaults


def login(sim: Sim, timeout: float = 5) -> int:
    """POST /api/session over the real TLS socket; the HTTP status."""
    context = ssl.create_default_context(cadata=sim.info.cert_pem.decode())
    auth = base64.b64encode(f"cloudadmin@vmc.local:{DEMO_PASSWORD}".encode()).decode()
    request = urllib.request.Request(f"{sim.info.url}/api/session", data=b"", method="POST",
                                     headers={"Authorization": f"Basic {auth}"})
    try:
        with urllib.request.urlopen(request, context=context, timeout=timeout) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as refused:
        return int(refused.code)


def test_a_fresh_world_is_the_seeded_world_with_nothing_left_over(
        sim: Sim, shared_sim_server: SharedSimServer) -> None:
    assert login(sim) == 201
    sim.world.faults.update({"unavailable": True, "latency_ms": 1})
    sim.world.administrators.append("left-over@corp.local")
    old = sim.world

    new = Sim(shared_sim_server)
    shared_sim_server.fresh_world()
    fresh = Sim(shared_sim_server).world
    assert fresh is not old and new.world is old  # a Sim made before keeps its world
    assert fresh.faults == HostileFaults()
    assert fresh.sessions == {} and fresh.links == {}
    assert fresh.administrators == World(seed=7).administrators
    assert (fresh.stats.requests, fresh.stats.logins) == (0, 0)
    assert {k: p.thumbprint for k, p in fresh.pscs.items()} == \
        {k: p.thumbprint for k, p in World(seed=7).pscs.items()}
    assert login(Sim(shared_sim_server)) == 201  # served by the fresh world: no fault
    assert fresh.stats.logins == 1 and old.stats.logins == 1


def test_a_request_in_flight_from_the_test_before_does_not_reach_the_fresh_world(
        sim: Sim, shared_sim_server: SharedSimServer) -> None:
    sim.world.faults.update({"latency_ms": 400})
    statuses: list[Any] = []

    def slow_login() -> None:
        try:
            statuses.append(login(sim))
        except OSError as dropped:
            statuses.append(dropped)

    caller = threading.Thread(target=slow_login)
    caller.start()
    deadline = time.monotonic() + 5
    while not shared_sim_server._servers[0].server_state.tasks:  # the request is being served
        assert time.monotonic() < deadline, "the request never reached the simulator"
        time.sleep(0.005)
    fresh = shared_sim_server.fresh_world()
    caller.join(5)
    time.sleep(0.5)  # past the latency: a request that was not cancelled would act now
    assert statuses and statuses[0] != 201
    assert (fresh.stats.requests, fresh.stats.logins, fresh.sessions) == (0, 0, {})


def test_the_psc_simulators_keep_their_loopback_pscs_in_a_fresh_world(
        psc_sim: Sim, shared_psc_sim_server: SharedSimServer) -> None:
    psc_sim.world.pscs["psc-verified"].supported = False
    fresh = shared_psc_sim_server.fresh_world()
    ports = sorted(listener.port for listener in shared_psc_sim_server.psc_listeners)
    assert sorted(fresh.pscs[k].port for k in ("psc-verified", "psc-intercepted")) == ports
    assert fresh.pscs["psc-verified"].supported is True


def test_the_pilot_naps_span_a_frame_and_are_in_force() -> None:
    import textual._wait as wait
    import textual.screen as screen

    from .conftest import FRAME, IDLE_CPU, IDLE_NAP

    assert (screen.UPDATE_PERIOD, wait.SLEEP_GRANULARITY, wait.SLEEP_IDLE) == (
        FRAME, IDLE_NAP, IDLE_CPU)
    assert FRAME < IDLE_NAP, "a nap shorter than a frame lets a test look before the repaint"
