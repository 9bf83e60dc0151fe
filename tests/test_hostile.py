"""Issue 10: a hostile vCenter, driven through both faces. Whatever it sends, nothing but the text
it is entitled to reaches the terminal: no control sequence (ESC, BEL, C1, bidi), no markup parsed,
bounded output, strict JSON, the documented exit code, no traceback."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from hvctui.cli import main
from hvctui.vapi.client import MAX_ANSWER_BYTES

from . import hostile
from .conftest import PASSWORD, Sim
from .text_support import FORBIDDEN, PLANTED, SHOWN
from .tui_support import screen_segments, screen_text, wait_for_dialog

LINK = ["--user", "cloudadmin@vmc.local", "--psc-hostname", "psc.corp.local",
        "--domain", "corp.local", "--psc-user", "administrator@corp.local"]
USER = ["--user", "cloudadmin@vmc.local"]
#: Invisible characters the simulator's own snippets lack (bidi, zero-width, soft hyphen, tags,
#: line and paragraph separators: text_support.SAMPLES), added for these tests. What may never
#: reach a terminal is text_support.FORBIDDEN.
BIDI = PLANTED
#: The only escape sequences hvctui writes itself: its own colours (Output._paint).
OWN_COLOURS = re.compile(r"\x1b\[(?:0|31;1|32;1|33;1)m")


def assert_clean(text: str, *, terminal: bool = False) -> None:
    """No forbidden character in `text` (on a terminal: after our own colours and the tty's
    own CR before each LF are taken out)."""
    if terminal:
        text = OWN_COLOURS.sub("", text).replace("\r\n", "\n")
    bad = FORBIDDEN.search(text)
    assert bad is None, (bad.group(), text[max(0, bad.start() - 60):bad.start() + 20])
    assert "Traceback" not in text


def assert_strict_json(text: str) -> dict:
    def refuse(constant: str) -> None:
        raise AssertionError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


@pytest.fixture
def hostile_sim(sim: Sim, monkeypatch: pytest.MonkeyPatch) -> Sim:
    """The simulator with every text field tainted (control sequences, bidi, markup), odd
    values in every message and an unhealthy link's message."""
    monkeypatch.setattr(hostile, "_BEFORE", hostile._BEFORE + BIDI)
    monkeypatch.setattr(hostile, "HOSTILE_TEXT", hostile.HOSTILE_TEXT + BIDI)
    sim.control("/sim/faults", {"hostile_text": True, "odd_values": True, "unhealthy": True})
    return sim


@pytest.fixture(autouse=True)
def passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HVCTUI_PASSWORD", PASSWORD)
    monkeypatch.setenv("HVCTUI_PSC_PASSWORD", PASSWORD)


def run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


# --- the CLI, in process ------------------------------------------------------------------------

def test_cli_against_a_hostile_server_writes_no_control_character(
        hostile_sim: Sim, capsys: pytest.CaptureFixture[str]) -> None:
    sim = hostile_sim
    base = ["--server", sim.address, "--pin", sim.info.sha256]
    thumb = ["--ssl-thumbprint", sim.psc_thumbprint]
    seen: list[tuple[list[str], int, str, str]] = []
    for as_json in ([], ["--json"]):
        steps = [
            (["link", *base, *LINK, *as_json], 3),  # a tainted offer: refused, nothing resent
            (["link", *base, *LINK, "--trust-offered", *as_json], 3),
            (["link", *base, *LINK, *thumb, *as_json], 0),  # created, its id tainted
            (["link", *base, *LINK, *thumb, *as_json], 4),  # ALREADY_EXISTS, tainted stack
            (["links", *base, *USER, *as_json], 0),  # tainted ids, names, health, message
            (["unlink", "no-such-link", *base, *USER, "--yes", *as_json], 1),
        ]
        for argv, expected in steps:
            code, out, err = run(capsys, argv)
            seen.append((argv, code, out, err))
            assert code == expected, (argv, out, err)
            assert_clean(out)
            assert_clean(err)
            if as_json:
                payload = assert_strict_json(out if out else err)
                assert payload["ok"] is (code == 0)
        link_id = next(iter(sim.world.links))
        code, out, err = run(capsys, ["unlink", link_id, *base, *USER, "--yes", *as_json])
        assert code == 0 and not sim.world.links
        assert_clean(out + err)
    # The hostile text was there, made visible, not dropped: the user sees what the server sent.
    shown = "".join(out + err for _, _, out, err in seen)
    assert "\\x1b]52;c;aGFjaw==" in shown and "[@click=app.quit]click[/]" in shown
    for escape in SHOWN.values():  # every kind of invisible character, shown as its escape
        assert escape in shown, escape
    as_json = "".join(out for argv, _, out, _ in seen if "--json" in argv)
    assert "\\u2028" in as_json and "\\udb40\\udc41" in as_json  # JSON's own escapes


