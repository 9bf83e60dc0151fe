"""One trust rule, every face: the CLI, the form and the fleet decide an offer by the same core
code (vapi/flow.py). Each case runs through all three and must come out the same."""

from __future__ import annotations

import asyncio
import base64
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hvctui.cli import main
from hvctui.demo import demo_config
from hvctui.profiles.store import ConfigStore
from hvctui.sim.certs import make_certificate
from hvctui.sim.server import SimServer
from hvctui.sim.world import World
from hvctui.tui.app import HvcApp
from hvctui.tui.screens.dialogs import ConfirmScreen, TextScreen, TrustScreen
from hvctui.vapi.tls import sha256_thumbprint

from .conftest import Sim
from .tui_support import PASSWORD, PW_ENV, pane_text, unbroken, wait_for_dialog, wait_until

GIVEN = "AB:" * 31 + "AB"


@dataclass(frozen=True)
class Case:
    profile: str  # a demo profile
    given: str = ""  # the thumbprint the person gave (in the profile)
    pem_with_hidden_tail: bool = False  # the server (9.0) offers a PEM with data after padding
    asked: bool = False  # a person is asked at all
    linked: bool = False  # after answering t (or --trust-offered)
    words: tuple[str, ...] = ()  # what the face shows (line breaks aside)
    cli_code: int = 3


CASES = {
    "offer, could not check": Case("corp", asked=True, linked=True, cli_code=0),
    "offer differs from the thumbprint given": Case(
        "corp", given=GIVEN, words=("Not trusting the offer", GIVEN)),
    "offered PEM with data hidden after its padding": Case(
        "corp", pem_with_hidden_tail=True, words=("data beyond the certificate",)),
    "DIFFERENT verdict": Case("intercepted-psc", asked=True, linked=False,
                              words=("DIFFERENT",)),
}


def _padded_certificate() -> tuple[str, bytes]:
    """A PSC certificate whose base64 ends in padding, where a decoder stops reading."""
    while True:
        pair = make_certificate("psc.corp.local", ("psc.corp.local",))
        der = ssl.PEM_cert_to_DER_cert(pair.cert_pem.decode())
        if len(der) % 3:
            return pair.cert_pem.decode(), der


def _hidden_tail(der: bytes) -> str:
    body = base64.b64encode(der).decode() + base64.b64encode(b"\x1b]0;owned\x07" * 40).decode()
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n"


@pytest.fixture
def world_for() -> Iterator[Any]:
    servers: list[SimServer] = []

    def start(case: Case) -> Sim:
        world = World(seed=7, send_psc_certificate=case.pem_with_hidden_tail)
        if case.pem_with_hidden_tail:
            pem, der = _padded_certificate()
            psc = world.pscs["psc.corp.local"]
            psc.certificate_pem = _hidden_tail(der)
            psc.thumbprint = sha256_thumbprint(der)
            assert ssl.PEM_cert_to_DER_cert(psc.certificate_pem) == der  # the decoder's blind spot
        server = SimServer(world, loopback_pscs=True)
        server.__enter__()
        servers.append(server)
        return Sim(server)

    yield start
    for server in servers:
        server.__exit__(None, None, None)


def _config(sim: Sim, folder: Path, case: Case) -> Path:
    config = demo_config(sim.address, sim.info.sha256, sim.world)
    profile = config.profiles[case.profile]
    profile.password_source = profile.psc_password_source = f"env:{PW_ENV}"
    profile.ssl_thumbprint = case.given
    config.profiles = {case.profile: profile}
    config.default_profile = case.profile
    store = ConfigStore(folder / "config.toml")
    store.update(lambda c: c.__dict__.update(config.__dict__))
    return store.path


def _cli(sim: Sim, case: Case, capsys: pytest.CaptureFixture[str]) -> tuple[bool, str, int]:
    code = main(["link", "--profile", case.profile, "--trust-offered"])
    out, err = capsys.readouterr()
    return "Offered SHA-256 thumbprint" in out, out + err, code


async def _answer_trust(pilot: Any, app: HvcApp) -> None:
    await wait_for_dialog(pilot, TrustScreen)  # keys typed as it opens count for nothing
    await pilot.press("t")
    await wait_until(pilot, lambda: isinstance(app.screen, (TextScreen, ConfirmScreen)) or
                     not isinstance(app.screen, TrustScreen))


async def _escape_to(pilot: Any, app: HvcApp, screen: Any) -> None:
    """Escape out of the dialogs (type-trust, then the trust dialog) back to `screen`."""
    for _ in range(6):
        if app.screen is screen:
            return
        await pilot.pause(0.05)  # a dialog shown again starts its quiet time again
        await wait_for_dialog(pilot, type(app.screen))  # each dialog ignores keys as it opens
        top = app.screen
        await pilot.press("escape")
        try:
            await wait_until(pilot, lambda: app.screen is not top, timeout=1.5)
        except AssertionError:
            continue  # it was still quiet: that escape was ignored, as it should be
    await wait_until(pilot, lambda: app.screen is screen)


async def _form(path: Path) -> tuple[bool, str]:
    app = HvcApp(config_path=path)
    asked = False
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f5")
        await wait_until(pilot, lambda: isinstance(app.screen, TrustScreen) or
                         "Untrustworthy" in pane_text(app) or "not the one" in pane_text(app))
        shown = ""
        if isinstance(app.screen, TrustScreen):
            asked = True
            shown = " ".join(str(w.render()) for w in app.screen.query("Static"))
            await _answer_trust(pilot, app)
            if isinstance(app.screen, ConfirmScreen):
                await wait_for_dialog(pilot, ConfirmScreen)
                await pilot.press("n")
            await _escape_to(pilot, app, app.main)
        await wait_until(pilot, lambda: not app.main._call_running())
        return asked, shown + pane_text(app)


