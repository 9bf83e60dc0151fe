"""The report contract of vapi/render.py, key by key: what `--json` prints, what the CLI and the
pane show, for every kind of failure and for links.

Pure reports, no simulator. Each test pins a documented value (README: "`--json` prints one
strict JSON object: on failure {"ok": false, "http_status", "error_type", "messages", "data",
"hint"} ...", "Very long stacks are cut with "N more" (the JSON keeps them all)", dates "in
their named format and one zone"), so that renaming a key, dropping a count or losing the zone
turns a test red. Mutation testing found these unread (docs/mutation.md).
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hvctui.vapi.answers import coerce_message, coerce_param, parse_error
from hvctui.vapi.errors import (
    Cancelled,
    ErrorType,
    InputError,
    NetworkError,
    NotVapiAnswer,
    ServerError,
    TlsError,
)
from hvctui.vapi.models import LinkInfo, LocalizableMessage, LocalizationParam
from hvctui.vapi.psccheck import PscCheck, Verdict
from hvctui.vapi.render import (
    CLI_ACTIONS,
    MAX_INDENT,
    MAX_MESSAGES_SHOWN,
    MAX_PARAMS_SHOWN,
    MAX_TEXT,
    LinkHealth,
    Row,
    error_json,
    error_report,
    format_date_time,
    link_health,
    link_report,
    links_report,
    render_double,
    render_message,
    render_nested,
    render_param,
)

#: The keys of every `--json` failure object (README, "The CLI").
FAILURE_KEYS = {"ok", "http_status", "error_type", "messages", "data", "hint"}
#: The TUI's words for its actions (screens/main.py `actions()` with the default keys).
TUI_ACTIONS = {"links": "f2: Links", "trust": "f5 again, then t in the dialog", "link": "f5",
               "thumbprint": "the form's PSC thumbprint field"}
BERLIN = ZoneInfo("Europe/Berlin")
WHEN = "2019-04-05T18:30:02.000Z"  # 20:30:02 CEST
SHA = ":".join(["AB"] * 32)


def strict(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload survives strict JSON (no NaN, no Infinity) unchanged."""
    assert json.loads(json.dumps(payload, allow_nan=False)) == payload
    return payload


def kinds(rows: tuple[Row, ...]) -> list[str]:
    return [row.kind for row in rows]


# --- local failures: no server's vAPI error ---------------------------------------------------

TLS_KINDS = ["untrusted", "expired", "hostname", "pin_mismatch", "handshake"]


@pytest.mark.parametrize("kind", TLS_KINDS)
def test_a_tls_failure_is_tls_kind_in_json_with_the_certificate_in_data(kind: str) -> None:
    error = TlsError(kind, "vc:443 presented a certificate nobody vouches for. Nothing was sent.",
                     "Pin it: --pin SHA256.", data={"sha256": SHA})
    payload = strict(error_json(error))
    assert payload == {
        "ok": False, "http_status": None, "error_type": f"TLS_{kind.upper()}",
        "messages": [{"text": error.message, "params_rendered": {}}],
        "data": {"tls": kind, "sha256": SHA}, "hint": "Pin it: --pin SHA256.",
    }


def test_a_tls_failure_without_certificate_data_still_names_its_kind() -> None:
    assert error_json(TlsError("handshake", "no TLS here"))["data"] == {"tls": "handshake"}


def test_a_network_failure_is_network_with_no_status_and_empty_data() -> None:
    error = NetworkError("Cannot connect", "vc:443: connection refused",
                         "Check that port 443 is open from this host.")
    assert strict(error_json(error)) == {
        "ok": False, "http_status": None, "error_type": "NETWORK",
        "messages": [{"text": "vc:443: connection refused", "params_rendered": {}}],
        "data": {}, "hint": "Check that port 443 is open from this host.",
    }


def test_a_proxy_page_is_not_vapi_answer_with_its_status_content_type_and_excerpt() -> None:
    error = parse_error(502, "text/html", b"<html><title>502 Bad Gateway</title></html>")
    assert isinstance(error, NotVapiAnswer)
    payload = strict(error_json(error))
    assert set(payload) == FAILURE_KEYS
    assert payload["ok"] is False
    assert payload["http_status"] == 502
    assert payload["error_type"] == "NOT_VAPI_ANSWER"
    assert payload["data"] == {"content_type": "text/html", "excerpt": error.excerpt}
    assert "502 Bad Gateway" in payload["data"]["excerpt"]
    assert payload["messages"] == [{"text": error.message, "params_rendered": {}}]
    assert payload["messages"][0]["text"].startswith("HTTP 502 with text/html: ")
    assert payload["hint"].startswith("Something between you and vCenter")


def test_a_proxy_page_report_shows_the_body_excerpt_on_one_line() -> None:
    report = error_report(NotVapiAnswer(502, "", "<h1>Bad\nGateway</h1>", "not JSON"))
    assert kinds(report.rows) == ["title", "message", "body", "next"]
    lines = report.plain.splitlines()
    assert lines[0] == "Error: Not a vCenter answer"
    assert lines[1] == "  HTTP 502 with no content type: not JSON"
    assert lines[2] == "  body: <h1>Bad\\x0aGateway</h1>"  # one line: the newline shown
    assert lines[3].startswith("Next: Something between you and vCenter")


