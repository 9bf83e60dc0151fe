"""The JSON of a successful answer, or why it is not one. Light: no models, no pydantic.

An error answer is read by vapi/answers.py, which builds the message models.
"""

from __future__ import annotations

import json
from typing import Any

from hvctui.vapi.errors import NotVapiAnswer

_EXCERPT = 200


def excerpt(body: bytes) -> str:
    """A short, printable excerpt of a body for an error report."""
    text = body[:_EXCERPT].decode("utf-8", errors="replace")
    text = "".join(ch if ch.isprintable() or ch in "\n\t" else "?" for ch in text)
    text = " ".join(text.split())
    return text + ("…" if len(body) > _EXCERPT else "")


def parse_json_body(status: int, content_type: str, body: bytes) -> Any:
    """The JSON of a vAPI answer, or NotVapiAnswer raised for anything else."""
    if not body.strip():
        raise NotVapiAnswer(status, content_type, "", "the body is empty")
    if content_type and "json" not in content_type.lower():
        raise NotVapiAnswer(status, content_type, excerpt(body), "the body is not JSON")
    try:
        return json.loads(body)
    except ValueError:
        raise NotVapiAnswer(
            status, content_type, excerpt(body), "the body is malformed JSON"
        ) from None
    except RecursionError:
        raise NotVapiAnswer(
            status, content_type, excerpt(body), "the JSON is nested too deeply to read"
        ) from None
