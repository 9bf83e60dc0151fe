"""The `hvctui` command (and `python -m hvctui`): hvctui.cli's main, started with the garbage
collector off.

What a start imports and builds (modules, classes, the parser, the TUI's first screen) lives as
long as the process, so the collections run while it is made find little to free: about 4 ms
before the TUI's own imports even begin (benchmarks/run.py, first paint), and 14 ms of an
`hvctui link`. The TUI turns the collector back on after its first frame (tui/launch.py);
`sim`, `status` and a link over several profiles, which run long, as soon as they are parsed
(cli.main); the other commands end in seconds and run without it.
"""

from __future__ import annotations

import gc


def main() -> int:
    gc.disable()
    from hvctui.cli import main as run

    return run()
