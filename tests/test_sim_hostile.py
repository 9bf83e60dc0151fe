"""The simulator cannot be broken by a request, and the tests' hostile faults (tests/hostile.py,
installed on it as the tests' simulator installs them) send what they promise.

Everything runs in-process (httpx's ASGI transport over SimApp, no socket): the wire format
is what matters here, not TLS.
"""

from __future__ import annotations

from hvctui.vapi.errors import BadOffer

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from hvctui.sim.app import BODY_LIMIT, SimApp
from hvctui.sim.world import DEMO_PASSWORD, World
from hvctui.vapi import flow
from hvctui.vapi.connection import Connection, TlsPolicy
from hvctui.vapi.errors import ErrorType, ServerError
from hvctui.vapi.models import CertificateInfo, CreateSpec
from hvctui.vapi.psccheck import PscCheck

from .hostile import (HOSTILE_SNIPPETS, HOSTILE_TEXT, ODD_PARAMS, HostileFaults, hostile_world,
                      install)

ADMIN = ("cloudadmin@vmc.local", DEMO_PASSWORD)
#: The HTTP status vCenter uses for each error type the simulator sends (wire-notes.md).
STATUS = {"INVALID_ARGUMENT": 400, "INVALID_REQUEST": 400, "UNSUPPORTED": 400,
          "ALREADY_EXISTS": 400, "UNVERIFIED_PEER": 400, "UNAUTHENTICATED": 401,
          "UNAUTHORIZED": 403, "NOT_FOUND": 404, "ERROR": 500, "INTERNAL_SERVER_ERROR": 500,
          "SERVICE_UNAVAILABLE": 503}


def corp_spec(world: World, **changes: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "psc_hostname": "psc.corp.local", "domain_name": "corp.local",
        "username": "administrator@corp.local", "password": DEMO_PASSWORD,
        "ssl_thumbprint": world.pscs["psc.corp.local"].thumbprint,
    }
    spec.update(changes)
    return spec


def linked_world() -> World:
    """The default world (seeded) with its one link already made."""
    world = hostile_world(seed=7)
    world.create_link("cloudadmin@vmc.local", corp_spec(world), None)
    return world


LINK_ID = next(iter(linked_world().links))


@asynccontextmanager
async def in_process(world: World, client: tuple[str, int] = ("127.0.0.1", 50000)
                     ) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=install(SimApp(world)), client=client)
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as http:
        yield http


async def login(http: httpx.AsyncClient) -> dict[str, str]:
    answer = await http.post("/api/session", auth=ADMIN)
    assert answer.status_code == 201
    return {"vmware-api-session-id": answer.json()}


def state(world: World) -> tuple[Any, ...]:
    """What a refused request must leave as it was."""
    return (dict(world.links), list(world.administrators), set(world.sessions),
            world.faults.as_dict())


def assert_vapi_error(answer: httpx.Response, error_type: str | None = None) -> dict[str, Any]:
    """The answer is a vAPI error body whose type matches its HTTP status."""
    assert answer.headers["content-type"] == "application/json"
    body = answer.json()
    assert isinstance(body, dict) and isinstance(body.get("messages"), list), body
    assert STATUS[body["error_type"]] == answer.status_code, body
    if error_type is not None:
        assert body["error_type"] == error_type, body
    return body


def params_of(body: dict[str, Any]) -> dict[str, Any]:
    return body["messages"][0].get("params", {})


async def normal_flow_works(http: httpx.AsyncClient, world: World) -> None:
    """Log in, unlink whatever is linked, link again through the trust step, log out."""
    headers = await login(http)
    for row in (await http.get("/api/hvc/links", headers=headers)).json():
        answer = await http.delete(f"/api/hvc/links/{quote(row['link'], safe='')}",
                                   headers=headers)
        assert answer.status_code == 204
    spec = corp_spec(world)
    del spec["ssl_thumbprint"]
    refused = await http.post("/api/hvc/links", json=spec, headers=headers)
    offered = assert_vapi_error(refused, "UNVERIFIED_PEER")["data"]["ssl_thumbprint"]
    created = await http.post("/api/hvc/links", json={**spec, "ssl_thumbprint": offered},
                              headers=headers)
    assert created.status_code == 201, created.text
    listed = (await http.get("/api/hvc/links", headers=headers)).json()
    assert [row["link"] for row in listed] == [created.json()]
    assert (await http.delete("/api/session", headers=headers)).status_code == 204


