"""The config file: tolerant loading, broken profiles isolated and never saved over, located
problems, atomic and locked saves, typed write failures, and files handled with care (only
what hvctui creates is restricted; symlinks are written through)."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from hvctui._compat import tomllib
from hvctui.profiles.history import History, HistoryEntry
from hvctui.profiles.store import (
    ConfigError,
    ConfigStore,
    ConfigWriteError,
    Profile,
    check_profile_name,
)

GOOD = """\
default_profile = "corp"

[profiles.corp]
server = "vcenter.example.com"
user = "cloudadmin@vmc.local"
psc_hostname = "psc.corp.local"
admin_groups = ["vmc-admins@corp.local"]
"""

OTHER = """
[profiles.other]
server = "vc.other.example"
"""


def write(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    os.chmod(path, 0o600)  # as a careful user keeps it: no permission warning
    return digest(path)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def add_x(store: ConfigStore) -> None:
    store.update(lambda c: c.profiles.update(x=Profile(server="x.example")))


# --- loading ------------------------------------------------------------------------------------

def test_missing_file_is_an_empty_config(tmp_path: Path) -> None:
    loaded = ConfigStore(tmp_path / "config.toml").load()
    assert loaded.error is None and loaded.config.profiles == {} and not loaded.exists
    assert loaded.warnings == [] and loaded.broken == {}


def test_not_toml_is_reported_with_path_and_line_and_never_saved_over(tmp_path: Path) -> None:
    store = ConfigStore(tmp_path / "config.toml")
    before = write(store.path, 'default_profile = "corp"\n[profiles.corp\nserver = "x"\n')
    loaded = store.load()
    assert loaded.error is not None
    problem = loaded.error.problems[0]
    assert problem.path == store.path and problem.line == 2
    assert "not valid TOML" in problem.reason and str(store.path) in str(loaded.error)
    with pytest.raises(ConfigError):
        add_x(store)
    assert digest(store.path) == before


def test_profiles_that_is_not_a_table_refuses_the_file(tmp_path: Path) -> None:
    store = ConfigStore(tmp_path / "config.toml")
    before = write(store.path, "profiles = 3\n")
    loaded = store.load()
    assert loaded.error is not None and loaded.error.problems[0].key == "profiles"
    with pytest.raises(ConfigError):
        add_x(store)
    assert digest(store.path) == before


def test_integer_port_loads_as_text_and_an_unset_port_stays_empty(tmp_path: Path) -> None:
    store = ConfigStore(tmp_path / "config.toml")
    write(store.path, GOOD + "psc_port = 443\n" + OTHER)
    loaded = store.load()
    assert loaded.error is None and loaded.broken == {} and loaded.warnings == []
    assert loaded.config.profiles["corp"].psc_port == "443"
    assert loaded.config.profiles["other"].psc_port == ""
    assert Profile().psc_port == ""


@pytest.mark.parametrize("line", [
    'psc_port = "99999"',
    'ssl_thumbprint = "AB:CD"',
    'psc_hostname = "psc corp"',
    'domain_name = "two words"',
])
def test_spec_values_are_checked_for_type_only(tmp_path: Path, line: str) -> None:
    # Their value rules belong to the CreateSpec, judged when the profile is used.
    store = ConfigStore(tmp_path / "config.toml")
    write(store.path, GOOD.replace('psc_hostname = "psc.corp.local"\n', "") + line + "\n")
    loaded = store.load()
    assert loaded.broken == {} and loaded.warnings == []
    key, value = line.split(" = ")
    assert getattr(loaded.config.profiles["corp"], key) == tomllib.loads(line)[key]


def test_admin_groups_are_checked_for_type_only(tmp_path: Path) -> None:
    store = ConfigStore(tmp_path / "config.toml")
    write(store.path, GOOD.replace('["vmc-admins@corp.local"]', '["admins"]'))
    assert store.load().config.profiles["corp"].admin_groups == ["admins"]


def test_unknown_keys_are_located_warnings_and_kept_on_save(tmp_path: Path) -> None:
    store = ConfigStore(tmp_path / "config.toml")
    write(store.path, 'colour = "red"\n' + GOOD + 'flavour = "mint"\n')
    loaded = store.load()
    assert loaded.error is None and "corp" in loaded.config.profiles
    found = {(w.key, w.line) for w in loaded.warnings}
    assert found == {("colour", 1), ("profiles.corp.flavour", 9)}
    assert all("unknown key" in w.reason and w.path == store.path for w in loaded.warnings)
    assert "profiles.corp.flavour" in loaded.warning
    add_x(store)
    data = tomllib.loads(store.path.read_text())
    assert data["colour"] == "red" and data["profiles"]["corp"]["flavour"] == "mint"


def test_a_default_profile_naming_no_profile_is_a_warning(tmp_path: Path) -> None:
    store = ConfigStore(tmp_path / "config.toml")
    write(store.path, GOOD.replace('"corp"', '"gone"', 1))
    loaded = store.load()
    assert loaded.error is None and "corp" in loaded.config.profiles
    [warning] = loaded.warnings
    assert warning.key == "default_profile" and warning.line == 1 and "gone" in warning.reason


def test_an_invalid_top_level_value_is_a_warning_and_kept(tmp_path: Path) -> None:
    store = ConfigStore(tmp_path / "config.toml")
    write(store.path, 'timezone = "Mars/Olympus"\n' + GOOD)
    loaded = store.load()
    assert "corp" in loaded.config.profiles and loaded.config.timezone == ""
    assert [(w.key, w.line) for w in loaded.warnings] == [("timezone", 1)]
    add_x(store)
    assert tomllib.loads(store.path.read_text())["timezone"] == "Mars/Olympus"


@pytest.mark.parametrize("bad", [
    '"[b]x,,\\u001b[2J"', '""', '"f5,"', '"f5 ctrl+j"', '"ctrl+["', '"{links}"', '"é"',
    '"f5\\u00a0"', "5", '["f5"]'])
def test_a_bad_keymap_value_is_a_located_warning_and_only_that_entry_is_ignored(
        tmp_path: Path, bad: str) -> None:
    store = ConfigStore(tmp_path / "config.toml")
    write(store.path, f'[keymap]\nhelp = "f1,question_mark"\nlink = {bad}\nquit = "ctrl+q"\n'
          + GOOD.replace('default_profile = "corp"\n', ""))
    loaded = store.load()
    assert loaded.config.keymap == {"help": "f1,question_mark", "quit": "ctrl+q"}
    [warning] = loaded.warnings
    assert (warning.key, warning.line) == ("keymap.link", 3)
    assert "ignored" in warning.reason and "\x1b" not in str(warning)
    # A save keeps the ignored value in the file as it was, and the good ones.
    add_x(store)
    saved = tomllib.loads(store.path.read_text())["keymap"]
    assert saved == {"help": "f1,question_mark", "quit": "ctrl+q",
                     "link": tomllib.loads(f"v = {bad}")["v"]}


def test_good_keymap_values_load_without_a_warning(tmp_path: Path) -> None:
    store = ConfigStore(tmp_path / "config.toml")
    keys = {"link": "f5,ctrl+j", "quit": "ctrl+q", "help": "question_mark", "copy": "+"}
    write(store.path, "[keymap]\n" + "".join(f'{k} = "{v}"\n' for k, v in keys.items()))
    loaded = store.load()
    assert loaded.warnings == [] and loaded.config.keymap == keys


def test_spaces_around_the_commas_of_a_keymap_value_are_what_people_write(
        tmp_path: Path) -> None:
    store = ConfigStore(tmp_path / "config.toml")
    write(store.path, '[keymap]\nlink = "f5, ctrl+j"\n')
    loaded = store.load()
    assert loaded.warnings == [] and loaded.config.keymap == {"link": "f5,ctrl+j"}


#: GOOD without the keys the broken cases set.
BASE = GOOD.replace('server = "vcenter.example.com"\n', "").replace(
    'admin_groups = ["vmc-admins@corp.local"]\n', "")

BROKEN_CASES = [
    ('tls = "sometimes"', "profiles.corp.tls", "system"),
    ('password_source = "file:/tmp/pw"', "profiles.corp.password_source", "env:VARNAME"),
    ('psc_password_source = "env:1X"', "profiles.corp.psc_password_source", "env:VARNAME"),
    ('server = "vc host"', "profiles.corp.server", "not a server address"),
    ('pin_sha256 = "AB:CD"', "profiles.corp.pin_sha256", "hex"),
    ("ca_file = 7", "profiles.corp.ca_file", "must be a string"),
    ("psc_port = [443]", "profiles.corp.psc_port", "must be a string"),
    ("psc_port = true", "profiles.corp.psc_port", "must be a string"),
    ("admin_groups = 7", "profiles.corp.admin_groups", "list"),
    ("ssl_thumbprint = 12", "profiles.corp.ssl_thumbprint", "must be a string"),
]


def test_admin_groups_written_as_one_string_are_read_as_a_list(tmp_path: Path) -> None:
    store = ConfigStore(tmp_path / "config.toml")
    write(store.path, BASE + 'admin_groups = "a@corp.local, b@corp.local"\n' + OTHER)
    loaded = store.load()
    assert not loaded.broken
    assert loaded.config.profiles["corp"].admin_groups == ["a@corp.local", "b@corp.local"]


@pytest.mark.parametrize("line,key,words", BROKEN_CASES)
def test_a_broken_profile_is_left_out_located_and_the_others_load(
        tmp_path: Path, line: str, key: str, words: str) -> None:
    store = ConfigStore(tmp_path / "config.toml")
    text = BASE + line + "\n" + OTHER
    write(store.path, text)
    loaded = store.load()
    assert loaded.error is None
    assert list(loaded.config.profiles) == ["other"]
    [problem] = loaded.broken["corp"]
    assert problem.path == store.path and problem.key == key and words in problem.reason
    assert problem.line == text.splitlines().index(line) + 1
    assert "profile 'corp' not loaded" in loaded.warning
    assert "'corp' names a profile that could not be loaded" in loaded.warning


@pytest.mark.parametrize("line,key,words", BROKEN_CASES)
def test_a_broken_profile_is_never_saved_over(
        tmp_path: Path, line: str, key: str, words: str) -> None:
    store = ConfigStore(tmp_path / "config.toml")
    text = BASE + line + "\n" + OTHER
    write(store.path, text)
    original = tomllib.loads(text)["profiles"]["corp"]
    # Other changes save, and the broken table is written back as it was, in its place.
    store.update(lambda c: c.profiles.update(new=Profile(server="new.example")))
    store.update(lambda c: c.profiles.__setitem__("other", Profile(server="changed.example")))
    store.update(lambda c: c.profiles.pop("other"))
    data = tomllib.loads(store.path.read_text())
    assert data["profiles"]["corp"] == original
    assert list(data["profiles"]) == ["corp", "new"]
    assert data["default_profile"] == "corp"
    # A change that gives a profile the broken one's name is refused, and nothing is written.
    before = digest(store.path)
    with pytest.raises(ConfigError, match="correct or remove it in the file") as caught:
        store.update(lambda c: c.profiles.__setitem__("corp", Profile(server="vc.example")))
    assert caught.value.problems[0].key == "profiles.corp"
    with pytest.raises(ConfigError):
        store.update(lambda c: c.profiles.__setitem__("corp", c.profiles.pop("new")))
    assert digest(store.path) == before


@pytest.mark.parametrize("header,table", [
    ('[profiles."my corp"]\nserver = "vc.example"\n', {"server": "vc.example"}),
    ('[profiles]\n"corp\\n" = { server = "vc.example" }\n', {"server": "vc.example"}),
    ("[profiles]\nplain = 3\n", 3),
])
def test_a_profile_with_a_bad_name_or_shape_is_broken_and_kept(
        tmp_path: Path, header: str, table: object) -> None:
    store = ConfigStore(tmp_path / "config.toml")
    write(store.path, OTHER + header)
    loaded = store.load()
    assert list(loaded.config.profiles) == ["other"] and len(loaded.broken) == 1
    [name] = loaded.broken
    add_x(store)
    assert tomllib.loads(store.path.read_text())["profiles"][name] == table


def test_a_save_that_would_not_load_back_is_refused(tmp_path: Path) -> None:
    store = ConfigStore(tmp_path / "config.toml")
    before = write(store.path, GOOD)
    with pytest.raises(ConfigError, match="TLS mode"):
        store.update(lambda c: c.profiles.update(x=Profile(tls="sometimes")))
    assert digest(store.path) == before


def test_profile_names_are_matched_whole() -> None:
    assert check_profile_name("corp") == "corp"
    for name in ("corp\n", "corp x", "", "a" * 65, "../corp"):
        with pytest.raises(ValueError, match="not a profile name"):
            check_profile_name(name)


def test_start_afresh_keeps_the_broken_file_as_a_backup(tmp_path: Path) -> None:
    store = ConfigStore(tmp_path / "config.toml")
    before = write(store.path, "not = [valid")
    backup = store.start_afresh()
    assert backup is not None and digest(backup) == before
    store.update(lambda c: c.profiles.update(fresh=Profile()))
    assert "fresh" in store.load().config.profiles


def test_readable_by_others_gets_a_warning(tmp_path: Path) -> None:
    store = ConfigStore(tmp_path / "config.toml")
    write(store.path, GOOD)
    os.chmod(store.path, 0o644)
    [warning] = store.load().warnings
    assert warning.path == store.path and "chmod 600" in store.load().warning
    os.chmod(store.path, 0o600)
    assert store.load().warning == "" and store.load().warnings == []


# --- concurrency and crashes --------------------------------------------------------------------

SAVER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from hvctui.profiles.store import ConfigStore, Profile
    store = ConfigStore(Path(sys.argv[1]))
    name = sys.argv[2]
    for i in range(15):
        store.update(lambda c: c.profiles.update({f"{name}{i}": Profile(server=f"{name}.example")}))
""")


