"""The core never imports Textual; neither do `hvctui --help` and the CLI commands."""

from __future__ import annotations

import subprocess
import sys

import pytest

CHECK = "import sys\n{code}\nprint('textual' in sys.modules, 'starlette' in sys.modules)"


def imported(code: str) -> tuple[bool, bool]:
    out = subprocess.run([sys.executable, "-c", CHECK.format(code=code)], capture_output=True,
                         text=True, timeout=60, check=True).stdout.split()
    return out[-2] == "True", out[-1] == "True"


@pytest.mark.parametrize("module", ["hvctui.vapi", "hvctui.profiles", "hvctui.sim",
                                    "hvctui.vapi.flow", "hvctui.vapi.client",
                                    "hvctui.vapi.render", "hvctui.profiles.store",
                                    "hvctui.profiles.setup", "hvctui.sim.server", "hvctui.cli"])
def test_core_modules_do_not_import_textual(module: str) -> None:
    textual, _ = imported(f"import {module}")
    assert not textual


def test_help_and_link_do_not_import_textual_or_the_simulator() -> None:
    code = ("from hvctui.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "main(['link', '--server', '127.0.0.1:1', '--user', 'u@x', '--insecure',"
            " '--psc-hostname', 'h', '--domain', 'd', '--psc-user', 'p@d'])")
    textual, starlette = imported(code)
    assert not textual and not starlette


def test_the_tui_starts_without_the_http_stack_pydantic_or_the_simulator() -> None:
    code = ("import hvctui.cli, hvctui.tui.app\n"
            "heavy = ['httpx', 'pydantic', 'starlette', 'uvicorn', 'cryptography']\n"
            "print([m for m in heavy if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", "import sys\n" + code], capture_output=True,
                         text=True, timeout=60, check=True).stdout.strip()
    assert out == "[]"
