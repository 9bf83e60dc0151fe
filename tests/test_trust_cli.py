"""The CLI's side of the verified trust step: verdicts, --trust-offered, --ssl-certificate,
check-psc; against the simulator's PSCs on loopback (sim/psc.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hvctui.cli import main
from hvctui.sim.certs import make_certificate
from hvctui.sim.psc import INTERCEPTED, VERIFIED

from .conftest import PASSWORD, Sim


@pytest.fixture(autouse=True)
def passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HVCTUI_PASSWORD", PASSWORD)
    monkeypatch.setenv("HVCTUI_PSC_PASSWORD", PASSWORD)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def link_args(sim: Sim, key: str) -> list[str]:
    psc = sim.world.pscs[key]
    return ["link", "--server", sim.address, "--pin", sim.info.sha256,
            "--user", "cloudadmin@vmc.local", "--psc-hostname", psc.host,
            "--psc-port", str(psc.port), "--domain", "corp.local",
            "--psc-user", "administrator@corp.local"]


def test_trust_offered_links_when_the_psc_presents_the_same_certificate(
        psc_sim: Sim, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, *link_args(psc_sim, VERIFIED), "--trust-offered")
    assert code == 0, err
    assert "presents this same certificate to this machine" in err
    assert next(iter(psc_sim.world.links)) in out


def test_trust_offered_refuses_a_different_certificate_with_exit_3_saying_why(
        psc_sim: Sim, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, *link_args(psc_sim, INTERCEPTED), "--trust-offered")
    assert code == 3
    offered = psc_sim.world.pscs[INTERCEPTED].thumbprint
    assert "DIFFERENT certificate" in err and offered in err
    assert "CN=psc-2.corp.local" in err  # what this machine sees, named
    assert "Not trusting the offer (--trust-offered)" in err
    assert psc_sim.world.links == {}
    # The thumbprint given explicitly stays the user's choice.
    code, _, err = run(capsys, *link_args(psc_sim, INTERCEPTED), "--ssl-thumbprint", offered)
    assert code == 0, err


def test_trust_offered_says_when_it_could_not_check(
        sim: Sim, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "link", "--server", sim.address, "--pin", sim.info.sha256,
                       "--user", "cloudadmin@vmc.local", "--psc-hostname", "psc.corp.local",
                       "--domain", "corp.local", "--psc-user", "administrator@corp.local",
                       "--trust-offered")
    assert code == 0, err
    assert "could not be checked from here: psc.corp.local does not resolve" in err


def test_ssl_certificate_file_links_in_90_mode_and_a_wrong_one_names_the_field(
        psc_sim_90: Sim, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.pem"
    wrong.write_bytes(make_certificate("psc-verified.corp.local").cert_pem)
    code, _, err = run(capsys, *link_args(psc_sim_90, VERIFIED), "--ssl-certificate",
                       str(wrong))
    assert code == 1 and "INVALID_ARGUMENT" in err and "ssl_certificate" in err
    right = tmp_path / "psc.pem"
    right.write_text(psc_sim_90.world.pscs[VERIFIED].certificate_pem)
    code, out, err = run(capsys, *link_args(psc_sim_90, VERIFIED), "--ssl-certificate",
                         str(right))
    assert code == 0, err
    code, _, err = run(capsys, *link_args(psc_sim_90, VERIFIED), "--ssl-certificate",
                       str(tmp_path / "missing.pem"))
    assert code == 2 and "--ssl-certificate" in err


def test_check_psc_before_linking(psc_sim: Sim, capsys: pytest.CaptureFixture[str]) -> None:
    same = psc_sim.world.pscs[VERIFIED]
    code, out, err = run(capsys, "check-psc", "--psc-hostname", same.host, "--psc-port",
                         str(same.port), "--ssl-thumbprint", same.thumbprint)
    # The verdict is the command's result: stdout (README: results to stdout).
    assert code == 0 and "presents this same certificate" in out and err == ""
    assert same.thumbprint in out
    other = psc_sim.world.pscs[INTERCEPTED]
    code, out, _ = run(capsys, "check-psc", "--psc-hostname", other.host, "--psc-port",
                       str(other.port), "--ssl-thumbprint", other.thumbprint, "--json")
    payload = json.loads(out)
    assert code == 3 and payload["verdict"] == "different"
    assert payload["psc_check"]["verdict"] == "different"  # as in link's --json
    code, out, err = run(capsys, "check-psc", "--psc-hostname", "psc.corp.local")
    assert code == 6 and "does not resolve" in out and err == ""
    code, out, _ = run(capsys, "check-psc", "--psc-hostname", "psc.corp.local", "--json")
    check = json.loads(out)["psc_check"]
    assert check["verdict"] == "unchecked" and "does not resolve" in check["why"]


def test_a_different_certificate_is_one_warning_naming_where_each_thumbprint_came_from(
        psc_sim: Sim, capsys: pytest.CaptureFixture[str]) -> None:
    other = psc_sim.world.pscs[INTERCEPTED]
    code, out, err = run(capsys, "check-psc", "--psc-hostname", other.host, "--psc-port",
                         str(other.port), "--ssl-thumbprint", other.thumbprint)
    assert code == 3 and err == ""
    assert out.count("WARNING") == 1 and "WARNING: WARNING" not in out
    assert "WARNING: The PSC" in out
    [given] = [line for line in out.splitlines() if other.thumbprint in line]
    assert given.strip().startswith("given:") and "offered by vCenter" not in out
    assert "than the one given" in out and "vCenter offers" not in out
    # In a link, the thumbprint compared with is vCenter's offer, and is labelled so.
    code, _, err = run(capsys, *link_args(psc_sim, INTERCEPTED), "--trust-offered")
    assert code == 3 and err.count("WARNING") == 1
    assert "offered by vCenter:" in err and "given:" not in err


def test_link_json_refusing_a_different_certificate_says_the_verdict_and_a_hint_that_fits(
        psc_sim: Sim, capsys: pytest.CaptureFixture[str]) -> None:
    """--trust-offered refused because the PSC presents another certificate: the JSON says
    what the check found, and its hint does not recommend the flag that was just refused."""
    other = psc_sim.world.pscs[INTERCEPTED]
    code, out, err = run(capsys, *link_args(psc_sim, INTERCEPTED), "--trust-offered", "--json")
    payload = json.loads(out)
    assert code == 3 and payload["error_type"] == "UNVERIFIED_PEER"
    check = payload["psc_check"]
    assert check["verdict"] == "different" and check["offered_sha256"] == other.thumbprint
    assert check["seen_sha256"] and check["seen_sha256"] != other.thumbprint
    hint = payload["hint"]
    assert "--trust-offered" not in hint and "DIFFERENT" in hint
    assert f"{other.thumbprint}, give it yourself (--ssl-thumbprint)" in hint
    # The human report's next step is the same.
    code, _, err = run(capsys, *link_args(psc_sim, INTERCEPTED), "--trust-offered")
    [next_step] = [line for line in err.splitlines() if line.startswith("Next:")]
    assert code == 3 and next_step == f"Next: {hint}"
    # A check that could not be made is said too (and there trusting stays the advice).
    code, out, _ = run(capsys, "link", "--server", psc_sim.address, "--pin",
                       psc_sim.info.sha256, "--user", "cloudadmin@vmc.local",
                       "--psc-hostname", "psc.corp.local", "--domain", "corp.local",
                       "--psc-user", "administrator@corp.local", "--json")
    payload = json.loads(out)
    assert code == 3 and payload["psc_check"]["verdict"] == "unchecked"
    assert "does not resolve" in payload["psc_check"]["why"]
    assert "--trust-offered" in payload["hint"]


def test_the_trust_question_names_unverified_peer_first_and_says_to_compare_once(
        sim: Sim, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    answer = io.StringIO("n\n")
    answer.isatty = lambda: True  # type: ignore[method-assign]
    monkeypatch.setattr(sys, "stdin", answer)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    code, out, err = run(capsys, "link", "--server", sim.address, "--pin", sim.info.sha256,
                         "--user", "cloudadmin@vmc.local", "--psc-hostname", "psc.corp.local",
                         "--domain", "corp.local", "--psc-user", "administrator@corp.local")
    assert code == 3 and sim.world.links == {}
    asked = err.index("Trust this thumbprint and resubmit? [y/N]")
    before = err[:asked]
    assert "UNVERIFIED_PEER" in before  # what the server said, before the question
    assert "could not be checked" in before.lower() or "Could not check" in before
    # Comparing with the PSC's own certificate is said once, not twice in other words.
    assert err.count("own certificate") == 1, err
    assert "Compare it with" not in err
