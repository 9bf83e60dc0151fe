"""Starting the TUI: the collector is off only while the app is imported and built."""

from __future__ import annotations

import gc
import sys

import pytest

import hvctui.tui.app
import hvctui.tui.launch as launch


class _Seen(Exception):
    pass


def test_the_app_runs_with_the_collector_on_and_what_startup_made_frozen(monkeypatch):
    seen = {}

    class App:
        return_code = 0

        def __init__(self, **kwargs):
            seen["built with the collector on"] = gc.isenabled()

        def run(self):
            seen["runs with the collector on"] = gc.isenabled()
            seen["frozen"] = gc.get_freeze_count()

    monkeypatch.setattr(hvctui.tui.app, "HvcApp", App)
    monkeypatch.setattr(sys, "setswitchinterval", lambda interval: None)
    try:
        assert launch.run_tui() == 0
    finally:
        gc.unfreeze()
    assert seen == {"built with the collector on": False, "runs with the collector on": True,
                    "frozen": seen["frozen"]}
    assert seen["frozen"] > 0


def test_an_app_that_cannot_be_built_leaves_the_collector_on(monkeypatch):
    def fails(**kwargs):
        raise _Seen

    monkeypatch.setattr(hvctui.tui.app, "HvcApp", fails)
    try:
        with pytest.raises(_Seen):
            launch.run_tui()
    finally:
        gc.unfreeze()
    assert gc.isenabled()
