"""Every binding's id, default keys and meaning, in one table (help and [keymap] read it)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from textual.binding import Binding, BindingType
from textual.keys import format_key


@dataclass(frozen=True)
class Key:
    id: str
    keys: str
    action: str
    description: str
    where: str = "main screen"
    show: bool = True
    priority: bool = False


MAIN_KEYS = [
    Key("link", "f5,ctrl+j", "link", "Link"),
    Key("preview", "f7", "preview", "Preview"),
    Key("cancel_call", "escape", "cancel_call", "Cancel call / revert field", show=False),
    # Escape's revert made undoable. Textual's driver turns the terminal's ISIG off, so ctrl+z
    # reaches the app as a key (never SIGTSTP); tmux binds it only after its prefix, readline
    # not at all, and Textual's Input has no ctrl+z of its own.
    Key("undo_revert", "ctrl+z", "undo_revert", "Undo escape in a field", show=False),
    Key("save_profile", "ctrl+s", "save_profile", "Save"),
    Key("links_screen", "f2", "open_links", "Links"),
    Key("admins_screen", "f3", "open_admins", "Admins"),
    Key("check_psc", "f8", "check_psc", "Check PSC", show=False),
    Key("fleet_screen", "f6", "open_fleet", "Fleet"),
    Key("reveal_passwords", "ctrl+r", "reveal", "Reveal pw", show=False),
    Key("focus_profiles", "ctrl+f", "focus_profiles", "Profiles", show=False),
    Key("focus_response", "ctrl+o", "focus_response", "Response", show=False),
    # Not ctrl+b: tmux's prefix (inside tmux the app never sees it) and readline's
    # backward-char. f9 is bound by no default of tmux, GNU screen, zellij or readline, nor
    # by the common terminals (they take f10 menu, f11 full screen, f12 drop-down).
    Key("toggle_sidebar", "f9", "toggle_sidebar", "Sidebar", show=False),
]

APP_KEYS = [
    Key("history_screen", "f4", "open_history", "History", "anywhere"),
    # `?` and `q` as in k9s and lazygit: they act where no text field has focus (a field
    # takes them as text before any binding sees them). A dialog (a modal screen) sees only
    # the app's priority keys, so in the trust dialog `q` is typing, not a way out.
    Key("help", "f1,question_mark", "help", "Help", "anywhere"),
    Key("back", "q", "back", "Back (on the main screen: quit)", "anywhere", show=False),
    Key("quit", "ctrl+q", "quit", "Quit", "anywhere", priority=True),
]

SIDEBAR_KEYS = [
    Key("profile_new", "n", "command('new')", "New", "profiles list"),
    Key("profile_duplicate", "c", "command('duplicate')", "Duplicate", "profiles list"),
    Key("profile_rename", "r", "command('rename')", "Rename", "profiles list"),
    Key("profile_delete", "delete,d", "command('delete')", "Delete", "profiles list"),
]

RESPONSE_KEYS = [
    Key("copy_text", "y", "copy_text", "Copy text", "response pane"),
    Key("copy_json", "j", "copy_json", "Copy JSON", "response pane"),
]

TRUST_KEYS = [
    Key("trust", "t", "trust", "Trust and resubmit", "trust dialog"),
    Key("trust_cancel", "escape", "cancel", "Cancel", "trust dialog"),
]

LINKS_KEYS = [
    Key("links_refresh", "r", "refresh", "Refresh", "links screen"),
    Key("links_unlink", "u,delete", "unlink", "Unlink", "links screen"),
    Key("links_copy", "y", "copy_link", "Copy id", "links screen"),
    Key("screen_close", "escape", "close", "Back", "links screen"),
]

ADMINS_KEYS = [
    Key("admins_add", "a", "add", "Add group", "administrators screen"),
    Key("admins_remove", "d,delete", "remove", "Remove group", "administrators screen"),
    Key("admins_refresh", "r", "refresh", "Refresh", "administrators screen"),
    Key("admins_close", "escape", "close", "Back", "administrators screen"),
]

FLEET_KEYS = [
    Key("fleet_select", "space", "toggle_select", "Select", "fleet screen"),
    Key("fleet_link", "f5,l", "link_selected", "Link selected", "fleet screen"),
    Key("fleet_refresh", "r", "refresh", "Refresh", "fleet screen"),
    Key("fleet_filter", "slash", "focus_filter", "Filter", "fleet screen"),
    Key("fleet_copy_json", "j", "copy_json", "Copy JSON", "fleet screen", show=False),
    Key("fleet_cancel", "escape", "cancel", "Cancel / back", "fleet screen"),
]

ALL_KEYS = (MAIN_KEYS + APP_KEYS + SIDEBAR_KEYS + RESPONSE_KEYS + TRUST_KEYS + LINKS_KEYS
            + ADMINS_KEYS + FLEET_KEYS)
KNOWN_IDS = {k.id for k in ALL_KEYS}

#: The bindings that can be active at once, by where: one key must not mean two of them there
#: (Textual would let one win: `trust = "t,escape"` made the dialog's escape trust). The
#: app's keys work on every full screen; a dialog (modal) sees only its priority ones.
TOGETHER: dict[str, list[Key]] = {
    "profiles list": MAIN_KEYS + SIDEBAR_KEYS + APP_KEYS,
    "response pane": MAIN_KEYS + RESPONSE_KEYS + APP_KEYS,
    "trust dialog": TRUST_KEYS + [key for key in APP_KEYS if key.priority],
    "links screen": LINKS_KEYS + APP_KEYS,
    "administrators screen": ADMINS_KEYS + APP_KEYS,
    "fleet screen": FLEET_KEYS + APP_KEYS,
}


@dataclass(frozen=True)
class Clash:
    """One key bound to two or more binding ids that are active at once (`where`)."""

    key: str
    ids: tuple[str, ...]
    where: str

    def __str__(self) -> str:
        return f"{self.key} is bound to both {' and '.join(self.ids)} ({self.where})"


def key_names(keys: str) -> list[str]:
    return [name.strip() for name in keys.split(",") if name.strip()]


def clashes(keymap: Mapping[str, str]) -> list[Clash]:
    """Every key that `keymap` (over the defaults) binds to two ids active at once."""
    found: dict[tuple[str, tuple[str, ...]], Clash] = {}
    for where, group in TOGETHER.items():
        owners: dict[str, list[str]] = {}
        for key in group:
            for name in key_names(keymap.get(key.id, key.keys)):
                if key.id not in owners.setdefault(name, []):
                    owners[name].append(key.id)
        for name, ids in owners.items():
            if len(ids) > 1:
                found.setdefault((name, tuple(ids)), Clash(name, tuple(ids), where))
    return list(found.values())


def safe_keymap(keymap: Mapping[str, str]) -> tuple[dict[str, str], list[Clash]]:
    """`keymap` without the entries that make a clash (their defaults stand instead), and the
    clashes that refused them. The defaults never clash (a test proves it), so this ends."""
    kept = dict(keymap)
    refused: list[Clash] = []
    while found := clashes(kept):
        refused += found
        dropped = {binding for clash in found for binding in clash.ids if binding in kept}
        if not dropped:  # only defaults clash: nothing of the user's to refuse
            break
        for binding in dropped:
            del kept[binding]
    return kept, refused


def bindings(keys: list[Key]) -> list[BindingType]:
    return [Binding(k.keys, k.action, k.description, show=k.show, id=k.id, priority=k.priority)
            for k in keys]


def shown_key(name: str) -> str:
    """A key as people read it: "?" for Textual's name "question_mark"; other names (escape,
    ctrl+p, f5) as the README writes them."""
    name = name.strip()
    symbol = format_key(name)
    return symbol if len(symbol) == 1 else name

