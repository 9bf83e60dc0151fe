"""Whatever a server or proxy sends, parsing and rendering never raise and always say something."""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.text import Text

from hvctui.vapi.answers import coerce_param, parse_error
from hvctui.vapi.errors import NotVapiAnswer, ServerError
from hvctui.vapi.render import (Report, error_report, link_health, link_report, links_report,
                                render_message, render_param)
from hvctui.vapi.text import dumps
from hvctui.tui.widgets.response import report_text, styled

from .hostile import HOSTILE_SNIPPETS
from .text_support import FORBIDDEN as INVISIBLE
from .text_support import SAMPLES

#: What no row may hold: C0 but newline and tab, DEL, C1, format characters (bidi, zero-width,
#: tags), line and paragraph separators (text_support.py), lone surrogates.
FORBIDDEN = re.compile(f"{INVISIBLE.pattern}|[\ud800-\udfff]")
#: Rows drawn on one line: not even a newline or a tab.
ONE_LINE_KINDS = ("title", "id", "param", "link", "ok", "body")


def assert_report_is_text(report: Report) -> None:
    """Every row, the plain text and the styled text hold no control character (newline and
    tab only in multi-line rows); markup stays literal: what the plain text shows of a row, the
    styled row shows too; the JSON is strict and decodes."""
    for row in report.rows:
        line = row.plain()
        assert not FORBIDDEN.search(line), (row, line)
        if row.kind in ONE_LINE_KINDS:
            assert "\n" not in line and "\t" not in line, row
        drawn = styled(row).plain
        assert not FORBIDDEN.search(drawn), (row, drawn)
        for part in (row.text, row.name, row.value, row.detail):
            part = part.strip()
            if part and row.kind != "title":  # a title is drawn as its error type
                assert part in drawn, (row, part)
                # The plain text indents a server's own line breaks: each line is kept.
                assert all(piece.strip() in line for piece in part.split("\n")), (row, part)
    assert not FORBIDDEN.search(report.plain)
    text = report_text(report)
    assert isinstance(text, Text) and not FORBIDDEN.search(text.plain)
    assert text.plain.count("\n") == report.plain.count("\n")  # row for row, line for line
    assert not text.spans or all(not isinstance(s.style, str) or "@" not in s.style
                                 for s in text.spans)
    strict = dumps(report.payload)
    assert not re.search(r"[\x00-\x1f]", strict) and not INVISIBLE.search(strict)
    json.loads(strict, parse_constant=lambda c: (_ for _ in ()).throw(AssertionError(c)))

#: Text as a hostile server writes it: control characters (C0, DEL, C1), bidi controls,
#: terminal sequences and Rich/Textual markup, mixed with ordinary text.
HOSTILE_PIECES = st.sampled_from(list(HOSTILE_SNIPPETS) + [
    "\u202e", "\u2066", "\u2069", "\x00", "\r", "\t", "\n", "\x7f", "\x85", "\x9d",
    *SAMPLES.values(),
    "[link=https://x]x[/link]", "[", "]", "\\[b]", "{links}", "\ud800"])
hostile_text = st.lists(HOSTILE_PIECES | st.text(max_size=8)
                        | st.characters(max_codepoint=0x9f).map(str), max_size=6).map("".join)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | hostile_text,
    lambda children: st.lists(children, max_size=5)
    | st.dictionaries(hostile_text, children, max_size=5),
    max_leaves=40,
)

PARAM_KEYS = st.sampled_from(["s", "i", "d", "dt", "l", "format", "precision", "x"])
params = st.recursive(
    st.dictionaries(PARAM_KEYS, json_values, max_size=4),
    lambda inner: st.fixed_dictionaries(
        {"l": st.fixed_dictionaries({"id": hostile_text,
                                     "params": st.dictionaries(hostile_text, inner,
                                                               max_size=3)})}),
    max_leaves=30,
)
messages = st.fixed_dictionaries(
    {}, optional={"id": json_values, "default_message": json_values, "args": json_values,
                  "localized": json_values,
                  "params": st.dictionaries(hostile_text, params, max_size=4)})
