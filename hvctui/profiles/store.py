"""The configuration: one TOML file read with tomllib, written atomically with tomli-w.

Loading is tolerant where the intent is clear (`psc_port = 443` as an integer) and never
refuses the whole file for one profile: an unknown key is a warning, a profile with an invalid
value is left out and listed as broken (with path, line, key and why), and the others load.
A broken profile is never saved over: every save writes its table back as it was. A file that
is not TOML at all is reported with its path and line and left byte for byte; nothing is saved
over it. Saves take a lock and re-read the file, so two processes saving different profiles
both keep their change.

The store checks what is the profile's own (types, TLS mode, password sources, the server
address, the pin, profile names). The CreateSpec's fields are checked for their type only; their
value rules (host syntax, port range, group@domain, thumbprint format) belong to the CreateSpec
and are judged when a profile is used.

Files: hvctui restricts (0700/0600) only the folders and files it creates itself. A folder that
exists is never chmodded; a file that exists keeps its mode; a symlinked config is written
through to its target, which stays behind the symlink. hvctui's own files beside it (the lock,
the parse cache, the history) are another matter: a folder others can write may hold a planted
symlink, FIFO or device there, so they are opened only as regular files and never through a
symlink (open_regular_file), and a folder others can write is a warning.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields, replace
from datetime import tzinfo
from pathlib import Path
from typing import Any

from hvctui._compat import POSIX_MODES, fchmod
from hvctui.vapi.certs import normalize_thumbprint, pem_certificate
from hvctui.vapi.checks import split_server
from hvctui.vapi.text import one_line

from hvctui._compat import fcntl  # flock, or msvcrt's locks on Windows

CONFIG_NAME = "config.toml"
_PROFILE_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")


def _user_folder(kind: str, within_override: str = "") -> Path:
    """`HVCTUI_CONFIG_DIR` (its `within_override` subfolder) when set, else the platform's
    user folder of this `kind` (config, data, cache) for hvctui."""
    override = os.environ.get("HVCTUI_CONFIG_DIR")
    if override:
        return Path(override, within_override)
    import platformdirs

    return Path(getattr(platformdirs, f"user_{kind}_path")("hvctui", appauthor=False))


def config_dir() -> Path:
    """`HVCTUI_CONFIG_DIR`, else the platform's user config folder (~/.config/hvctui)."""
    return _user_folder("config")


def data_dir() -> Path:
    """Where the history lives: beside the config when it is overridden, else user data."""
    return _user_folder("data")


def cache_dir() -> Path:
    """Where hvctui keeps what it can make again (parsed large configs): beside an overridden
    config folder, else the user cache folder (~/.cache/hvctui)."""
    return _user_folder("cache", "cache")


#: Configs at least this large (about 350 profiles) have their parse cached: tomllib reads a
#: 10,000-profile file in most of a second, JSON in a few hundredths (README, Performance: the
#: default profile usable with 10,000 profiles within 2x a bare app's first paint).
CACHE_FROM_BYTES = 64 * 1024

#: The largest config read (about 500,000 profiles): a file past it is refused, not read.
MAX_CONFIG_BYTES = 16 * 1024 * 1024


#: The cached parse of a config is JSON, up to about three times the TOML's size (`\u00e9` for
#: an `é`): a cache past this is not read, nor written.
MAX_CACHE_BYTES = 4 * MAX_CONFIG_BYTES

#: Deeper than any file of hvctui's is nested (a config is three tables deep). Parsers, writers
#: and printers recurse once per level: data nested deeper is refused when read, so that a
#: planted `[[[[...]]]]` is a clear message, not a RecursionError in a save or a repaint.
MAX_NESTING = 32

# Flags not every platform has (Windows has none of these): where one is missing, 0 leaves the
# open as it was, and the checks on the opened file (fstat) still hold.
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NOCTTY = getattr(os, "O_NOCTTY", 0)


