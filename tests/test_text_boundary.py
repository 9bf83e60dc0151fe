"""The text boundary (vapi/text.py) shows every invisible character: controls, Unicode's format
characters (bidi, zero-width, soft hyphen, tags) and the line and paragraph separators; through
the CLI's output (text and --json) and the TUI alike (issue 19)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hvctui.cli import main
from hvctui.tui.app import HvcApp
from hvctui.vapi.text import dumps, one_line, printable

from .text_support import FORBIDDEN, INVISIBLE_CODES, PLANTED, SAMPLES, SHOWN
from .tui_support import corp_profile, screen_text, wait_until, write_config


def test_every_invisible_character_is_shown_and_its_json_decodes_to_it() -> None:
    for code in INVISIBLE_CODES:
        char = chr(code)
        for shown in (printable(f"a{char}b", newlines=False), one_line(f"a{char}b")):
            assert not FORBIDDEN.search(shown), hex(code)
        encoded = dumps({"v": char})
        assert not FORBIDDEN.search(encoded), hex(code)
        assert json.loads(encoded) == {"v": char}, hex(code)


@pytest.mark.parametrize("kind", list(SAMPLES))
def test_each_kind_is_shown_as_its_escape(kind: str) -> None:
    text = f"corp{SAMPLES[kind]}.local"
    assert printable(text) == f"corp{SHOWN[kind]}.local"
    assert one_line(text) == f"corp{SHOWN[kind]}.local"
    escaped = json.dumps(SAMPLES[kind])[1:-1]  # JSON's own \uXXXX (a surrogate pair past BMP)
    assert dumps(text) == f'"corp{escaped}.local"'


def planted_config(folder: Path) -> Path:
    """A profile whose values hold one character of each invisible kind."""
    return write_config(folder, {"lab": corp_profile(
        "vc.example.com", psc_hostname=f"psc{PLANTED}.corp.local",
        domain_name=f"corp{PLANTED}.local")})


def test_the_cli_shows_each_kind_as_its_escape_in_text_and_json(
        isolated_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = planted_config(isolated_config)
    name = "lab"
    assert main(["profiles", "list", "--config", str(path)]) == 0
    out, err = capsys.readouterr()
    assert not FORBIDDEN.search(out + err) and "psc\\u00ad\\u202e" in out  # cut at 60
    assert main(["profiles", "show", name, "--config", str(path)]) == 0
    out, err = capsys.readouterr()
    assert not FORBIDDEN.search(out + err)
    for kind, escape in SHOWN.items():
        assert escape in out, kind
    assert main(["profiles", "show", name, "--json", "--config", str(path)]) == 0
    out, err = capsys.readouterr()
    assert not FORBIDDEN.search(out + err)
    assert "\\u2028" in out and "\\udb40\\udc41" in out
    assert json.loads(out)["profile"]["domain_name"] == f"corp{PLANTED}.local"


async def test_the_tui_shows_each_kind_as_its_escape(isolated_config: Path) -> None:
    app = HvcApp(config_path=planted_config(isolated_config))
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_until(pilot, lambda: bool(app.main.query("SpecForm")))
        await pilot.pause()
        shown = screen_text(app)
        assert not FORBIDDEN.search(shown.replace("\n", ""))
        drawn = "".join(shown.split())
        for kind, escape in SHOWN.items():
            assert escape in drawn, kind