def test_bad_input_is_invalid_input_with_no_status() -> None:
    payload = strict(error_json(InputError("'x' is not a port number", field="psc_port",
                                           hint="Give a port from 1 to 65535.")))
    assert payload == {
        "ok": False, "http_status": None, "error_type": "INVALID_INPUT",
        "messages": [{"text": "'x' is not a port number", "params_rendered": {}}],
        "data": {}, "hint": "Give a port from 1 to 65535.",
    }


def test_a_cancel_before_anything_was_created_says_so_and_has_no_hint() -> None:
    payload = strict(error_json(Cancelled()))
    assert payload == {
        "ok": False, "http_status": None, "error_type": "CANCELLED",
        "messages": [{"text": "The call was cancelled before anything was created.",
                      "params_rendered": {}}],
        "data": {}, "hint": "",
    }
    report = error_report(Cancelled())
    assert kinds(report.rows) == ["title", "message"]  # no "Next:" line without a hint
    assert report.plain == ("Error: Cancelled\n"
                            "  The call was cancelled before anything was created.")


def test_a_cancel_after_the_create_says_list_the_links_in_each_faces_words() -> None:
    cli = error_json(Cancelled(after_create=True))
    assert cli["error_type"] == "CANCELLED"
    assert "the link may exist" in cli["messages"][0]["text"]
    assert cli["hint"] == ("List the links (hvctui links) before linking again: they show "
                           "whether it was made.")
    tui = error_json(Cancelled(after_create=True), actions=TUI_ACTIONS)
    assert tui["hint"] == ("List the links (f2: Links) before linking again: they show "
                           "whether it was made.")
    assert error_report(Cancelled(after_create=True), actions=TUI_ACTIONS).plain.endswith(
        "\nNext: List the links (f2: Links) before linking again: they show whether it was "
        "made.")


def test_a_local_failure_without_a_message_has_no_messages() -> None:
    error = NetworkError("Cannot connect")
    payload = error_json(error)
    assert payload["messages"] == []
    assert error_report(error).plain == "Error: Cannot connect"


@pytest.mark.parametrize("error", [
    TlsError("expired", "the certificate expired", "Renew it."),
    NetworkError("Timed out", "vc:443 did not answer in time", "Try again."),
    InputError("no server given", hint="Give --server."),
], ids=["tls", "network", "input"])
def test_a_local_failure_report_is_title_message_next_and_carries_its_json(
        error: Any) -> None:
    report = error_report(error)
    assert report.ok is False
    assert kinds(report.rows) == ["title", "message", "next"]
    title = report.rows[0]
    assert (title.text, title.name) == (error.title, error.title)
    assert report.plain == f"Error: {error.title}\n  {error.message}\nNext: {error.hint}"
    assert report.payload == error_json(error)


def test_a_local_failures_text_is_made_printable() -> None:
    error = NetworkError("Cannot\x1b[2J connect", "refused\x07", "Check\x1b]52;c;eA==\x07 it")
    plain = error_report(error).plain
    assert "\x1b" not in plain and "\x07" not in plain
    assert plain.splitlines() == ["Error: Cannot\\x1b[2J connect", "  refused\\x07",
                                  "Next: Check\\x1b]52;c;eA==\\x07 it"]


# --- a server's vAPI error ----------------------------------------------------------------------

def server_error(error_type: ErrorType = ErrorType.INVALID_ARGUMENT, status: int = 400,
                 messages: list[dict[str, Any]] | None = None, data: Any = None,
                 language: str = "", operation: str = "") -> ServerError:
    if messages is None:
        messages = [{"id": "com.vmware.vcenter.hvc.links.invalid_port", "args": [],
                     "default_message": "Port {port} is not the PSC's port.",
                     "params": {"port": {"s": "444"}}}]
    error = ServerError(status, error_type, [coerce_message(m) for m in messages], data,
                        operation=operation)
    error.language = language
    return error


def test_a_server_error_json_has_exactly_the_documented_keys() -> None:
    payload = strict(error_json(server_error(data={"field": "port"})))
    assert set(payload) == FAILURE_KEYS
    assert payload["ok"] is False
    assert payload["http_status"] == 400
    assert payload["error_type"] == "INVALID_ARGUMENT"
    assert payload["data"] == {"field": "port"}
    assert payload["hint"] == "Correct the value the message names and link again."
    assert payload["messages"] == [{
        "id": "com.vmware.vcenter.hvc.links.invalid_port", "args": [],
        "default_message": "Port {port} is not the PSC's port.",
        "params": {"port": {"s": "444"}},
        "text": "Port 444 is not the PSC's port.", "params_rendered": {"port": "444"},
    }]


def test_a_server_error_without_data_has_an_empty_data_object() -> None:
    assert error_json(server_error(data=None))["data"] == {}
    assert "data" not in kinds(error_report(server_error(data=None)).rows)


def test_a_server_errors_data_is_shown_as_sorted_json_on_its_row() -> None:
    report = error_report(server_error(data={"b": 1, "a": "x"}))
    data = [row for row in report.rows if row.kind == "data"]
    assert [row.text for row in data] == ['{"a": "x", "b": 1}']
    assert '\n  data: {"a": "x", "b": 1}\n' in report.plain


