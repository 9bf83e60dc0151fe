"""A message's text reads like its params list: a nested message with its params, and every
time of one answer in one zone, named."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from hvctui.sim import catalog
from hvctui.vapi.answers import coerce_message
from hvctui.vapi.render import render_message

AT = "2025-11-27T16:19:14.000Z"


def unresolved(fmt: str = "MED_TIME", lang: str | None = None) -> dict:  # type: ignore[type-arg]
    return catalog.message("com.vmware.vcenter.hvc.dns.unresolved", {
        "host": {"s": "psc.x.example"}, "dns_server": {"s": "10.0.0.53"},
        "answer": {"l": {"id": "com.vmware.vcenter.hvc.dns.rcode",
                         "params": {"code": {"i": 3}, "rcode": {"s": "NXDOMAIN"}}}},
        "checked_at": {"dt": AT, "format": fmt}}, lang=lang)


def test_the_server_text_names_the_nested_message_by_its_bare_id() -> None:
    # What the simulator (like vCenter) writes itself: the defect this file is about.
    assert "answered com.vmware.vcenter.hvc.dns.rcode at 2025-11-27 16:19:14 UTC" in \
        unresolved()["default_message"]


def test_a_nested_message_is_shown_with_its_params_in_the_text() -> None:
    text = render_message(coerce_message(unresolved())).text
    assert "answered com.vmware.vcenter.hvc.dns.rcode(code=3, rcode=NXDOMAIN) at" in text


def test_one_instant_reads_the_same_in_the_text_and_the_params_and_names_its_zone() -> None:
    rendered = render_message(coerce_message(unresolved()), ZoneInfo("Europe/Berlin"))
    assert rendered.params_rendered["checked_at"] == "17:19:14 CET"
    assert rendered.text.endswith("at 17:19:14 CET.")
    assert "16:19" not in rendered.text


def test_without_a_zone_times_say_utc() -> None:
    rendered = render_message(coerce_message(unresolved()))
    assert rendered.params_rendered["checked_at"] == "16:19:14 UTC"
    assert rendered.text.endswith("at 16:19:14 UTC.")


def test_a_localized_text_is_respelled_too() -> None:
    rendered = render_message(coerce_message(unresolved(lang="de")), ZoneInfo("Europe/Berlin"))
    assert "antwortete com.vmware.vcenter.hvc.dns.rcode(code=3, rcode=NXDOMAIN) um " \
        "17:19:14 CET." in rendered.text


def test_a_date_only_format_gets_no_zone_and_a_longer_id_is_left_alone() -> None:
    message = coerce_message({
        "id": "x", "args": [], "default_message": "a.b.c.d and a.b at 2025-11-27T16:19:14Z",
        "params": {"n": {"l": {"id": "a.b"}}, "day": {"dt": "2025-11-27T16:19:14Z",
                                                      "format": "SHORT_DATE"}}})
    assert render_message(message).text == "a.b.c.d and a.b at 2025-11-27"
