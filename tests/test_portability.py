"""Python 3.10 to 3.13 and platforms other than Linux: hvctui/_compat.py and what uses it.

The 3.10 stand-ins are held to the standard library's behaviour on every Python this suite runs
on (CI runs this file on each supported Python it finds); the POSIX fallbacks are exercised
here by taking the POSIX call away.
"""

from __future__ import annotations

import asyncio
import errno
import json
import os
import platform
import signal
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from hvctui import _compat
from hvctui.profiles import store as store_module
from hvctui.profiles.store import ConfigStore, Profile, read_regular_file

UTC = timezone.utc

RFC3339 = [
    ("2019-04-05T18:30:02.000Z", datetime(2019, 4, 5, 18, 30, 2, tzinfo=UTC)),
    ("2019-04-05T18:30:02Z", datetime(2019, 4, 5, 18, 30, 2, tzinfo=UTC)),
    ("2019-04-05t18:30:02Z", datetime(2019, 4, 5, 18, 30, 2, tzinfo=UTC)),
    ("2019-04-05T18:30:02z", None),  # 3.11 refuses a lower-case z; so must the stand-in
    ("2019-04-05 18:30:02.5+02:00",
     datetime(2019, 4, 5, 18, 30, 2, 500000, tzinfo=timezone(timedelta(hours=2)))),
    ("2019-04-05T18:30:02.123456789-05:30",
     datetime(2019, 4, 5, 18, 30, 2, 123456, tzinfo=timezone(-timedelta(hours=5, minutes=30)))),
    ("2019-04-05T18:30:02+0100", datetime(2019, 4, 5, 18, 30, 2,
                                          tzinfo=timezone(timedelta(hours=1)))),
    ("2019-04-05T18:30:02", datetime(2019, 4, 5, 18, 30, 2)),
    ("2019-04-05", datetime(2019, 4, 5)),
    ("yesterday", None),
    ("2019-13-05T18:30:02Z", None),
]


def parse_or_none(parse: Any, text: str) -> datetime | None:
    try:
        return parse(text)  # type: ignore[no-any-return]
    except ValueError:
        return None


@pytest.mark.parametrize("text,expected", RFC3339)
def test_rfc3339_dates_parse_the_same_on_every_python(text: str,
                                                      expected: datetime | None) -> None:
    assert parse_or_none(_compat.fromisoformat_310, text) == expected
    assert parse_or_none(_compat.fromisoformat, text) == expected
    if sys.version_info >= (3, 11):  # the stand-in agrees with the real thing
        assert parse_or_none(datetime.fromisoformat, text) == expected


def test_a_server_date_with_z_renders_in_the_named_format() -> None:
    from hvctui.vapi.models import LocalizationParam
    from hvctui.vapi.render import render_param

    param = LocalizationParam(dt="2019-04-05T18:30:02.000Z", format="LONG_DATE_TIME")
    assert render_param(param) == "2019 Apr 05 18:30:02 UTC"


@pytest.mark.parametrize("base", [_compat.StrEnum310, _compat.StrEnum])
def test_str_enum_members_are_their_values_everywhere(base: type) -> None:
    kind = base("Kind", {"NOT_FOUND": "NOT_FOUND", "OTHER": "other"})
    member = kind.NOT_FOUND
    assert str(member) == "NOT_FOUND" and f"{member}" == "NOT_FOUND"
    assert f"[{kind.OTHER:>7}]" == "[  other]"
    assert member == "NOT_FOUND" and kind("other") is kind.OTHER
    assert json.dumps({"t": member}) == '{"t": "NOT_FOUND"}'


def test_error_types_print_as_their_wire_names() -> None:
    from hvctui.vapi.errors import ErrorType

    assert str(ErrorType.UNVERIFIED_PEER) == f"{ErrorType.UNVERIFIED_PEER}" == "UNVERIFIED_PEER"


TIMEOUTS = [_compat.timeout_310, _compat.timeout]