def test_a_server_error_report_has_title_messages_ids_params_and_next_step() -> None:
    report = error_report(server_error(operation="POST /api/hvc/links"))
    assert report.ok is False
    title = report.rows[0]
    assert (title.kind, title.text, title.name, title.value, title.detail) == (
        "title", "INVALID_ARGUMENT (HTTP 400)", "INVALID_ARGUMENT", "HTTP 400",
        "POST /api/hvc/links")
    assert report.plain.splitlines() == [
        "Error: INVALID_ARGUMENT (HTTP 400)",
        "  Port 444 is not the PSC's port.",
        "    id: com.vmware.vcenter.hvc.links.invalid_port",
        "    port (s) = 444",
        "Next: Correct the value the message names and link again.",
    ]
    assert report.payload == error_json(server_error(operation="POST /api/hvc/links"))


def test_a_server_error_with_no_message_says_so() -> None:
    report = error_report(server_error(messages=[]))
    assert report.rows[1] == Row("text", "The server sent no message.")
    assert error_json(server_error(messages=[]))["messages"] == []


def test_a_message_with_no_text_and_no_id_is_named_as_such() -> None:
    report = error_report(server_error(messages=[{"id": "", "default_message": ""}]))
    assert "\n  (no text)\n    id: (none)\n" in report.plain


def test_the_cause_chain_is_indented_by_depth_up_to_a_bound() -> None:
    messages = [{"id": f"m{n}", "default_message": f"level {n}",
                 "params": {"n": {"i": n}}} for n in range(MAX_INDENT + 3)]
    report = error_report(server_error(ErrorType.ERROR, 500, messages))
    lines = report.plain.splitlines()
    assert lines[1:4] == ["  level 0", "    id: m0", "    n (i) = 0"]
    assert lines[4:7] == ["  caused by: level 1", "      id: m1", "      n (i) = 1"]
    deepest = "  " * (MAX_INDENT + 1)
    assert f"{deepest}  id: m{MAX_INDENT}" in lines
    assert f"{deepest}  id: m{MAX_INDENT + 2}" in lines  # no deeper than MAX_INDENT
    assert [row.depth for row in report.rows if row.kind == "message"] == list(
        range(MAX_INDENT + 3))


def test_a_localized_message_is_marked_as_such() -> None:
    message = {"id": "x.y", "default_message": "Port wrong.", "localized": "Port falsch."}
    report = error_report(server_error(messages=[message], language="de-DE"))
    assert "\n  Port falsch.\n    id: x.y (localized)\n" in report.plain
    ids = [row for row in report.rows if row.kind == "id"]
    assert ids[0].detail == "localized"
    payload = error_json(server_error(messages=[message], language="de-DE"))
    assert payload["messages"][0]["text"] == "Port falsch."
    assert payload["messages"][0]["localized"] == "Port falsch."
    assert payload["messages"][0]["default_message"] == "Port wrong."


def test_a_param_row_carries_its_kind_and_its_format_or_precision() -> None:
    message = {"id": "x", "default_message": "t", "params": {
        "at": {"dt": WHEN, "format": "MED_TIME"}, "ratio": {"d": 0.125, "precision": 1},
        "n": {"i": 7}}}
    rows = [row for row in error_report(server_error(messages=[message])).rows
            if row.kind == "param"]
    assert [(r.name, r.param_kind, r.value, r.detail) for r in rows] == [
        ("at", "dt", "18:30:02 UTC", "MED_TIME"), ("ratio", "d", "0.1", "precision 1"),
        ("n", "i", "7", "")]
    plain = error_report(server_error(messages=[message])).plain
    assert "    at (dt) = 18:30:02 UTC [MED_TIME]\n" in plain
    assert "    ratio (d) = 0.1 [precision 1]\n" in plain
    assert "    n (i) = 7\n" in plain


# --- hints in each face's words -------------------------------------------------------------------

def test_the_trust_hint_names_the_clis_flags_or_the_tuis_keys() -> None:
    error = server_error(ErrorType.UNVERIFIED_PEER, data={"ssl_thumbprint": SHA})
    assert error_json(error)["hint"] == (
        "Check the offered thumbprint against the PSC's certificate, then trust it: "
        f"{CLI_ACTIONS['trust']}.")
    assert error_json(error, actions=TUI_ACTIONS)["hint"] == (
        "Check the offered thumbprint against the PSC's certificate, then trust it: "
        "f5 again, then t in the dialog.")
    assert error_report(error, actions=TUI_ACTIONS).plain.endswith(
        "Next: Check the offered thumbprint against the PSC's certificate, then trust it: "
        "f5 again, then t in the dialog.")


def test_already_exists_names_where_to_list_the_links() -> None:
    error = server_error(ErrorType.ALREADY_EXISTS)
    assert "List the links (hvctui links)" in error_json(error)["hint"]
    assert "List the links (f2: Links)" in error_json(error, actions=TUI_ACTIONS)["hint"]
    assert "{" not in error_json(error, actions={"links": "L"})["hint"]


def test_a_type_with_no_advice_has_an_empty_hint_and_no_next_line() -> None:
    error = server_error(ErrorType.NOT_FOUND, 404)
    assert error_json(error)["hint"] == ""
    assert "next" not in kinds(error_report(error).rows)


