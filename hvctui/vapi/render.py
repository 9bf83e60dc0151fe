"""Rendering of LocalizableMessages and their parameters, shared by the CLI and the TUI.

Pure functions: no I/O, never raise on anything the parser lets through.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

from hvctui.vapi.errors import HvcError, NotVapiAnswer, ServerError, TlsError
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
DEFAULT_PRECISION = 2
MAX_NESTING = 8

# Month and day names are spelled here so the output never depends on the process locale.
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.-]*)\}")


def parse_date_time(text: str) -> datetime | None:
    """An RFC 3339 date-time as an aware datetime (UTC when no offset is given), or None."""
    try:
        value = datetime.fromisoformat(text.strip())
    except (ValueError, TypeError, AttributeError):
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def format_date_time(value: datetime, fmt: str | None = None, tz: tzinfo | None = None) -> str:
    """`value` in the named DateTimeFormat (default SHORT_DATE_TIME), in `tz` or UTC."""
    pattern = DATE_TIME_FORMATS.get(fmt or DEFAULT_DATE_TIME_FORMAT)
    if pattern is None:
        pattern = DATE_TIME_FORMATS[DEFAULT_DATE_TIME_FORMAT]
    local = value.astimezone(tz or UTC)
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


def render_param(param: LocalizationParam, tz: tzinfo | None = None, depth: int = 0) -> str:
    """One parameter's value as a person reads it."""
    if param.s is not None:
        return param.s
    if param.i is not None:
        return str(param.i)
    if param.d is not None:
        return render_double(param.d, param.precision)
    if param.dt is not None:
        parsed = parse_date_time(param.dt)
        return param.dt if parsed is None else format_date_time(parsed, param.format, tz)
    if param.l is not None:
        return render_nested(param.l, tz, depth + 1)
    return "(no value)"


def render_nested(
    message: NestedLocalizableMessage, tz: tzinfo | None = None, depth: int = 0
) -> str:
    """A nested message has no text of its own: its id with its params, recursively."""
    if depth > MAX_NESTING:
        return "…"
    if not message.params:
        return message.id
    inner = ", ".join(
        f"{name}={render_param(p, tz, depth)}" for name, p in message.params.items()
    )
    return f"{message.id}({inner})"


def fill_placeholders(text: str, rendered: dict[str, str]) -> str:
    """Replace every `{name}` that has a parameter; leave the others in place."""
    if "{" not in text or not rendered:
        return text
    return _PLACEHOLDER.sub(lambda m: rendered.get(m.group(1), m.group(0)), text)


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


def render_message(message: LocalizableMessage, tz: tzinfo | None = None) -> RenderedMessage:
    params: list[RenderedParam] = []
    for name, param in (message.params or {}).items():
        detail = ""
        if param.format and param.dt is not None:
            detail = param.format
        elif param.precision is not None and param.d is not None:
            detail = f"precision {param.precision}"
        params.append(RenderedParam(name, param.kind or "?", render_param(param, tz), detail))
    rendered = {p.name: p.value for p in params}
    return RenderedMessage(
        id=message.id,
        text=fill_placeholders(message.text, rendered),
        localized=bool(message.localized),
        params=params,
        args=list(message.args),
    )


# --- whole errors, as text and as JSON -------------------------------------------------------


def error_lines(error: HvcError, tz: tzinfo | None = None) -> list[str]:
    """A failure as plain lines: title, the cause chain with params, data, what to do next."""
    lines = [f"Error: {error.title}"]
    if isinstance(error, ServerError):
        if not error.messages:
            lines.append("  (the server sent no message)")
        for depth, message in enumerate(error.messages):
            r = render_message(message, tz)
            lead = "  " + ("caused by: " if depth else "")
            lines.append(f"{lead}{r.text or '(no text)'}")
            lines.append(f"{'  ' * (depth + 2)}id: {r.id or '(none)'}")
            for p in r.params:
                extra = f" [{p.detail}]" if p.detail else ""
                lines.append(f"{'  ' * (depth + 2)}{p.name} ({p.kind}) = {p.value}{extra}")
        if error.data is not None:
            lines.append(f"  data: {_data_text(error.data)}")
    else:
        if error.message:
            lines.append(f"  {error.message}")
        if isinstance(error, NotVapiAnswer) and error.excerpt:
            lines.append(f"  body: {error.excerpt}")
    if error.hint:
        lines.append(f"Next: {error.hint}")
    return lines


def _data_text(data: Any) -> str:
    import json

    try:
        return json.dumps(data, sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(data)


def error_json(error: HvcError, tz: tzinfo | None = None) -> dict[str, Any]:
    """The `--json` failure object of product.md."""
    if isinstance(error, ServerError):
        messages = []
        for message in error.messages:
            r = render_message(message, tz)
            wire = message.model_dump(exclude_none=True)
            wire["text"] = r.text
            wire["params_rendered"] = r.params_rendered
            messages.append(wire)
        return {
            "ok": False,
            "http_status": error.http_status,
            "error_type": error.error_type.value,
            "messages": messages,
            "data": error.data if error.data is not None else {},
            "hint": error.hint,
        }
    payload: dict[str, Any] = {
        "ok": False,
        "http_status": error.status if isinstance(error, NotVapiAnswer) else None,
        "error_type": _local_error_type(error),
        "messages": [{"text": error.message, "params_rendered": {}}] if error.message else [],
        "data": {},
        "hint": error.hint,
    }
    if isinstance(error, NotVapiAnswer):
        payload["data"] = {"content_type": error.content_type, "excerpt": error.excerpt}
    if isinstance(error, TlsError):
        payload["data"] = {"tls": error.kind}
    return payload


def _local_error_type(error: HvcError) -> str:
    """Names for failures that are not a server's vAPI error."""
    from hvctui.vapi.errors import Cancelled, InputError, NetworkError

    if isinstance(error, TlsError):
        return "TLS_" + error.kind.upper()
    if isinstance(error, NotVapiAnswer):
        return "NOT_VAPI_ANSWER"
    if isinstance(error, NetworkError):
        return "NETWORK"
    if isinstance(error, InputError):
        return "INVALID_INPUT"
    if isinstance(error, Cancelled):
        return "CANCELLED"
    return "ERROR"
