"""Running the simulator: uvicorn over TLS, in the foreground or on a background thread."""

from __future__ import annotations

import asyncio
import os
import socket
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import uvicorn

from hvctui.sim.app import SimApp
from hvctui.sim.certs import KeyPair, make_certificate
from hvctui.sim.world import World


def _load_tls(config: uvicorn.Config, keypair: KeyPair) -> None:
    """Load the certificate into uvicorn's config through files that exist only meanwhile."""
    with tempfile.TemporaryDirectory(prefix="hvctui-sim-") as folder:
        cert_path = os.path.join(folder, "cert.pem")
        key_path = os.path.join(folder, "key.pem")
        with open(os.open(cert_path, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as f:
            f.write(keypair.cert_pem)
        with open(os.open(key_path, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as f:
            f.write(keypair.key_pem)
        config.ssl_certfile = cert_path
        config.ssl_keyfile = key_path
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


class SimServer:
    """The simulator on a background thread with its own event loop; a context manager."""

    def __init__(
        self,
        world: World | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        keypair: KeyPair | None = None,
        loopback_pscs: bool = False,
    ) -> None:
        """`loopback_pscs` adds the two PSCs of sim/psc.py, with their TLS listeners."""
        from hvctui.vapi.certs import sha256_thumbprint

        self.world = world or World()
        self.psc_listeners: list[Any] = []  # sim/psc.py PscListener
        if loopback_pscs:
            from hvctui.sim.psc import add_loopback_pscs

            self.psc_listeners = add_loopback_pscs(self.world)
        self.keypair = keypair or make_certificate()
        self._sock = _bind(host, port)
        bound = self._sock.getsockname()
        self.info = SimInfo(host, bound[1], sha256_thumbprint(self.keypair.der),
                            self.keypair.cert_pem)
        config = uvicorn.Config(SimApp(self.world), log_level="critical", access_log=False,
                                lifespan="off", timeout_graceful_shutdown=1)
        _load_tls(config, self.keypair)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name="hvctui-sim", daemon=True)

    def _run(self) -> None:
        asyncio.run(self._server.serve(sockets=[self._sock]))

    def start(self) -> SimServer:
        for listener in self.psc_listeners:
            listener.start()
        self._thread.start()
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the simulator failed to start")
            self._thread.join(0.005)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(5)
        self._sock.close()
        for listener in self.psc_listeners:
            listener.stop()

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def run_foreground(
    host: str, port: int, *, latency_ms: int = 0, session_idle: float = 1800.0,
    send_psc_certificate: bool = False, announce: bool = True,
    faults: Mapping[str, Any] | None = None,
) -> None:
    """`hvctui sim`: serve until interrupted, after printing the URL and SHA-256.

    `faults` (names of `world.Faults` to values) are set before the first request; a wrong
    one raises `world.FaultValueError` (a ValueError) before anything listens."""
    world = World(session_idle=session_idle, send_psc_certificate=send_psc_certificate)
    world.faults.update({"latency_ms": latency_ms, **(faults or {})})
    server = SimServer(world, host=host, port=port, loopback_pscs=True)
    if announce:
        print(f"hvctui simulator at {server.info.url}  certificate SHA-256 {server.info.sha256}",
              flush=True)
        for listener in server.psc_listeners:
            key = next(k for k, p in world.pscs.items() if p.port == listener.port)
            print(f"  PSC {key} at {listener.host}:{listener.port} (domain corp.local)",
                  flush=True)
    for listener in server.psc_listeners:
        listener.start()
    try:
        asyncio.run(server._server.serve(sockets=[server._sock]))
    except KeyboardInterrupt:
        pass
    finally:
        server._sock.close()
        for listener in server.psc_listeners:
            listener.stop()
