"""The configuration: one TOML file read with tomllib, written atomically with tomli-w.

A file that fails to parse or validate is reported with its path, line and key and is never
written over. Saves take a lock and re-read the file, so two processes saving different
profiles both keep their change.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields, replace
from datetime import tzinfo
from pathlib import Path
from typing import Any

from hvctui.vapi.checks import check_groups, normalize_thumbprint, split_server

CONFIG_NAME = "config.toml"
_PROFILE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def config_dir() -> Path:
    """`HVCTUI_CONFIG_DIR`, else the platform's user config folder (~/.config/hvctui)."""
    override = os.environ.get("HVCTUI_CONFIG_DIR")
    if override:
        return Path(override)
    from platformdirs import user_config_path

    return user_config_path("hvctui", appauthor=False)


def data_dir() -> Path:
    """Where the history lives: beside the config when it is overridden, else user data."""
    override = os.environ.get("HVCTUI_CONFIG_DIR")
    if override:
        return Path(override)
    from platformdirs import user_data_path

    return user_data_path("hvctui", appauthor=False)


def check_password_source(value: str) -> str:
    if value in ("prompt", "keyring"):
        return value
    if value.startswith("env:") and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value[4:]):
        return value
    raise ValueError(f"{value!r} is not a password source: prompt, env:VARNAME or keyring")


def check_profile_name(name: str) -> str:
    if not _PROFILE_NAME.match(name):
        raise ValueError(
            f"{name!r} is not a profile name: 1 to 64 letters, digits, '.', '_' or '-'"
        )
    return name


TLS_MODES = ("system", "ca_file", "pinned", "insecure")


def _tls(value: str) -> str:
    if value not in TLS_MODES:
        raise ValueError(f"{value!r} is not a TLS mode: {', '.join(TLS_MODES)}")
    return value


def _server(value: str) -> str:
    if value.strip():
        split_server(value)
    return value.strip()


def _thumbprint(value: str) -> str:
    return normalize_thumbprint(value) if value.strip() else ""


def _port(value: str) -> str:
    return value.strip()


def _host(value: str) -> str:
    return value.strip()


def _no_spaces(value: str) -> str:
    text = value.strip()
    if any(c.isspace() for c in text):
        raise ValueError(f"{text!r} must not contain spaces")
    return text


#: Each profile key's check; a check returns the normalized value or raises ValueError.
_PROFILE_CHECKS: dict[str, Callable[[str], str]] = {
    "server": _server,
    "password_source": check_password_source,
    "psc_password_source": check_password_source,
    "tls": _tls,
    "pin_sha256": _thumbprint,
    "ssl_thumbprint": _thumbprint,
    "psc_port": _port,
    "psc_hostname": _host,
    "domain_name": _no_spaces,
    "psc_user": _no_spaces,
    "user": _no_spaces,
}


class Invalid(ValueError):
    """Values refused, each with its key path and why."""

    def __init__(self, problems: list[tuple[tuple[str, ...], str]]) -> None:
        super().__init__("; ".join(f"{'.'.join(loc)}: {why}" for loc, why in problems))
        self.problems = problems


@dataclass
class Profile:
    """One saved setup: the cloud vCenter to call and the CreateSpec to send (no password)."""

    server: str = ""
    user: str = ""
    password_source: str = "prompt"
    tls: str = "system"
    ca_file: str = ""
    pin_sha256: str = ""
    psc_hostname: str = ""
    psc_port: str = "443"
    domain_name: str = ""
    psc_user: str = ""
    psc_password_source: str = "prompt"
    ssl_thumbprint: str = ""
    admin_groups: list[str] = field(default_factory=list)
    accept_language: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: tuple[str, ...] = ()) -> Profile:
        """A checked Profile; Invalid names every refused key."""
        problems: list[tuple[tuple[str, ...], str]] = []
        values: dict[str, Any] = {}
        known = {f.name for f in fields(cls)}
        for key, value in data.items():
            loc = (*where, key)
            if key not in known:
                problems.append((loc, "unknown key (a typo?)"))
            elif key == "admin_groups":
                if not isinstance(value, list) or not all(isinstance(g, str) for g in value):
                    problems.append((loc, "must be a list of group@domain strings"))
                    continue
                try:
                    values[key] = check_groups(value)
                except ValueError as exc:
                    problems.append((loc, str(exc)))
            elif not isinstance(value, str):
                problems.append((loc, f"must be a string, not {type(value).__name__}"))
            else:
                try:
                    values[key] = _PROFILE_CHECKS.get(key, str.strip)(value)
                except ValueError as exc:
                    problems.append((loc, str(exc)))
        if problems:
            raise Invalid(problems)
        return cls(**values)

    def as_dict(self) -> dict[str, Any]:
        return {f.name: (list(v) if isinstance(v := getattr(self, f.name), list) else v)
                for f in fields(self)}

    def replace(self, **changes: Any) -> Profile:
        return replace(self, **changes)