@pytest.mark.parametrize("faults", [{"message_count": 10_000},
                                    {"message_count": 1_000, "hostile_text": True}],
                         ids=["10000-plain", "1000-hostile"])
def test_a_long_stack_prints_a_bounded_report(
        sim: Sim, capsys: pytest.CaptureFixture[str], faults: dict) -> None:
    """10,000 messages (a hostile one is ~2 KB, so 1,000 of those: 10,000 pass the read cap)."""
    sim.control("/sim/faults", faults)
    base = ["--server", sim.address, "--pin", sim.info.sha256]
    code, out, err = run(capsys, ["link", *base, *LINK, "--psc-hostname", "nowhere.example",
                                  "--ssl-thumbprint", sim.psc_thumbprint])
    assert code == 1
    assert_clean(out + err)
    assert len((out + err).encode()) < 300_000  # far less than 1 MB (it was 100 MB)
    assert "more messages in the cause chain" in err
    code, out, err = run(capsys, ["link", *base, *LINK, "--psc-hostname", "nowhere.example",
                                  "--ssl-thumbprint", sim.psc_thumbprint, "--json"])
    assert code == 1
    assert_clean(out + err)
    payload = assert_strict_json(out)
    assert len(payload["messages"]) == faults["message_count"]  # the JSON keeps them all


def test_an_answer_beyond_the_read_cap_is_a_clear_network_error(
        sim: Sim, capsys: pytest.CaptureFixture[str]) -> None:
    sim.control("/sim/faults", {"answer_bytes": MAX_ANSWER_BYTES + 4096})
    base = ["--server", sim.address, "--pin", sim.info.sha256]
    code, out, err = run(capsys, ["link", *base, *LINK, "--psc-hostname", "nowhere.example",
                                  "--ssl-thumbprint", sim.psc_thumbprint])
    assert code == 6 and "larger than" in err
    assert len(out + err) < 5000
    assert_clean(out + err)


def test_a_non_ascii_session_token_is_a_clear_error_not_a_crash(
        sim: Sim, capsys: pytest.CaptureFixture[str]) -> None:
    sim.control("/sim/faults", {"token_text": "t\u00f6k\u00e9n\u2603\u202e"})
    code, out, err = run(capsys, ["links", "--server", sim.address, "--pin", sim.info.sha256,
                                  *USER])
    assert code == 6 and "not a token" in err
    assert_clean(out + err)


# --- the CLI as a process: on a terminal and on a pipe ------------------------------------------

def _read_all(fd: int, into: list[bytes]) -> None:
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the other side closed
            return
        if not chunk:
            return
        into.append(chunk)


def run_process(argv: list[str], *, terminal: bool, no_color: bool,
                config: Path) -> tuple[int, str]:
    env = dict(os.environ, HVCTUI_CONFIG_DIR=str(config), HVCTUI_PASSWORD=PASSWORD,
               HVCTUI_PSC_PASSWORD=PASSWORD, TERM="xterm-256color")
    env.pop("NO_COLOR", None)
    if no_color:
        env["NO_COLOR"] = "1"
    command = [sys.executable, "-m", "hvctui", *argv]
    if not terminal:
        result = subprocess.run(command, env=env, capture_output=True, timeout=120,
                                stdin=subprocess.DEVNULL)
        return result.returncode, (result.stdout + result.stderr).decode("utf-8")
    master, slave = pty.openpty()
    chunks: list[bytes] = []
    reader = threading.Thread(target=_read_all, args=(master, chunks), daemon=True)
    reader.start()
    proc = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=slave,
                            stderr=slave)
    os.close(slave)
    code = proc.wait(timeout=120)
    reader.join(timeout=30)
    os.close(master)
    return code, b"".join(chunks).decode("utf-8")


