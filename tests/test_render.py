"""Rendering of messages and parameters, by kind and by format."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from hvctui.vapi.answers import coerce_message, coerce_param
from hvctui.vapi.models import LocalizableMessage, LocalizationParam
from hvctui.vapi.render import (
    DATE_TIME_FORMATS,
    MAX_NESTING,
    fill_placeholders,
    format_date_time,
    render_message,
    render_param,
)

WHEN = "2019-04-05T18:30:02.000Z"

EXPECTED = {
    "SHORT_DATE": "2019-04-05",
    "MED_DATE": "2019 Apr 05",
    "LONG_DATE": "2019 Apr 05",
    "FULL_DATE": "2019 Apr 05, Fri",
    "SHORT_TIME": "18:30",
    "MED_TIME": "18:30:02",
    "LONG_TIME": "18:30:02 UTC",
    "FULL_TIME": "18:30:02 UTC",
    "SHORT_DATE_TIME": "2019-04-05 18:30",
    "MED_DATE_TIME": "2019 Apr 05 18:30:02",
    "LONG_DATE_TIME": "2019 Apr 05 18:30:02 UTC",
    "FULL_DATE_TIME": "2019 Apr 05, Fri 18:30:02 UTC",
}


def test_every_date_time_format_is_covered() -> None:
    assert set(EXPECTED) == set(DATE_TIME_FORMATS)


@pytest.mark.parametrize("fmt,expected", sorted(EXPECTED.items()))
def test_date_time_renders_in_each_named_format(fmt: str, expected: str) -> None:
    assert render_param(LocalizationParam(dt=WHEN, format=fmt)) == expected


def test_date_time_defaults_to_short_date_time_in_utc() -> None:
    assert render_param(LocalizationParam(dt=WHEN)) == "2019-04-05 18:30"


def test_date_time_in_a_chosen_zone() -> None:
    param = LocalizationParam(dt=WHEN, format="LONG_DATE_TIME")
    assert render_param(param, ZoneInfo("Europe/Berlin")) == "2019 Apr 05 20:30:02 CEST"
    assert render_param(param, ZoneInfo("America/New_York")) == "2019 Apr 05 14:30:02 EDT"


def test_unknown_format_falls_back_to_the_default() -> None:
    assert render_param(LocalizationParam(dt=WHEN, format="NOPE")) == "2019-04-05 18:30"


def test_unparseable_date_time_is_shown_as_sent() -> None:
    assert render_param(LocalizationParam(dt="yesterday")) == "yesterday"


def test_string_and_integer_render_as_is() -> None:
    assert render_param(LocalizationParam(s="psc.corp.local")) == "psc.corp.local"
    assert render_param(LocalizationParam(i=-9007199254740993)) == "-9007199254740993"


@pytest.mark.parametrize("value,precision,expected", [
    (3.14159, None, "3.14"), (3.14159, 0, "3"), (3.14159, 4, "3.1416"), (2.5, 1, "2.5"),
    (1e21, 2, "1000000000000000000000.00"),
])
def test_double_renders_with_its_precision(value: float, precision: int | None,
                                           expected: str) -> None:
    assert render_param(LocalizationParam(d=value, precision=precision)) == expected


def test_nested_message_resolves_recursively() -> None:
    param = coerce_param({"l": {"id": "vm.power", "params": {
        "state": {"s": "ON"}, "since": {"dt": WHEN, "format": "SHORT_DATE"},
        "inner": {"l": {"id": "bool.true"}}}}})
    assert render_param(param) == "vm.power(state=ON, since=2019-04-05, inner=bool.true)"


def test_nesting_is_bounded() -> None:
    raw: dict = {"s": "bottom"}
    for level in range(50):
        raw = {"l": {"id": f"level{level}", "params": {"x": raw}}}
    text = render_param(coerce_param(raw))
    assert text.count("(") == MAX_NESTING
    assert text.endswith("…" + ")" * MAX_NESTING)


def test_placeholders_are_filled_and_unknown_ones_left_in_place() -> None:
    assert fill_placeholders("{a} and {a}, {b}", {"a": "1"}) == "1 and 1, {b}"


def test_message_text_is_localized_with_rendered_params() -> None:
    message = coerce_message({
        "id": "x.y", "default_message": "At {when}", "localized": "Um {when}", "args": [],
        "params": {"when": {"dt": WHEN, "format": "MED_TIME"}, "n": {"i": 3}}})
    rendered = render_message(message)
    assert rendered.text == "Um 18:30:02 UTC"  # the zone is named in a message
    assert rendered.localized
    assert rendered.params_rendered == {"when": "18:30:02 UTC", "n": "3"}
    assert [p.kind for p in rendered.params] == ["dt", "i"]


def test_message_without_params_shows_default_message() -> None:
    rendered = render_message(LocalizableMessage(id="a", default_message="Plain."))
    assert rendered.text == "Plain." and rendered.params == [] and not rendered.localized


def test_a_param_with_no_value_says_so() -> None:
    assert render_param(LocalizationParam()) == "(no value)"


def test_rendering_does_not_depend_on_the_machines_clock_or_zone(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Dates render in UTC (or the zone the user chose), never in the host's local zone."""
    import time

    param = LocalizationParam(dt="1999-12-31T23:59:59Z", format="LONG_DATE_TIME")
    try:
        for zone in ("Asia/Tokyo", "America/New_York"):
            monkeypatch.setenv("TZ", zone)
            time.tzset()
            assert render_param(param) == "1999 Dec 31 23:59:59 UTC"
    finally:
        monkeypatch.undo()
        time.tzset()