def test_after_a_different_verdict_the_hint_never_says_trust_the_offer() -> None:
    error = server_error(ErrorType.UNVERIFIED_PEER, data={"ssl_thumbprint": SHA})
    error.psc_check = PscCheck(Verdict.DIFFERENT, "psc.corp.local", 443, offered_sha256=SHA,
                               seen_sha256=":".join(["CD"] * 32))
    payload = strict(error_json(error, actions=TUI_ACTIONS))
    assert set(payload) == FAILURE_KEYS | {"psc_check"}
    assert payload["psc_check"]["verdict"] == "different"
    assert payload["psc_check"]["offered_sha256"] == SHA
    hint = payload["hint"]
    assert "DIFFERENT certificate at the PSC (psc.corp.local:443)" in hint
    assert "do not trust the offer until you know why" in hint
    assert f"the offered thumbprint {SHA}" in hint
    assert hint.endswith("give it yourself (the form's PSC thumbprint field).")
    assert "then trust it" not in hint
    assert error_json(error)["hint"].endswith("give it yourself (--ssl-thumbprint).")


@pytest.mark.parametrize("verdict", [Verdict.SAME, Verdict.UNCHECKED])
def test_after_a_same_or_unchecked_verdict_the_hint_is_the_trust_step(verdict: Verdict) -> None:
    error = server_error(ErrorType.UNVERIFIED_PEER, data={"ssl_thumbprint": SHA})
    error.psc_check = PscCheck(verdict, "psc.corp.local", 443, offered_sha256=SHA,
                               why="does not resolve")
    payload = error_json(error)
    assert payload["psc_check"]["verdict"] == verdict.value
    assert payload["hint"].endswith(f"then trust it: {CLI_ACTIONS['trust']}.")


# --- "N more": long stacks are cut on screen, whole in the JSON --------------------------------

def test_messages_beyond_the_bound_are_counted_and_kept_in_the_json() -> None:
    extra = 7
    messages = [{"id": f"m{n}", "default_message": f"cause {n}"}
                for n in range(MAX_MESSAGES_SHOWN + extra)]
    error = server_error(ErrorType.ERROR, 500, messages)
    report = error_report(error)
    assert sum(row.kind == "message" for row in report.rows) == MAX_MESSAGES_SHOWN
    more = [row.text for row in report.rows if row.kind == "more"]
    assert more == [f"… {extra} more messages in the cause chain (copy as JSON to see them "
                    "all)"]
    assert f"\n  … {extra} more messages in the cause chain" in report.plain
    assert len(report.payload["messages"]) == MAX_MESSAGES_SHOWN + extra
    assert report.payload["messages"][-1]["text"] == f"cause {MAX_MESSAGES_SHOWN + extra - 1}"


def test_exactly_the_bound_of_messages_needs_no_more_line() -> None:
    messages = [{"id": f"m{n}", "default_message": "c"} for n in range(MAX_MESSAGES_SHOWN)]
    report = error_report(server_error(ErrorType.ERROR, 500, messages))
    assert sum(row.kind == "message" for row in report.rows) == MAX_MESSAGES_SHOWN
    assert "more" not in kinds(report.rows)
    one_over = [*messages, {"id": "last", "default_message": "c"}]
    assert "… 1 more messages" in error_report(server_error(ErrorType.ERROR, 500,
                                                            one_over)).plain


def test_params_beyond_the_bound_are_counted_per_message_and_kept_in_the_json() -> None:
    extra = 3
    params = {f"p{n:03}": {"i": n} for n in range(MAX_PARAMS_SHOWN + extra)}
    messages = [{"id": "outer", "default_message": "x", "params": params},
                {"id": "inner", "default_message": "y", "params": {"q": {"s": "v"}}}]
    report = error_report(server_error(ErrorType.ERROR, 500, messages))
    shown = [row for row in report.rows if row.kind == "param"]
    assert len(shown) == MAX_PARAMS_SHOWN + 1
    more = [row for row in report.rows if row.kind == "more"]
    assert [(row.text, row.depth) for row in more] == [
        (f"… {extra} more params (copy as JSON to see them all)", 0)]
    assert f"\n  … {extra} more params (copy as JSON to see them all)\n" in report.plain
    rendered = report.payload["messages"][0]["params_rendered"]
    assert len(rendered) == MAX_PARAMS_SHOWN + extra
    assert rendered[f"p{MAX_PARAMS_SHOWN + extra - 1:03}"] == str(MAX_PARAMS_SHOWN + extra - 1)


def test_exactly_the_bound_of_params_needs_no_more_line() -> None:
    params = {f"p{n}": {"i": n} for n in range(MAX_PARAMS_SHOWN)}
    report = error_report(server_error(messages=[{"id": "x", "default_message": "x",
                                                  "params": params}]))
    assert "more" not in kinds(report.rows)
    params["one_over"] = {"i": 0}
    report = error_report(server_error(messages=[{"id": "x", "default_message": "x",
                                                  "params": params}]))
    assert "… 1 more params" in report.plain


