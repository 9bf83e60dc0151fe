"""The config file: located errors, never overwritten when broken, atomic and locked saves."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from hvctui.profiles.store import ConfigError, ConfigStore, Profile

GOOD = """\
default_profile = "corp"

[profiles.corp]
server = "vcenter.example.com"
user = "cloudadmin@vmc.local"
psc_hostname = "psc.corp.local"
admin_groups = ["vmc-admins@corp.local"]
"""


def write(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_missing_file_is_an_empty_config(tmp_path: Path) -> None:
    loaded = ConfigStore(tmp_path / "config.toml").load()
    assert loaded.error is None and loaded.config.profiles == {} and not loaded.exists


def test_round_trip_writes_0600_in_a_0700_folder(tmp_path: Path) -> None:
    store = ConfigStore(tmp_path / "cfg" / "config.toml")
    store.update(lambda c: c.profiles.update(corp=Profile(server="vc.example.com",
                                                          admin_groups=["a@b.c"])))
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.folder.stat().st_mode) == 0o700
    loaded = store.load()
    assert loaded.config.profiles["corp"].server == "vc.example.com"
    assert loaded.config.profiles["corp"].admin_groups == ["a@b.c"]


@pytest.mark.parametrize("text,line,key,words", [
    ('default_profile = "corp"\n[profiles.corp\nserver = "x"\n', 2, "", "not valid TOML"),
    (GOOD + 'tls = "sometimes"\n', 8, "profiles.corp.tls", "system"),
    (GOOD + 'psc_port = "99999"\n', 8, "profiles.corp.psc_port", "port number"),
    (GOOD + 'colour = "red"\n', 8, "profiles.corp.colour", "unknown key"),
    (GOOD + 'ssl_thumbprint = "AB:CD"\n', 8, "profiles.corp.ssl_thumbprint", "hex"),
    (GOOD.replace('["vmc-admins@corp.local"]', '["admins"]'), 7, "profiles.corp.admin_groups",
     "group@domain"),
    (GOOD + 'password_source = "file:/tmp/pw"\n', 8, "profiles.corp.password_source",
     "env:VARNAME"),
])
def test_broken_file_is_reported_with_path_line_and_key_and_left_as_it_was(
        tmp_path: Path, text: str, line: int, key: str, words: str) -> None:
    store = ConfigStore(tmp_path / "config.toml")
    before = write(store.path, text)
    loaded = store.load()
    assert loaded.error is not None
    problem = loaded.error.problems[0]
    assert problem.path == store.path and problem.line == line and problem.key == key
    assert words in problem.reason
    assert str(store.path) in str(loaded.error)
    with pytest.raises(ConfigError):
        store.update(lambda c: c.profiles.update(x=Profile()))
    assert digest(store.path) == before


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
    assert "chmod 600" in store.load().warning
    os.chmod(store.path, 0o600)
    assert store.load().warning == ""


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
    os.chmod(path, 0o600)
    result = subprocess.run([sys.executable, "-c", KILLED, str(path)], timeout=60)
    assert result.returncode == -9
    assert digest(path) == before
    assert ConfigStore(path).load().error is None


def test_an_injected_write_failure_leaves_the_old_file_and_no_temp_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = ConfigStore(tmp_path / "config.toml")
    before = write(store.path, GOOD)

    def broken_replace(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        store.update(lambda c: c.profiles.update(x=Profile()))
    assert digest(store.path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml", "config.toml.lock"]


def test_parsing_in_a_helper_process_gives_the_same_config_and_the_same_errors(
        tmp_path: Path) -> None:
    store = ConfigStore(tmp_path / "config.toml")
    write(store.path, GOOD)
    assert store.load(parse_elsewhere=True).config == store.load().config
    write(store.path, GOOD + 'tls = "sometimes"\n')
    here, there = store.load(), store.load(parse_elsewhere=True)
    assert there.error is not None and here.error is not None
    assert str(there.error) == str(here.error)
    write(store.path, "not toml [")
    assert str(store.load(parse_elsewhere=True).error) == str(store.load().error)
