"""The trust boundary for text: what came from a server, a file or a user, made safe to show.

Every face (the CLI's stdout and stderr, the TUI's widgets, the JSON it prints or copies) passes
such text through here. Control characters (C0, DEL, C1) would let a server move the cursor,
clear the screen, set the window title or write the clipboard (OSC 52); Unicode's invisible
format characters and line separators would hide or reorder what a person reads. Both are
shown as visible escapes instead. Markup is a face's concern: the TUI never parses this text
as markup.
"""

from __future__ import annotations

import math
import re
from typing import Any

#: C0 controls but tab and newline, DEL, and C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROL_ANY = re.compile(r"[\x00-\x1f\x7f-\x9f]")
#: Unicode's format characters (category Cf) draw nothing yet change what a person reads:
#: bidirectional overrides and isolates reorder it, zero-width ones and the soft hyphen hide
#: characters in what looks like a plain name, tag characters (U+E0000-U+E007F) carry a whole
#: hidden text. The line and paragraph separators break a line where none is shown. Every
#: code point of category Cf (Unicode 15), the whole tag block, U+2028 and U+2029; a test
#: checks this list against unicodedata. (Listed, not computed: computing it at import
#: would cost every start a scan of all of Unicode.)
_HIDING = ("\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e"
           "\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
           "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
           "\U0001d173-\U0001d17a\U000e0000-\U000e007f")
_HIDDEN = re.compile(f"[{_HIDING}]")
#: What strict JSON still leaves readable by a terminal: DEL, C1 and the hiding characters.
_JSON_UNSAFE = re.compile(f"[\x7f-\x9f{_HIDING}]")


def _visible(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()):02x}"


def _visible_unicode(match: re.Match[str]) -> str:
    """`\\u2028`, or `\\U000e0041` beyond the first plane (as Python writes them)."""
    code = ord(match.group())
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _json_escape(match: re.Match[str]) -> str:
    """JSON's own escape: `\\u2028`, or a surrogate pair beyond the first plane (JSON has no
    longer escape); either decodes to the very same character."""
    import json  # when used: every start of hvctui (the TUI's first paint) did without it

    return json.dumps(match.group())[1:-1]


def printable(text: str, *, newlines: bool = True) -> str:
    """`text` with every control character shown as a visible escape (`\\x1b`), and every
    invisible format character or line separator too (`\\u202e`, `\\u2028`, `\\U000e0041`).

    With `newlines`, newline and tab stay (a layout that wants them); without, they are escaped
    as well (a single-line field: a table cell, a title, a name).
    """
    if not isinstance(text, str):
        text = str(text)
    text = (_CONTROL if newlines else _CONTROL_ANY).sub(_visible, text)
    text = _HIDDEN.sub(_visible_unicode, text)
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

    JSON escapes C0 controls itself; DEL, C1, format characters (bidi, zero-width, tags) and
    the line and paragraph separators are escaped here as \\uXXXX, which decodes to the very
    same string.
    """
    import json  # when used (as _json_escape)

    text = json.dumps(json_safe(value), sort_keys=True, ensure_ascii=False, indent=indent,
                      allow_nan=False)
    text = _JSON_UNSAFE.sub(_json_escape, text)
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


# --- wrapping: one rule for the pane and the CLI on a terminal -------------------------------


def hanging_indent(plain: str, width: int) -> int:
    """Where a wrapped line's continuation rows start: under its text, past its leading
    spaces and any marker such as "└ caused by: " (never more than half the width)."""
    body = plain.lstrip(" ")
    indent = len(plain) - len(body)
    for marker in ("└ caused by: ", "caused by: ", "└ ", "↳ "):
        if body.startswith(marker):
            indent += len(marker)
            break
    else:
        indent += 2
    return min(indent, width // 2)


def _pair_break(plain: str, colon: int) -> bool:
    """A colon between two hex byte pairs (a thumbprint): a row may end after it."""
    return (colon >= 2 and all(c in _HEX for c in plain[colon - 2:colon])
            and all(c in _HEX for c in plain[colon + 1:colon + 3]))


_HEX = frozenset("0123456789ABCDEFabcdef")


def word_breaks(plain: str, width: int, indent: int = 0) -> list[int]:
    """Start offsets of the rows of `plain` wrapped at spaces (or between a thumbprint's byte
    pairs) to `width` cells (one cell a character), rows after the first `indent` narrower; a
    word longer than a row is cut."""
    starts = [0]
    position = 0
    room = width
    while len(plain) - position > room:
        space = plain.rfind(" ", position, position + room + 1)
        colon = plain.rfind(":", position, position + room)
        while colon > position and not _pair_break(plain, colon):
            colon = plain.rfind(":", position, colon)
        cut = max(space + 1 if space > position else 0, colon + 1 if colon > position else 0)
        position = cut if cut > position else position + room
        starts.append(position)
        room = max(width - indent, 1)
    return starts


def terminal_width(stream: Any) -> int:
    """The columns of the terminal `stream` writes to; 0 for a pipe, a file or no descriptor
    (whole lines: a script reads them whole)."""
    try:
        if not stream.isatty():
            return 0
        import shutil

        return shutil.get_terminal_size().columns
    except (AttributeError, ValueError, OSError):
        return 0


def wrap_lines(text: str, width: int) -> str:
    """`text` wrapped to `width` columns as the pane wraps it: at spaces or between a
    thumbprint's byte pairs, continuation lines indented under the line's own text."""
    out: list[str] = []
    for line in text.split("\n"):
        if len(line) <= width or width < 20:
            out.append(line)
            continue
        indent = hanging_indent(line, width)
        starts = word_breaks(line, width, indent)
        for i, (a, b) in enumerate(zip(starts, [*starts[1:], len(line)])):
            out.append((" " * indent if i else "") + line[a:b].rstrip())
    return "\n".join(out)