# --- the known cases, one by one ----------------------------------------------------------

async def create_refused(spec_changes: dict[str, Any], field: str) -> dict[str, Any]:
    world = hostile_world(seed=7)
    async with in_process(world) as http:
        headers = await login(http)
        before = state(world)
        answer = await http.post("/api/hvc/links", json=corp_spec(world, **spec_changes),
                                 headers=headers)
        body = assert_vapi_error(answer, "INVALID_ARGUMENT")
        assert state(world) == before and world.stats.creates == 0
        assert field in json.dumps(body["messages"][0]["params"])
        await normal_flow_works(http, world)
    return body


@pytest.mark.parametrize("port", ["²", "9" * 5000, "٤٤٣", "44 3", "-443"])
async def test_a_port_that_is_no_ascii_number_is_an_invalid_port(port: str) -> None:
    body = await create_refused({"port": port}, "port")
    assert body["messages"][0]["id"] == "com.vmware.vcenter.hvc.links.invalid_port"
    assert params_of(body)["port"] == {"s": port}


async def test_an_unknown_host_with_a_huge_port_is_still_unreachable() -> None:
    world = hostile_world(seed=7)
    async with in_process(world) as http:
        answer = await http.post("/api/hvc/links", headers=await login(http), json=corp_spec(
            world, psc_hostname="psc.nowhere.example", port="9" * 5000))
        body = assert_vapi_error(answer, "ERROR")
        assert params_of(body)["port"] == {"i": 443}


@pytest.mark.parametrize(("field", "value"), [
    ("ssl_thumbprint", 5), ("ssl_thumbprint", ["AB"]), ("port", 443.5), ("port", {}),
    ("ssl_certificate", 1), ("admin_groups", "vmc-admins@corp.local"),
    ("admin_groups", [1, 2]), ("admin_groups", {}), ("psc_hostname", 5),
    ("domain_name", ["corp.local"]), ("username", True), ("password", {"s": "x"}),
])
async def test_a_field_of_the_wrong_type_is_named_in_invalid_argument(field: str,
                                                                     value: Any) -> None:
    body = await create_refused({field: value}, field)
    assert body["messages"][0]["id"] == "com.vmware.vapi.std.errors.invalid_field"
    assert params_of(body)["field"] == {"s": field}


@pytest.mark.parametrize("field", ["psc_hostname", "domain_name", "username", "password"])
async def test_a_missing_required_field_is_named(field: str) -> None:
    body = await create_refused({field: None}, field)
    assert body["messages"][0]["id"] == "com.vmware.vapi.std.errors.missing_field"


@pytest.mark.parametrize("raw", [
    b"[" * 100_000, b'{"a":' * 100_000, b"\xff\xfe\x00garbage", b"{\"psc_hostname\": \"\xe9\"}",
    b"not json", b"{", b"\x00",
])
async def test_a_body_that_is_not_json_is_refused_and_breaks_nothing(raw: bytes) -> None:
    world = hostile_world(seed=7)
    async with in_process(world) as http:
        headers = {**await login(http), "content-type": "application/json"}
        before = state(world)
        answer = await http.post("/api/hvc/links", content=raw, headers=headers)
        body = assert_vapi_error(answer, "INVALID_ARGUMENT")
        assert body["messages"][0]["id"] == "com.vmware.vapi.std.errors.invalid_body"
        assert state(world) == before
        await normal_flow_works(http, world)


async def test_a_body_over_the_limit_is_refused_with_invalid_request() -> None:
    world = hostile_world(seed=7)
    sent = {"bytes": 0}

    async def chunked() -> AsyncIterator[bytes]:  # no Content-Length: the reader must count
        for _ in range(64):
            sent["bytes"] += 64 << 10
            yield b" " * (64 << 10)

    async with in_process(world) as http:
        headers = await login(http)
        for content in (b"[" + b" " * BODY_LIMIT + b"]", chunked()):
            answer = await http.post("/api/hvc/links", content=content, headers=headers)
            body = assert_vapi_error(answer, "INVALID_REQUEST")
            assert params_of(body)["limit"] == {"i": BODY_LIMIT}
        assert sent["bytes"] <= BODY_LIMIT + (64 << 10)  # stopped reading at the limit
        assert world.stats.create_calls == 0
        await normal_flow_works(http, world)