def check_timezone(value: str) -> str:
    """An IANA time zone name (dates are shown in it), or "" for UTC."""
    if not value:
        return ""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not a time zone name (e.g. Europe/Berlin)") from None
    return value


@dataclass
class Config:
    default_profile: str = ""
    theme: str = ""
    timezone: str = ""  # IANA name; dates in messages are shown in it (UTC when empty)
    keymap: dict[str, str] = field(default_factory=dict)
    profiles: dict[str, Profile] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Config:
        problems: list[tuple[tuple[str, ...], str]] = []
        config = cls()
        for key, value in data.items():
            if key in ("default_profile", "theme"):
                if isinstance(value, str):
                    setattr(config, key, value)
                else:
                    problems.append(((key,), "must be a string"))
            elif key == "timezone":
                try:
                    config.timezone = check_timezone(value if isinstance(value, str) else "?")
                except ValueError as exc:
                    problems.append(((key,), str(exc)))
            elif key == "keymap":
                if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
                    config.keymap = dict(value)
                else:
                    problems.append(((key,), "must be a table of binding id = \"keys\""))
            elif key == "profiles":
                if not isinstance(value, dict):
                    problems.append(((key,), "must be a table of [profiles.NAME] tables"))
                    continue
                for name, table in value.items():
                    try:
                        check_profile_name(name)
                    except ValueError as exc:
                        problems.append((("profiles", name), str(exc)))
                        continue
                    if not isinstance(table, dict):
                        problems.append((("profiles", name), "must be a table"))
                        continue
                    try:
                        config.profiles[name] = Profile.from_dict(table, ("profiles", name))
                    except Invalid as exc:
                        problems += exc.problems
            else:
                problems.append(((key,), "unknown key (a typo?)"))
        if problems:
            raise Invalid(problems)
        return config

    def zone(self) -> tzinfo | None:
        """The chosen time zone, or None for UTC."""
        if not self.timezone:
            return None
        from zoneinfo import ZoneInfo

        return ZoneInfo(self.timezone)

    def to_toml(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.default_profile:
            out["default_profile"] = self.default_profile
        if self.theme:
            out["theme"] = self.theme
        if self.timezone:
            out["timezone"] = self.timezone
        if self.keymap:
            out["keymap"] = dict(self.keymap)
        out["profiles"] = {name: p.as_dict() for name, p in self.profiles.items()}
        return out

    def copy(self) -> Config:
        return Config(self.default_profile, self.theme, self.timezone, dict(self.keymap),
                      {name: p.replace(admin_groups=list(p.admin_groups))
                       for name, p in self.profiles.items()})


@dataclass
class ConfigProblem:
    """Where and why a config file was refused."""

    path: Path
    line: int | None
    key: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.path}" + (f", line {self.line}" if self.line else "")
        key = f", key {self.key}" if self.key else ""
        return f"{where}{key}: {self.reason}"