@pytest.mark.parametrize("timeout", TIMEOUTS)
async def test_timeout_cuts_a_slow_block_with_the_builtin_timeout_error(timeout: Any) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(TimeoutError):
        async with timeout(0.05):
            await asyncio.sleep(5)
    assert loop.time() - started < 2


@pytest.mark.parametrize("timeout", TIMEOUTS)
async def test_timeout_leaves_a_fast_block_alone_and_fires_no_later(timeout: Any) -> None:
    async with timeout(0.05):
        await asyncio.sleep(0)
    await asyncio.sleep(0.15)  # a late cancel would land here
    async with timeout(None):
        await asyncio.sleep(0.01)


@pytest.mark.parametrize("timeout", TIMEOUTS)
async def test_a_cancel_from_outside_stays_a_cancel_inside_a_timeout(timeout: Any) -> None:
    async def work() -> None:
        async with timeout(10):
            await asyncio.sleep(5)

    task = asyncio.create_task(work())
    await asyncio.sleep(0.02)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


def test_tomllib_is_the_standard_one_or_tomli_on_3_10() -> None:
    toml = _compat.tomllib
    assert toml.__name__ == ("tomllib" if sys.version_info >= (3, 11) else "tomli")
    assert toml.loads('a = 1\n[t]\nb = "x"') == {"a": 1, "t": {"b": "x"}}
    with pytest.raises(toml.TOMLDecodeError):
        toml.loads("a = ")