def test_two_processes_saving_different_profiles_both_keep_their_changes(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    procs = [subprocess.Popen([sys.executable, "-c", SAVER, str(path), name])
             for name in ("alpha", "beta")]
    assert [p.wait(timeout=60) for p in procs] == [0, 0]
    names = set(ConfigStore(path).load().config.profiles)
    assert names == {f"{n}{i}" for n in ("alpha", "beta") for i in range(15)}


KILLED = textwrap.dedent("""
    import os, sys
    from pathlib import Path
    from hvctui.profiles import store as s
    real_fsync = os.fsync
    def die(fd):
        os.kill(os.getpid(), 9)  # killed midway: after writing the temp file, before rename
    os.fsync = die
    st = s.ConfigStore(Path(sys.argv[1]))
    st.update(lambda c: c.profiles.update(new=s.Profile(server="new.example")))
""")


def test_a_save_killed_midway_leaves_the_old_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    before = write(path, GOOD)
    result = subprocess.run([sys.executable, "-c", KILLED, str(path)], timeout=60)
    assert result.returncode == -9
    assert digest(path) == before
    assert ConfigStore(path).load().error is None


# --- write failures -----------------------------------------------------------------------------

def _fail_with(code: int):  # type: ignore[no-untyped-def]
    def fail(*_: object, **__: object) -> None:
        raise OSError(code, os.strerror(code))
    return fail


@pytest.mark.parametrize("where,code,words", [
    ("fsync", errno.ENOSPC, "disk is full"),
    ("replace", errno.ENOSPC, "disk is full"),
    ("mkstemp", errno.EROFS, "read-only"),
    ("mkstemp", errno.EACCES, "no permission"),
    ("replace", errno.EIO, os.strerror(errno.EIO)),
])
def test_a_failed_write_is_one_typed_error_leaving_the_old_file_and_no_temp_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str, code: int,
        words: str) -> None:
    store = ConfigStore(tmp_path / "config.toml")
    before = write(store.path, GOOD)
    module = tempfile if where == "mkstemp" else os
    monkeypatch.setattr(module, where, _fail_with(code))
    with pytest.raises(ConfigWriteError) as caught:
        add_x(store)
    monkeypatch.undo()
    error = caught.value
    assert isinstance(error, ConfigError)
    assert error.path == store.path and words in error.reason and str(store.path) in str(error)
    assert "left as it was" in error.hint
    assert digest(store.path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml", "config.toml.lock"]


def test_a_folder_that_cannot_be_created_is_a_typed_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    store = ConfigStore(tmp_path / "file" / "config.toml")
    with pytest.raises(ConfigWriteError):
        add_x(store)


# --- files: only what hvctui creates is restricted ----------------------------------------------

def test_a_new_nested_folder_is_0700_and_a_new_file_0600(tmp_path: Path) -> None:
    store = ConfigStore(tmp_path / "a" / "b" / "config.toml")
    old = os.umask(0o277)  # a umask that would leave new folders 0500: ours are 0700 anyway
    try:
        add_x(store)
    finally:
        os.umask(old)
    assert mode(tmp_path / "a") == 0o700 and mode(tmp_path / "a" / "b") == 0o700
    assert mode(store.path) == 0o600
    assert store.load().config.profiles["x"].server == "x.example"


@pytest.mark.parametrize("folder_mode", [0o755, 0o1777])
def test_an_existing_folder_keeps_its_mode(tmp_path: Path, folder_mode: int) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, folder_mode)
    store = ConfigStore(shared / "x.toml")
    add_x(store)
    add_x(store)
    assert mode(shared) == folder_mode
    assert mode(store.path) == 0o600


