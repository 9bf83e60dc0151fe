"""Themes: ours (shipped in the package) and the user's (the config folder's themes/)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual.color import Color
from textual.theme import Theme

from hvctui._compat import tomllib
from hvctui.profiles.store import TooDeep, parse_bounded, read_regular_file
from hvctui.vapi import one_line

DEFAULT_THEME = "hvc-dark"
MAX_THEME_BYTES = 64 * 1024
_FIELDS = ("primary", "secondary", "accent", "foreground", "background", "surface", "panel",
           "success", "warning", "error", "boost")


@dataclass(frozen=True)
class ThemeProblem:
    path: Path
    reason: str

    def __str__(self) -> str:
        return f"theme {one_line(str(self.path))}: {self.reason} (skipped)"


def shipped_themes_dir() -> Path:
    """The themes inside the installed wheel, or the repository's themes/ in a checkout."""
    package = Path(__file__).resolve().parents[1]
    packaged = package / "_themes"  # where the wheel puts them (pyproject force-include)
    return packaged if packaged.is_dir() else package.parent / "themes"


def theme_from_toml(path: Path) -> Theme:
    """A Theme from a TOML file; ValueError says what is wrong."""
    try:  # a theme is a few hundred bytes: a FIFO or a huge file is refused, not read
        # Only read, never written: a symlinked theme (kept in dotfiles) is followed.
        text = read_regular_file(path, MAX_THEME_BYTES, follow_symlinks=True).decode("utf-8")
        data = parse_bounded(tomllib.loads, text)
    except OSError as exc:
        raise ValueError(f"cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ValueError(f"cannot read: {exc}") from None
    except TooDeep as exc:
        raise ValueError(f"not read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"not valid TOML: {exc}") from None
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValueError("needs a name = \"...\"")
    if not isinstance(data.get("primary"), str):
        raise ValueError("needs a primary = \"#RRGGBB\" colour")
    unknown = set(data) - set(_FIELDS) - {"name", "dark", "variables"}
    if unknown:
        raise ValueError(f"unknown keys: {', '.join(sorted(unknown))}")
    kwargs = {k: data[k] for k in _FIELDS if k in data}
    for key, value in kwargs.items():
        if not isinstance(value, str):
            raise ValueError(f"{key} must be a colour string")
    try:
        for key, value in kwargs.items():
            Color.parse(value)
    except Exception as exc:  # textual's ColorParseError
        raise ValueError(f"{key} = {value!r} is not a colour ({exc})") from None
    variables = data.get("variables", {})
    if not isinstance(variables, dict):
        raise ValueError("variables must be a table")
    # The name is the user's text: shown in the palette and notices, saved in config.toml.
    return Theme(name=one_line(name.strip(), 64), dark=bool(data.get("dark", True)),
                 variables={str(k): str(v) for k, v in variables.items()}, **kwargs)


def load_themes(user_dir: Path | None) -> tuple[list[Theme], list[ThemeProblem]]:
    """Every theme we ship, then the user's; broken files are reported and skipped."""
    themes: list[Theme] = []
    problems: list[ThemeProblem] = []
    folders = [shipped_themes_dir()]
    if user_dir is not None and user_dir.is_dir():
        folders.append(user_dir)
    for folder in folders:
        for path in sorted(folder.glob("*.toml")):
            try:
                themes.append(theme_from_toml(path))
            except ValueError as exc:
                problems.append(ThemeProblem(path, str(exc)))
    return themes, problems
