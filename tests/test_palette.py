"""The command palette: every entry is text, never markup (issue 19), and each command shows
its keys as mapped (issue 21)."""

from __future__ import annotations

from pathlib import Path

from textual.command import CommandInput, CommandPalette

from hvctui.tui.app import HvcApp

from .text_support import FORBIDDEN
from .tui_support import corp_profile, screen_text, wait_until, write_config

EVIL = "[@click=app.quit]evil[/] [b]x\x1b[2J\u202e"


def lines(app: HvcApp) -> list[str]:
    return [line.strip() for line in screen_text(app).split("\n")]


async def test_a_user_themes_name_is_drawn_as_text_in_the_palette(isolated_config: Path) -> None:
    themes = isolated_config / "themes"
    themes.mkdir(parents=True)
    toml_name = EVIL.replace("\x1b", "\\u001b").replace("\u202e", "\\u202e")
    (themes / "evil.toml").write_text(f'name = "{toml_name}"\nprimary = "#112233"\n')
    app = HvcApp(config_path=write_config(isolated_config, {"corp": corp_profile("vc.x.com")}))
    shown_name = "[@click=app.quit]evil[/] [b]x\\x1b[2J\\u202e"
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p", *"theme", "enter")  # Textual's "Theme" command
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette)
                         and "Search for themes" in screen_text(app))
        await pilot.pause(0.3)
        assert shown_name in lines(app)  # the list as first shown
        assert not FORBIDDEN.search(screen_text(app).replace("\n", ""))
        await pilot.press(*"evil")
        await wait_until(pilot, lambda: shown_name in lines(app))  # and as searched
        await pilot.click(offset=(4, 5))  # on "[@click=app.quit]": runs nothing
        await pilot.pause()
        assert app.is_running
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.theme == shown_name)
        assert app.is_running


async def test_a_control_character_typed_into_the_palette_is_drawn_as_a_symbol(
        isolated_config: Path) -> None:
    app = HvcApp(config_path=write_config(isolated_config, {"corp": corp_profile("vc.x.com")}))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        app.screen.query_one(CommandInput).insert_text_at_cursor("zz\x1b[2J")
        await wait_until(pilot, lambda: "zz\u241b[2J" in screen_text(app))
        assert not FORBIDDEN.search(screen_text(app).replace("\n", ""))


async def test_the_palette_shows_each_commands_keys_as_mapped(isolated_config: Path) -> None:
    path = write_config(isolated_config, {"corp": corp_profile("vc.x.com")},
                        keymap={"link": "f12,ctrl+j"})
    app = HvcApp(config_path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await wait_until(pilot, lambda: "Fleet  f6" in lines(app))  # offered before typing
        await pilot.press(*"link")
        await wait_until(pilot, lambda: "Link  f12, ctrl+j" in lines(app))
        assert "Links  f2" in lines(app)
