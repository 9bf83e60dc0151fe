"""The link flow and the client against the simulator over real loopback TLS."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import SecretStr

from hvctui.sim.certs import make_certificate
from hvctui.sim.server import SimServer
from hvctui.sim.world import World
from hvctui.vapi import flow
from hvctui.vapi.client import VcenterClient
from hvctui.vapi.connection import Connection, Timeouts
from hvctui.vapi.errors import ErrorType, NetworkError, NotVapiAnswer, ServerError, TlsError

from hvctui.vapi.models import CertificateInfo, CreateSpec
from hvctui.vapi.psccheck import PscCheck
from hvctui.vapi.connection import TlsPolicy
from hvctui.vapi.tls import probe_certificate

from .conftest import PASSWORD, Sim


def connection(sim: Sim, user: str = "cloudadmin@vmc.local", password: str = PASSWORD,
               **kw: object) -> Connection:
    tls = TlsPolicy("pinned", pin_sha256=sim.info.sha256)
    return Connection(sim.address, user, SecretStr(password), tls, **kw)  # type: ignore[arg-type]


def corp_spec(**changes: object) -> CreateSpec:
    values: dict[str, object] = dict(psc_hostname="psc.corp.local", domain_name="corp.local",
                                     username="administrator@corp.local", password=PASSWORD)
    values.update(changes)
    return CreateSpec(**values)


async def trust(_: CertificateInfo, __: PscCheck) -> bool:
    return True


async def refuse(_: CertificateInfo, __: PscCheck) -> bool:
    return False


async def test_link_after_trust_step_resubmits_with_the_offered_thumbprint(sim: Sim) -> None:
    offered: list[str] = []

    async def decide(info: CertificateInfo, _: PscCheck) -> bool:
        offered.append(info.ssl_thumbprint)
        return True

    outcome = await flow.link(connection(sim), corp_spec(), decide)
    assert offered == [sim.psc_thumbprint]
    assert outcome.trusted_thumbprint == sim.psc_thumbprint
    assert list(sim.world.links) == [outcome.link_id]
    assert sim.world.sessions == {}  # logged out


async def test_refused_trust_raises_unverified_peer_and_creates_nothing(sim: Sim) -> None:
    with pytest.raises(ServerError) as caught:
        await flow.link(connection(sim), corp_spec(), refuse)
    assert caught.value.error_type is ErrorType.UNVERIFIED_PEER and caught.value.exit_code == 3
    assert sim.world.links == {}


async def test_second_link_is_refused_with_already_exists(sim: Sim) -> None:
    await flow.link(connection(sim), corp_spec(), trust)
    with pytest.raises(ServerError) as caught:
        await flow.link(connection(sim), corp_spec(), trust)
    assert caught.value.error_type is ErrorType.ALREADY_EXISTS and caught.value.exit_code == 4


@pytest.mark.parametrize("changes,error_type,status,names", [
    ({"psc_hostname": "psc-legacy.corp.local", "domain_name": "legacy.local"},
     ErrorType.UNSUPPORTED, 400, "psc-legacy.corp.local"),
    ({"domain_name": "wrong.local"}, ErrorType.INVALID_ARGUMENT, 400, "wrong.local"),
    ({"password": "nope"}, ErrorType.INVALID_ARGUMENT, 400, "administrator@corp.local"),
    ({"admin_groups": ["dba@corp.local"]}, ErrorType.INVALID_ARGUMENT, 400, "dba@corp.local"),
    ({"port": "8443"}, ErrorType.INVALID_ARGUMENT, 400, "8443"),
])
async def test_default_world_errors(sim: Sim, changes: dict, error_type: ErrorType, status: int,
                                    names: str) -> None:
    with pytest.raises(ServerError) as caught:
        await flow.link(connection(sim), corp_spec(**changes), trust)
    assert caught.value.error_type is error_type and caught.value.http_status == status
    assert names in caught.value.messages[0].text


async def test_unknown_psc_gives_a_two_level_stack_with_params_of_several_kinds(sim: Sim) -> None:
    with pytest.raises(ServerError) as caught:
        await flow.link(connection(sim), corp_spec(psc_hostname="psc.nowhere.example"), trust)
    error = caught.value
    assert error.error_type is ErrorType.ERROR and error.http_status == 500
    assert len(error.messages) >= 2
    kinds = {p.kind for m in error.messages for p in (m.params or {}).values()}
    assert {"s", "i", "d", "dt", "l"} <= kinds


async def test_read_only_user_is_unauthorized(sim: Sim) -> None:
    with pytest.raises(ServerError) as caught:
        await flow.link(connection(sim, "auditor@vmc.local"), corp_spec(), trust)
    assert caught.value.error_type is ErrorType.UNAUTHORIZED and caught.value.http_status == 403
    assert caught.value.exit_code == 5


async def test_localized_messages_follow_accept_language(sim: Sim) -> None:
    for lang, word in (("de-DE", "Domäne"), ("fr-FR", "domaine")):
        with pytest.raises(ServerError) as caught:
            await flow.link(connection(sim, accept_language=lang),
                            corp_spec(domain_name="x.local"), trust)
        message = caught.value.messages[0]
        assert message.localized and word in message.localized
        assert "domain" in message.default_message  # English stays the default


async def test_rejected_credential_is_tried_exactly_once(sim: Sim) -> None:
    with pytest.raises(ServerError) as caught:
        await flow.link(connection(sim, password="wrong"), corp_spec(), trust)
    assert caught.value.error_type is ErrorType.UNAUTHENTICATED
    assert sim.world.stats.logins == 1


async def test_expired_session_is_renewed_once_mid_flow(sim: Sim) -> None:
    sim.control("/sim/faults", {"expire_sessions": True})
    outcome = await flow.link(connection(sim), corp_spec(), trust)
    assert outcome.link_id in sim.world.links
    assert sim.world.stats.logins == 2


async def test_pin_mismatch_sends_nothing(sim: Sim) -> None:
    wrong = Connection(sim.address, "cloudadmin@vmc.local", SecretStr(PASSWORD),
                       TlsPolicy("pinned", pin_sha256="AB" * 32))
    with pytest.raises(TlsError) as caught:
        await flow.link(wrong, corp_spec(), trust)
    assert caught.value.kind == "pin_mismatch" and caught.value.exit_code == 6
    assert sim.world.stats.requests == 0


async def test_impostor_with_another_certificate_receives_zero_requests() -> None:
    genuine = make_certificate()
    with SimServer(World()) as impostor:
        from hvctui.vapi.tls import sha256_thumbprint

        pinned = Connection(impostor.info.server, "cloudadmin@vmc.local", SecretStr(PASSWORD),
                            TlsPolicy("pinned", pin_sha256=sha256_thumbprint(genuine.der)))
        with pytest.raises(TlsError):
            await flow.list_links(pinned)
        assert impostor.world.stats.requests == 0


async def test_system_trust_rejects_the_self_signed_simulator_and_says_how_to_proceed(
        sim: Sim) -> None:
    system = Connection(sim.address, "cloudadmin@vmc.local", SecretStr(PASSWORD), TlsPolicy())
    with pytest.raises(TlsError) as caught:
        await flow.list_links(system)
    assert caught.value.kind == "untrusted"
    assert "--pin" in caught.value.hint and "--ca-file" in caught.value.hint
    assert sim.world.stats.requests == 0


async def test_probe_reads_the_certificate_without_a_request(sim: Sim) -> None:
    details = await probe_certificate("127.0.0.1", sim.info.port)
    assert details.sha256 == sim.info.sha256
    assert len(details.sha1.split(":")) == 20
    assert "hvctui simulator" in details.subject and details.self_signed
    assert details.not_before < details.not_after
    assert sim.world.stats.requests == 0


async def test_links_list_get_and_delete(sim: Sim) -> None:
    outcome = await flow.link(connection(sim), corp_spec(), trust)
    rows = await flow.list_links(connection(sim))
    assert [(r.link, r.display_name) for r in rows] == [(outcome.link_id, "corp.local")]
    assert rows[0].info is not None and rows[0].info.connection_health_status == "HEALTHY"
    sim.control("/sim/faults", {"unhealthy": True})
    rows = await flow.list_links(connection(sim))
    assert rows[0].info is not None and rows[0].info.connection_health_status == "UNHEALTHY"
    assert rows[0].info.health_status_message is not None
    assert rows[0].info.health_status_message.params
    assert await flow.unlink(connection(sim), outcome.link_id)
    assert sim.world.links == {}


async def test_delete_with_credentials_checks_them(sim: Sim) -> None:
    outcome = await flow.link(connection(sim), corp_spec(), trust)
    with pytest.raises(ServerError):
        await flow.unlink(connection(sim), outcome.link_id,
                          psc_credentials=("administrator@corp.local", SecretStr("bad")))
    assert outcome.link_id in sim.world.links
    await flow.unlink(connection(sim), outcome.link_id,
                      psc_credentials=("administrator@corp.local", SecretStr(PASSWORD)))
    assert sim.world.links == {}


async def test_unlink_unconfirmed_removes_nothing(sim: Sim) -> None:
    outcome = await flow.link(connection(sim), corp_spec(), trust)
    seen: list[str] = []

    async def confirm(domain: str) -> bool:
        seen.append(domain)
        return False

    assert not await flow.unlink(connection(sim), outcome.link_id, confirm=confirm)
    assert seen == ["corp.local"] and outcome.link_id in sim.world.links


async def test_administrators_get_add_remove(sim: Sim) -> None:
    groups = await flow.administrators(connection(sim), add="ops@corp.local")
    assert "ops@corp.local" in groups
    groups = await flow.administrators(connection(sim), remove="ops@corp.local")
    assert "ops@corp.local" not in groups
    async with flow.logged_in(connection(sim)) as client:
        await client.set_administrators(["a@corp.local", "b@corp.local"])
        assert await client.get_administrators() == ["a@corp.local", "b@corp.local"]
        assert (await client.session()).created_time


async def test_removing_a_group_that_is_no_administrator_is_a_500_as_vcenter_answers(
        sim: Sim) -> None:
    """VMware's spec declares 204, 403 and 500 for remove; the runtime makes any other error
    a 500 ERROR: the simulator answers as vCenter can, not with an undeclared 404."""
    with pytest.raises(ServerError) as caught:
        await flow.administrators(connection(sim), remove="nobody@corp.local")
    assert (caught.value.http_status, caught.value.error_type.value) == (500, "ERROR")
    assert "nobody@corp.local" in caught.value.messages[0].text


@pytest.mark.parametrize("fault,error_class,words", [
    ({"drop": True}, NetworkError, "Connection dropped"),
    ({"html_502": True}, NotVapiAnswer, "not JSON"),
    ({"malformed_json": True}, NotVapiAnswer, "malformed JSON"),
    ({"latency_ms": 1500}, NetworkError, "Timed out"),
    ({"trickle": True, "trickle_ms": 300}, NetworkError, "Timed out"),
])
async def test_faults_become_clear_errors(sim: Sim, fault: dict, error_class: type,
                                          words: str) -> None:
    """Each fault is named, and in time: a trickled answer (a byte every 0.3 s, never a read
    timeout) is cut at the 1 s whole-call deadline."""
    sim.control("/sim/faults", fault)
    slow = Connection(sim.address, "cloudadmin@vmc.local", SecretStr(PASSWORD),
                      TlsPolicy("pinned", pin_sha256=sim.info.sha256),
                      timeouts=Timeouts(connect=2, total=1))
    with pytest.raises(error_class) as caught:
        await flow.link(slow, corp_spec(), trust)
    assert words in str(caught.value)
    assert caught.value.exit_code == 6
    if fault.get("trickle"):
        # A missed deadline would still end in "Timed out", once the whole answer had come:
        # the client must have hung up while the simulator was still trickling.
        stats = sim.world.stats
        for _ in range(500):  # the simulator notices the hang-up at its next byte
            if stats.trickles_cut or stats.trickles_completed:
                break
            await asyncio.sleep(0.02)
        assert (stats.trickles_cut, stats.trickles_completed) == (1, 0)


async def test_service_unavailable_is_a_vapi_error(sim: Sim) -> None:
    sim.control("/sim/faults", {"unavailable": True})
    with pytest.raises(ServerError) as caught:
        await flow.link(connection(sim), corp_spec(), trust)
    assert caught.value.error_type is ErrorType.SERVICE_UNAVAILABLE
    assert caught.value.http_status == 503 and caught.value.exit_code == 1


async def test_refused_connection_is_a_network_error() -> None:
    client = VcenterClient("127.0.0.1:1", TlsPolicy("insecure"))
    async with client:
        with pytest.raises(NetworkError) as caught:
            await client.list_links()
    assert caught.value.title == "Cannot connect" and caught.value.exit_code == 6


async def test_a_session_idle_past_its_expiry_is_renewed_once() -> None:
    now = [1_000_000.0]
    world = World(session_idle=60, clock=lambda: now[0])
    with SimServer(world) as server:
        connection = Connection(server.info.server, "cloudadmin@vmc.local", SecretStr(PASSWORD),
                                TlsPolicy("pinned", pin_sha256=server.info.sha256))
        async with flow.logged_in(connection) as client:
            assert await client.list_links() == []
            now[0] += 61  # idle past the simulator's expiry
            assert await client.list_links() == []
        assert world.stats.logins == 2


async def test_a_failure_after_the_create_was_sent_says_the_link_may_exist_not_pin_mismatch(
        sim: Sim) -> None:
    """Errors are named by what happened: the create was written, so the link may exist; the
    pin was fine (the handshake succeeded), so no 'pin mismatch ... nothing was sent'."""

    def cut_the_create(phase: str, detail: str) -> None:
        if phase == "send" and detail.startswith("POST /api/hvc/links"):
            sim.world.faults.update({"drop": True})

    with pytest.raises(NetworkError) as caught:
        await flow.link(connection(sim), corp_spec(ssl_thumbprint=sim.psc_thumbprint), trust,
                        on_event=cut_the_create)
    error = caught.value
    assert not (isinstance(error, TlsError) and error.kind == "pin_mismatch")
    assert "Nothing was sent" not in str(error)
    assert "link may exist" in error.hint and "{links}" in error.hint


async def test_a_failure_before_the_create_says_nothing_of_a_link(sim: Sim) -> None:
    sim.control("/sim/faults", {"drop": True})
    with pytest.raises(NetworkError) as caught:
        await flow.link(connection(sim), corp_spec(), trust)
    assert "link may exist" not in caught.value.hint  # the login was cut: no create was sent


async def test_an_offer_whose_certificate_hashes_to_another_thumbprint_is_refused() -> None:
    """A PEM that does not hash to the offered thumbprint: the offer contradicts itself, so
    nobody is asked and nothing is resubmitted."""
    import json

    import httpx

    from hvctui.vapi.errors import BadOffer

    other = make_certificate("psc.elsewhere.example")
    creates: list[bytes] = []

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/session":
            return httpx.Response(204 if request.method == "DELETE" else 201,
                                  json=None if request.method == "DELETE" else "token")
        creates.append(request.content)
        body = {"error_type": "UNVERIFIED_PEER", "messages": [],
                "data": {"ssl_thumbprint": "AB" * 32, "ssl_certificate": other.cert_pem.decode()}}
        return httpx.Response(400, content=json.dumps(body),
                              headers={"content-type": "application/json"})

    asked: list[object] = []

    async def decide(offered: CertificateInfo, check: PscCheck) -> bool:
        asked.append(offered)
        return True

    conn = Connection("vc.example.com", "cloudadmin@vmc.local", SecretStr(PASSWORD),
                      TlsPolicy("system"))
    with pytest.raises(BadOffer) as caught:
        await flow.link(conn, corp_spec(), decide, transport=httpx.MockTransport(answer))
    assert "contradicts itself" in caught.value.message and "Nothing was resubmitted" in \
        caught.value.message
    assert asked == [] and len(creates) == 1 and caught.value.exit_code == 3