def test_version_flag_names_the_installed_version_and_the_python() -> None:
    out = subprocess.run([sys.executable, "-m", "hvctui", "--version"], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == (f"hvctui {metadata.version('hvctui')} "
                                  f"(Python {platform.python_version()}, {platform.system()})")


@pytest.mark.parametrize("stdout", ["closed", "/dev/full"])
def test_version_with_no_stdout_or_a_full_one_is_no_traceback(stdout: str) -> None:
    code = "import os, sys, runpy\n" + (
        "os.close(1); sys.stdout = None\n" if stdout == "closed" else
        "fd = os.open('/dev/full', os.O_WRONLY); os.dup2(fd, 1)\n") + (
        "sys.argv = ['hvctui', '--version']; runpy.run_module('hvctui', run_name='__main__')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert (out.returncode, out.stderr) == (0, "")


# POSIX calls taken away, as on Windows.


def test_the_config_reads_and_saves_without_pread_fchmod_or_o_nofollow(
        isolated_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(os, "pread")
    monkeypatch.delattr(os, "fchmod")
    monkeypatch.setattr(store_module, "_NOFOLLOW", 0)  # the link is then looked at first
    monkeypatch.setattr(store_module, "_NONBLOCK", 0)
    store = ConfigStore(isolated_config / "config.toml")
    store.update(lambda c: c.profiles.__setitem__("corp", Profile(server="vc.example.com")))
    assert store.load().config.profiles["corp"].server == "vc.example.com"
    big = isolated_config / "big.log"
    big.write_bytes(b"x" * 1000 + b"tail")
    assert read_regular_file(big, 4, tail=True) == b"tail"


def test_file_modes_are_not_set_or_judged_where_they_mean_nothing(
        isolated_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = isolated_config / "config.toml"
    ConfigStore(path).update(lambda c: c.profiles.__setitem__("corp", Profile()))
    path.chmod(0o644)
    assert "can be read by other users" in ConfigStore(path).load().warning
    monkeypatch.setattr(store_module, "POSIX_MODES", False)
    monkeypatch.setattr(_compat, "POSIX_MODES", False)
    assert "can be read by other users" not in ConfigStore(path).load().warning

    def fchmod(fd: int, mode: int) -> None:
        raise AssertionError("a file mode was set where modes mean nothing")

    monkeypatch.setattr(os, "fchmod", fchmod)
    ConfigStore(path).update(lambda c: c.profiles.__setitem__("ops", Profile()))
    assert set(ConfigStore(path).load().config.profiles) == {"corp", "ops"}


class FakeMsvcrt:
    """msvcrt's locking(), recording what the Windows lock asks of it."""

    LK_LOCK, LK_UNLCK = 1, 0

    def __init__(self) -> None:
        self.calls: list[tuple[int, int, int]] = []
        self.busy = 2  # LK_LOCK gives up (OSError) twice, as when another process holds it

    def locking(self, fd: int, mode: int, nbytes: int) -> None:
        self.calls.append((mode, nbytes, os.lseek(fd, 0, os.SEEK_CUR)))
        if mode == self.LK_LOCK and self.busy:
            self.busy -= 1
            raise OSError(errno.EDEADLOCK, "Resource deadlock avoided")


def test_saves_lock_with_msvcrt_where_there_is_no_fcntl(
        isolated_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeMsvcrt()
    monkeypatch.setitem(sys.modules, "fcntl", None)  # import fcntl fails, as on Windows
    monkeypatch.setitem(sys.modules, "msvcrt", fake)
    locks = _compat._file_locks()
    assert isinstance(locks, _compat._WindowsLocks)
    monkeypatch.setattr(store_module, "fcntl", locks)
    store = ConfigStore(isolated_config / "config.toml")
    store.update(lambda c: c.profiles.__setitem__("corp", Profile(server="vc.example.com")))
    assert store.load().config.profiles["corp"].server == "vc.example.com"
    # Byte 0 locked (after two refusals: it waits, as flock does), then unlocked.
    assert fake.calls == [(1, 1, 0), (1, 1, 0), (1, 1, 0), (0, 1, 0)]


def test_the_windows_lock_does_not_wait_forever_on_an_error_that_will_not_pass(
        tmp_path: Path) -> None:
    fake = FakeMsvcrt()

    def broken(fd: int, mode: int, nbytes: int) -> None:
        raise OSError(errno.EBADF, "Bad file descriptor")

    fake.locking = broken  # type: ignore[method-assign]
    fd = os.open(tmp_path / "x.lock", os.O_RDWR | os.O_CREAT)
    try:
        with pytest.raises(OSError) as raised:
            _compat._WindowsLocks(fake).flock(fd, _compat._WindowsLocks.LOCK_EX)
        assert raised.value.errno == errno.EBADF
    finally:
        os.close(fd)


def test_the_demo_cleans_up_on_the_signals_this_platform_has(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hvctui.demo import _remove_on_signals

    monkeypatch.delattr(signal, "SIGHUP")  # Windows has SIGTERM but no SIGHUP
    before = signal.getsignal(signal.SIGTERM)
    previous = _remove_on_signals(tmp_path)
    try:
        assert list(previous) == [signal.SIGTERM]
        assert signal.getsignal(signal.SIGTERM) is not before
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def test_typed_ahead_input_is_dropped_by_termios_or_the_windows_console_or_left(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """discard_typed_ahead, the one function every CLI question calls as it is shown: on a
    terminal, termios.tcflush(TCIFLUSH); without termios (Windows), the console's queued keys
    are read away; a stream that is no terminal is not touched."""
    import io
    import types

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

        def fileno(self) -> int:
            return 7

    flushed: list[tuple[int, int]] = []
    fake_termios = types.SimpleNamespace(TCIFLUSH=0, error=OSError,
                                         tcflush=lambda fd, how: flushed.append((fd, how)))
    monkeypatch.setitem(sys.modules, "termios", fake_termios)
    _compat.discard_typed_ahead(Tty())
    assert flushed == [(7, 0)]
    _compat.discard_typed_ahead(io.StringIO("y\n"))  # a pipe or a file: its answer stands
    assert flushed == [(7, 0)]

    queued = list("yes")
    console = types.SimpleNamespace(kbhit=lambda: bool(queued), getwch=lambda: queued.pop(0))
    monkeypatch.setitem(sys.modules, "termios", None)  # import termios: ImportError
    monkeypatch.setitem(sys.modules, "msvcrt", console)
    _compat.discard_typed_ahead(Tty())
    assert queued == [] and flushed == [(7, 0)]
