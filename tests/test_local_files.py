"""Hostile local files (issue 19): whoever can write into hvctui's config, data or cache folder
plants a symlink (to a file outside, or to where a file would be made), a FIFO, /dev/zero, data
nested deep, entries of the wrong shape, or a disk that cuts a write short, where hvctui keeps
its config, themes, history, parse cache and lock.

For each, the test asserts: nothing outside the folder is written (the symlink's target keeps
its bytes, a missing target is not made), nothing hangs and memory stays bounded (the file is
used in a child process with a timeout and 1 GiB of address space), what was planted is left as
it was, every message names the path and says why, and the config is left byte for byte.

The child runs `act` below: it does what a user's session does with that file and returns what
hvctui said."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from hvctui.profiles.history import History, HistoryEntry
from hvctui.profiles.store import CACHE_FROM_BYTES, MAX_NESTING, ConfigStore, Profile

ROOT = Path(__file__).resolve().parents[1]
BASHRC = b"# the victim's shell start-up file\nexport PATH=\"$PATH:$HOME/bin\"\n"

GOOD = """\
default_profile = "corp"

[profiles.corp]
server = "vc.example.com"
psc_hostname = "psc.corp.local"
"""

DEEP = 100_000  # the parsers run out of stack long before
PARSED_DEEP = MAX_NESTING + 8  # parses, but what works on the data later would recurse
HUGE = "9" * 4000  # an int JSON reads (under Python's 4,300 digits), not a duration of ours

THEME = 'name = "hostile"\nprimary = "#112233"\n'


def entry(detail: str) -> HistoryEntry:
    return HistoryEntry("2024-01-01T00:00:00Z", "corp", "link", "vc.example.com", "ok", 12,
                        detail)


def line(**changes: Any) -> str:
    data: dict[str, Any] = {"time": "2024-01-01T00:00:00Z", "profile": "corp", "call": "link",
                            "server": "vc.example.com", "status": "ok", "duration_ms": 12,
                            "detail": "planted"}
    data.update(changes)
    return json.dumps(data)


#: History lines that are no entry of ours; each must be skipped, and the lines around kept.
WRONG_LINES = [
    "[1, 2, 3]", '"a string"', "42", "null", "true", "{}",
    line(time=1), line(profile=["corp"]), line(call={"a": 1}), line(server=None),
    line(status=True), line(detail=7), line(duration_ms="12"), line(duration_ms=1.5),
    line(duration_ms=True), line(duration_ms=-1), line(duration_ms=2**63),
    line().replace('"duration_ms": 12', f'"duration_ms": {HUGE}'),
    line().replace('"duration_ms": 12', '"duration_ms": 1e999'),
    line().replace('"duration_ms": 12', '"duration_ms": NaN'),
    line().replace('"duration_ms": 12', '"duration_ms": 1' + "0" * 5000),  # past 4,300 digits
    json.dumps({k: v for k, v in json.loads(line()).items() if k != "server"}),
    "{" * DEEP + "}" * DEEP,
    "[" * DEEP + "]" * DEEP,
    line(extra="[" * PARSED_DEEP + "]" * PARSED_DEEP).replace('"[', "[").replace(']"', "]"),
    '{"time": ' + "[" * DEEP,
]


PROFILES = 800


def large_config(count: int = PROFILES) -> str:
    """A config large enough to have its parse cached (CACHE_FROM_BYTES)."""
    tables = [f'[profiles.p{i:04d}]\nserver = "vc{i}.example.com"\n'
              f'psc_hostname = "psc.corp.local"\nadmin_groups = ["vmc-admins@corp.local"]\n'
              for i in range(count)]
    return 'default_profile = "p0000"\n\n' + "\n".join(tables)


# --- what a session does with each file (run in the child) -----------------------------------

def act(target: str, kind: str, folder: Path) -> dict[str, Any]:
    messages: list[str] = []
    facts: dict[str, Any] = {}
    store = ConfigStore(folder / "config.toml")
    if target == "config":
        loaded = store.load()
        messages += [str(loaded.error or ""), loaded.warning]
        facts["profiles"] = sorted(loaded.config.profiles)
        messages.append(_save(store))
        messages.append(_cli(["profiles", "list"]))
    elif target == "theme":
        from hvctui.tui.themes import load_themes

        themes, problems = load_themes(folder / "themes")
        messages += [str(p) for p in problems]
        facts["themes"] = [t.name for t in themes]
    elif target == "history":
        import hvctui.profiles.history as history_module
        from hvctui.fleet import Fleet
        from hvctui.service import Service

        history = History()
        if kind == "short_write":
            real = os.write
            cut = [True]

            def half(fd: int, data: bytes) -> int:  # a full disk takes the first half only
                if cut.pop() if cut else False:
                    return real(fd, data[: len(data) // 2])
                return real(fd, data)

            history_module.os.write = half  # type: ignore[attr-defined]
        elif kind == "enospc":
            def full(fd: int, data: bytes) -> int:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

            history_module.os.write = full  # type: ignore[attr-defined]
        try:
            history.append(entry("first"))
        except OSError as exc:
            messages.append(str(exc))
        service = Service(store)
        call = SimpleNamespace(label="corp", connection=SimpleNamespace(server="vc.example.com"))
        service.record(call, "link", None, "second", 5)  # type: ignore[arg-type]
        messages.append(service.history_problem)
        entries = history.read()
        messages.append(history.problem)
        facts["details"] = [e.detail for e in entries]
        facts["last_links"] = Fleet(service).last_links()
    elif target == "cache":
        loaded = store.load()
        messages += [str(loaded.error or ""), loaded.warning]
        facts["profiles"] = len(loaded.config.profiles)
        facts["again"] = len(store.load().config.profiles)
    elif target == "lock":
        if kind == "held":
            from hvctui.profiles import store as store_module

            store_module.LOCK_WAIT_S = 0.3
        messages.append(_save(store))
        messages.append(_cli(["profiles", "remove", "corp", "--yes"]))
    return {"messages": [m for m in messages if m], **facts}


def _save(store: ConfigStore) -> str:
    from hvctui.profiles.store import ConfigError

    try:
        store.update(lambda c: c.profiles.update(added=Profile(server="added.example.com")))
    except ConfigError as exc:
        return f"not saved: {exc}"
    return ""


def _cli(argv: list[str]) -> str:
    from hvctui.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return f"exit {code}\n{out.getvalue()}{err.getvalue()}"


# --- the parent: plant, run the child, look ---------------------------------------------------

def run_child(target: str, kind: str, folder: Path) -> dict[str, Any]:
    """`act` in a fresh interpreter with 1 GiB of address space: a read without a bound fails
    (MemoryError) instead of taking the machine's memory, a wait on a FIFO fails the timeout
    instead of hanging the suite."""
    import resource

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    code = (f"import json, sys\nsys.path.insert(0, {str(ROOT)!r})\n"
            "from pathlib import Path\nfrom tests.test_local_files import act\n"
            f"print(json.dumps(act({target!r}, {kind!r}, Path({str(folder)!r}))))\n")
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=60, preexec_fn=cap)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{target} {kind}: hvctui hung")
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def path_of(target: str, folder: Path) -> Path:
    config = folder / "config.toml"
    return {"config": config, "theme": folder / "themes" / "hostile.toml",
            "history": folder / "history.jsonl", "cache": ConfigStore(config).cache_path(),
            "lock": folder / "config.toml.lock"}[target]


def content(target: str, kind: str, folder: Path) -> bytes:
    """What a planted file of this kind holds."""
    deep = DEEP if kind == "deep" else PARSED_DEEP
    if target == "config":
        if kind == "deep":
            return b"a = " + b"[" * deep + b"]" * deep + b"\n"
        if kind == "parsed_deep":  # dotted keys are parsed without recursion: any depth
            return b"a" + b".a" * 1000 + b" = 1\n" + GOOD.encode()
        return b"profiles = [[1, 2]]\n"  # wrong_types
    if target == "theme":
        deep = min(deep, 30_000)  # a theme is read up to 64 KiB
        if kind in ("deep", "parsed_deep"):
            return (THEME + "variables = {x = " + "[" * deep + "]" * deep + "}\n").encode()
        return (THEME + "variables = 5\n").encode()  # wrong_types
    if target == "history":
        good = [line(detail="old-1"), line(detail="old-2")]
        if kind == "wrong_types":
            return "\n".join([good[0], *WRONG_LINES, good[1]]).encode() + b"\n"
        return "\n".join([good[0], "[" * deep + "]" * deep, good[1]]).encode() + b"\n"
    if target == "cache":
        config = (folder / "config.toml").read_bytes()
        key = hashlib.sha256(config).hexdigest()
        if kind == "wrong_types":
            return json.dumps([key, {"profiles": {}}]).encode()
        data = "[" * deep + "]" * deep
        return f'{{"sha256": "{key}", "data": {{"profiles": {{}}, "a": {data}}}}}'.encode()
    raise AssertionError(target)


def plant(target: str, kind: str, path: Path, outside: Path, folder: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "symlink":
        path.symlink_to(outside / "bashrc")
    elif kind == "dangling":
        path.symlink_to(outside / "made-by-hvctui")
    elif kind == "fifo":
        os.mkfifo(path, 0o600)
    elif kind == "devzero":
        path.symlink_to("/dev/zero")
    elif kind == "others_may_write":  # a cache of the right name, that anyone could have written
        path.write_bytes(b'{"sha256": "x", "data": {}}')
        os.chmod(path, 0o666)
    elif kind in ("deep", "parsed_deep", "wrong_types"):
        path.write_bytes(content(target, kind, folder))
        os.chmod(path, 0o600)
    # short_write, enospc, held: nothing planted; the child or the test makes them


def state(path: Path) -> tuple[str, Any]:
    """A path as it is, looked at without following or opening anything but a regular file: a
    symlink's target, a FIFO's kind, a file's bytes."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return ("missing", None)
    if stat.S_ISLNK(info.st_mode):
        return ("link", os.readlink(path))
    if stat.S_ISREG(info.st_mode):
        return ("file", path.read_bytes())
    return ("kind", stat.S_IFMT(info.st_mode))