def test_an_existing_file_keeps_its_mode_and_is_warned_about(tmp_path: Path) -> None:
    store = ConfigStore(tmp_path / "config.toml")
    write(store.path, GOOD)
    os.chmod(store.path, 0o640)
    add_x(store)
    assert mode(store.path) == 0o640
    assert "chmod 600" in store.load().warning


def test_a_symlinked_config_is_written_through_and_stays_a_symlink(tmp_path: Path) -> None:
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    os.chmod(dotfiles, 0o755)
    target = dotfiles / "hvctui.toml"
    write(target, GOOD)
    link = tmp_path / "cfg" / "config.toml"
    link.parent.mkdir()
    link.symlink_to(target)
    store = ConfigStore(link)
    add_x(store)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert set(tomllib.loads(target.read_text())["profiles"]) == {"corp", "x"}
    assert mode(dotfiles) == 0o755 and mode(target) == 0o600
    # The temp file and the lock live beside the target; nothing else is left anywhere.
    assert sorted(p.name for p in dotfiles.iterdir()) == ["hvctui.toml", "hvctui.toml.lock"]
    assert [p.name for p in link.parent.iterdir()] == ["config.toml"]
    # Starting afresh moves the target aside; the symlink stays and the next save refills it.
    write(target, "broken = [")
    backup = store.start_afresh()
    assert backup == dotfiles / "hvctui.toml.broken-1" and link.is_symlink()
    add_x(store)
    assert link.is_symlink() and "x" in ConfigStore(target).load().config.profiles


