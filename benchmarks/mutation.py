"""Mutation testing of the modules that produce output (docs/mutation.md), with mutmut 3.

    .venv/bin/pip install mutmut            # a tool run by hand: not in '.[test]'
    .venv/bin/python benchmarks/mutation.py render     # hvctui/vapi/render.py
    .venv/bin/python benchmarks/mutation.py service    # hvctui/service.py

Each run works in a copy of the repository (mutmut writes its mutants/ folder beside the code),
with the [tool.mutmut] of pyproject.toml pointed at one module and the tests that exercise it
without the TUI. It prints mutmut's counts and the score, killed / (killed + survived): the
mutants no test reaches ("no tests") are counted apart. `--keep DIR` keeps the copy there, to
look at a survivor with `mutmut show NAME` from DIR; `--survivors` lists them.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: The module, and the fast tests that exercise it without the TUI.
TARGETS: dict[str, tuple[str, list[str]]] = {
    "render": ("hvctui/vapi/render.py", [
        "tests/test_render.py", "tests/test_render_contract.py", "tests/test_messages.py",
        "tests/test_answers.py", "tests/test_properties.py"]),
    # The pure tests, and the CLI's in-process tests of each command (the simulator over TLS,
    # a second or two a file); test_cli.py and test_credentials.py also run the CLI as a
    # child process, where a mutant never is, and take minutes a mutant.
    "service": ("hvctui/service.py", [
        "tests/test_service_contract.py", "tests/test_cli_parity.py",
        "tests/test_trust_cli.py"]),
}


def config(module: str, tests: list[str]) -> str:
    listed = ", ".join(json.dumps(t) for t in tests)
    return ("[tool.mutmut]\n"
            'source_paths = ["hvctui"]\n'
            f"only_mutate = [{json.dumps(module)}]\n"
            f"pytest_add_cli_args_test_selection = [{listed}]\n"
            'pytest_add_cli_args = ["-p", "no:cacheprovider"]\n')


def copy_repository(target: Path, module: str, tests: list[str]) -> None:
    shutil.copytree(ROOT, target, ignore=shutil.ignore_patterns(
        ".venv", ".git", "mutants", "__pycache__", "*.egg-info", ".pytest_cache"),
        dirs_exist_ok=True)
    pyproject = target / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    # This run's [tool.mutmut] replaces the file's own (the last table in it).
    text = re.sub(r"\n\[tool\.mutmut\].*\Z", "\n", text, flags=re.S)
    pyproject.write_text(text + "\n" + config(module, tests), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("target", choices=sorted(TARGETS))
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--survivors", action="store_true", help="list the surviving mutants")
    parser.add_argument("--max-children", type=int, default=2)
    args = parser.parse_args()
    module, tests = TARGETS[args.target]
    mutmut = Path(sys.executable).with_name("mutmut")
    if not mutmut.exists():
        print("mutmut is not installed: .venv/bin/pip install mutmut", file=sys.stderr)
        return 2
    work = args.keep or Path(tempfile.mkdtemp(prefix="hvctui-mutation-"))
    try:
        copy_repository(work, module, tests)
        subprocess.run([str(mutmut), "run", "--max-children", str(args.max_children)],
                       cwd=work, check=False)
        subprocess.run([str(mutmut), "export-cicd-stats"], cwd=work, check=True,
                       capture_output=True)
        stats = json.loads((work / "mutants" / "mutmut-cicd-stats.json").read_text())
        reached = stats["killed"] + stats["survived"]
        print(json.dumps(stats, indent=1))
        print(f"{module}: killed {stats['killed']} of {reached} mutants that tests reach "
              f"({100 * stats['killed'] / max(reached, 1):.1f}%); "
              f"{stats.get('no_tests', 0)} reached by no test")
        if args.survivors:
            subprocess.run([str(mutmut), "results"], cwd=work, check=False)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
