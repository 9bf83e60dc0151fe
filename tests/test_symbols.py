"""Under a locale that cannot draw lines, arrows and the ellipsis, the TUI draws ASCII."""

from __future__ import annotations

import re
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
    assert use_ascii(env, encoding) is expected


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
