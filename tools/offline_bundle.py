"""Build dist/hvctui-<version>-offline.tar.gz: hvctui for jump hosts with no package index.

    python3 tools/offline_bundle.py [--arch x86_64 --arch aarch64] [--python 3.10 ...]

The bundle holds hvctui's wheel and the wheels of every runtime dependency for Linux
(manylinux 2.17, i.e. glibc 2.17 or newer) on x86_64 and aarch64, for Python 3.10 to 3.13
(pure-Python wheels once, shared), an install script and a SHA256SUMS list. On the jump host:

    tar xzf hvctui-<version>-offline.tar.gz
    sh hvctui-<version>-offline/install.sh ~/hvctui      # then ~/hvctui/bin/hvctui

Building needs the package index (or a pip configured for a mirror) once: downloaded wheels are
kept in a cache (~/.cache/hvctui/offline-wheels, or --cache), and a later build that finds
everything there runs without the network. Each target (Python x architecture) is then
resolved again from the bundle's own wheels alone, so a bundle that would not install offline
is never written.

pip evaluates environment markers (`tomli; python_version < "3.11"`) for the Python running it,
not for `--python-version`; pip is therefore run with the target's marker environment, which
is the only pip internal used here and is checked by that offline resolution.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHONS = ("3.10", "3.11", "3.12", "3.13")
ARCHES = ("x86_64", "aarch64")

#: pip, with environment markers evaluated for the target instead of this interpreter.
_PIP_FOR_TARGET = """\
import json, sys
from pip._vendor.packaging import markers
target = json.loads(sys.argv[1])
own = markers.default_environment
markers.default_environment = lambda: {**own(), **target}
from pip._internal.cli.main import main
sys.exit(main(sys.argv[2:]))
"""

INSTALL_SH = """\
#!/bin/sh
# Install hvctui {version} from this folder, with no network:
#     sh install.sh [FOLDER]      (default: $HOME/hvctui; then run FOLDER/bin/hvctui)
# PYTHON=python3.12 sh install.sh picks the Python (3.10 to 3.13; default python3).
# On Debian/Ubuntu, python3 -m venv needs the python3-venv package (apt install python3-venv).
set -eu
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
python=${{PYTHON:-python3}}
venv=${{1:-"$HOME/hvctui"}}
"$python" - "$here" <<'CHECK'
import hashlib, pathlib, sys
here = pathlib.Path(sys.argv[1])
bad = []
for line in (here / "SHA256SUMS").read_text().splitlines():
    digest, name = line.split(None, 1)
    name = name.lstrip("*")
    if hashlib.sha256((here / name).read_bytes()).hexdigest() != digest:
        bad.append(name)
if bad:
    sys.exit("hvctui bundle: checksum mismatch, not installed: " + ", ".join(bad))
CHECK
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --isolated --no-index --disable-pip-version-check -q \\
    --only-binary=:all: --find-links "$here/wheels" hvctui=={version}
"$venv/bin/hvctui" --version
echo "installed: $venv/bin/hvctui"
"""


def project_version() -> str:
    text = (ROOT / "hvctui" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__ = "([^"]+)"', text, re.M)
    if not match:
        raise SystemExit("no __version__ in hvctui/__init__.py")
    return match.group(1)


def platforms(arch: str) -> list[str]:
    """manylinux2014 is manylinux_2_17 (glibc 2.17: RHEL 7, Ubuntu 14.04 and newer)."""
    return [f"manylinux2014_{arch}", f"manylinux_2_17_{arch}"]


def marker_environment(python: str, arch: str) -> dict[str, str]:
    return {"python_version": python, "python_full_version": f"{python}.0",
            "implementation_name": "cpython", "implementation_version": f"{python}.0",
            "platform_python_implementation": "CPython", "platform_machine": arch,
            "platform_system": "Linux", "sys_platform": "linux", "os_name": "posix"}


def pip_for(python: str, arch: str, *args: str) -> subprocess.CompletedProcess[str]:
    target = ["--only-binary=:all:", "--implementation", "cp", "--python-version", python]
    for tag in platforms(arch):
        target += ["--platform", tag]
    command = [sys.executable, "-c", _PIP_FOR_TARGET, json.dumps(marker_environment(python, arch)),
               *args, *target, "--disable-pip-version-check"]
    return subprocess.run(command, capture_output=True, text=True, timeout=900)


def build_wheel(into: Path) -> Path:
    """hvctui's own wheel; without build isolation when hatchling is here (no download)."""
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(into)]
    try:
        import hatchling  # noqa: F401

        command.append("--no-build-isolation")
    except ImportError:
        pass
    subprocess.run([*command, str(ROOT)], check=True, timeout=600)
    return next(into.glob("hvctui-*.whl"))


