"""The command line against the simulator: exit codes, human output and --json."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hvctui.cli import main

from .conftest import PASSWORD, Sim

LINK = ["--user", "cloudadmin@vmc.local", "--psc-hostname", "psc.corp.local",
        "--domain", "corp.local", "--psc-user", "administrator@corp.local"]


@pytest.fixture(autouse=True)
def passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HVCTUI_PASSWORD", PASSWORD)
    monkeypatch.setenv("HVCTUI_PSC_PASSWORD", PASSWORD)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_link_trust_again_list_unlink(sim: Sim, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["--server", sim.address, "--insecure"]
    code, out, err = run(capsys, "link", *base, *LINK)
    assert code == 3 and sim.psc_thumbprint in out
    assert "TLS verification is OFF" in err
    code, out, _ = run(capsys, "link", *base, *LINK, "--trust-offered")
    link_id = next(iter(sim.world.links))
    assert code == 0 and link_id in out
    code, _, err = run(capsys, "link", *base, *LINK, "--trust-offered")
    assert code == 4 and "ALREADY_EXISTS" in err
    code, out, _ = run(capsys, "links", *base, "--user", "cloudadmin@vmc.local", "--json")
    assert code == 0
    assert json.loads(out)["links"][0]["link"] == link_id
    code, out, _ = run(capsys, "unlink", link_id, *base, "--user", "cloudadmin@vmc.local",
                       "--yes")
    assert code == 0 and sim.world.links == {}


def test_pin_works_and_a_wrong_pin_sends_nothing(sim: Sim,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "link", "--server", sim.address, "--pin", sim.info.sha256, *LINK,
                       "--trust-offered")
    assert code == 0 and next(iter(sim.world.links)) in out
    before = sim.world.stats.requests
    code, _, err = run(capsys, "links", "--server", sim.address, "--pin", "00" * 32,
                       "--user", "cloudadmin@vmc.local")
    assert code == 6 and "Nothing was sent" in err
    assert sim.world.stats.requests == before


@pytest.mark.parametrize("extra,code,words", [
    (["--psc-hostname", "psc-legacy.corp.local", "--domain", "legacy.local"], 1,
     ["UNSUPPORTED", "version (s) = 6.5.0", "build (i) = 5973321"]),
    (["--psc-hostname", "psc.nowhere.example"], 1,
     ["ERROR (HTTP 500)", "caused by:", "elapsed (d) = 30.2 [precision 1]",
      "attempts (i) = 3", "answer (l) = com.vmware.vcenter.hvc.dns.rcode(", "[LONG_DATE_TIME]"]),
    (["--domain", "wrong.local", "--trust-offered"], 1, ["INVALID_ARGUMENT", "wrong.local"]),
    (["--admin-group", "dba@corp.local", "--trust-offered"], 1, ["dba@corp.local"]),
    (["--psc-port", "8443"], 1, ["INVALID_ARGUMENT", "port (s) = 8443"]),
])
def test_world_scenarios_exit_codes_and_rendered_stack(
        sim: Sim, capsys: pytest.CaptureFixture[str], extra: list[str], code: int,
        words: list[str]) -> None:
    got, _, err = run(capsys, "link", "--server", sim.address, "--pin", sim.info.sha256,
                      *LINK, *extra)
    assert got == code
    for w in words:
        assert w in err


def test_wrong_psc_password(sim: Sim, capsys: pytest.CaptureFixture[str],
                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HVCTUI_PSC_PASSWORD", "wrong")
    code, _, err = run(capsys, "link", "--server", sim.address, "--pin", sim.info.sha256, *LINK,
                       "--trust-offered")
    assert code == 1 and "invalid_psc_credentials" in err


def test_auditor_exits_5(sim: Sim, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "link", "--server", sim.address, "--pin", sim.info.sha256,
                       *LINK, "--user", "auditor@vmc.local")
    assert code == 5 and "UNAUTHORIZED (HTTP 403)" in err


def test_json_failure_keeps_wire_fields_and_adds_rendered(
        sim: Sim, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "link", "--server", sim.address, "--pin", sim.info.sha256, *LINK,
                       "--psc-hostname", "psc.nowhere.example", "--json")
    payload = json.loads(out)
    assert code == 1 and payload["ok"] is False and payload["http_status"] == 500
    assert payload["error_type"] == "ERROR"
    top = payload["messages"][0]
    assert top["id"] == "com.vmware.vcenter.hvc.links.psc_unreachable"
    assert top["params"]["elapsed"] == {"d": 30.25, "precision": 1}
    assert top["params_rendered"]["elapsed"] == "30.2" and top["text"]
    assert PASSWORD not in out


@pytest.mark.parametrize("flag,value,words", [
    ("--psc-port", "70000", "--psc-port"),
    ("--psc-port", "abc", "--psc-port"),
    ("--ssl-thumbprint", "AB:CD", "--ssl-thumbprint"),
    ("--psc-hostname", "has space", "--psc-hostname"),
    ("--admin-group", "nodomain", "--admin-group"),
    ("--server", "bad host", "--server"),
    ("--domain", "", "--domain"),
])
def test_bad_flags_exit_2_naming_the_flag_and_send_nothing(
        sim: Sim, capsys: pytest.CaptureFixture[str], flag: str, value: str, words: str) -> None:
    argv = ["link", "--server", sim.address, "--pin", sim.info.sha256, *LINK, flag, value]
    code, _, err = run(capsys, *argv)
    assert code == 2 and words in err
    assert sim.world.stats.requests == 0


def test_format_errors_and_missing_required_values_are_named_in_one_message(
        sim: Sim, capsys: pytest.CaptureFixture[str]) -> None:
    """The first run names everything: a bad --server and --psc-port, and the --domain and
    --psc-user not given (they were named only on the next run)."""
    code, _, err = run(capsys, "link", "--server", "vc 1", "--psc-port", "99999", "--user",
                       "cloudadmin@vmc.local", "--psc-hostname", "psc.corp.local")
    assert code == 2
    for named in ("--server: 'vc 1'", "--psc-port: '99999'", "--domain: is required",
                  "--psc-user: is required"):
        assert named in err, named
    assert "--server: is required" not in err  # refused for its value, not "required" too
    assert sim.world.stats.requests == 0


def test_no_password_and_no_terminal_fails_before_sending(
        sim: Sim, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HVCTUI_PASSWORD")
    code, _, err = run(capsys, "links", "--server", sim.address, "--pin", sim.info.sha256,
                       "--user", "cloudadmin@vmc.local")
    assert code == 2 and "HVCTUI_PASSWORD" in err
    assert sim.world.stats.requests == 0


def test_profile_values_are_used_and_flags_override_them(
        sim: Sim, capsys: pytest.CaptureFixture[str], isolated_config: Path) -> None:
    isolated_config.mkdir(parents=True)
    (isolated_config / "config.toml").write_text(f"""
