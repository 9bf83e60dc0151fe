"""The tests' hostile vCenter: faults the simulator does not ship, installed by the tests'
simulator (`install`: conftest's shared one, test_sim_hostile's in-process one).

`HostileFaults` adds them to the package's `Faults`, so `/sim/faults` sets, checks and lists
them like the others; `HostileApp` wraps the simulator's Starlette app (`SimApp.inner`) and does
what they promise to the answers it sends, and to what a client sends back:

- `hostile_text`: every text field sent carries `HOSTILE_SNIPPETS` (terminal control sequences
  and Rich/Textual markup): messages' `id`, `default_message`, `localized`, `args`, param names
  and string values, nested `l` ids; error `data` values plus one hostile key; link ids and
  display names; health status and message; the session's user; administrator group names.
  The flow still works: a link id, group or thumbprint sent back is recognised inside the
  tainted text. A test can assert that none reaches a terminal raw, none is parsed as markup.
- `token_text`: when not empty, login answers this as the session token (e.g. non-ASCII); sent
  back (as UTF-8 or Latin-1) it stands for the session the world made.
- `message_count`: when not 0, every error's message stack has exactly this many messages (the
  real ones first, then numbered causes).
- `param_count`: when not 0, every message sent has at least this many params, of mixed kinds
  (s, i, d, dt).
- `odd_values`: every message sent also carries a `dt` of 9999-12-31T23:59:59-01:00 (past year
  9999 in UTC), an `i` of 10**30, a `d` of 1e308 with a `precision` of 10**9 and a `format`
  that is not a DateTimeFormat.
- `answer_bytes`: when not 0, every error answer is padded with JSON whitespace to this many
  bytes (for a client's read cap).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass, fields
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from hvctui.sim.app import SESSION_HEADER, SimApp
from hvctui.sim.catalog import negotiate
from hvctui.sim.world import Faults, FaultValueError, World

#: Each reaches a terminal raw only if a client forgot to neutralise server text.
HOSTILE_SNIPPETS: tuple[str, ...] = (
    "\x1b]52;c;aGFjaw==\x07",  # OSC 52: write "hack" to the clipboard
    "\x1b]0;pwned\x07",  # OSC 0: set the window title
    "\x1b[2J",  # CSI: clear the screen
    "\x9b2J",  # the same with the 8-bit C1 CSI
    "\x07",  # bell
    "[/oops]",  # a closing tag with no opening one: Rich raises MarkupError
    "[@click=app.quit]click[/]",  # a Textual action link
    "[b]bold[/b]",
)
_BEFORE = "".join(HOSTILE_SNIPPETS[:5])
_AFTER = "".join(HOSTILE_SNIPPETS[5:])
#: Every snippet once, in order: the text of a field that had none of its own.
HOSTILE_TEXT = _BEFORE + _AFTER

#: The values `odd_values` adds to every message: legal JSON, hard to render.
ODD_PARAMS: dict[str, dict[str, Any]] = {
    "odd_end_of_time": {"dt": "9999-12-31T23:59:59-01:00", "format": "FULL_DATE_TIME"},
    "odd_huge_integer": {"i": 10**30},
    "odd_huge_double": {"d": 1e308, "precision": 10**9},
    "odd_format": {"dt": "2019-04-05T18:30:02.000Z", "format": "NOT_A_DATE_TIME_FORMAT"},
}

#: The largest value each whole-number fault takes: a bound keeps every answer finite.
LIMITS = {"message_count": 100_000, "param_count": 10_000, "answer_bytes": 64 << 20}
TOKEN_TEXT_LIMIT = 4096
#: message_count x param_count stays below this, so one error answer stays buildable.
PARAMS_PER_ANSWER_LIMIT = 2_000_000

#: The numbered causes `message_count` adds, in the simulator's languages.
CAUSE = {
    "en": "Cause {depth} of {count}: the step above failed because of the one below.",
    "de": "Ursache {depth} von {count}: der Schritt darüber scheiterte am Schritt darunter.",
    "fr": "Cause {depth} sur {count} : l'étape du dessus a échoué à cause de celle du dessous.",
}


@dataclass
class HostileFaults(Faults):
    """The package's faults and the hostile ones (off by default)."""

    hostile_text: bool = False
    token_text: str = ""
    message_count: int = 0
    param_count: int = 0
    odd_values: bool = False
    answer_bytes: int = 0

    def update(self, changes: Any) -> None:
        """As Faults.update, all at once or none, checking the hostile faults too."""
        own = {f.name for f in fields(HostileFaults)} - {f.name for f in fields(Faults)}
        if not isinstance(changes, dict):
            super().update(changes)  # refused, as the package refuses it
        mine = {name: _checked(name, getattr(self, name), value)
                for name, value in changes.items() if name in own}
        counts = {**{n: getattr(self, n) for n in ("message_count", "param_count")}, **mine}
        if counts["message_count"] * counts["param_count"] > PARAMS_PER_ANSWER_LIMIT:
            raise FaultValueError("param_count", "message_count x param_count is at most "
                                  f"{PARAMS_PER_ANSWER_LIMIT}")
        super().update({name: value for name, value in changes.items() if name not in own})
        for name, value in mine.items():
            setattr(self, name, value)

    @property
    def on(self) -> bool:
        return bool(self.hostile_text or self.token_text or self.message_count
                    or self.param_count or self.odd_values or self.answer_bytes)


