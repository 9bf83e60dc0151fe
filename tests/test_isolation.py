"""The test session never writes to the real home (conftest.py's temporary_home)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from hvctui.profiles.store import cache_dir, config_dir, data_dir

from .conftest import REAL_HVCTUI_FOLDERS, XDG_FOLDERS, fingerprint


def inside(path: str | Path, folder: Path) -> bool:
    return Path(path).resolve().is_relative_to(folder.resolve())


def test_home_xdg_and_the_config_folder_point_into_a_temporary_folder(
        temporary_home: Path, isolated_config: Path) -> None:
    temp = Path(tempfile.gettempdir())
    assert inside(temporary_home, temp)
    assert os.environ["HOME"] == str(temporary_home)
    for var in XDG_FOLDERS:
        assert inside(os.environ[var], temporary_home), var
    assert os.environ["HVCTUI_CONFIG_DIR"] == str(isolated_config)
    assert inside(isolated_config, temp)
    for folder in (config_dir(), data_dir(), cache_dir()):
        assert inside(folder, isolated_config)
    for real in REAL_HVCTUI_FOLDERS:
        assert not inside(real, temp)  # what the session watches is the real home


def test_a_test_that_undoes_its_environment_still_writes_into_the_temporary_home(
        temporary_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """pitfalls.md: monkeypatch.undo() also drops the conftest's HVCTUI_CONFIG_DIR; hvctui then
    uses the platform folders, which must be the session's temporary home, not the real one."""
    monkeypatch.undo()
    assert "HVCTUI_CONFIG_DIR" not in os.environ
    for folder in (config_dir(), data_dir(), cache_dir()):
        assert inside(folder, temporary_home), folder
        assert folder not in REAL_HVCTUI_FOLDERS


def test_the_fingerprint_of_the_watched_folders_sees_any_change(tmp_path: Path) -> None:
    folder = tmp_path / "hvctui"
    empty = fingerprint([folder])
    folder.mkdir()
    (folder / "history.jsonl").write_text("one\n")
    first = fingerprint([folder])
    assert first != empty
    (folder / "history.jsonl").write_text("one\n")  # the same bytes again: no change
    assert fingerprint([folder]) == first
    (folder / "history.jsonl").write_text("two\n")
    assert fingerprint([folder]) != first
