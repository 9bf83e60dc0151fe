"""The CLI on a real terminal (a pseudo-terminal it has as its controlling terminal): ctrl+c at
any of its prompts ends it at once with exit 130, and leaves the terminal echoing."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from hvctui.sim.fleet import add_link
from hvctui.sim.psc import INTERCEPTED, VERIFIED

from .conftest import PASSWORD, Sim


TAKE_THE_TERMINAL = """\
import fcntl, os, sys, termios
fcntl.ioctl(0, termios.TIOCSCTTY, 0)
os.execv(sys.executable, [sys.executable, "-m", "hvctui", *sys.argv[1:]])
"""


class Terminal:
    """`hvctui ARGS` in a new session whose controlling terminal is a pty held open here, so
    that the terminal's settings can still be read after the process has gone."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.master, self.slave = os.openpty()
        self.seen = b""
        # A new session takes the pty as its controlling terminal (TIOCSCTTY) before hvctui
        # starts: only then does ctrl+c become SIGINT, and getpass use /dev/tty.
        self.proc = subprocess.Popen([sys.executable, "-c", TAKE_THE_TERMINAL, *args],
                                     stdin=self.slave, stdout=self.slave, stderr=self.slave,
                                     env=env, start_new_session=True)

    def wait_for(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while text.encode() not in self.seen:
            left = deadline - time.monotonic()
            assert left > 0, f"{text!r} never shown; the terminal shows {self.seen[-2000:]!r}"
            ready, _, _ = select.select([self.master], [], [], min(left, 0.2))
            if ready:
                try:
                    self.seen += os.read(self.master, 65536)
                except OSError:  # the child is gone
                    pass
            assert self.proc.poll() is None, \
                f"ended before showing {text!r}: {self.seen[-2000:]!r}"

    def ctrl_c(self, timeout: float) -> tuple[int, float]:
        """Type ctrl+c; the exit code and how long the process took to end after it."""
        time.sleep(0.3)  # the prompt is written before the read starts: let the read begin
        os.write(self.master, b"\x03")
        begun = time.monotonic()
        while time.monotonic() - begun < timeout:
            try:  # keep the pty drained so that no write of the child can block
                if select.select([self.master], [], [], 0.05)[0]:
                    self.seen += os.read(self.master, 65536)
            except OSError:
                pass
            if self.proc.poll() is not None:
                return self.proc.returncode, time.monotonic() - begun
        self.proc.kill()
        self.proc.wait()
        raise AssertionError(f"still running {timeout} s after ctrl+c: {self.seen[-2000:]!r}")

    def echoes(self) -> bool:
        return bool(termios.tcgetattr(self.slave)[3] & termios.ECHO)

    def close(self) -> None:
        os.close(self.master)
        os.close(self.slave)


def environment(config: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("HVCTUI_") and k not in ("NO_COLOR",)}
    env.update(HVCTUI_CONFIG_DIR=str(config), TERM="xterm", **extra)
    return env


def write_config(folder: Path, sim: Sim, password_source: str = "prompt") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.toml"
    path.write_text(f'[profiles.lab]\nserver = "{sim.address}"\nuser = "cloudadmin@vmc.local"\n'
                    f'password_source = "{password_source}"\ntls = "pinned"\n'
                    f'pin_sha256 = "{sim.info.sha256}"\n')
    path.chmod(0o600)


def link_to(sim: Sim, key: str) -> list[str]:
    psc = sim.world.pscs[key]
    return ["link", "--server", sim.address, "--pin", sim.info.sha256, "--user",
            "cloudadmin@vmc.local", "--psc-hostname", psc.host, "--psc-port", str(psc.port),
            "--domain", "corp.local", "--psc-user", "administrator@corp.local"]


PASSWORDS = {"HVCTUI_PASSWORD": PASSWORD, "HVCTUI_PSC_PASSWORD": PASSWORD}


@pytest.mark.parametrize("prompt", ["password", "status password", "trust y/N", "type trust",
                                    "unlink", "profiles remove"])
def test_ctrl_c_at_any_prompt_exits_130_at_once_and_the_terminal_echoes_again(
        psc_sim: Sim, tmp_path: Path, prompt: str) -> None:
    config = tmp_path / "cfg"
    write_config(config, psc_sim)
    server = ["--server", psc_sim.address, "--pin", psc_sim.info.sha256,
              "--user", "cloudadmin@vmc.local"]
    args, env, shown = {
        "password": (["links", *server], environment(config), "Password for"),
        "status password": (["status"], environment(config), "Password for"),
        "trust y/N": (link_to(psc_sim, VERIFIED), environment(config, **PASSWORDS),
                      "[y/N]"),
        "type trust": (link_to(psc_sim, INTERCEPTED), environment(config, **PASSWORDS),
                       "Type trust"),
        "unlink": (["unlink", add_link(psc_sim.world), *server],
                   environment(config, **PASSWORDS), "Type the domain name"),
        "profiles remove": (["profiles", "remove", "lab"], environment(config),
                            "Remove profile lab"),
    }[prompt]
    terminal = Terminal(args, env)
    try:
        terminal.wait_for(shown)
        code, took = terminal.ctrl_c(timeout=10)
        assert code == 130, terminal.seen[-2000:]
        assert took < 2.5, f"{took:.1f} s after ctrl+c"
        assert terminal.echoes()
        assert b"Traceback" not in terminal.seen and b"unexpected failure" not in terminal.seen
    finally:
        terminal.close()
    assert psc_sim.world.stats.create_calls <= 1 and len(psc_sim.world.links) <= 1


def test_on_a_terminal_the_cli_wraps_under_its_text_and_thumbprints_at_byte_pairs() -> None:
    from hvctui.vapi import wrap_lines

    line = "Offered SHA-256 thumbprint of psc.corp.local: " + ":".join(["AB"] * 32)
    rows = wrap_lines(line, 80).split("\n")
    assert len(rows) == 2 and all(len(r) <= 80 for r in rows)
    assert rows[0].endswith(":") and rows[1].startswith("  AB")  # never inside a pair
    assert rows[0] + rows[1].strip() == line  # nothing lost, nothing added
    words = "Compare it with the PSC's own certificate (its administrator can read it on it)."
    assert all(len(r) <= 40 for r in wrap_lines(words, 40).split("\n"))
    assert " ".join(r.strip() for r in wrap_lines(words, 40).split("\n")) == words


def test_the_cli_wraps_only_what_a_terminal_shows(monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import os
    import shutil

    from hvctui.cli import Output

    class Screen(io.StringIO):
        def isatty(self) -> bool:
            return True

    line = "Trusting the offered PSC certificate " + ":".join(["CD"] * 32) + " and resubmitting."
    for stream, wrapped in ((Screen(), True), (io.StringIO(), False)):  # a pipe: whole lines
        monkeypatch.setattr(sys, "stdout", stream)
        monkeypatch.setattr(shutil, "get_terminal_size", lambda *a: os.terminal_size((60, 24)))
        Output(False).result(line)
        shown = stream.getvalue().rstrip("\n").split("\n")
        assert (len(shown) > 1) == wrapped and all(len(r) <= 60 for r in shown) == wrapped


def test_an_error_report_on_a_terminal_wraps_its_next_step_at_words(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """An error's lines (its message, its Next: step) were left to the terminal, which cut
    'resubmi' / 't with ssl_thumbprint'; on a pipe they stay whole."""
    import io
    import os
    import shutil

    from hvctui.cli import Output
    from hvctui.vapi import InputError

    class Screen(io.StringIO):
        def isatty(self) -> bool:
            return True

    error = InputError("the PSC thumbprint differs from the one the profile stores, so it is "
                       "not sent", hint="compare it with the PSC's own certificate, then "
                       "resubmit with ssl_thumbprint set to the thumbprint you confirmed")
    for stream, wrapped in ((Screen(), True), (io.StringIO(), False)):
        monkeypatch.setattr(sys, "stderr", stream)
        monkeypatch.setattr(shutil, "get_terminal_size", lambda *a: os.terminal_size((60, 24)))
        Output(False).failure(error)
        shown = stream.getvalue().rstrip("\n").split("\n")
        assert all(len(r) <= 60 for r in shown) == wrapped, shown
        words = " ".join(stream.getvalue().split())
        assert "resubmit with ssl_thumbprint" in words  # no word cut in two



def finish(terminal: Terminal, timeout: float = 30) -> int:
    """The exit code once the process ends, the pty drained meanwhile."""
    deadline = time.monotonic() + timeout
    while terminal.proc.poll() is None:
        assert time.monotonic() < deadline, f"still running: {terminal.seen[-2000:]!r}"
        try:
            if select.select([terminal.master], [], [], 0.05)[0]:
                terminal.seen += os.read(terminal.master, 65536)
        except OSError:
            pass
    return terminal.proc.returncode


@pytest.mark.parametrize("question", ["trust y/N", "type trust", "unlink", "profiles remove"])
def test_what_was_typed_before_a_question_was_shown_does_not_answer_it(
        psc_sim: Sim, tmp_path: Path, question: str) -> None:
    """A `y` (or the word the question wants) typed before the question is on the screen is
    dropped when it is shown: the Enter typed after it answers an empty line, the default no."""
    config = tmp_path / "cfg"
    write_config(config, psc_sim)
    server = ["--server", psc_sim.address, "--pin", psc_sim.info.sha256,
              "--user", "cloudadmin@vmc.local"]
    link = add_link(psc_sim.world) if question == "unlink" else ""
    args, ahead, shown, refused = {
        "trust y/N": (link_to(psc_sim, VERIFIED), "y", "[y/N]", 3),
        "type trust": (link_to(psc_sim, INTERCEPTED), "trust", "Type trust", 3),
        "unlink": (["unlink", link, *server], "corp.local", "Type the domain name", 2),
        "profiles remove": (["profiles", "remove", "lab"], "y", "Remove profile lab", 2),
    }[question]
    links_before = dict(psc_sim.world.links)
    terminal = Terminal(args, environment(config, **PASSWORDS))
    try:
        os.write(terminal.master, ahead.encode())  # typed at once, before any question
        terminal.wait_for(shown)
        time.sleep(0.3)  # the question is written before its read starts: let the read begin
        os.write(terminal.master, b"\r")
        code = finish(terminal)
    finally:
        terminal.close()
    assert code == refused, terminal.seen[-2000:]
    assert psc_sim.world.links == links_before  # nothing linked, nothing unlinked
    assert "[profiles.lab]" in (config / "config.toml").read_text()  # nothing removed


def test_an_incomplete_profile_is_reported_as_such_and_no_password_is_asked(
        tmp_path: Path) -> None:
    """status on a terminal, a profile with no server and no user: no "Password for  at :"
    question, the row says the profile is incomplete and names what it lacks."""
    import json

    config = tmp_path / "cfg"
    config.mkdir()
    (config / "config.toml").write_text('[profiles.half]\npsc_hostname = "psc.corp.local"\n'
                                        'password_source = "prompt"\n')
    (config / "config.toml").chmod(0o600)
    terminal = Terminal(["status", "--json"], environment(config))
    try:
        code = finish(terminal)
    finally:
        terminal.close()
    shown = terminal.seen.decode("utf-8", "replace")
    assert code == 1 and "Password for" not in shown, shown
    [row] = json.loads(shown[shown.index("{"):shown.rindex("}") + 1])["rows"]
    assert row["problem_kind"] == "incomplete"
    assert "server" in row["problem"] and "user" in row["problem"]
