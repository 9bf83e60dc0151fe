"""An ASCII fallback for what the TUI draws when the terminal's locale cannot draw it.

Box-drawing lines, block-shaded scroll bars, arrows, the ellipsis and the choice marks all lie
outside ASCII. Under a locale that is not UTF-8 (`LANG=C`, `en_US.ISO-8859-1`) they come out
as mojibake or stop the writer. The choice is made once at start, from the locale variables
(or, with none set, the output's encoding); `HVCTUI_ASCII=1` or `=0` decides it outright.

The translation happens where the frame leaves for the terminal, so it covers Textual's own
drawing too; every symbol is one cell and so is its replacement, and the layout is unchanged.
Other text that the encoding cannot carry (data, such as a server's German message under
Latin-1) becomes `?` instead of stopping the output.
"""

from __future__ import annotations

import codecs
import os
from collections.abc import Mapping
from typing import Any

#: One-cell symbol -> one-cell ASCII stand-in.
_PAIRS = {
    "─━═┄┅╌▔▁▀▄": "-", "│┃║▕▏▎▍▌▐┆┇╎": "|", "┌┐└┘├┤┬┴┼╭╮╯╰┏┓┗┛╔╗╚╝╠╣╦╩╬": "+",
    "▂▃▅▆▇█▓▒░■": "#", "…⋯": "~", "↳→⟶►▶›»": ">", "←◀◄‹«": "<", "↑▲": "^", "↓▼": "v",
    "●•◉○◦": "*", "✓✔": "v", "✗✘": "x", "⚠": "!", "\u00a0": " ",
}
ASCII_OF = {ord(ch): ascii_ for chars, ascii_ in _PAIRS.items() for ch in chars}
SAMPLE = "─│▕▔…↳‹›●▆"


def encoding_can_draw(encoding: str | None) -> bool:
    if not encoding:
        return False
    try:
        codecs.lookup(encoding)
        SAMPLE.encode(encoding)
    except (LookupError, UnicodeEncodeError):
        return False
    return True


def locale_encoding(env: Mapping[str, str]) -> str | None:
    """The charset the locale variables name (LC_ALL over LC_CTYPE over LANG), or None when
    none is set. `C`/`POSIX` mean ASCII, a name without a charset means Latin-1."""
    for name in ("LC_ALL", "LC_CTYPE", "LANG"):
        value = env.get(name, "")
        if value:
            if value in ("C", "POSIX"):
                return "ascii"
            if "." in value:
                return value.split(".", 1)[1].split("@", 1)[0] or "ascii"
            return "latin-1"
    return None


def use_ascii(env: Mapping[str, str] | None = None, output_encoding: str | None = None) -> bool:
    env = os.environ if env is None else env
    forced = env.get("HVCTUI_ASCII", "")
    if forced in ("1", "0"):
        return forced == "1"
    encoding = locale_encoding(env) or output_encoding
    return encoding is not None and not encoding_can_draw(encoding)


def to_ascii(text: str, encoding: str = "ascii") -> str:
    text = text.translate(ASCII_OF)
    try:
        return text.encode(encoding, "replace").decode(encoding)
    except LookupError:
        return text.encode("ascii", "replace").decode("ascii")


def ascii_driver(driver: type[Any], encoding: str | None) -> type[Any]:
    """`driver` (a Textual driver class), sending only what the terminal can draw."""
    charset = encoding if encoding and _known(encoding) else "ascii"

    class AsciiDriver(driver):  # type: ignore[valid-type, misc]
        def write(self, data: str) -> None:
            super().write(to_ascii(data, charset))

    return AsciiDriver


def _known(encoding: str) -> bool:
    try:
        codecs.lookup(encoding)
    except LookupError:
        return False
    return True