def _checked(name: str, current: Any, value: Any) -> Any:
    if isinstance(current, bool):
        if not isinstance(value, bool):
            raise FaultValueError(name, "takes true or false")
    elif isinstance(current, str):
        if not isinstance(value, str) or len(value) > TOKEN_TEXT_LIMIT:
            raise FaultValueError(name, f"takes a string of at most {TOKEN_TEXT_LIMIT} "
                                  "characters")
    elif not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= LIMITS[name]:
        raise FaultValueError(name, f"takes a whole number from 0 to {LIMITS[name]}")
    return value


def hostile_world(**options: Any) -> World:
    """A World whose faults include the hostile ones."""
    world = World(**options)
    world.faults = HostileFaults()
    return world


def install(app: SimApp) -> SimApp:
    """Give a simulator the hostile faults (its world keeps the faults already set)."""
    if not isinstance(app.world.faults, HostileFaults):
        app.world.faults = HostileFaults(**app.world.faults.as_dict())
    app.inner = HostileApp(app.inner, app.world)
    return app


# --- what the faults do to the answers --------------------------------------------------------

def taint(text: str) -> str:
    """`text` wrapped in every hostile snippet; the original stays whole in the middle."""
    return f"{_BEFORE}{text}{_AFTER}"


def resolve(offered: str, genuine: Iterable[str]) -> str | None:
    """The genuine value a client sent back: exact, or found inside what it offered (a client
    may echo a tainted value whole, or with the snippets cleaned). The longest match wins."""
    candidates = list(genuine)
    if offered in candidates:
        return offered
    inside = [value for value in candidates if value and value in offered]
    return max(inside, key=len) if inside else None


def _padding_param(index: int) -> dict[str, Any]:
    kind = index % 4
    if kind == 0:
        return {"s": f"value {index}"}
    if kind == 1:
        return {"i": index}
    if kind == 2:
        return {"d": index / 7, "precision": 3}
    return {"dt": "2019-04-05T18:30:02.000Z", "format": "MED_DATE_TIME"}


def _taint_params(params: dict[str, Any]) -> dict[str, Any]:
    tainted: dict[str, Any] = {}
    for name, param in params.items():
        value = dict(param) if isinstance(param, dict) else param
        if isinstance(value, dict):
            if isinstance(value.get("s"), str):
                value["s"] = taint(value["s"])
            if isinstance(value.get("l"), dict):
                value["l"] = _taint_nested(value["l"])
        tainted[taint(name)] = value
    return tainted