default_profile = "corp"
[profiles.corp]
server = "{sim.address}"
user = "cloudadmin@vmc.local"
tls = "pinned"
pin_sha256 = "{sim.info.sha256}"
psc_hostname = "psc.corp.local"
domain_name = "corp.local"
psc_user = "administrator@corp.local"
""")
    code, out, _ = run(capsys, "link", "--profile", "corp", "--domain", "other.local",
                       "--trust-offered")
    assert code == 1 and "other.local" in _
    code, out, _ = run(capsys, "link", "--profile", "corp", "--trust-offered")
    assert code == 0
    code, out, _ = run(capsys, "profiles", "list", "--json")
    assert json.loads(out)["profiles"] == ["corp"]
    history = (isolated_config / "history.jsonl").read_text()
    assert '"profile": "corp"' in history and PASSWORD not in history


def test_a_bad_value_is_named_where_it_was_given_the_profile_or_the_flag(
        sim: Sim, capsys: pytest.CaptureFixture[str], isolated_config: Path) -> None:
    isolated_config.mkdir(parents=True)
    (isolated_config / "config.toml").write_text(f"""
[profiles.corp]
server = "{sim.address}"
user = "cloudadmin@vmc.local"
pin_sha256 = "{sim.info.sha256}"
tls = "pinned"
psc_hostname = "psc.corp.local"
psc_port = "99999"
domain_name = "corp.local"
psc_user = "administrator@corp.local"
""")
    code, _, err = run(capsys, "link", "--profile", "corp", "--ssl-thumbprint", "bad")
    assert code == 2
    assert "psc_port (profile corp): '99999'" in err and "--psc-port" not in err
    assert "--ssl-thumbprint: " in err
    assert sim.world.stats.requests == 0


def test_cli_subprocess_end_to_end(sim: Sim, isolated_config: Path) -> None:
    env = dict(os.environ, HVCTUI_PASSWORD=PASSWORD, HVCTUI_PSC_PASSWORD=PASSWORD)
    result = subprocess.run(
        [sys.executable, "-m", "hvctui", "link", "--server", sim.address, "--pin",
         sim.info.sha256, *LINK, "--trust-offered", "--json"],
        capture_output=True, text=True, env=env, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["link"] in sim.world.links
    assert "Traceback" not in result.stderr


def test_dates_are_shown_in_the_configured_time_zone(
        sim: Sim, capsys: pytest.CaptureFixture[str], isolated_config: Path) -> None:
    isolated_config.mkdir(parents=True)
    (isolated_config / "config.toml").write_text('timezone = "Asia/Tokyo"\n')
    code, _, err = run(capsys, "link", "--server", sim.address, "--pin", sim.info.sha256,
                       *LINK, "--psc-hostname", "psc.nowhere.example")
    assert code == 1 and "JST [LONG_DATE_TIME]" in err
    (isolated_config / "config.toml").write_text('timezone = "Mars/Olympus"\n')
    code, _, err = run(capsys, "link", "--server", sim.address, "--pin", sim.info.sha256,
                       *LINK, "--psc-hostname", "psc.nowhere.example")
    assert "not a time zone name" in err and "UTC [LONG_DATE_TIME]" in err


def test_ctrl_c_stops_a_hanging_call_at_once_and_creates_nothing(sim: Sim, tmp_path: Path) -> None:
    """ctrl+c must act at once, inside the wait for the answer, not after it (which would let
    the link be created after the user said stop); the history records the interrupt."""
    import signal
    import time

    sim.control("/sim/faults", {"latency_ms": 30000})
    env = dict(os.environ, HVCTUI_CONFIG_DIR=str(tmp_path / "cfg"),
               HVCTUI_PASSWORD=PASSWORD, HVCTUI_PSC_PASSWORD=PASSWORD)
    proc = subprocess.Popen(
        [sys.executable, "-m", "hvctui", "link", "--server", sim.address, "--pin",
         sim.info.sha256, *LINK, "--ssl-thumbprint", sim.psc_thumbprint, "--timeout", "60"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while sim.world.stats.requests == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert sim.world.stats.requests == 1  # the login is in flight, its answer 30 s away
    proc.send_signal(signal.SIGINT)
    # The real checks are below: had ctrl+c waited for the answer, the link would be created.
    out, err = proc.communicate(timeout=120)  # only a guard against hanging the suite
    assert proc.returncode == 130, (out[-2000:], err[-2000:])
    assert "Interrupted." in err and "Traceback" not in out + err
    assert sim.world.stats.create_calls == 0 and not sim.world.links
    history = (tmp_path / "cfg").rglob("history.jsonl")
    entries = [json.loads(line) for f in history for line in f.read_text().splitlines()]
    assert [e["status"] for e in entries] == ["Interrupted"]


def test_a_thumbprint_the_user_gave_wins_over_the_offer_loudly(
        sim: Sim, capsys: pytest.CaptureFixture[str]) -> None:
    """--ssl-thumbprint X --trust-offered: the server offers another; the user's choice is not
    silently replaced by the server's (exit 3, both named, nothing linked)."""
    mine = "AB:" * 31 + "AB"
    code, out, err = run(capsys, "link", "--server", sim.address, "--pin", sim.info.sha256,
                         *LINK, "--ssl-thumbprint", mine, "--trust-offered")
    assert code == 3
    shown = "".join((err + out).split())  # thumbprints may wrap at byte pairs
    assert mine in shown and sim.psc_thumbprint in shown and "Not trusting" in err
    assert sim.world.stats.create_calls == 1 and not sim.world.links


