"""What may never reach a terminal or a JSON consumer raw, computed from Unicode itself (not
copied from the code under test): C0 but newline and tab, DEL, C1, every format character
(category Cf: bidi, zero-width, soft hyphen, tags), the whole tag block, and the line and
paragraph separators."""

from __future__ import annotations

import re
import sys
import unicodedata


def _ranges(codes: list[int]) -> str:
    out: list[str] = []
    start = prev = codes[0]
    for code in [*codes[1:], -1]:
        if code == prev + 1:
            prev = code
            continue
        out.append(re.escape(chr(start)) if start == prev
                   else f"{re.escape(chr(start))}-{re.escape(chr(prev))}")
        start = prev = code
    return "".join(out)


INVISIBLE_CODES: list[int] = sorted(
    {c for c in range(sys.maxunicode + 1)
     if unicodedata.category(chr(c)) in ("Cc", "Cf", "Zl", "Zp") and chr(c) not in "\n\t"}
    | set(range(0xE0000, 0xE0080)))
#: One of each kind, for tests that plant them in text a server or a user sends.
SAMPLES: dict[str, str] = {
    "soft hyphen": "\u00ad",
    "bidi override": "\u202e",
    "bidi isolate": "\u2066",
    "zero-width space": "\u200b",
    "zero-width joiner": "\u200d",
    "byte order mark": "\ufeff",
    "Arabic number sign": "\u0600",
    "interlinear annotation": "\ufff9",
    "tag letter A": "\U000e0041",
    "cancel tag": "\U000e007f",
    "musical format": "\U0001d173",
    "line separator": "\u2028",
    "paragraph separator": "\u2029",
}
#: Each sample as the text boundary shows it (vapi/text.py).
SHOWN: dict[str, str] = {name: (f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08x}")
                         for name, c in SAMPLES.items()}
PLANTED = "".join(SAMPLES.values())
FORBIDDEN = re.compile(f"[{_ranges(INVISIBLE_CODES)}]")