@pytest.mark.parametrize("declared", [b"%d" % (10 << 30), b"1" + b"0" * 5000])
async def test_a_declared_length_over_the_limit_is_refused_before_reading_the_body(
        declared: bytes) -> None:
    world = linked_world()
    token = world.login(*ADMIN, None)
    reads: list[Any] = []
    sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        reads.append(1)
        return {"type": "http.request", "body": b"{}", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": "/api/hvc/links", "raw_path": b"",
             "query_string": b"", "root_path": "", "client": ("127.0.0.1", 1),
             "server": ("sim", 80), "headers": [(b"content-length", declared),
                                                (b"vmware-api-session-id", token.encode())]}
    await SimApp(world)(scope, receive, send)
    assert sent[0]["status"] == 400 and reads == []
    assert json.loads(sent[1]["body"])["error_type"] == "INVALID_REQUEST"


@pytest.mark.parametrize("raw", [
    b'{"latency_ms": 1e400}', b'{"latency_ms": NaN}', b'{"latency_ms": -1}',
    b'{"latency_ms": "5"}', b'{"latency_ms": 1.5}', b'{"latency_ms": true}',
    b'{"latency_ms": 1' + b"0" * 400 + b"}", b'{"trickle_ms": 100000000}',
    b'{"drop": 1}', b'{"token_text": 5}', b'{"message_count": 100001}',
    b'{"message_count": 100000, "param_count": 10000}', b'{"answer_bytes": -5}',
    b'{"no_such_fault": true}', b'{"drop": true, "no_such_fault": true}', b"[]", b"5",
    b"[" * 100_000, b"\xff",
])
async def test_a_wrong_fault_is_refused_and_changes_no_fault(raw: bytes) -> None:
    world = hostile_world(seed=7)
    async with in_process(world) as http:
        answer = await http.put("/sim/faults", content=raw)
        assert_vapi_error(answer, "INVALID_ARGUMENT")
        assert world.faults == HostileFaults()  # not even the valid half of a mixed change
        await normal_flow_works(http, world)


async def test_a_refused_fault_names_the_fault() -> None:
    async with in_process(hostile_world(seed=7)) as http:
        body = assert_vapi_error(await http.put("/sim/faults", json={"latency_ms": -1}))
        assert body["messages"][0]["id"] == "hvctui.sim.invalid_fault"
        assert params_of(body)["fault"] == {"s": "latency_ms"}


@pytest.mark.parametrize("fault", ["hostile_text", "token_text", "message_count",
                                   "param_count", "odd_values", "answer_bytes"])