class ConfigError(Exception):
    def __init__(self, problems: list[ConfigProblem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


def _locate_key(text: str, loc: tuple[Any, ...]) -> int | None:
    """The line of a key path like ('profiles', 'corp', 'tls') in TOML text (best effort)."""
    parts = [str(p) for p in loc]
    table: list[str] = []
    header = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]\s*(#.*)?$")
    key_line = re.compile(r"^\s*([A-Za-z0-9_\"'.-]+)\s*=")
    best: int | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        m = header.match(line)
        if m and not line.strip().startswith("[["):
            table = [p.strip().strip('"').strip("'") for p in m.group(1).split(".")]
            if table == parts:
                best = number
            continue
        k = key_line.match(line)
        if k:
            full = table + [p.strip('"').strip("'") for p in k.group(1).split(".")]
            if full == parts[: len(full)] and len(full) <= len(parts):
                if best is None or full == parts:
                    best = number
                if full == parts:
                    return number
    return best


def parse_config(text: str, path: Path) -> Config:
    """Parse and validate config text; ConfigError says where and why."""
    import tomllib  # only when there is a file to read: a command given flags alone skips it

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = _TOML_POSITION.search(str(exc))
        reason = _TOML_POSITION.sub("", str(exc)).strip()
        raise ConfigError([ConfigProblem(path, int(m.group(1)) if m else None, "",
                                         f"not valid TOML: {reason}")]) from None
    return _checked(Config, data, text, path)


def _checked(config_class: type[Config], data: dict[str, Any], text: str, path: Path) -> Config:
    try:
        return config_class.from_dict(data)
    except Invalid as exc:
        problems = [ConfigProblem(path, _locate_key(text, loc), ".".join(loc), why)
                    for loc, why in exc.problems]
        raise ConfigError(problems) from None


_HELPER = (
    "import json, sys, tomllib\n"
    "sys.stdout.write(json.dumps(tomllib.loads(sys.stdin.buffer.read().decode('utf-8'))))\n"
)


def _parse_in_helper(raw: bytes) -> dict[str, Any] | None:
    """TOML parsed by a helper Python process, as JSON; None if anything is unusual (then the
    caller parses in-process, which also gives the exact error)."""
    import json
    import subprocess
    import sys

    import shutil

    # At low priority: the interface drawing its first frame must win the CPU.
    nice = shutil.which("nice")
    argv = [*([nice, "-n", "15"] if nice else []), sys.executable, "-I", "-S", "-c", _HELPER]
    try:
        done = subprocess.run(argv, input=raw,
                              capture_output=True, timeout=60, check=False)
        if done.returncode != 0:
            return None
        data = json.loads(done.stdout)
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    return data if isinstance(data, dict) else None


@dataclass
class LoadResult:
    config: Config
    #: Set when the file exists but was refused: the app runs on defaults and won't save over it.
    error: ConfigError | None = None
    #: A warning the user should see (e.g. the file is readable by others).
    warning: str = ""
    exists: bool = False
    # (placeholder until the store's tolerant loading lands)
    warnings: list[Any] = field(default_factory=list)
    broken: dict[str, list[Any]] = field(default_factory=dict)


class ConfigStore:
    """The config file on disk. `load()` never raises on a bad file; `save()` never overwrites one."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or config_dir() / CONFIG_NAME
        self.folder = self.path.parent

    def load(self, *, parse_elsewhere: bool = False) -> LoadResult:
        """Read and check the file. `parse_elsewhere` parses a large TOML file in a helper
        process, so a UI thread is not starved of the GIL while it runs."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return LoadResult(Config())
        except OSError as exc:
            error = ConfigError([ConfigProblem(self.path, None, "", f"cannot read: {exc}")])
            return LoadResult(Config(), error, exists=True)
        warning = self._permission_warning()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            error = ConfigError([ConfigProblem(self.path, None, "", f"not UTF-8 text: {exc}")])
            return LoadResult(Config(), error, warning, exists=True)
        try:
            data = _parse_in_helper(raw) if parse_elsewhere else None
            config = parse_config(text, self.path) if data is None else \
                _checked(Config, data, text, self.path)
        except ConfigError as error:
            return LoadResult(Config(), error, warning, exists=True)
        return LoadResult(config, None, warning, exists=True)

    def _permission_warning(self) -> str:
        try:
            mode = stat.S_IMODE(self.path.stat().st_mode)
        except OSError:
            return ""
        if mode & 0o077:
            return (f"{self.path} can be read by other users (mode {mode:04o}); "
                    f"run: chmod 600 {self.path}")
        return ""

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.folder / (self.path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def update(self, change: Callable[[Config], None]) -> Config:
        """Lock, re-read, apply `change`, write atomically. Refuses while the file is broken."""
        with self._locked():
            current = self.load()
            if current.error is not None:
                raise current.error
            config = current.config.copy()
            change(config)
            Config.from_dict(config.to_toml())  # never write what would not load
            self._write(config)
            return config

    def start_afresh(self) -> Path | None:
        """Move a broken file aside as a backup (kept beside it) so saving can resume."""
        with self._locked():
            if not self.path.exists():
                return None
            n = 1
            while (backup := self.path.with_name(f"{self.path.name}.broken-{n}")).exists():
                n += 1
            os.replace(self.path, backup)
            return backup

    def _write(self, config: Config) -> None:
        import tomli_w

        data = tomli_w.dumps(config.to_toml()).encode("utf-8")
        write_atomically(self.path, data)


def write_atomically(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Temp file in the same folder, fsync, rename, fsync the folder: old or new, never torn."""
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(OSError):
        os.chmod(folder, 0o700)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), mode)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)

