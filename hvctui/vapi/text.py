"""The trust boundary for text: what came from a server, a file or a user, made safe to show.

Every face (the CLI's stdout and stderr, the TUI's widgets, the JSON it prints or copies) passes
such text through here. Control characters (C0, DEL, C1) would let a server move the cursor,
clear the screen, set the window title or write the clipboard (OSC 52); they are shown as
visible escapes instead. Markup is a face's concern: the TUI never parses this text as markup.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

#: C0 controls but tab and newline, DEL, and C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROL_ANY = re.compile(r"[\x00-\x1f\x7f-\x9f]")
#: Unicode's bidirectional overrides and isolates can reorder what a person reads; its
#: zero-width characters and marks hide characters in what looks like a plain name.
_HIDING = "\u200b-\u200f\u2060-\u2064\u202a-\u202e\u2066-\u2069\ufeff"
_HIDDEN = re.compile(f"[{_HIDING}]")
#: What strict JSON still leaves readable by a terminal: DEL, C1 and the hiding characters.
_JSON_UNSAFE = re.compile(f"[\x7f-\x9f{_HIDING}]")


def _visible(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()):02x}"


def printable(text: str, *, newlines: bool = True) -> str:
    """`text` with every control character shown as a visible escape (`\\x1b`).

    With `newlines`, newline and tab stay (a layout that wants them); without, they are escaped
    as well (a single-line field: a table cell, a title, a name).
    """
    if not isinstance(text, str):
        text = str(text)
    text = (_CONTROL if newlines else _CONTROL_ANY).sub(_visible, text)
    text = _HIDDEN.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    # Lone surrogates (from a decoded file name or a bad escape) cannot be encoded for output.
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def one_line(text: str, limit: int = 0) -> str:
    """A single printable line, shortened to `limit` characters (with …) when given."""
    line = printable(text, newlines=False)
    if limit and len(line) > limit:
        return line[: max(limit - 1, 0)] + "…"
    return line


def json_safe(value: Any, depth: int = 0) -> Any:
    """`value` as strict JSON data: non-finite numbers as their text, keys as text."""
    if depth > 64:
        return "…"
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {str(k): json_safe(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v, depth + 1) for v in value]
    return value


def dumps(value: Any, *, indent: int | None = None) -> str:
    """Strict JSON (no NaN, no Infinity) in which no character can drive a terminal.

    JSON escapes C0 controls itself; DEL, C1, bidi and zero-width characters are escaped here
    as \\uXXXX, which decodes to the very same string.
    """
    text = json.dumps(json_safe(value), sort_keys=True, ensure_ascii=False, indent=indent,
                      allow_nan=False)
    text = _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
