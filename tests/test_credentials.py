"""Every credential goes only where it belongs: a password is a user's at a server, found,
held and sent under that key only, from the sources the profile names."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
import time
import types
from pathlib import Path

import pytest

from hvctui.cli import main
from hvctui.fleet import Fleet
from hvctui.profiles.credentials import (
    CredentialKey,
    Credentials,
    PasswordUnavailable,
    command_password,
    psc_key,
    vcenter_key,
)
from hvctui.profiles.store import ConfigStore, Profile
from hvctui.service import NotReady, Service, prepare
from hvctui.vapi.connection import Secret

from .conftest import PASSWORD, Sim
from .tui_support import write_config

# --- the key ------------------------------------------------------------------------------


def test_a_key_is_a_user_at_a_server_case_and_default_port_aside() -> None:
    assert CredentialKey.at("CloudAdmin@VMC.local", "VC.example.com") == \
        CredentialKey.at("cloudadmin@vmc.local", "vc.example.com:443")
    assert CredentialKey.at("cloudadmin@vmc.local", "vc-1.example.com") != \
        CredentialKey.at("cloudadmin@vmc.local", "vc-2.example.com")
    assert CredentialKey.at("a@x", "vc:8443") != CredentialKey.at("a@x", "vc")
    profile = Profile(server="vc", user="u@x", psc_hostname="psc", psc_port="7444",
                      psc_user="administrator@corp.local")
    assert str(vcenter_key(profile)) == "u@x at vc"
    assert str(psc_key(profile)) == "administrator@corp.local at psc:7444"


# --- the sources --------------------------------------------------------------------------


def test_env_source_reads_the_variable_and_names_it_when_missing(
        monkeypatch: pytest.MonkeyPatch) -> None:
    key = CredentialKey.at("u", "vc")
    monkeypatch.setenv("MY_PW", "x1")
    assert Credentials().find(key, "env:MY_PW").get_secret_value() == "x1"  # type: ignore[union-attr]
    monkeypatch.delenv("MY_PW")
    with pytest.raises(PasswordUnavailable, match=r"\$MY_PW") as missing:
        Credentials().find(key, "env:MY_PW", override_env="HVCTUI_PASSWORD")
    assert missing.value.hint == ("export MY_PW=... (or HVCTUI_PASSWORD=..., which wins) and "
                                  "run again")
    with pytest.raises(PasswordUnavailable) as missing:  # no override for this command
        Credentials().find(key, "env:MY_PW")
    assert missing.value.hint == "export MY_PW=... and run again"


def test_a_prompt_source_asks_a_person_and_a_skipped_question_says_so() -> None:
    credentials = Credentials()
    key = CredentialKey.at("u", "vc")
    assert credentials.find(key, "prompt") is None  # a person must be asked
    credentials.decline(key)
    with pytest.raises(PasswordUnavailable, match="not given .its question was skipped"):
        credentials.find(key, "prompt")
    credentials.remember(key, Secret("typed"))
    assert credentials.find(key, "prompt") == Secret("typed")


def test_prompt_without_a_terminal_is_a_clear_error_naming_the_key() -> None:
    profile = Profile(server="vc.example.com", user="u@x")
    with pytest.raises(NotReady, match="no password for u@x at vc.example.com: there is no "
                       "terminal to ask on"):
        prepare("p", profile, {}, need_spec=False, prompt=None)
    call = prepare("p", profile, {}, need_spec=False, prompt=lambda _: "typed")
    assert call.connection.password.get_secret_value() == "typed"


def test_an_empty_prompt_says_it_was_left_empty() -> None:
    with pytest.raises(NotReady, match="left empty"):
        prepare("p", Profile(server="vc", user="u@x"), {}, need_spec=False,
                prompt=lambda _: "")


def _script(tmp_path: Path, body: str) -> str:
    path = tmp_path / "helper.py"
    path.write_text(textwrap.dedent(body))
    return f"{sys.executable} {path}"


def test_a_command_source_gives_its_first_line_run_without_a_shell(tmp_path: Path) -> None:
    key = CredentialKey.at("cloudadmin@vmc.local", "vc-1.example.com")
    command = _script(tmp_path, """
        import os, sys
        print(os.environ["HVCTUI_CREDENTIAL_USER"] + "|" + os.environ["HVCTUI_CREDENTIAL_SERVER"]
              + "|" + "|".join(sys.argv[1:]))
        print("second line is not the password")
    """)
    got = command_password(command + " 'a;b' $HOME", key)
    # The key is named to the helper; ';' and '$HOME' reach it as typed: no shell ran.
    assert got.get_secret_value() == "cloudadmin@vmc.local|vc-1.example.com|a;b|$HOME"


@pytest.mark.parametrize("body,words", [
    ("import sys; print('secret-in-output'); sys.exit(3)", "exited with status 3"),
    ("import time; time.sleep(30)", "gave no password"),
    ("print()", "printed no password"),
    ("import sys; sys.stdout.buffer.write(b'\\xff\\xfe\\n')", "not UTF-8"),
])
def test_a_failing_command_source_is_named_and_its_output_never_shown(
        tmp_path: Path, body: str, words: str) -> None:
    key = CredentialKey.at("u", "vc")
    with pytest.raises(PasswordUnavailable, match=words) as failed:
        command_password(_script(tmp_path, body), key, timeout=1.5)
    assert "secret-in-output" not in str(failed.value) + failed.value.hint


def test_a_command_source_that_is_not_there_is_named(tmp_path: Path) -> None:
    with pytest.raises(PasswordUnavailable, match="which was not found"):
        command_password(str(tmp_path / "no-such-helper"), CredentialKey.at("u", "vc"))


def test_a_command_that_floods_its_output_is_read_bounded(tmp_path: Path) -> None:
    command = _script(tmp_path, """
        import sys
        while True:
            sys.stdout.write("x" * 65536)
    """)
    started = time.monotonic()
    with pytest.raises(PasswordUnavailable, match="more than 64 KiB without a line end"):
        command_password(command, CredentialKey.at("u", "vc"), timeout=20)
    assert time.monotonic() - started < 10  # not the timeout: too long is no answer at once


def test_a_command_that_lingers_after_its_line_is_not_waited_for(tmp_path: Path) -> None:
    command = _script(tmp_path, """
        import sys, time
        print("S3cret-from-helper", flush=True)
        time.sleep(60)
    """)
    started = time.monotonic()
    secret = command_password(command, CredentialKey.at("u", "vc"), timeout=20)
    assert secret.get_secret_value() == "S3cret-from-helper"
    assert time.monotonic() - started < 10  # COMMAND_LINGER, not the 20 s timeout


def test_command_and_other_sources_are_accepted_by_the_config_and_bad_ones_refused() -> None:
    from hvctui.profiles.store import check_password_source

    for good in ("prompt", "keyring", "env:VC_PW", "command:pass show vmc/cloudadmin"):
        assert check_password_source(good) == good
    for bad in ("", "command:", "command:'unclosed", "env:1X", "keyring:x", "command:a\x1b[2J"):
        with pytest.raises(ValueError):
            check_password_source(bad)


# --- the keyring: keyed by user and server --------------------------------------------------


def backend(module: str, name: str = "Keyring", members: list | None = None) -> object:
    """A stand-in keyring backend whose class lives in `module` (as keyring's own do)."""
    attributes: dict = {"__module__": module}
    if members is not None:
        attributes["backends"] = members
    return type(name, (), attributes)()


SECRET_SERVICE = "keyring.backends.SecretService"
ALT_FILE = "keyrings.alt.file"
CHAINER = "keyring.backends.chainer"


def fake_keyring(monkeypatch: pytest.MonkeyPatch, chosen: object | str, store: dict) -> None:
    keyring = types.ModuleType("keyring")
    backends = types.ModuleType("keyring.backends")
    fail = types.ModuleType("keyring.backends.fail")

    class FailKeyring:
        pass

    fail.Keyring = FailKeyring  # type: ignore[attr-defined]
    if chosen == "fail":
        chosen = FailKeyring()
    elif chosen == "real":
        chosen = backend(SECRET_SERVICE, "SecretServiceKeyring")
    keyring.get_keyring = lambda: chosen  # type: ignore[attr-defined]
    keyring.get_password = lambda service, account: store.get((service, account))  # type: ignore[attr-defined]
    keyring.set_password = lambda service, account, value: store.__setitem__(  # type: ignore[attr-defined]
        (service, account), value)
    keyring.delete_password = lambda service, account: store.pop((service, account))  # type: ignore[attr-defined]
    keyring.backends = backends  # type: ignore[attr-defined]
    backends.fail = fail  # type: ignore[attr-defined]
    for name, module in (("keyring", keyring), ("keyring.backends", backends),
                         ("keyring.backends.fail", fail)):
        monkeypatch.setitem(sys.modules, name, module)


def test_two_sddcs_with_the_same_admin_keep_two_keyring_passwords(
        monkeypatch: pytest.MonkeyPatch) -> None:
    store = {("hvctui:vc-1.example.com", "cloudadmin@vmc.local"): "one",
             ("hvctui:vc-2.example.com", "cloudadmin@vmc.local"): "two"}
    fake_keyring(monkeypatch, "real", store)
    one = CredentialKey.at("cloudadmin@vmc.local", "vc-1.example.com")
    two = CredentialKey.at("cloudadmin@vmc.local", "vc-2.example.com:443")
    assert Credentials().find(one, "keyring") == Secret("one")
    assert Credentials().find(two, "keyring") == Secret("two")


def test_an_old_keyring_entry_keyed_by_the_user_alone_is_never_sent(
        monkeypatch: pytest.MonkeyPatch) -> None:
    fake_keyring(monkeypatch, "real", {("hvctui", "cloudadmin@vmc.local"): "old-for-all"})
    key = CredentialKey.at("cloudadmin@vmc.local", "vc-1.example.com")
    with pytest.raises(PasswordUnavailable, match="older hvctui") as refused:
        Credentials().find(key, "keyring", store_hint="hvctui password set --profile sddc1")
    assert refused.value.hint == "Store it for this server: hvctui password set --profile sddc1"
    assert "old-for-all" not in str(refused.value)


def test_keyring_is_used_only_with_a_real_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    key = CredentialKey.at("u@x", "vc")
    fake_keyring(monkeypatch, "fail", {})
    with pytest.raises(PasswordUnavailable, match="no usable keyring backend"):
        Credentials().find(key, "keyring")
    fake_keyring(monkeypatch, "real", {("hvctui:vc", "u@x"): "from-keyring"})
    assert Credentials().find(key, "keyring") == Secret("from-keyring")


@pytest.mark.parametrize("chosen,words", [
    (backend(ALT_FILE, "PlaintextKeyring"), "keyrings.alt"),
    (backend(CHAINER, "ChainerBackend", [backend(ALT_FILE, "PlaintextKeyring")]),
     "keyrings.alt"),
    # A real one first does not help: a read it answers None to goes on to the plain file.
    (backend(CHAINER, "ChainerBackend", [backend(SECRET_SERVICE),
                                         backend(ALT_FILE, "EncryptedKeyring")]), "keyrings.alt"),
    (backend(CHAINER, "ChainerBackend", []), "no usable keyring backend"),
    (backend(CHAINER, "ChainerBackend", [backend("keyring.backends.null")]),
     "no usable keyring backend"),
])
def test_keyring_refuses_plain_files_and_empty_chains(
        monkeypatch: pytest.MonkeyPatch, chosen: object, words: str) -> None:
    fake_keyring(monkeypatch, chosen, {("hvctui:vc", "u@x"): "would-be-read"})
    with pytest.raises(PasswordUnavailable, match=words) as caught:
        Credentials().find(CredentialKey.at("u@x", "vc"), "keyring")
    assert "would-be-read" not in str(caught.value)


def test_keyring_chainer_with_only_real_members_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    chosen = backend(CHAINER, "ChainerBackend", [backend(SECRET_SERVICE),
                                                 backend("keyring.backends.kwallet")])
    fake_keyring(monkeypatch, chosen, {("hvctui:vc", "u@x"): "from-chain"})
    assert Credentials().find(CredentialKey.at("u@x", "vc"), "keyring") == Secret("from-chain")


def test_keyring_not_installed_is_a_message_not_a_traceback(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "keyring", None)
    with pytest.raises(PasswordUnavailable, match="not installed"):
        Credentials().find(CredentialKey.at("u@x", "vc"), "keyring")


def test_password_set_and_forget_store_under_the_profiles_user_and_server(
        isolated_config: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    store: dict = {("hvctui", "cloudadmin@vmc.local"): "old-for-all"}
    fake_keyring(monkeypatch, "real", store)
    write_config(isolated_config, {
        "sddc1": Profile(server="vc-1.example.com", user="cloudadmin@vmc.local",
                         password_source="keyring", psc_hostname="psc.corp.local",
                         psc_user="administrator@corp.local"),
    })
    monkeypatch.setattr(sys, "stdin", _Stdin("s3cret-one\n"))
    assert main(["password", "set", "--profile", "sddc1"]) == 0
    assert store[("hvctui:vc-1.example.com", "cloudadmin@vmc.local")] == "s3cret-one"
    monkeypatch.setattr(sys, "stdin", _Stdin("psc-secret\n"))
    assert main(["password", "set", "--profile", "sddc1", "--psc"]) == 0
    out, err = capsys.readouterr()
    assert store[("hvctui:psc.corp.local", "administrator@corp.local")] == "psc-secret"
    assert "s3cret-one" not in out + err and "set psc_password_source" in err
    assert main(["password", "forget", "--profile", "sddc1"]) == 0
    out, err = capsys.readouterr()
    assert ("hvctui:vc-1.example.com", "cloudadmin@vmc.local") not in store
    assert "Removed" in out and "keyring del hvctui cloudadmin@vmc.local" in err


class _Stdin:
    def __init__(self, text: str) -> None:
        self._text = text

    def isatty(self) -> bool:
        return False

    def readline(self) -> str:
        return self._text


# --- where a password may go ----------------------------------------------------------------


def _record_logins(sim: Sim) -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []
    real = sim.world.login

    def login(user: str, password: str, lang: str | None) -> str:
        seen.append((user, password))
        return real(user, password, lang)

    sim.world.login = login  # type: ignore[method-assign]
    return seen


def test_env_overrides_apply_to_one_target_only() -> None:
    profile = Profile(server="vc", user="u@x")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HVCTUI_PASSWORD", "from-env")
        call = prepare("p", profile, {}, need_spec=False, one_target=True)
        assert call.connection.password == Secret("from-env")
        with pytest.raises(NotReady, match="no terminal"):  # a face over many profiles
            prepare("p", profile, {}, need_spec=False)


def test_status_never_sends_the_environment_password_and_says_it_ignores_it(
        sim: Sim, isolated_config: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    host, port = sim.address.rsplit(":", 1)
    monkeypatch.setenv("HVCTUI_PASSWORD", "env-password-for-one-vcenter")
    monkeypatch.setenv("OWN_PW", PASSWORD)
    write_config(isolated_config, {
        "own": Profile(server=sim.address, user="cloudadmin@vmc.local", tls="pinned",
                       pin_sha256=sim.info.sha256, password_source="env:OWN_PW"),
        "lab": Profile(server=f"localhost:{port}", user="cloudadmin@vmc.local",
                       tls="insecure", password_source="prompt"),
    })
    seen = _record_logins(sim)
    code = main(["status", "--json"])
    out, err = capsys.readouterr()
    rows = {r["profile"]: r for r in json.loads(out)["rows"]}
    assert all(password != "env-password-for-one-vcenter" for _, password in seen)
    assert seen == [("cloudadmin@vmc.local", PASSWORD)]  # "own", from its own source
    assert rows["lab"]["problem_kind"] == "password_needed"
    assert "no terminal to ask on" in rows["lab"]["problem"]  # not "its question was skipped"
    assert rows["lab"]["tls_insecure"] is True and rows["own"]["tls_insecure"] is False
    assert "HVCTUI_PASSWORD is set but not used" in err and code == 1
    code = main(["status"])
    out, err = capsys.readouterr()
    lab = next(line for line in out.splitlines() if line.startswith("lab"))
    assert "TLS NOT VERIFIED" in lab and "with TLS NOT VERIFIED" in err


async def test_a_typed_password_is_reused_for_its_key_and_never_sent_to_another_server(
        sim: Sim, isolated_config: Path) -> None:
    host, port = sim.address.rsplit(":", 1)
    profiles = {
        name: Profile(server=server, user="cloudadmin@vmc.local", tls="pinned",
                      pin_sha256=sim.info.sha256, password_source="prompt")
        for name, server in (("a", sim.address), ("a-again", f"{host}:{port}"),
                             ("other", f"localhost:{port}"))}
    service = Service(ConfigStore(isolated_config / "config.toml"))
    # Typed once in the form for profile a, and taken by its server: held for cloudadmin there.
    await service.links(service.prepare("a", profiles["a"], {}, need_spec=False,
                                        typed={"password": PASSWORD}))
    asked: list[tuple[str, str]] = []

    async def ask(user: str, server: str) -> str | None:
        asked.append((user, server))
        return "typed-for-localhost"

    seen = _record_logins(sim)
    fleet = Fleet(service, ask_password=ask)
    rows = {row.profile: row async for row in fleet.refresh(profiles) if row.done}
    assert asked == [("cloudadmin@vmc.local", f"localhost:{port}")]  # once, for the new key
    assert sorted(seen) == sorted([("cloudadmin@vmc.local", PASSWORD)] * 2 +
                                  [("cloudadmin@vmc.local", "typed-for-localhost")])
    assert rows["a"].state != "problem" and rows["a-again"].state != "problem"
    assert rows["other"].kind == "cannot_log_in"


async def test_a_skipped_fleet_question_is_said_as_skipped(
        sim: Sim, isolated_config: Path) -> None:
    profiles = {"a": Profile(server=sim.address, user="cloudadmin@vmc.local", tls="pinned",
                             pin_sha256=sim.info.sha256, password_source="prompt")}
    fleet = Fleet(Service(ConfigStore(isolated_config / "config.toml")),
                  ask_password=lambda user, server: asyncio.sleep(0, None))
    rows = [row async for row in fleet.refresh(profiles) if row.done]
    assert rows[0].kind == "password_needed" and "skipped" in rows[0].problem
    assert "no terminal" not in rows[0].problem


def test_core_dumps_are_off_once_a_password_is_held() -> None:
    script = textwrap.dedent("""
        import resource
        from hvctui.profiles.credentials import CredentialKey, Credentials
        from hvctui.vapi.connection import Secret
        hard = resource.getrlimit(resource.RLIMIT_CORE)[1]
        resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))  # as high as allowed
        before = resource.getrlimit(resource.RLIMIT_CORE)
        Credentials().remember(CredentialKey.at("u", "vc"), Secret("x"))
        print(before[0] != 0, resource.getrlimit(resource.RLIMIT_CORE)[0])
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stdout.split() == ["True", "0"]


# --- the TUI: the source is chosen in the form; the environment is not used -----------------


async def test_the_form_chooses_the_password_source_and_the_tui_ignores_the_environment(
        sim: Sim, isolated_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hvctui.tui.app import HvcApp
    from hvctui.tui.screens.links import LinksScreen

    from .tui_support import pane_text, wait_until

    monkeypatch.setenv("HVCTUI_PASSWORD", "env-password-for-one-vcenter")
    monkeypatch.setenv("FORM_PW", PASSWORD)
    path = write_config(isolated_config, {"corp": Profile(
        server=sim.address, user="cloudadmin@vmc.local", tls="pinned",
        pin_sha256=sim.info.sha256, password_source="prompt")})
    seen = _record_logins(sim)
    app = HvcApp(config_path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert any("HVCTUI_PASSWORD is set but not used" in str(n.message)
                   for n in app._notifications)
        await pilot.press("f2")  # the form says "type it": so it is, not the environment's
        await pilot.pause(0.3)
        assert not isinstance(app.screen, LinksScreen) and seen == []
        assert "Password: is required: type it" in pane_text(app)
        app.main.form.input("password_source").value = "bogus"
        await pilot.press("f2")
        await pilot.pause(0.3)
        assert "Password from: is not a password source" in pane_text(app)
        assert "bogus" not in pane_text(app)  # never echoed: it may be a password
        app.main.form.input("password_source").value = "env:FORM_PW"
        await pilot.press("f2")
        await wait_until(pilot, lambda: isinstance(app.screen, LinksScreen))
        await wait_until(pilot, lambda: bool(seen))
    assert seen == [("cloudadmin@vmc.local", PASSWORD)]


def test_password_set_without_a_keyring_says_so_before_asking(
        isolated_config: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "keyring", None)
    write_config(isolated_config, {"sddc1": Profile(server="vc-1.example.com",
                                                    user="cloudadmin@vmc.local")})
    asked: list[str] = []

    class Asking(_Stdin):
        def readline(self) -> str:
            asked.append("asked")
            return "typed-for-nothing\n"

    monkeypatch.setattr(sys, "stdin", Asking(""))
    assert main(["password", "set", "--profile", "sddc1"]) == 2
    assert asked == [] and "keyring package is not installed" in capsys.readouterr().err


async def test_a_typed_password_is_not_sent_after_its_user_or_server_is_edited(
        sim: Sim, isolated_config: Path) -> None:
    from hvctui.tui.app import HvcApp
    from hvctui.tui.screens.links import LinksScreen

    from .tui_support import wait_until

    host, port = sim.address.rsplit(":", 1)
    path = write_config(isolated_config, {"corp": Profile(
        server=sim.address, user="cloudadmin@vmc.local", tls="pinned",
        pin_sha256=sim.info.sha256, password_source="prompt")})
    seen = _record_logins(sim)
    app = HvcApp(config_path=path)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        app.main.form.input("password").value = PASSWORD  # typed for 127.0.0.1:port
        await pilot.press("f2")
        await wait_until(pilot, lambda: isinstance(app.screen, LinksScreen) and bool(seen))
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.main)
        app.main.form.input("server").value = f"localhost:{port}"  # another server
        await pilot.press("f2")
        await pilot.pause(0.3)
        assert not isinstance(app.screen, LinksScreen)
        assert any("was not sent" in str(n.message) for n in app._notifications)
        assert app.main.form.passwords()["password"] == ""
    assert seen == [("cloudadmin@vmc.local", PASSWORD)]  # the first server only


async def test_a_source_password_is_not_sent_for_an_edited_user_the_form_asks_for_it(
        sim: Sim, isolated_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The profile's own source (env:VAR here) gives the password of the user and server the
    profile is saved with. Edit the user (unsaved) and it is not sent for the edited one: the
    form asks for it, and says so; the warning about the typed password is then true."""
    from hvctui.tui.app import HvcApp
    from hvctui.tui.screens.links import LinksScreen

    from .tui_support import wait_until

    monkeypatch.setenv("CORP_PW", PASSWORD)
    path = write_config(isolated_config, {"corp": Profile(
        server=sim.address, user="cloudadmin@vmc.local", tls="pinned",
        pin_sha256=sim.info.sha256, password_source="env:CORP_PW")})
    seen = _record_logins(sim)
    app = HvcApp(config_path=path)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        form = app.main.form
        form.input("password").value = "typed-for-cloudadmin"
        await pilot.pause()
        form.input("user").value = "auditor@vmc.local"  # same password in the simulator
        await pilot.press("f2")
        await pilot.pause(0.3)
        assert not isinstance(app.screen, LinksScreen)
        assert any("was not sent: type it again" in str(n.message)
                   for n in app._notifications)
        problem = form.problem("password")
        assert "env:CORP_PW" in problem and "cloudadmin@vmc.local" in problem, problem
        assert "auditor@vmc.local" in problem and "type it here" in problem, problem
        # typed for the edited user: sent, to that user only
        form.input("password").value = PASSWORD
        await pilot.press("f2")
        await wait_until(pilot, lambda: isinstance(app.screen, LinksScreen) and bool(seen))
    assert seen == [("auditor@vmc.local", PASSWORD)]


def test_the_cli_and_the_service_never_send_a_profiles_source_password_for_another_user(
        sim: Sim, isolated_config: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The rule lives in the core: `--user` or `--server` beside a profile whose source gives
    its saved user's password asks for the other one's (no terminal here: exit 2, nothing
    sent), and HVCTUI_PASSWORD, given for this one command, is still used."""
    monkeypatch.setenv("CORP_PW", PASSWORD)
    write_config(isolated_config, {"corp": Profile(
        server=sim.address, user="cloudadmin@vmc.local", tls="pinned",
        pin_sha256=sim.info.sha256, password_source="env:CORP_PW")})
    seen = _record_logins(sim)
    assert main(["links", "--profile", "corp", "--user", "auditor@vmc.local"]) == 2
    err = capsys.readouterr().err
    assert "is for cloudadmin@vmc.local" in err and "not for auditor@vmc.local" in err, err
    assert seen == []
    profile = Profile(server=sim.address, user="cloudadmin@vmc.local",
                      password_source="env:CORP_PW")
    with pytest.raises(NotReady) as not_ready:
        prepare("corp", profile, {"server": "other.example:443"}, need_spec=False)
    assert "not used for an edited user or server" in str(not_ready.value)
    assert prepare("corp", profile, {"user": "CloudAdmin@VMC.local"},  # the same key
                   need_spec=False).connection.password.get_secret_value() == PASSWORD
    monkeypatch.setenv("HVCTUI_PASSWORD", PASSWORD)
    assert main(["links", "--profile", "corp", "--user", "auditor@vmc.local"]) == 0
    assert seen == [("auditor@vmc.local", PASSWORD)]


async def test_the_password_hint_follows_what_the_session_holds(
        sim: Sim, isolated_config: Path) -> None:
    """The form's password hint says what is true now: once the fleet's question holds the
    password it says so at once (no profile switch needed), and once a server refuses it,
    it no longer does; an edit of the user says the source is the saved user's only."""
    from textual.widgets import Input

    from hvctui.tui.app import HvcApp
    from hvctui.tui.screens.fleet import FleetScreen, PasswordScreen

    from .tui_support import wait_for_dialog, wait_until

    path = write_config(isolated_config, {"typed": Profile(
        server=sim.address, user="cloudadmin@vmc.local", tls="pinned",
        pin_sha256=sim.info.sha256, password_source="prompt")})
    app = HvcApp(config_path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        form = app.main.form
        assert form.hint("password") == "type it; kept in memory only"
        await pilot.press("f6")
        await wait_for_dialog(pilot, PasswordScreen)
        app.screen.query_one(Input).value = PASSWORD
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, FleetScreen)
                         and app.screen.rows["typed"].state == "unlinked")
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.main)
        assert form.hint("password").startswith("typed earlier in this session")
        # the server's password changes: the next login refuses the one held
        sim.world.users["cloudadmin@vmc.local"].password = "changed"
        await pilot.press("f6")
        await wait_until(pilot, lambda: isinstance(app.screen, FleetScreen)
                         and app.screen.rows["typed"].kind == "cannot_log_in")
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.main)
        assert form.hint("password") == "type it; kept in memory only"


async def test_the_password_hint_says_a_source_is_the_saved_users_only(
        sim: Sim, isolated_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hvctui.tui.app import HvcApp

    monkeypatch.setenv("CORP_PW", PASSWORD)
    path = write_config(isolated_config, {"corp": Profile(
        server=sim.address, user="cloudadmin@vmc.local", tls="pinned",
        pin_sha256=sim.info.sha256, password_source="env:CORP_PW")})
    app = HvcApp(config_path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        form = app.main.form
        assert form.hint("password") == "from $CORP_PW (or type to override)"
        form.input("user").value = "auditor@vmc.local"
        await pilot.pause()
        assert form.hint("password") == ("type it: env:CORP_PW is for the saved user only "
                                         "(kept in memory only)")
        form.input("user").value = "cloudadmin@vmc.local"
        await pilot.pause()
        assert form.hint("password") == "from $CORP_PW (or type to override)"


def test_ipv6_servers_keep_their_brackets_and_one_spelling_in_the_key() -> None:
    assert CredentialKey.at("u", "[::1]:8443") != CredentialKey.at("u", "[::1:8443]")
    assert CredentialKey.at("u", "[0:0::1]:8443") == CredentialKey.at("u", "[::1]:8443")
    assert CredentialKey.at("u", "[::1]").server == "[::1]"
    assert psc_key(Profile(psc_user="a@d", psc_hostname="::1", psc_port="8443")) != \
        psc_key(Profile(psc_user="a@d", psc_hostname="::1:8443"))


def test_unlink_with_psc_credentials_never_carries_a_password_to_another_domain(
        sim: Sim, isolated_config: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The branch administrator's password must not unlink corp.local, whatever --domain says."""
    from hvctui.sim.fleet import add_link

    link_id = add_link(sim.world)  # to corp.local
    monkeypatch.setenv("HVCTUI_PASSWORD", PASSWORD)
    monkeypatch.setenv("HVCTUI_PSC_PASSWORD", "branch-admins-password")
    code = main(["unlink", link_id, "--server", sim.address, "--pin", sim.info.sha256,
                 "--user", "cloudadmin@vmc.local", "--yes", "--with-psc-credentials",
                 "--psc-hostname", "psc.branch.example", "--psc-user",
                 "administrator@branch.example", "--domain", "corp.local"])
    err = capsys.readouterr().err
    assert code == 2 and "sent only to unlink its own domain" in err
    assert link_id in sim.world.links


async def test_the_fleet_asks_no_password_for_a_user_it_cannot_show(
        sim: Sim, isolated_config: Path) -> None:
    profiles = {"odd": Profile(server=sim.address, user="u\x1b]0;pwned\x07@vmc.local",
                               tls="pinned", pin_sha256=sim.info.sha256)}
    asked: list[str] = []

    async def ask(user: str, server: str) -> str | None:
        asked.append(user)
        return "x"

    fleet = Fleet(Service(ConfigStore(isolated_config / "config.toml")), ask_password=ask)
    rows = [row async for row in fleet.refresh(profiles) if row.done]
    assert asked == [] and "holds a control character" in rows[0].problem
    assert "\x1b" not in rows[0].problem


# --- a refused password is never sent again; only what the server took is held ---------------


async def test_a_password_the_server_refused_is_not_sent_again_on_any_face(
        sim: Sim, isolated_config: Path) -> None:
    from hvctui.tui.app import HvcApp
    from hvctui.tui.screens.links import LinksScreen

    from .tui_support import pane_text, wait_until

    path = write_config(isolated_config, {
        name: Profile(server=sim.address, user="cloudadmin@vmc.local", tls="pinned",
                      pin_sha256=sim.info.sha256, password_source="prompt")
        for name in ("a", "b")})
    seen = _record_logins(sim)
    app = HvcApp(config_path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        app.main.form.input("password").value = "a-typo"
        await pilot.press("f2")
        await wait_until(pilot, lambda: isinstance(app.screen, LinksScreen) and bool(seen))
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.main)
        for key in ("f2", "f5", "f6"):  # again, elsewhere, and in the fleet: never re-sent
            await pilot.press(key)
            await pilot.pause(0.5)
            for _ in range(3):  # the fleet asks (its question skipped), then back
                if app.screen is not app.main:
                    await pilot.press("escape")
                    await pilot.pause(0.3)
            await wait_until(pilot, lambda: app.screen is app.main)
        assert seen == [("cloudadmin@vmc.local", "a-typo")]  # one failed login, not four
        assert "refused by the server earlier" in pane_text(app)
        app.main.form.input("password").value = PASSWORD  # the right one is sent
        await pilot.press("f2")
        await wait_until(pilot, lambda: isinstance(app.screen, LinksScreen) and len(seen) == 2)


async def test_a_preview_holds_no_password_for_other_profiles(
        sim: Sim, isolated_config: Path) -> None:
    from hvctui.tui.app import HvcApp
    from hvctui.tui.screens.links import LinksScreen
    from hvctui.tui.screens.preview import PreviewScreen

    from .tui_support import pane_text, wait_until

    path = write_config(isolated_config, {
        name: Profile(server=sim.address, user="cloudadmin@vmc.local", tls="pinned",
                      pin_sha256=sim.info.sha256, password_source="prompt",
                      psc_hostname="psc.corp.local", domain_name="corp.local",
                      psc_user="administrator@corp.local", psc_password_source="prompt")
        for name in ("a", "b")})
    seen = _record_logins(sim)
    app = HvcApp(config_path=path, initial_profile="a")
    async with app.run_test(size=(80, 24)) as pilot:
        app.main.form.input("password").value = "not-checked-yet"
        app.main.form.input("psc_password").value = "x"
        await pilot.press("f7")
        await wait_until(pilot, lambda: isinstance(app.screen, PreviewScreen))
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.main)
        app.main.select_profile("b")
        await pilot.pause()
        await pilot.press("f2")
        await pilot.pause(0.5)
        assert not isinstance(app.screen, LinksScreen) and seen == []
        assert "is required: type it" in pane_text(app)


async def test_the_fleet_never_resends_a_refused_password_typed_again(
        sim: Sim, isolated_config: Path) -> None:
    profiles = {"a": Profile(server=sim.address, user="cloudadmin@vmc.local", tls="pinned",
                             pin_sha256=sim.info.sha256, password_source="prompt")}
    seen = _record_logins(sim)

    async def ask(user: str, server: str) -> str | None:
        return "oops"  # the same typo, every time it is asked

    fleet = Fleet(Service(ConfigStore(isolated_config / "config.toml")), ask_password=ask)
    for _ in range(3):  # r, r, r
        rows = [row async for row in fleet.refresh(profiles) if row.done]
    assert seen == [("cloudadmin@vmc.local", "oops")]  # one failed login, not three
    assert "refused by the server earlier" in rows[0].problem


async def test_a_password_from_one_profiles_source_is_not_held_for_another_profile(
        sim: Sim, isolated_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two profiles, the same PSC user and host, different sources (the demo's corp and
    wrong-psc-password): the first one's success must not lend its password to the second."""
    monkeypatch.setenv("RIGHT_PW", PASSWORD)
    monkeypatch.setenv("WRONG_PW", "not-the-password")
    service = Service(ConfigStore(isolated_config / "config.toml"))
    base = Profile(server=sim.address, user="cloudadmin@vmc.local", tls="pinned",
                   pin_sha256=sim.info.sha256, password_source="env:RIGHT_PW",
                   psc_hostname="psc.corp.local", domain_name="corp.local",
                   psc_user="administrator@corp.local", psc_password_source="env:RIGHT_PW",
                   ssl_thumbprint=sim.psc_thumbprint)
    await service.link(service.prepare("corp", base, {}, need_spec=True), _never_asked)
    wrong = service.prepare("wrong", base.replace(psc_password_source="env:WRONG_PW"), {},
                            need_spec=True)
    assert wrong.spec is not None
    assert wrong.spec.password.get_secret_value() == "not-the-password"


async def _never_asked(*_: object) -> bool:
    raise AssertionError("no trust question with the thumbprint given")


def test_a_psc_password_from_a_source_goes_only_to_the_saved_vcenter(
        sim: Sim, isolated_config: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The PSC's password is sent to the cloud vCenter (in the create, or an unlink's
    credentials): with only `--server` edited its key is unchanged, yet the profile's source
    must not give it to that other vCenter. HVCTUI_PASSWORD, for this command, is used."""
    monkeypatch.setenv("CORP_PSC_PW", "psc-secret")
    saved = Profile(server="vc.saved.example", user="cloudadmin@vmc.local",
                    password_source="prompt", psc_hostname="psc.corp.local",
                    domain_name="corp.local", psc_user="administrator@corp.local",
                    psc_password_source="env:CORP_PSC_PW", admin_groups=["a@corp.local"])
    write_config(isolated_config, {"corp": saved})
    creates: list[object] = []
    real = sim.world.create_link

    def create(user: str, spec: object, lang: str | None) -> str:
        creates.append(spec)
        return real(user, spec, lang)

    sim.world.create_link = create  # type: ignore[method-assign]
    monkeypatch.setenv("HVCTUI_PASSWORD", PASSWORD)
    assert main(["link", "--profile", "corp", "--server", sim.address,
                 "--pin", sim.info.sha256]) == 2
    err = capsys.readouterr().err
    assert "sent only to the vCenter the profile is saved with (vc.saved.example)" in err, err
    assert creates == []
    with pytest.raises(NotReady) as not_ready:
        prepare("corp", saved, {"server": sim.address}, need_spec=True,
                typed={"password": PASSWORD})
    assert [p.field for p in not_ready.value.problems] == ["psc_password"]
    # The saved vCenter gets it (prepared, not sent: vc.saved.example does not exist).
    call = prepare("corp", saved, {}, need_spec=True, typed={"password": PASSWORD})
    assert call.spec is not None and call.spec.password.get_secret_value() == "psc-secret"


def test_a_profile_saved_without_a_server_or_user_has_a_source_for_nobody(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HALF_PW", "half-secret")
    for half in (Profile(user="cloudadmin@vmc.local", password_source="env:HALF_PW"),
                 Profile(server="vc.example.com", password_source="env:HALF_PW")):
        with pytest.raises(NotReady) as not_ready:
            prepare("half", half, {"server": "vc.example.com", "user": "cloudadmin@vmc.local"},
                    need_spec=False)
        assert "saved with no user or no server" in str(not_ready.value)


async def test_profiles_sharing_a_user_and_server_send_a_refused_password_once(
        sim: Sim, isolated_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """status, the fleet and a link over several profiles prepare every call before any
    answer: four profiles with one wrong password made four failed logins (SSO locks an
    account after three). Until a server takes a password, one call at a time tries it."""
    monkeypatch.setenv("SHARED_PW", "a-typo")
    profiles = {f"p{i}": Profile(server=sim.address, user="cloudadmin@vmc.local", tls="pinned",
                                 pin_sha256=sim.info.sha256, password_source="env:SHARED_PW")
                for i in range(4)}
    seen = _record_logins(sim)
    fleet = Fleet(Service(ConfigStore(isolated_config / "config.toml")), concurrency=4)
    rows = [row async for row in fleet.refresh(profiles) if row.done]
    assert seen == [("cloudadmin@vmc.local", "a-typo")]
    assert len(rows) == 4 and all(row.problem for row in rows)
    monkeypatch.setenv("SHARED_PW", PASSWORD)  # a new process, the right password: side by side
    seen.clear()
    fleet = Fleet(Service(ConfigStore(isolated_config / "config.toml")), concurrency=4)
    rows = [row async for row in fleet.refresh(profiles) if row.done]
    assert len(seen) == 4 and not any(row.problem for row in rows)
