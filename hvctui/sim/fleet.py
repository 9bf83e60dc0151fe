"""Many simulated vCenters at once: one listener per vCenter on loopback, each with its own
World (links, users, faults, latency) and its own certificate, all served by one background
thread and one event loop. A client sees distinct servers (distinct ports and certificates).
"""

from __future__ import annotations

import asyncio
import socket
import threading
from dataclasses import dataclass

import uvicorn

from hvctui.sim.app import SimApp
from hvctui.sim.certs import KeyPair, make_certificate
from hvctui.sim.server import SimInfo, _bind, _load_tls
from hvctui.sim.world import World


@dataclass
class SimVcenter:
    """One vCenter of the fleet: its world, and where and how it answers."""

    world: World
    info: SimInfo
    keypair: KeyPair

    @property
    def server(self) -> str:
        return self.info.server


def unused_address(host: str = "127.0.0.1") -> str:
    """A loopback address nothing listens on (bound, then closed): "cannot reach"."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"{host}:{port}"


class SimFleet:
    """`count` simulated vCenters (or the given worlds) on one background thread; a context
    manager. `peak_sessions` is the most sessions open at once across all of them."""

    def __init__(self, worlds: list[World] | int, *, host: str = "127.0.0.1") -> None:
        from hvctui.vapi.tls import sha256_thumbprint

        if isinstance(worlds, int):
            worlds = [World() for _ in range(worlds)]
        self.vcenters: list[SimVcenter] = []
        self._servers: list[uvicorn.Server] = []
        self._sockets: list[socket.socket] = []
        self._open = 0
        self.peak_sessions = 0
        for world in worlds:
            keypair = make_certificate()
            sock = _bind(host, 0)
            info = SimInfo(host, sock.getsockname()[1], sha256_thumbprint(keypair.der),
                           keypair.cert_pem)
            config = uvicorn.Config(SimApp(world), log_level="critical", access_log=False,
                                    lifespan="off", timeout_graceful_shutdown=1)
            _load_tls(config, keypair)
            self._watch_sessions(world)
            self.vcenters.append(SimVcenter(world, info, keypair))
            self._servers.append(uvicorn.Server(config))
            self._sockets.append(sock)
        self._thread = threading.Thread(target=self._run, name="hvctui-sim-fleet", daemon=True)

    def _watch_sessions(self, world: World) -> None:
        """Count sessions across the fleet as they open and close (for the concurrency bound)."""
        login, logout = world.login, world.logout

        def counted_login(user: str, password: str, lang: str | None) -> str:
            token = login(user, password, lang)
            self._open += 1
            self.peak_sessions = max(self.peak_sessions, self._open)
            return token

        def counted_logout(token: str) -> None:
            known = world._session_token(token) in world.sessions
            logout(token)
            if known:
                self._open -= 1

        world.login = counted_login  # type: ignore[method-assign]
        world.logout = counted_logout  # type: ignore[method-assign]

    @property
    def open_sessions(self) -> int:
        return self._open

    def _run(self) -> None:
        async def serve_all() -> None:
            await asyncio.gather(*(server.serve(sockets=[sock])
                                   for server, sock in zip(self._servers, self._sockets)))

        asyncio.run(serve_all())

    def start(self) -> SimFleet:
        self._thread.start()
        while not all(server.started for server in self._servers):
            if not self._thread.is_alive():
                raise RuntimeError("the simulated fleet failed to start")
            self._thread.join(0.005)
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.should_exit = True
        self._thread.join(10)
        for sock in self._sockets:
            sock.close()

    def __enter__(self) -> SimFleet:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def add_link(world: World, psc_host: str = "psc.corp.local") -> str:
    """Give `world` a link to one of its PSCs already, as if made earlier (a fleet's history)."""
    import uuid
    from datetime import datetime, timezone

    from hvctui.sim.world import Link

    psc = world.pscs[psc_host]
    link_id = str(uuid.uuid4())
    world.links[link_id] = Link(link_id, psc.domain, psc.host,
                                datetime.fromtimestamp(world.clock(), timezone.utc))
    return link_id
