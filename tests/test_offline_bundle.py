"""The offline bundle (tools/offline_bundle.py), built for this machine's architecture and
installed with no package index into a fresh venv on every supported Python found here.

Marked `bundle`: a plain `pytest` leaves it out (it needs the package index once, then its
wheel cache, and takes minutes); CI runs it with `pytest -m bundle`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
from importlib import metadata
from pathlib import Path

import pytest

from .conftest import PASSWORD, Sim

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import offline_bundle  # noqa: E402
import pythons  # noqa: E402

pytestmark = pytest.mark.bundle

#: Draws the TUI's first frame headless, from the installed package alone, and prints it.
FIRST_FRAME = """\
import asyncio, io, sys
from rich.console import Console
from hvctui.tui.app import HvcApp

async def main():
    app = HvcApp(config_path=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.5)
        console = Console(width=80, height=24, file=io.StringIO(), force_terminal=True,
                          color_system="truecolor", legacy_windows=False)
        update = app.screen._compositor.render_update(
            full=True, screen_stack=app._background_screens)
        print("".join(s.text for s in console.render(update) if not s.control))

asyncio.run(main())
"""


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundle, built once for this module and unpacked; its folder."""
    out = tmp_path_factory.mktemp("dist")
    built = subprocess.run([sys.executable, str(ROOT / "tools" / "offline_bundle.py"),
                            "--this-machine", "--out", str(out)],
                           capture_output=True, text=True, timeout=1800)
    assert built.returncode == 0, built.stderr
    version = metadata.version("hvctui")
    tarball = out / f"hvctui-{version}-offline.tar.gz"
    assert tarball.is_file(), built.stdout
    print(built.stdout.strip())  # its size and build time, in CI's output with -s or -rA
    unpacked = tmp_path_factory.mktemp("unpacked")
    with tarfile.open(tarball) as tar:
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        tar.extractall(unpacked, **safe)  # type: ignore[arg-type]
    return unpacked / f"hvctui-{version}-offline"


def offline_env(home: Path, **extra: str) -> dict[str, str]:
    """No pip configuration, no index, and a proxy that refuses: any download would fail
    (loopback, where the simulator listens, is reached directly)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PIP_", "HVCTUI_", "VIRTUAL_ENV", "PYTHON"))}
    dead = "http://127.0.0.1:9"
    env.update(HOME=str(home), PIP_CONFIG_FILE=os.devnull, http_proxy=dead, https_proxy=dead,
               HTTP_PROXY=dead, HTTPS_PROXY=dead, no_proxy="127.0.0.1,localhost",
               NO_PROXY="127.0.0.1,localhost", NO_COLOR="1", **extra)
    return env


def test_the_bundle_has_every_runtime_wheel_and_checksums_for_all_its_files(
        bundle: Path) -> None:
    sums = dict(reversed(line.split("  ", 1))
                for line in (bundle / "SHA256SUMS").read_text().splitlines())
    files = {p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file()}
    assert set(sums) == files - {"SHA256SUMS"}
    for name, digest in sums.items():
        assert hashlib.sha256((bundle / name).read_bytes()).hexdigest() == digest, name
    names = {n.split("-")[0].lower() for n in os.listdir(bundle / "wheels")}
    assert {"hvctui", "textual", "httpx", "httpcore", "pydantic", "pydantic_core", "tomli_w",
            "platformdirs", "cryptography", "starlette", "uvicorn"} <= names
    assert "tomli" in names  # Python 3.10 has no tomllib
    assert not names & {"pytest", "hypothesis", "hatchling", "keyring"}  # runtime only
    arch = offline_bundle.machine_arch()
    for tag in ("cp310", "cp311", "cp312", "cp313"):  # native wheels for each Python
        assert list((bundle / "wheels").glob(f"pydantic_core-*-{tag}-*manylinux*{arch}.whl"))


def test_a_tampered_bundle_is_refused_before_anything_is_installed(
        bundle: Path, tmp_path: Path) -> None:
    copy = tmp_path / "bundle"
    shutil.copytree(bundle, copy)
    wheel = next((copy / "wheels").glob("httpx-*.whl"))
    wheel.write_bytes(wheel.read_bytes() + b"\0")
    out = subprocess.run(["sh", str(copy / "install.sh"), str(tmp_path / "venv")],
                         capture_output=True, text=True, timeout=120,
                         env=offline_env(tmp_path, PYTHON=sys.executable))
    assert out.returncode != 0 and "checksum mismatch" in out.stderr and wheel.name in out.stderr
    assert not (tmp_path / "venv").exists()


@pytest.mark.parametrize("version", pythons.SUPPORTED)
def test_the_bundle_installs_offline_and_runs_on_each_local_python(
        version: str, bundle: Path, sim: Sim, tmp_path: Path) -> None:
    python = pythons.find(version)
    if python is None:
        pytest.skip(f"Python {version} is not on this machine: not tested")
    venv = tmp_path / "hvctui"
    env = offline_env(tmp_path, PYTHON=python)
    installed = subprocess.run(["sh", str(bundle / "install.sh"), str(venv)],
                               capture_output=True, text=True, timeout=600, env=env)
    assert installed.returncode == 0, installed.stderr
    hvctui = str(venv / "bin" / "hvctui")
    shown = subprocess.run([hvctui, "--version"], capture_output=True, text=True, timeout=60,
                           env=env)
    assert shown.stdout.startswith(f"hvctui {metadata.version('hvctui')} (Python {version}.")

    # The CLI links against the simulator.
    config = tmp_path / "config"
    env.update(HVCTUI_PASSWORD=PASSWORD, HVCTUI_PSC_PASSWORD=PASSWORD,
               HVCTUI_CONFIG_DIR=str(config))
    linked = subprocess.run(
        [hvctui, "link", "--server", sim.address, "--pin", sim.info.sha256,
         "--user", "cloudadmin@vmc.local", "--psc-hostname", "psc.corp.local",
         "--domain", "corp.local", "--psc-user", "administrator@corp.local",
         "--ssl-thumbprint", sim.psc_thumbprint],
        capture_output=True, text=True, timeout=120, env=env)
    assert linked.returncode == 0, linked.stderr
    assert next(iter(sim.world.links)) in linked.stdout

    # The TUI draws its first frame (headless, from the installed package).
    from .tui_support import corp_profile, write_config

    write_config(config, {"corp": corp_profile(sim.address, pin=sim.info.sha256)})
    drawn = subprocess.run([str(venv / "bin" / "python"), "-c", FIRST_FRAME],
                           capture_output=True, text=True, timeout=120, env=env)
    assert drawn.returncode == 0, drawn.stderr
    assert "corp" in drawn.stdout and "PSC host" in drawn.stdout