def test_a_pinned_vcenter_that_never_completes_its_handshake_is_cut_at_the_timeout(
        capsys: pytest.CaptureFixture[str]) -> None:
    """The handshake-only probe of a pinned vCenter is bounded by --timeout (and cancellable),
    not by a thread's own 10 s."""
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    held: list[socket.socket] = []
    threading.Thread(target=lambda: held.append(listener.accept()[0]), daemon=True).start()
    try:
        code, _, err = run(capsys, "links", "--server",
                           f"127.0.0.1:{listener.getsockname()[1]}", "--pin", "AB" * 32,
                           "--user", "cloudadmin@vmc.local", "--timeout", "1")
    finally:
        for sock in held:
            sock.close()
        listener.close()
    assert code == 6 and "within 1 s" in err


def test_a_link_id_too_long_to_be_one_is_refused_before_anything_is_sent(
        sim: Sim, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "unlink", "x" * 70_000, "--server", sim.address, "--pin",
                       sim.info.sha256, "--user", "cloudadmin@vmc.local", "--yes")
    assert code == 2 and "is not a link id" in err and len(err) < 2000
    assert sim.world.stats.requests == 0


# --- broken profiles are reported with their reasons --------------------------------------

BROKEN_CONFIG = ('[profiles.bad]\nserver = "h:99999"\ntls = "pinnned"\nadmin_groups = 7\n')


