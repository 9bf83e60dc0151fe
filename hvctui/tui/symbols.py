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
import sys
from collections.abc import Mapping
from typing import Any

#: One-cell symbol -> one-cell ASCII stand-in.
_PAIRS = {
    "─━═┄┅╌╍▔▁▀▄": "-", "│┃║▕▏▎▍▌▋▊▉▐┆┇╎╏": "|",
    "┌┐└┘├┤┬┴┼╭╮╯╰┏┓┗┛╔╗╚╝╠╣╦╩╬▖▗▘▝▙▛▜▟": "+",
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


def locale_encoding(env: Mapping[str, str], python_set_ctype: bool = False) -> str | None:
    """The charset the locale variables name (LC_ALL over LC_CTYPE over LANG), or None when
    none is set. `C`/`POSIX` mean ASCII, a name without a charset means Latin-1.
    `python_set_ctype`: LC_CTYPE is Python's, not the person's (`python_coerced_locale`)."""
    for name in ("LC_ALL", "LC_CTYPE", "LANG"):
        value = env.get(name, "")
        if value and not (name == "LC_CTYPE" and python_set_ctype):
            if value in ("C", "POSIX"):
                return "ascii"
            if "." in value:
                return value.split(".", 1)[1].split("@", 1)[0] or "ascii"
            return "latin-1"
    return None


def python_coerced_locale(env: Mapping[str, str]) -> bool:
    """Python found the C or POSIX locale at start: it set LC_CTYPE=C.UTF-8 in the environment
    (PEP 538) and its UTF-8 mode on (PEP 540), so LC_CTYPE no longer says what the terminal
    draws (`LANG=C` read as UTF-8). UTF-8 mode asked for by PYTHONUTF8 or -X utf8 is no sign."""
    return (bool(sys.flags.utf8_mode) and "PYTHONUTF8" not in env
            and "utf8" not in sys._xoptions)


def terminal_charset(env: Mapping[str, str], output_encoding: str | None,
                     python_set_ctype: bool | None = None) -> str | None:
    """What the terminal draws: the locale's charset, else the output's (None: unknown)."""
    if python_set_ctype is None:
        python_set_ctype = python_coerced_locale(env)
    encoding = locale_encoding(env, python_set_ctype)
    if encoding is None:  # no variable names one: the output's, unless Python chose it for C
        encoding = "ascii" if python_set_ctype else output_encoding
    return encoding


def use_ascii(env: Mapping[str, str] | None = None, output_encoding: str | None = None,
              python_set_ctype: bool | None = None) -> bool:
    env = os.environ if env is None else env
    forced = env.get("HVCTUI_ASCII", "")
    if forced in ("1", "0"):
        return forced == "1"
    encoding = terminal_charset(env, output_encoding, python_set_ctype)
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