def _taint_nested(nested: dict[str, Any]) -> dict[str, Any]:
    out = dict(nested)
    out["id"] = taint(str(nested.get("id", "")))
    out["params"] = _taint_params(dict(nested.get("params") or {}))
    out["params"][HOSTILE_TEXT] = {"s": HOSTILE_TEXT}
    return out


def decorate_message(msg: dict[str, Any], faults: HostileFaults) -> dict[str, Any]:
    """One LocalizableMessage as the faults want it (a copy; `msg` itself is left alone)."""
    if not (faults.odd_values or faults.param_count or faults.hostile_text):
        return msg
    out = dict(msg)
    params = dict(msg.get("params") or {})
    if faults.odd_values:
        params.update(ODD_PARAMS)
    index = 0
    while len(params) < faults.param_count:
        params.setdefault(f"extra_{index}", _padding_param(index))
        index += 1
    if faults.hostile_text:
        params = _taint_params(params)
        params[HOSTILE_TEXT] = {"s": HOSTILE_TEXT}
        params[taint("nested")] = {"l": _taint_nested({"id": "hvctui.sim.nested"})}
        for key in ("id", "default_message", "localized"):
            if isinstance(out.get(key), str):
                out[key] = taint(out[key])
        out["args"] = [taint(str(arg)) for arg in msg.get("args") or []] or [HOSTILE_TEXT]
    if params:
        out["params"] = params
    return out


def _cause(depth: int, count: int, lang: str | None) -> dict[str, Any]:
    def text(language: str) -> str:
        return CAUSE[language].format(depth=depth, count=count)

    msg = {"args": [], "default_message": text("en"), "id": "hvctui.sim.cause",
           "params": {"depth": {"i": depth}, "count": {"i": count}}}
    return msg if lang is None else {**msg, "localized": text(lang)}


def decorate_error(body: dict[str, Any], faults: HostileFaults,
                   lang: str | None) -> dict[str, Any]:
    """An error body as the faults want it: the stack's length, each message, `data`."""
    messages = list(body.get("messages") or [])
    count = faults.message_count
    if count:
        messages = messages[:count] + [_cause(depth + 1, count, lang)
                                       for depth in range(len(messages), count)]
    out = dict(body)
    out["messages"] = [decorate_message(m, faults) for m in messages]
    if faults.hostile_text:
        data = {key: taint(value) if isinstance(value, str) else value
                for key, value in (body.get("data") or {}).items()}
        data[HOSTILE_TEXT] = HOSTILE_TEXT
        out["data"] = data
    return out


def decorate_answer(body: Any, faults: HostileFaults) -> Any:
    """A successful `/api` answer as the faults want it: its texts tainted (`hostile_text`),
    a health message decorated."""
    if isinstance(body, dict) and "health_status_message" in body:
        body["health_status_message"] = decorate_message(body["health_status_message"], faults)
    if not faults.hostile_text:
        return body
    if isinstance(body, str):  # a created link's id
        return taint(body)
    if isinstance(body, list):  # links (id, display name) or administrator groups
        return [taint(item) if isinstance(item, str)
                else {key: taint(value) for key, value in item.items()} for item in body]
    for key in ("user", "connection_health_status"):  # the session, a link's health
        if isinstance(body, dict) and key in body:
            body[key] = taint(body[key])
    return body


LINKS = "/api/hvc/links"