def write_broken(folder: Path, extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.toml"
    path.write_text(BROKEN_CONFIG + extra)
    path.chmod(0o600)
    return path


def test_profiles_list_names_why_each_broken_profile_is_broken(
        isolated_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_broken(isolated_config)
    code, out, err = run(capsys, "profiles", "list")
    assert code == 0 and "bad" in out
    for line, key, why in ((2, "server", "99999"), (3, "tls", "pinnned"),
                           (4, "admin_groups", "must be a list")):
        assert any(f"{path}, line {line}, key profiles.bad.{key}:" in w and why in w
                   for w in err.splitlines()), err


def test_profiles_show_of_a_broken_profile_says_it_is_broken_and_why(
        isolated_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_broken(isolated_config)
    code, _, err = run(capsys, "profiles", "show", "bad")
    assert code == 2
    assert "no profile named" not in err
    assert "'bad' is broken in config.toml" in err and "pinnned" in err and "99999" in err


def test_status_shows_a_broken_profile_as_a_problem_row_and_exits_one(
        isolated_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_broken(isolated_config)
    code, out, _ = run(capsys, "status")
    assert code == 1 and "No profiles" not in out
    [row] = [line for line in out.splitlines() if line.startswith("bad ")]
    assert "problem" in row and "broken in config.toml: server (line 2)" in row
    code, out, _ = run(capsys, "status", "--json", "--profile", "bad")
    assert code == 1
    payload = json.loads(out)
    assert payload["ok"] is False
    [row] = payload["rows"]
    assert row["state"] == "problem" and row["problem"].startswith("broken in config.toml: ")
    assert "pinnned" in row["problem"] and "admin_groups (line 4)" in row["problem"]


def test_status_fits_its_table_in_80_columns_cutting_cells_not_wrapping_them(
        sim: Sim, isolated_config: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Long problems are cut with … at 80 columns (the profile's name is kept whole); a pipe
    (no COLUMNS, not a terminal) gets the whole lines."""
    write_broken(isolated_config, f'[profiles.sddc-frankfurt-2]\nserver = "{sim.address}"\n'
                 'user = "cloudadmin@vmc.local"\npassword_source = "env:HVCTUI_PASSWORD"\n'
                 f'tls = "pinned"\npin_sha256 = "{"AB" * 32}"\n')
    monkeypatch.setenv("HVCTUI_PASSWORD", PASSWORD)
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = run(capsys, "status")
    lines = out.splitlines()
    assert code == 1 and len(lines) == 3
    assert all(len(line) <= 80 for line in lines), "\n".join(lines)
    assert all(line.endswith("…") for line in lines[1:]), "\n".join(lines)
    assert lines[0].endswith("PROBLEM")
    [row] = [line for line in lines if line.startswith("sddc-frankfurt-2 ")]
    assert sim.address in row and "problem" in row
    monkeypatch.delenv("COLUMNS")
    code, out, _ = run(capsys, "status")
    [row] = [line for line in out.splitlines() if line.startswith("bad ")]
    assert "broken in config.toml: server (line 2): " in row and len(row) > 200


def test_status_names_the_last_link_attempt_once_and_counts_one_profile_in_the_singular(
        sim: Sim, isolated_config: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from hvctui.sim.fleet import add_link

    isolated_config.mkdir(parents=True)
    (isolated_config / "config.toml").write_text(
        f'[profiles.lab]\nserver = "{sim.address}"\nuser = "cloudadmin@vmc.local"\n'
        f'password_source = "env:HVCTUI_PASSWORD"\ntls = "pinned"\n'
        f'pin_sha256 = "{sim.info.sha256}"\npsc_hostname = "psc.corp.local"\n'
        'domain_name = "corp.local"\npsc_user = "administrator@corp.local"\n'
        'psc_password_source = "env:HVCTUI_PSC_PASSWORD"\n'
        f'ssl_thumbprint = "{sim.psc_thumbprint}"\n')
    (isolated_config / "config.toml").chmod(0o600)
    add_link(sim.world)
    code, _, _ = run(capsys, "link", "--profile", "lab")
    assert code == 4
    code, out, err = run(capsys, "status", "--json")
    [row] = json.loads(out)["rows"]
    assert "Z ALREADY_EXISTS (HTTP 400): This vCenter is already linked" in row["last_link"]
    assert row["last_link"].count("ALREADY_EXISTS") == 1, row["last_link"]
    assert code == 0 and err == ""
    code, out, err = run(capsys, "status")
    assert err == "1 profile: 0 failed, 0 unhealthy.\n"


# --- hvctui sim: bad flags are usage errors, a failed start is one line ---------------------

@pytest.mark.parametrize("flags,words", [
    (["--latency", "-5"], "--latency"), (["--latency", "3600001"], "--latency"),
    (["--latency", "1e3"], "--latency"), (["--port", "70000"], "--port"),
    (["--port", "-1"], "--port"), (["--port", "http"], "--port"),
    (["--session-idle", "-1"], "--session-idle"), (["--session-idle", "0"], "--session-idle"),
    (["--session-idle", "nan"], "--session-idle"), (["--session-idle", "inf"], "--session-idle"),
])
def test_sim_refuses_bad_flags_before_starting(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        flags: list[str], words: str) -> None:
    import hvctui.sim.server as server

    started: list[tuple[object, ...]] = []
    monkeypatch.setattr(server, "run_foreground", lambda *a, **k: started.append((a, k)))
    with pytest.raises(SystemExit) as exit_:
        main(["sim", *flags])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and started == []
    assert f"argument {words}:" in err and "Traceback" not in err


def test_sim_on_port_0_listens_on_a_free_port_and_prints_the_one_bound() -> None:
    """Port 0 means any free port: accepted, and the line printed names the port bound, in
    the usual format, so that a person can connect to it."""
    import re
    import socket
    import subprocess
    import sys

    process = subprocess.Popen([sys.executable, "-m", "hvctui", "sim", "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.fullmatch(r"hvctui simulator at https://127\.0\.0\.1:(\d+)  certificate "
                             r"SHA-256 ([0-9A-F]{2}(:[0-9A-F]{2}){31})\n", line)
        assert match, (line, process.stderr.read() if process.poll() is not None else "")
        port = int(match.group(1))
        assert port != 0
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass  # it listens where it says
    finally:
        process.terminate()
        process.wait(10)


def test_sim_takes_the_edges_of_each_range(monkeypatch: pytest.MonkeyPatch) -> None:
    import hvctui.sim.server as server

    started: list[dict[str, object]] = []
    monkeypatch.setattr(server, "run_foreground",
                        lambda host, port, **k: started.append({"port": port, **k}))
    assert main(["sim", "--port", "65535", "--latency", "3600000",
                 "--session-idle", "0.5"]) == 0
    assert main(["sim", "--port", "1", "--latency", "0"]) == 0
    assert main(["sim", "--port", "0"]) == 0
    assert [(s["port"], s["latency_ms"], s["session_idle"]) for s in started] == [
        (65535, 3_600_000, 0.5), (1, 0, 1800.0), (0, 0, 1800.0)]


@pytest.mark.parametrize("error", [
    OverflowError("bind(): port must be 0-65535."),
    ValueError("fault latency_ms: takes a whole number from 0 to 3600000"),
    OSError(98, "Address already in use"),
])
def test_a_sim_that_cannot_start_says_why_in_one_line(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        error: Exception) -> None:
    import hvctui.sim.server as server

    def fail(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(server, "run_foreground", fail)
    assert main(["sim", "--port", "8443"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and err.startswith("hvctui sim: cannot ")
    assert (error.strerror if isinstance(error, OSError) else str(error)) in err


# --- the CLI in a real user's hands (issue 11) --------------------------------------------


def test_link_help_describes_every_flag_the_exit_codes_and_the_environment(
        capsys: pytest.CaptureFixture[str]) -> None:
    from hvctui.cli import _parser

    with pytest.raises(SystemExit):
        main(["link", "--help"])
    shown = capsys.readouterr().out
    assert "exit codes:" in shown and "HVCTUI_PASSWORD" in shown and "HVCTUI_PSC_PASSWORD" in shown
    link = next(a for a in _parser()._subparsers._group_actions  # type: ignore[union-attr]
                if a.dest == "command").choices["link"]
    undescribed = [a.option_strings for a in link._actions if a.option_strings and not a.help]
    assert undescribed == []


def test_a_rejected_vcenter_certificate_prints_its_sha256_to_pin(
        sim: Sim, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "links", "--server", sim.address, "--user",
                       "cloudadmin@vmc.local")
    assert code == 6 and sim.info.sha256 in err and f"--pin {sim.info.sha256}" in err


def test_on_a_terminal_unverified_peer_asks_to_trust_and_links_on_yes(
        sim: Sim, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    answer = io.StringIO("y\n")
    answer.isatty = lambda: True  # type: ignore[method-assign]
    monkeypatch.setattr(sys, "stdin", answer)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    code, out, err = run(capsys, "link", "--server", sim.address, "--pin", sim.info.sha256,
                         *LINK)
    assert "Trust this thumbprint and resubmit? [y/N]" in err
    assert code == 0 and len(sim.world.links) == 1


def test_a_psc_host_with_a_port_is_refused_before_anything_is_sent(
        sim: Sim, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "link", "--server", sim.address, "--pin", sim.info.sha256,
                       "--user", "cloudadmin@vmc.local", "--psc-hostname", "psc.corp.local:443",
                       "--domain", "corp.local", "--psc-user", "administrator@corp.local")
    assert code == 2 and "carries a port" in err
    # The CLI's own words for where the port goes: the flag, not the form's field.
    assert "the port ('443') in --psc-port" in err and "field" not in err
    assert sim.world.stats.requests == 0


def test_a_server_given_as_an_https_url_is_understood(
        sim: Sim, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "links", "--server", f"https://{sim.address}/ui/", "--pin",
                       sim.info.sha256, "--user", "cloudadmin@vmc.local")
    assert code == 0 and "No links." in out


def test_unlink_given_a_domain_name_says_it_takes_a_link_id(
        sim: Sim, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "unlink", "corp.local", "--server", sim.address, "--pin",
                       sim.info.sha256, "--user", "cloudadmin@vmc.local", "--yes")
    assert code == 1 and "takes a link id" in err and "hvctui links" in err


def test_profiles_remove_asks_and_list_takes_config_and_aligns_its_columns(
        sim: Sim, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    path = tmp_path / "other" / "hvctui.toml"
    path.parent.mkdir()
    path.write_text('default_profile = "corp"\n[profiles.corp]\nserver = "vc.example.com"\n'
                    '[profiles.a-much-longer-name]\nserver = "vc2.example.com"\n')
    path.chmod(0o600)
    code, out, _ = run(capsys, "profiles", "list", "--config", str(path))
    rows = [line for line in out.splitlines() if "example.com" in line]
    assert code == 0 and len(rows) == 2
    assert rows[0].index("vc.example.com") == rows[1].index("vc2.example.com")
    code, _, err = run(capsys, "profiles", "remove", "corp", "--config", str(path))
    assert code == 2 and "--yes" in err  # no terminal to ask on
    answer = io.StringIO("n\n")
    answer.isatty = lambda: True  # type: ignore[method-assign]
    monkeypatch.setattr(sys, "stdin", answer)
    code, _, err = run(capsys, "profiles", "remove", "corp", "--config", str(path))
    assert code == 2 and "Remove profile corp" in err and "Not removed" in err
    assert "[profiles.corp]" in path.read_text()


def test_an_unknown_flag_is_reported_with_the_usage_of_its_command(
        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["link", "--bogus"])
    err = capsys.readouterr().err
    assert exited.value.code == 2
    assert err.startswith("usage: hvctui link ") and "--psc-hostname" in err
    assert "hvctui link: error: unrecognized arguments: --bogus" in err
    with pytest.raises(SystemExit):
        main(["--bogus"])
    assert capsys.readouterr().err.startswith("usage: hvctui [-h]")
    with pytest.raises(SystemExit):  # with --json, the failure is also JSON on stdout
        main(["links", "--json", "--timeout", "nan"])
    out = capsys.readouterr().out
    assert json.loads(out)["ok"] is False and "--timeout" in out


def test_status_with_no_profiles_is_bad_input_not_all_healthy(
        isolated_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "status")
    path = str(isolated_config / "config.toml")
    # Says what is wrong and how to put it right, not "Error: Invalid input".
    assert code == 2 and out == "" and "Invalid input" not in err
    assert f"there are no profiles in {path}" in err and "hvctui profiles add NAME" in err
    assert "--config" in err
    code, out, _ = run(capsys, "status", "--json")
    assert code == 2 and json.loads(out)["ok"] is False


def test_profiles_list_with_none_says_how_to_add_one_on_stderr(
        isolated_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "profiles", "list")
    assert code == 0 and out == ""  # a list of no profiles: nothing on stdout
    assert str(isolated_config / "config.toml") in err and "hvctui profiles add NAME" in err
    code, out, err = run(capsys, "profiles", "list", "--json")
    assert code == 0 and json.loads(out)["profiles"] == []
    assert "hvctui profiles add NAME" in err


# --- a reader that goes away (`| head -0`, `| true`) ----------------------------------------


@pytest.mark.parametrize("case", ["links --json", "status", "both streams, failing"])
def test_a_closed_pipe_ends_the_output_quietly_with_the_commands_own_exit_code(
        sim: Sim, tmp_path: Path, case: str) -> None:
    """The reader is gone before the first byte: no traceback, no "unexpected failure", no
    "Exception ignored", no false history line; the exit code is the command's own."""
    config = tmp_path / "cfg"
    config.mkdir()
    (config / "config.toml").write_text(
        f'[profiles.lab]\nserver = "{sim.address}"\nuser = "cloudadmin@vmc.local"\n'
        f'password_source = "env:HVCTUI_PASSWORD"\ntls = "pinned"\n'
        f'pin_sha256 = "{sim.info.sha256}"\n')
    (config / "config.toml").chmod(0o600)
    server = ["--server", sim.address, "--user", "cloudadmin@vmc.local", "--pin"]
    argv, code = {
        "links --json": (["links", *server, sim.info.sha256, "--json"], 0),
        "status": (["status"], 0),
        "both streams, failing": (["links", *server, "AB" * 32], 6),
    }[case]
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader has gone: every write to the pipe is EPIPE
    env = dict(os.environ, HVCTUI_CONFIG_DIR=str(config), HVCTUI_PASSWORD=PASSWORD)
    both = case.startswith("both")
    try:
        result = subprocess.run([sys.executable, "-m", "hvctui", *argv], stdout=write_end,
                                stderr=write_end if both else subprocess.PIPE, env=env,
                                stdin=subprocess.DEVNULL, timeout=60, text=True)
    finally:
        os.close(write_end)
    assert result.returncode == code, result.stderr
    err = result.stderr or ""
    for words in ("Traceback", "unexpected failure", "Exception ignored", "history records",
                  "BrokenPipe"):
        assert words not in err, err
    if case == "status":
        assert err.endswith(" 0 failed, 0 unhealthy.\n"), err  # the count, and nothing else


def test_profiles_show_prints_a_list_as_the_config_writes_it(
        isolated_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from hvctui._compat import tomllib

    isolated_config.mkdir(parents=True)
    (isolated_config / "config.toml").write_text(
        '[profiles.corp]\nserver = "vc.example.com"\n'
        'admin_groups = ["vmc-admins@corp.local", "ops@corp.local"]\n')
    (isolated_config / "config.toml").chmod(0o600)
    code, out, _ = run(capsys, "profiles", "show", "corp")
    [line] = [x for x in out.splitlines() if x.startswith("admin_groups ")]
    shown = line.removeprefix("admin_groups").strip()
    assert code == 0 and shown == '["vmc-admins@corp.local", "ops@corp.local"]'
    assert tomllib.loads(f"admin_groups = {shown}")["admin_groups"] == [
        "vmc-admins@corp.local", "ops@corp.local"]


def test_every_help_fits_80_columns_without_a_word_cut(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """`hvctui --help` and every command's: no line wider than 80 columns (the examples and
    the exit codes and environment epilog were up to 91), so an 80-column terminal never
    wraps one mid-word."""
    from hvctui.cli import _parser

    monkeypatch.setenv("COLUMNS", "80")
    commands = [[]] + [[name] for name in _parser().commands]  # type: ignore[attr-defined]
    assert len(commands) > 8
    for command in commands:
        with pytest.raises(SystemExit):
            main([*command, "--help"])
        out = capsys.readouterr().out
        wide = [line for line in out.splitlines() if len(line) > 80]
        assert not wide, (command, wide)
        assert "exit codes:" in out or command == ["sim"] or command == ["demo"]


def test_the_simulators_line_keeps_its_url_and_label_whole() -> None:
    """`hvctui sim` prints one line (product.md: its URL and certificate SHA-256): whole on a
    pipe; on an 80-column terminal wrapped at a space or between byte pairs, never inside
    the URL, the word SHA-256 or a pair."""
    from hvctui.sim.server import announcement

    url, sha = "https://127.0.0.1:18443", ":".join(["4F"] * 32)
    assert announcement(url, sha) == f"hvctui simulator at {url}  certificate SHA-256 {sha}"
    for width in (80, 60):
        rows = announcement(url, sha, width).split("\n")
        assert all(len(r) <= width for r in rows), rows
        assert url in rows[0] and any("SHA-256" in r for r in rows)
        # Each break falls after the URL, after the label or after a byte pair's colon.
        assert all(r.endswith((url, "certificate", "SHA-256", ":")) for r in rows[:-1]), rows
        assert "".join(r.strip() for r in rows).endswith(sha)  # nothing lost


def test_status_at_80_columns_gives_up_empty_columns_before_cutting_state_or_problem(
        isolated_config: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """DOMAIN and HEALTH holding only `-` made STATE read `probl…`: a column with no value in
    any row is left out first (and the note says so), then the least telling cells are cut;
    STATE stays whole and PROBLEM keeps the room left."""
    isolated_config.mkdir(parents=True, exist_ok=True)
    path = isolated_config / "config.toml"
    path.write_text('[profiles.prod-sddc-frankfurt]\n'
                    'server = "vcenter.sddc-10-20-30-40.vmwarevmc.com"\n'
                    'user = "cloudadmin@vmc.local"\npassword_source = "env:HVCTUI_NOT_SET"\n'
                    '[profiles.half]\npsc_hostname = "psc.corp.local"\n')
    path.chmod(0o600)
    monkeypatch.setenv("COLUMNS", "80")
    code, out, err = run(capsys, "status")
    lines = out.splitlines()
    assert code == 1 and all(len(line) <= 80 for line in lines), out
    assert "DOMAIN" not in lines[0] and "HEALTH" not in lines[0]
    assert "DOMAIN, HEALTH left out" in err and "--json" in err
    for line in lines[1:]:
        assert " problem " in line, line  # the state whole, never "probl…"
        assert len(line.split("  ")[-1]) >= 20, line  # the problem keeps room
    assert any("profile incomplete" in line for line in lines)
    monkeypatch.setenv("COLUMNS", "300")  # room for all: nothing left out, nothing said
    code, out, err = run(capsys, "status")
    assert "DOMAIN" in out.splitlines()[0] and "left out" not in err
