"""The CreateSpec and the wire models."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from hvctui.vapi.models import CreateSpec, LocalizableMessage, normalize_thumbprint

SECRET = "s3cret-Pa55!"
THUMB = ":".join(["AB"] * 32)


def spec(**changes: object) -> CreateSpec:
    values: dict[str, object] = dict(psc_hostname="psc.corp.local", domain_name="corp.local",
                                     username="administrator@corp.local", password=SECRET)
    values.update(changes)
    return CreateSpec(**values)


def test_port_is_sent_as_a_string() -> None:
    assert spec(port=443).to_wire()["port"] == "443"
    assert spec(port=" 8443 ").to_wire()["port"] == "8443"


def test_unset_optional_fields_are_left_out_not_null() -> None:
    wire = spec().to_wire()
    assert set(wire) == {"psc_hostname", "domain_name", "username", "password"}
    assert "null" not in json.dumps(wire)


def test_wire_body_carries_the_password_and_every_given_field() -> None:
    wire = spec(port="443", ssl_thumbprint=THUMB, admin_groups=["a@corp.local"]).to_wire()
    assert wire == {"psc_hostname": "psc.corp.local", "port": "443", "domain_name": "corp.local",
                    "username": "administrator@corp.local", "password": SECRET,
                    "ssl_thumbprint": THUMB, "admin_groups": ["a@corp.local"]}


def test_password_never_shows_in_repr_str_or_dump() -> None:
    s = spec()
    for text in (repr(s), str(s), json.dumps(s.redacted()), s.model_dump_json()):
        assert SECRET not in text


def test_password_never_shows_in_validation_errors() -> None:
    with pytest.raises(ValidationError) as caught:
        CreateSpec(psc_hostname="bad host", domain_name="", username="", password=SECRET,
                   admin_groups=["nogroup"])
    assert SECRET not in str(caught.value)
    assert SECRET not in repr(caught.value.errors())


def test_admin_groups_must_be_unique() -> None:
    with pytest.raises(ValidationError, match="listed twice"):
        spec(admin_groups=["ops@corp.local", "OPS@corp.local"])


@pytest.mark.parametrize("field,value,words", [
    ("psc_hostname", "psc corp", "not a host name"),
    ("psc_hostname", "", "is required"),
    ("port", "0", "not a port number"),
    ("port", "65536", "not a port number"),
    ("port", "https", "not a port number"),
    ("ssl_thumbprint", "AB:CD", "32 colon-separated hex pairs"),
    ("ssl_thumbprint", "Z" * 64, "32 colon-separated hex pairs"),
    ("admin_groups", ["admins"], "group@domain"),
    ("domain_name", "", "is required"),
    ("password", "", "is required"),
])
def test_bad_values_are_rejected_naming_the_field(field: str, value: object, words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        spec(**{field: value})
    error = caught.value.errors()[0]
    assert error["loc"][0] == field
    assert words in error["msg"]


def test_thumbprint_accepts_bare_hex_and_normalizes_to_vsphere_form() -> None:
    assert normalize_thumbprint("ab" * 32) == THUMB
    assert spec(ssl_thumbprint=THUMB.lower()).ssl_thumbprint == THUMB


def test_message_text_prefers_localized() -> None:
    assert LocalizableMessage(default_message="Hello", localized="Hallo").text == "Hallo"
    assert LocalizableMessage(default_message="Hello").text == "Hello"


def test_every_bad_field_is_named_at_once_not_just_the_first() -> None:
    from hvctui.vapi.models import SpecInvalid

    with pytest.raises(SpecInvalid) as caught:
        CreateSpec.checked(psc_hostname="psc corp", port="99999", domain_name="",
                           username="a b", password="", ssl_thumbprint="AB:CD",
                           admin_groups=["admins"])
    assert [field for field, _ in caught.value.problems] == [
        "psc_hostname", "port", "domain_name", "username", "password", "ssl_thumbprint",
        "admin_groups"]


def test_a_field_is_judged_alone_by_the_same_rules() -> None:
    assert CreateSpec.problems({"port": "0"}) == [
        ("port", "'0' is not a port number from 1 to 65535")]
    assert CreateSpec.problems({"psc_hostname": "psc.corp.local:443"})[0][0] == "psc_hostname"
    assert CreateSpec.problems({"domain_name": "corp.local"}) == []


def test_a_bad_server_port_is_quoted_whole_enough_to_see_the_typo() -> None:
    from hvctui.vapi.checks import split_server

    with pytest.raises(ValueError) as caught:
        split_server("127.0.0.1:33073zzFASTARROW")
    assert "'33073zzFASTARROW' is not a port number" in str(caught.value)
