"""Parsing of server answers: vAPI errors, old servers, and answers that are not vAPI at all."""

from __future__ import annotations

import json

import pytest

from hvctui.vapi.answers import parse_error
from hvctui.vapi.errors import ErrorType, NotVapiAnswer, ServerError

REAL_BODIES = [
    '{"error_type":"NOT_FOUND","messages":[{"args":["/com/vmware/esx/settings/clusters/enablement/software"],"default_message":"Unable to find operations for URL: /com/vmware/esx/settings/clusters/enablement/software.","id":"com.vmware.vapi.rest.operationsForUrlNotFound"}]}',
    '{"error_type":"INVALID_ARGUMENT","messages":[]}',
    '{"messages":[{"args":[],"default_message":"Authentication required.","id":"com.vmware.vapi.endpoint.method.authentication.required"}]}',
    '{"error_type":"INTERNAL_SERVER_ERROR","messages":[{"args":["com.vmware.vapi.std.errors.InternalServerError"],"default_message":"Provider method implementation threw unexpected exception: com.vmware.vapi.std.errors.InternalServerError","id":"vapi.bindings.method.impl.unexpected"},{"args":[],"default_message":"Unexpected error","id":"com.vmware.ovfs.ovfs-main.ovfs.unexpected_error_no_message"}]}',
]

#: The HTTP status vCenter answers with for each error type (from its own OpenAPI specs): the
#: 25 types hvctui knows are exactly vCenter's.
STATUS_OF_ERROR_TYPE: dict[ErrorType, int] = {
    ErrorType.ALREADY_EXISTS: 400,
    ErrorType.ALREADY_IN_DESIRED_STATE: 400,
    ErrorType.CANCELED: 500,
    ErrorType.CONCURRENT_CHANGE: 409,
    ErrorType.ERROR: 500,
    ErrorType.FEATURE_IN_USE: 400,
    ErrorType.INTERNAL_SERVER_ERROR: 500,
    ErrorType.INVALID_ARGUMENT: 400,
    ErrorType.INVALID_ELEMENT_CONFIGURATION: 400,
    ErrorType.INVALID_ELEMENT_TYPE: 400,
    ErrorType.INVALID_REQUEST: 400,
    ErrorType.NOT_ALLOWED_IN_CURRENT_STATE: 400,
    ErrorType.NOT_FOUND: 404,
    ErrorType.OPERATION_NOT_FOUND: 404,
    ErrorType.RESOURCE_BUSY: 500,
    ErrorType.RESOURCE_IN_USE: 400,
    ErrorType.RESOURCE_INACCESSIBLE: 500,
    ErrorType.SERVICE_UNAVAILABLE: 503,
    ErrorType.TIMED_OUT: 500,
    ErrorType.UNABLE_TO_ALLOCATE_RESOURCE: 500,
    ErrorType.UNAUTHENTICATED: 401,
    ErrorType.UNAUTHORIZED: 403,
    ErrorType.UNEXPECTED_INPUT: 500,
    ErrorType.UNSUPPORTED: 400,
    ErrorType.UNVERIFIED_PEER: 400,
}


def error(status: int, body: str | bytes, content_type: str = "application/json"):
    return parse_error(status, content_type, body.encode() if isinstance(body, str) else body)


def test_all_25_error_types_are_known_with_their_statuses() -> None:
    assert len(ErrorType) == 25
    assert set(STATUS_OF_ERROR_TYPE) == set(ErrorType)
    assert STATUS_OF_ERROR_TYPE[ErrorType.UNVERIFIED_PEER] == 400
    assert STATUS_OF_ERROR_TYPE[ErrorType.CONCURRENT_CHANGE] == 409


def test_real_bodies_parse_whole() -> None:
    not_found, empty, unauth, internal = (error(s, b) for s, b in
                                          zip((404, 400, 401, 500), REAL_BODIES))
    assert isinstance(not_found, ServerError) and not_found.error_type is ErrorType.NOT_FOUND
    assert not_found.messages[0].args == ["/com/vmware/esx/settings/clusters/enablement/software"]
    assert isinstance(empty, ServerError) and empty.messages == []
    assert isinstance(internal, ServerError) and len(internal.messages) == 2
    assert internal.messages[1].text == "Unexpected error"
    assert isinstance(unauth, ServerError)
    assert unauth.error_type is ErrorType.UNAUTHENTICATED and not unauth.error_type_on_wire


