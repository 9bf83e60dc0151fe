"""Whatever a server or proxy sends, parsing and rendering never raise and always say something."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.text import Text

from hvctui.vapi.answers import coerce_param, parse_error
from hvctui.vapi.errors import NotVapiAnswer, ServerError
from hvctui.vapi.render import error_report, render_message, render_param
from hvctui.tui.widgets.response import report_text

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
    lambda children: st.lists(children, max_size=5)
    | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=40,
)

PARAM_KEYS = st.sampled_from(["s", "i", "d", "dt", "l", "format", "precision", "x"])
params = st.recursive(
    st.dictionaries(PARAM_KEYS, json_values, max_size=4),
    lambda inner: st.fixed_dictionaries(
        {"l": st.fixed_dictionaries({"id": st.text(max_size=8),
                                     "params": st.dictionaries(st.text(max_size=5), inner,
                                                               max_size=3)})}),
    max_leaves=30,
)
messages = st.fixed_dictionaries(
    {}, optional={"id": json_values, "default_message": json_values, "args": json_values,
                  "localized": json_values,
                  "params": st.dictionaries(st.text(max_size=6), params, max_size=4)})
bodies = st.fixed_dictionaries(
    {}, optional={"error_type": st.sampled_from(["ERROR", "UNVERIFIED_PEER", "NOPE"]) | json_values,
                  "messages": st.lists(messages | json_values, max_size=4) | json_values,
                  "data": json_values, "challenge": json_values})


def shown(error: ServerError | NotVapiAnswer) -> str:
    report = error_report(error)
    json.dumps(report.payload, allow_nan=False)  # strict JSON, whatever the server sent
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