async def test_the_package_simulator_knows_no_hostile_fault_and_names_it(fault: str) -> None:
    world = World(seed=7)
    transport = httpx.ASGITransport(app=SimApp(world), client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as http:
        body = assert_vapi_error(await http.put("/sim/faults", json={fault: True}),
                                 "INVALID_ARGUMENT")
        assert params_of(body)["fault"] == {"s": fault}
        assert "unknown fault" in params_of(body)["reason"]["s"]
        assert fault not in (await http.get("/sim/faults")).json()


async def test_valid_faults_are_set_together() -> None:
    world = hostile_world(seed=7)
    async with in_process(world) as http:
        answer = await http.put("/sim/faults", json={"latency_ms": 5, "hostile_text": True,
                                                     "token_text": "jeton-é"})
        assert answer.status_code == 200 and answer.json() == world.faults.as_dict()
        assert (world.faults.latency_ms, world.faults.hostile_text) == (5, True)


@pytest.mark.parametrize(("method", "path", "body", "error_type", "field"), [
    ("POST", f"/api/hvc/links/{LINK_ID}?action=delete", [], "INVALID_ARGUMENT", "body"),
    ("POST", f"/api/hvc/links/{LINK_ID}?action=delete", {}, "INVALID_ARGUMENT", "credentials"),
    ("POST", f"/api/hvc/links/{LINK_ID}?action=delete", {"credentials": "x"},
     "INVALID_ARGUMENT", "credentials"),
    ("POST", f"/api/hvc/links/{LINK_ID}?action=delete",
     {"credentials": {"user_name": 5, "password": DEMO_PASSWORD}}, "INVALID_ARGUMENT",
     "credentials.user_name"),
    ("POST", f"/api/hvc/links/{LINK_ID}?action=delete",
     {"credentials": {"user_name": "administrator@corp.local"}}, "INVALID_ARGUMENT",
     "credentials.password"),
    ("POST", f"/api/hvc/links/{LINK_ID}?action=nope", {}, "NOT_FOUND", LINK_ID),
    ("PUT", "/api/hvc/management/administrators", {}, "INVALID_ARGUMENT", "group_names"),
    ("PUT", "/api/hvc/management/administrators", {"group_names": "a@b"},
     "INVALID_ARGUMENT", "group_names"),
    ("PUT", "/api/hvc/management/administrators", {"group_names": [["a@b"]]},
     "INVALID_ARGUMENT", "group_names"),
    ("PUT", "/api/hvc/management/administrators", "x", "INVALID_ARGUMENT", "body"),
    ("POST", "/api/hvc/management/administrators?action=add", {}, "INVALID_ARGUMENT",
     "group_name"),
    ("POST", "/api/hvc/management/administrators?action=add", {"group_name": {"a": 1}},
     "INVALID_ARGUMENT", "group_name"),
    ("POST", "/api/hvc/management/administrators?action=add", {"group_name": "no-domain"},
     "INVALID_ARGUMENT", "group_name"),
    ("POST", "/api/hvc/management/administrators?action=remove", {"group_name": []},
     "INVALID_ARGUMENT", "group_name"),
    ("POST", "/api/hvc/management/administrators?action=remove", {"group_name": "x@y"},
     "ERROR", "x@y"),
    ("POST", "/api/hvc/management/administrators?action=remove", None, "INVALID_ARGUMENT",
     "body"),
    ("OPTIONS", "/api/session", None, "NOT_FOUND", "/api/session"),
    ("PATCH", "/api/hvc/links", None, "NOT_FOUND", "/api/hvc/links"),
    ("GET", "/api/hvc/links/", None, "NOT_FOUND", "/api/hvc/links/"),
    ("GET", "/api/hvc/links/a%2Fb", None, "NOT_FOUND", "a/b"),
])
async def test_every_wrong_call_is_a_vapi_error_naming_what_is_wrong(
        method: str, path: str, body: Any, error_type: str, field: str) -> None:
    world = linked_world()
    async with in_process(world) as http:
        headers = await login(http)
        before = state(world)
        content = None if body is None else json.dumps(body).encode()
        answer = await http.request(method, path, content=content, headers=headers)
        reply = assert_vapi_error(answer, error_type)
        assert state(world) == before
        assert field == "body" or field in json.dumps(reply["messages"], ensure_ascii=False)
        await normal_flow_works(http, world)


@pytest.mark.parametrize("authorization", [
    b"Basic \xe9\xe9", b"Basic " + __import__("base64").b64encode(b"\xff\xfe:x"),
    b"Basic !!!", b"Basic", b"Bearer x", b"Basic " + b"A" * 10_000,
])
async def test_a_broken_basic_header_is_unauthenticated(authorization: bytes) -> None:
    world = hostile_world(seed=7)
    async with in_process(world) as http:
        answer = await http.post("/api/session", headers={"authorization": authorization})
        assert_vapi_error(answer, "UNAUTHENTICATED")
        assert world.sessions == {}


async def test_sim_controls_off_loopback_answer_a_vapi_unauthorized() -> None:
    world = hostile_world(seed=7)
    async with in_process(world, client=("192.0.2.7", 50000)) as http:
        answer = await http.put("/sim/faults", json={"drop": True})
        assert_vapi_error(answer, "UNAUTHORIZED")
        assert world.faults == HostileFaults()


async def test_an_unexpected_exception_is_an_internal_server_error_and_the_next_call_works(
        monkeypatch: pytest.MonkeyPatch) -> None:
    world = hostile_world(seed=7)

    def broken() -> list[dict[str, str]]:
        raise RuntimeError("a bug in the simulator")

    async with in_process(world) as http:
        headers = await login(http)
        monkeypatch.setattr(world, "list_links", broken)
        body = assert_vapi_error(await http.get("/api/hvc/links", headers=headers),
                                 "INTERNAL_SERVER_ERROR")
        assert body["messages"][0]["args"] == ["RuntimeError"]
        assert "a bug" not in json.dumps(body)
        monkeypatch.undo()
        await normal_flow_works(http, world)


# --- anything at all, at every endpoint --------------------------------------------------

FIELDS = ["psc_hostname", "port", "domain_name", "username", "password", "ssl_thumbprint",
          "ssl_certificate", "admin_groups", "credentials", "user_name", "group_names",
          "group_name", "latency_ms", "drop", "hostile_text", "token_text", "message_count",
          "param_count", "odd_values", "answer_bytes", "trickle", "trickle_ms", "unhealthy"]
scalars = (st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
           | st.sampled_from(["²", "9" * 5000, "443", "psc.corp.local", "corp.local",
                              "vmc-admins@corp.local", "administrator@corp.local",
                              DEMO_PASSWORD, LINK_ID, 10**400, -1, 1e400, "\ud800"]))
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), inner, max_size=6),
    max_leaves=16)