def fetch(wheel: Path, wheels: Path, cache: Path, python: str, arch: str) -> None:
    """Every runtime dependency of `wheel` for one target, into `wheels`: from the cache alone
    when it has them all, else from the package index."""
    args = ["download", "-q", "-d", str(wheels), str(wheel)]
    offline = pip_for(python, arch, *args, "--no-index", "--find-links", str(cache))
    if offline.returncode == 0:
        return
    online = pip_for(python, arch, *args)
    if online.returncode != 0:
        raise SystemExit(f"pip download for Python {python} on {arch} failed:\n"
                         f"{online.stderr.strip()}")


def check_offline(wheels: Path, version: str, python: str, arch: str, scratch: Path) -> None:
    """Resolve hvctui for the target from the bundle's wheels alone, as install.sh will."""
    out = pip_for(python, arch, "install", "--dry-run", "--isolated", "--no-index",
                  "--ignore-installed", "--find-links", str(wheels),
                  "--target", str(scratch / f"{python}-{arch}"), f"hvctui=={version}")
    if out.returncode != 0:
        raise SystemExit(f"the bundle would not install on Python {python} ({arch}):\n"
                         f"{out.stderr.strip()}")
    if python == "3.10" and not any(wheels.glob("tomli-*.whl")):
        raise SystemExit("tomli is missing for Python 3.10: pip evaluated the markers for "
                         "the wrong Python")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "hvctui" / "offline-wheels"


def build(out: Path, pythons: list[str], arches: list[str], cache: Path) -> Path:
    version = project_version()
    name = f"hvctui-{version}-offline"
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="hvctui-bundle-") as tmp:
        stage = Path(tmp) / name
        wheels = stage / "wheels"
        wheels.mkdir(parents=True)
        own = build_wheel(Path(tmp) / "own")
        shutil.copy2(own, wheels)
        for arch in arches:
            for python in pythons:
                fetch(own, wheels, cache, python, arch)
        for wheel in wheels.glob("*.whl"):  # the next build finds them here
            if wheel.name != own.name and not (cache / wheel.name).exists():
                shutil.copy2(wheel, cache)
        for arch in arches:
            for python in pythons:
                check_offline(wheels, version, python, arch, Path(tmp) / "check")
        (stage / "install.sh").write_text(INSTALL_SH.format(version=version), encoding="utf-8")
        (stage / "install.sh").chmod(0o755)
        files = sorted(p for p in stage.rglob("*") if p.is_file())
        sums = "".join(f"{sha256(p)}  {p.relative_to(stage).as_posix()}\n" for p in files)
        (stage / "SHA256SUMS").write_text(sums, encoding="utf-8")
        out.mkdir(parents=True, exist_ok=True)
        bundle = out / f"{name}.tar.gz"
        with tarfile.open(bundle, "w:gz") as tar:
            tar.add(stage, arcname=name)
    return bundle


def machine_arch() -> str:
    import platform

    machine = platform.machine().lower()
    return {"amd64": "x86_64", "arm64": "aarch64"}.get(machine, machine)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", action="append", choices=PYTHONS,
                        help="a target Python (repeatable; default: all of 3.10 to 3.13)")
    parser.add_argument("--arch", action="append", choices=ARCHES,
                        help="a target architecture (repeatable; default: both)")
    parser.add_argument("--this-machine", action="store_true",
                        help="only this machine's architecture (a quick build for tests)")
    parser.add_argument("--out", type=Path, default=ROOT / "dist",
                        help="folder for the .tar.gz (default: dist/)")
    parser.add_argument("--cache", type=Path, default=default_cache(),
                        help=f"downloaded wheels kept for the next build (default: "
                        f"{default_cache()})")
    args = parser.parse_args(argv)
    arches = [machine_arch()] if args.this_machine else (args.arch or list(ARCHES))
    started = time.monotonic()
    bundle = build(args.out, args.python or list(PYTHONS), arches, args.cache)
    seconds = time.monotonic() - started
    print(f"{bundle} ({bundle.stat().st_size / 1e6:.1f} MB, {seconds:.0f} s; "
          f"Linux {', '.join(arches)}; Python {', '.join(args.python or PYTHONS)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