async def _fleet(path: Path) -> tuple[bool, str]:
    from hvctui.tui.screens.fleet import FleetScreen

    app = HvcApp(config_path=path)
    asked = False
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f6")
        await wait_until(pilot, lambda: isinstance(app.screen, FleetScreen))
        screen = app.screen
        assert isinstance(screen, FleetScreen)
        await wait_until(pilot, lambda: all(r.done for r in screen.rows.values()))
        await pilot.press("space", "l")
        await wait_until(pilot, lambda: isinstance(app.screen, TrustScreen) or (
            all(r.done for r in screen.rows.values()) and
            any(r.outcome for r in screen.rows.values())))
        shown = ""
        if isinstance(app.screen, TrustScreen):
            asked = True
            shown = " ".join(str(w.render()) for w in app.screen.query("Static"))
            await _answer_trust(pilot, app)
            await _escape_to(pilot, app, screen)
        await wait_until(pilot, lambda: all(r.done and r.outcome for r in screen.rows.values()))
        row = next(iter(screen.rows.values()))
        return asked, shown + row.outcome + " " + row.problem


@pytest.fixture(autouse=True)
def password_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PW_ENV, PASSWORD)


@pytest.mark.parametrize("face", ["cli", "form", "fleet"])
@pytest.mark.parametrize("name", list(CASES))
async def test_each_trust_case_comes_out_the_same_on_every_face(
        name: str, face: str, world_for: Any, isolated_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    case = CASES[name]
    sim = world_for(case)
    path = _config(sim, isolated_config, case)
    if face == "cli":
        # main() runs its own event loop, as it does from a shell: off this test's loop.
        asked, text, code = await asyncio.to_thread(_cli, sim, case, capsys)
        assert code == case.cli_code, text
    elif face == "form":
        asked, text = await _form(path)
    else:
        asked, text = await _fleet(path)
    assert asked == case.asked, text
    assert bool(sim.world.links) == case.linked, text
    for words in case.words:
        assert unbroken(words) in unbroken(text), (words, text)
    if not case.asked:  # refused by the core: nothing was resubmitted
        assert sim.world.stats.create_calls == 1
    assert "\x1b" not in text and "owned" not in text
    if case.given and not case.linked:  # the thumbprint the person gave is kept as it was
        assert ConfigStore(path).load().config.profiles[case.profile].ssl_thumbprint == \
            case.given


def test_what_is_stored_is_canonical_and_what_is_sent_is_bounded(tmp_path: Path) -> None:
    """Thumbprints are written in vSphere's own form and a certificate only as re-encoded from
    its DER; hidden data, a second certificate or megabytes of junk are refused by name before
    anything is sent."""
    from hvctui.profiles.store import Profile
    from hvctui.service import NotReady, prepare

    pem, der = _padded_certificate()
    store = ConfigStore(tmp_path / "config.toml")
    store.update(lambda c: c.profiles.__setitem__("p", Profile(
        ssl_thumbprint="ab" * 32, ssl_certificate="\n  " + pem.replace("\n", "\r\n"))))
    saved = store.load().config.profiles["p"]
    assert saved.ssl_thumbprint == "AB:" * 31 + "AB"
    assert saved.ssl_certificate.strip() == ssl.DER_cert_to_PEM_cert(der).strip()
    assert "\r" not in (tmp_path / "config.toml").read_text()
    base = Profile(server="vc", user="u@x", psc_hostname="psc", domain_name="d",
                   psc_user="a@d")
    for bad, words in ((_hidden_tail(der), "data beyond the certificate"),
                       (pem + pem, "holds 2 certificates"),
                       (pem + "x" * 20000, "at most 16384"),
                       (pem.strip() + "\n\x1b[2Jtrailer", "text after")):
        with pytest.raises(NotReady, match=words) as refused:
            prepare("p", base.replace(ssl_certificate=bad), {}, need_spec=True,
                    typed={"password": "x", "psc_password": "y"})
        assert refused.value.problems[0].field == "ssl_certificate"


@pytest.mark.parametrize("data", [
    {"ssl_thumbprint": "AB:" * 31 + "AB", "ssl_certificate": ["x"]},  # not text
    {"ssl_thumbprint": 5}, {}, {"ssl_thumbprint": None},  # no thumbprint to trust
])
async def test_an_offer_that_cannot_be_read_is_refused_and_no_trust_step_is_advised(
        data: dict[str, Any]) -> None:
    import json

    import httpx

    from hvctui.vapi import flow
    from hvctui.vapi.connection import Connection, Secret, TlsPolicy
    from hvctui.vapi.errors import BadOffer
    from hvctui.vapi.models import CreateSpec
    from hvctui.vapi.render import error_json

    creates: list[bytes] = []

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/session":
            return httpx.Response(204 if request.method == "DELETE" else 201,
                                  json=None if request.method == "DELETE" else "token")
        creates.append(request.content)
        return httpx.Response(400, content=json.dumps({"error_type": "UNVERIFIED_PEER",
                                                       "messages": [], "data": data}),
                              headers={"content-type": "application/json"})

    async def decide(*_: Any) -> bool:
        raise AssertionError("nobody is asked about an offer that cannot be read")

    spec = CreateSpec.checked(psc_hostname="psc.corp.local", domain_name="corp.local",
                              username="administrator@corp.local", password="x")
    connection = Connection("vc.example.com", "u@x", Secret("p"), TlsPolicy("system"))
    with pytest.raises(BadOffer) as refused:
        await flow.link(connection, spec, decide, transport=httpx.MockTransport(answer))
    assert len(creates) == 1 and refused.value.exit_code == 3
    payload = error_json(refused.value)
    assert "--trust-offered" not in payload["hint"] and "trust it" not in payload["hint"]