# --- history ------------------------------------------------------------------------------------

def entry(detail: str = "") -> HistoryEntry:
    return HistoryEntry("2024-01-01T00:00:00Z", "corp", "link", "vc.example", "ok", 12, detail)


def test_history_does_not_chmod_an_existing_folder(tmp_path: Path) -> None:
    os.chmod(tmp_path, 0o755)
    history = History(tmp_path / "history.jsonl")
    history.append(entry())
    assert mode(tmp_path) == 0o755 and mode(history.path) == 0o600


def test_history_creates_missing_folders_0700(tmp_path: Path) -> None:
    history = History(tmp_path / "a" / "b" / "history.jsonl")
    history.append(entry("link-1"))
    assert mode(tmp_path / "a") == 0o700 and mode(tmp_path / "a" / "b") == 0o700
    assert history.read()[0].detail == "link-1"


def test_history_entries_hold_no_secret_fields(tmp_path: Path) -> None:
    history = History(tmp_path / "history.jsonl")
    history.append(entry())
    [line] = history.path.read_text().splitlines()
    assert set(json.loads(line)) == {"time", "profile", "call", "server", "status",
                                     "duration_ms", "detail"}


def _large_config(path: Path, count: int = 2000) -> None:
    lines = ['default_profile = "p0000"']
    for i in range(count):
        lines.append(f'[profiles.p{i:04d}]\nserver = "vc{i}.example.com"\n'
                     f'user = "cloudadmin@vmc.local"\npsc_hostname = "psc.corp.local"\n'
                     f'admin_groups = ["vmc-admins@corp.local"]\n')
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))
    path.chmod(0o600)