@pytest.mark.parametrize("status,expected", [
    (400, ErrorType.INVALID_REQUEST), (401, ErrorType.UNAUTHENTICATED),
    (403, ErrorType.UNAUTHORIZED), (404, ErrorType.NOT_FOUND),
    (409, ErrorType.CONCURRENT_CHANGE), (429, ErrorType.SERVICE_UNAVAILABLE),
    (500, ErrorType.INTERNAL_SERVER_ERROR), (503, ErrorType.SERVICE_UNAVAILABLE),
    (504, ErrorType.TIMED_OUT), (418, ErrorType.ERROR),
])
def test_missing_error_type_is_classified_by_status(status: int, expected: ErrorType) -> None:
    parsed = error(status, '{"messages": []}')
    assert isinstance(parsed, ServerError) and parsed.error_type is expected


def test_unknown_fields_are_tolerated_and_kept() -> None:
    parsed = error(400, json.dumps({"error_type": "UNSUPPORTED", "future": 1, "messages": [
        {"id": "a", "default_message": "b", "args": [], "new_field": True}]}))
    assert isinstance(parsed, ServerError)
    assert parsed.messages[0].model_extra == {"new_field": True}


def test_rest_flavour_wrapped_error_is_unwrapped() -> None:
    parsed = error(400, json.dumps({"type": "com.vmware.vapi.std.errors.already_exists",
                                    "value": {"error_type": "ALREADY_EXISTS", "messages": []}}))
    assert isinstance(parsed, ServerError) and parsed.error_type is ErrorType.ALREADY_EXISTS


def test_unverified_peer_offers_the_certificate() -> None:
    parsed = error(400, json.dumps({"error_type": "UNVERIFIED_PEER", "messages": [],
                                    "data": {"ssl_thumbprint": "AA:BB", "ssl_certificate": "PEM"}}))
    assert isinstance(parsed, ServerError)
    assert parsed.offered_certificate is not None
    assert parsed.offered_certificate.ssl_thumbprint == "AA:BB"
    assert parsed.offered_certificate.ssl_certificate == "PEM"


def test_old_servers_invalid_request_with_thumbprint_is_a_trust_step_too() -> None:
    parsed = error(400, json.dumps({"error_type": "INVALID_REQUEST", "messages": [],
                                    "data": {"ssl_thumbprint": "AA:BB"}}))
    assert isinstance(parsed, ServerError) and parsed.offered_certificate is not None


def test_proxy_html_is_not_a_vapi_answer() -> None:
    parsed = error(502, "<html><body>502 Bad Gateway</body></html>", "text/html")
    assert isinstance(parsed, NotVapiAnswer)
    assert parsed.status == 502 and parsed.content_type == "text/html"
    assert "502 Bad Gateway" in parsed.excerpt
    assert parsed.exit_code == 6


@pytest.mark.parametrize("body,reason", [
    (b"", "empty"), (b"{not json", "malformed JSON"), (b'["a list"]', "not a vAPI error"),
    (b"\xff\xfe\x00garbage", "malformed JSON"),
])
def test_garbage_bodies_become_not_vapi_answers(body: bytes, reason: str) -> None:
    parsed = error(500, body)
    assert isinstance(parsed, NotVapiAnswer) and reason in parsed.reason


def test_wrong_typed_message_fields_are_salvaged_as_text() -> None:
    parsed = error(500, json.dumps({"error_type": "ERROR", "messages": [
        {"id": 5, "default_message": ["x"], "args": [1, None], "params": {
            "a": {"i": "not-int"}, "b": "bare", "c": {"d": 1.5, "precision": "x"}}},
        "just a string"]}))
    assert isinstance(parsed, ServerError)
    first, second = parsed.messages
    assert first.id == "5" and first.args == ["1", "null"]
    assert first.params is not None and first.params["b"].s == "bare"
    assert first.params["c"].d == 1.5
    assert second.text == "just a string"


def test_excerpt_is_short_and_printable() -> None:
    parsed = error(502, b"<html>" + b"\x1b[31m" + b"x" * 1000, "text/html")
    assert isinstance(parsed, NotVapiAnswer)
    assert len(parsed.excerpt) <= 201 and "\x1b" not in parsed.excerpt
