"""Turning a server's answer into values: a result, a vAPI error, or 'not a vAPI answer'.

Parsing is lenient on purpose: whatever a server or proxy sends, the person gets something to
read. Unknown fields are kept, a wrong-typed field is salvaged as text, nothing here raises on
bad input except by returning an error value.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from hvctui.vapi.body import excerpt, parse_json_body
from hvctui.vapi.errors import ErrorType, NotVapiAnswer, ServerError, error_type_for_status
from hvctui.vapi.models import LocalizableMessage, LocalizationParam, NestedLocalizableMessage

def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def coerce_param(raw: Any, depth: int = 0) -> LocalizationParam:
    """A LocalizationParam from whatever the wire holds; a bad one becomes its own text."""
    if isinstance(raw, dict):
        try:
            return LocalizationParam.model_validate(raw)
        except (ValidationError, RecursionError):
            pass
        salvaged: dict[str, Any] = {}
        for key in ("s", "dt", "format"):
            if key in raw and raw[key] is not None:
                salvaged[key] = _as_text(raw[key])
        if isinstance(raw.get("i"), int) and not isinstance(raw.get("i"), bool):
            salvaged["i"] = raw["i"]
        if isinstance(raw.get("d"), (int, float)) and not isinstance(raw.get("d"), bool):
            salvaged["d"] = float(raw["d"])
        if isinstance(raw.get("precision"), int) and not isinstance(raw.get("precision"), bool):
            salvaged["precision"] = raw["precision"]
        if "l" in raw and depth < 16:
            salvaged["l"] = coerce_nested(raw["l"], depth + 1)
        if not any(k in salvaged for k in ("s", "dt", "i", "d", "l")):
            salvaged["s"] = _as_text(raw)
        return LocalizationParam.model_validate(salvaged)
    return LocalizationParam(s=_as_text(raw))


def _params(raw: dict[str, Any], depth: int = 0) -> dict[str, LocalizationParam] | None:
    params = raw.get("params")
    if not isinstance(params, dict):
        return None
    return {str(k): coerce_param(v, depth) for k, v in params.items()}


def coerce_nested(raw: Any, depth: int = 0) -> NestedLocalizableMessage:
    if not isinstance(raw, dict):
        return NestedLocalizableMessage(id=_as_text(raw))
    return NestedLocalizableMessage(id=_as_text(raw.get("id", "")), params=_params(raw, depth + 1))


def coerce_message(raw: Any) -> LocalizableMessage:
    """A LocalizableMessage from whatever the wire holds."""
    if not isinstance(raw, dict):
        return LocalizableMessage(default_message=_as_text(raw))
    try:
        return LocalizableMessage.model_validate(raw)
    except (ValidationError, RecursionError):
        pass
    args = raw.get("args")
    localized = raw.get("localized")
    return LocalizableMessage(
        id=_as_text(raw.get("id", "")),
        default_message=_as_text(raw.get("default_message", "")),
        args=[_as_text(a) for a in args] if isinstance(args, list) else [],
        params=_params(raw),
        localized=_as_text(localized) if localized is not None else None,
    )


def parse_error(
    status: int,
    content_type: str,
    body: bytes,
    *,
    challenge: str | None = None,
    operation: str = "",
) -> ServerError | NotVapiAnswer:
    """The error a non-2xx answer stands for. Never raises."""
    try:
        payload = parse_json_body(status, content_type, body)
    except NotVapiAnswer as not_vapi:
        return not_vapi
    # The /rest flavour wraps the error: {"type": "com.vmware.vapi.std.errors.x", "value": {...}}
    if isinstance(payload, dict) and "value" in payload and "messages" not in payload:
        inner = payload.get("value")
        if isinstance(inner, dict):
            payload = inner
    if not isinstance(payload, dict) or not (
        "messages" in payload or "error_type" in payload
    ):
        return NotVapiAnswer(
            status, content_type, excerpt(body), "the JSON is not a vAPI error body"
        )
    raw_type = payload.get("error_type")
    on_wire = isinstance(raw_type, str) and raw_type in ErrorType.__members__
    error_type = ErrorType(str(raw_type)) if on_wire else error_type_for_status(status)
    raw_messages = payload.get("messages")
    if isinstance(raw_messages, list):
        messages = [coerce_message(m) for m in raw_messages]
    elif raw_messages is None:
        messages = []
    else:
        messages = [coerce_message(raw_messages)]
    challenge = challenge or payload.get("challenge")
    return ServerError(
        status,
        error_type,
        messages,
        payload.get("data"),
        error_type_on_wire=on_wire,
        challenge=None if challenge is None else _as_text(challenge),
        operation=operation,
    )
