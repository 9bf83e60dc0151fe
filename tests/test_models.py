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


# --- the plain LinkSpec (the CLI's, no pydantic) agrees with the pydantic CreateSpec ---------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from hvctui.vapi.connection import Secret  # noqa: E402
from hvctui.vapi.spec import LinkSpec, SpecInvalid  # noqa: E402

# Values as a profile or a CLI flag gives them: text, mostly good (so that whole specs pass
# often enough to compare bodies), with bad and arbitrary ones mixed in.
def mostly(good: list, bad: st.SearchStrategy) -> st.SearchStrategy:  # type: ignore[type-arg]
    return st.one_of(st.sampled_from(good), st.sampled_from(good), st.sampled_from(good), bad)


hosts = mostly(["psc.corp.local", " psc.corp.local ", "10.0.0.5", "[fe80::1]"],
               st.sampled_from(["", "  ", "psc corp", "psc/x"]) | st.text(max_size=12))
ports = mostly([None, "", "443", " 8443 ", "007"],
               st.sampled_from(["0", "65536", "x"]) | st.integers(-5, 70000).map(str))
words = mostly(["corp.local", "administrator@corp.local", " a@b "],
               st.sampled_from(["", " ", "corp local"]) | st.text(max_size=10))
thumbs = mostly([None, "", THUMB, THUMB.lower(), "ab" * 32, " " + THUMB + " "],
                st.sampled_from(["AB:CD", "Z" * 64]) | st.text(max_size=8))
groups = mostly([None, [], ["a@corp.local"], ["a@corp.local", "b@corp.local"], [" c@d ", ""]],
                st.lists(st.sampled_from(["a@corp.local", "A@corp.local", "admins", "x y@z"]),
                         max_size=4))
passwords = mostly([SECRET, " "], st.just(""))


@settings(max_examples=400, deadline=None)
@given(hosts, ports, words, words, passwords, thumbs, groups)
def test_link_spec_accepts_rejects_and_serialises_exactly_like_create_spec(
    host: str, port: str | None, domain: str, user: str, password: str, thumb: str | None,
    admin_groups: list[str] | None,
) -> None:
    fields = dict(psc_hostname=host, port=port, domain_name=domain, username=user,
                  ssl_thumbprint=thumb, admin_groups=admin_groups)
    try:
        model = CreateSpec(password=password, **fields)
    except ValidationError as exc:
        expected = [(str(e["loc"][0]), e["msg"].removeprefix("Value error, "))
                    for e in exc.errors()]
        with pytest.raises(SpecInvalid) as caught:
            LinkSpec.checked(password=Secret(password), **fields)
        assert caught.value.problems == expected
        return
    plain = LinkSpec.checked(password=Secret(password), **fields)
    assert plain.to_wire() == model.to_wire()
    assert list(plain.to_wire()) == list(model.to_wire())
    assert plain.redacted() == model.redacted()
    trusted = plain.with_thumbprint(THUMB)
    assert trusted.to_wire() == model.with_thumbprint(THUMB).to_wire()


def test_link_spec_and_secret_never_show_the_password() -> None:
    plain = LinkSpec.checked(psc_hostname="psc.corp.local", domain_name="corp.local",
                             username="administrator@corp.local", password=Secret(SECRET))
    for text in (repr(plain), str(plain), f"{plain.password}", repr(plain.password),
                 json.dumps(plain.redacted())):
        assert SECRET not in text
    assert plain.to_wire()["password"] == SECRET