class HostileApp:
    """The simulator's Starlette app with the hostile faults applied around it: what a client
    sends back is made genuine on the way in, every answer decorated on the way out."""

    def __init__(self, inner: ASGIApp, world: World) -> None:
        self.inner = inner
        self.world = world
        #: Each `token_text` answered, to the session token the world made.
        self.tokens: dict[str, str] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        faults = self.world.faults
        if scope["type"] != "http" or not isinstance(faults, HostileFaults):
            await self.inner(scope, receive, send)
            return
        scope = self._genuine_token(scope)
        if not faults.on:
            await self.inner(scope, receive, send)
            return
        if faults.hostile_text:
            scope, receive = await self._genuine_request(scope, receive)
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            else:
                chunks.append(message.get("body", b""))

        await self.inner(scope, receive, capture)
        raw = b"".join(chunks)
        try:
            raw = self._decorated(scope, raw, faults)
        except Exception:  # a fault must never cost the answer itself
            pass
        headers = [(k, v) for k, v in start.get("headers", []) if k != b"content-length"]
        await send({**start, "headers": [*headers, (b"content-length", b"%d" % len(raw))]})
        await send({"type": "http.response.body", "body": raw})

    def _decorated(self, scope: Scope, raw: bytes, faults: HostileFaults) -> bytes:
        if not raw:
            return raw
        body = json.loads(raw)
        if isinstance(body, dict) and "error_type" in body:
            lang = negotiate(_header(scope, b"accept-language"))
            raw = json.dumps(decorate_error(body, faults, lang), sort_keys=True).encode()
            return raw + b" " * max(0, faults.answer_bytes - len(raw))  # JSON allows it
        if (scope["method"], scope["path"]) == ("POST", "/api/session"):
            if faults.token_text:
                self.tokens[faults.token_text] = body
                return json.dumps(faults.token_text).encode()
            return raw
        if scope["path"].startswith("/api/"):
            return json.dumps(decorate_answer(body, faults), sort_keys=True).encode()
        return raw

    def _genuine_token(self, scope: Scope) -> Scope:
        """A `token_text` sent back, as the session token the world knows."""
        sent = _header(scope, SESSION_HEADER.encode())
        if sent is None or not self.tokens:
            return scope
        raw = sent.encode("latin-1")
        for encoding in ("latin-1", "utf-8"):
            token = self.tokens.get(raw.decode(encoding, errors="replace"))
            if token is not None:
                headers = [(k, v) for k, v in scope["headers"] if k != SESSION_HEADER.encode()]
                return {**scope, "headers": [*headers, (SESSION_HEADER.encode(),
                                                        token.encode())]}
        return scope

    async def _genuine_request(self, scope: Scope, receive: Receive) -> tuple[Scope, Receive]:
        """Under `hostile_text`: a link id in the path, a group or a thumbprint in the body,
        sent back tainted, as the genuine value."""
        path: str = scope["path"]
        if path.startswith(LINKS + "/"):
            link = resolve(path[len(LINKS) + 1:], self.world.links)
            if link is not None:
                scope = {**scope, "path": f"{LINKS}/{link}"}
        if scope["method"] not in ("POST", "PUT"):
            return scope, receive
        chunks: list[bytes] = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if message["type"] != "http.request" or not message.get("more_body"):
                break
        raw = b"".join(chunks)
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError):
            body = None
        if isinstance(body, dict):
            raw = json.dumps(self._genuine_fields(body)).encode()
        replayed = False

        async def replay() -> MutableMapping[str, Any]:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": raw, "more_body": False}

        headers = [(k, v) for k, v in scope["headers"] if k != b"content-length"]
        return {**scope, "headers": [*headers, (b"content-length", b"%d" % len(raw))]}, replay

    def _genuine_fields(self, body: dict[str, Any]) -> dict[str, Any]:
        group = body.get("group_name")
        if isinstance(group, str):
            body["group_name"] = resolve(group, self.world.administrators) or group
        offered = body.get("ssl_thumbprint")
        if isinstance(offered, str):
            prints = {p.thumbprint.replace(":", ""): p.thumbprint
                      for p in self.world.pscs.values()}
            found = resolve(offered.replace(":", "").upper(), prints)
            body["ssl_thumbprint"] = prints[found] if found is not None else offered
        return body


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None
