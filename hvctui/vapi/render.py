"""Rendering of messages and their parameters, and of whole answers as reports.

A `Report` is the one layout of an answer (an error's cause chain, a link, a list of links):
unstyled rows that the CLI and the TUI only style, its plain text (what the CLI prints and the
pane copies) and its JSON (what `--json` prints and the pane copies). Every text in a report has
passed the trust boundary (vapi/text.py). Pure functions: no I/O, never raise on anything the
parser lets through.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from datetime import datetime, timezone, tzinfo
from typing import Any

from hvctui._compat import fromisoformat
from hvctui.vapi.errors import HvcError, NotVapiAnswer, ServerError, TlsError
from hvctui.vapi.text import dumps, json_safe, one_line, printable
from hvctui.vapi.models import LocalizableMessage, LocalizationParam, NestedLocalizableMessage

#: strftime pattern of each DateTimeFormat, as VMware's Go runtime renders them.
DATE_TIME_FORMATS: dict[str, str] = {
    "SHORT_DATE": "%Y-%m-%d",
    "MED_DATE": "%Y %b %d",
    "LONG_DATE": "%Y %b %d",
    "FULL_DATE": "%Y %b %d, %a",
    "SHORT_TIME": "%H:%M",
    "MED_TIME": "%H:%M:%S",
    "LONG_TIME": "%H:%M:%S %Z",
    "FULL_TIME": "%H:%M:%S %Z",
    "SHORT_DATE_TIME": "%Y-%m-%d %H:%M",
    "MED_DATE_TIME": "%Y %b %d %H:%M:%S",
    "LONG_DATE_TIME": "%Y %b %d %H:%M:%S %Z",
    "FULL_DATE_TIME": "%Y %b %d, %a %H:%M:%S %Z",
}
DEFAULT_DATE_TIME_FORMAT = "SHORT_DATE_TIME"

#: Inside a text the server localized, a date follows that language (the params list keeps
#: VMware's patterns above). Day first, the month named in the language where spelled out.
_LOCAL_DATE = {"de": ("%d.%m.%Y", "%d. %B %Y", "%A, %d. %B %Y"),
               "fr": ("%d/%m/%Y", "%d %B %Y", "%A %d %B %Y")}
_LOCAL_MONTHS = {
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
           "Oktober", "November", "Dezember"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
           "octobre", "novembre", "décembre"),
}
_LOCAL_DAYS = {
    "de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
}


def _local_pattern(fmt: str, tag: str) -> str | None:
    """The strftime pattern of DateTimeFormat `fmt` in the language `tag` ("de"), or None where
    VMware's own pattern stands (English, other languages, times alone)."""
    table = _LOCAL_DATE.get(tag)
    size, _, kind = fmt.partition("_")
    if table is None or kind == "TIME" or size not in ("SHORT", "MED", "LONG", "FULL"):
        return None
    date = {"SHORT": table[0], "MED": table[0], "LONG": table[1], "FULL": table[2]}[size]
    time = {"SHORT": "%H:%M", "MED": "%H:%M:%S"}.get(size, "%H:%M:%S %Z")
    return date if kind == "DATE" else f"{date} {time}"


DEFAULT_PRECISION = 2
MAX_NESTING = 8

# Month and day names are spelled here so the output never depends on the process locale.
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.-]*)\}")


def parse_date_time(text: str) -> datetime | None:
    """An RFC 3339 date-time as an aware datetime (UTC when no offset is given), or None."""
    try:
        value = fromisoformat(text.strip())
    except (ValueError, TypeError, AttributeError, OverflowError):
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def format_date_time(value: datetime, fmt: str | None = None, tz: tzinfo | None = None,
                     say_zone: bool = False, language: str = "") -> str:
    """`value` in the named DateTimeFormat (default SHORT_DATE_TIME), in `tz` or UTC; in
    `language`'s own order and names where given (inside a localized text).

    `say_zone` names the zone after a time whose format leaves it out, so that two times of
    one answer never read alike in different zones."""
    name = fmt if fmt in DATE_TIME_FORMATS else DEFAULT_DATE_TIME_FORMAT
    tag = language.split(",")[0].split(";")[0].split("-")[0].strip().lower()  # "de-DE": "de"
    pattern = _local_pattern(name, tag) or DATE_TIME_FORMATS[name]
    if say_zone and "%H" in pattern and "%Z" not in pattern:
        pattern += " %Z"
    local = value.astimezone(tz or timezone.utc)  # OverflowError near year 1 or 9999: caller shows raw
    months, days = _LOCAL_MONTHS.get(tag, ()), _LOCAL_DAYS.get(tag, ())
    pattern = pattern.replace("%B", months[local.month - 1] if months else "%B").replace(
        "%A", days[local.weekday()] if days else "%A")
    pattern = pattern.replace("%b", _MONTHS[local.month - 1]).replace(
        "%a", _DAYS[local.weekday()]
    )
    zone = local.tzname() or ""
    return local.strftime(pattern.replace("%Z", zone.replace("%", "%%")))


