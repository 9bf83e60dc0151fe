"""Portability: what Python 3.11 added that hvctui uses, for Python 3.10.

Each name is the standard library's own on 3.11 and later; the 3.10 stand-in does the same
for the way hvctui uses it. Nothing here imports anything heavy: `tomllib` is loaded only when
first asked for, so a command given flags alone still reads no TOML parser.
"""

from __future__ import annotations

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


def __getattr__(name: str) -> Any:
    if name == "tomllib":
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # the same parser, published on PyPI (a dependency on 3.10 only)
            import tomli as tomllib
        return tomllib
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["StrEnum", "fromisoformat", "timeout", "tomllib"]