def snapshot(folder: Path) -> dict[str, Any]:
    """Every entry under `folder` as it is (`state`)."""
    return {str(path.relative_to(folder)): state(path) for path in sorted(folder.rglob("*"))}


#: (target, kind, words every message about it must hold; None: no message, only a skip).
CASES = [
    ("config", "symlink", "not valid TOML"),  # a config may be a symlink; bashrc is no TOML
    ("config", "fifo", "it is a FIFO (named pipe), not a regular file"),
    ("config", "devzero", "it is a device, not a regular file"),
    ("config", "deep", f"not read: nested more than {MAX_NESTING} levels deep"),
    ("config", "parsed_deep", f"not read: nested more than {MAX_NESTING} levels deep"),
    ("config", "wrong_types", "must be a table"),
    ("theme", "symlink", "not valid TOML"),  # only read: followed, as the config is
    ("theme", "fifo", "a FIFO (named pipe), not a regular file"),
    ("theme", "devzero", "a device, not a regular file"),
    ("theme", "deep", f"nested more than {MAX_NESTING} levels deep"),
    ("theme", "parsed_deep", f"nested more than {MAX_NESTING} levels deep"),
    ("theme", "wrong_types", "variables must be a table"),
    ("history", "symlink", "is a symbolic link (not followed)"),
    ("history", "dangling", "is a symbolic link (not followed)"),
    ("history", "fifo", "is a FIFO (named pipe), not a regular file"),
    ("history", "devzero", "is a symbolic link (not followed)"),
    ("history", "deep", None),
    ("history", "wrong_types", None),
    ("history", "short_write", "the line was cut short"),
    ("history", "enospc", "No space left on device"),
    ("cache", "symlink", "is not used: it is a symbolic link (not followed)"),
    ("cache", "dangling", "is not used: it is a symbolic link (not followed)"),
    ("cache", "fifo", "is not used: it is a FIFO (named pipe), not a regular file"),
    ("cache", "devzero", "is not used: it is a symbolic link (not followed)"),
    ("cache", "others_may_write", "is not used: it is writable by other users (mode 0666)"),
    ("cache", "deep", None),
    ("cache", "parsed_deep", None),
    ("cache", "wrong_types", None),
    ("lock", "symlink", "its lock file {path} is a symbolic link (not followed)"),
    ("lock", "dangling", "its lock file {path} is a symbolic link (not followed)"),
    ("lock", "fifo", "its lock file {path} is a FIFO (named pipe), not a regular file"),
    ("lock", "devzero", "its lock file {path} is a symbolic link (not followed)"),
    ("lock", "held", "another process has held its lock file {path}"),
]


