"""Local guards for defects in Textual that end the app, each proven by a test.

Every guard names the upstream behaviour it covers, checks the precondition that upstream
misses and otherwise hands over to Textual's own code, so it stays correct if upstream fixes the
defect; if the private method it wraps disappears, the guard is not installed and the
regression test in tests/test_random_keys.py says so.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import OptionList

_INSTALLED = "_hvctui_guarded"


def _guard_option_list_page() -> bool:
    """Page Up / Page Down in an OptionList that has options but no lines yet.

    Upstream (Textual 8.2.x, `OptionList._move_page`): the line cache is filled by
    `_update_lines`, which does nothing while the list has no content region (not laid out
    yet, or hidden: the command palette's list is `display: none` until it has results). With
    options present and `highlighted` set, `_move_page` reads `self._index_to_line[highlighted]`
    from the empty cache and raises `KeyError` (or `IndexError` at `self._lines[-1]`), which
    ends the app. Without lines there is no page to move by, so the highlight stays.
    """
    original = getattr(OptionList, "_move_page", None)
    if original is None:
        return False
    if getattr(original, _INSTALLED, False):
        return True

    def _move_page(self: OptionList, direction: Any) -> None:
        if self.option_count and not self.scrollable_content_region:
            return  # no lines to page through yet: upstream would raise KeyError
        original(self, direction)

    setattr(_move_page, _INSTALLED, True)
    _move_page.__doc__ = original.__doc__
    OptionList._move_page = _move_page  # type: ignore[method-assign]
    return True


def install() -> dict[str, bool]:
    """Install every guard (idempotent); returns which ones are in place."""
    return {"option_list_page": _guard_option_list_page()}