@pytest.mark.parametrize("terminal,no_color", [(True, False), (True, True), (False, False)],
                         ids=["tty-colour", "tty-NO_COLOR", "pipe"])
def test_cli_process_on_a_terminal_or_a_pipe_writes_no_control_character(
        hostile_sim: Sim, tmp_path: Path, terminal: bool, no_color: bool) -> None:
    sim = hostile_sim
    sim.control("/sim/faults", {"message_count": 200})
    base = ["--server", sim.address, "--pin", sim.info.sha256]
    thumb = ["--ssl-thumbprint", sim.psc_thumbprint]
    for argv, expected in ((["link", *base, *LINK], 3),
                           (["link", *base, *LINK, *thumb], 0),
                           (["link", *base, *LINK, *thumb], 4),
                           (["links", *base, *USER], 0),
                           (["links", *base, *USER, "--json"], 0),
                           (["link", *base, *LINK, *thumb, "--json"], 4)):
        code, shown = run_process(argv, terminal=terminal, no_color=no_color,
                                  config=tmp_path / "cfg")
        assert code == expected, (argv, shown[-2000:])
        assert_clean(shown, terminal=terminal)
        if no_color or not terminal:
            assert "\x1b" not in shown
        if "--json" not in argv:
            assert "\\x1b]0;pwned" in shown and "\\\\x1b" not in shown  # visible, once
        if argv[0] != "link" or thumb[1] in argv:
            assert "[/oops]" in shown  # markup shown as the text it is


# --- the TUI ------------------------------------------------------------------------------------

MARKUP = ("[/oops]", "[@click=app.quit]click[/]", "[b]bold[/b]")


def assert_screen_clean(app: object) -> str:
    """What the terminal would draw holds no control character, no server text turned into an
    action link, and the app still runs. Returns the screen's text."""
    segments = screen_segments(app)
    text = "".join(s.text for s in segments if not s.control)
    bad = FORBIDDEN.search(text.replace("\n", ""))
    assert bad is None, (bad.group(), text[max(0, bad.start() - 60):bad.start() + 20])
    for segment in segments:
        meta = segment.style.meta if segment.style is not None else {}
        assert "@click" not in meta or "quit" not in str(meta["@click"]), segment
    assert app.is_running  # type: ignore[attr-defined]
    return text


async def click_text(pilot: object, app: object, words: str) -> bool:
    """Click the first screen cell where `words` is drawn; False if it is not on screen."""
    lines = screen_text(app).split("\n")
    for y, line in enumerate(lines):
        x = line.find(words)
        if x >= 0:
            await pilot.click(offset=(x + 2, y))  # type: ignore[attr-defined]
            await pilot.pause()  # type: ignore[attr-defined]
            return True
    return False


