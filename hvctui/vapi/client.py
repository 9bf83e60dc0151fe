"""The async vCenter client: session, HVC links and HLM administrators over the `/api` wire."""

from __future__ import annotations

import asyncio
import base64
import ssl
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx

from hvctui._compat import timeout
from hvctui.vapi.body import parse_json_body
from hvctui.vapi.checks import split_server
from hvctui.vapi.text import one_line
from hvctui.vapi.connection import SecretLike, Timeouts
from hvctui.vapi.errors import (
    ErrorType,
    HvcError,
    InputError,
    NetworkError,
    NotVapiAnswer,
    ServerError,
    TlsError,
)
from hvctui.vapi.tls import (
    TlsPolicy,
    build_ssl_context,
    check_pin,
    classify_verification_failure,
    find_ssl_error,
    read_server_certificate,
    sha256_thumbprint,
)

if TYPE_CHECKING:
    # The models (and pydantic) load when an answer is parsed into one, or on an error.
    from hvctui.vapi.models import LinkInfo, LinkSummary, SessionInfo
    from hvctui.vapi.models import CreateSpec

SESSION_HEADER = "vmware-api-session-id"

#: The longest link id accepted from a server or a user (vCenter's are UUIDs, 36 characters).
MAX_LINK_ID = 1024

#: The most of one answer hvctui reads; vCenter's largest answers are a few KiB.
MAX_ANSWER_BYTES = 4 * 1024 * 1024


class AnswerTooLarge(Exception):
    def __init__(self, status: int, content_type: str) -> None:
        self.status = status
        self.content_type = content_type


