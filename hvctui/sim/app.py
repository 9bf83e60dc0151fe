"""The simulator's HTTP face: vCenter's `/api` wire over a World, plus `/sim/` controls."""

from __future__ import annotations

import asyncio
import base64
import binascii
import ipaddress
import json
from collections.abc import MutableMapping
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from hvctui.sim.catalog import negotiate
from hvctui.sim.world import SimError, World, not_found_operation, unavailable

SESSION_HEADER = "vmware-api-session-id"


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body, sort_keys=True), status, media_type="application/json")


def _error(error: SimError) -> Response:
    return _json(error.body, error.status)


def _lang(request: Request) -> str | None:
    return negotiate(request.headers.get("accept-language"))


async def _body(request: Request, lang: str | None) -> Any:
    raw = await request.body()
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        from hvctui.sim.world import _invalid_body

        raise _invalid_body("the body is not JSON", lang) from None


def build_app(world: World) -> Starlette:
    """The Starlette app of the simulator over `world`."""

    def user_of(request: Request, lang: str | None) -> str:
        return world.session_user(request.headers.get(SESSION_HEADER), lang)

    async def session(request: Request) -> Response:
        lang = _lang(request)
        try:
            if request.method == "POST":
                user, password = _basic(request, lang)
                return _json(world.login(user, password, lang), 201)
            token = request.headers.get(SESSION_HEADER, "")
            user_of(request, lang)
            if request.method == "DELETE":
                world.logout(token)
                return Response(status_code=204)
            return _json(world.session_info(token))
        except SimError as error:
            return _error(error)

    async def links(request: Request) -> Response:
        lang = _lang(request)
        try:
            user = user_of(request, lang)
            if request.method == "POST":
                return _json(world.create_link(user, await _body(request, lang), lang), 201)
            return _json(world.list_links())
        except SimError as error:
            return _error(error)

    async def one_link(request: Request) -> Response:
        lang = _lang(request)
        link_id = request.path_params["link"]
        try:
            user = user_of(request, lang)
            if request.method == "GET":
                return _json(world.get_link(link_id, lang))
            if request.method == "DELETE":
                world.delete_link(user, link_id, lang)
                return Response(status_code=204)
            if request.query_params.get("action") != "delete":
                raise not_found_operation(str(request.url.path), lang)
            body = await _body(request, lang)
            credentials = body.get("credentials") if isinstance(body, dict) else body
            world.delete_link(user, link_id, lang, credentials=credentials or {})
            return Response(status_code=204)
        except SimError as error:
            return _error(error)

    async def administrators(request: Request) -> Response:
        lang = _lang(request)
        try:
            user = user_of(request, lang)
            if request.method == "GET":
                return _json(list(world.administrators))
            body = await _body(request, lang)
            body = body if isinstance(body, dict) else {}
            if request.method == "PUT":
                world.set_administrators(user, body.get("group_names"), lang)
            elif request.query_params.get("action") == "add":
                world.add_administrator(user, body.get("group_name"), lang)
            elif request.query_params.get("action") == "remove":
                world.remove_administrator(user, body.get("group_name"), lang)
            else:
                raise not_found_operation(str(request.url.path), lang)
            return Response(status_code=204)
        except SimError as error:
            return _error(error)

    async def faults(request: Request) -> Response:
        if request.method in ("PUT", "POST", "PATCH"):
            try:
                changes = json.loads(await request.body() or b"{}")
                if not isinstance(changes, dict):
                    raise ValueError("send a JSON object of fault names to values")
                world.faults.update(changes)
            except ValueError as exc:
                return _json({"error": str(exc)}, 400)
        return _json(world.faults.as_dict())

    async def stats(request: Request) -> Response:
        return _json({
            "requests": world.stats.requests, "logins": world.stats.logins,
            "creates": world.stats.creates, "create_calls": world.stats.create_calls,
            "links": world.list_links(),
        })

    async def fallback(request: Request) -> Response:
        return _error(not_found_operation(str(request.url.path), _lang(request)))

    routes = [
        Route("/api/session", session, methods=["POST", "GET", "DELETE"]),
        Route("/api/hvc/links", links, methods=["POST", "GET"]),
        Route("/api/hvc/links/{link}", one_link, methods=["GET", "DELETE", "POST"]),
        Route("/api/hvc/management/administrators", administrators,
              methods=["GET", "PUT", "POST"]),
        Route("/sim/faults", faults, methods=["GET", "PUT", "POST", "PATCH"]),
        Route("/sim/stats", stats, methods=["GET"]),
        Route("/{path:path}", fallback, methods=["GET", "POST", "PUT", "DELETE", "PATCH"]),
    ]
    return Starlette(routes=routes)


def _basic(request: Request, lang: str | None) -> tuple[str, str]:
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() == "basic":
        try:
            user, sep, password = base64.b64decode(encoded).decode().partition(":")
            if sep:
                return user, password
        except (binascii.Error, UnicodeDecodeError):
            pass
    from hvctui.sim.catalog import message

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
        self.inner = build_app(world)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.inner(scope, receive, send)
            return
        path: str = scope["path"]
        if path.startswith("/sim/"):
            if not _loopback(scope):
                await _json({"error": "the /sim/ controls answer on loopback only"}, 403)(
                    scope, receive, send)
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
            await _error(unavailable(lang))(scope, receive, send)
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