bodies = st.fixed_dictionaries(
    {}, optional={"error_type": st.sampled_from(["ERROR", "UNVERIFIED_PEER", "NOPE"]) | json_values,
                  "messages": st.lists(messages | json_values, max_size=4) | json_values,
                  "data": json_values, "challenge": json_values})


def shown(error: ServerError | NotVapiAnswer) -> str:
    report = error_report(error)
    json.dumps(report.payload, allow_nan=False)  # strict JSON, whatever the server sent
    assert_report_is_text(report)
    text = report_text(report)
    assert isinstance(text, Text)
    assert report.plain.startswith("Error: ")
    return report.plain


@settings(max_examples=300, deadline=None)
@given(status=st.integers(100, 599), body=bodies)
def test_any_json_error_body_parses_and_renders(status: int, body: dict[str, Any]) -> None:
    raw = json.dumps(body, allow_nan=True).encode()
    error = parse_error(status, "application/json", raw)
    assert isinstance(error, (ServerError, NotVapiAnswer))
    assert shown(error)


@settings(max_examples=300, deadline=None)
@given(status=st.integers(100, 599), body=json_values)
def test_any_json_value_parses_and_renders(status: int, body: Any) -> None:
    error = parse_error(status, "application/json", json.dumps(body).encode())
    assert shown(error)


@settings(max_examples=300, deadline=None)
@given(status=st.integers(100, 599), body=st.binary(max_size=300),
       content_type=st.sampled_from(["application/json", "text/html", "", "text/plain"]))
def test_any_bytes_parse_and_render(status: int, body: bytes, content_type: str) -> None:
    error = parse_error(status, content_type, body)
    assert shown(error)


@settings(max_examples=300, deadline=None)
@given(param=params)
def test_arbitrarily_nested_params_render(param: dict[str, Any]) -> None:
    assert isinstance(render_param(coerce_param(param)), str)


@settings(max_examples=20, deadline=None)
@given(depth=st.sampled_from([10, 100, 300, 3000]))
def test_very_deep_nesting_renders(depth: int) -> None:
    deep = '{"l": {"id": "n", "params": {"p": ' * depth + '{"s": "x"}' + "}}}" * depth
    raw = ('{"error_type": "ERROR", "messages": [{"id": "a", "default_message": "b", '
           '"params": {"deep": ' + deep + "}}]}")
    error = parse_error(500, "application/json", raw.encode())
    text = shown(error)
    if isinstance(error, ServerError):
        assert render_message(error.messages[0]).params[0].value.endswith(")")
    else:
        assert "nested too deeply" in text  # too deep to decode: reported, not raised


@settings(max_examples=300, deadline=None)
@given(link=hostile_text, domain=hostile_text, thumbprint=st.none() | hostile_text)
def test_a_link_report_of_any_text_is_text(link: str, domain: str,
                                           thumbprint: str | None) -> None:
    assert_report_is_text(link_report(link, domain, thumbprint))


@settings(max_examples=200, deadline=None)
@given(links=st.lists(st.tuples(hostile_text, hostile_text, st.none() | messages), max_size=4),
       health=st.sampled_from(["HEALTHY", "UNHEALTHY", "\x1b[2J", "[/oops]"]))
def test_a_links_report_of_any_text_is_text(links: list[tuple[str, str, Any]],
                                            health: str) -> None:
    from hvctui.vapi.answers import coerce_message

    class Info:
        connection_health_status = health
        health_status_message = None

    rows = []
    for link, name, message in links:
        info = Info()
        if isinstance(message, dict):
            try:
                info.health_status_message = coerce_message(message)
            except Exception:  # noqa: BLE001 - the parser refuses it: no message then
                info.health_status_message = None
        rows.append(link_health(link, name, info))
    raw = [{"link": link, "display_name": name} for link, name, _ in links]
    assert_report_is_text(links_report(rows, raw))
