"""The request history: one JSON line per call, with no secret in it."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from hvctui.profiles.store import data_dir, make_private_folders, read_regular_file

HISTORY_NAME = "history.jsonl"
#: Only the end of a larger history is read (far more than the newest entries shown).
MAX_HISTORY_READ = 4 * 1024 * 1024


@dataclass(frozen=True)
class HistoryEntry:
    time: str
    profile: str
    call: str
    server: str
    status: str  # "ok", an error type, or a local failure kind
    duration_ms: int
    detail: str = ""  # link id, domain or first message: never a password


class History:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or data_dir() / HISTORY_NAME

    def append(self, entry: HistoryEntry) -> None:
        """One line at the end. Missing folders are created 0700 and a new file 0600; a folder
        or a file that exists keeps its mode."""
        make_private_folders(self.path.parent)
        line = json.dumps(asdict(entry), sort_keys=True) + "\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode("utf-8"))
        finally:
            os.close(fd)

    def read(self, limit: int = 500) -> list[HistoryEntry]:
        """The newest `limit` entries, newest first; unreadable lines are skipped.

        Reads only the last MAX_HISTORY_READ bytes of a larger file; a file that is not a
        regular file (a FIFO, a device, a folder) is no history."""
        try:
            # One byte more than kept: when it is there, the file went on before what is kept.
            raw = read_regular_file(self.path, MAX_HISTORY_READ + 1, tail=True)
        except OSError:
            return []
        if len(raw) > MAX_HISTORY_READ:  # the first line read may be cut: drop it
            raw = raw.partition(b"\n")[2]
        lines = raw.decode("utf-8", errors="replace").splitlines()
        entries = []
        for line in reversed(lines[-limit:]):
            try:
                data = json.loads(line)
                entries.append(HistoryEntry(**{k: data[k] for k in HistoryEntry.__annotations__
                                               if k in data}))
            except (ValueError, TypeError, KeyError):
                continue
        return entries


def now_text() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
