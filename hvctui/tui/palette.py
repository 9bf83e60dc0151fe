"""The command palette's entries, drawn as text.

Textual's own providers hand every title and help line to `Content.from_markup`: a theme named
in a user's theme file (or any entry not a literal of ours) would be parsed as markup, a `[`
in it raise, an `[@click=...]` run an action. These providers build each entry as Content from
text that passed the text boundary (vapi/text.py): never markup, invisible characters shown.
Each command's keys, as currently mapped, are shown beside it.
"""

from __future__ import annotations

from typing import Any

from textual.command import CommandInput, CommandPalette, DiscoveryHit, Hit, Hits, Matcher
from textual.content import Content
from textual.system_commands import SystemCommandsProvider
from textual.theme import ThemeProvider

from hvctui.tui.screens.ontop import OnTop
from hvctui.tui.widgets.oneline import ShownControls
from hvctui.vapi import one_line

#: How much of an entry is shown (a theme name from a file may be long).
LIMIT = 120


def highlighted(matcher: Matcher, shown: str) -> Content:
    """`shown` as Content with the characters the query matched highlighted, as Textual's
    `Matcher.highlight` does but without reading `shown` as markup."""
    content = Content(shown)
    _score, offsets = matcher.fuzzy_search.match(matcher.query, shown)
    for offset in offsets:
        if not shown[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


def _with_keys(title: Content, keys: str) -> Content:
    return Content.assemble(title, ("  " + one_line(keys, 40), "bold $accent")) if keys \
        else title


class Palette(OnTop, CommandPalette):
    """Textual's command palette, its input drawing control characters as visible symbols."""

    def on_mount(self) -> None:
        self.query_one(CommandInput).highlighter = ShownControls()


class Commands(SystemCommandsProvider):
    """The app's and Textual's system commands, as text, each with its keys as mapped."""

    def _help(self, help_text: str) -> Any:
        # Textual passes the help to Content.from_markup, which returns Content unchanged.
        return Content(one_line(help_text, 200))

    async def discover(self) -> Hits:
        commands = sorted(self.app.get_system_commands(self.screen),
                          key=lambda command: command[0])
        for title, help_text, callback, discover in commands:
            if discover:
                shown = one_line(title, LIMIT)
                yield DiscoveryHit(_with_keys(Content(shown), self.app.palette_keys(title)),
                                   callback, text=shown, help=self._help(help_text))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback, *_ in self.app.get_system_commands(self.screen):
            shown = one_line(title, LIMIT)
            if (score := matcher.match(shown)) > 0:
                yield Hit(score, _with_keys(highlighted(matcher, shown),
                                            self.app.palette_keys(title)),
                          callback, text=shown, help=self._help(help_text))


class Themes(ThemeProvider):
    """Every theme by name; a user's theme file names its theme, so the name is data."""

    async def discover(self) -> Hits:
        for name, callback in self.commands:
            shown = one_line(name, LIMIT)
            yield DiscoveryHit(Content(shown), callback, text=shown)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback in self.commands:
            shown = one_line(name, LIMIT)
            if (score := matcher.match(shown)) > 0:
                yield Hit(score, highlighted(matcher, shown), callback, text=shown)
