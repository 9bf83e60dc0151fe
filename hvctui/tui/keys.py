"""Every binding's id, default keys and meaning, in one table (help and [keymap] read it)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding, BindingType


@dataclass(frozen=True)
class Key:
    id: str
    keys: str
    action: str
    description: str
    where: str = "main screen"
    show: bool = True
    priority: bool = False

    def binding(self) -> Binding:
        return Binding(self.keys, self.action, self.description, show=self.show, id=self.id,
                       priority=self.priority)


MAIN_KEYS = [
    Key("link", "f5,ctrl+j", "link", "Link"),
    Key("preview", "f7", "preview", "Preview"),
    Key("cancel_call", "escape", "cancel_call", "Cancel call / revert field", show=False),
    Key("save_profile", "ctrl+s", "save_profile", "Save"),
    Key("links_screen", "f2", "open_links", "Links"),
    Key("admins_screen", "f3", "open_admins", "Admins"),
    Key("check_psc", "f8", "check_psc", "Check PSC", show=False),
    Key("fleet_screen", "f6", "open_fleet", "Fleet"),
    Key("reveal_passwords", "ctrl+r", "reveal", "Reveal pw", show=False),
    Key("focus_profiles", "ctrl+f", "focus_profiles", "Profiles", show=False),
    Key("focus_response", "ctrl+o", "focus_response", "Response", show=False),
    Key("toggle_sidebar", "ctrl+b", "toggle_sidebar", "Sidebar", show=False),
]

APP_KEYS = [
    Key("history_screen", "f4", "open_history", "History", "anywhere"),
    Key("help", "f1", "help", "Help", "anywhere"),
    Key("quit", "ctrl+q", "quit", "Quit", "anywhere", priority=True),
]

SIDEBAR_KEYS = [
    Key("profile_new", "n", "new_profile", "New", "profiles list"),
    Key("profile_duplicate", "c", "duplicate_profile", "Duplicate", "profiles list"),
    Key("profile_rename", "r", "rename_profile", "Rename", "profiles list"),
    Key("profile_delete", "delete,d", "delete_profile", "Delete", "profiles list"),
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


def bindings(keys: list[Key]) -> list[BindingType]:
    return [k.binding() for k in keys]
