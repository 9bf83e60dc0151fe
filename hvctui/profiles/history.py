"""The request history: one JSON line per call, with no secret in it.

The file lives in a folder others may be able to write (a shared or badly set up home), so it
is opened only as a regular file and never through a symlink (a history linked to ~/.bashrc
would add lines to it), and each line read is checked for its shape: what is not an entry of
ours is skipped, whatever it holds."""

from __future__ import annotations

import errno
import os
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from hvctui.profiles.store import (
    NotReadable,
    data_dir,
    make_private_folders,
    open_regular_file,
    parse_bounded,
    read_regular_file,
)
from hvctui.vapi.text import one_line

HISTORY_NAME = "history.jsonl"
#: Only the end of a larger history is read (far more than the newest entries shown).
MAX_HISTORY_READ = 4 * 1024 * 1024
#: The largest duration read back (an int64's): a line with more is not one of ours.
_MAX_MS = 2**63 - 1


@dataclass(frozen=True)
class HistoryEntry:
    time: str
    profile: str
    call: str
    server: str
    status: str  # "ok", an error type, or a local failure kind
    duration_ms: int
    detail: str = ""  # link id, domain or first message: never a password


_TEXT_FIELDS = tuple(f.name for f in fields(HistoryEntry) if f.name != "duration_ms")


def _entry(line: str) -> HistoryEntry | None:
    """The entry a line holds, or None when it is not one of ours (not JSON, nested too deep,
    not an object, a field missing or of another type, a duration out of range)."""
    try:
        import json  # when used: the TUI's first frame reads no history (1.2 ms)

        data: Any = parse_bounded(json.loads, line)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    data.setdefault("detail", "")  # older lines had none
    ms = data.get("duration_ms")
    if (not all(isinstance(data.get(name), str) for name in _TEXT_FIELDS)
            or type(ms) is not int or not 0 <= ms <= _MAX_MS):
        return None
    return HistoryEntry(**{name: data[name] for name in (*_TEXT_FIELDS, "duration_ms")})


class History:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or data_dir() / HISTORY_NAME
        #: Why the last `read` found no history, when the path holds something else ("").
        self.problem = ""

    def append(self, entry: HistoryEntry) -> None:
        """One line at the end. Missing folders are created 0700 and a new file 0600; a folder
        or a file that exists keeps its mode.

        OSError, naming the file and why, when the line cannot be written whole: the path is
        not a regular file (a symlink is never followed), or the write was cut short (a full
        disk). A cut line stays as it is; the next entry starts on a line of its own."""
        import json

        where = one_line(str(self.path))
        line = (json.dumps(asdict(entry), sort_keys=True) + "\n").encode("utf-8")
        try:
            make_private_folders(self.path.parent)
            fd = open_regular_file(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT)
        except NotReadable as exc:
            raise OSError(exc.errno, f"{where} is {exc.strerror}") from None
        except OSError as exc:
            raise OSError(exc.errno, f"{where}: {exc.strerror or exc}") from None
        try:
            size = os.fstat(fd).st_size
            os.lseek(fd, max(size - 1, 0), os.SEEK_SET)
            if size and os.read(fd, 1) != b"\n":  # an earlier write was cut short
                line = b"\n" + line
            # One write: O_APPEND keeps it whole beside other processes' lines; a second write
            # for the rest could land after theirs.
            written = os.write(fd, line)
        except OSError as exc:
            raise OSError(exc.errno, f"{where}: {exc.strerror or exc}") from None
        finally:
            os.close(fd)
        if written != len(line):
            raise OSError(errno.EIO, f"{where}: the line was cut short ({written} of "
                          f"{len(line)} bytes written; is the disk full?)")

    def read(self, limit: int = 500) -> list[HistoryEntry]:
        """The newest `limit` entries, newest first; lines that are not entries are skipped.

        Reads only the last MAX_HISTORY_READ bytes of a larger file; a path that is not a
        regular file (a symlink, a FIFO, a device, a folder) is no history, and `problem`
        says why."""
        self.problem = ""
        try:
            # One byte more than kept: when it is there, the file went on before what is kept.
            raw = read_regular_file(self.path, MAX_HISTORY_READ + 1, tail=True)
        except NotReadable as exc:
            self.problem = f"{one_line(str(self.path))} is {exc.strerror}; not read"
            return []
        except OSError:
            return []
        if len(raw) > MAX_HISTORY_READ:  # the first line read may be cut: drop it
            raw = raw.partition(b"\n")[2]
        lines = raw.decode("utf-8", errors="replace").splitlines()
        return [e for line in reversed(lines[-limit:]) if (e := _entry(line)) is not None]


def now_text() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
