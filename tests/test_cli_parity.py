"""Issue 21, "the CLI can do all the TUI can": a script, an Ansible task or a cron job needs no
TUI. Administrators, profile edits, linking many profiles, unlinking with PSC credentials;
each against the simulator, with its exit codes and --json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hvctui.cli import main
from hvctui.profiles.store import ConfigStore, Profile
from hvctui.sim.fleet import SimFleet
from hvctui.sim.world import World

from .conftest import PASSWORD, Sim
from .tui_support import PW_ENV, corp_profile, write_config

LINK = ["--user", "cloudadmin@vmc.local", "--psc-hostname", "psc.corp.local",
        "--domain", "corp.local", "--psc-user", "administrator@corp.local"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def history(folder: Path) -> list[dict[str, Any]]:
    path = folder / "history.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


# --- 1. hvctui admins --------------------------------------------------------------------


def test_admins_list_add_remove_recorded_in_the_history(
        sim: Sim, capsys: pytest.CaptureFixture[str], isolated_config: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HVCTUI_PASSWORD", PASSWORD)
    vc = ["--server", sim.address, "--pin", sim.info.sha256, "--user", "cloudadmin@vmc.local"]
    code, out, _ = run(capsys, "admins", "list", *vc, "--json")
    assert code == 0 and json.loads(out) == {"ok": True, "groups": ["cloud-admins@vmc.local"]}
    code, out, err = run(capsys, "admins", "add", "ops@corp.local", *vc)
    assert code == 0 and out.split() == ["cloud-admins@vmc.local", "ops@corp.local"]
    assert "Added ops@corp.local" in err
    assert sim.world.administrators == ["cloud-admins@vmc.local", "ops@corp.local"]
    code, out, _ = run(capsys, "admins", "remove", "ops@corp.local", *vc, "--json")
    assert code == 0 and json.loads(out)["groups"] == ["cloud-admins@vmc.local"]
    calls = [(e["call"], e["status"]) for e in history(isolated_config)]
    assert calls == [("admins add ops@corp.local", "ok"), ("admins remove ops@corp.local", "ok")]
    assert PASSWORD not in (isolated_config / "history.jsonl").read_text()


def test_admins_exit_codes_bad_group_nothing_sent_and_a_read_only_user(
        sim: Sim, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HVCTUI_PASSWORD", PASSWORD)
    vc = ["--server", sim.address, "--pin", sim.info.sha256]
    code, _, err = run(capsys, "admins", "add", "nodomain", *vc, "--user", "cloudadmin@vmc.local")
    assert code == 2 and "GROUP" in err and "nodomain" in err
    code, _, _ = run(capsys, "admins", "add", *vc, "--user", "cloudadmin@vmc.local")
    assert code == 2
    assert sim.world.stats.requests == 0
    code, out, _ = run(capsys, "admins", "add", "ops@corp.local", *vc, "--user",
                       "auditor@vmc.local", "--json")
    assert code == 5 and json.loads(out)["error_type"] == "UNAUTHORIZED"
    code, _, err = run(capsys, "admins", "remove", "nobody@corp.local", *vc, "--user",
                       "cloudadmin@vmc.local")
    assert code == 1 and "ERROR (HTTP 500)" in err and "nobody@corp.local" in err


# --- 2. hvctui profiles add | set | rename | copy ------------------------------------------


def config_text(folder: Path) -> str:
    return (folder / "config.toml").read_text()


def test_profiles_add_then_link_with_it_and_set_changes_only_the_flags_given(
        sim: Sim, capsys: pytest.CaptureFixture[str], isolated_config: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PW_ENV, PASSWORD)
    code, out, _ = run(capsys, "profiles", "add", "corp", "--server", sim.address,
                       "--user", "cloudadmin@vmc.local", "--password-source", f"env:{PW_ENV}",
                       "--pin", sim.info.sha256, "--psc-hostname", "psc.corp.local",
                       "--domain", "corp.local", "--psc-user", "administrator@corp.local",
                       "--psc-password-source", f"env:{PW_ENV}",
                       "--admin-group", "vmc-admins@corp.local", "--json")
    payload = json.loads(out)
    assert code == 0 and payload["ok"] and payload["name"] == "corp"
    assert payload["profile"]["tls"] == "pinned" and payload["profile"]["pin_sha256"]
    saved = ConfigStore(isolated_config / "config.toml").load().config.profiles["corp"]
    assert saved.password_source == f"env:{PW_ENV}" and saved.admin_groups == [
        "vmc-admins@corp.local"]
    assert PASSWORD not in config_text(isolated_config)
    # set: only the flags given change; the rest stays as saved
    code, out, _ = run(capsys, "profiles", "set", "corp", "--lang", "de-DE",
                       "--admin-group", "vmc-admins@corp.local", "--admin-group",
                       "ops@corp.local")
    assert code == 0 and "Changed accept_language, admin_groups of profile corp." in out
    after = ConfigStore(isolated_config / "config.toml").load().config.profiles["corp"]
    assert after == saved.replace(accept_language="de-DE",
                                  admin_groups=["vmc-admins@corp.local", "ops@corp.local"])
    # the profile written by the CLI links as the TUI's would
    code, out, _ = run(capsys, "link", "--profile", "corp", "--trust-offered")
    assert code == 0 and next(iter(sim.world.links)) in out
    code, out, _ = run(capsys, "profiles", "set", "corp", "--psc-port", "", "--tls", "insecure",
                       "--json")
    assert code == 0 and json.loads(out)["profile"]["tls"] == "insecure"


def test_profiles_add_names_every_problem_by_its_flag_and_writes_nothing(
        capsys: pytest.CaptureFixture[str], isolated_config: Path) -> None:
    code, _, err = run(capsys, "profiles", "add", "x", "--server", "bad host",
                       "--psc-port", "70000", "--admin-group", "nodomain",
                       "--password-source", "bogus", "--lang", "dé", "--ssl-thumbprint", "AB:CD",
                       "--tls", "sometimes")
    assert code == 2
    for flag in ("--server", "--psc-port", "--admin-group", "--password-source", "--lang",
                 "--ssl-thumbprint", "--tls"):
        assert f"{flag}: " in err, flag
    assert "nothing was saved" in err
    assert not (isolated_config / "config.toml").exists()
    code, _, err = run(capsys, "profiles", "add", "x", "--insecure", "--pin", "AB:" * 31 + "AB")
    assert code == 2 and "choose one of --insecure, --pin" in err


def test_a_file_that_cannot_be_read_hides_no_other_problem_of_profiles_add_or_link(
        sim: Sim, capsys: pytest.CaptureFixture[str], isolated_config: Path,
        tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.pem")
    code, _, err = run(capsys, "profiles", "add", "x", "--server", "vc 1", "--ssl-certificate",
                       missing, "--psc-port", "0", "--insecure", "--pin", "AB:" * 31 + "AB")
    assert code == 2 and not (isolated_config / "config.toml").exists()
    for flag in ("--ssl-certificate", "--server", "--psc-port", "choose one of"):
        assert flag in err, flag
    code, _, err = run(capsys, "link", "--server", "vc 1", "--ssl-certificate", missing,
                       "--psc-port", "99999", "--insecure", "--pin", sim.info.sha256)
    assert code == 2
    for flag in ("--ssl-certificate: cannot read", "--server: ", "--psc-port: ",
                 "choose one of --insecure", "--user: is required", "--domain: is required",
                 "--psc-user: is required", "--psc-hostname: is required"):
        assert flag in err, flag
    assert sim.world.stats.requests == 0


def test_a_password_is_never_a_flag_and_is_not_echoed(
        capsys: pytest.CaptureFixture[str], isolated_config: Path) -> None:
    # Anywhere: a command's flags, before any command, and the commands with no config.
    for where in (["profiles", "add", "x"], [], ["sim"], ["demo"]):
        for flag in ("--password", "--psc-password", "--pass="):
            argv = [*where, flag + "S3cret-typed!"] if flag.endswith("=") else \
                [*where, flag, "S3cret-typed!"]
            with pytest.raises(SystemExit) as exit_:
                main(argv)
            _, err = capsys.readouterr()
            assert exit_.value.code == 2 and "S3cret-typed!" not in err, argv
            # (--pass= is ambiguous where --password-source is a flag too: named without it)
            assert "never taken as flags" in err or "ambiguous option: --pass " in err, argv
    assert not (isolated_config / "config.toml").exists()


def test_profiles_add_refuses_an_existing_name_rename_and_copy(
        capsys: pytest.CaptureFixture[str], isolated_config: Path) -> None:
    write_config(isolated_config, {"corp": corp_profile("vc.example.com")})
    before = config_text(isolated_config)
    code, _, err = run(capsys, "profiles", "add", "corp", "--server", "other.example.com")
    assert code == 2 and "exists already" in err and config_text(isolated_config) == before
    code, _, err = run(capsys, "profiles", "set", "nope", "--user", "x@vmc.local")
    assert code == 2 and "no profile named 'nope'" in err
    code, out, _ = run(capsys, "profiles", "copy", "corp", "corp-test", "--json")
    assert code == 0 and json.loads(out)["copied_from"] == "corp"
    code, out, _ = run(capsys, "profiles", "rename", "corp", "corp-old")
    assert code == 0 and "Renamed profile corp to corp-old." in out
    loaded = ConfigStore(isolated_config / "config.toml").load().config
    assert list(loaded.profiles) == ["corp-old", "corp-test"]
    assert loaded.profiles["corp-old"] == loaded.profiles["corp-test"]
    assert loaded.default_profile == "corp-old"  # the default follows a rename
    code, _, err = run(capsys, "profiles", "rename", "gone", "new")
    assert code == 2 and "no profile named 'gone'" in err
    code, _, err = run(capsys, "profiles", "rename", "corp-old", "corp-test")
    assert code == 2 and "exists already" in err
    code, _, err = run(capsys, "profiles", "copy", "corp-old", "bad name!")
    assert code == 2 and "is not a profile name" in err
    code, _, err = run(capsys, "profiles", "list", "--server", "x")
    assert code == 2 and "--server: only with profiles add or set" in err


def test_a_rename_or_edit_of_a_profile_removed_meanwhile_is_refused_not_saved_silently(
        isolated_config: Path) -> None:
    """The Service decides under the store's lock, whatever a face looked up before."""
    from hvctui.service import Service

    path = write_config(isolated_config, {"corp": corp_profile("vc.example.com")})
    before = path.read_text()
    service = Service(ConfigStore(path))
    for change in (lambda: service.rename_profile("gone", "new"),
                   lambda: service.edit_profile("gone", {"user": "x@vmc.local"})):
        with pytest.raises(ValueError, match="no profile named 'gone'"):
            change()
    assert path.read_text() == before