def test_a_long_text_is_clipped_on_screen_and_whole_in_the_json() -> None:
    text = "x" * (MAX_TEXT * 2)
    report = error_report(server_error(messages=[{"id": "x", "default_message": text}]))
    shown = [row.text for row in report.rows if row.kind == "message"][0]
    assert len(shown) == MAX_TEXT and shown.endswith("x…")
    assert report.payload["messages"][0]["text"] == text
    exact = "y" * MAX_TEXT
    report = error_report(server_error(messages=[{"id": "x", "default_message": exact}]))
    assert [row.text for row in report.rows if row.kind == "message"] == [exact]


# --- the zone the user configured, and the server's language --------------------------------------

def dated(fmt: str = "LONG_DATE_TIME") -> list[dict[str, Any]]:
    return [{"id": "x", "default_message": "Last try {at}.",
             "params": {"at": {"dt": WHEN, "format": fmt}}}]


def test_the_configured_zone_is_applied_in_the_json_text_and_params() -> None:
    payload = error_json(server_error(messages=dated()), tz=BERLIN)
    message = payload["messages"][0]
    assert message["params_rendered"] == {"at": "2019 Apr 05 20:30:02 CEST"}
    assert message["text"] == "Last try 2019 Apr 05 20:30:02 CEST."
    assert message["params"] == {"at": {"dt": WHEN, "format": "LONG_DATE_TIME"}}  # as sent


def test_the_configured_zone_is_applied_on_screen_and_named_after_a_bare_time() -> None:
    report = error_report(server_error(messages=dated("SHORT_DATE_TIME")), tz=BERLIN)
    assert "\n  Last try 2019-04-05 20:30 CEST.\n" in report.plain
    assert "\n    at (dt) = 2019-04-05 20:30 CEST [SHORT_DATE_TIME]\n" in report.plain
    assert report.payload["messages"][0]["params_rendered"] == {"at": "2019-04-05 20:30 CEST"}


def test_without_a_zone_the_json_says_utc() -> None:
    payload = error_json(server_error(messages=dated("MED_TIME")))
    assert payload["messages"][0]["params_rendered"] == {"at": "18:30:02 UTC"}


def test_a_localized_text_reads_in_its_language_and_the_params_in_vmwares_patterns() -> None:
    message = [{"id": "x", "default_message": "Last try {at}.",
                "localized": "Letzter Versuch {at}.",
                "params": {"at": {"dt": WHEN, "format": "LONG_DATE_TIME"}}}]
    error = server_error(messages=message, language="de-DE")
    payload = error_json(error, tz=BERLIN)
    assert payload["messages"][0]["text"] == "Letzter Versuch 05. April 2019 20:30:02 CEST."
    assert payload["messages"][0]["params_rendered"] == {"at": "2019 Apr 05 20:30:02 CEST"}
    plain = error_report(error, tz=BERLIN).plain
    assert "\n  Letzter Versuch 05. April 2019 20:30:02 CEST.\n" in plain
    assert "\n    at (dt) = 2019 Apr 05 20:30:02 CEST [LONG_DATE_TIME]\n" in plain
    assert error_json(server_error(messages=message))["messages"][0]["text"] == \
        "Letzter Versuch 2019 Apr 05 18:30:02 UTC."  # language unknown: VMware's pattern


def test_a_french_full_date_names_the_day_and_month_in_french() -> None:
    message = [{"id": "x", "default_message": "On {at}.", "localized": "Le {at}.",
                "params": {"at": {"dt": WHEN, "format": "FULL_DATE_TIME"}}}]
    error = server_error(messages=message, language="fr-FR,fr;q=0.9")
    assert error_json(error, tz=BERLIN)["messages"][0]["text"] == \
        "Le vendredi 05 avril 2019 20:30:02 CEST."


def test_the_health_message_of_a_link_is_in_the_configured_zone() -> None:
    info = LinkInfo(connection_health_status="UNHEALTHY",
                    health_status_message=LocalizableMessage(
                        id="h", default_message="Lost at {at}.",
                        params={"at": LocalizationParam(dt=WHEN, format="MED_DATE_TIME")}))
    row = link_health("link-1", "corp.local", info, BERLIN)
    assert row == LinkHealth("link-1", "corp.local", "UNHEALTHY",
                             "Lost at 2019 Apr 05 20:30:02 CEST.")
    assert link_health("link-1", "corp.local", info).message == \
        "Lost at 2019 Apr 05 18:30:02 UTC."


def test_a_link_without_health_information_is_unknown_with_no_message() -> None:
    assert link_health("l", "d", None) == LinkHealth("l", "d", "unknown", "")
    healthy = LinkInfo(connection_health_status="HEALTHY")
    assert link_health("l", "d", healthy) == LinkHealth("l", "d", "HEALTHY", "")


# --- doubles that are no number -------------------------------------------------------------------

@pytest.mark.parametrize("value,shown", [(math.nan, "nan"), (math.inf, "inf"),
                                         (-math.inf, "-inf")])
def test_a_double_that_is_no_number_is_shown_as_such_never_none(value: float,
                                                                 shown: str) -> None:
    assert render_double(value, 3) == shown
    messages = [{"id": "x", "default_message": "ratio {r}",
                 "params": {"r": {"d": value, "precision": 3}}}]
    error = server_error(messages=messages)
    payload = strict(error_json(error))
    assert payload["messages"][0]["params_rendered"] == {"r": shown}
    assert payload["messages"][0]["text"] == f"ratio {shown}"
    assert payload["messages"][0]["params"]["r"]["d"] == shown  # strict JSON: as text
    plain = error_report(error).plain
    assert f"\n    r (d) = {shown} [precision 3]\n" in plain
    assert "None" not in plain


