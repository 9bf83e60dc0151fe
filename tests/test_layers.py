"""The core never imports Textual; neither do `hvctui --help` and the CLI commands.

A command loads only what it uses: a link that succeeds loads neither Textual, the simulator
nor pydantic (whose import alone costs more than the link budget allows, see benchmarks/).
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


def test_a_successful_cli_link_loads_no_pydantic(sim, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A clean link needs no model: the spec is the plain LinkSpec, the answers plain JSON."""
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
            " & {'pydantic', 'pydantic_core', 'textual', 'starlette', 'uvicorn'}))")
    env = dict(os.environ, HVCTUI_PASSWORD=DEMO_PASSWORD, HVCTUI_PSC_PASSWORD=DEMO_PASSWORD)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1] == "0 []"
    assert len(sim.world.links) == 1