def test_a_broken_file_or_profile_is_exit_2_and_left_byte_for_byte(
        capsys: pytest.CaptureFixture[str], isolated_config: Path) -> None:
    isolated_config.mkdir(parents=True)
    path = isolated_config / "config.toml"
    path.write_bytes(b"[profiles.corp\nserver = 'x'\n")
    for argv in (["add", "new", "--server", "vc.example.com"], ["set", "corp", "--user", "u"],
                 ["rename", "corp", "c2"], ["copy", "corp", "c2"]):
        code, _, err = run(capsys, "profiles", *argv)
        assert code == 2 and "cannot be read" in err, argv
        assert path.read_bytes() == b"[profiles.corp\nserver = 'x'\n"
    broken = '[profiles.bad]\ntls = "sometimes"\n\n[profiles.good]\nserver = "a.example.com"\n'
    path.write_text(broken)
    for argv in (["set", "bad", "--tls", "system"], ["add", "bad"], ["rename", "good", "bad"],
                 ["rename", "bad", "fixed"]):
        code, _, err = run(capsys, "profiles", *argv)
        assert code == 2 and "bad" in err, argv
        assert path.read_text() == broken, argv


# --- 3. hvctui link --profile a --profile b ------------------------------------------------


@pytest.fixture
def two_vcenters(isolated_config: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Two cloud vCenters that see one on-premises PSC, a profile each; the passwords come
    from each profile's own source, and HVCTUI_PASSWORD is set wrong (it must be ignored)."""
    worlds = [World(seed=31), World(seed=32)]
    same = worlds[0].pscs["psc.corp.local"].thumbprint
    for world in worlds:
        world.pscs["psc.corp.local"].thumbprint = same
    monkeypatch.setenv(PW_ENV, PASSWORD)
    monkeypatch.setenv("HVCTUI_PASSWORD", "wrong")
    monkeypatch.setenv("HVCTUI_PSC_PASSWORD", "wrong")
    with SimFleet(worlds) as sims:
        write_config(isolated_config, {
            f"sddc-{i}": corp_profile(vc.server, pin=vc.info.sha256)
            for i, vc in enumerate(sims.vcenters)})
        yield sims


def test_link_many_profiles_one_trust_answer_per_psc_each_its_own_password(
        two_vcenters: SimFleet, capsys: pytest.CaptureFixture[str],
        isolated_config: Path) -> None:
    code, out, err = run(capsys, "link", "--profile", "sddc-0", "--profile", "sddc-1",
                         "--trust-offered", "--json")
    payload = json.loads(out)
    assert code == 0 and payload["ok"] is True, err
    assert payload["counts"] == {"total": 2, "linked": 2, "not_linked": 0}
    assert [r["profile"] for r in payload["rows"]] == ["sddc-0", "sddc-1"]
    for row, vc in zip(payload["rows"], two_vcenters.vcenters):
        assert row["outcome"].startswith("linked corp.local: link ")
        assert row["links"][0]["link"] in vc.world.links
    assert err.count("Trusting the offered PSC certificate") == 1  # one answer, one PSC
    assert "HVCTUI_PASSWORD and HVCTUI_PSC_PASSWORD are set but not used" in err
    assert {e["profile"] for e in history(isolated_config)} == {"sddc-0", "sddc-1"}


def test_link_many_without_trust_links_none_and_says_so_per_profile(
        two_vcenters: SimFleet, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "link", "--profile", "sddc-0", "--profile", "sddc-1")
    assert code == 1
    lines = out.splitlines()
    assert [line.split()[0] for line in lines[-2:]] == ["sddc-0", "sddc-1"]
    assert all("not linked: PSC certificate not trusted" in line for line in lines[-2:])
    assert "2 profiles: 0 linked, 2 not linked." in err
    assert not any(vc.world.links for vc in two_vcenters.vcenters)


def test_link_many_refuses_a_different_verdict_with_trust_offered(
        two_vcenters: SimFleet, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from hvctui.vapi import psccheck

    async def intercepted(host: str, port: int, offered: Any) -> psccheck.PscCheck:
        return psccheck.PscCheck(psccheck.Verdict.DIFFERENT, host, port,
                                 offered_sha256=offered.ssl_thumbprint,
                                 seen_sha256="CD:" * 31 + "CD")

    monkeypatch.setattr(psccheck, "check_psc", intercepted)
    code, out, err = run(capsys, "link", "--profile", "sddc-0", "--profile", "sddc-1",
                         "--trust-offered", "--json")
    assert code == 1 and json.loads(out)["counts"]["linked"] == 0
    assert err.count("Not trusting the offer (--trust-offered)") == 1
    assert not any(vc.world.links for vc in two_vcenters.vcenters)


def test_link_many_bad_usage_is_exit_2_with_nothing_sent(
        two_vcenters: SimFleet, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "link", "--profile", "sddc-0", "--profile", "nope")
    assert code == 2 and "no profile named 'nope'" in err
    code, _, err = run(capsys, "link", "--profile", "sddc-0", "--profile", "sddc-1",
                       "--domain", "other.local")
    assert code == 2 and "--domain" in err and "each profile's own values" in err
    code, _, err = run(capsys, "links", "--profile", "sddc-0", "--profile", "sddc-1")
    assert code == 2 and "one --profile" in err
    assert all(vc.world.stats.requests == 0 for vc in two_vcenters.vcenters)


# --- 4. hvctui unlink LINK --with-psc-credentials ------------------------------------------


def linked_profile(sim: Sim, folder: Path, capsys: pytest.CaptureFixture[str],
                   **changes: Any) -> str:
    write_config(folder, {"corp": corp_profile(sim.address, pin=sim.info.sha256, **changes)})
    code, _, err = run(capsys, "link", "--profile", "corp", "--trust-offered")
    assert code == 0, err
    return next(iter(sim.world.links))


def spy_on_deletes(sim: Sim, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    seen: list[Any] = []
    real = sim.world.delete_link

    def delete_link(user: str, link_id: str, lang: str | None, credentials: Any = None) -> None:
        seen.append(credentials)
        real(user, link_id, lang, credentials)

    monkeypatch.setattr(sim.world, "delete_link", delete_link)
    return seen


def test_unlink_with_psc_credentials_sends_the_psc_password_of_the_profiles_source(
        sim: Sim, capsys: pytest.CaptureFixture[str], isolated_config: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PW_ENV, PASSWORD)
    monkeypatch.setenv("PSC_PW", PASSWORD)
    link_id = linked_profile(sim, isolated_config, capsys, psc_password_source="env:PSC_PW")
    seen = spy_on_deletes(sim, monkeypatch)
    monkeypatch.setenv("PSC_PW", "wrong")
    # the profile's own source gives a wrong password: the server refuses, the link stays
    code, _, err = run(capsys, "unlink", link_id, "--profile", "corp", "--yes",
                       "--with-psc-credentials")
    assert code == 1 and "invalid_psc_credentials" in err
    assert seen == [{"user_name": "administrator@corp.local", "password": "wrong"}]
    assert link_id in sim.world.links
    # HVCTUI_PSC_PASSWORD wins for this command aimed at one vCenter
    monkeypatch.setenv("HVCTUI_PSC_PASSWORD", PASSWORD)
    code, out, _ = run(capsys, "unlink", link_id, "--profile", "corp", "--yes",
                       "--with-psc-credentials", "--json")
    assert code == 0 and json.loads(out) == {"ok": True, "link": link_id, "unlinked": True}
    assert seen[-1] == {"user_name": "administrator@corp.local", "password": PASSWORD}
    assert sim.world.links == {}
    entries = history(isolated_config)
    assert entries[-1]["call"] == f"unlink {link_id} with PSC credentials"
    assert PASSWORD not in (isolated_config / "history.jsonl").read_text()


def test_unlink_with_psc_credentials_only_for_the_profiles_own_domain(
        sim: Sim, capsys: pytest.CaptureFixture[str], isolated_config: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PW_ENV, PASSWORD)
    link_id = linked_profile(sim, isolated_config, capsys)
    seen = spy_on_deletes(sim, monkeypatch)
    code, _, err = run(capsys, "unlink", link_id, "--profile", "corp", "--yes",
                       "--with-psc-credentials", "--domain", "other.local")
    assert code == 2 and "'corp.local', not to 'other.local'" in err
    assert seen == [] and link_id in sim.world.links  # no password went anywhere
    # flags alone: the PSC and its user are needed (the password's key), named by flag
    monkeypatch.setenv("HVCTUI_PASSWORD", PASSWORD)
    code, _, err = run(capsys, "unlink", link_id, "--server", sim.address, "--pin",
                       sim.info.sha256, "--user", "cloudadmin@vmc.local", "--yes",
                       "--with-psc-credentials")
    assert code == 2
    assert "--psc-hostname: is required" in err and "--psc-user: is required" in err
    assert "no password for  at" not in err  # whose password? named once its key is known
    code, _, err = run(capsys, "unlink", link_id, "--profile", "corp", "--yes",
                       "--psc-user", "administrator@corp.local")
    assert code == 2 and "only with --with-psc-credentials" in err
    assert seen == [] and link_id in sim.world.links


# --- 5. --help shows an example ------------------------------------------------------------


@pytest.mark.parametrize("command,words", [
    ("link", "--profile sddc-1 --profile sddc-2"),
    ("unlink", "--with-psc-credentials"),
    ("profiles", "hvctui profiles add corp"),
    ("admins", "hvctui admins add ops@corp.local"),
])
def test_help_of_each_new_or_changed_command_shows_an_example(
        capsys: pytest.CaptureFixture[str], command: str, words: str) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    out = capsys.readouterr().out
    assert "examples:" in out and words in out


def test_profile_fields_of_the_cli_are_the_forms() -> None:
    """Every profile field has a flag in `profiles add|set` (the TUI's form edits them all)."""
    from dataclasses import fields

    from hvctui.cli import _parser

    args = _parser().parse_args(["profiles", "add", "x"])
    dests = set(vars(args))
    flag_of = {"domain_name": "domain", "admin_groups": "admin_group", "pin_sha256": "pin",
               "accept_language": "lang"}
    for f in fields(Profile):
        assert flag_of.get(f.name, f.name) in dests, f.name
