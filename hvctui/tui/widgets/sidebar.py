"""The profiles sidebar: filter as you type, pick with the keyboard, manage with one key.

The list draws only the rows on screen, so ten thousand profiles filter as fast as ten.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.geometry import Size
from textual.message import Message
from textual.content import Content
from textual.strip import Strip
from textual.widgets import Input

from hvctui.tui.keys import SIDEBAR_KEYS, bindings
from hvctui.tui.widgets.cursorview import CursorView
from hvctui.tui.widgets.oneline import OneLineInput
from hvctui.vapi import one_line


class ProfileList(CursorView):
    """Profile names with a cursor; enter picks, n/c/r/d manage."""

    BINDINGS = [
        Binding("enter", "choose", "Select", show=False),
        *bindings(SIDEBAR_KEYS),
    ]
    COMPONENT_CLASSES = {"profile-list--cursor"}
    DEFAULT_CSS = """
    ProfileList { height: 1fr; scrollbar-size-vertical: 0; }
    ProfileList > .profile-list--cursor { background: $boost; text-style: bold; }
    ProfileList:focus > .profile-list--cursor { background: $accent 40%; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.selected = ""
        self.placeholder = ""
        self.broken: set[str] = set()

    def show(self, names: list[str], selected: str) -> None:
        self.names = names
        self.selected = selected
        self.cursor = names.index(selected) if selected in names else 0
        self.virtual_size = Size(self.size.width, len(names))
        self.scroll_to(y=max(0, self.cursor - self.size.height // 2), animate=False,
                       immediate=True)
        self.refresh()

    highlighted_name = CursorView.cursor_name

    def render_line(self, y: int) -> Strip:
        index = y + self.scroll_offset.y
        width = self.scrollable_content_region.width
        base = self.rich_style
        placeholder = self.placeholder.split("\n") if self.placeholder and not self.names \
            else []
        if y < len(placeholder):
            return Strip([Segment(placeholder[y][:width], base + Style(dim=True))]
                         ).extend_cell_length(width, base)
        if index >= len(self.names):
            return Strip.blank(width, base)
        name = self.names[index]
        style = base
        if index == self.cursor:
            style = base + self.get_component_rich_style("profile-list--cursor")
        mark = "! " if name in self.broken else ("> " if name == self.selected else "  ")
        label = mark + one_line(name)  # a broken profile's name is whatever the file holds
        return Strip([Segment(label[:width], style)]).extend_cell_length(width, style)

    def action_choose(self) -> None:
        if self.highlighted_name:
            self.post_message(ProfileSidebar.Chosen(self.highlighted_name))

    def on_click(self, event: events.Click) -> None:
        self.move_cursor(event.y + self.scroll_offset.y)
        self.action_choose()

    def action_command(self, verb: str) -> None:
        """n, c, r, d: new, duplicate, rename or delete, for the main screen to carry out."""
        self.post_message(ProfileSidebar.Command(verb, self.highlighted_name))


class FilterInput(OneLineInput):
    """Refilters as the value changes, so the list repaints in the same frame as the echo
    (a Changed message would land a frame later). Down goes to the list; the key bar says so,
    and how to make a profile there, since n in the filter is a letter of a name."""

    BINDINGS = [Binding("down", "to_list", "Profiles list", show=False)]

    def action_to_list(self) -> None:
        sidebar = self.parent
        if isinstance(sidebar, ProfileSidebar):
            sidebar.focus_list()

    def key_hint(self) -> Content:
        """What the key bar shows first while the filter has focus (widgets/keyhints.py)."""
        return Content.assemble((" \u2193", "bold $accent"), " then ",
                                (self.app.key_for("profile_new"), "bold $accent"),
                                " new profile ")

    def watch_value(self, value: str) -> None:
        sidebar = self.parent
        if isinstance(sidebar, ProfileSidebar):
            sidebar._refill(value)


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

    def compose(self) -> ComposeResult:
        yield FilterInput(placeholder="filter profiles", id="profile-filter", compact=True)
        yield ProfileList(id="profile-list")

    @property
    def profile_list(self) -> ProfileList:
        return self.query_one(ProfileList)

    @property
    def visible_names(self) -> list[str]:
        return list(self.profile_list.names)

    def set_profiles(self, names: list[str], selected: str, broken: list[str] = ()) -> None:  # type: ignore[assignment]
        """Show these profiles; broken ones (invalid in the file) are listed, marked !."""
        self.profile_list.broken = set(broken)
        self._names = list(names) + [b for b in broken if b not in names]
        self.profile_list.selected = selected
        self.query_one("#profile-filter", Input).placeholder = (
            f"filter {len(self._names)} profiles" if len(self._names) > 1 else "filter profiles")
        self._refill(self.query_one("#profile-filter", Input).value)

    @property
    def filter_text(self) -> str:
        """What is typed in the filter (the fleet says when it narrows the profiles)."""
        return self.query_one("#profile-filter", Input).value

    @property
    def filter_focused(self) -> bool:
        return self.query_one("#profile-filter", Input).has_focus

    def clear_filter(self) -> None:
        self.query_one("#profile-filter", Input).value = ""

    def focus_filter(self) -> None:
        self.query_one("#profile-filter", Input).focus()

    def mark_selected(self, name: str) -> None:
        self.profile_list.selected = name
        self.profile_list.refresh()

    def _refill(self, text: str) -> None:
        needle = text.strip().lower()
        names = [n for n in self._names if needle in n.lower()] if needle else self._names
        key = self.app.key_for("profile_new")
        self.profile_list.placeholder = (
            "" if names else
            f"no profile matches\n{one_line(text.strip(), 16)!r}\n(escape clears it)"
            if self._names else f"no profiles yet:\npress {key} in this list\nto make one")
        self.profile_list.show(names, self.profile_list.selected)

    @on(Input.Submitted, "#profile-filter")
    def _submit_filter(self) -> None:
        options = self.profile_list
        if options.highlighted_name:
            options.focus()
            # Posted here: a message stops bubbling at the widget that created it.
            self.post_message(self.Chosen(options.highlighted_name))

    def focus_list(self) -> None:
        """The list, its cursor on the selected profile (where Down from the filter lands),
        or on the first shown when the filter hides the selected one."""
        options = self.profile_list
        if options.selected in options.names:
            options.move_cursor(options.names.index(options.selected))  # scrolled into view
        options.focus()