def render_double(value: float, precision: int | None) -> str:
    digits = DEFAULT_PRECISION if precision is None else precision
    digits = min(max(digits, 0), 20)
    if math.isnan(value) or math.isinf(value):
        return str(value)
    return f"{value:.{digits}f}"


def render_param(param: LocalizationParam, tz: tzinfo | None = None, depth: int = 0,
                 say_zone: bool = False, language: str = "") -> str:
    """One parameter's value as a person reads it (`say_zone`: see format_date_time)."""
    if param.s is not None:
        return param.s
    if param.i is not None:
        return str(param.i)
    if param.d is not None:
        return render_double(param.d, param.precision)
    if param.dt is not None:
        parsed = parse_date_time(param.dt)
        if parsed is None:
            return param.dt
        try:
            return format_date_time(parsed, param.format, tz, say_zone, language)
        except (OverflowError, ValueError):
            return param.dt  # a date the zone cannot hold: as the server wrote it
    if param.l is not None:
        return render_nested(param.l, tz, depth + 1, say_zone)
    return "(no value)"


def render_nested(
    message: NestedLocalizableMessage, tz: tzinfo | None = None, depth: int = 0,
    say_zone: bool = False,
) -> str:
    """A nested message has no text of its own: its id with its params, recursively."""
    if depth > MAX_NESTING:
        return "…"
    if not message.params:
        return message.id
    inner = ", ".join(
        f"{name}={render_param(p, tz, depth, say_zone)}" for name, p in message.params.items()
    )
    return f"{message.id}({inner})"


def fill_placeholders(text: str, rendered: dict[str, str]) -> str:
    """Replace every `{name}` that has a parameter; leave the others in place."""
    if "{" not in text or not rendered:
        return text
    return _PLACEHOLDER.sub(lambda m: rendered.get(m.group(1), m.group(0)), text)


def _server_spellings(param: LocalizationParam) -> list[str]:
    """How a server writes this param into its own filled-in text: a nested message as its
    bare id, a date-time as ISO 8601 (`T` or a space, `Z` or ` UTC`, with or without
    fractions). Longest first, so that no spelling is replaced inside a longer one."""
    if param.l is not None:
        return [param.l.id] if param.l.id else []
    if param.dt is None or parse_date_time(param.dt) is None:
        return []
    raw = param.dt.strip()
    spellings = set()
    for form in (raw, raw.replace("T", " ")):
        spellings.add(form)
        for tail in (" UTC", "Z", ""):
            spellings.add(re.sub(r"(\.\d+)?(Z|[+-]00:?00)$", tail, form))
            spellings.add(re.sub(r"\.\d+(Z|[+-]00:?00)$", tail, form))
    return sorted((s for s in spellings if len(s) >= 10), key=len, reverse=True)


def respell(text: str, params: dict[str, LocalizationParam], rendered: dict[str, str]) -> str:
    """The server's own spelling of a nested message or a date in its text, replaced by the
    value rendered here: the nested message with its params, the date in the same zone and
    format as the params list shows it."""
    for name, param in params.items():
        value = rendered.get(name)
        if not value or (param.dt is not None and param.dt.strip()[:10] not in text):
            continue  # (every spelling of a date starts with its day: none is in the text)
        for spelling in _server_spellings(param):
            if spelling in text:
                # Not inside a longer id or a longer date.
                pattern = rf"(?<![\w.]){re.escape(spelling)}(?![\w(]|\.\w)"
                text = re.sub(pattern, lambda _m: value, text)
                break
    return text


@dataclass(frozen=True)
class RenderedParam:
    name: str
    kind: str
    value: str
    detail: str = ""  # format or precision, when the wire gave one


@dataclass(frozen=True)
class RenderedMessage:
    id: str
    text: str
    localized: bool
    params: list[RenderedParam] = field(default_factory=list)
    args: list[str] = field(default_factory=list)

    @property
    def params_rendered(self) -> dict[str, str]:
        return {p.name: p.value for p in self.params}


def render_message(message: LocalizableMessage, tz: tzinfo | None = None,
                   language: str = "") -> RenderedMessage:
    """A message as shown: its text (localized when the server did, its dates then in that
    `language`), its id, and each param rendered by kind (VMware's patterns)."""
    params: list[RenderedParam] = []
    for name, param in (message.params or {}).items():
        detail = ""
        if param.format and param.dt is not None:
            detail = param.format
        elif param.precision is not None and param.d is not None:
            detail = f"precision {param.precision}"
        params.append(RenderedParam(name, param.kind or "?",
                                    render_param(param, tz, say_zone=True), detail))
    rendered = {p.name: p.value for p in params}
    in_text = dict(rendered)
    if message.localized and language:
        in_text.update({name: render_param(param, tz, say_zone=True, language=language)
                        for name, param in (message.params or {}).items()
                        if param.dt is not None})
    return RenderedMessage(
        id=message.id,
        text=respell(fill_placeholders(message.text, in_text), message.params or {}, in_text),
        localized=bool(message.localized),
        params=params,
        args=list(message.args),
    )