_FILE_KINDS = ((stat.S_ISLNK, "a symbolic link (not followed)"), (stat.S_ISDIR, "a folder"),
               (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
               (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"))


def _file_kind(mode: int) -> str:
    return next((kind for test, kind in _FILE_KINDS if test(mode)), "not a regular file")


class NotReadable(OSError):
    """A local file hvctui will not read or write: not a regular file (a symbolic link where
    none is followed, a FIFO, a device), too large, or not the user's own. Its strerror says
    what it is, to follow "it is": "a FIFO (named pipe), not a regular file"."""


def _refused(info: os.stat_result) -> NotReadable:
    if stat.S_ISLNK(info.st_mode):
        return NotReadable(errno.ELOOP, _file_kind(info.st_mode))
    return NotReadable(errno.EINVAL, f"{_file_kind(info.st_mode)}, not a regular file")


def open_regular_file(path: Path, flags: int, *, follow_symlinks: bool = False,
                      mode: int = 0o600) -> int:
    """A descriptor of `path` opened with `flags` (O_CREAT included), if it is a regular file.

    A symbolic link (unless `follow_symlinks`), FIFO, device, socket or folder raises
    NotReadable saying what it is: never followed, never waited on, nothing written to it."""
    if not follow_symlinks and not _NOFOLLOW:  # no O_NOFOLLOW here: look first (racy, but
        with contextlib.suppress(FileNotFoundError):  # better than writing through a link)
            if stat.S_ISLNK((info := os.lstat(path)).st_mode):
                raise _refused(info)
    # O_NONBLOCK: opening a FIFO with no writer (or reader) must not wait; on a regular file it
    # changes nothing, and it is cleared below.
    extra = (0 if follow_symlinks else _NOFOLLOW) | _NONBLOCK | _CLOEXEC | _NOCTTY
    try:
        fd = os.open(path, flags | extra, mode)
    except OSError as exc:
        # ELOOP (EMLINK on BSD) is O_NOFOLLOW meeting a link; ENXIO a FIFO without a reader;
        # EISDIR a folder: say what the path is rather than the errno's words.
        try:
            info = os.stat(path) if follow_symlinks else os.lstat(path)
        except OSError:
            raise exc from None
        if stat.S_ISREG(info.st_mode):
            raise
        raise _refused(info) from None
    try:
        # The checks are made on the opened file itself, so a swap after a look cannot slip in.
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _refused(info)
        if _NONBLOCK:
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_regular_file(path: Path, limit: int, *, tail: bool = False,
                      follow_symlinks: bool = False, own: bool = False) -> bytes:
    """The bytes of `path`, if it is a regular file (open_regular_file says what else it is).

    A file larger than `limit` raises NotReadable, or with `tail` gives its last `limit` bytes.
    At most `limit` bytes are read, even when the file grows meanwhile. With `own`, a file
    another user owns or could have written (group or others may write it) is NotReadable too:
    for what hvctui takes as its own work (the parse cache), not as the user's word."""
    fd = open_regular_file(path, os.O_RDONLY, follow_symlinks=follow_symlinks)
    try:
        info = os.fstat(fd)
        if own:
            _check_own(info)
        start = 0
        if info.st_size > limit:
            if not tail:
                raise NotReadable(errno.EFBIG, f"too large ({info.st_size} bytes; at most "
                                  f"{limit} are read)")
            start = info.st_size - limit
        os.lseek(fd, start, os.SEEK_SET)
        chunks: list[bytes] = []
        got = 0
        while got <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - got))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
        data = b"".join(chunks)
        if len(data) > limit:
            if not tail:
                raise NotReadable(errno.EFBIG, f"too large (it grew past {limit} bytes while "
                                  "being read)")
            data = data[:limit]
        return data
    finally:
        os.close(fd)


def _check_own(info: os.stat_result) -> None:
    getuid = getattr(os, "getuid", None)  # no owners to compare on Windows
    if getuid is not None and info.st_uid != getuid():
        raise NotReadable(errno.EPERM, f"owned by another user (uid {info.st_uid})")
    if info.st_mode & 0o022:
        raise NotReadable(errno.EPERM, "writable by other users (mode "
                          f"{stat.S_IMODE(info.st_mode):04o})")


class TooDeep(ValueError):
    """Data nested deeper than MAX_NESTING levels."""

    def __init__(self) -> None:
        super().__init__(f"nested more than {MAX_NESTING} levels deep")


def parse_bounded(parse: Callable[[str], Any], text: str) -> Any:
    """`parse(text)` (tomllib.loads, json.loads), or TooDeep for data nested deeper than
    MAX_NESTING: the parse itself may run out of stack on it, and what works on the data later
    (a save, the cache, a repaint) would."""
    try:
        data = parse(text)
    except RecursionError:
        raise TooDeep() from None
    level = [data] if isinstance(data, (dict, list)) else []
    for _ in range(MAX_NESTING):  # level by level, without recursing itself
        level = [inner for outer in level
                 for inner in (outer.values() if isinstance(outer, dict) else outer)
                 if isinstance(inner, (dict, list))]
        if not level:
            return data
    raise TooDeep()


def check_password_source(value: str) -> str:
    """Where a password comes from: prompt, env:VARNAME, keyring or command:ARGV (run without
    a shell, so the line must split as a shell would split it)."""
    if value in ("prompt", "keyring"):
        return value
    if value.startswith("env:") and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value[4:]):
        return value
    if value.startswith("command:"):
        import shlex

        if len(value) > 1000 or not value.isprintable():
            raise ValueError("a command: source is one printable line of at most 1000 "
                             "characters")
        try:
            argv = shlex.split(value[8:])
        except ValueError as exc:
            raise ValueError(f"command: cannot be read ({exc})") from None
        if not argv:
            raise ValueError("command: needs a command, e.g. command:pass show vmc/cloudadmin")
        return value
    # Never echo it: a password typed one row off (into the source) would be shown.
    raise ValueError("is not a password source (what it holds is not shown: it may be a "
                     "password); write prompt, env:VARNAME, keyring or command:ARGV")