def test_a_servers_line_breaks_cannot_forge_a_line_of_ours() -> None:
    from hvctui.vapi.errors import ErrorType, ServerError
    from hvctui.vapi.render import error_report

    message = LocalizableMessage(id="x", default_message="cannot link\nError: ALREADY_EXISTS\nNext: run rm")
    plain = error_report(ServerError(500, ErrorType.ERROR, [message])).plain
    lines = plain.splitlines()
    assert not any(line.startswith(("Error: ALREADY", "Next: run")) for line in lines)
    assert "  | Error: ALREADY_EXISTS" in plain


@pytest.mark.parametrize("language,fmt,expected", [
    ("de-DE", "LONG_DATE_TIME", "Letzter Versuch 05. April 2019 18:30:02 UTC."),
    ("de", "SHORT_DATE_TIME", "Letzter Versuch 05.04.2019 18:30 UTC."),  # the zone said
    ("fr-FR,fr;q=0.9", "FULL_DATE", "Letzter Versuch vendredi 05 avril 2019."),
    ("de-DE", "MED_TIME", "Letzter Versuch 18:30:02 UTC."),  # times read alike
    ("ja-JP", "LONG_DATE_TIME", "Letzter Versuch 2019 Apr 05 18:30:02 UTC."),  # not known
])
def test_dates_inside_a_localized_text_follow_its_language(language: str, fmt: str,
                                                           expected: str) -> None:
    message = coerce_message({"id": "x", "default_message": "Last attempt {at}.", "args": [],
                              "localized": "Letzter Versuch {at}.",
                              "params": {"at": {"dt": WHEN, "format": fmt}}})
    shown = render_message(message, language=language)
    assert shown.text == expected
    assert shown.params_rendered["at"] == format_date_time(
        datetime(2019, 4, 5, 18, 30, 2, tzinfo=timezone.utc), fmt, say_zone=True)  # the list: VMware's


def test_a_text_that_is_not_localized_keeps_vmwares_date_patterns() -> None:
    message = coerce_message({"id": "x", "default_message": "Last attempt {at}.", "args": [],
                              "params": {"at": {"dt": WHEN, "format": "LONG_DATE_TIME"}}})
    assert render_message(message, language="de-DE").text == \
        "Last attempt 2019 Apr 05 18:30:02 UTC."
