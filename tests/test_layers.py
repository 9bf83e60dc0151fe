"""The layers hold: the core never imports Textual, and a CLI command loads only what it uses.

Statically too: pyproject.toml's import-linter contracts, run by test_import_contracts.
"""

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
                                    "hvctui.service", "hvctui.sim.server", "hvctui.cli"])
def test_core_modules_do_not_import_textual(module: str) -> None:
    textual, _ = imported(f"import {module}")
    assert not textual


def test_the_tui_starts_without_the_http_stack_pydantic_or_the_simulator() -> None:
    code = ("import hvctui.cli, hvctui.tui.app\n"
            "heavy = ['httpx', 'pydantic', 'starlette', 'uvicorn', 'cryptography']\n"
            "print([m for m in heavy if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", "import sys\n" + code], capture_output=True,
                         text=True, timeout=60, check=True).stdout.strip()
    assert out == "[]"


def test_a_cli_link_that_succeeds_loads_neither_textual_nor_the_simulator(sim, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`hvctui link`, carried all the way to a link made, never loads the TUI or the simulator."""
    import os

    from hvctui.sim.world import DEMO_PASSWORD

    ca = tmp_path / "sim.pem"
    ca.write_bytes(sim.info.cert_pem)
    thumb = sim.world.pscs["psc.corp.local"].thumbprint
    code = ("import sys\nfrom hvctui.cli import main\n"
            f"code = main(['link', '--server', {sim.address!r}, '--ca-file', {str(ca)!r},"
            " '--user', 'cloudadmin@vmc.local', '--psc-hostname', 'psc.corp.local',"
            " '--domain', 'corp.local', '--psc-user', 'administrator@corp.local',"
            f" '--ssl-thumbprint', {thumb!r}])\n"
            "print(code, sorted({m.split('.')[0] for m in sys.modules}"
            " & {'textual', 'starlette', 'uvicorn'}))")
    env = dict(os.environ, HVCTUI_PASSWORD=DEMO_PASSWORD, HVCTUI_PSC_PASSWORD=DEMO_PASSWORD)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1] == "0 []"
    assert len(sim.world.links) == 1


def test_import_contracts_hold() -> None:
    """import-linter's contracts (pyproject.toml): vapi imports none of profiles, sim, tui;
    profiles imports no tui; only tui imports textual."""
    import shutil
    from pathlib import Path

    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint, "import-linter is a test dependency: pip install -e '.[test]'"
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([lint, "--no-cache"], capture_output=True, text=True, timeout=120,
                          cwd=root)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout
