"""Help: every binding (with its id for [keymap]) and every screen."""

from __future__ import annotations

from rich import box
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from hvctui.tui.screens.ontop import OnTop
from hvctui.tui.widgets.keyhints import KeyHints
from hvctui.tui.keys import ALL_KEYS, shown_key

SCREENS = [
    ("Main", "profiles sidebar (down from the filter: the list, where n makes a profile), the "
     "form (cloud vCenter + CreateSpec), the response pane; where no text field has focus "
     "? opens help and q goes back, or quits"),
    ("Form", "tab, shift+tab, enter, up, down: next or previous field (enter on Admin groups: "
     "edit as a list); left/right: the TLS mode; a click edits a row; escape: back to the saved "
     "value (ctrl+z brings back what it replaced); F7: preview the request, password masked; ctrl+q asks if edits are unsaved"),
    ("Links (F2)", "links of the vCenter with health; u unlinks after you type the domain"),
    ("Admins (F3)", "HLM administrator groups: a adds, d removes"),
    ("History (F4)", "every call made: time, profile, call, status, duration"),
    ("Fleet (F6)", "every profile (those the sidebar's filter shows) with its links and "
     "health; space selects a row and moves down, l links the selected, r refreshes, "
     "j copies JSON"),
    ("Preview (F7)", "the request Link would send, PSC password masked; enter sends it"),
    ("Check PSC (F8)", "what the form's PSC presents to this machine, compared with the "
     "form's thumbprint; nothing is sent to vCenter"),
    ("Trust dialog", "opens on UNVERIFIED_PEER, or on first connect with TLS pinned"),
    ("Palette (ctrl+p)", "themes, profiles, screens, copy the answer, start afresh"),
]


class HelpScreen(OnTop, Screen[None]):
    # The keys that open help close it too.
    BINDINGS = [Binding("escape,f1,question_mark,q", "close", "Back", id="help_close")]

    def __init__(self, keymap: dict[str, str]) -> None:
        super().__init__()
        self.keymap = keymap

    def compose(self) -> ComposeResult:
        keys = Table(title="Keys: remap any of them by id in config.toml, under \\[keymap]",
                     expand=True, box=box.SIMPLE_HEAD, padding=(0, 1))
        # Ids never wrap (they are copied into [keymap]); the descriptions wrap instead. The
        # keys are grouped by where they work, so no column is spent on it (room at 60 columns).
        keys.add_column("Keys", no_wrap=True)
        keys.add_column("What", ratio=1, min_width=12)
        keys.add_column("id", style="dim", no_wrap=True,
                        min_width=max(len(key.id) for key in ALL_KEYS))
        groups: dict[str, list[tuple[str, str, str]]] = {}
        for key in ALL_KEYS:
            groups.setdefault(key.where, []).append(
                (", ".join(shown_key(k) for k in self.keymap.get(key.id, key.keys).split(",")),
                 key.description, key.id))
        groups.setdefault("anywhere", []).append(("ctrl+p", "Command palette", "-"))
        for where, rows in groups.items():
            keys.add_row("", Text(where, style="bold"), "")
            for row in rows:
                keys.add_row(*row)
        screens = Table(title="Screens", expand=True, box=box.SIMPLE_HEAD, padding=(0, 1))
        screens.add_column("Screen", no_wrap=True)
        screens.add_column("What", min_width=14)
        for name, what in SCREENS:
            screens.add_row(name, what)
        with VerticalScroll(id="help"):
            yield Static(keys)
            yield Static(screens)
        yield KeyHints()
