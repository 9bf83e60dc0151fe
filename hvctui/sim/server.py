"""Running the simulator: uvicorn over TLS, one vCenter or many, in the foreground or on a
background thread."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sys
import threading
from dataclasses import dataclass
from typing import TypeVar

import uvicorn

from hvctui.sim.app import SimApp
from hvctui.sim.certs import KeyPair, make_certificate, pem_files
from hvctui.sim.psc import PscListener, add_loopback_pscs
from hvctui.sim.world import World
from hvctui.vapi import sha256_thumbprint, terminal_width, wrap_lines


def _load_tls(config: uvicorn.Config, keypair: KeyPair) -> None:
    """Load the certificate into uvicorn's config through files that exist only meanwhile."""
    with pem_files(keypair) as (config.ssl_certfile, config.ssl_keyfile):
        config.load()


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


@dataclass
class SimInfo:
    host: str
    port: int
    sha256: str
    cert_pem: bytes

    @property
    def server(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def url(self) -> str:
        return f"https://{self.server}"


@dataclass
class SimVcenter:
    """One simulated vCenter: its world, and where and how it answers."""

    world: World
    info: SimInfo
    keypair: KeyPair

    @property
    def server(self) -> str:
        return self.info.server


_Runner = TypeVar("_Runner", bound="SimRunner")


class SimRunner:
    """Worlds served over TLS, each on its own port with its own certificate, by one event
    loop: on a background thread as a context manager (`start`, `stop`), or in the foreground
    (`serve`). A client sees distinct servers."""

    def __init__(self, worlds: list[World], *, host: str = "127.0.0.1", port: int = 0,
                 keypair: KeyPair | None = None) -> None:
        """`port` and `keypair` are those of the first world; the others get free ports and
        certificates of their own."""
        self.vcenters: list[SimVcenter] = []
        self._servers: list[uvicorn.Server] = []
        self._sockets: list[socket.socket] = []
        for world in worlds:
            pair = keypair if keypair is not None and not self.vcenters else make_certificate()
            sock = _bind(host, port if not self.vcenters else 0)
            info = SimInfo(host, sock.getsockname()[1], sha256_thumbprint(pair.der),
                           pair.cert_pem)
            config = uvicorn.Config(SimApp(world), log_level="critical", access_log=False,
                                    lifespan="off", timeout_graceful_shutdown=1)
            _load_tls(config, pair)
            self.vcenters.append(SimVcenter(world, info, pair))
            self._servers.append(uvicorn.Server(config))
            self._sockets.append(sock)
        self._thread = threading.Thread(target=self.serve, name="hvctui-sim", daemon=True)
        self.loop: asyncio.AbstractEventLoop | None = None

    def serve(self) -> None:
        """Serve every world until stopped (KeyboardInterrupt in the foreground)."""
        async def serve_all() -> None:
            self.loop = asyncio.get_running_loop()  # where a caller may run code beside them
            await asyncio.gather(*(server.serve(sockets=[sock])
                                   for server, sock in zip(self._servers, self._sockets)))

        try:
            asyncio.run(serve_all())
        finally:
            for sock in self._sockets:
                sock.close()

    def start(self: _Runner) -> _Runner:
        self._thread.start()
        while not all(server.started for server in self._servers):
            if not self._thread.is_alive():
                raise RuntimeError("the simulator failed to start")
            self._thread.join(0.005)
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.should_exit = True
        self._thread.join(10)

    def __enter__(self: _Runner) -> _Runner:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class SimServer(SimRunner):
    """One simulated vCenter, optionally with the two loopback PSCs of sim/psc.py."""

    def __init__(self, world: World | None = None, *, host: str = "127.0.0.1", port: int = 0,
                 keypair: KeyPair | None = None, loopback_pscs: bool = False) -> None:
        self.world = world or World()
        self.psc_listeners: list[PscListener] = (add_loopback_pscs(self.world) if loopback_pscs
                                                 else [])
        super().__init__([self.world], host=host, port=port, keypair=keypair)
        self.keypair = self.vcenters[0].keypair
        self.info = self.vcenters[0].info

    def serve(self) -> None:
        for listener in self.psc_listeners:
            listener.start()
        try:
            super().serve()
        finally:
            for listener in self.psc_listeners:
                listener.stop()


def announcement(url: str, sha256: str, width: int = 0) -> str:
    """The line `hvctui sim` starts with: its URL and certificate SHA-256, one line (the
    contract; a script reads it from a pipe whole). On a terminal of `width` columns it is
    wrapped as the CLI wraps all it shows: at a space or between the thumbprint's byte pairs,
    so the URL and the label "SHA-256" are never cut, and the label stays with its value."""
    line = f"hvctui simulator at {url}  certificate SHA-256 {sha256}"
    if not width:
        return line
    return wrap_lines(line.replace("  ", " "), width)


def run_foreground(host: str, port: int, *, latency_ms: int = 0, session_idle: float = 1800.0,
                   send_psc_certificate: bool = False) -> None:
    """`hvctui sim`: serve until interrupted, after printing the URL and SHA-256."""
    world = World(session_idle=session_idle, send_psc_certificate=send_psc_certificate)
    world.faults.update({"latency_ms": latency_ms})
    server = SimServer(world, host=host, port=port, loopback_pscs=True)
    print(announcement(server.info.url, server.info.sha256, terminal_width(sys.stdout)),
          flush=True)
    for listener in server.psc_listeners:
        key = next(k for k, p in world.pscs.items() if p.port == listener.port)
        print(f"  PSC {key} at {listener.host}:{listener.port} (domain corp.local)", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve()
