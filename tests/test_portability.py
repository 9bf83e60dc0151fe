"""Python 3.10 to 3.13: hvctui/_compat.py and what uses it.

The 3.10 stand-ins are held to the standard library's behaviour on every Python this suite runs
on (CI runs this file on each supported Python it finds).
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from hvctui import _compat

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
