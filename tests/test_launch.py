"""Starting hvctui: the collector is off from the start until a command is known, and for the
TUI until its first frame."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

import pytest

import hvctui.cli
import hvctui.start
import hvctui.tui.app
import hvctui.tui.launch as launch
from hvctui.tui.app import HvcApp

from .tui_support import corp_profile, write_config


class _Seen(Exception):
    pass


@pytest.fixture(autouse=True)
def collector_left_on() -> object:
    yield
    gc.unfreeze()
    gc.enable()


def test_the_app_is_built_without_the_collector_and_what_startup_made_is_frozen(
        monkeypatch: pytest.MonkeyPatch) -> None:
    seen = {}

    class App:
        return_code = 0

        def __init__(self, **kwargs: object) -> None:
            seen["built with the collector on"] = gc.isenabled()

        def run(self) -> None:
            seen["frozen"] = gc.get_freeze_count() > 0

    monkeypatch.setattr(hvctui.tui.app, "HvcApp", App)
    monkeypatch.setattr(sys, "setswitchinterval", lambda interval: None)
    assert launch.run_tui() == 0
    assert seen == {"built with the collector on": False, "frozen": True}
    assert gc.isenabled()  # and on again once the app has ended, whatever it did


def test_an_app_that_cannot_be_built_leaves_the_collector_on(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def fails(**kwargs: object) -> None:
        raise _Seen

    monkeypatch.setattr(hvctui.tui.app, "HvcApp", fails)
    with pytest.raises(_Seen):
        launch.run_tui()
    assert gc.isenabled()


async def test_the_app_turns_the_collector_on_after_its_first_frame(
        isolated_config: Path) -> None:
    app = HvcApp(config_path=write_config(isolated_config, {"corp": corp_profile("vc.example")}))
    gc.disable()  # as tui/launch.py leaves it
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert gc.isenabled()


def test_the_command_imports_hvctui_with_the_collector_off(
        monkeypatch: pytest.MonkeyPatch) -> None:
    seen = []

    def cli_main() -> int:
        seen.append(gc.isenabled())
        return 7

    monkeypatch.setattr(hvctui.cli, "main", cli_main)
    assert hvctui.start.main() == 7
    assert seen == [False]


def test_what_runs_long_turns_the_collector_on_and_a_short_command_leaves_it_off(
        isolated_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(isolated_config, {"corp": corp_profile("vc.example")})
    gc.disable()  # as hvctui/start.py leaves it
    assert hvctui.cli.main(["profiles", "list", "--config", str(config)]) == 0
    assert not gc.isenabled()  # a command that ends in seconds
    assert "corp" in capsys.readouterr().out
    empty = isolated_config / "empty.toml"
    empty.write_text("")
    assert hvctui.cli.main(["status", "--config", str(empty)]) == 2  # no profiles to check
    assert gc.isenabled()  # a fleet may run for minutes
    gc.disable()
    assert hvctui.cli.main(["link", "--config", str(config), "--profile", "nosuch",
                            "--profile", "other"]) == 2
    assert gc.isenabled()  # so may a link over several profiles