def check_profile_name(name: str) -> str:
    if not _PROFILE_NAME.fullmatch(name):
        raise ValueError(
            f"{name!r} is not a profile name: 1 to 64 letters, digits, '.', '_' or '-'"
        )
    return name


TLS_MODES = ("system", "ca_file", "pinned", "insecure")

#: What a key name in a `[keymap]` value is made of: printable ASCII, no space, no bracket of
#: any kind (Textual names them: `left_square_bracket`), no comma (commas separate names).
#: E.g. `f5`, `ctrl+j`, `question_mark`.
_KEY_NAME = re.compile(r"[!-~]+")
_NOT_IN_KEY_NAME = frozenset("()[]{}<>,")


def check_keys(value: str) -> str:
    """A `[keymap]` value: one or more key names separated by commas (e.g. "f5,ctrl+j"); spaces
    around the commas are what people write, and are dropped."""
    names = [name.strip(" ") for name in value.split(",")]
    if not all(_KEY_NAME.fullmatch(name) and not _NOT_IN_KEY_NAME.intersection(name)
               for name in names):
        raise ValueError("must be key names separated by commas (e.g. \"f5,ctrl+j\"), each "
                         "printable ASCII without spaces or brackets")
    return ",".join(names)


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


def _canonical(profile: Profile) -> dict[str, Any]:
    """A profile as written: thumbprints in vSphere's form and a certificate as re-encoded
    from its DER, where they are valid (an invalid one is the user's, judged when used)."""
    data = profile.as_dict()
    for key, canonical in (("ssl_thumbprint", normalize_thumbprint),
                           ("ssl_certificate", pem_certificate)):
        if data.get(key, "").strip():
            with contextlib.suppress(ValueError):
                data[key] = canonical(data[key])
    return data


#: The profile's own keys whose value the store judges; each returns the normalized value or
#: raises ValueError. Every other string key is only stripped.
_PROFILE_CHECKS: dict[str, Callable[[str], str]] = {
    "server": _server,
    "password_source": check_password_source,
    "psc_password_source": check_password_source,
    "tls": _tls,
    "pin_sha256": _thumbprint,
}


class Invalid(ValueError):
    """Values refused, each with its key path and why."""

    def __init__(self, problems: list[tuple[tuple[str, ...], str]]) -> None:
        super().__init__("; ".join(f"{'.'.join(loc)}: {why}" for loc, why in problems))
        self.problems = problems