# --- whole answers as reports ------------------------------------------------------------------

#: Messages of a stack drawn before "N more" (the JSON keeps them all).
MAX_MESSAGES_SHOWN = 40
#: Params of one message drawn before "N more".
MAX_PARAMS_SHOWN = 40
#: Deepest indentation of a cause chain: a long chain must not march off the screen.
MAX_INDENT = 3
#: Longest single text drawn (a message, a value); the JSON keeps it whole.
MAX_TEXT = 2000

#: How a face names its actions in the "next step" hints: {links}, {trust}, {link},
#: {thumbprint}, {check_psc}. Every face names all of them.
CLI_ACTIONS = {
    "links": "hvctui links",
    "trust": "--trust-offered (or --ssl-thumbprint)",
    "link": "hvctui link",
    "thumbprint": "--ssl-thumbprint",
    "check_psc": "hvctui check-psc",
}


@dataclass(frozen=True)
class Row:
    """One line of a report, unstyled. `kind` says what it is, so a face can style it:
    title, message, id, param, data, body, next, text, more, ok, link."""

    kind: str
    text: str = ""
    depth: int = 0
    #: param rows: name, param kind, value, format or precision; id rows: "localized" or "".
    name: str = ""
    param_kind: str = ""
    value: str = ""
    detail: str = ""

    def plain(self) -> str:
        pad = "  " * (min(self.depth, MAX_INDENT) + 1)
        if self.kind == "title":
            return "Error: " + self.text
        if self.kind == "message":
            # A server's own line breaks stay, indented: no line of it can pass for ours.
            lead = "  caused by: " if self.depth else "  "
            return lead + self.text.replace("\n", "\n" + " " * len(lead) + "| ")
        if self.kind == "id":
            return f"{pad}  id: {self.text}" + (" (localized)" if self.detail else "")
        if self.kind == "param":
            extra = f" [{self.detail}]" if self.detail else ""
            return f"{pad}  {self.name} ({self.param_kind}) = {self.value}{extra}"
        if self.kind in ("data", "body"):
            return f"  {self.kind}: {self.text}"
        if self.kind == "next":
            return f"Next: {self.text}"
        if self.kind == "more":
            return f"{pad}{self.text}"
        if self.kind == "ok":  # the domain too: the copied text says what was linked
            return f"{self.text} {self.detail}".rstrip()
        return self.text


@dataclass(frozen=True)
class Report:
    """An answer as the faces show it: rows to style, plain text, and the --json object."""

    ok: bool
    rows: tuple[Row, ...]
    make_payload: Callable[[], dict[str, Any]] = field(repr=False, compare=False)

    @cached_property
    def payload(self) -> dict[str, Any]:
        """The --json object, made when first asked for: the pane shows the rows at once and
        makes it only to copy it (a long stack renders every message again for it)."""
        return self.make_payload()

    @property
    def plain(self) -> str:
        return "\n".join(row.plain() for row in self.rows)


def _clip(text: str) -> str:
    text = printable(text)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _actions(hint: str, actions: dict[str, str] | None) -> str:
    for name, words in {**CLI_ACTIONS, **(actions or {})}.items():
        hint = hint.replace("{" + name + "}", words)
    return hint


def _next_step(error: HvcError, actions: dict[str, str] | None) -> str:
    """The error's hint in this face's words; when hvctui's own check found the PSC presenting
    another certificate, not "trust it" (what --trust-offered and `t` refuse then) but find
    out why, and how to give a thumbprint verified by other means."""
    check = getattr(error, "psc_check", None)
    if check is not None and check.verdict.value == "different":
        return _actions(
            f"hvctui's own check found a DIFFERENT certificate at the PSC ({check.where}) than "
            "the one vCenter offers: do not trust the offer until you know why (interception, "
            "or a load balancer answering for the PSC). If the PSC's administrator confirms "
            f"the offered thumbprint {one_line(check.offered_sha256, 100)}, give it yourself "
            "({thumbprint}).", actions)
    return _actions(error.hint, actions)