def test_precision_is_bounded_and_defaults_to_two() -> None:
    assert render_double(1.23456, None) == "1.23"
    assert render_double(1.5, -4) == "2"  # negative: no decimals
    assert render_double(0.1, 99) == f"{0.1:.20f}"  # at most 20 decimals


# --- links -------------------------------------------------------------------------------------------

def test_a_link_made_is_linked_with_its_id_domain_and_what_to_do_next() -> None:
    report = link_report("link-42", "corp.local", SHA)
    assert report.ok is True
    assert report.payload == {"ok": True, "link": "link-42", "domain": "corp.local",
                              "trusted_thumbprint": SHA}
    assert kinds(report.rows) == ["ok", "link", "text"]
    assert report.plain == ("LINKED corp.local\nlink-42\n"
                            "Users log out and back in to see the linked inventory.")
    assert link_report("l", "d", None).payload["trusted_thumbprint"] is None


def test_a_link_reports_shown_text_is_one_printable_line_each() -> None:
    report = link_report("id\x1b[31m", "corp\nlocal", None)
    assert report.plain.splitlines()[:2] == ["LINKED corp\\x0alocal", "id\\x1b[31m"]
    assert report.payload["link"] == "id\x1b[31m"  # the JSON is the value; dumps escapes it


def test_no_links_says_so() -> None:
    report = links_report([], [])
    assert report.ok is True
    assert report.plain == "No links."
    assert report.payload == {"ok": True, "links": []}


def test_links_are_listed_with_health_and_an_unhealthy_links_message() -> None:
    links = [LinkHealth("l1", "corp.local", "HEALTHY"),
             LinkHealth("l2", "lab.local", "UNHEALTHY", "Lost at 20:30 CEST.")]
    raw = [{"link": "l1", "display_name": "corp.local", "ratio": math.nan},
           {"link": "l2", "display_name": "lab.local"}]
    report = links_report(links, raw)
    assert [(row.kind, row.text) for row in report.rows] == [
        ("link", "l1  corp.local  HEALTHY"), ("link", "l2  lab.local  UNHEALTHY"),
        ("more", "Lost at 20:30 CEST.")]
    assert report.plain == ("l1  corp.local  HEALTHY\nl2  lab.local  UNHEALTHY\n"
                            "  Lost at 20:30 CEST.")
    payload = strict(report.payload)
    assert payload == {"ok": True, "links": [
        {"link": "l1", "display_name": "corp.local", "ratio": "nan"},
        {"link": "l2", "display_name": "lab.local"}]}


# --- rows as the CLI prints them ----------------------------------------------------------------

@pytest.mark.parametrize("row,plain", [
    (Row("title", "X"), "Error: X"),
    (Row("message", "a\nb"), "  a\n  | b"),
    (Row("message", "a\nb", depth=1), "  caused by: a\n" + " " * 13 + "| b"),
    (Row("id", "m", depth=0), "    id: m"),
    (Row("id", "m", depth=2, detail="localized"), "        id: m (localized)"),
    (Row("param", depth=1, name="n", param_kind="i", value="3"), "      n (i) = 3"),
    (Row("param", name="n", param_kind="d", value="3.0", detail="precision 1"),
     "    n (d) = 3.0 [precision 1]"),
    (Row("data", "{}"), "  data: {}"),
    (Row("body", "<html>"), "  body: <html>"),
    (Row("next", "Do it."), "Next: Do it."),
    (Row("more", "… 2 more", depth=1), "    … 2 more"),
    (Row("more", "… 2 more", depth=MAX_INDENT + 5), "  " * (MAX_INDENT + 1) + "… 2 more"),
    (Row("ok", "LINKED", detail="corp.local"), "LINKED corp.local"),
    (Row("ok", "LINKED"), "LINKED"),
    (Row("link", "l-1"), "l-1"),
    (Row("text", "No links."), "No links."),
])
def test_each_row_kind_prints_as_documented(row: Row, plain: str) -> None:
    assert row.plain() == plain


# --- survivors of the first mutation run, each pinned (docs/mutation.md) ------------------------

def localized_date(fmt: str, language: str, when: str = WHEN) -> str:
    message = coerce_message({"id": "x", "default_message": "On {at}.", "localized": "Am {at}.",
                              "params": {"at": {"dt": when, "format": fmt}}})
    return render_message(message, language=language).text


@pytest.mark.parametrize("fmt,language,expected", [
    ("SHORT_DATE", "de;q=0.9", "Am 05.04.2019."),  # a quality value after the tag
    ("SHORT_DATE", "de-DE;q=0.9, en", "Am 05.04.2019."),
    ("LONG_DATE", "fr,de", "Am 05 avril 2019."),  # the first tag of a list decides
    ("MED_DATE", "de-DE", "Am 05.04.2019."),
    ("MED_DATE_TIME", "de-DE", "Am 05.04.2019 18:30:02 UTC."),
    ("SHORT_DATE_TIME", "fr-FR", "Am 05/04/2019 18:30 UTC."),
    ("FULL_DATE_TIME", "de", "Am Freitag, 05. April 2019 18:30:02 UTC."),
])
def test_each_size_of_a_localized_date_and_each_form_of_the_language_tag(
        fmt: str, language: str, expected: str) -> None:
    assert localized_date(fmt, language) == expected


