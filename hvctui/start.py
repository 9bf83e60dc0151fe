"""The `hvctui` command (and `python -m hvctui`): hvctui.cli's main, started with the garbage
collector off.

What a start imports and builds (modules, classes, the parser, the TUI's first screen) lives as
long as the process, so the collections run while it is made find little to free: about 4 ms
before the TUI's own imports even begin (benchmarks/run.py, first paint). The collector is on
again as soon as a command other than the TUI is known (cli.main), and for the TUI after its
first frame (tui/launch.py).
"""

from __future__ import annotations

import gc


def main() -> int:
    gc.disable()
    from hvctui.cli import main as run

    return run()
