"""The profiles sidebar: filter as you type, pick with the keyboard, manage with one key."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from hvctui.tui.keys import SIDEBAR_KEYS, bindings


class ProfileList(OptionList):
    BINDINGS = bindings(SIDEBAR_KEYS)

    def action_new_profile(self) -> None:
        self.post_message(ProfileSidebar.Command("new", self._highlighted_name()))

    def action_duplicate_profile(self) -> None:
        self.post_message(ProfileSidebar.Command("duplicate", self._highlighted_name()))

    def action_rename_profile(self) -> None:
        self.post_message(ProfileSidebar.Command("rename", self._highlighted_name()))

    def action_delete_profile(self) -> None:
        self.post_message(ProfileSidebar.Command("delete", self._highlighted_name()))

    def _highlighted_name(self) -> str:
        if self.highlighted is None:
            return ""
        return self.get_option_at_index(self.highlighted).id or ""


class ProfileSidebar(Vertical):
    """Profiles by name; the chosen one fills the form."""

    @dataclass
    class Chosen(Message):
        name: str

    @dataclass
    class Command(Message):
        verb: str  # new, duplicate, rename, delete
        name: str

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._names: list[str] = []
        self.selected = ""

    def compose(self) -> ComposeResult:
        yield Input(placeholder="filter profiles", id="profile-filter", compact=True)
        yield ProfileList(id="profile-list")

    @property
    def option_list(self) -> ProfileList:
        return self.query_one(ProfileList)

    def set_profiles(self, names: list[str], selected: str) -> None:
        self._names = list(names)
        self.selected = selected
        self._refill(self.query_one("#profile-filter", Input).value)

    def mark_selected(self, name: str) -> None:
        self.selected = name
        self._refill(self.query_one("#profile-filter", Input).value)

    def _refill(self, text: str) -> None:
        needle = text.strip().lower()
        names = [n for n in self._names if needle in n.lower()] if needle else self._names
        options = self.option_list
        options.clear_options()
        options.add_options([Option(self._label(n), id=n) for n in names])
        if self.selected in names:
            options.highlighted = names.index(self.selected)
        elif names:
            options.highlighted = 0

    def _label(self, name: str) -> str:
        return f"▸ {name}" if name == self.selected else f"  {name}"

    @on(Input.Changed, "#profile-filter")
    def _filter(self, event: Input.Changed) -> None:
        self._refill(event.value)

    @on(Input.Submitted, "#profile-filter")
    def _submit_filter(self) -> None:
        options = self.option_list
        if options.option_count:
            options.focus()
            if options.highlighted is not None:
                name = options.get_option_at_index(options.highlighted).id or ""
                self.post_message(self.Chosen(name))

    def key_down(self) -> None:
        if self.query_one("#profile-filter", Input).has_focus:
            self.option_list.focus()

    @on(OptionList.OptionSelected, "#profile-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(self.Chosen(event.option.id or ""))
