"""Safety promises: no secret on disk or in output, TLS trust failures named, faults survived,
bad input rejected by name. Each test fails if its promise breaks."""

from __future__ import annotations

import asyncio
import json
import sys
import types
from datetime import datetime, timedelta, timezone
from pathlib import Path


import pytest
from pydantic import SecretStr

from hvctui.cli import main
from hvctui.sim.certs import make_certificate
from hvctui.sim.server import SimServer
from hvctui.sim.world import World
from hvctui.tui.app import HvcApp
from hvctui.tui.screens.dialogs import ConfirmScreen
from hvctui.vapi import flow
from hvctui.vapi.connection import Timeouts
from hvctui.vapi.errors import TlsError
from hvctui.vapi.connection import Connection
from hvctui.vapi.connection import TlsPolicy

from .conftest import PASSWORD, Sim
from .tui_support import corp_profile, link_through_trust, pane_text, wait_until, write_config

CLOUD_SECRET = "Cl0ud-Secret-4242"
PSC_SECRET = "Psc-Secret-1717"


# --- secrets ------------------------------------------------------------------------------------

def test_no_password_in_any_file_after_cli_and_tui_flows(
        tmp_path: Path, isolated_config: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    world = World()
    world.users["cloudadmin@vmc.local"].password = CLOUD_SECRET
    world.pscs["psc.corp.local"].password = PSC_SECRET
    with SimServer(world) as server:
        address, pin = server.info.server, server.info.sha256
        monkeypatch.setenv("HVCTUI_PASSWORD", CLOUD_SECRET)
        monkeypatch.setenv("HVCTUI_PSC_PASSWORD", PSC_SECRET)
        common = ["--server", address, "--pin", pin, "--user", "cloudadmin@vmc.local"]
        spec = ["--psc-hostname", "psc.corp.local", "--domain", "corp.local",
                "--psc-user", "administrator@corp.local"]
        outputs = []
        for argv in (["link", *common, *spec, "--json"],
                     ["link", *common, *spec, "--trust-offered"],
                     ["link", *common, *spec, "--psc-hostname", "nowhere.example", "--json"],
                     ["links", *common, "--json"]):
            main(argv)
            outputs.append(capsys.readouterr())
        link_id = next(iter(world.links))
        main(["unlink", link_id, *common, "--yes", "--json"])
        outputs.append(capsys.readouterr())
        monkeypatch.delenv("HVCTUI_PASSWORD")
        monkeypatch.delenv("HVCTUI_PSC_PASSWORD")

        # The TUI: passwords typed into the form (source prompt), link with trust, save.
        path = write_config(isolated_config, {"corp": corp_profile(
            address, pin, password_source="prompt", psc_password_source="prompt")})
        app = HvcApp(config_path=path)

        async def drive() -> str:
            async with app.run_test(size=(80, 24)) as pilot:
                app.main.form.input("password").value = CLOUD_SECRET
                app.main.form.input("psc_password").value = PSC_SECRET
                await link_through_trust(pilot, store_thumbprint=True)
                await pilot.press("ctrl+s")
                await pilot.pause()
                return pane_text(app) + json.dumps(app.main.pane.json)

        shown = asyncio.run(drive())
        assert world.links  # the TUI really linked
    written = [p for root in (isolated_config, tmp_path / "tmp") for p in root.rglob("*")
               if p.is_file()]
    assert any(p.name == "history.jsonl" for p in written)
    assert any(p.name == "config.toml" for p in written)
    for secret in (CLOUD_SECRET, PSC_SECRET):
        for p in written:
            assert secret.encode() not in p.read_bytes(), p
        for out in outputs:
            assert secret not in out.out and secret not in out.err
        assert secret not in shown


def test_no_password_in_any_snapshot() -> None:
    snapshots = Path(__file__).parent / "__snapshots__"
    for path in snapshots.rglob("*"):
        if path.is_file():
            assert PASSWORD.encode() not in path.read_bytes(), path


def test_connection_and_errors_never_show_the_password() -> None:
    """Everything that carries a password (the Secret itself, the Connection, a prepared Call,
    the CreateSpec) prints a mask; a refusal names the field, never the value."""
    from hvctui.service import NotReady, prepare
    from hvctui.vapi.connection import Secret

    secret = Secret(CLOUD_SECRET)
    connection = Connection("vc.example.com", "u@x", secret)
    call = prepare("", None, {"server": "vc.example.com", "user": "u@x",
                              "psc_hostname": "psc.corp.local", "domain_name": "corp.local",
                              "psc_user": "a@corp.local"}, need_spec=True,
                   typed={"password": CLOUD_SECRET, "psc_password": CLOUD_SECRET})
    for shown in (secret, connection, call, call.spec):
        for text in (repr(shown), str(shown), f"{shown}"):
            assert CLOUD_SECRET not in text, type(shown).__name__
    with pytest.raises(NotReady) as refused:
        prepare("", None, {"server": "vc.example.com", "user": "u@x", "psc_hostname": "p q",
                           "domain_name": "corp.local", "psc_user": "a@corp.local"},
                need_spec=True, typed={"password": CLOUD_SECRET, "psc_password": CLOUD_SECRET})
    assert CLOUD_SECRET not in str(refused.value) + repr(refused.value.problems)


# --- TLS ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("leaf_kind,expected", [("expired", "expired"),
                                                ("wrong_host", "hostname")])
