"""The supported Pythons found on this machine, for CI and the offline bundle's test.

    python3 tools/pythons.py        one line per supported version: `3.10 /path/to/python3.10`,
                                    or `3.10 -` when this machine has none that works

A candidate counts only if it runs and reports that version and has venv (ensurepip): a
pyenv shim for a version pyenv does not have selected prints "command not found" and is passed
over for the interpreter in pyenv's own folder. Standard library only; runs on 3.10 and later.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

#: Keep in step with pyproject.toml's requires-python and classifiers.
SUPPORTED = ("3.10", "3.11", "3.12", "3.13")

_PROBE = "import sys, venv, ensurepip; print('%d.%d' % sys.version_info[:2])"


def _candidates(version: str) -> list[str]:
    found = [shutil.which(f"python{version}") or ""]
    roots = [os.environ.get("PYENV_ROOT", ""), str(Path.home() / ".pyenv"), "/root/.pyenv"]
    for root in dict.fromkeys(r for r in roots if r):
        # 3.10.13 before 3.10.9 would be wrong: newest patch release first, by number.
        folders = glob.glob(os.path.join(root, "versions", f"{version}.*"))
        folders.sort(key=lambda p: [int(x) if x.isdigit() else -1
                                    for x in Path(p).name.split(".")], reverse=True)
        found += [os.path.join(folder, "bin", f"python{version}") for folder in folders]
    found += [f"/usr/bin/python{version}", f"/usr/local/bin/python{version}",
              f"/opt/homebrew/bin/python{version}"]
    return [c for c in dict.fromkeys(found) if c and os.access(c, os.X_OK)]


def works(python: str, version: str) -> bool:
    """`python` runs, is `version`, and can make a venv."""
    try:
        out = subprocess.run([python, "-c", _PROBE], capture_output=True, text=True,
                             timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.returncode == 0 and out.stdout.strip() == version


def find(version: str) -> str | None:
    """The first working interpreter of `version` on this machine, or None."""
    return next((c for c in _candidates(version) if works(c, version)), None)


def find_all() -> dict[str, str | None]:
    return {version: find(version) for version in SUPPORTED}


def main() -> int:
    for version, python in find_all().items():
        print(version, python or "-")
    return 0


if __name__ == "__main__":
    sys.exit(main())
