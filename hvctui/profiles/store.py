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
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from hvctui.vapi.models import check_group, check_port, normalize_thumbprint
from hvctui.vapi.tls import split_server

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


class Profile(BaseModel):
    """One saved setup: the cloud vCenter to call and the CreateSpec to send (no password)."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    server: str = ""
    user: str = ""
    password_source: str = "prompt"
    tls: Literal["system", "ca_file", "pinned", "insecure"] = "system"
    ca_file: str = ""
    pin_sha256: str = ""
    psc_hostname: str = ""
    psc_port: str = "443"
    domain_name: str = ""
    psc_user: str = ""
    psc_password_source: str = "prompt"
    ssl_thumbprint: str = ""
    admin_groups: list[str] = Field(default_factory=list)
    accept_language: str = ""

    @field_validator("server")
    @classmethod
    def _server(cls, v: str) -> str:
        if v.strip():
            split_server(v)
        return v.strip()

    @field_validator("password_source", "psc_password_source")
    @classmethod
    def _source(cls, v: str) -> str:
        return check_password_source(v)

    @field_validator("pin_sha256", "ssl_thumbprint")
    @classmethod
    def _thumbprint(cls, v: str) -> str:
        return normalize_thumbprint(v) if v.strip() else ""

    @field_validator("psc_port")
    @classmethod
    def _port(cls, v: str) -> str:
        return check_port(v) if v.strip() else "443"

    @field_validator("admin_groups")
    @classmethod
    def _groups(cls, v: list[str]) -> list[str]:
        return [check_group(g) for g in v]

    def to_toml(self) -> dict[str, Any]:
        return self.model_dump()


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    default_profile: str = ""
    theme: str = ""
    keymap: dict[str, str] = Field(default_factory=dict)
    profiles: dict[str, Profile] = Field(default_factory=dict)

    @field_validator("profiles")
    @classmethod
    def _names(cls, v: dict[str, Profile]) -> dict[str, Profile]:
        for name in v:
            check_profile_name(name)
        return v

    def to_toml(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.default_profile:
            out["default_profile"] = self.default_profile
        if self.theme:
            out["theme"] = self.theme
        if self.keymap:
            out["keymap"] = dict(self.keymap)
        out["profiles"] = {name: p.to_toml() for name, p in self.profiles.items()}
        return out


def check_profile_name(name: str) -> str:
    if not _PROFILE_NAME.match(name):
        raise ValueError(
            f"{name!r} is not a profile name: 1 to 64 letters, digits, '.', '_' or '-'"
        )
    return name


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
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = _TOML_POSITION.search(str(exc))
        reason = _TOML_POSITION.sub("", str(exc)).strip()
        raise ConfigError([ConfigProblem(path, int(m.group(1)) if m else None, "",
                                         f"not valid TOML: {reason}")]) from None
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            key = ".".join(str(p) for p in loc)
            reason = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                reason = "unknown key (a typo?)"
            problems.append(ConfigProblem(path, _locate_key(text, loc), key, reason))
        raise ConfigError(problems) from None


@dataclass
class LoadResult:
    config: Config
    #: Set when the file exists but was refused: the app runs on defaults and won't save over it.
    error: ConfigError | None = None
    #: A warning the user should see (e.g. the file is readable by others).
    warning: str = ""
    exists: bool = False


class ConfigStore:
    """The config file on disk. `load()` never raises on a bad file; `save()` never overwrites one."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or config_dir() / CONFIG_NAME
        self.folder = self.path.parent
        self.broken: ConfigError | None = None

    def load(self) -> LoadResult:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            self.broken = None
            return LoadResult(Config())
        except OSError as exc:
            error = ConfigError([ConfigProblem(self.path, None, "", f"cannot read: {exc}")])
            self.broken = error
            return LoadResult(Config(), error, exists=True)
        warning = self._permission_warning()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            error = ConfigError([ConfigProblem(self.path, None, "", f"not UTF-8 text: {exc}")])
            self.broken = error
            return LoadResult(Config(), error, warning, exists=True)
        try:
            config = parse_config(text, self.path)
        except ConfigError as error:
            self.broken = error
            return LoadResult(Config(), error, warning, exists=True)
        self.broken = None
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
            config = current.config.model_copy(deep=True)
            change(config)
            Config.model_validate(config.model_dump())  # never write what would not load
            self._write(config)
            return config

    def start_afresh(self) -> Path | None:
        """Move a broken file aside as a backup (kept beside it) so saving can resume."""
        with self._locked():
            if not self.path.exists():
                self.broken = None
                return None
            n = 1
            while (backup := self.path.with_name(f"{self.path.name}.broken-{n}")).exists():
                n += 1
            os.replace(self.path, backup)
            self.broken = None
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