def error_report(error: HvcError, tz: tzinfo | None = None,
                 actions: dict[str, str] | None = None) -> Report:
    """A failure: title, the cause chain with every param rendered by kind, data, next step."""
    rows: list[Row] = []
    add = rows.append
    if isinstance(error, ServerError):
        add(Row("title", error.title, name=error.error_type.value,
                value=f"HTTP {error.http_status}", detail=one_line(error.operation, 120)))
        if not error.messages:
            add(Row("text", "The server sent no message."))
        shown = error.messages[:MAX_MESSAGES_SHOWN]
        for depth, message in enumerate(shown):
            r = render_message(message, tz, error.language)
            add(Row("message", _clip(r.text) or "(no text)", depth))
            add(Row("id", one_line(r.id, 200) or "(none)", depth,
                    detail="localized" if r.localized else ""))
            for p in r.params[:MAX_PARAMS_SHOWN]:
                # One line: a newline in a value would start a row the server wrote.
                add(Row("param", "", depth, one_line(p.name, 80), p.kind,
                        one_line(p.value, MAX_TEXT),
                        one_line(p.detail, 40)))
            if len(r.params) > MAX_PARAMS_SHOWN:
                add(Row("more", f"… {len(r.params) - MAX_PARAMS_SHOWN} more params "
                        "(copy as JSON to see them all)", depth))
        if len(error.messages) > MAX_MESSAGES_SHOWN:
            add(Row("more", f"… {len(error.messages) - MAX_MESSAGES_SHOWN} more messages in "
                    "the cause chain (copy as JSON to see them all)"))
        if error.data is not None:
            add(Row("data", _clip(dumps(error.data))))
    else:
        add(Row("title", one_line(error.title), name=one_line(error.title)))
        if error.message:
            add(Row("message", _clip(error.message)))
        if isinstance(error, NotVapiAnswer) and error.excerpt:
            add(Row("body", one_line(error.excerpt)))
    hint = _next_step(error, actions)
    if hint:
        add(Row("next", printable(hint)))
    return Report(False, tuple(rows), lambda: error_json(error, tz, actions))


def error_json(error: HvcError, tz: tzinfo | None = None,
               actions: dict[str, str] | None = None) -> dict[str, Any]:
    """The `--json` failure object the README documents (with `psc_check` after hvctui's own check of
    the PSC's certificate: its verdict, why, and the thumbprints it compared)."""
    payload: dict[str, Any] = {
        "ok": False, "http_status": None, "error_type": error.json_error_type,
        "messages": [{"text": error.message, "params_rendered": {}}] if error.message else [],
        "data": {}, "hint": _next_step(error, actions),
    }
    if isinstance(error, ServerError):
        rendered = [(m, render_message(m, tz, error.language)) for m in error.messages]
        payload.update(http_status=error.http_status,
                       messages=[{**m.model_dump(exclude_none=True), "text": r.text,
                                  "params_rendered": r.params_rendered} for m, r in rendered],
                       data=error.data if error.data is not None else {})
        if error.psc_check is not None:
            payload["psc_check"] = error.psc_check.as_json()
        return json_safe(payload)
    if isinstance(error, NotVapiAnswer):
        payload.update(http_status=error.status,
                       data={"content_type": error.content_type, "excerpt": error.excerpt})
    if isinstance(error, TlsError):
        payload["data"] = {"tls": error.kind, **error.data}
    return payload


def link_report(link_id: str, domain: str, trusted_thumbprint: str | None) -> Report:
    """A link made: its id, the domain, and what users do next."""
    rows = (
        Row("ok", "LINKED", detail=one_line(domain, 200)),
        Row("link", one_line(link_id, 200)),
        Row("text", "Users log out and back in to see the linked inventory."),
    )
    payload = {"ok": True, "link": link_id, "domain": domain,
               "trusted_thumbprint": trusted_thumbprint}
    return Report(True, rows, lambda: payload)


@dataclass(frozen=True)
class LinkHealth:
    """One link as a list shows it."""

    link: str
    display_name: str
    health: str  # HEALTHY, UNHEALTHY, or "unknown" where the server has no links-get
    message: str = ""  # the health message, rendered, when UNHEALTHY


def link_health(link: str, display_name: str, info: Any, tz: tzinfo | None = None) -> LinkHealth:
    """A link row with its health and health message rendered (info is a LinkInfo or None)."""
    health = info.connection_health_status if info is not None else "unknown"
    message = ""
    if info is not None and info.health_status_message is not None:
        message = render_message(info.health_status_message, tz).text
    return LinkHealth(one_line(link, 200), one_line(display_name, 200), one_line(str(health), 40),
                      _clip(message))


def links_report(links: list[LinkHealth], raw: list[dict[str, Any]]) -> Report:
    """The links of a vCenter with their health."""
    rows: list[Row] = []
    if not links:
        rows.append(Row("text", "No links."))
    for item in links:
        rows.append(Row("link", f"{item.link}  {item.display_name}  {item.health}"))
        if item.message:
            rows.append(Row("more", item.message))
    return Report(True, tuple(rows), lambda: json_safe({"ok": True, "links": raw}))
