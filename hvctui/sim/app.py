"""The simulator's HTTP face: vCenter's `/api` wire over a World, plus `/sim/` controls."""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from hvctui.sim.catalog import message, negotiate
from hvctui.sim.world import (
    FaultValueError,
    SimError,
    World,
    invalid_body,
    missing_field,
    not_found_operation,
    unavailable,
)

SESSION_HEADER = "vmware-api-session-id"


#: The most request body the simulator reads; a larger one is refused with INVALID_REQUEST.
BODY_LIMIT = 1 << 20

Handler = Callable[[Request, "str | None"], Awaitable[Response]]


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body, sort_keys=True), status, media_type="application/json")


def error_response(error: SimError) -> Response:
    return _json(error.body, error.status)


def _too_large(lang: str | None) -> SimError:
    return SimError(400, "INVALID_REQUEST", [message(
        "com.vmware.vapi.rest.request_too_large", {"limit": {"i": BODY_LIMIT}}, lang=lang)])


async def _read_body(request: Request, lang: str | None) -> bytes:
    """The request body, read up to BODY_LIMIT bytes and no further."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and (
            len(declared) > 12 or int(declared) > BODY_LIMIT):
        raise _too_large(lang)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > BODY_LIMIT:
            raise _too_large(lang)
        chunks.append(chunk)
    return b"".join(chunks)


async def _body(request: Request, lang: str | None, empty: Any = None) -> Any:
    """The JSON body (`empty` when there is none)."""
    raw = await _read_body(request, lang)
    try:
        return json.loads(raw) if raw else empty
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested past the stack
        raise invalid_body("the body is not JSON", lang) from None


def _internal_error(exc: BaseException, lang: str | None) -> SimError:
    name = type(exc).__name__
    return SimError(500, "INTERNAL_SERVER_ERROR", [message(
        "vapi.bindings.method.impl.unexpected", {"exception": {"s": name}}, args=[name],
        lang=lang)])


def build_app(world: World) -> Starlette:
    """The Starlette app of the simulator over `world`."""

    def vapi(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        """Every answer a vAPI one: a refusal is its SimError, a surprise INTERNAL_SERVER_ERROR
        (the last guard: no request can leave a bare 500 or break the next one)."""

        async def endpoint(request: Request) -> Response:
            lang = None
            try:
                lang = negotiate(request.headers.get("accept-language"))
                return await handler(request, lang)
            except SimError as error:
                return error_response(error)
            except Exception as exc:
                return error_response(_internal_error(exc, lang))

        return endpoint

    def user_of(request: Request, lang: str | None) -> str:
        return world.session_user(request.headers.get(SESSION_HEADER), lang)

    async def session(request: Request, lang: str | None) -> Response:
        if request.method == "POST":
            user, password = _basic(request, lang)
            return _json(world.login(user, password, lang), 201)
        token = request.headers.get(SESSION_HEADER, "")
        user_of(request, lang)
        if request.method == "DELETE":
            world.logout(token)
            return Response(status_code=204)
        return _json(world.session_info(token))

    async def links(request: Request, lang: str | None) -> Response:
        user = user_of(request, lang)
        if request.method == "POST":
            return _json(world.create_link(user, await _body(request, lang), lang), 201)
        return _json(world.list_links())

    async def one_link(request: Request, lang: str | None) -> Response:
        link_id = request.path_params["link"]
        if not link_id:
            raise not_found_operation(str(request.url.path), lang)
        user = user_of(request, lang)
        if request.method == "GET":
            return _json(world.get_link(link_id, lang))
        if request.method == "DELETE":
            world.delete_link(user, link_id, lang)
            return Response(status_code=204)
        if request.query_params.get("action") != "delete":
            raise not_found_operation(str(request.url.path), lang)
        body = await _body(request, lang)
        if not isinstance(body, dict):
            raise invalid_body("the body must be a JSON object holding credentials", lang)
        if body.get("credentials") is None:
            raise missing_field("credentials", lang)
        world.delete_link(user, link_id, lang, credentials=body["credentials"])
        return Response(status_code=204)

    async def administrators(request: Request, lang: str | None) -> Response:
        user = user_of(request, lang)
        if request.method == "GET":
            return _json(world.administrators)
        action = request.query_params.get("action")
        if request.method == "POST" and action not in ("add", "remove"):
            raise not_found_operation(str(request.url.path), lang)
        body = await _body(request, lang)
        if not isinstance(body, dict):
            raise invalid_body("the body must be a JSON object", lang)
        if request.method == "PUT":
            world.set_administrators(user, body.get("group_names"), lang)
        elif action == "add":
            world.add_administrator(user, body.get("group_name"), lang)
        else:
            world.remove_administrator(user, body.get("group_name"), lang)
        return Response(status_code=204)

    async def faults(request: Request, lang: str | None) -> Response:
        if request.method in ("PUT", "POST", "PATCH"):
            changes = await _body(request, lang, empty={})
            try:
                world.faults.update(changes)
            except FaultValueError as exc:
                raise SimError(400, "INVALID_ARGUMENT", [message(
                    "hvctui.sim.invalid_fault",
                    {"fault": {"s": exc.fault}, "reason": {"s": exc.reason}},
                    lang=lang)]) from None
        return _json(world.faults.as_dict())

    async def stats(request: Request, lang: str | None) -> Response:
        return _json({
            "requests": world.stats.requests, "logins": world.stats.logins,
            "creates": world.stats.creates, "create_calls": world.stats.create_calls,
            "links": world.list_links(),
        })

    async def fallback(request: Request, lang: str | None) -> Response:
        raise not_found_operation(str(request.url.path), lang)

    routes = [
        Route("/api/session", vapi(session), methods=["POST", "GET", "DELETE"]),
        Route("/api/hvc/links", vapi(links), methods=["POST", "GET"]),
        # `path`: a link id may hold a `/` (sent as %2F); it is still one link id.
        Route("/api/hvc/links/{link:path}", vapi(one_link), methods=["GET", "DELETE", "POST"]),
        Route("/api/hvc/management/administrators", vapi(administrators),
              methods=["GET", "PUT", "POST"]),
        Route("/sim/faults", vapi(faults), methods=["GET", "PUT", "POST", "PATCH"]),
        Route("/sim/stats", vapi(stats), methods=["GET"]),
        Route("/{path:path}", _AnyMethod(vapi(fallback))),  # any other path or method
    ]

    async def unrouted(request: Request, exc: Exception) -> Response:
        # A path no route pattern matches (a newline in it, say): Starlette's own 404 is
        # plain text, so answer the vAPI way.
        return await vapi(fallback)(request)

    return Starlette(routes=routes, exception_handlers={HTTPException: unrouted})


class _AnyMethod:
    """An endpoint for every HTTP method: Starlette gives a function endpoint GET only, and
    answers other methods with a plain-text 405 that is no vAPI error."""

    def __init__(self, endpoint: Callable[[Request], Awaitable[Response]]) -> None:
        self.endpoint = endpoint

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self.endpoint(Request(scope, receive))
        await response(scope, receive, send)


def _basic(request: Request, lang: str | None) -> tuple[str, str]:
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() == "basic":
        try:
            user, sep, password = base64.b64decode(encoded).decode().partition(":")
            if sep:
                return user, password
        except ValueError:  # not base64, not ASCII, or not UTF-8
            pass
    raise SimError(401, "UNAUTHENTICATED", [message(
        "com.vmware.vapi.endpoint.method.authentication.required", lang=lang)])


def _loopback(scope: Scope) -> bool:
    client = scope.get("client")
    if not client:
        return True  # in-process (ASGI transport): nothing crossed a network
    try:
        return ipaddress.ip_address(client[0]).is_loopback
    except ValueError:
        return False


class SimApp:
    """ASGI wrapper: counts `/api` requests, applies the faults, guards `/sim/` to loopback."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.inner: ASGIApp = build_app(world)  # the tests wrap it: tests/hostile.py

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.inner(scope, receive, send)
            return
        started = False

        async def tracked(message: MutableMapping[str, Any]) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self._serve(scope, receive, tracked)
        except Exception as exc:
            if started:
                raise  # half an answer is out; only the connection can tell the client
            lang = negotiate(_header(scope, b"accept-language"))
            await error_response(_internal_error(exc, lang))(scope, receive, send)

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        if path.startswith("/sim/"):
            if not _loopback(scope):
                lang = negotiate(_header(scope, b"accept-language"))
                await error_response(SimError(403, "UNAUTHORIZED", [message(
                    "hvctui.sim.loopback_only", lang=lang)]))(scope, receive, send)
                return
            await self.inner(scope, receive, send)
            return
        self.world.stats.requests += 1
        faults = self.world.faults
        if faults.latency_ms:
            await asyncio.sleep(faults.latency_ms / 1000)
        if faults.drop:
            # Promise a body, send part of it, and stop: the client sees the connection drop.
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", b"64")]})
            await send({"type": "http.response.body", "body": b'{"partial', "more_body": True})
            return
        if faults.html_502:
            page = (b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>"
                    b"502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>")
            await Response(page, 502, media_type="text/html")(scope, receive, send)
            return
        if faults.unavailable:
            lang = negotiate(_header(scope, b"accept-language"))
            await error_response(unavailable(lang))(scope, receive, send)
            return
        if faults.malformed_json:
            await Response(b'{"error_type": "ERROR", "messages": [{"id": ', 500,
                           media_type="application/json")(scope, receive, send)
            return
        if faults.trickle:
            await self._trickle(scope, receive, send)
            return
        await self.inner(scope, receive, send)

    async def _trickle(self, scope: Scope, receive: Receive, send: Send) -> None:
        captured: dict[str, Any] = {"body": b""}

        async def capture(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                captured["start"] = message
            else:
                captured["body"] += message.get("body", b"")

        await self.inner(scope, receive, capture)
        gone = asyncio.Event()

        async def watch() -> None:
            # The request body is read; what receive() gives now is the client hanging up.
            while (await receive())["type"] != "http.disconnect":
                pass
            gone.set()

        watcher = asyncio.create_task(watch())
        try:
            await send(captured["start"])
            body: bytes = captured["body"]
            for i in range(len(body)):
                if gone.is_set():
                    self.world.stats.trickles_cut += 1  # the client gave up: its deadline
                    return
                await send({"type": "http.response.body", "body": body[i:i + 1],
                            "more_body": True})
                await asyncio.sleep(self.world.faults.trickle_ms / 1000)
            await send({"type": "http.response.body", "body": b""})
            self.world.stats.trickles_completed += 1
        finally:
            watcher.cancel()


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None