@pytest.mark.parametrize("target,kind,words", CASES, ids=[f"{t}-{k}" for t, k, _ in CASES])
def test_a_hostile_local_file_is_refused_or_skipped_and_nothing_else_changes(
        isolated_config: Path, tmp_path: Path, target: str, kind: str, words: str | None
) -> None:
    folder = isolated_config
    folder.mkdir(mode=0o700)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "bashrc").write_bytes(BASHRC)
    config = folder / "config.toml"
    if target != "config":
        config.write_text(large_config() if target == "cache" else GOOD)
        config.chmod(0o600)
        assert target != "cache" or config.stat().st_size >= CACHE_FROM_BYTES
    path = path_of(target, folder)
    plant(target, kind, path, outside, folder)
    config_before = state(config)
    planted = snapshot(path.parent) if kind not in ("deep", "parsed_deep", "wrong_types") \
        else {}
    holder = None
    if kind == "held":  # another process holds the lock (this one, for the child)
        holder = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(holder, fcntl.LOCK_EX)
    try:
        result = run_child(target, kind, folder)
    finally:
        if holder is not None:
            os.close(holder)

    # Nothing outside the folder is written: the target keeps its bytes, none is made.
    assert snapshot(outside) == {"bashrc": ("file", BASHRC)}
    # The config is left byte for byte (it is never saved over while something is refused).
    assert state(config) == config_before
    messages = result["messages"]
    assert not any("unexpected failure" in m or "Traceback" in m for m in messages), messages
    if words is None:
        assert messages == [], messages
    else:
        # A message names the file and says why.
        assert any(str(path) in m and words.format(path=path) in m for m in messages), messages
    if planted:  # what was planted is left as it was: refused, not followed, not replaced
        now = snapshot(path.parent)
        assert {k: v for k, v in now.items() if k in planted} == planted
    check_outcome(target, kind, path, result)


