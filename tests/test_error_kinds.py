"""Every kind of failure has one documented name on each face: the CLI's exit code, the
`--json` `error_type`, the history's status word, and the fleet's problem kind and detail.

The table below is the contract (README: exit codes, `--json`, the fleet); each row is read
through the face that shows it, not through the error class.
"""

from __future__ import annotations

import json

import pytest

from hvctui.cli import Output
from hvctui.fleet import problem_of
from hvctui.profiles.credentials import PasswordUnavailable
from hvctui.service import FieldProblem, NotReady, status_of
from hvctui.vapi.errors import (
    BadOffer,
    Cancelled,
    ErrorType,
    HvcError,
    InputError,
    NetworkError,
    NotVapiAnswer,
    OfferDiffersFromGiven,
    ServerError,
    TlsError,
)
from hvctui.vapi.models import LocalizableMessage

SHA_A = "AA:" * 31 + "AA"
SHA_B = "BB:" * 31 + "BB"


def server_error(error_type: ErrorType, text: str = "the server says no") -> ServerError:
    return ServerError(400, error_type, [LocalizableMessage(id="x", default_message=text)])


#: (error, exit code, --json error_type, history status, fleet kind, fleet detail)
LOCAL_ERRORS: list[tuple[HvcError, int, str, str, str, str]] = [
    (HvcError("Something failed", "why"), 1, "ERROR", "HvcError", "server_error",
     "Something failed: why"),
    (InputError("--server is required", field="server"), 2, "INVALID_INPUT", "InputError",
     "server_error", "Invalid input: --server is required"),
    (PasswordUnavailable("no password from env:PW"), 2, "INVALID_INPUT", "PasswordUnavailable",
     "server_error", "Invalid input: no password from env:PW"),
    (NotReady([FieldProblem("password", "is required")]), 2, "INVALID_INPUT", "NotReady",
     "password_needed", "cloud vCenter password: is required"),
    (NotReady([FieldProblem("server", "is required"), FieldProblem("user", "is required")]), 2,
     "INVALID_INPUT", "NotReady", "incomplete",
     "cloud vCenter server: is required; cloud vCenter user: is required"),
    (Cancelled(), 1, "CANCELLED", "Cancelled", "server_error",
     "Cancelled: The call was cancelled before anything was created."),
    (NetworkError("Cannot connect", "vc:443: refused"), 6, "NETWORK", "NetworkError",
     "cannot_reach", "vc:443: refused"),
    (NetworkError("Timed out"), 6, "NETWORK", "NetworkError", "cannot_reach", "Timed out"),
    (NotVapiAnswer(502, "text/html", "<html>", "not JSON"), 6, "NOT_VAPI_ANSWER",
     "NotVapiAnswer", "cannot_reach", "HTTP 502 with text/html: not JSON"),
    *[(TlsError(kind, f"{kind} happened"), 6, f"TLS_{kind.upper()}", "TlsError",
       "pin_mismatch" if kind == "pin_mismatch" else "certificate_not_trusted", f"{kind} happened")
      for kind in ("untrusted", "expired", "hostname", "pin_mismatch", "handshake")],
    (BadOffer(server_error(ErrorType.UNVERIFIED_PEER), "not a SHA-256 thumbprint"), 3, "ERROR",
     "BadOffer", "untrusted_psc", "not a SHA-256 thumbprint. Nothing was resubmitted."),
    (OfferDiffersFromGiven(server_error(ErrorType.UNVERIFIED_PEER), SHA_A, SHA_B), 3, "ERROR",
     "OfferDiffersFromGiven", "untrusted_psc",
     f"Not trusting the offer: offered {SHA_B}, you gave {SHA_A}"),
]

#: A server's error: exit code and fleet kind by its type (every other type: 1, server_error).
SERVER_EXIT = {ErrorType.UNVERIFIED_PEER: 3, ErrorType.ALREADY_EXISTS: 4,
               ErrorType.UNAUTHENTICATED: 5, ErrorType.UNAUTHORIZED: 5}
SERVER_KIND = {ErrorType.UNVERIFIED_PEER: "untrusted_psc",
               ErrorType.UNAUTHENTICATED: "cannot_log_in",
               ErrorType.UNAUTHORIZED: "not_permitted"}


def shown(error: HvcError, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """The exit code and `--json` error_type `hvctui ... --json` gives for `error`."""
    code = Output(as_json=True).failure(error)
    return code, json.loads(capsys.readouterr().out)["error_type"]


@pytest.mark.parametrize("row", LOCAL_ERRORS, ids=lambda row: f"{type(row[0]).__name__}-"
                         f"{getattr(row[0], 'kind', '')}{len(getattr(row[0], 'problems', ''))}")
def test_each_local_failure_has_its_documented_name_on_every_face(
        row: tuple[HvcError, int, str, str, str, str],
        capsys: pytest.CaptureFixture[str]) -> None:
    error, exit_code, error_type, status, kind, detail = row
    assert shown(error, capsys) == (exit_code, error_type)
    assert status_of(error) == status
    assert problem_of(error) == (kind, detail)


@pytest.mark.parametrize("error_type", list(ErrorType))
def test_each_server_error_type_has_its_documented_name_on_every_face(
        error_type: ErrorType, capsys: pytest.CaptureFixture[str]) -> None:
    error = server_error(error_type)
    assert shown(error, capsys) == (SERVER_EXIT.get(error_type, 1), error_type.value)
    assert status_of(error) == error_type.value
    kind = SERVER_KIND.get(error_type, "server_error")
    detail = ("the server says no" if kind != "server_error"
              else f"{error_type.value} (HTTP 400): the server says no")
    assert problem_of(error) == (kind, detail)


def test_a_server_error_without_a_message_is_named_by_its_title_in_the_fleet() -> None:
    assert problem_of(ServerError(401, ErrorType.UNAUTHENTICATED, [])) == (
        "cannot_log_in", "UNAUTHENTICATED (HTTP 401)")
    assert problem_of(ServerError(500, ErrorType.ERROR, [])) == (
        "server_error", "ERROR (HTTP 500)")


def test_what_is_not_an_hvctui_error_still_has_a_name() -> None:
    assert status_of(None) == "ok"
    assert status_of(RuntimeError("boom")) == "Failed"
    assert problem_of(TimeoutError()) == ("cannot_reach", "no answer in time")
    assert problem_of(RuntimeError("secret")) == ("server_error",
                                                  "unexpected failure (RuntimeError)")


def test_every_hint_names_its_actions_in_the_words_of_each_face() -> None:
    """No hint shows a placeholder: the CLI's words fill every one (the TUI's own words are
    checked against these names in test_tuiwords.py)."""
    from hvctui.vapi import error_report

    for error, *_ in LOCAL_ERRORS:
        hint = error_report(error).plain
        assert "{" not in hint, (type(error).__name__, hint)
    offer = OfferDiffersFromGiven(server_error(ErrorType.UNVERIFIED_PEER), SHA_A, SHA_B)
    assert "check the new one from here (hvctui check-psc)" in error_report(offer).plain
