"""Starting the TUI (kept apart so the CLI imports Textual only when the TUI is wanted)."""

from __future__ import annotations

from pathlib import Path


def run_tui(profile: str | None = None, config: Path | None = None, demo: bool = False) -> int:
    from hvctui.tui.app import HvcApp

    app = HvcApp(config_path=config, initial_profile=profile, demo=demo)
    app.run()
    return app.return_code or 0