Located = tuple[tuple[str, ...], str]


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
    psc_port: str = ""  # unset: left out of the body, as vCenter's SDK does
    domain_name: str = ""
    psc_user: str = ""
    psc_password_source: str = "prompt"
    ssl_thumbprint: str = ""
    ssl_certificate: str = ""  # vSphere 9.0: the PSC's PEM certificate (a multi-line string)
    admin_groups: list[str] = field(default_factory=list)
    accept_language: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: tuple[str, ...] = (),
                  unknown: list[Located] | None = None) -> Profile:
        """A checked Profile; Invalid names every refused key.

        An unknown key is refused too, unless `unknown` is given: then it is listed there
        (a warning) and skipped.
        """
        problems: list[Located] = []
        values: dict[str, Any] = {}
        known = _PROFILE_KEYS
        for key, value in data.items():
            loc = (*where, key)
            if key not in known:
                if unknown is None:
                    problems.append((loc, "unknown key (a typo?)"))
                else:
                    unknown.append((loc, f"unknown key (a typo?); {_KEPT}"))
            elif key == "admin_groups":
                if isinstance(value, str):  # `admin_groups = "a@corp.local"`: the intent is clear
                    value = value.split(",")
                if not isinstance(value, list) or not all(isinstance(g, str) for g in value):
                    problems.append((loc, "must be a list of group@domain strings"))
                else:
                    values[key] = [g.strip() for g in value if g.strip()]
            elif key == "psc_port" and isinstance(value, int) and not isinstance(value, bool):
                values[key] = str(value)  # `psc_port = 443`: the intent is clear
            elif not isinstance(value, str):
                problems.append((loc, f"must be a string, not {_kind(value)}"))
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


_PROFILE_KEYS = frozenset(f.name for f in fields(Profile))
_KEPT = "not used, and kept in the file as it is"


def _kind(value: Any) -> str:
    return {dict: "a table", list: "a list", bool: "true/false", int: "a number",
            float: "a number"}.get(type(value), type(value).__name__)


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

    def zone(self) -> tzinfo | None:
        """The chosen time zone, or None for UTC."""
        if not self.timezone:
            return None
        from zoneinfo import ZoneInfo

        return ZoneInfo(self.timezone)

    def to_toml(self) -> dict[str, Any]:
        out: dict[str, Any] = {key: value for key, value in (
            ("default_profile", self.default_profile), ("theme", self.theme),
            ("timezone", self.timezone), ("keymap", dict(self.keymap))) if value}
        out["profiles"] = {name: _canonical(p) for name, p in self.profiles.items()}
        return out

    def copy(self) -> Config:
        return Config(self.default_profile, self.theme, self.timezone, dict(self.keymap),
                      {name: p.replace(admin_groups=list(p.admin_groups))
                       for name, p in self.profiles.items()})


@dataclass
class _Reading:
    """What a parsed TOML document gives: the config, and what was not taken from it."""

    config: Config
    #: The file cannot be used at all (e.g. `profiles` is not a table).
    fatal: list[Located] = field(default_factory=list)
    warnings: list[Located] = field(default_factory=list)
    broken: dict[str, list[Located]] = field(default_factory=dict)
    #: Top-level entries not taken (unknown, or an invalid value): written back on save.
    kept_top: dict[str, Any] = field(default_factory=dict)
    #: `[keymap]` entries ignored (a bad value): written back on save unless set anew.
    kept_keymap: dict[str, Any] = field(default_factory=dict)
    #: Unknown keys of loaded profiles: written back on save while the profile keeps its name.
    kept_keys: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Broken profiles' tables exactly as read, in file order, with the loaded profile that
    #: preceded each one (None: it came first), so a save puts them back where they were.
    broken_tables: dict[str, Any] = field(default_factory=dict)
    broken_after: dict[str, str | None] = field(default_factory=dict)


def _read(data: dict[str, Any]) -> _Reading:
    reading = _Reading(Config())
    config = reading.config
    for key, value in data.items():
        loc = (key,)
        if key in ("default_profile", "theme", "timezone"):
            if not isinstance(value, str):
                reading.warnings.append((loc, f"must be a string, not {_kind(value)}; ignored"))
                reading.kept_top[key] = value
            elif key == "timezone":
                try:
                    config.timezone = check_timezone(value)
                except ValueError as exc:
                    reading.warnings.append((loc, f"{exc}; ignored (dates are shown in UTC)"))
                    reading.kept_top[key] = value
            else:
                setattr(config, key, value)
        elif key == "keymap":
            if isinstance(value, dict):
                _read_keymap(value, reading)
            else:
                reading.warnings.append(
                    (loc, "must be a table of binding id = \"keys\"; ignored (default keys)"))
                reading.kept_top[key] = value
        elif key == "profiles":
            if not isinstance(value, dict):
                reading.fatal.append((loc, "must be a table of [profiles.NAME] tables"))
                continue
            _read_profiles(value, reading)
        else:
            reading.warnings.append((loc, f"unknown key (a typo?); {_KEPT}"))
            reading.kept_top[key] = value
    default = config.default_profile
    if default and default not in config.profiles:
        why = ("names a profile that could not be loaded" if default in reading.broken
               else "names no profile in this file")
        reading.warnings.append((("default_profile",), f"{default!r} {why}"))
    return reading


