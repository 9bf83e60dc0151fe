"""Portability: what Python 3.11 added that hvctui uses, and POSIX calls with their fallback.

Each Python name is the standard library's own on 3.11 and later; the 3.10 stand-in does the
same for the way hvctui uses it. The POSIX calls (`flock`, `fchmod`) have a fallback on Windows,
where they are missing. Nothing here imports anything heavy: `tomllib` and `fcntl` are loaded
only when first asked for, so a command given flags alone still reads no TOML parser.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from enum import Enum
from typing import Any

# The stand-ins are defined on every Python, so that the tests hold them to the standard
# library's behaviour wherever they run; only 3.10 uses them.

_FRACTION = re.compile(r"(?<=\d\d:\d\d:\d\d)[.,](\d+)")
_OFFSET = re.compile(r"(?<=\d)([+-])(\d\d):?(\d\d)?$")


def fromisoformat_310(text: str) -> datetime:
    """datetime.fromisoformat as 3.11 reads RFC 3339: a `Z` offset, any number of fraction
    digits, an offset without its colon (3.10 takes only isoformat()'s own output)."""
    if text.endswith("Z"):  # 3.11 takes an upper-case Z only
        text = text[:-1] + "+00:00"
    text = _FRACTION.sub(lambda m: "." + (m.group(1) + "000000")[:6], text, count=1)
    if len(text) > 10:  # a date alone ends in -DD, which is not an offset
        text = _OFFSET.sub(lambda m: f"{m.group(1)}{m.group(2)}:{m.group(3) or '00'}", text)
    return datetime.fromisoformat(text)


class StrEnum310(str, Enum):
    """enum.StrEnum: members are their values, also in str() and f-strings."""

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)


@asynccontextmanager
async def timeout_310(delay: float | None) -> AsyncIterator[None]:
    """asyncio.timeout: the block is cancelled after `delay` seconds, and the builtin
    TimeoutError (as 3.11 raises) replaces that cancellation. A cancellation from outside
    (ctrl+c, escape) stays a CancelledError."""
    import asyncio

    task = asyncio.current_task()
    if task is None:
        raise RuntimeError("timeout() should be used inside a task")
    expired = False

    def expire() -> None:
        nonlocal expired
        expired = True
        task.cancel()

    handle = None if delay is None else asyncio.get_running_loop().call_later(
        max(delay, 0), expire)
    try:
        yield
    except asyncio.CancelledError:
        if expired:
            raise TimeoutError from None
        raise
    finally:
        if handle is not None:
            handle.cancel()


if sys.version_info >= (3, 11):
    from asyncio import timeout
    from enum import StrEnum

    fromisoformat = datetime.fromisoformat
else:
    StrEnum = StrEnum310
    fromisoformat = fromisoformat_310
    timeout = timeout_310


#: Whether file modes mean anything here: on Windows os.chmod only sets the read-only flag and
#: every file reads as 0o666, while the user's profile folder keeps others out by its ACL.
POSIX_MODES: bool = os.name == "posix"


def fchmod(fd: int, mode: int) -> None:
    """os.fchmod where file modes mean something; nothing on Windows (before 3.13 there is no
    os.fchmod, and a mode would only set the read-only flag)."""
    if POSIX_MODES and hasattr(os, "fchmod"):
        os.fchmod(fd, mode)


class _WindowsLocks:
    """The part of fcntl that hvctui uses (an exclusive lock on a whole lock file), on
    msvcrt: a lock on the file's first byte, which every hvctui process takes the same way."""

    LOCK_EX = 2
    LOCK_NB = 4
    LOCK_UN = 8

    def __init__(self, msvcrt: Any) -> None:
        self._msvcrt = msvcrt

    def flock(self, fd: int, operation: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        if operation == self.LOCK_UN:
            self._msvcrt.locking(fd, self._msvcrt.LK_UNLCK, 1)
            return
        import errno

        if operation & self.LOCK_NB:  # one try; "held by another process" as flock says it
            try:
                self._msvcrt.locking(fd, self._msvcrt.LK_LOCK, 1)
            except OSError as exc:
                if exc.errno in (errno.EDEADLOCK, errno.EACCES):
                    raise BlockingIOError(exc.errno, exc.strerror) from None
                raise
            return
        while True:  # LK_LOCK gives up after 10 s; flock waits for as long as it takes
            try:
                self._msvcrt.locking(fd, self._msvcrt.LK_LOCK, 1)
                return
            except OSError as exc:
                if exc.errno not in (errno.EDEADLOCK, errno.EACCES):
                    raise  # not "held by another process": waiting would not end


def discard_typed_ahead(stream: Any) -> None:
    """Drop whatever was typed on the terminal `stream` reads and not read yet: called as a
    question is shown, so that a key pressed before it (a `y` typed early, a paste, a key
    held down) cannot answer it. termios.tcflush on POSIX (the pending line included); the
    console's queued keys on Windows, where there is no termios; nothing when `stream` is no
    terminal (a pipe or a file is an answer given on purpose, read as it comes)."""
    try:
        if not stream.isatty():
            return
        fd = stream.fileno()
    except (AttributeError, ValueError, OSError):
        return  # no descriptor: nothing typed can be pending on it
    try:
        import termios
    except ImportError:  # Windows
        try:
            import msvcrt
        except ImportError:
            return
        for _ in range(65536):  # bounded: a key held down cannot keep this loop going
            if not msvcrt.kbhit():
                break
            msvcrt.getwch()
        return
    try:
        termios.tcflush(fd, termios.TCIFLUSH)
    except (termios.error, OSError):
        pass  # the terminal went away: the read that follows says so


def _file_locks() -> Any:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        return _WindowsLocks(msvcrt)
    return fcntl


def __getattr__(name: str) -> Any:
    if name == "tomllib":
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # the same parser, published on PyPI (a dependency on 3.10 only)
            import tomli as tomllib
        return tomllib
    if name == "fcntl":
        return _file_locks()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["POSIX_MODES", "StrEnum", "discard_typed_ahead", "fchmod", "fcntl", "fromisoformat",
           "timeout", "tomllib"]
