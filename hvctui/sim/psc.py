"""The simulator acting as the on-premises PSC too: TLS listeners on loopback.

hvctui checks an UNVERIFIED_PEER offer against what the PSC presents to the machine it runs on
(vapi/psccheck.py). These listeners give that check something real to reach: each completes
TLS handshakes with a certificate and then hangs up (no HTTP is served).

Two PSCs are added to a World (both on 127.0.0.1, each on its own port, domain corp.local):
- `psc-verified`: presents the very certificate vCenter offers (the check says SAME);
- `psc-intercepted`: vCenter offers one certificate, the PSC presents another to this machine,
  as when something between the cloud and the PSC intercepts (the check says DIFFERENT).
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading

from hvctui.sim.certs import KeyPair, make_certificate, pem_files
from hvctui.sim.world import Psc, World
from hvctui.vapi import sha256_thumbprint

LOOPBACK = "127.0.0.1"
VERIFIED = "psc-verified"
INTERCEPTED = "psc-intercepted"
_GROUPS = ("vmc-admins@corp.local", "ops@corp.local")


def server_context(keypair: KeyPair) -> ssl.SSLContext:
    """A server-side TLS context presenting `keypair` (loaded through short-lived files)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with pem_files(keypair) as (cert_path, key_path):
        context.load_cert_chain(cert_path, key_path)
    return context


class PscListener:
    """A TLS listener on loopback that presents `keypair` and serves nothing else."""

    def __init__(self, keypair: KeyPair, host: str = LOOPBACK, port: int = 0) -> None:
        self.keypair = keypair
        self._context = server_context(keypair)
        self._sock = socket.create_server((host, port))
        self._sock.settimeout(0.1)  # how often the accept loop looks for stop()
        self.host = host
        self.port: int = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name=f"hvctui-psc-{self.port}",
                                        daemon=True)

    def start(self) -> PscListener:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)
        self._sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._handshake, args=(conn,), daemon=True).start()

    def _handshake(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        with contextlib.suppress(OSError), conn:
            with self._context.wrap_socket(conn, server_side=True):
                pass  # the handshake is all a checker needs; then hang up


def add_loopback_pscs(world: World, *, host: str = LOOPBACK) -> list[PscListener]:
    """Bind the two loopback PSCs' listeners and add the PSCs to `world`; start() them."""
    genuine = make_certificate("psc-verified.corp.local", ("psc-verified.corp.local", host))
    verified = PscListener(genuine, host)
    # What vCenter sees at the intercepted PSC, and what that PSC presents to this machine.
    seen_by_vcenter = make_certificate("intercepting-proxy.example", ("psc-2.corp.local",))
    presented = make_certificate("psc-2.corp.local", ("psc-2.corp.local", host))
    intercepted = PscListener(presented, host)
    for key, listener, offered in ((VERIFIED, verified, genuine),
                                   (INTERCEPTED, intercepted, seen_by_vcenter)):
        world.pscs[key] = Psc(host, "corp.local", port=listener.port, groups=_GROUPS,
                              thumbprint=sha256_thumbprint(offered.der),
                              certificate_pem=offered.cert_pem.decode())
    return [verified, intercepted]