async def test_tui_screens_against_a_hostile_server_draw_text_not_controls_or_markup(
        hostile_sim: Sim, isolated_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hvctui.tui.app import HvcApp
    from hvctui.tui.screens.admins import AdminsScreen
    from hvctui.tui.screens.history import HistoryScreen
    from hvctui.tui.screens.links import LinksScreen

    from .tui_support import PW_ENV, corp_profile, pane_text, wait_until, write_config

    sim = hostile_sim
    monkeypatch.setenv(PW_ENV, PASSWORD)
    path = write_config(isolated_config, {"corp": corp_profile(
        sim.address, sim.info.sha256, ssl_thumbprint=sim.psc_thumbprint)})
    app = HvcApp(config_path=path)
    async with app.run_test(size=(120, 40)) as pilot:
        # The pane: a link made (its id tainted), then ALREADY_EXISTS with a tainted stack.
        await pilot.press("f5")
        await wait_until(pilot, lambda: "LINKED" in pane_text(app))
        assert_screen_clean(app)
        # As text, not markup (the long tainted id wraps, so read the pane's own line).
        assert "[/oops]" in pane_text(app)
        await pilot.press("f5")
        await wait_until(pilot, lambda: "ALREADY_EXISTS" in pane_text(app))
        shown = assert_screen_clean(app)
        for snippet in MARKUP:
            assert snippet in pane_text(app)
        assert await click_text(pilot, app, "[@click=app.quit]click")
        assert app.is_running and app.screen is app.main
        # F2: the links screen (tainted ids, domains, health and its message).
        await pilot.press("f2")
        await wait_until(pilot, lambda: isinstance(app.screen, LinksScreen)
                         and bool(app.screen.rows))
        await pilot.pause()
        shown = assert_screen_clean(app)
        assert "[@click=app.quit]" in shown and "\\x1b]0;pwned" in shown
        assert SHOWN["line separator"] in shown and SHOWN["tag letter A"] in shown
        await click_text(pilot, app, "[@click=app.quit]click")
        assert app.is_running and isinstance(app.screen, LinksScreen)
        await pilot.press("escape")
        # F3: the administrators (tainted group names).
        await pilot.press("f3")
        await wait_until(pilot, lambda: isinstance(app.screen, AdminsScreen)
                         and bool(app.screen.groups))
        await pilot.pause()
        shown = assert_screen_clean(app)
        unwrapped = "".join(line.strip("\u258a\u258e ") for line in shown.split("\n"))
        assert "[@click=app.quit]click[/][b]bold[/b]" in unwrapped  # long names wrap
        await click_text(pilot, app, "[b]bold[/b]")
        assert app.is_running and isinstance(app.screen, AdminsScreen)
        await pilot.press("escape")
        # F4: the history, which stores the tainted link id.
        await pilot.press("f4")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen))
        await pilot.pause()
        assert_screen_clean(app)
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running
    history = (isolated_config / "history.jsonl").read_text()
    assert PASSWORD not in history


