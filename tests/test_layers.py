"""The layers hold: the core never imports Textual, and a CLI command loads only what it uses.

Statically too: pyproject.toml's import-linter contracts, run by test_import_contracts, and no
import circle between hvctui's modules.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "hvctui"

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
    """Nor what its first frame does not use (json, hashlib: about 2.5 ms of the first
    paint, whose budget is tight: benchmarks/run.py)."""
    code = ("import hvctui.cli, hvctui.tui.app\n"
            "heavy = ['httpx', 'pydantic', 'starlette', 'uvicorn', 'cryptography', 'json',"
            " 'hashlib']\n"
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


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _defined_in(path: Path) -> set[str]:
    """The names a module defines or imports at its top level."""
    names: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def import_graph() -> dict[str, set[str]]:
    """Which hvctui module imports which, at run time: every import statement, in functions
    too (a lazy import is still a dependency), but not those under `if TYPE_CHECKING:`. A name
    taken from a package (`from hvctui.vapi import CreateSpec`) counts as an import of the
    module of the package that defines it."""
    modules = _modules()
    defined = {name: _defined_in(path) for name, path in modules.items()}

    def target(package: str, name: str) -> str | None:
        if f"{package}.{name}" in modules:
            return f"{package}.{name}"
        homes = [m for m in modules if m.startswith(package + ".") and name in defined[m]
                 and m.count(".") == package.count(".") + 1]
        return homes[0] if len(homes) == 1 else package if package in modules else None

    graph: dict[str, set[str]] = {name: set() for name in modules}

    def walk(node: ast.AST, module: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if isinstance(child, ast.Import):
                graph[module] |= {a.name for a in child.names if a.name in modules}
            elif isinstance(child, ast.ImportFrom) and child.module and not child.level:
                graph[module] |= {t for a in child.names
                                  if (t := target(child.module, a.name)) is not None}
            walk(child, module)

    for name, path in modules.items():
        walk(ast.parse(path.read_text()), name)
        graph[name].discard(name)
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each import circle once, as the path that closes it."""
    cycles: list[list[str]] = []
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        for imported in sorted(graph[module]):
            if imported in path:
                cycle = path[path.index(imported):] + [imported]
                if not any(set(cycle) == set(seen) for seen in cycles):
                    cycles.append(cycle)
            elif imported not in done:
                visit(imported, [*path, imported])
        done.add(module)

    for module in sorted(graph):
        if module not in done:
            visit(module, [module])
    return cycles


def test_no_module_of_hvctui_imports_itself_through_others() -> None:
    cycles = find_cycles(import_graph())
    assert cycles == [], "\n".join(" -> ".join(cycle) for cycle in cycles)


def test_the_cycle_finder_sees_a_circle_through_a_lazy_import() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycles(graph) == [["a", "b", "c", "a"]]
    assert "hvctui.vapi.certs" in import_graph()["hvctui.vapi.tls"]


def test_vapi_is_one_front_door_that_costs_nothing_to_open() -> None:
    """Every name in `hvctui.vapi.__all__` is there, and importing the package loads none of
    its modules: a face pays only for the names it uses."""
    code = ("import hvctui.vapi as vapi\n"
            "print(sorted(m for m in sys.modules if m.startswith('hvctui.vapi.')))\n"
            "print([n for n in vapi.__all__ if getattr(vapi, n, None) is None])")
    out = subprocess.run([sys.executable, "-c", "import sys\n" + code], capture_output=True,
                         text=True, timeout=60, check=True).stdout.splitlines()
    assert out == ["[]", "[]"]


FACES = ["cli.py", "service.py", "fleet.py", "demo.py", "tui"]


def test_the_faces_take_the_wire_from_its_front_door() -> None:
    """cli, service, fleet, demo and the TUI import `from hvctui.vapi import ...`, never a
    module inside it: what vapi offers is what its `__all__` says."""
    deep = []
    for face in FACES:
        paths = (PACKAGE / face).rglob("*.py") if (PACKAGE / face).is_dir() else [PACKAGE / face]
        for path in paths:
            for node in ast.walk(ast.parse(path.read_text())):
                if (isinstance(node, ast.ImportFrom) and (node.module or "")
                        .startswith("hvctui.vapi.")):
                    deep.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.module}")
    assert deep == []
