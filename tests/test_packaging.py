"""The wheel carries our themes: built and installed non-editable, they load from inside it."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_themes_ship_inside_the_wheel_and_load_from_a_non_editable_install(
        tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps",
                    "-q", "-w", str(tmp_path / "dist"), str(ROOT)], check=True, timeout=300)
    wheel = next((tmp_path / "dist").glob("hvctui-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    shipped = sorted(n for n in names if n.startswith("hvctui/_themes/"))
    assert shipped == sorted(f"hvctui/_themes/{p.name}" for p in (ROOT / "themes").glob("*.toml"))
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target",
                    str(target), str(wheel)], check=True, timeout=300)
    probe = ("from hvctui.tui.themes import load_themes, shipped_themes_dir\n"
             "themes, problems = load_themes(None)\n"
             "print(shipped_themes_dir()); print(sorted(t.name for t in themes)); print(problems)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, timeout=120,
                         env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
                         cwd=tmp_path).stdout.splitlines()
    assert out[0].startswith(str(target))
    assert out[1] == "['hvc-dark', 'hvc-high-contrast', 'hvc-light']" and out[2] == "[]"