def test_a_large_config_is_read_from_its_cache_until_the_file_changes(
        isolated_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hvctui.profiles import store as store_module

    path = isolated_config / "config.toml"
    _large_config(path)
    assert path.stat().st_size >= store_module.CACHE_FROM_BYTES
    first = ConfigStore(path).load()
    assert ConfigStore(path).cache_path().exists()

    def no_toml(text: str) -> dict:  # type: ignore[type-arg]
        raise AssertionError("the TOML was parsed although the cache holds it")

    monkeypatch.setattr(tomllib, "loads", no_toml)
    cached = ConfigStore(path).load()
    assert cached.config == first.config and len(cached.config.profiles) == 2000
    # Any change to the file's bytes misses the cache: the file is the truth.
    path.write_text(path.read_text().replace("vc7.example.com", "changed.example.com"))
    with pytest.raises(AssertionError, match="parsed although"):
        ConfigStore(path).load()
    monkeypatch.undo()
    assert ConfigStore(path).load().config.profiles["p0007"].server == "changed.example.com"


def test_a_cache_that_cannot_be_read_is_not_used(isolated_config: Path) -> None:
    path = isolated_config / "config.toml"
    _large_config(path)
    store = ConfigStore(path)
    expected = store.load().config
    store.cache_path().write_text('{"sha256": "x", "data": [1, 2')
    assert store.load().config == expected
    store.cache_path().write_text('{"sha256": "x", "data": {"profiles": {}}}')
    assert store.load().config == expected  # another file's parse: the key does not match


# --- only regular files, and only so much of them, are read -----------------------------------

def _in_a_child(code: str, path: Path) -> str:
    """Run `code` (with PATH bound) in a fresh interpreter with 1 GiB of address space: a read
    without a bound fails the test (MemoryError, or the timeout for a read that would block
    forever) instead of taking the machine's memory or hanging. The timeout is a safety net,
    not a measurement."""
    import resource

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    try:
        done = subprocess.run([sys.executable, "-c", f"from pathlib import Path\n"
                               f"PATH = Path({str(path)!r})\n{code}"],
                              capture_output=True, text=True, timeout=120, preexec_fn=cap)
    except subprocess.TimeoutExpired:
        pytest.fail(f"reading {path} blocked")
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_a_fifo_config_is_refused_without_waiting_and_never_saved_over(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    os.mkfifo(path, 0o600)
    out = _in_a_child(
        "from hvctui.profiles.store import ConfigError, ConfigStore, Profile\n"
        "store = ConfigStore(PATH)\n"
        "print(store.load().error)\n"
        "try:\n"
        "    store.update(lambda c: c.profiles.update(x=Profile()))\n"
        "except ConfigError as exc:\n"
        "    print('refused', exc)\n", path)
    assert f"{path}: not read: it is a FIFO (named pipe), not a regular file" in out
    assert "refused" in out and stat.S_ISFIFO(os.lstat(path).st_mode)


@pytest.mark.parametrize("kind,words", [
    ("device", "a device, not a regular file"),
    ("folder", "a folder, not a regular file"),
    ("sparse", "too large (2147483648 bytes; at most 16777216 are read)"),
    ("just_too_large", "too large (16777217 bytes"),
])
def test_a_config_that_is_not_a_regular_file_or_too_large_is_refused_and_kept(
        tmp_path: Path, kind: str, words: str) -> None:
    store = ConfigStore(tmp_path / "config.toml")
    if kind == "device":
        store.path.symlink_to("/dev/zero")  # stat after following the symlink
    elif kind == "folder":
        store.path.mkdir()
    else:
        with open(store.path, "wb") as f:
            f.truncate(2 << 30 if kind == "sparse" else 16 * 1024 * 1024 + 1)
    out = _in_a_child(
        "from hvctui.profiles.store import ConfigError, ConfigStore, Profile\n"
        "store = ConfigStore(PATH)\n"
        "loaded = store.load()\n"
        "assert loaded.config.profiles == {}\n"
        "[problem] = loaded.error.problems\n"
        "print(problem.path)\n"
        "print(problem.reason)\n"
        "try:\n"
        "    store.update(lambda c: c.profiles.update(x=Profile()))\n"
        "except ConfigError:\n"
        "    print('refused')\n", store.path)
    path, reason, refused = out.splitlines()
    assert path == str(store.path) and reason.startswith("not read: it is ")
    assert words in reason and refused == "refused"
    if kind == "device":
        assert os.readlink(store.path) == "/dev/zero"
    elif kind == "folder":
        assert store.path.is_dir() and list(store.path.iterdir()) == []
    else:
        assert store.path.stat().st_size in (2 << 30, 16 * 1024 * 1024 + 1)


def test_a_config_of_exactly_the_limit_is_read(tmp_path: Path) -> None:
    store = ConfigStore(tmp_path / "config.toml")
    text = GOOD + "#" * (16 * 1024 * 1024 - len(GOOD) - 1) + "\n"
    write(store.path, text)
    loaded = store.load()
    assert loaded.error is None and "corp" in loaded.config.profiles


def test_a_history_that_is_not_a_regular_file_is_no_history(tmp_path: Path) -> None:
    fifo = tmp_path / "history.jsonl"
    os.mkfifo(fifo, 0o600)
    out = _in_a_child("from hvctui.profiles.history import History\n"
                      "print(History(PATH).read())\n", fifo)
    assert out.strip() == "[]"
    device = tmp_path / "device.jsonl"
    device.symlink_to("/dev/zero")
    out = _in_a_child("from hvctui.profiles.history import History\n"
                      "print(History(PATH).read(), History(PATH.parent).read())\n", device)
    assert out.strip() == "[] []"  # a device, a folder


def test_only_the_end_of_a_large_history_is_read(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import hvctui.profiles.history as history_module

    history = History(tmp_path / "history.jsonl")
    for n in range(40):
        history.append(entry(f"old-{n}"))
    for n in range(10):
        history.append(entry(f"new-{n}"))
    lines = history.path.read_bytes().splitlines(keepends=True)
    tail = sum(len(line) for line in lines[-10:])
    # The limit falls inside the line before the ten newest: that cut line is dropped.
    monkeypatch.setattr(history_module, "MAX_HISTORY_READ", tail + 5)
    assert [e.detail for e in history.read()] == [f"new-{n}" for n in range(9, -1, -1)]


def test_a_huge_sparse_history_gives_its_newest_entries(tmp_path: Path) -> None:
    history = History(tmp_path / "history.jsonl")
    with open(history.path, "wb") as f:
        f.truncate(64 * 1024 * 1024)  # 64 MiB of NULs (sparse), then real lines
    with open(history.path, "ab") as f:
        f.write(b"\n")
    for n in range(3):
        history.append(entry(f"link-{n}"))
    assert [e.detail for e in history.read()] == ["link-2", "link-1", "link-0"]
