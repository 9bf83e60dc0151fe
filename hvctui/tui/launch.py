"""Starting the TUI (kept apart so the CLI imports Textual only when the TUI is wanted)."""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable
from pathlib import Path

#: How long a thread may hold the interpreter before another that waits gets its turn.
#: Textual writes each frame from its own output thread; at Python's default (5 ms) the first
#: frame waited in that thread's queue while the main thread laid out the frames that follow
#: it, several turns of 5 ms each (benchmarks/run.py, "first paint").
SWITCH_INTERVAL = 0.001


def run_tui(profile: str | None = None, config: Path | None = None, demo: bool = False,
            demo_reset: Callable[[], None] | None = None,
            demo_banner: tuple[str, ...] = ()) -> int:
    # What the imports, the app and its first frame make (modules, classes, Textual's tables,
    # the first screen) lives as long as the process: collecting while it is made finds little
    # to free (about 20 ms of the first paint). The app turns the collector back on after its
    # first frame; what the imports made is frozen, left out of every later full collection.
    gc.disable()
    try:
        from hvctui.tui.app import HvcApp

        app = HvcApp(config_path=config, initial_profile=profile, demo=demo,
                     demo_reset=demo_reset, demo_banner=demo_banner)
        gc.freeze()
        sys.setswitchinterval(SWITCH_INTERVAL)
        app.run()
    finally:
        gc.enable()
    return app.return_code or 0
