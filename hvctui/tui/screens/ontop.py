"""A screen dismisses itself only while it is the one on top.

Textual 8.2's `Screen.dismiss` calls the result callback, then `app.pop_screen()`, which pops
whatever screen is on top. A handler queued on a screen that a burst of keys has already closed
(enter, enter in the palette; enter and escape in a dialog) dismissed it a second time: it
popped another screen and answered its caller twice, or with only the main screen left raised
ScreenStackError and ended the app. Upstream: docs/upstream/02-dismiss-pops-another-screen.md.
Every screen hvctui pushes, the palette too, takes this class first in its bases.
"""

from __future__ import annotations

from typing import Any

from textual.await_complete import AwaitComplete
from textual.screen import Screen


class OnTop:
    """Mixed in before a Screen class: `dismiss` does nothing unless this screen is on top."""

    def dismiss(self, result: Any = None) -> AwaitComplete:
        assert isinstance(self, Screen)
        if self.app.screen_stack[-1:] != [self]:
            return AwaitComplete.nothing()
        return super().dismiss(result)  # type: ignore[misc]

    def action_close(self) -> None:
        """Escape where there is nothing to answer (or the question is declined): no result."""
        self.dismiss(None)

    action_cancel = action_close
