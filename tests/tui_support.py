"""Helpers for driving the real app: configs, waiting for what a user would see."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from hvctui.profiles.store import Config, ConfigStore, Profile
from hvctui.sim.world import DEMO_PASSWORD

PW_ENV = "HVCTUI_TEST_PW"


def corp_profile(server: str, pin: str = "", **changes: Any) -> Profile:
    values: dict[str, Any] = dict(
        server=server, user="cloudadmin@vmc.local", password_source=f"env:{PW_ENV}",
        tls="pinned" if pin else "system", pin_sha256=pin, psc_hostname="psc.corp.local",
        domain_name="corp.local", psc_user="administrator@corp.local",
        psc_password_source=f"env:{PW_ENV}", admin_groups=["vmc-admins@corp.local"])
    values.update(changes)
    return Profile(**values)


def write_config(folder: Path, profiles: dict[str, Profile], **top: Any) -> Path:
    store = ConfigStore(folder / "config.toml")
    config = Config(profiles=profiles, default_profile=next(iter(profiles), ""), **top)
    store.update(lambda c: c.__dict__.update(config.__dict__))
    return store.path


#: The longest nap between two looks at a condition. Naps start at zero (the pilot's pause:
#: every message already queued for the screen is handled, one turn of the event loop) and
#: double up to this, so a condition that becomes true soon is seen at once, and a long wait
#: (a call to the simulator) does not spin.
LONGEST_NAP = 0.02


async def wait_until(pilot: Pilot[Any], condition: Callable[[], bool],
                     timeout: float = 10.0) -> None:
    """Until `condition()` holds, looking again after each nap (see LONGEST_NAP); fails
    after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    nap = 0.0
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the app did not reach the expected state in time")
        await pilot.pause(nap)
        nap = min(LONGEST_NAP, max(nap * 2, 0.001))


async def wait_for_dialog(pilot: Pilot[Any], dialog: type, timeout: float = 10.0) -> None:
    """Until `dialog` is on top and would act on a key pressed now: a dialog that trusts,
    unlinks or deletes ignores keys typed as it opens (GuardedDialog), as a person would
    read it before answering."""
    app = pilot.app
    await wait_until(pilot, lambda: isinstance(app.screen, dialog)
                     and getattr(app.screen, "answerable", True), timeout)


def pane_text(app: Any) -> str:
    return app.main.pane.text.plain


PASSWORD = DEMO_PASSWORD


async def link_through_trust(pilot: Pilot[Any], store_thumbprint: bool = False) -> None:
    """Press Link, trust the offered PSC certificate, answer whether to store it."""
    from hvctui.tui.screens.dialogs import ConfirmScreen, TrustScreen

    app = pilot.app
    await pilot.press("f5")
    await wait_for_dialog(pilot, TrustScreen)
    await pilot.press("t")
    await wait_for_dialog(pilot, ConfirmScreen)
    await pilot.press("y" if store_thumbprint else "n")
    await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmScreen))


def unbroken(text: str) -> str:
    """Shown text without line breaks and indents: a thumbprint broken at colons reads whole."""
    return "".join(text.split())


def screen_segments(app: object) -> list:
    """The segments of the whole screen as the terminal receives them."""
    from rich.console import Console

    width, height = app.size  # type: ignore[attr-defined]
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system="truecolor", legacy_windows=False, safe_box=False)
    update = app.screen._compositor.render_update(  # type: ignore[attr-defined]
        full=True, screen_stack=app._background_screens)  # type: ignore[attr-defined]
    return list(console.render(update))


def screen_text(app: object) -> str:
    return "".join(segment.text for segment in screen_segments(app)
                   if not segment.control)