def _read_keymap(table: dict[str, Any], reading: _Reading) -> None:
    """Each binding's keys; a bad value is a warning, and only that binding keeps its default
    keys (the value is written back as it was on save)."""
    for binding, keys in table.items():
        loc = ("keymap", binding)
        try:
            if not isinstance(keys, str):
                raise ValueError(f"must be a string of key names, not {_kind(keys)}")
            reading.config.keymap[binding] = check_keys(keys)
        except ValueError as exc:
            reading.warnings.append((loc, f"{exc}; ignored (the default keys of {binding!r})"))
            reading.kept_keymap[binding] = keys


def _read_profiles(tables: dict[str, Any], reading: _Reading) -> None:
    previous: str | None = None
    for name, table in tables.items():
        where = ("profiles", name)
        problems: list[Located] = []
        unknown: list[Located] = []
        profile: Profile | None = None
        try:
            check_profile_name(name)
        except ValueError as exc:
            problems.append((where, str(exc)))
        if not isinstance(table, dict):
            problems.append((where, "must be a table"))
        else:
            try:
                profile = Profile.from_dict(table, where, unknown)
            except Invalid as exc:
                problems += exc.problems
        if problems or profile is None:
            reading.broken[name] = problems
            reading.broken_tables[name] = table
            reading.broken_after[name] = previous
            continue
        reading.config.profiles[name] = profile
        reading.warnings += unknown
        if unknown:
            reading.kept_keys[name] = {loc[-1]: table[loc[-1]] for loc, _ in unknown}
        previous = name


@dataclass
class ConfigProblem:
    """Where and why: a config file refused, a value ignored or a profile left out."""

    path: Path
    line: int | None
    key: str
    reason: str

    def __str__(self) -> str:
        where = one_line(str(self.path)) + (f", line {self.line}" if self.line else "")
        key = f", key {self.key}" if self.key else ""
        return f"{where}{key}: {self.reason}"