async def test_ca_file_trust_failures_are_named(tmp_path: Path, leaf_kind: str,
                                                expected: str) -> None:
    ca = make_certificate("hvctui test CA", (), is_ca=True)
    now = datetime.now(timezone.utc)
    if leaf_kind == "expired":
        leaf = make_certificate("vc", ("127.0.0.1",), issuer=ca,
                                not_before=now - timedelta(days=30),
                                not_after=now - timedelta(days=1))
    else:
        leaf = make_certificate("vc", ("vcenter.elsewhere.example",), issuer=ca)
    (tmp_path / "ca.pem").write_bytes(ca.cert_pem)
    with SimServer(World(), keypair=leaf) as server:
        connection = Connection(server.info.server, "cloudadmin@vmc.local", SecretStr(PASSWORD),
                                TlsPolicy("ca_file", ca_file=str(tmp_path / "ca.pem")))
        with pytest.raises(TlsError) as caught:
            await flow.list_links(connection)
        assert server.world.stats.requests == 0
    assert caught.value.kind == expected
    assert "--pin" in caught.value.hint


async def test_ca_file_trusts_a_certificate_its_ca_signed(tmp_path: Path) -> None:
    ca = make_certificate("hvctui test CA", (), is_ca=True)
    leaf = make_certificate("vc", ("127.0.0.1",), issuer=ca)
    (tmp_path / "ca.pem").write_bytes(ca.cert_pem)
    with SimServer(World(), keypair=leaf) as server:
        connection = Connection(server.info.server, "cloudadmin@vmc.local", SecretStr(PASSWORD),
                                TlsPolicy("ca_file", ca_file=str(tmp_path / "ca.pem")))
        assert await flow.list_links(connection) == []


