"""The use-case layer (hvctui/service.py) without a face or a simulator: how a call is
prepared from a profile, overrides and passwords (every problem named by its field, in the
face's words), how it is recorded in the history, and how profiles are edited.

Written against the survivors of mutation testing (docs/mutation.md): each test pins a value a
person reads (a field's label, a problem's words, a history entry) or a rule (which password
wins, what is sent with a PEM)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from hvctui.profiles.credentials import Credentials, psc_key, vcenter_key
from hvctui.profiles.history import History
from hvctui.profiles.store import ConfigStore, Invalid, Profile
from hvctui.service import (
    FieldProblem,
    NotReady,
    Service,
    _Stopwatch,
    field_problems,
    merge,
    prepare,
    prepare_psc_check,
    spec_values,
)
from hvctui.sim.certs import make_certificate
from hvctui.vapi.connection import Secret
from hvctui.vapi.errors import Cancelled, ErrorType, NetworkError, ServerError
from hvctui.vapi.tls import sha256_thumbprint

SHA = ":".join(["AB"] * 32)
PW = "VMware1!"


def corp(**changes: Any) -> Profile:
    values: dict[str, Any] = dict(
        server="vc.example.com", user="cloudadmin@vmc.local", password_source="env:HVC_T_PW",
        psc_hostname="psc.corp.local", domain_name="corp.local",
        psc_user="administrator@corp.local", psc_password_source="env:HVC_T_PW",
        admin_groups=["vmc-admins@corp.local"])
    values.update(changes)
    return Profile(**values)


@pytest.fixture(autouse=True)
def password_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HVC_T_PW", PW)


def problems_of(excinfo: pytest.ExceptionInfo[NotReady]) -> dict[str, str]:
    return {p.field: p.message for p in excinfo.value.problems}


# --- problems, named in a person's words ------------------------------------------------------

def test_a_field_problem_reads_with_the_fields_label() -> None:
    assert str(FieldProblem("psc_port", "is not a port")) == "PSC port: is not a port"
    assert str(FieldProblem("unheard_of", "is odd")) == "unheard_of: is odd"


def test_not_ready_names_every_problem_in_the_faces_words_and_sends_nothing() -> None:
    problems = [FieldProblem("server", "is required"),
                FieldProblem("domain_name", "differs from the port field")]
    cli = NotReady(problems)
    assert cli.message == "cloud vCenter server: is required; SSO domain: differs from the " \
        "port field"
    assert cli.field == "server"
    assert cli.hint == "Correct the values named; nothing was sent."
    assert cli.problems == problems
    tui = NotReady(problems, {"server": "--server", "psc_port": "--psc-port"})
    assert tui.message == "--server: is required; SSO domain: differs from --psc-port"
    assert NotReady([]).field == ""


def test_merge_applies_the_overrides_but_not_none_and_checks_as_the_config_does() -> None:
    merged, problems = merge(corp(), {"server": "other.example.com", "user": None})
    assert problems == [] and merged is not None
    assert (merged.server, merged.user) == ("other.example.com", "cloudadmin@vmc.local")
    refused, problems = merge(corp(), {"tls": "sometimes"})
    assert refused is None
    assert [p.field for p in problems] == ["tls"]
    assert merge(None, {"server": "a.example.com"})[0] == Profile(server="a.example.com")


def test_spec_values_leave_out_what_is_unset_and_never_the_password() -> None:
    assert spec_values(corp(admin_groups=[])) == {
        "psc_hostname": "psc.corp.local", "domain_name": "corp.local",
        "username": "administrator@corp.local"}
    full = spec_values(corp(psc_port="7444", ssl_thumbprint=SHA))
    assert full == {"psc_hostname": "psc.corp.local", "domain_name": "corp.local",
                    "username": "administrator@corp.local", "port": "7444",
                    "ssl_thumbprint": SHA, "admin_groups": ["vmc-admins@corp.local"]}
    assert "password" not in full


def test_a_pem_alone_is_sent_with_its_own_thumbprint_for_servers_before_9() -> None:
    pem = make_certificate("psc.corp.local", ("psc.corp.local",))
    values = spec_values(corp(ssl_certificate=pem.cert_pem.decode()))
    assert values["ssl_certificate"] == pem.cert_pem.decode()
    assert values["ssl_thumbprint"] == sha256_thumbprint(pem.der)
    given = spec_values(corp(ssl_certificate=pem.cert_pem.decode(), ssl_thumbprint=SHA))
    assert given["ssl_thumbprint"] == SHA  # a thumbprint given wins
    broken = spec_values(corp(ssl_certificate="-----BEGIN CERTIFICATE-----\nno\n"))
    assert "ssl_thumbprint" not in broken  # the CreateSpec names what is wrong with it


def test_field_problems_judge_spec_fields_by_the_createspec_and_the_rest_as_the_config() -> None:
    found = field_problems({"psc_port": "99999", "tls": "never", "psc_password": "",
                            "accept_language": "de_DE!", "domain_name": ""})
    assert [p.field for p in found] == ["tls", "psc_port", "accept_language"]
    assert "'99999' is not a port number" in found[1].message
    assert found[2].message == "'de_DE!' is not a language tag (e.g. en-US, de-DE)"
    assert field_problems({"psc_port": "443", "accept_language": "de-DE, en;q=0.5"}) == []


# --- preparing a call ---------------------------------------------------------------------------

def test_a_prepared_link_call_carries_the_connection_and_the_spec() -> None:
    call = prepare("corp", corp(accept_language="de-DE"), {}, need_spec=True)
    assert call.label == "corp"
    assert (call.connection.server, call.connection.user) == ("vc.example.com",
                                                              "cloudadmin@vmc.local")
    assert call.connection.password.get_secret_value() == PW
    assert call.connection.accept_language == "de-DE"
    assert call.spec is not None and call.spec.to_wire() == {
        "psc_hostname": "psc.corp.local", "domain_name": "corp.local",
        "username": "administrator@corp.local", "password": PW,
        "admin_groups": ["vmc-admins@corp.local"]}
    assert call.needs_pin is False and call.psc_password is None
    assert prepare("", corp(), {}, need_spec=False).label == "(unsaved)"
    assert prepare("corp", corp(), {}, need_spec=False).spec is None


def test_every_problem_of_a_call_is_named_at_once(tmp_path: Path) -> None:
    with pytest.raises(NotReady) as caught:
        prepare("corp", corp(server=" ", user="", tls="ca_file", psc_port="0",
                             accept_language="x y"), {}, need_spec=True)
    found = problems_of(caught)
    assert found["server"] == "is required" and found["user"] == "is required"
    assert found["ca_file"] == "is required with TLS mode ca_file"
    assert found["accept_language"] == "'x y' is not a language tag (e.g. en-US, de-DE)"
    assert "psc_port" in found


def test_a_user_with_a_control_character_is_refused() -> None:
    with pytest.raises(NotReady) as caught:
        prepare("corp", corp(user="admin\x1b[2J"), {}, need_spec=False)
    assert problems_of(caught) == {"user": "'admin\\x1b[2J' holds a control character"}


def test_a_ca_file_must_exist_and_hold_a_certificate(tmp_path: Path) -> None:
    with pytest.raises(NotReady) as caught:
        prepare("corp", corp(tls="ca_file", ca_file=str(tmp_path / "none.pem")), {},
                need_spec=False)
    assert problems_of(caught) == {
        "ca_file": f"{str(tmp_path / 'none.pem')!r} is not a file that can be read"}
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    with pytest.raises(NotReady) as caught:
        prepare("corp", corp(tls="ca_file", ca_file=str(junk)), {}, need_spec=False)
    assert problems_of(caught) == {
        "ca_file": f"{str(junk)!r} holds no CA certificate (a PEM bundle is needed)"}
    good = tmp_path / "ca.pem"
    good.write_bytes(make_certificate().cert_pem)
    call = prepare("corp", corp(tls="ca_file", ca_file=str(good)), {}, need_spec=False)
    assert (call.connection.tls.mode, call.connection.tls.ca_file) == ("ca_file", str(good))


def test_pinned_without_a_pin_needs_a_first_use_pin_or_is_refused() -> None:
    with pytest.raises(NotReady) as caught:
        prepare("corp", corp(tls="pinned"), {}, need_spec=False)
    assert problems_of(caught) == {"pin_sha256": "is required with TLS mode pinned"}
    call = prepare("corp", corp(tls="pinned"), {}, need_spec=False, allow_first_use_pin=True)
    assert call.needs_pin is True
    pinned = call.pinned(SHA.lower().replace(":", ""))
    assert pinned.needs_pin is False
    assert (pinned.connection.tls.mode, pinned.connection.tls.pin_sha256) == ("pinned", SHA)
    assert pinned.profile.pin_sha256 == SHA
    assert prepare("corp", corp(tls="pinned", pin_sha256=SHA), {},
                   need_spec=False).needs_pin is False


def test_a_password_typed_wins_and_is_held_once_its_server_took_it(tmp_path: Path) -> None:
    service = Service(ConfigStore(tmp_path / "config.toml"), History(tmp_path / "h.jsonl"))
    call = service.prepare("corp", corp(password_source="prompt"), {}, need_spec=False,
                           typed={"password": "typed!"})
    assert call.connection.password.get_secret_value() == "typed!"
    assert service.credentials.held(vcenter_key(corp())) is None  # not before it worked
    service._settle(call, None)  # the call went through
    again = service.prepare("corp", corp(password_source="prompt"), {}, need_spec=False)
    assert again.connection.password.get_secret_value() == "typed!"  # held for its key
    refused = ServerError(401, ErrorType.UNAUTHENTICATED, [], operation="POST /api/session")
    service._settle(again, refused)  # the server refused it: never sent again
    with pytest.raises(NotReady, match="refused by the server earlier"):
        service.prepare("corp", corp(password_source="prompt"), {}, need_spec=False,
                        typed={"password": "typed!"})


def test_the_environment_override_is_only_for_a_command_aimed_at_one_vcenter(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HVCTUI_PASSWORD", "from-env")
    aimed = prepare("corp", corp(), {}, need_spec=False, one_target=True,
                    credentials=Credentials())
    assert aimed.connection.password.get_secret_value() == "from-env"
    fleet = prepare("corp", corp(), {}, need_spec=False, credentials=Credentials())
    assert fleet.connection.password.get_secret_value() == PW


def test_without_a_terminal_a_missing_password_says_how_to_give_one() -> None:
    with pytest.raises(NotReady) as caught:
        prepare("corp", corp(password_source="prompt"), {}, need_spec=False, one_target=True,
                credentials=Credentials())
    message = problems_of(caught)["password"]
    assert "there is no terminal to ask on" in message
    assert "set HVCTUI_PASSWORD, or give the profile another password source" in message


def test_the_form_asks_for_a_missing_password_in_its_field() -> None:
    with pytest.raises(NotReady) as caught:
        prepare("corp", corp(password_source="prompt", psc_password_source="prompt"), {},
                need_spec=True, ask_in_form=True, credentials=Credentials())
    assert problems_of(caught) == {
        "password": "is required: type it (kept in memory only)",
        "psc_password": "is required: type it (kept in memory only)"}


def test_a_prompt_is_asked_once_per_key_and_an_empty_answer_is_a_problem() -> None:
    asked: list[str] = []

    def prompt(question: str) -> str:
        asked.append(question)
        return "" if "psc" in question else "answer"

    credentials = Credentials()
    with pytest.raises(NotReady) as caught:
        prepare("corp", corp(password_source="prompt", psc_password_source="prompt"), {},
                need_spec=True, prompt=prompt, credentials=credentials)
    assert asked == [f"Password for {vcenter_key(corp())}: ",
                     f"Password for {psc_key(corp())}: "]
    assert "the prompt was left empty" in problems_of(caught)["psc_password"]
    assert credentials.held(vcenter_key(corp())) is None  # held only once a server takes it


def test_no_password_is_asked_for_a_call_that_cannot_be_sent() -> None:
    asked: list[str] = []
    with pytest.raises(NotReady):
        prepare("corp", corp(server="", password_source="prompt"), {}, need_spec=False,
                prompt=lambda q: asked.append(q) or "x", credentials=Credentials())
    assert asked == []


def test_unlink_with_psc_credentials_needs_the_psc_its_domain_and_user() -> None:
    with pytest.raises(NotReady) as caught:
        prepare("corp", corp(psc_hostname="", domain_name="", psc_user=""), {},
                need_spec=False, need_psc_password=True)
    assert problems_of(caught) == {
        f: "is required to send the PSC's credentials"
        for f in ("psc_hostname", "domain_name", "psc_user")}
    call = prepare("corp", corp(), {}, need_spec=False, need_psc_password=True)
    assert call.psc_password is not None and call.psc_password.get_secret_value() == PW
    assert call.spec is None


def test_a_bad_profile_names_its_spec_problems_too() -> None:
    with pytest.raises(NotReady) as caught:
        prepare("corp", corp(), {"tls": "never", "psc_port": "x", "accept_language": "a b"},
                need_spec=True)
    assert set(problems_of(caught)) == {"tls", "psc_port", "accept_language"}
    assert len(caught.value.problems) == 3  # each once


def test_the_psc_check_target_comes_from_the_profile() -> None:
    target = prepare_psc_check(corp(psc_port="7444", ssl_thumbprint=SHA), {})
    assert (target.host, target.port, target.thumbprint) == ("psc.corp.local", 7444, SHA)
    assert target.offered is not None and target.offered.ssl_thumbprint == SHA
    plain = prepare_psc_check(corp(), {})
    assert (plain.port, plain.offered, plain.thumbprint) == (443, None, "")
    with pytest.raises(NotReady) as caught:
        prepare_psc_check(corp(psc_hostname=""), {})
    assert problems_of(caught) == {"psc_hostname": "is required"}
    with pytest.raises(NotReady) as caught:
        prepare_psc_check(corp(), {"psc_port": "x"})
    assert set(problems_of(caught)) == {"psc_port"}
    with pytest.raises(NotReady):
        prepare_psc_check(corp(), {"tls": "never"})


# --- recording ------------------------------------------------------------------------------------

def service(tmp_path: Path) -> Service:
    return Service(ConfigStore(tmp_path / "config.toml"),
                   History(tmp_path / "history.jsonl"))


def test_each_outcome_is_one_history_entry_with_its_status_and_detail(tmp_path: Path) -> None:
    svc = service(tmp_path)
    call = prepare("corp", corp(), {}, need_spec=False)
    svc.record(call, "link", None, "link-1", 12)
    svc.record(call, "link", ServerError(400, ErrorType.ALREADY_EXISTS, []), "", 3)
    svc.record(call, "link", NetworkError("Cannot connect", "refused"), "", 4)
    svc.record(call, "link", Cancelled(), "", 5)
    svc.record(call, "link", asyncio.CancelledError(), "", 6)
    svc.cancelled_status = "Interrupted"
    svc.record(call, "link", KeyboardInterrupt(), "", 7)
    entries = list(reversed(svc.history.read()))
    assert [(e.profile, e.call, e.server) for e in entries] == [
        ("corp", "link", "vc.example.com")] * 6
    assert [(e.status, e.duration_ms, e.detail) for e in entries] == [
        ("ok", 12, "link-1"), ("ALREADY_EXISTS", 3, "ALREADY_EXISTS (HTTP 400)"),
        ("NetworkError", 4, "Cannot connect: refused"),
        ("Cancelled", 5, "Cancelled: The call was cancelled before anything was created."),
        ("Cancelled", 6, ""), ("Interrupted", 7, "")]
    assert svc.history_problem == ""


def test_a_history_that_cannot_be_written_is_reported_not_raised(tmp_path: Path) -> None:
    (tmp_path / "history.jsonl").mkdir()
    svc = service(tmp_path)
    svc.record(prepare("corp", corp(), {}, need_spec=False), "link", None, "x", 1)
    assert svc.history_problem.startswith("history not written: ")
    assert "history.jsonl" in svc.history_problem


async def test_a_calls_duration_leaves_out_the_time_spent_in_a_dialog() -> None:
    watch = _Stopwatch()
    await watch.around(asyncio.sleep(0.2))
    assert watch.paused >= 0.19
    assert watch.ms < 150
    time.sleep(0.05)
    assert watch.ms >= 45


# --- profiles --------------------------------------------------------------------------------------

def test_profiles_are_added_renamed_edited_and_deleted_by_name(tmp_path: Path) -> None:
    svc = service(tmp_path)
    svc.add_profile("a", corp())
    with pytest.raises(ValueError, match="a profile named 'a' exists already"):
        svc.add_profile("a")
    with pytest.raises(ValueError, match="is not a profile name"):
        svc.add_profile("no spaces")
    assert svc.add_profile("b").profiles["b"] == Profile()
    svc.store.update(lambda c: setattr(c, "default_profile", "a"))
    config = svc.rename_profile("a", "c")
    assert list(config.profiles) == ["c", "b"] and config.default_profile == "c"
    with pytest.raises(ValueError, match="no profile named 'a'"):
        svc.rename_profile("a", "d")
    with pytest.raises(ValueError, match="a profile named 'b' exists already"):
        svc.rename_profile("c", "b")
    assert svc.edit_profile("c", {"psc_port": "7444"}).profiles["c"].psc_port == "7444"
    with pytest.raises(Invalid):
        svc.edit_profile("c", {"tls": "never"})
    with pytest.raises(ValueError, match="no profile named 'zz'"):
        svc.edit_profile("zz", {})
    assert svc.set_profile_field("c", "pin_sha256", SHA).profiles["c"].pin_sha256 == SHA
    assert "zz" not in svc.set_profile_field("zz", "pin_sha256", SHA).profiles
    assert svc.set_theme("hvc-light").theme == "hvc-light"
    config = svc.delete_profile("c")
    assert list(config.profiles) == ["b"] and config.default_profile == ""
    with pytest.raises(ValueError, match="no profile named 'c'"):
        svc.delete_profile("c")
    assert svc.save_profile("b", corp()).profiles["b"] == corp()
    assert svc.delete_profile("b").default_profile == ""


# --- survivors of the first mutation run (docs/mutation.md) -----------------------------------

def test_a_field_without_a_label_is_named_by_its_key() -> None:
    assert NotReady([FieldProblem("odd_field", "is odd")]).message == "odd_field: is odd"


def test_a_long_language_tag_is_cut_in_its_problem() -> None:
    found = field_problems({"accept_language": "x" * 50 + "!"})
    assert found == [FieldProblem("accept_language",
                                  f"{'x' * 29 + '…'!r} is not a language tag (e.g. en-US, de-DE)")]


def test_pinning_on_first_use_drops_a_ca_file() -> None:
    call = prepare("corp", corp(tls="pinned", ca_file="/etc/ssl/ca.pem"), {}, need_spec=False,
                   allow_first_use_pin=True)
    assert call.pinned(SHA).connection.tls.ca_file == ""


def test_the_psc_check_names_fields_as_the_face_does_and_carries_a_given_pem() -> None:
    names = {"psc_hostname": "--psc-hostname", "psc_port": "--psc-port", "tls": "--tls"}
    for profile, overrides, expected in (
            (corp(psc_hostname=""), {}, "--psc-hostname: is required"),
            (corp(), {"psc_port": "x"}, "--psc-port: "),
            (corp(), {"tls": "never"}, "--tls: ")):
        with pytest.raises(NotReady) as caught:
            prepare_psc_check(profile, overrides, names)
        assert caught.value.message.startswith(expected), caught.value.message
    pem = make_certificate("psc.corp.local", ("psc.corp.local",))
    target = prepare_psc_check(corp(ssl_certificate=pem.cert_pem.decode()), {})
    assert target.thumbprint == sha256_thumbprint(pem.der)
    assert target.offered is not None
    assert (target.offered.ssl_certificate or "").strip() == pem.cert_pem.decode().strip()
    assert target.offered.ssl_thumbprint == sha256_thumbprint(pem.der)


async def test_the_time_in_every_dialog_of_a_call_is_left_out() -> None:
    watch = _Stopwatch()
    await watch.around(asyncio.sleep(0.1))
    await watch.around(asyncio.sleep(0.1))
    assert watch.paused >= 0.19
    assert watch.ms < 100


# --- the calls, in-process (httpx's ASGI transport over the simulator: no TLS here) -------------

def in_process(tmp_path: Path, world: Any) -> Service:
    import httpx

    from hvctui.sim.app import SimApp

    svc = service(tmp_path)
    svc.transport = httpx.ASGITransport(app=SimApp(world))

    async def no_check(host: str, port: int, offered: Any) -> Any:
        from hvctui.vapi.psccheck import PscCheck, Verdict

        return PscCheck(Verdict.UNCHECKED, host, port, why="not checked in this test")

    svc.psc_checker = no_check
    return svc


def linked(tmp_path: Path) -> tuple[Service, Any, str]:
    from hvctui.sim.world import World

    world = World(seed=7)
    svc = in_process(tmp_path, world)
    call = prepare("corp", corp(tls="insecure"), {}, need_spec=True)
    events: list[Any] = []

    async def trust(offered: Any, verdict: Any) -> bool:
        return True

    outcome = asyncio.run(svc.link(call, trust, on_event=lambda *e: events.append(e)))
    assert events, "the link's progress reaches on_event"
    return svc, world, outcome.link_id


def test_a_link_is_recorded_with_its_id(tmp_path: Path) -> None:
    svc, world, link_id = linked(tmp_path)
    assert list(world.links) == [link_id]
    entry = svc.history.read()[0]
    assert (entry.profile, entry.call, entry.status, entry.detail) == ("corp", "link", "ok",
                                                                       link_id)


def test_a_link_still_to_be_pinned_needs_someone_to_pin_it(tmp_path: Path) -> None:
    from hvctui.sim.world import World

    svc = in_process(tmp_path, World(seed=7))
    call = prepare("corp", corp(tls="pinned"), {}, need_spec=True, allow_first_use_pin=True)
    with pytest.raises(Exception) as caught:
        asyncio.run(svc.link(call, lambda *a: asyncio.sleep(0, True)))
    assert caught.value.message == "TLS mode is pinned and nothing is pinned yet"
    assert caught.value.field == "pin_sha256"
    pinned_with: list[Any] = []

    async def pin_first(unpinned: Any) -> Any:
        pinned_with.append(unpinned)
        return unpinned.pinned(SHA)

    async def trust(offered: Any, verdict: Any) -> bool:
        return True

    outcome = asyncio.run(svc.link(call, trust, pin_first=pin_first))
    assert pinned_with == [call] and outcome.link_id


def test_the_links_json_rows_carry_health_and_its_message_in_the_zone(tmp_path: Path) -> None:
    from zoneinfo import ZoneInfo

    svc, world, link_id = linked(tmp_path)
    world.faults.unhealthy = True
    call = prepare("corp", corp(tls="insecure"), {}, need_spec=False)
    shown, raw = asyncio.run(svc.links(call, tz=ZoneInfo("Europe/Berlin")))
    assert [(s.link, s.health) for s in shown] == [(link_id, "UNHEALTHY")]
    assert shown[0].message and ("CET" in shown[0].message or "CEST" in shown[0].message)
    assert raw == [{"link": link_id, "display_name": shown[0].display_name,
                    "health": "UNHEALTHY", "health_message": shown[0].message}]
    world.faults.unhealthy = False
    _, raw = asyncio.run(svc.links(call))
    assert raw[0]["health"] == "HEALTHY" and raw[0]["health_message"] is None


def test_an_unlink_is_recorded_and_psc_credentials_go_only_to_their_own_domain(
        tmp_path: Path) -> None:
    svc, world, link_id = linked(tmp_path)
    other = prepare("other", corp(tls="insecure", domain_name="other.local"), {},
                    need_spec=False, need_psc_password=True)
    with pytest.raises(Exception) as caught:
        asyncio.run(svc.unlink(other, link_id, None))
    assert caught.value.message == (
        f"link {link_id} is to 'corp.local', not to 'other.local': the PSC password of "
        f"{psc_key(other.profile)} is sent only to unlink its own domain")
    assert caught.value.field == "domain_name"
    assert "nothing was removed and no password was sent" in caught.value.hint
    assert list(world.links) == [link_id]
    asked: list[str] = []

    async def confirm(name: str) -> bool:
        asked.append(name)
        return True

    own = prepare("corp", corp(tls="insecure"), {}, need_spec=False, need_psc_password=True)
    assert asyncio.run(svc.unlink(own, link_id, confirm)) is True
    assert asked == ["corp.local"] and world.links == {}
    entry = svc.history.read()[0]
    assert (entry.call, entry.status, entry.detail) == (
        f"unlink {link_id} with PSC credentials", "ok", "removed")


def test_administrators_changes_are_recorded_and_a_list_is_not(tmp_path: Path) -> None:
    from hvctui.sim.world import World

    svc = in_process(tmp_path, World(seed=7))
    call = prepare("corp", corp(tls="insecure"), {}, need_spec=False)
    groups = asyncio.run(svc.administrators(call, add="ops@corp.local"))
    assert "ops@corp.local" in groups
    asyncio.run(svc.administrators(call, remove="ops@corp.local"))
    assert asyncio.run(svc.administrators(call)) == ["cloud-admins@vmc.local"]
    assert [(e.call, e.detail) for e in reversed(svc.history.read())] == [
        ("admins add ops@corp.local", "2 groups"), ("admins remove ops@corp.local", "1 groups")]


def test_a_refused_value_does_not_hide_the_required_values_left_empty() -> None:
    """`--server 'vc 1' --psc-port 99999` (or the form's F5 with them) names the empty SSO
    domain and PSC administrator in the same message, not on the next try; the refused server
    is named for what is wrong with it, not as "required" too."""
    for ask_in_form in (False, True):  # the CLI, and the TUI's form
        with pytest.raises(NotReady) as caught:
            prepare("", None, {"server": "vc 1", "user": "cloudadmin@vmc.local",
                               "psc_hostname": "psc.corp.local", "psc_port": "99999"},
                    need_spec=True, ask_in_form=ask_in_form)
        found = problems_of(caught)
        assert "not a server address" in found["server"]
        assert "99999" in found["psc_port"]
        assert found["domain_name"] == "is required" and found["psc_user"] == "is required"
        assert [p.field for p in caught.value.problems].count("server") == 1


def test_an_incomplete_profile_is_named_before_any_password_is_asked() -> None:
    from hvctui.service import missing_values

    asked: list[str] = []
    with pytest.raises(NotReady) as caught:
        prepare("half", Profile(psc_hostname="psc.corp.local"), {}, need_spec=False,
                prompt=lambda text: asked.append(text) or "x")
    assert asked == [] and set(problems_of(caught)) == {"server", "user"}
    assert caught.value.fleet_problem == "incomplete"
    assert [p.field for p in missing_values(Profile(server="vc"), need_spec=True)] == [
        "user", "psc_hostname", "domain_name", "psc_user"]


def test_a_bad_thumbprint_or_pin_names_the_value_as_other_fields_do() -> None:
    problems = field_problems({"pin_sha256": "zz", "ssl_thumbprint": "AB:CD"})
    said = {p.field: p.message for p in problems}
    assert said["pin_sha256"].startswith("'zz' is not a SHA-256 thumbprint")
    assert said["ssl_thumbprint"].startswith("'AB:CD' is not a SHA-256 thumbprint")
