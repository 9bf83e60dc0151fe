"""Under a locale that cannot draw lines, arrows and the ellipsis, the TUI draws ASCII."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from textual.drivers.linux_driver import LinuxDriver

from hvctui.tui.app import HvcApp
from hvctui.tui.symbols import to_ascii, use_ascii

from .tui_support import PASSWORD, PW_ENV, corp_profile, write_config


@pytest.mark.parametrize("env,encoding,expected", [
    ({"LANG": "C.UTF-8"}, "utf-8", False),
    ({"LANG": "en_US.UTF-8"}, "ascii", False),  # the locale names the terminal's charset
    ({"LANG": "C"}, "utf-8", True),
    ({"LC_ALL": "POSIX", "LANG": "en_US.UTF-8"}, "utf-8", True),
    ({"LANG": "de_DE.ISO-8859-1"}, "utf-8", True),
    ({"LANG": "de_DE"}, "utf-8", True),
    ({}, "ANSI_X3.4-1968", True),
    ({}, "utf-8", False),
    ({"LANG": "C", "HVCTUI_ASCII": "0"}, "ascii", False),
    ({"LANG": "C.UTF-8", "HVCTUI_ASCII": "1"}, "utf-8", True),
])
def test_ascii_is_chosen_from_the_locale(env: dict[str, str], encoding: str,
                                         expected: bool) -> None:
    assert use_ascii(env, encoding, python_set_ctype=False) is expected


@pytest.mark.parametrize("env,expected", [
    ({"LANG": "C", "LC_CTYPE": "C.UTF-8"}, True),
    ({"LC_CTYPE": "C.UTF-8"}, True),  # no locale at all: C
    ({"LANG": "en_US.UTF-8", "LC_CTYPE": "C.UTF-8"}, False),  # a UTF-8 locale not installed
    ({"LC_ALL": "POSIX", "LC_CTYPE": "C.UTF-8"}, True),
])
def test_the_lc_ctype_python_sets_for_the_c_locale_is_not_the_terminals(
        env: dict[str, str], expected: bool) -> None:
    """Python turns LC_CTYPE=C into C.UTF-8 at start (PEP 538) and writes UTF-8."""
    assert use_ascii(env, "utf-8", python_set_ctype=True) is expected


@pytest.mark.parametrize("lang,expected", [("C", "True"), ("C.UTF-8", "False")])
def test_lang_c_draws_ascii_in_a_real_python(lang: str, expected: str) -> None:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LC_", "LANG", "PYTHONUTF8", "HVCTUI_ASCII"))}
    shown = subprocess.run(
        [sys.executable, "-c", "import sys; from hvctui.tui.symbols import use_ascii; "
         "print(use_ascii(output_encoding=sys.stdout.encoding))"],
        env={**env, "LANG": lang}, capture_output=True, text=True, check=True).stdout
    assert shown.strip() == expected


def test_every_symbol_is_one_ascii_cell_and_data_the_charset_lacks_becomes_a_question_mark(
        ) -> None:
    assert to_ascii("▕ vcenter.sddc…  ↳ is required  ‹ pinned ›") == \
        "| vcenter.sddc~  > is required  < pinned >"
    assert to_ascii("Domäne ✓ 日本", "latin-1") == "Domäne v ??"


async def test_the_app_at_80x24_draws_nothing_outside_ascii(
        isolated_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PW_ENV, PASSWORD)
    monkeypatch.setenv("LANG", "C")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_CTYPE", raising=False)
    written: list[str] = []
    monkeypatch.setattr(LinuxDriver, "write", lambda self, data: written.append(data))
    app = HvcApp(config_path=write_config(isolated_config, {
        "corp": corp_profile("vcenter.sddc-52-12-134-200.vmwarevmc.com", tls="insecure")}))
    # The driver a terminal gets (the pilot's is headless): the platform's, made ASCII.
    assert issubclass(app.driver_class, LinuxDriver) and app.driver_class is not LinuxDriver
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        # The frame Textual would send (headless sends none): every symbol has a stand-in.
        svg = app.export_screenshot()
        frame = "".join(re.findall(r">([^<]*)</text>", svg)).replace("&#160;", " ")
        assert re.search(r"[▕▔…‹›]", frame)  # drawn by the app and Textual...
    object.__new__(app.driver_class).write(frame)  # ...and sent through the app's driver
    assert written and all(ch.isascii() for ch in "".join(written)), \
        sorted({ch for ch in "".join(written) if not ch.isascii()})


def test_a_locale_that_draws_symbols_gets_the_platforms_own_driver(
        isolated_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_CTYPE", raising=False)
    monkeypatch.delenv("HVCTUI_ASCII", raising=False)
    app = HvcApp(config_path=write_config(isolated_config, {"corp": corp_profile("vcenter.example")}))
    assert app.driver_class is LinuxDriver


def test_every_border_textual_draws_has_an_ascii_stand_in() -> None:
    """A border (the administrators list's `tall` one, a dialog's) drew `?` under LANG=C."""
    from textual._border import BORDER_CHARS

    drawn = {ch for rows in BORDER_CHARS.values() for row in rows for part in row for ch in part}
    assert to_ascii("".join(sorted(drawn))).isascii()
    assert "?" not in to_ascii("".join(sorted(drawn)))