class ConfigError(Exception):
    def __init__(self, problems: list[ConfigProblem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


class ConfigWriteError(ConfigError):
    """A save failed (disk full, read-only folder, no permission). The old file is as it was
    and no temporary file is left behind."""

    def __init__(self, path: Path, reason: str, hint: str) -> None:
        super().__init__([ConfigProblem(path, None, "", f"not saved: {reason}")])
        self.path = path
        self.reason = reason
        self.hint = hint

    @classmethod
    def of(cls, path: Path, exc: OSError) -> ConfigWriteError:
        folder = path.parent
        left = "the file was left as it was"
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return cls(path, f"the disk is full ({exc.strerror})",
                       f"Free some space on the disk holding {folder} and save again; {left}.")
        if exc.errno == errno.EROFS:
            return cls(path, f"{folder} is on a read-only file system",
                       f"Keep the config elsewhere (--config PATH or HVCTUI_CONFIG_DIR); {left}.")
        if exc.errno in (errno.EACCES, errno.EPERM):
            return cls(path, f"no permission to write in {folder}",
                       f"Check the owner and mode of {folder}, or keep the config elsewhere "
                       f"(--config PATH); {left}.")
        return cls(path, exc.strerror or type(exc).__name__,
                   f"Check {folder} and save again; {left}.")


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


def _parse_toml(text: str, path: Path) -> dict[str, Any]:
    # Only when there is a file to read: a command given flags alone skips it.
    from hvctui._compat import tomllib

    try:
        data: dict[str, Any] = parse_bounded(tomllib.loads, text)
        return data
    except TooDeep as exc:
        raise ConfigError([ConfigProblem(path, None, "", f"not read: {exc}")]) from None
    except tomllib.TOMLDecodeError as exc:
        m = _TOML_POSITION.search(str(exc))
        reason = _TOML_POSITION.sub("", str(exc)).strip()
        raise ConfigError([ConfigProblem(path, int(m.group(1)) if m else None, "",
                                         f"not valid TOML: {reason}")]) from None


@dataclass
class LoadResult:
    config: Config
    #: Set when the file exists but cannot be used: the app runs on defaults and won't save.
    error: ConfigError | None = None
    #: What the user should see and nothing stopped: unknown keys, ignored values, a default
    #: profile that is not there, a file readable by others.
    warnings: list[ConfigProblem] = field(default_factory=list)
    #: Profiles left out of `config.profiles` because a value is invalid, each with where and
    #: why. They are never saved over, and `update()` refuses a change to their names.
    broken: dict[str, list[ConfigProblem]] = field(default_factory=dict)
    exists: bool = False
    _reading: _Reading | None = field(default=None, repr=False, compare=False)

    @property
    def warning(self) -> str:
        """Every warning and every broken profile, one line each ("" when all is well)."""
        lines = [str(w) for w in self.warnings]
        for name, problems in self.broken.items():
            lines += [f"{p} (profile {name!r} not loaded; the file keeps it as it is)"
                      for p in problems]
        return "\n".join(lines)


class ConfigStore:
    """The config file on disk. `load()` never raises on a bad file; `update()` never saves
    over a file it could not read, nor over a broken profile."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or config_dir() / CONFIG_NAME
        self.folder = self.path.parent

    def load(self) -> LoadResult:
        """Read and check the file."""
        warnings = self._permission_warning()
        try:
            # The config may be a symlink (kept in dotfiles, say): it is the user's own word.
            raw = read_regular_file(self.path, MAX_CONFIG_BYTES, follow_symlinks=True)
        except FileNotFoundError:
            return LoadResult(Config(), None, warnings)
        except NotReadable as exc:
            error = ConfigError([ConfigProblem(self.path, None, "",
                                               f"not read: it is {exc.strerror}")])
            return LoadResult(Config(), error, warnings, exists=True)
        except OSError as exc:
            error = ConfigError([ConfigProblem(self.path, None, "",
                                               f"cannot read: {exc}")])
            return LoadResult(Config(), error, warnings, exists=True)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            error = ConfigError([ConfigProblem(self.path, None, "", f"not UTF-8 text: {exc}")])
            return LoadResult(Config(), error, warnings, exists=True)
        try:
            data = self._parsed(raw, text, warnings)
        except ConfigError as error:
            return LoadResult(Config(), error, warnings, exists=True)
        reading = _read(data)

        def located(found: list[Located]) -> list[ConfigProblem]:
            return [ConfigProblem(self.path, _locate_key(text, loc), ".".join(loc), why)
                    for loc, why in found]

        if reading.fatal:
            return LoadResult(Config(), ConfigError(located(reading.fatal)), warnings,
                              exists=True)
        broken = {name: located(found) for name, found in reading.broken.items()}
        return LoadResult(reading.config, None, warnings + located(reading.warnings), broken,
                          exists=True, _reading=reading)

    def cache_path(self) -> Path:
        """The cached parse of this config (named by the file's own path)."""
        import hashlib

        name = hashlib.sha256(str(self.target()).encode("utf-8", "surrogateescape"))
        return cache_dir() / f"config-{name.hexdigest()[:32]}.json"

    def _parsed(self, raw: bytes, text: str, warnings: list[ConfigProblem]) -> dict[str, Any]:
        """The file's TOML as data. A large file's parse is cached as JSON, keyed by the
        SHA-256 of the file's bytes: any change to the file misses the cache, and a cache that
        cannot be read or written is simply not used (the TOML is parsed, as for a small file).

        The cache is taken as the file's own parse, so only a regular file of the user's own
        that nobody else can write is read; anything else there (a symlink, a FIFO, another
        user's file) is reported, not used and left as it is."""
        if len(raw) < CACHE_FROM_BYTES:
            return _parse_toml(text, self.path)
        import hashlib
        import json

        key = hashlib.sha256(raw).hexdigest()
        cache = self.cache_path()
        try:
            cached = parse_bounded(json.loads, read_regular_file(cache, MAX_CACHE_BYTES,
                                                                 own=True).decode("utf-8"))
            if (isinstance(cached, dict) and cached.get("sha256") == key
                    and isinstance(cached.get("data"), dict)):
                data: dict[str, Any] = cached["data"]
                return data
        except NotReadable as exc:
            warnings.append(ConfigProblem(cache, None, "", (
                f"the cached parse of {one_line(str(self.path))} is not used: it is "
                f"{exc.strerror}; remove it (hvctui makes it anew)")))
            return _parse_toml(text, self.path)
        except (OSError, ValueError):  # missing, or not JSON of ours: made anew
            pass
        data = _parse_toml(text, self.path)
        try:
            # TOML dates are not JSON: such a file is not cached (it would not load anyway).
            encoded = json.dumps({"sha256": key, "data": data}).encode("utf-8")
            if len(encoded) <= MAX_CACHE_BYTES:
                write_atomically(cache, encoded, follow_symlinks=False)
        except (TypeError, ValueError, ConfigError):
            pass
        return data

    def _permission_warning(self) -> list[ConfigProblem]:
        """A config others can read, and every folder of hvctui's files others can write: they
        could put their own config there, or a symlink where hvctui writes its history."""
        warnings: list[ConfigProblem] = []
        if not POSIX_MODES:  # Windows keeps permissions in ACLs: these bits mean nothing
            return warnings
        with contextlib.suppress(OSError):
            mode = stat.S_IMODE(self.path.stat().st_mode)
            if mode & 0o077:
                warnings.append(ConfigProblem(self.path, None, "",
                                              f"can be read by other users (mode {mode:04o}); "
                                              f"run: chmod 600 {one_line(str(self.path))}"))
        folders = dict.fromkeys([self.folder, self.target().parent, data_dir(), cache_dir()])
        seen: set[tuple[int, int]] = set()
        for folder in folders:
            try:
                info = folder.stat()
            except OSError:
                continue
            mode = stat.S_IMODE(info.st_mode)
            if (info.st_dev, info.st_ino) in seen or not mode & 0o022:
                continue
            seen.add((info.st_dev, info.st_ino))
            warnings.append(ConfigProblem(folder, None, "", (
                f"this folder can be written by other users (mode {mode:04o}), who could "
                "replace hvctui's files in it or plant links there; run: chmod go-w "
                f"{one_line(str(folder))}")))
        return warnings

    def target(self) -> Path:
        """The file written: the config itself, or the end of its symlink chain."""
        return Path(os.path.realpath(self.path))

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        # Beside the file written, so every path to it (symlinks included) takes the same lock.
        target = self.target()
        lock = target.with_name(target.name + ".lock")
        left = "the file was left as it was"
        try:
            make_private_folders(target.parent)
            fd = open_regular_file(lock, os.O_RDWR | os.O_CREAT)
        except NotReadable as exc:
            raise ConfigWriteError(target, f"its lock file {one_line(str(lock))} is "
                                   f"{exc.strerror}", f"Remove {one_line(str(lock))} (hvctui "
                                   f"makes it anew) and save again; {left}.") from None
        except OSError as exc:
            raise ConfigWriteError.of(target, exc) from None
        try:
            if fcntl is not None:  # no flock on Windows: saves there are not serialized
                _lock_within(fd, LOCK_WAIT_S, target, lock)
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def update(self, change: Callable[[Config], None]) -> Config:
        """Lock, re-read, apply `change`, write atomically.

        Refuses (ConfigError) while the file cannot be read, and when the change gives a
        broken profile's name to a profile; a failed write is a ConfigWriteError.
        """
        import tomli_w

        if self.path.is_symlink():
            # Its lock goes beside the target: make none beside what is no config (a link
            # planted to ~/.bashrc, or to a repository's .git/index, whose .lock stops git).
            first = self.load()
            if first.error is not None:
                raise first.error
        with self._locked():
            current = self.load()
            if current.error is not None:
                raise current.error
            reading = current._reading or _Reading(Config())
            config = current.config.copy()
            change(config)
            clashes = [name for name in config.profiles if name in current.broken]
            if clashes:
                raise ConfigError([ConfigProblem(
                    self.path, current.broken[name][0].line if current.broken[name] else None,
                    f"profiles.{name}",
                    f"profile {name!r} could not be loaded from the file, so hvctui does not "
                    "save over it: correct or remove it in the file first") for name in clashes])
            data = _merged(config, reading)
            check = _read(data)
            refused = check.fatal + [p for name, found in check.broken.items()
                                     if name not in reading.broken for p in found]
            if refused:  # never write what would not load back
                raise ConfigError([ConfigProblem(self.path, None, ".".join(loc),
                                                 f"not saved: {why}") for loc, why in refused])
            write_atomically(self.path, tomli_w.dumps(data).encode("utf-8"))
            return config

    def start_afresh(self) -> Path | None:
        """Move a broken file aside as a backup (kept beside it) so saving can resume.
        With a symlinked config the target is moved, and the symlink stays."""
        with self._locked():
            target = self.target()
            if not target.exists():
                return None
            n = 1
            while (backup := target.with_name(f"{target.name}.broken-{n}")).exists():
                n += 1
            os.replace(target, backup)
            return backup


def _merged(config: Config, reading: _Reading) -> dict[str, Any]:
    """What to write: the config, with what the file held and hvctui did not take put back
    (unknown keys, ignored values, broken profiles exactly as they were)."""
    out = config.to_toml()
    for key, value in reading.kept_top.items():
        out.setdefault(key, value)
    if reading.kept_keymap:
        out["keymap"] = {**reading.kept_keymap, **out.get("keymap", {})}
    profiles: dict[str, Any] = {}

    def put_broken_after(previous: str | None) -> None:
        for name, after in reading.broken_after.items():
            if after == previous and name not in profiles:
                profiles[name] = reading.broken_tables[name]

    put_broken_after(None)
    for name, table in out["profiles"].items():
        extra = reading.kept_keys.get(name)
        profiles[name] = {**extra, **table} if extra else table
        put_broken_after(name)
    for name, table in reading.broken_tables.items():  # their neighbour was removed
        profiles.setdefault(name, table)
    out["profiles"] = profiles
    return out


#: How long a save waits for another save of the same file (they take milliseconds): a lock
#: held longer is someone else's, and waiting on it forever would hang the app.
LOCK_WAIT_S = 10.0


def _lock_within(fd: int, seconds: float, target: Path, lock: Path) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise ConfigWriteError(
                    target, f"another process has held its lock file {one_line(str(lock))} "
                    f"for {seconds:g} s", f"Close other hvctui sessions, or remove "
                    f"{one_line(str(lock))} if none is running; the file was left as it "
                    "was.") from None
            time.sleep(0.01)


def make_private_folders(folder: Path) -> None:
    """Create `folder` and its missing parents, each 0700. Folders that exist are not touched."""
    missing: list[Path] = []
    current = folder
    while not os.path.lexists(current) and current != current.parent:
        missing.append(current)
        current = current.parent
    for path in reversed(missing):
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            continue  # made by someone else meanwhile: theirs, left as it is
        os.chmod(path, 0o700)  # the umask may have taken bits away; this one is ours


def write_atomically(path: Path, data: bytes, mode: int | None = None, *,
                     follow_symlinks: bool = True) -> None:
    """Temp file beside the target, fsync, rename over it, fsync the folder: old or new,
    never torn. A symlink is written through (it stays a symlink), or with `follow_symlinks`
    false is itself replaced, nothing written where it points (for hvctui's own files). The
    file keeps its mode if it was a regular file, else gets `mode` (default 0600). Folders that
    exist are never chmodded; missing ones are created 0700. An OSError becomes a
    ConfigWriteError, and no temporary file is left behind."""
    target = Path(os.path.realpath(path) if follow_symlinks else os.path.abspath(path))
    folder = target.parent
    try:
        make_private_folders(folder)
        try:
            info = os.stat(target) if follow_symlinks else os.lstat(target)
            keep = stat.S_IMODE(info.st_mode) if stat.S_ISREG(info.st_mode) else None
        except FileNotFoundError:
            keep = None
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise ConfigWriteError.of(target, exc) from None
    try:
        with os.fdopen(fd, "wb") as f:
            fchmod(f.fileno(), keep if keep is not None else (mode or 0o600))
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise ConfigWriteError.of(target, exc) from None
        raise
    with contextlib.suppress(OSError):  # some file systems cannot sync a folder; the data is in
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