def test_format_date_time_names_no_zone_unless_asked() -> None:
    moment = datetime(2019, 4, 5, 18, 30, 2, tzinfo=timezone.utc)
    assert format_date_time(moment, "MED_TIME") == "18:30:02"
    assert format_date_time(moment, "MED_TIME", say_zone=True) == "18:30:02 UTC"
    assert format_date_time(moment, "LONG_DATE", language="de") == "05. April 2019"
    assert format_date_time(moment, "MED_DATE_TIME", language="de") == "05.04.2019 18:30:02"
    march = datetime(2019, 3, 5, 18, 30, 2, tzinfo=timezone.utc)
    assert format_date_time(march, "LONG_DATE", language="de;q=0.9") == "05. März 2019"


def test_a_zone_whose_name_holds_a_percent_sign_is_shown_as_named() -> None:
    class Odd(tzinfo):
        def utcoffset(self, dt: datetime | None) -> timedelta:
            return timedelta(hours=1)

        def dst(self, dt: datetime | None) -> timedelta:
            return timedelta(0)

        def tzname(self, dt: datetime | None) -> str:
            return "ZONE%d%%"

    class Nameless(Odd):
        def tzname(self, dt: datetime | None) -> None:  # type: ignore[override]
            return None

    moment = datetime(2019, 4, 5, 18, 30, 2, tzinfo=timezone.utc)
    assert format_date_time(moment, "LONG_TIME", Odd()) == "19:30:02 ZONE%d%%"
    assert format_date_time(moment, "LONG_TIME", Nameless()) == "19:30:02 "


def test_month_and_day_names_do_not_follow_the_process_locale() -> None:
    """The month and day abbreviations are spelled by hvctui, never by strftime: under a
    German LC_TIME a December Friday still reads "Dec" and "Fri"."""
    import locale

    saved = locale.setlocale(locale.LC_TIME)
    for name in ("de_DE.UTF-8", "de_DE.utf8", "de_DE"):
        try:
            locale.setlocale(locale.LC_TIME, name)
            break
        except locale.Error:
            continue
    else:
        pytest.skip("no German locale on this machine (apt-get install locales-all)")
    try:
        assert render_param(LocalizationParam(dt="2019-12-06T18:30:02Z",
                                              format="FULL_DATE")) == "2019 Dec 06, Fri"
    finally:
        locale.setlocale(locale.LC_TIME, saved)