async def test_the_trust_dialog_shows_a_hostile_certificate_as_text(
        isolated_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The vCenter's own certificate, its subject and issuer full of controls and markup: the
    first-use pin dialog draws them as text."""
    from hvctui.sim.certs import make_certificate
    from hvctui.sim.server import SimServer
    from hvctui.sim.world import World
    from hvctui.tui.app import HvcApp
    from hvctui.tui.screens.dialogs import TrustScreen

    from .tui_support import PW_ENV, corp_profile, wait_until, write_config

    monkeypatch.setenv(PW_ENV, PASSWORD)
    # A common name holds at most 64 characters: the worst of the snippets.
    keypair = make_certificate("\x1b]0;pwned\x07\x9b2J[@click=app.quit]click[/]\u202e",
                               ("127.0.0.1",))
    with SimServer(World(), keypair=keypair) as server:
        path = write_config(isolated_config, {"corp": corp_profile(
            server.info.server, tls="pinned", pin_sha256="")})
        app = HvcApp(config_path=path)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("f5")
            await wait_for_dialog(pilot, TrustScreen)
            await pilot.pause()
            shown = assert_screen_clean(app)
            assert "[@click=app.quit]click[/]" in shown
            await click_text(pilot, app, "[@click=app.quit]click")
            assert app.is_running and isinstance(app.screen, TrustScreen)
            await pilot.press("escape")
            await pilot.pause()
        assert server.world.stats.requests == 0


# --- a defect in any worker: a message, never a secret ------------------------------------------

def _defect(name: str):  # type: ignore[no-untyped-def]
    async def defective(connection, *args, **kwargs):  # type: ignore[no-untyped-def]
        header = f"Basic {connection.password.get_secret_value()}"  # a local a dump would show
        raise RuntimeError(f"{name} defect while holding {header}")  # and in the message too

    return defective


def _written(*roots: Path) -> list[Path]:
    return [p for root in roots if root.exists() for p in root.rglob("*") if p.is_file()]


@pytest.mark.parametrize("broken", ["list_links", "administrators", "unlink", "link"])
async def test_a_defect_in_any_tui_worker_shows_no_secret_anywhere(
        sim: Sim, isolated_config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        broken: str) -> None:
    from hvctui.tui.app import HvcApp
    from hvctui.tui.screens.admins import AdminsScreen
    from hvctui.tui.screens.dialogs import TextScreen
    from hvctui.tui.screens.links import LinksScreen
    from hvctui.vapi import flow

    from .tui_support import PW_ENV, corp_profile, pane_text, wait_until, write_config

    monkeypatch.setenv(PW_ENV, PASSWORD)
    if broken == "unlink":  # a link to remove first
        import asyncio

        assert await asyncio.to_thread(main, [
            "link", "--server", sim.address, "--pin", sim.info.sha256, *LINK,
            "--ssl-thumbprint", sim.psc_thumbprint]) == 0
    monkeypatch.setattr(flow, broken, _defect(broken))
    path = write_config(isolated_config, {"corp": corp_profile(
        sim.address, sim.info.sha256, ssl_thumbprint=sim.psc_thumbprint)})
    app = HvcApp(config_path=path)

    def detail() -> str:
        screen = app.screen
        widget = screen.query_one("#links-detail" if isinstance(screen, LinksScreen)
                                  else "#admins-detail")
        return str(widget.render())

    async with app.run_test(size=(100, 30)) as pilot:
        if broken == "link":
            await pilot.press("f5")
            await wait_until(pilot, lambda: "Unexpected failure" in pane_text(app))
        elif broken == "administrators":
            await pilot.press("f3")
            await wait_until(pilot, lambda: isinstance(app.screen, AdminsScreen)
                             and "Unexpected failure" in detail())
        else:
            await pilot.press("f2")
            if broken == "unlink":
                await wait_until(pilot, lambda: isinstance(app.screen, LinksScreen)
                                 and bool(app.screen.rows))
                await pilot.press("u")  # asked first, then the defect
                await wait_for_dialog(pilot, TextScreen)
                await pilot.press(*"corp.local", "enter")
            await wait_until(pilot, lambda: isinstance(app.screen, (LinksScreen))
                             and "Unexpected failure" in detail())
        await pilot.pause()
        shown = screen_text(app)
        assert app.is_running
        assert "Unexpected failure (RuntimeError)" in shown
        assert PASSWORD not in shown and "defect" not in shown
    for path in _written(isolated_config, tmp_path):
        assert PASSWORD.encode() not in path.read_bytes(), path
    if broken in ("link", "unlink"):  # a call that changes something is in the history
        history = (isolated_config / "history.jsonl").read_text()
        assert '"status": "Failed"' in history


@pytest.mark.parametrize("broken,argv", [
    ("list_links", ["links"]),
    ("link", ["link", *LINK[2:]]),
    ("unlink", ["unlink", "some-link", "--yes"]),
])
def test_a_defect_in_any_cli_command_shows_no_secret_anywhere(
        sim: Sim, isolated_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, broken: str, argv: list[str]) -> None:
    from hvctui.vapi import flow

    monkeypatch.setattr(flow, broken, _defect(broken))
    code, out, err = run(capsys, [argv[0], "--server", sim.address, "--pin", sim.info.sha256,
                                  "--user", "cloudadmin@vmc.local", *argv[1:]])
    assert code == 1 and "unexpected failure (RuntimeError)" in err
    assert PASSWORD not in out + err and "Traceback" not in out + err
    for path in _written(isolated_config, tmp_path):
        assert PASSWORD.encode() not in path.read_bytes(), path


# --- bad input: a clear message and exit 2, nothing sent, nothing written -----------------------

def _nothing_sent_or_written(sim: Sim, config: Path, before: bytes | None) -> None:
    assert sim.world.stats.requests == 0
    target = config / "config.toml"
    assert (target.read_bytes() if target.exists() else None) == before
    assert not (config / "history.jsonl").exists()


@pytest.mark.parametrize("argv,words", [
    (["unlink", ".", "--yes"], "'.' is not a link id"),
    (["unlink", "..", "--yes"], "'..' is not a link id"),
    (["unlink", "..", "--yes", "--json"], "is not a link id"),
    (["links", "--server", "a:b:c"], "--server"),
    (["links", "--lang", "d\u00e9"], "not a language tag"),
    (["links", "--lang", "de\x1b]0;x\x07"], "not a language tag"),
    (["links", "--profile", "corp\n"], "no profile named"),
    (["links", "--profile", "[/x]"], "no profile named"),
    (["profiles", "show", "corp\n"], "no profile named"),
])
def test_bad_input_is_exit_2_naming_it_with_nothing_sent(
        sim: Sim, isolated_config: Path, capsys: pytest.CaptureFixture[str],
        argv: list[str], words: str) -> None:
    from .tui_support import corp_profile, write_config

    write_config(isolated_config, {"corp": corp_profile(sim.address, sim.info.sha256)})
    before = (isolated_config / "config.toml").read_bytes()
    connection = [] if argv[0] == "profiles" or "--profile" in argv else [
        "--user", "cloudadmin@vmc.local", "--pin", sim.info.sha256]
    if "--server" not in argv and connection:
        connection += ["--server", sim.address]
    code, out, err = run(capsys, [*argv, *connection])
    assert code == 2, (out, err)
    shown = out + err
    assert words in (json.loads(out)["messages"][0]["text"] if "--json" in argv else shown)
    assert_clean(shown)
    _nothing_sent_or_written(sim, isolated_config, before)


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "-1", "0", "1e400", "x"])
def test_a_timeout_that_is_no_number_of_seconds_is_exit_2(
        sim: Sim, capsys: pytest.CaptureFixture[str], value: str) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["links", "--server", sim.address, "--user", "u@x", "--timeout", value])
    out, err = capsys.readouterr()
    assert exited.value.code == 2 and "--timeout" in err and "Traceback" not in err
    assert sim.world.stats.requests == 0


def test_a_password_that_is_not_utf8_is_refused_unquoted_and_nothing_sent(
        sim: Sim, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environb.items() if k != b"NO_COLOR"}
    env[b"HVCTUI_PASSWORD"] = b"S3cr\xff" + b"t-\xe9x"
    env[b"HVCTUI_CONFIG_DIR"] = str(tmp_path / "cfg").encode()
    result = subprocess.run(
        [sys.executable, "-m", "hvctui", "links", "--server", sim.address, "--pin",
         sim.info.sha256, "--user", "cloudadmin@vmc.local"],
        env=env, capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
    err = result.stderr.decode("utf-8")
    assert result.returncode == 2 and "not UTF-8 text" in err
    assert "S3cr" not in err and "\\udcff" not in err and "\\xff" not in err
    assert "Traceback" not in err
    assert sim.world.stats.requests == 0


@pytest.mark.parametrize("failing,error", [("mkstemp", "EROFS"), ("fsync", "ENOSPC")])
def test_profiles_remove_on_a_full_or_read_only_disk_is_exit_2_file_untouched(
        isolated_config: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, failing: str, error: str) -> None:
    import errno
    import tempfile

    from .tui_support import corp_profile, write_config

    write_config(isolated_config, {"corp": corp_profile("vc.example.com"),
                                   "lab": corp_profile("lab.example.com")})
    before = (isolated_config / "config.toml").read_bytes()

    def fail(*args: object, **kwargs: object) -> None:
        code = getattr(errno, error)
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(tempfile if failing == "mkstemp" else os, failing, fail)
    code, out, err = run(capsys, ["profiles", "remove", "lab", "--yes"])
    monkeypatch.undo()
    assert code == 2 and "not removed" in err and "Traceback" not in err
    assert os.strerror(getattr(errno, error)).lower() in err.lower()
    assert (isolated_config / "config.toml").read_bytes() == before
    assert [p.name for p in isolated_config.iterdir() if p.name.endswith(".tmp")] == []


def test_a_keyring_that_is_a_plain_file_is_exit_2_nothing_sent(
        sim: Sim, isolated_config: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from .test_credentials import ALT_FILE, CHAINER, backend, fake_keyring
    from .tui_support import corp_profile, write_config

    monkeypatch.delenv("HVCTUI_PASSWORD")
    chain = backend(CHAINER, "ChainerBackend", [backend(ALT_FILE, "PlaintextKeyring")])
    fake_keyring(monkeypatch, chain, {("hvctui", "cloudadmin@vmc.local"): "would-be-read"})
    write_config(isolated_config, {"corp": corp_profile(sim.address, sim.info.sha256,
                                                        password_source="keyring")})
    code, out, err = run(capsys, ["links", "--profile", "corp"])
    assert code == 2 and "keyrings.alt" in err and "would-be-read" not in out + err
    assert sim.world.stats.requests == 0


def test_the_tui_without_a_terminal_is_one_line_and_exit_2(tmp_path: Path) -> None:
    env = dict(os.environ, HVCTUI_CONFIG_DIR=str(tmp_path / "cfg"))
    for argv in ([], ["demo"]):
        result = subprocess.run([sys.executable, "-m", "hvctui", *argv], env=env,
                                capture_output=True, text=True, timeout=60,
                                stdin=subprocess.DEVNULL)
        assert result.returncode == 2 and result.stdout == ""
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and "needs a terminal" in lines[0]
        for command in ("link", "links", "unlink", "status", "check-psc", "profiles"):
            assert command in lines[0]
        assert "\x1b" not in result.stderr


# --- the user's own text is data too ------------------------------------------------------------

async def test_markup_and_controls_in_the_users_own_text_are_shown_as_text(
        isolated_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A config key, a broken profile's name, a theme value, --profile and typed field values
    holding markup or controls: drawn literally; nothing parsed, nothing run, no crash."""
    from hvctui.tui.app import HvcApp

    from .tui_support import PW_ENV, pane_text

    monkeypatch.setenv(PW_ENV, PASSWORD)
    isolated_config.mkdir(parents=True)
    path = isolated_config / "config.toml"
    path.write_text(
        'theme = "[/x]\\u001b[2J"\n'
        '"[@click=app.quit]key[/]" = 1\n'
        '[profiles.corp]\nserver = "vc.example.com"\nuser = "u@x"\n'
        '"[/oops]\\u009b2J" = "x"\n'
        '[profiles."[/broken]"]\nserver = 5\n'
        '[profiles."zz\\u001b]0;pwned\\u0007\\u001b[2J"]\nserver = 6\n')
    path.chmod(0o600)
    app = HvcApp(config_path=path, initial_profile="[/x]\x1b]0;pwned\x07")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert_screen_clean(app)
        app.main.form.input("psc_hostname").value = "p[/b]\x1b[2J"
        app.main.form.input("domain_name").value = "[@click=app.quit]click[/]"
        await pilot.press("f5")  # refused by name: the form's problems show the values
        await pilot.pause()
        shown = assert_screen_clean(app)
        assert "Not ready to send" in pane_text(app)
        await pilot.press("ctrl+s")
        await pilot.pause()
        shown = assert_screen_clean(app)
        await click_text(pilot, app, "[@click=app.quit]")
        assert app.is_running
    assert "[/broken]" in path.read_text()  # a broken profile is left as it was


async def test_a_line_break_in_a_server_message_starts_a_row_in_the_pane(
        isolated_config: Path) -> None:
    """A server's message with a line feed: drawn as two rows, never a raw line feed that
    would put the rest of it over the sidebar and the key bar."""
    from hvctui.tui.app import HvcApp
    from hvctui.vapi import error_report
    from hvctui.vapi.answers import parse_error

    from .tui_support import corp_profile, pane_text, write_config

    app = HvcApp(config_path=write_config(isolated_config, {"corp": corp_profile("vc.example")}))
    async with app.run_test(size=(80, 24)) as pilot:
        body = json.dumps({"error_type": "INVALID_ARGUMENT", "messages": [{
            "id": "x", "default_message": "line one\nLF after\r\nCRLF after", "args": []}]})
        error = parse_error(400, "application/json", body.encode())
        app.main.pane.show_report("corp", error_report(error))
        await pilot.pause()
        raw = [s.text for s in screen_segments(app) if not s.control and "\n" in s.text
               and s.text != "\n"]
        assert raw == []
        rows = pane_text(app).split("\n")
        assert any(row.strip().startswith("LF after") for row in rows), rows
        assert any(row.strip().startswith("CRLF after") for row in rows), rows
