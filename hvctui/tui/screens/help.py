"""Help: every binding (with its id for [keymap]) and every screen."""

from __future__ import annotations

from rich import box
from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from hvctui.tui.widgets.keyhints import KeyHints
from hvctui.tui.keys import ALL_KEYS

SCREENS = [
    ("Main", "profiles sidebar, the form (cloud vCenter + CreateSpec), the response pane"),
    ("Form", "enter: next field (on Admin groups: edit as a list); escape: back to the saved "
     "value; F7: preview the request, password masked; ctrl+q asks if edits are unsaved"),
    ("Links (F2)", "links of the vCenter with health; u unlinks after you type the domain"),
    ("Admins (F3)", "HLM administrator groups: a adds, d removes"),
    ("History (F4)", "every call made: time, profile, call, status, duration"),
    ("Trust dialog", "opens on UNVERIFIED_PEER, or on first connect with TLS pinned"),
    ("Palette (ctrl+p)", "themes, profiles, screens, copy the answer, start afresh"),
]


class HelpScreen(Screen[None]):
    BINDINGS = [Binding("escape,f1,q", "close", "Back", id="help_close")]

    def __init__(self, keymap: dict[str, str]) -> None:
        super().__init__()
        self.keymap = keymap

    def compose(self) -> ComposeResult:
        keys = Table(title="Keys: remap any of them by id in config.toml, under \\[keymap]",
                     expand=True, box=box.SIMPLE_HEAD, padding=(0, 1))
        # At 60 columns the long ids and places fold onto a second line; What keeps its width.
        keys.add_column("Keys", no_wrap=True)
        keys.add_column("What", ratio=3, min_width=14)
        keys.add_column("Where", ratio=2, overflow="fold")
        keys.add_column("id", style="dim", ratio=2, overflow="fold")
        remapped = self.keymap
        for key in ALL_KEYS:
            keys.add_row(", ".join(remapped.get(key.id, key.keys).split(",")),
                         key.description, key.where, key.id)
        keys.add_row("ctrl+p", "Command palette", "anywhere", "-")
        screens = Table(title="Screens", expand=True, box=box.SIMPLE_HEAD, padding=(0, 1))
        screens.add_column("Screen", no_wrap=True)
        screens.add_column("What", min_width=14)
        for name, what in SCREENS:
            screens.add_row(name, what)
        with VerticalScroll(id="help"):
            yield Static(keys)
            yield Static(screens)
        yield KeyHints()

    def action_close(self) -> None:
        self.dismiss(None)
