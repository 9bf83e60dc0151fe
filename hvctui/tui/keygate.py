"""Keys one at a time: a key is routed only once the keys before it have had their effect.

Textual routes a key to the widget focused when the key *arrives*, but a key's effect is
decided later: it is offered to the focused widget, then bubbles up the DOM one message queue
per hop, and only at the top are the screen's bindings run (Tab, ctrl+f, `n`). Focus changes
are deferred once more (`Widget.focus` posts to the app's queue), and a dialog opened by a
worker is composed a few loop turns later. So keys that arrive in one read (a paste, a laggy
SSH link) all go to the old target: Tab then `xy` typed `xy` into the old field; `n` then
`dev` opened Delete over the new-profile dialog.

The gate holds every key that arrives while an earlier key is still being handled, and
replays it, in order, when the app has settled: every message queue drained, no worker waiting
to start. Then `app.focused` is where the earlier keys put it, as if the person had typed
slowly. Waiting on a network call is not being busy, so keys (escape to cancel) still flow
while a call is in flight. A key is never held longer than `PATIENCE` seconds.

Upstream: docs/upstream/10-keys-in-one-read-go-to-the-old-focus.md (its canary is in
tests/test_textual_patches.py). No public override: Textual has no public "settled".
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import TYPE_CHECKING

from textual import events
from textual.worker import WorkerState

if TYPE_CHECKING:
    from textual.app import App

#: Longest a key waits for the app to settle (a defect elsewhere must not eat keys).
PATIENCE = 2.0
_ADMITTED = "_hvctui_admitted"


class KeyGate:
    def __init__(self, app: App[object]) -> None:
        self.app = app
        self._held: deque[events.Key] = deque()
        self._busy = False
        self._since = 0.0
        self._polls = 0

    def admit(self, event: events.Key) -> bool:
        """True: route this key now. False: the gate keeps it and replays it later."""
        if getattr(event, _ADMITTED, False):
            return True
        if self._busy:
            self._held.append(event)
            return False
        self._start()
        return True

    def _start(self) -> None:
        self._busy = True
        self._since = time.monotonic()
        self._polls = 0
        asyncio.get_running_loop().call_soon(self._poll)

    def _poll(self) -> None:
        self._polls += 1
        if not self._settled():
            if time.monotonic() - self._since >= PATIENCE:
                self._flush()  # something is stuck: deliver the keys as Textual would
                return
            loop = asyncio.get_running_loop()
            # The first turns at once (most keys settle in a few); then gently, not spinning.
            if self._polls < 50:
                loop.call_soon(self._poll)
            else:
                loop.call_later(0.002, self._poll)
            return
        self._busy = False
        if self._held:
            key = self._held.popleft()
            setattr(key, _ADMITTED, True)
            self._start()
            if not self.app.post_message(key):
                self._held.clear()
                self._busy = False

    def _flush(self) -> None:
        """Every held key at once, in order, without waiting: one slow handler must not
        delay each key of a burst by PATIENCE."""
        self._busy = False
        while self._held:
            key = self._held.popleft()
            setattr(key, _ADMITTED, True)
            self.app.post_message(key)

    def _settled(self) -> bool:
        app = self.app
        if not app.is_running:
            return True
        for pump in (app, *app._registry):  # noqa: SLF001 - every node with a message queue
            if not pump._message_queue.empty() or pump._next_callbacks:  # noqa: SLF001
                return False
        return not any(w.state is WorkerState.PENDING for w in app.workers)
