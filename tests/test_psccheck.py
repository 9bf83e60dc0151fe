"""The independent check of the PSC's certificate, and vSphere 9.0's ssl_certificate, over real
loopback TLS: the simulator's PSC listeners (sim/psc.py) and small servers made here."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from hvctui.sim.certs import make_certificate
from hvctui.sim.psc import INTERCEPTED, VERIFIED, PscListener
from hvctui.sim.world import DEMO_PASSWORD
from hvctui.vapi import flow
from hvctui.vapi.connection import Connection, Secret, TlsPolicy
from hvctui.vapi.errors import NetworkError, ServerError, TlsError
from hvctui.vapi.models import CertificateInfo, CreateSpec
from hvctui.vapi.psccheck import PscCheck, Verdict, check_psc
from hvctui.vapi.tls import read_server_certificate, sha256_thumbprint

from .conftest import Sim


def offer_of(sim: Sim, key: str, pem: bool = True) -> CertificateInfo:
    psc = sim.world.pscs[key]
    return CertificateInfo(ssl_thumbprint=psc.thumbprint,
                           ssl_certificate=psc.certificate_pem if pem else None)


async def test_same_when_the_psc_presents_the_offered_certificate(psc_sim: Sim) -> None:
    psc = psc_sim.world.pscs[VERIFIED]
    for pem in (True, False):  # 9.0 offers (with PEM) and 8.0 offers (thumbprint only)
        check = await check_psc(psc.host, psc.port, offer_of(psc_sim, VERIFIED, pem))
        assert check.verdict is Verdict.SAME
        assert check.seen_sha256 == psc.thumbprint
        assert "presents this same certificate to this machine" in check.lines()[0]


async def test_different_names_both_thumbprints_and_both_subjects(psc_sim: Sim) -> None:
    psc = psc_sim.world.pscs[INTERCEPTED]
    check = await check_psc(psc.host, psc.port, offer_of(psc_sim, INTERCEPTED))
    assert check.verdict is Verdict.DIFFERENT
    presented = psc_sim.server.psc_listeners[1].keypair
    assert check.offered_sha256 == psc.thumbprint
    assert check.seen_sha256 == sha256_thumbprint(presented.der) != psc.thumbprint
    text = "\n".join(check.lines())
    assert "DIFFERENT" in text and psc.thumbprint in text and check.seen_sha256 in text
    assert "CN=intercepting-proxy.example" in text and "CN=psc-2.corp.local" in text


async def test_an_offer_whose_pem_differs_from_what_the_psc_presents_is_different(
        psc_sim: Sim) -> None:
    psc = psc_sim.world.pscs[VERIFIED]
    other = make_certificate("other").cert_pem.decode()
    check = await check_psc(psc.host, psc.port, CertificateInfo(
        ssl_thumbprint=psc.thumbprint, ssl_certificate=other))
    assert check.verdict is Verdict.DIFFERENT


async def test_unchecked_when_the_name_does_not_resolve() -> None:
    offer = CertificateInfo(ssl_thumbprint="AB" * 32)
    check = await check_psc("psc.corp.local", 443, offer)
    assert check.verdict is Verdict.UNCHECKED
    assert "psc.corp.local does not resolve" in check.why
    assert "Could not check" in check.lines()[0] and check.why in check.lines()[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port  # closed again: nothing listens there


async def test_unchecked_when_refused() -> None:
    port = free_port()
    check = await check_psc("127.0.0.1", port, CertificateInfo(ssl_thumbprint="AB" * 32))
    assert check.verdict is Verdict.UNCHECKED
    assert check.why == f"127.0.0.1:{port} refused the connection"


@pytest.fixture
def plain_server() -> Iterator[tuple[int, threading.Event]]:
    """A TCP server that answers like plain HTTP, or (when the event is set) says nothing."""
    silent = threading.Event()
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.1)
    stop = threading.Event()
    held: list[socket.socket] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            if silent.is_set():
                held.append(conn)  # accepted, never answered
                continue
            with conn:
                conn.recv(4096)
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], silent
    stop.set()
    thread.join(5)
    server.close()
    for conn in held:
        conn.close()


async def test_unchecked_when_the_port_does_not_speak_tls(
        plain_server: tuple[int, threading.Event]) -> None:
    port, _ = plain_server
    check = await check_psc("127.0.0.1", port, CertificateInfo(ssl_thumbprint="AB" * 32))
    assert check.verdict is Verdict.UNCHECKED
    assert check.why.startswith(f"127.0.0.1:{port} does not speak TLS")


async def test_unchecked_when_the_handshake_never_comes(
        plain_server: tuple[int, threading.Event]) -> None:
    port, silent = plain_server
    silent.set()
    check = await check_psc("127.0.0.1", port, CertificateInfo(ssl_thumbprint="AB" * 32),
                            timeout=0.3)
    assert check.verdict is Verdict.UNCHECKED
    assert "did not complete a TLS handshake within 0.3 s" in check.why


@pytest.mark.parametrize("case", ["name", "refused", "plain", "silent"])
async def test_one_reader_the_psc_check_and_the_vcenter_probe_say_the_same(
        case: str, plain_server: tuple[int, threading.Event]) -> None:
    """One certificate reader (vapi/tls.py) for the PSC check and for vCenter's pin probe:
    the same failure in the same words, as the error each face reports."""
    port, silent = plain_server
    host = "psc.corp.local" if case == "name" else "127.0.0.1"
    port = free_port() if case == "refused" else port
    if case == "silent":
        silent.set()
    check = await check_psc(host, port, None, timeout=0.3)
    with pytest.raises((NetworkError, TlsError)) as caught:
        await read_server_certificate(host, port, timeout=0.3)
    assert check.why and caught.value.message == check.why
    expected = {"name": (NetworkError, "Cannot connect"), "refused": (NetworkError, "Cannot connect"),
                "plain": (TlsError, None), "silent": (NetworkError, "Timed out")}[case]
    assert isinstance(caught.value, expected[0])
    assert expected[1] is None or caught.value.title == expected[1]


async def test_a_check_before_linking_says_what_the_psc_presents() -> None:
    keypair = make_certificate("psc.example")
    listener = PscListener(keypair).start()
    try:
        check = await check_psc("127.0.0.1", listener.port, None)
    finally:
        listener.stop()
    assert check.verdict is Verdict.UNCHECKED
    assert check.seen_sha256 == sha256_thumbprint(keypair.der)
    assert "presents this certificate to this machine" in check.lines()[0]


# --- the flow gives the verdict to the decider, and answers 9.0 offers with the PEM ---------


def connection(sim: Sim) -> Connection:
    return Connection(sim.address, "cloudadmin@vmc.local", Secret(DEMO_PASSWORD),
                      TlsPolicy("pinned", "", sim.info.sha256))


def spec_for(sim: Sim, key: str, **changes: object) -> CreateSpec:
    psc = sim.world.pscs[key]
    values: dict[str, object] = dict(
        psc_hostname=psc.host, port=str(psc.port), domain_name="corp.local",
        username="administrator@corp.local", password=DEMO_PASSWORD)
    values.update(changes)
    return CreateSpec.checked(**values)


async def test_the_flow_shows_the_decider_the_verdict_of_the_check(psc_sim: Sim) -> None:
    seen: list[PscCheck] = []

    async def refuse(_: CertificateInfo, check: PscCheck) -> bool:
        seen.append(check)
        return False

    for key in (VERIFIED, INTERCEPTED):
        with pytest.raises(ServerError):
            await flow.link(connection(psc_sim), spec_for(psc_sim, key), refuse)
    assert [c.verdict for c in seen] == [Verdict.SAME, Verdict.DIFFERENT]
    assert psc_sim.world.links == {}


async def test_90_trusting_an_offer_answers_with_its_pem_and_links(psc_sim_90: Sim) -> None:
    sent: list[str] = []

    async def trust(offer: CertificateInfo, check: PscCheck) -> bool:
        assert offer.ssl_certificate and check.verdict is Verdict.SAME
        return True

    outcome = await flow.link(connection(psc_sim_90), spec_for(psc_sim_90, VERIFIED), trust,
                              on_event=lambda phase, detail: sent.append(detail))
    psc = psc_sim_90.world.pscs[VERIFIED]
    assert outcome.trusted_certificate == psc.certificate_pem
    assert outcome.spec.ssl_certificate == psc.certificate_pem
    assert outcome.spec.ssl_thumbprint == psc.thumbprint  # for a server before 9.0
    assert list(psc_sim_90.world.links) == [outcome.link_id]


async def test_90_a_spec_with_the_pem_alone_links(psc_sim_90: Sim) -> None:
    psc = psc_sim_90.world.pscs[VERIFIED]
    spec = spec_for(psc_sim_90, VERIFIED, ssl_certificate=psc.certificate_pem)
    assert "ssl_thumbprint" not in spec.to_wire()

    async def never(*_: object) -> bool:
        raise AssertionError("no trust step is needed")

    outcome = await flow.link(connection(psc_sim_90), spec, never)
    assert list(psc_sim_90.world.links) == [outcome.link_id]


async def test_90_a_different_pem_is_refused_naming_ssl_certificate(psc_sim_90: Sim) -> None:
    other = make_certificate("psc-verified.corp.local")
    spec = spec_for(psc_sim_90, VERIFIED, ssl_certificate=other.cert_pem.decode(),
                    ssl_thumbprint=sha256_thumbprint(other.der))

    async def never(*_: object) -> bool:
        raise AssertionError("not a trust step")

    with pytest.raises(ServerError) as refused:
        await flow.link(connection(psc_sim_90), spec, never)
    assert refused.value.error_type.value == "INVALID_ARGUMENT"
    assert any("ssl_certificate" in m.text for m in refused.value.messages)
    assert psc_sim_90.world.links == {}


def test_the_spec_refuses_a_pem_that_is_not_one_certificate_or_contradicts_the_thumbprint(
) -> None:
    pem = make_certificate("x").cert_pem.decode()
    assert CreateSpec.problems({"ssl_certificate": "not a pem"})[0][0] == "ssl_certificate"
    assert "2 certificates" in CreateSpec.problems({"ssl_certificate": pem + pem})[0][1]
    (field, why), = CreateSpec.problems({"ssl_certificate": pem, "ssl_thumbprint": "AB" * 32})
    assert field == "ssl_certificate" and "not the thumbprint" in why