def check_outcome(target: str, kind: str, path: Path, result: dict[str, Any]) -> None:
    """What the session still did: the rest of the file's use went on."""
    if target == "config":
        assert result["profiles"] == []  # nothing taken from a file that could not be read
    elif target == "theme":
        assert "hostile" not in result["themes"] and "hvc-dark" in result["themes"]
    elif target == "history":
        details = result["details"]
        if kind in ("deep", "wrong_types"):  # the bad lines skipped, the good ones kept
            assert details == ["second", "first", "old-2", "old-1"]
            assert list(result["last_links"]) == ["corp"]
            assert result["last_links"]["corp"].endswith(" ok second")
        elif kind == "short_write":  # the cut line skipped; the next entry on its own line
            assert details == ["second"]
            assert path.read_bytes().count(b"\n") == 2
        elif kind != "enospc":
            assert details == [] and result["last_links"] == {}
    elif target == "cache":
        assert result["profiles"] == result["again"] == PROFILES
        if kind in ("deep", "parsed_deep", "wrong_types"):  # ignored, and made anew
            info = os.lstat(path)
            assert stat.S_ISREG(info.st_mode) and stat.S_IMODE(info.st_mode) == 0o600
            assert len(json.loads(path.read_bytes())["data"]["profiles"]) == PROFILES


# --- folders others may write ----------------------------------------------------------------

@pytest.mark.parametrize("which", ["config", "data", "cache"])
def test_a_folder_others_may_write_is_a_warning_naming_it(
        isolated_config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], which: str) -> None:
    from hvctui.cli import main
    from hvctui.profiles import store as store_module

    folders = {"config": isolated_config, "data": tmp_path / "data",
               "cache": tmp_path / "cache"}
    for folder in folders.values():
        folder.mkdir(mode=0o700)
    monkeypatch.setattr(store_module, "data_dir", lambda: folders["data"])
    monkeypatch.setattr(store_module, "cache_dir", lambda: folders["cache"])
    store = ConfigStore(isolated_config / "config.toml")
    store.path.write_text(GOOD)
    store.path.chmod(0o600)
    assert store.load().warnings == []
    shared = folders[which]
    shared.chmod(0o777)
    [warning] = store.load().warnings
    assert warning.path == shared
    assert str(warning) == (f"{shared}: this folder can be written by other users (mode 0777), "
                            "who could replace hvctui's files in it or plant links there; run: "
                            f"chmod go-w {shared}")
    shared.chmod(0o770)  # the group alone is enough
    assert "(mode 0770)" in store.load().warning
    assert main(["profiles", "list", "--config", str(store.path)]) == 0
    assert f"WARNING: {shared}: this folder can be written by other users" in \
        capsys.readouterr().err
    shared.chmod(0o700)


def test_a_warning_comes_without_a_config_file_too(isolated_config: Path) -> None:
    isolated_config.mkdir(mode=0o777)
    isolated_config.chmod(0o777)
    loaded = ConfigStore().load()
    assert loaded.error is None and not loaded.exists
    assert f"{isolated_config}: this folder can be written by other users" in loaded.warning