async def _read_capped(response: httpx.Response) -> bytes:
    """The body, decoded as sent, or AnswerTooLarge past MAX_ANSWER_BYTES."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            raise AnswerTooLarge(response.status_code, response.headers.get("content-type", ""))
        chunks.append(chunk)
    return b"".join(chunks)

#: Called with (phase, detail) as a call progresses: connect, tls, login, send, answer, logout.
EventHook = Callable[[str, str], None]


@dataclass(frozen=True)
class Answer:
    status: int
    json: Any


class VcenterClient:
    """One connection to one cloud vCenter; use as `async with`.

    A rejected credential is never retried. An expired session (401 on a call after a
    successful login) is renewed once with the same, already accepted credential.
    """

    def __init__(
        self,
        server: str,
        tls: TlsPolicy,
        *,
        accept_language: str = "",
        timeouts: Timeouts = Timeouts(),
        on_event: EventHook | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.host, self.port = split_server(server)
        self.server = server
        self.tls = tls
        self.accept_language = accept_language
        self.timeouts = timeouts
        self._on_event = on_event
        self._transport = transport
        self._http: httpx.AsyncClient | None = None
        self._token: str | None = None
        self._written = False
        self._user = ""
        self._password: SecretLike | None = None

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"https://{host}:{self.port}"

    def _emit(self, phase: str, detail: str) -> None:
        if self._on_event is not None:
            self._on_event(phase, detail)

    async def __aenter__(self) -> VcenterClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def _client(self) -> httpx.AsyncClient:
        if self._http is not None:
            return self._http
        where = f"{self.host}:{self.port}"
        self._emit("connect", f"{where} (TLS {self.tls.describe()})")
        pinned_der = None
        if self.tls.mode == "pinned" and self._transport is None:
            # Handshake-only probe: the certificate is checked before any request exists.
            pinned_der = await read_server_certificate(
                self.host, self.port, min(self.timeouts.connect, self.timeouts.total))
            check_pin(self.tls, pinned_der, where)
            self._emit("tls", "certificate matches the pin")
        context = build_ssl_context(self.tls, pinned_der) if self._transport is None else None
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            verify=context if context is not None else True,
            transport=self._transport,
            timeout=httpx.Timeout(self.timeouts.total, connect=self.timeouts.connect),
            headers={"Accept": "application/json"},
            follow_redirects=False,
        )
        return self._http

    async def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: dict[str, str] | None = None,
        auth_header: str | None = None,
        renew: bool = True,
    ) -> Answer:
        """Send one call; return its answer or raise an HvcError."""
        http = await self._client()
        headers: dict[str, str] = {}
        if self.accept_language:
            headers["Accept-Language"] = self.accept_language
        if auth_header is not None:
            headers["Authorization"] = auth_header
        elif self._token is not None:
            headers[SESSION_HEADER] = self._token
        content = None
        if body is not None:
            content = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        operation = f"{method} {path}"
        self._emit("send", operation)
        self._written = False
        try:
            async with timeout(self.timeouts.total):
                request = http.build_request(method, path, content=content, params=params,
                                             headers=headers, extensions={"trace": self._trace})
                response = await http.send(request, stream=True)
                try:
                    raw = await _read_capped(response)
                finally:
                    await response.aclose()
        except TimeoutError:
            raise NetworkError(
                "Timed out",
                f"{operation}: no complete answer from {self.host}:{self.port} within "
                f"{self.timeouts.total:g} s",
                self._after_sending(operation,
                                    "vCenter or the network is slow: check it is up, then "
                                    "try again."),
            ) from None
        except httpx.HTTPError as exc:
            error = self._network_error(exc, operation)
            if isinstance(error, TlsError) and error.kind in ("untrusted", "expired", "hostname"):
                await self._name_rejected_certificate(error)
            raise error from None
        except AnswerTooLarge as too_large:
            raise NotVapiAnswer(too_large.status, too_large.content_type, "",
                                f"the answer is larger than {MAX_ANSWER_BYTES // 1024} KiB; "
                                "hvctui stopped reading it") from None
        self._emit("answer", f"HTTP {response.status_code}")
        status = response.status_code
        content_type = response.headers.get("content-type", "")
        if 200 <= status < 300:
            if status == 204 or not raw:
                return Answer(status, None)
            return Answer(status, parse_json_body(status, content_type, raw))
        from hvctui.vapi.answers import parse_error

        error = parse_error(
            status,
            content_type,
            raw,
            challenge=response.headers.get("www-authenticate"),
            operation=operation,
        )
        if isinstance(error, ServerError):
            # Its localized texts are in the language asked for: dates in them follow it.
            error.language = response.headers.get("content-language") or self.accept_language
        if (
            renew
            and auth_header is None
            and isinstance(error, ServerError)
            and error.error_type is ErrorType.UNAUTHENTICATED
            and self._token is not None
            and self._password is not None
        ):
            self._emit("login", "session expired; logging in again once")
            self._token = None
            await self.login(self._user, self._password)
            return await self.request(method, path, body=body, params=params, renew=False)
        raise error

    async def _trace(self, event: str, info: dict[str, Any]) -> None:
        # Progress only; trust never depends on these httpcore event names.
        if event == "connection.connect_tcp.complete":
            self._emit("connect", f"TCP connected to {self.host}:{self.port}")
        elif event == "connection.start_tls.complete":
            self._emit("tls", f"TLS established ({self.tls.describe()})")
        elif event.endswith("send_request_headers.started"):
            self._written = True  # from here on the server may act on the request

    def _after_sending(self, operation: str, hint: str) -> str:
        """The hint, warned that a create that was written may have been carried out."""
        if self._written and operation == "POST /api/hvc/links":
            return ("The create request had been sent, so the link may exist: list the links "
                    "({links}) before linking again. " + hint)
        return hint

    def _network_error(self, exc: httpx.HTTPError, operation: str) -> HvcError:
        where = f"{self.host}:{self.port}"
        ssl_error = find_ssl_error(exc)
        if ssl_error is not None and not self._written:
            if self.tls.mode == "pinned" and isinstance(ssl_error, ssl.SSLCertVerificationError):
                return TlsError(
                    "pin_mismatch",
                    f"{where} presented a certificate other than the pinned one during the "
                    f"handshake ({ssl_error.verify_message or ssl_error}). Nothing was sent.",
                    "Verify the certificate with the vCenter administrator and pin it again.",
                )
            if isinstance(ssl_error, ssl.SSLCertVerificationError):
                return classify_verification_failure(ssl_error, where, self.tls)
            return TlsError("handshake", f"{where}: the TLS handshake failed ({ssl_error}). "
                            "Nothing was sent.", "Check the server address and port: is it "
                            "vCenter's HTTPS port?")
        if isinstance(exc, httpx.TimeoutException):
            return NetworkError(
                "Timed out", f"{operation}: {where} did not answer in time",
                self._after_sending(operation,
                                    "Check that vCenter is up and reachable, then try again."),
            )
        if isinstance(exc, httpx.ConnectError) and not self._written:
            return NetworkError(
                "Cannot connect",
                f"{where}: {exc or 'connection failed'}",
                f"Check the server address, that {self.host} resolves, and that port "
                f"{self.port} is open from this host.",
            )
        return NetworkError(
            "Connection dropped",
            f"{operation}: the connection to {where} failed before a complete answer "
            f"({type(exc).__name__}: {ssl_error or exc})",
            self._after_sending(operation, "A proxy or vCenter itself dropped the call: "
                                "try again."),
        )

    async def _name_rejected_certificate(self, error: TlsError) -> None:
        """Add the rejected certificate's SHA-256, so the user can pin it without openssl."""
        try:
            der = await read_server_certificate(self.host, self.port,
                                                min(self.timeouts.connect, self.timeouts.total))
        except HvcError:
            return
        sha256 = sha256_thumbprint(der)
        error.data["sha256"] = sha256
        error.message += f" It presented the certificate with SHA-256 {sha256}."
        error.hint = (f"If that thumbprint is the one your vCenter administrator confirms, pin "
                      f"it (--pin {sha256}, or tls = \"pinned\" in the profile); or give the "
                      "CA that signed it (--ca-file PATH).")

    # --- session ---------------------------------------------------------------------------

    async def login(self, user: str, password: SecretLike) -> None:
        """Create a session with Basic auth. A rejected credential raises and is not retried."""
        self._emit("login", f"logging in as {user}")
        try:
            # surrogateescape: a password read from a non-UTF-8 environment keeps its bytes.
            raw = f"{user}:{password.get_secret_value()}".encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            # The exception would quote the character: name the field, never the value.
            raise InputError(f"the password of {user} holds a character that cannot be sent",
                             field="password", hint="Type the password again.") from None
        header = "Basic " + base64.b64encode(raw).decode("ascii")
        answer = await self.request("POST", "/api/session", auth_header=header, renew=False)
        token = answer.json
        if not isinstance(token, str) or not token or len(token) > 4096 or not (
                token.isascii() and token.isprintable()):
            raise NotVapiAnswer(answer.status, "application/json", one_line(repr(token), 80),
                                "the session answer is not a token (printable ASCII text)")
        self._token = answer.json
        self._user = user
        self._password = password

    async def session(self) -> SessionInfo:
        answer = await self.request("GET", "/api/session")
        from hvctui.vapi.models import SessionInfo

        return _validate(SessionInfo, answer.json, answer)

    async def logout(self) -> None:
        if self._token is None:
            return
        self._emit("logout", "ending the session")
        try:
            await self.request("DELETE", "/api/session", renew=False)
        finally:
            self._token = None
            self._password = None

    # --- links -----------------------------------------------------------------------------

    async def create_link(self, spec: CreateSpec) -> str:
        answer = await self.request("POST", "/api/hvc/links", body=spec.to_wire())
        link = answer.json
        if not isinstance(link, str) or not link or len(link) > MAX_LINK_ID:
            # A link id is shown, copied and sent back (its text made printable where shown).
            raise NotVapiAnswer(answer.status, "application/json", one_line(repr(answer.json), 80),
                                "the create answer is not a link id")
        return answer.json

    async def list_links(self) -> list[LinkSummary]:
        answer = await self.request("GET", "/api/hvc/links")
        if not isinstance(answer.json, list):
            raise NotVapiAnswer(answer.status, "application/json", one_line(repr(answer.json), 80),
                                "the list answer is not a list")
        from hvctui.vapi.models import LinkSummary

        return [_validate(LinkSummary, item, answer) for item in answer.json]

    async def get_link(self, link: str) -> LinkInfo:
        answer = await self.request("GET", f"/api/hvc/links/{link_segment(link)}")
        from hvctui.vapi.models import LinkInfo

        return _validate(LinkInfo, answer.json, answer)

    async def delete_link(self, link: str) -> None:
        await self.request("DELETE", f"/api/hvc/links/{link_segment(link)}")

    async def delete_link_with_credentials(
        self, link: str, user_name: str, password: SecretLike
    ) -> None:
        body = {"credentials": {"user_name": user_name, "password": password.get_secret_value()}}
        await self.request(
            "POST", f"/api/hvc/links/{link_segment(link)}", body=body,
            params={"action": "delete"},
        )

    # --- HLM administrators ----------------------------------------------------------------

    async def get_administrators(self) -> list[str]:
        answer = await self.request("GET", "/api/hvc/management/administrators")
        if not isinstance(answer.json, list):
            raise NotVapiAnswer(answer.status, "application/json", one_line(repr(answer.json), 80),
                                "the administrators answer is not a list")
        return [str(g) for g in answer.json]

    async def set_administrators(self, group_names: list[str]) -> None:
        await self.request(
            "PUT", "/api/hvc/management/administrators", body={"group_names": group_names}
        )

    async def add_administrator(self, group_name: str) -> None:
        await self.request(
            "POST", "/api/hvc/management/administrators",
            body={"group_name": group_name}, params={"action": "add"},
        )

    async def remove_administrator(self, group_name: str) -> None:
        await self.request(
            "POST", "/api/hvc/management/administrators",
            body={"group_name": group_name}, params={"action": "remove"},
        )


def link_segment(value: str) -> str:
    """A link id as one path segment; "." and ".." would climb the path instead.

    Raises InputError for an id that cannot be one: flows check it before connecting."""
    if value.strip() in ("", ".", "..") or len(value) > MAX_LINK_ID:
        raise InputError(f"'{one_line(value, 40)}' is not a link id", field="link",
                         hint="List the links ({links}) to see their ids.")
    return quote(value, safe="")


def _validate(model: type[Any], data: Any, answer: Answer) -> Any:
    from pydantic import ValidationError

    try:
        return model.model_validate(data)
    except ValidationError:
        raise NotVapiAnswer(
            answer.status, "application/json", json.dumps(data)[:120],
            f"the answer does not have the shape of {model.__name__}",
        ) from None
