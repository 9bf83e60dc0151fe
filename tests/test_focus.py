"""Where typing goes is unmistakable at 80x24, in every theme: the focused field is tinted
and the label of its row is drawn in the theme's accent (issue 21: a key typed just before a
dialog opened landed in a field nobody saw had focus)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rich.color import Color

from hvctui.tui.app import HvcApp

from .tui_support import corp_profile, screen_segments, wait_until, write_config

THEMES = ("hvc-dark", "hvc-light", "hvc-high-contrast")


def _rgb(color: Color | None, default: tuple[int, int, int]) -> tuple[int, int, int]:
    if color is None:
        return default
    triplet = color.get_truecolor()
    return (triplet.red, triplet.green, triplet.blue)


def _distance(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    return float(sum((x - y) ** 2 for x, y in zip(a, b)) ** 0.5)


def _cells(app: Any) -> list[list[tuple[str, Any]]]:
    """The screen as rows of (character, style)."""
    rows: list[list[tuple[str, Any]]] = [[]]
    for segment in screen_segments(app):
        if segment.control:
            continue
        for char in segment.text:
            if char == "\n":
                rows.append([])
            else:
                rows[-1].append((char, segment.style))
    return rows


def _find(rows: list[list[tuple[str, Any]]], text: str) -> tuple[int, int]:
    for y, row in enumerate(rows):
        line = "".join(c for c, _ in row)
        if text in line:
            return y, line.index(text)
    raise AssertionError(f"{text!r} is not on the screen")


def _looks(style: Any, screen_bg: tuple[int, int, int]) -> tuple[tuple[int, int, int], bool]:
    """(the background drawn, whether the cell is drawn reversed)."""
    reverse = bool(style and style.reverse)
    fg = _rgb(style.color if style else None, (255, 255, 255))
    bg = _rgb(style.bgcolor if style else None, screen_bg)
    return (fg if reverse else bg), reverse


@pytest.mark.parametrize("theme", THEMES)
async def test_the_focused_field_and_its_label_stand_out_in_every_theme(
        isolated_config: Path, theme: str) -> None:
    path = write_config(isolated_config, {"corp": corp_profile("vc.example.com")},
                        theme=theme)
    app = HvcApp(config_path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        form = app.main.form
        form.edit("user")
        await wait_until(pilot, lambda: form.editing() == "user")
        await pilot.pause(0.05)
        rows = _cells(app)
        screen_bg = _rgb(app.screen.styles.background.rich_color, (0, 0, 0))
        # the label of the focused row against the label of a row without focus
        y, x = _find(rows, "User*")
        focused_label, focused_reverse = _looks(rows[y][x][1], screen_bg)
        oy, ox = _find(rows, "SSO domain*")
        other_label, _ = _looks(rows[oy][ox][1], screen_bg)
        assert _distance(focused_label, other_label) >= 100, (theme, focused_label,
                                                              other_label)
        # the field itself (its value) against a value of a row without focus
        vy, vx = y, "".join(c for c, _ in rows[y]).index("cloudadmin@vmc.local")
        field_bg, _ = _looks(rows[vy][vx][1], screen_bg)
        wy, wx = _find(rows, "corp.local")
        other_bg, _ = _looks(rows[wy][wx][1], screen_bg)
        assert _distance(field_bg, other_bg) >= 60, (theme, field_bg, other_bg)
        # focus elsewhere: the label is drawn as the others again
        app.main.sidebar.focus_filter()
        await wait_until(pilot, lambda: not form.editing())
        await pilot.pause(0.05)
        rows = _cells(app)
        y, x = _find(rows, "User*")
        assert _distance(_looks(rows[y][x][1], screen_bg)[0], other_label) < 100