@pytest.mark.parametrize("sent,shown", [
    ("2019-04-05T20:30:02+02:00", "2019-04-05 18:30"),  # its own offset, shown in UTC
    ("2019-04-05T18:30:02", "2019-04-05 18:30"),  # no offset: UTC, not the machine's zone
])
def test_a_date_time_is_read_in_its_own_offset_or_utc(
        sent: str, shown: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        assert render_param(LocalizationParam(dt=sent)) == shown
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_a_nested_messages_dates_are_in_the_zone_and_name_it() -> None:
    param = coerce_param({"l": {"id": "vm.power", "params": {
        "since": {"dt": WHEN, "format": "SHORT_DATE_TIME"}}}})
    assert render_param(param, BERLIN, say_zone=True) == \
        "vm.power(since=2019-04-05 20:30 CEST)"
    assert render_param(param, BERLIN) == "vm.power(since=2019-04-05 20:30)"
    assert render_nested(param.l, BERLIN) == "vm.power(since=2019-04-05 20:30)"
    assert render_nested(param.l, say_zone=True) == "vm.power(since=2019-04-05 18:30 UTC)"


def test_render_nested_counts_its_own_level_from_zero() -> None:
    raw: dict[str, Any] = {"s": "bottom"}
    for level in range(20):
        raw = {"l": {"id": f"n{level}", "params": {"x": raw}}}
    from hvctui.vapi.render import MAX_NESTING

    nested = coerce_param(raw).l
    assert nested is not None
    assert render_nested(nested).count("(") == MAX_NESTING + 1
    assert render_param(coerce_param(raw)).count("(") == MAX_NESTING


@pytest.mark.parametrize("text,expected", [
    ("Seen 2019-04-05T18:30:02Z.", "Seen 2019-04-05 18:30 UTC."),  # no fraction, Z
    ("Seen 2019-04-05 18:30:02.", "Seen 2019-04-05 18:30 UTC."),  # no zone at all
    ("Seen 2019-04-05 18:30:02 UTC.", "Seen 2019-04-05 18:30 UTC."),
])
def test_each_spelling_of_a_date_the_server_writes_is_respelled(text: str,
                                                                expected: str) -> None:
    message = coerce_message({"id": "x", "default_message": text,
                              "params": {"at": {"dt": "2019-04-05T18:30:02.000Z"}}})
    assert render_message(message).text == expected
    no_fraction = coerce_message({"id": "x", "default_message": text,
                                  "params": {"at": {"dt": "2019-04-05T18:30:02Z"}}})
    assert render_message(no_fraction).text == expected


def test_a_date_alone_is_respelled_too() -> None:
    message = coerce_message({"id": "x", "default_message": "Expires 2019-04-05.",
                              "params": {"on": {"dt": "2019-04-05", "format": "LONG_DATE"}}})
    assert render_message(message).text == "Expires 2019 Apr 05."


def test_a_param_with_an_empty_value_does_not_stop_the_others_being_respelled() -> None:
    message = coerce_message({"id": "x", "default_message": "By {who} at 2019-04-05T18:30:02Z.",
                              "params": {"who": {"s": ""},
                                         "at": {"dt": "2019-04-05T18:30:02Z"}}})
    assert render_message(message).text == "By  at 2019-04-05 18:30 UTC."


def test_a_nested_message_without_an_id_is_not_spliced_into_the_text() -> None:
    message = coerce_message({"id": "x", "default_message": "Plain - words (here).",
                              "params": {"n": {"l": {"id": "", "params": {"a": {"i": 1}}}}}})
    assert render_message(message).text == "Plain - words (here)."


def test_params_without_a_format_precision_or_kind_show_no_detail() -> None:
    message = coerce_message({"id": "x", "default_message": "t", "args": ["a1", "a2"],
                              "params": {"at": {"dt": WHEN}, "r": {"d": 0.5}, "none": {}}})
    rendered = render_message(message)
    assert [(p.name, p.kind, p.value, p.detail) for p in rendered.params] == [
        ("at", "dt", "2019-04-05 18:30 UTC", ""), ("r", "d", "0.50", ""),
        ("none", "?", "(no value)", "")]
    assert rendered.args == ["a1", "a2"]
    plain = error_report(server_error(messages=[message.model_dump()])).plain
    assert "    at (dt) = 2019-04-05 18:30 UTC\n" in plain
    assert "    none (?) = (no value)\n" in plain


def test_the_different_verdicts_hint_word_for_word_with_a_long_offer_cut() -> None:
    error = server_error(ErrorType.UNVERIFIED_PEER, data={"ssl_thumbprint": SHA})
    offered = "F" * 150
    error.psc_check = PscCheck(Verdict.DIFFERENT, "psc.corp.local", 443,
                               offered_sha256=offered, seen_sha256=SHA)
    assert error_json(error)["hint"] == (
        "hvctui's own check found a DIFFERENT certificate at the PSC (psc.corp.local:443) "
        "than the one vCenter offers: do not trust the offer until you know why "
        "(interception, or a load balancer answering for the PSC). If the PSC's "
        f"administrator confirms the offered thumbprint {'F' * 99}…, give it yourself "
        "(--ssl-thumbprint).")


def test_a_report_carries_the_json_in_the_same_faces_words() -> None:
    error = server_error(ErrorType.ALREADY_EXISTS)
    report = error_report(error, actions=TUI_ACTIONS)
    assert report.payload["hint"] == error_json(error, actions=TUI_ACTIONS)["hint"]
    assert "(f2: Links)" in report.payload["hint"]


def test_more_params_of_a_cause_are_counted_at_its_depth() -> None:
    params = {f"p{n}": {"i": n} for n in range(MAX_PARAMS_SHOWN + 2)}
    messages = [{"id": "a", "default_message": "a"},
                {"id": "b", "default_message": "b", "params": params}]
    report = error_report(server_error(ErrorType.ERROR, 500, messages))
    assert [(row.text, row.depth) for row in report.rows if row.kind == "more"] == [
        ("… 2 more params (copy as JSON to see them all)", 1)]


def test_no_links_is_a_text_row() -> None:
    assert links_report([], []).rows == (Row("text", "No links."),)


LONG = "x" * 500


@pytest.mark.parametrize("shown,limit", [
    (lambda: error_report(server_error(operation=LONG)).rows[0].detail, 120),
    (lambda: [r.text for r in error_report(server_error(
        messages=[{"id": LONG, "default_message": "m"}])).rows if r.kind == "id"][0], 200),
    (lambda: [r.name for r in error_report(server_error(
        messages=[{"id": "i", "default_message": "m", "params": {LONG: {"s": "v"}}}])).rows
        if r.kind == "param"][0], 80),
    (lambda: [r.value for r in error_report(server_error(
        messages=[{"id": "i", "default_message": "m", "params": {"p": {"s": LONG * 5}}}]))
        .rows if r.kind == "param"][0], MAX_TEXT),
    (lambda: [r.detail for r in error_report(server_error(
        messages=[{"id": "i", "default_message": "m",
                   "params": {"p": {"dt": WHEN, "format": LONG}}}])).rows
        if r.kind == "param"][0], 40),
    (lambda: link_report("l", LONG, None).rows[0].detail, 200),
    (lambda: link_report(LONG, "d", None).rows[1].text, 200),
    (lambda: link_health(LONG, "d", None).link, 200),
    (lambda: link_health("l", LONG, None).display_name, 200),
    (lambda: link_health("l", "d", LinkInfo(connection_health_status=LONG)).health, 40),
], ids=["operation", "message id", "param name", "param value", "param format",
        "linked domain", "link id", "health link", "health name", "health status"])
def test_each_shown_value_is_cut_at_its_bound_with_an_ellipsis(shown: Any, limit: int) -> None:
    text = shown()
    assert len(text) == limit and text.endswith("x…")