near_specs = st.fixed_dictionaries(
    {"psc_hostname": st.sampled_from(["psc.corp.local", "psc-legacy.corp.local", "x"]),
     "domain_name": st.sampled_from(["corp.local", "legacy.local"]) | st.text(max_size=5),
     "username": st.just("administrator@corp.local"), "password": st.just(DEMO_PASSWORD)},
    optional={name: json_values for name in ("port", "ssl_thumbprint", "admin_groups",
                                             "ssl_certificate")})
near_bodies = st.fixed_dictionaries({}, optional={name: json_values for name in (
    "credentials", "group_names", "group_name")}) | st.fixed_dictionaries(
    {"credentials": st.fixed_dictionaries({}, optional={
        "user_name": json_values | st.just("administrator@corp.local"),
        "password": json_values | st.just(DEMO_PASSWORD)})})
near_faults = st.dictionaries(st.sampled_from(FIELDS[12:]) | st.text(max_size=6), scalars,
                              max_size=4)


def encoded(value: Any) -> bytes:
    return json.dumps(value).encode()


bodies = (json_values.map(encoded) | near_specs.map(encoded) | near_bodies.map(encoded)
          | near_faults.map(encoded) | st.binary(max_size=64)
          | st.integers(1, 3000).map(lambda depth: b"[" * depth + b"]" * depth))