def test_a_ca_file_that_is_not_there_is_bad_input_named_before_sending(sim: Sim, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HVCTUI_PASSWORD", PASSWORD)
    code = main(["links", "--server", sim.address, "--user", "cloudadmin@vmc.local",
                 "--ca-file", "/nonexistent/ca.pem"])
    assert code == 2 and "/nonexistent/ca.pem" in capsys.readouterr().err
    assert sim.world.stats.requests == 0


def test_a_ca_file_that_is_not_a_pem_bundle_is_bad_input_named_before_sending(
        sim: Sim, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HVCTUI_PASSWORD", PASSWORD)
    notes = tmp_path / "notes.txt"
    notes.write_text("not a certificate\n")
    code = main(["links", "--server", sim.address, "--user", "cloudadmin@vmc.local",
                 "--ca-file", str(notes)])
    err = capsys.readouterr().err
    assert code == 2 and "notes.txt" in err and "PEM" in err
    assert sim.world.stats.requests == 0


# --- faults -------------------------------------------------------------------------------------

FAULTS = [
    ({"latency_ms": 2500}, 6, "Timed out"),
    ({"drop": True}, 6, "Connection dropped"),
    ({"html_502": True}, 6, "Not a vCenter answer"),
    ({"malformed_json": True}, 6, "malformed JSON"),
    ({"trickle": True, "trickle_ms": 300}, 6, "Timed out"),
    ({"unavailable": True}, 1, "SERVICE_UNAVAILABLE"),
    ({"expire_sessions": True}, 0, "Linked corp.local"),
]


@pytest.mark.parametrize("fault,code,words", FAULTS)
def test_cli_survives_each_fault_with_its_exit_code(
        sim: Sim, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        fault: dict, code: int, words: str) -> None:
    monkeypatch.setenv("HVCTUI_PASSWORD", PASSWORD)
    monkeypatch.setenv("HVCTUI_PSC_PASSWORD", PASSWORD)
    sim.control("/sim/faults", fault)
    got = main(["link", "--server", sim.address, "--pin", sim.info.sha256, "--user",
                "cloudadmin@vmc.local", "--psc-hostname", "psc.corp.local", "--domain",
                "corp.local", "--psc-user", "administrator@corp.local", "--trust-offered",
                "--timeout", "1.5"])
    out, err = capsys.readouterr()
    assert got == code and words in out + err
    assert "Traceback" not in out + err


@pytest.mark.parametrize("fault,code,words", FAULTS)
async def test_tui_pane_shows_each_fault(sim: Sim, isolated_config: Path, fault: dict,
                                         code: int, words: str,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HVCTUI_TEST_PW", PASSWORD)
    sim.control("/sim/faults", fault)
    path = write_config(isolated_config, {"corp": corp_profile(
        sim.address, sim.info.sha256, ssl_thumbprint=sim.psc_thumbprint)})
    app = HvcApp(config_path=path, timeouts=Timeouts(connect=2, total=1.5))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f5")
        await wait_until(pilot, lambda: bool(app.main.pane.json) or isinstance(app.screen,
                                                                          ConfirmScreen))
        text = pane_text(app)
    expected = "LINKED" if code == 0 else words
    assert expected in text and "Traceback" not in text


# --- bad input ----------------------------------------------------------------------------------

@pytest.mark.parametrize("field,value,words", [
    ("server", "", "is required"),
    ("server", "vc host", "not a server address"),
    ("user", "", "is required"),
    ("psc_hostname", "", "is required"),
    ("psc_hostname", "psc corp", "not a host name"),
    ("psc_port", "0", "not a port number"),
    ("psc_port", "https", "not a port number"),
    ("domain_name", "", "is required"),
    ("psc_user", "", "is required"),
    ("ssl_thumbprint", "12:34", "hex pairs"),
    ("ssl_thumbprint", "g" * 64, "hex pairs"),
    ("admin_groups", "admins", "group@domain"),
    ("pin_sha256", "nope", "hex pairs"),
])
async def test_every_form_field_rejects_bad_values_by_name_and_sends_nothing(
        sim: Sim, isolated_config: Path, monkeypatch: pytest.MonkeyPatch, field: str,
        value: str, words: str) -> None:
    monkeypatch.setenv("HVCTUI_TEST_PW", PASSWORD)
    path = write_config(isolated_config, {"corp": corp_profile(sim.address, sim.info.sha256)})
    app = HvcApp(config_path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        app.main.form.input(field).value = value
        await pilot.press("f5")
        await pilot.pause()
        assert words in app.main.form.problem(field)
        assert "Not ready to send" in pane_text(app)
    assert sim.world.stats.requests == 0



async def test_a_defect_in_the_link_worker_is_a_message_and_a_history_entry_not_a_crash(
        sim: Sim, isolated_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hvctui.tui.app import HvcApp
    from hvctui.vapi import flow

    from .tui_support import PW_ENV, corp_profile, pane_text, wait_until, write_config

    monkeypatch.setenv(PW_ENV, PASSWORD)

    async def defective_link(connection, spec, *args, **kwargs):  # type: ignore[no-untyped-def]
        body = spec.to_wire()  # a local holding the PSC password, as a real defect might
        raise RuntimeError(f"defect with {len(body)} fields")

    monkeypatch.setattr(flow, "link", defective_link)
    path = write_config(isolated_config, {"corp": corp_profile(sim.address, sim.info.sha256)})
    app = HvcApp(config_path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f5")
        await wait_until(pilot, lambda: "Unexpected failure" in pane_text(app))
        assert app.is_running and PASSWORD not in pane_text(app)
    history = (isolated_config / "history.jsonl").read_text()
    assert '"status": "Failed"' in history and PASSWORD not in history


async def test_the_last_guard_shows_no_local_variables(
        isolated_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Textual's own crash report prints every frame's locals; ours must not."""
    from rich.console import Console

    from hvctui.tui.app import HvcApp
    from hvctui.tui.screens.main import MainScreen

    from .tui_support import corp_profile, write_config

    def defective_action(self: MainScreen) -> None:
        header = f"Basic {PASSWORD}"  # a local that a locals dump would print
        raise RuntimeError(f"defect ({len(header)})")

    monkeypatch.setattr(MainScreen, "action_save_profile", defective_action)
    shown_on_exit: list[object] = []
    crash_report = HvcApp._fatal_error

    def keep_what_is_shown(self: HvcApp) -> None:
        crash_report(self)
        shown_on_exit.extend(self._exit_renderables)

    monkeypatch.setattr(HvcApp, "_fatal_error", keep_what_is_shown)
    path = write_config(isolated_config, {"corp": corp_profile("vc.example.com")})
    app = HvcApp(config_path=path)
    with pytest.raises(RuntimeError):
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("ctrl+s")
            await pilot.pause()
    console = Console(record=True, width=120)
    for renderable in shown_on_exit:
        console.print(renderable)
    shown = console.export_text()
    assert "RuntimeError" in shown and "defect" in shown
    assert PASSWORD not in shown  # Textual's own report would show header = 'Basic VMware1!'