# --- the history's readers --------------------------------------------------------------------

async def test_the_history_screen_shows_only_entries_and_says_why_there_is_none(
        isolated_config: Path, tmp_path: Path) -> None:
    from textual.widgets import DataTable, Static

    from hvctui.tui.app import HvcApp
    from hvctui.tui.screens.history import HistoryScreen

    isolated_config.mkdir()
    history = isolated_config / "history.jsonl"
    history.write_text("\n".join([line(detail="kept"), *WRONG_LINES]) + "\n")
    app = HvcApp(tz=None)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f4")
        await pilot.pause()
        assert isinstance(app.screen, HistoryScreen)
        table = app.screen.query_one(DataTable)
        assert table.row_count == 1 and str(table.get_row_at(0)[-1]) == "kept"
        await pilot.press("escape")
        history.unlink()
        history.symlink_to(tmp_path / "elsewhere")
        await pilot.press("f4")
        await pilot.pause()
        title = str(app.screen.query_one(".screen-title", Static).render())
        assert title == (f"Request history: {history} is a symbolic link (not followed); "
                         "not read")


# --- the pieces underneath ----------------------------------------------------------------------

def test_an_own_file_replaces_a_symlink_and_never_writes_through_it(tmp_path: Path) -> None:
    from hvctui.profiles.store import write_atomically

    (tmp_path / "bashrc").write_bytes(BASHRC)
    cache = tmp_path / "cache" / "config-x.json"
    cache.parent.mkdir()
    cache.symlink_to(tmp_path / "bashrc")
    write_atomically(cache, b"{}", follow_symlinks=False)
    assert (tmp_path / "bashrc").read_bytes() == BASHRC
    assert not cache.is_symlink() and cache.read_bytes() == b"{}"
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600  # not the link's 0777


def test_without_o_nofollow_a_symlink_is_still_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hvctui.profiles import store as store_module

    monkeypatch.setattr(store_module, "_NOFOLLOW", 0)  # as on a platform without it
    (tmp_path / "bashrc").write_bytes(BASHRC)
    history = History(tmp_path / "history.jsonl")
    history.path.symlink_to(tmp_path / "bashrc")
    with pytest.raises(OSError, match="is a symbolic link"):
        history.append(entry("x"))
    assert history.read() == [] and "is a symbolic link" in history.problem
    assert (tmp_path / "bashrc").read_bytes() == BASHRC


def test_without_flock_saves_still_work(isolated_config: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from hvctui.profiles import store as store_module

    monkeypatch.setattr(store_module, "fcntl", None)  # as on Windows
    store = ConfigStore()
    store.update(lambda c: c.profiles.update(corp=Profile(server="vc.example.com")))
    assert list(store.load().config.profiles) == ["corp"]


def test_a_path_in_a_message_is_one_printable_line(tmp_path: Path) -> None:
    folder = tmp_path / "evil\x1b]0;owned\x07\nname"
    folder.mkdir()
    history = History(folder / "history.jsonl")
    history.path.symlink_to("/dev/zero")
    with pytest.raises(OSError) as caught:
        history.append(entry("x"))
    history.read()
    folder.chmod(0o777)
    warning = ConfigStore(folder / "config.toml").load().warning
    for message in (caught.value.strerror, history.problem, warning):
        assert "evil\\x1b]0;owned\\x07\\x0aname" in message
        assert not any(c in message for c in "\x1b\x07\n")
    folder.chmod(0o700)


def test_a_link_planted_between_the_caches_read_and_its_write_is_not_written_through(
        isolated_config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hvctui.profiles import store as store_module

    (tmp_path / "bashrc").write_bytes(BASHRC)
    store = ConfigStore()
    isolated_config.mkdir()
    store.path.write_text(large_config())
    store.path.chmod(0o600)
    cache = store.cache_path()
    real = store_module.read_regular_file

    def read_then_plant(path: Path, limit: int, **how: Any) -> bytes:
        if path != cache:
            return real(path, limit, **how)
        cache.parent.mkdir(exist_ok=True)
        cache.symlink_to(tmp_path / "bashrc")  # the link comes just after the look
        raise FileNotFoundError(errno.ENOENT, "missing", str(path))

    monkeypatch.setattr(store_module, "read_regular_file", read_then_plant)
    assert len(store.load().config.profiles) == PROFILES
    assert (tmp_path / "bashrc").read_bytes() == BASHRC
    assert not cache.is_symlink() and json.loads(cache.read_bytes())["data"]["profiles"]