link_ids = st.sampled_from([LINK_ID]) | st.text(min_size=1, max_size=12)
ENDPOINTS = [
    ("POST", "/api/session"), ("GET", "/api/session"), ("DELETE", "/api/session"),
    ("POST", "/api/hvc/links"), ("GET", "/api/hvc/links"),
    ("GET", "/api/hvc/links/{link}"), ("DELETE", "/api/hvc/links/{link}"),
    ("POST", "/api/hvc/links/{link}?action=delete"),
    ("GET", "/api/hvc/management/administrators"),
    ("PUT", "/api/hvc/management/administrators"),
    ("POST", "/api/hvc/management/administrators?action=add"),
    ("POST", "/api/hvc/management/administrators?action=remove"),
    ("PUT", "/sim/faults"), ("PATCH", "/{link}"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
@settings(max_examples=150, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(body=bodies, link=link_ids, authorization=st.binary(max_size=40),
       language=st.binary(max_size=12))
def test_no_request_breaks_the_simulator(method: str, path: str, body: bytes, link: str,
                                         authorization: bytes, language: bytes) -> None:
    asyncio.run(_any_request(method, path.replace("{link}", quote(link, safe="")), body,
                             authorization, language))


async def _any_request(method: str, path: str, body: bytes, authorization: bytes,
                       language: bytes) -> None:
    world = linked_world()
    async with in_process(world) as http:
        headers: dict[str, Any] = {**await login(http), "accept-language": language}
        if path == "/api/session" and method == "POST":
            headers = {"authorization": b"Basic " + authorization}
        before = state(world)
        answer = await http.request(method, path, content=body, headers=headers)
        if answer.status_code >= 300:
            assert_vapi_error(answer)
            assert state(world) == before
        else:
            assert answer.status_code in (200, 201, 204)
        HostileFaults().update(world.faults.as_dict())  # whatever was set is a valid set of faults
        world.faults = HostileFaults()
        await normal_flow_works(http, world)


# --- hostile_text -------------------------------------------------------------------------

def test_the_hostile_snippets_are_the_promised_ones() -> None:
    assert HOSTILE_SNIPPETS == (
        "\x1b]52;c;aGFjaw==\x07", "\x1b]0;pwned\x07", "\x1b[2J", "\x9b2J", "\x07",
        "[/oops]", "[@click=app.quit]click[/]", "[b]bold[/b]")


def hostile(text: Any) -> bool:
    return isinstance(text, str) and all(snippet in text for snippet in HOSTILE_SNIPPETS)


def texts_of_message(msg: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """Every text field of a LocalizableMessage, named by where it sits."""
    yield "id", msg["id"]
    yield "default_message", msg["default_message"]
    if "localized" in msg:
        yield "localized", msg["localized"]
    assert msg["args"], "hostile messages carry args"
    for arg in msg["args"]:
        yield "args", arg
    yield from texts_of_params(msg["params"])


def texts_of_params(params: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    assert params
    for name, param in params.items():
        yield "param name", name
        if "s" in param:
            yield f"param {name!r}", param["s"]
        if "l" in param:
            yield "nested id", param["l"]["id"]
            yield from texts_of_params(param["l"]["params"])


def assert_all_hostile(pairs: Iterator[tuple[str, Any]]) -> int:
    seen = 0
    for where, text in pairs:
        assert hostile(text), (where, text)
        seen += 1
    return seen


def connection(language: str | None = None) -> Connection:
    return Connection("vcenter.example", ADMIN[0], SecretStr(ADMIN[1]),
                      TlsPolicy("pinned", pin_sha256=":".join(["5A"] * 32)),
                      accept_language=language)  # type: ignore[arg-type]


async def test_under_hostile_text_every_text_field_is_hostile_and_the_flow_still_works(
) -> None:
    world = hostile_world(seed=7)
    world.faults.update({"hostile_text": True, "unhealthy": True})
    transport = httpx.ASGITransport(app=install(SimApp(world)))
    offers: list[CertificateInfo] = []

    async def trust(offer: CertificateInfo, _: PscCheck) -> bool:
        offers.append(offer)
        return True

    spec = CreateSpec(psc_hostname="psc.corp.local", domain_name="corp.local",
                      username="administrator@corp.local", password=DEMO_PASSWORD,
                      admin_groups=["ops@corp.local"])
    # The client refuses to resubmit a hostile "thumbprint" (not a SHA-256 one) ...
    with pytest.raises(BadOffer) as refused:
        await flow.link(connection("de-DE"), spec, trust, transport=transport)
    offered = refused.value.answer.data["ssl_thumbprint"]
    assert offers == [] and hostile(offered)
    assert world.pscs["psc.corp.local"].thumbprint in offered and world.links == {}
    # ... so the user gives the real one, and the server still links.
    spec = spec.with_thumbprint(world.pscs["psc.corp.local"].thumbprint)
    outcome = await flow.link(connection("de-DE"), spec, trust, transport=transport)
    assert hostile(outcome.link_id)
    assert len(world.links) == 1 and next(iter(world.links)) in outcome.link_id

    rows = await flow.list_links(connection(), transport=transport)
    assert len(rows) == 1 and hostile(rows[0].link) and hostile(rows[0].display_name)
    info = rows[0].info  # the get found the link from its tainted id
    assert info is not None and hostile(info.connection_health_status)

    async with in_process(world) as http:
        headers = {**await login(http), "accept-language": "fr"}
        health = (await http.get(f"/api/hvc/links/{quote(rows[0].link, safe='')}",
                                 headers=headers)).json()
        assert assert_all_hostile(texts_of_message(health["health_status_message"])) > 10
        groups = (await http.get("/api/hvc/management/administrators", headers=headers)).json()
        assert groups and all(hostile(group) for group in groups)
        removed = await http.post("/api/hvc/management/administrators?action=remove",
                                  json={"group_name": groups[-1]}, headers=headers)
        assert removed.status_code == 204 and "ops@corp.local" not in world.administrators
        assert hostile((await http.get("/api/session", headers=headers)).json()["user"])

        unreachable = assert_vapi_error(await http.post(
            "/api/hvc/links", headers=headers,
            json=corp_spec(world, psc_hostname="psc.nowhere.example")), "ERROR")
        assert len(unreachable["messages"]) == 2
        for msg in unreachable["messages"]:
            assert assert_all_hostile(texts_of_message(msg)) > 10
        assert any(param.get("l") for param in unreachable["messages"][1]["params"].values())

        spec_body = corp_spec(world)
        del spec_body["ssl_thumbprint"]
        peer = assert_vapi_error(await http.post("/api/hvc/links", json=spec_body,
                                                 headers=headers), "UNVERIFIED_PEER")
        assert hostile(peer["data"]["ssl_thumbprint"])
        assert HOSTILE_TEXT in peer["data"] and hostile(peer["data"][HOSTILE_TEXT])
        missing = assert_vapi_error(await http.get("/api/nothing", headers=headers))
        assert_all_hostile(texts_of_message(missing["messages"][0]))


async def test_without_faults_nothing_is_hostile() -> None:
    world = linked_world()
    async with in_process(world) as http:
        headers = {**await login(http), "accept-language": "de"}
        answers = [await http.get("/api/hvc/links", headers=headers),
                   await http.get("/api/hvc/management/administrators", headers=headers),
                   await http.post("/api/hvc/links", json=corp_spec(world, psc_hostname="x"),
                                   headers=headers)]
        for answer in answers:
            assert not any(snippet in answer.text for snippet in ("\\u001b", "[/", "\\u009b"))
        body = answers[2].json()
        assert [m["id"] for m in body["messages"]] == [
            "com.vmware.vcenter.hvc.links.psc_unreachable", "com.vmware.vcenter.hvc.dns.unresolved"]
        assert "data" not in body and answers[2].text == answers[2].text.rstrip()


# --- the other hostile-input faults ---------------------------------------------------------

async def test_token_text_is_the_session_token_and_works_sent_back_as_utf8() -> None:
    world = hostile_world(seed=7)
    world.faults.update({"token_text": "jéton-☃"})
    async with in_process(world) as http:
        token = (await http.post("/api/session", auth=ADMIN)).json()
        assert token == "jéton-☃"
        answer = await http.get("/api/hvc/links",
                                headers={"vmware-api-session-id": token.encode()})
        assert answer.status_code == 200
        assert (await http.delete("/api/session", headers={
            "vmware-api-session-id": token.encode()})).status_code == 204
        assert world.sessions == {}


async def test_message_count_param_count_and_odd_values_shape_every_error() -> None:
    world = hostile_world(seed=7)
    world.faults.update({"message_count": 10_000, "param_count": 20, "odd_values": True})
    async with in_process(world) as http:
        headers = {**await login(http), "accept-language": "fr"}
        spec = corp_spec(world)
        del spec["ssl_thumbprint"]
        body = assert_vapi_error(await http.post("/api/hvc/links", json=spec, headers=headers),
                                 "UNVERIFIED_PEER")
        messages = body["messages"]
        assert len(messages) == 10_000
        assert messages[0]["id"] == "com.vmware.vcenter.hvc.links.unverified_peer"
        assert messages[-1]["id"] == "hvctui.sim.cause" and "localized" in messages[-1]
        assert all(len(m["params"]) >= 20 for m in messages)
        for name, param in ODD_PARAMS.items():
            assert all(m["params"][name] == param for m in messages)
        assert ODD_PARAMS["odd_huge_integer"] == {"i": 10**30}
        assert ODD_PARAMS["odd_huge_double"] == {"d": 1e308, "precision": 10**9}
        assert body["data"] == {"ssl_thumbprint": world.pscs["psc.corp.local"].thumbprint}

        world.faults.update({"message_count": 1, "unhealthy": True})
        await normal_flow_works(http, world)  # the trust step still offers the thumbprint
        link = next(iter(world.links))
        health = (await http.get(f"/api/hvc/links/{link}", headers=headers)).json()
        assert len(health["health_status_message"]["params"]) >= 20


async def test_answer_bytes_pads_an_error_answer_to_exactly_that_size() -> None:
    world = hostile_world(seed=7)
    world.faults.update({"answer_bytes": 5 << 20})
    async with in_process(world) as http:
        answer = await http.get("/api/hvc/links")
        assert len(answer.content) == 5 << 20
        assert int(answer.headers["content-length"]) == 5 << 20
        assert_vapi_error(answer, "UNAUTHENTICATED")
        assert (await http.get("/api/hvc/links", headers=await login(http))).content == b"[]"
