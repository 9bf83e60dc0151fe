"""A transport for a process that makes one call at a time: the I/O happens in place.

The CLI drives the same async client and flows as the TUI, but nothing else runs on its event
loop, so waiting on the socket inside the loop costs nothing. Doing so through httpx's sync
transport skips anyio's asyncio backend and asyncio's TLS layer, about 15 ms of every command's
start-up (benchmarks/: `hvctui link`). The TUI never uses this: it must stay responsive.

Because nothing can interrupt a blocking read from the event loop, the transport enforces the
whole-request deadline (`Timeouts.total`) itself: a watchdog thread shuts the socket down when
the deadline passes, so a server that trickles its answer cannot hold the command.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from typing import Any

import httpx

from hvctui.vapi.connection import Timeouts


class InPlaceTransport(httpx.AsyncBaseTransport):
    """httpx's sync transport behind the async interface, with a whole-request deadline."""

    def __init__(self, context: ssl.SSLContext, timeouts: Timeouts) -> None:
        self._sync = httpx.HTTPTransport(verify=context)
        self._timeouts = timeouts
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def _remember(self, stream: Any) -> None:
        sock = stream.get_extra_info("socket") if stream is not None else None
        if isinstance(sock, socket.socket):
            with self._lock:
                self._sockets.append(sock)

    def _cut(self, expired: threading.Event) -> None:
        """The deadline passed: wake any blocked read by shutting its socket down."""
        expired.set()
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            try:
                # The plain socket's shutdown, even under TLS: this only has to wake the reader.
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
            except OSError:
                pass

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        outer_trace = request.extensions.get("trace")

        def trace(event: str, info: dict[str, Any]) -> None:
            if event in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
                self._remember(info.get("return_value"))
            if outer_trace is not None:
                _run_to_end(outer_trace(event, info))

        request.extensions = {**request.extensions, "trace": trace}
        expired = threading.Event()
        watchdog = threading.Timer(self._timeouts.total, self._cut, args=(expired,))
        watchdog.daemon = True
        started = time.monotonic()
        watchdog.start()
        try:
            response = self._sync.handle_request(request)
            try:
                raw = b"".join(response.iter_raw())  # decoded once, by the client, as usual
            finally:
                response.close()
        except httpx.TransportError:
            if expired.is_set():
                raise httpx.ReadTimeout(_late(self._timeouts, started), request=request) from None
            raise
        finally:
            watchdog.cancel()
        if expired.is_set():
            raise httpx.ReadTimeout(_late(self._timeouts, started), request=request)
        return httpx.Response(response.status_code, headers=response.headers,
                              stream=httpx.ByteStream(raw), extensions=response.extensions)

    async def aclose(self) -> None:
        self._sync.close()


def _late(timeouts: Timeouts, started: float) -> str:
    return (f"no complete answer within {timeouts.total:g} s "
            f"(gave up after {time.monotonic() - started:.1f} s)")


def _run_to_end(step: Any) -> None:
    """Run a trace callback: a plain function, or a coroutine that never waits."""
    if hasattr(step, "send"):
        try:
            step.send(None)
        except StopIteration:
            return
        step.close()
        raise RuntimeError("a trace callback of the in-place transport must not wait")
