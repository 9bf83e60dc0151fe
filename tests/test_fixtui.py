"""Testers' TUI findings: typing into the trust dialog, its layout at 60x20, help's ids and
screens, the fleet under the sidebar's filter, `u` on a links list still loading."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from textual import events

from hvctui.sim.app import SimApp
from hvctui.sim.world import World
from hvctui.tui.app import HvcApp
from hvctui.tui.screens.dialogs import ConfirmScreen, TrustScreen
from hvctui.tui.screens.links import LinksScreen

from .conftest import Sim
from .test_trust_tui import demo_app
from .tui_support import (PASSWORD, PW_ENV, corp_profile, wait_for_dialog, wait_until,
                          write_config)


@pytest.fixture(autouse=True)
def password_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PW_ENV, PASSWORD)


@pytest.mark.dialog_quiet
async def test_typing_into_the_trust_dialog_does_not_trust(psc_sim: Sim,
                                                           isolated_config: Path) -> None:
    app = demo_app(psc_sim, isolated_config, "verified-psc")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f5")
        await wait_for_dialog(pilot, TrustScreen)
        dialog = app.screen
        # Typing once the dialog is open, as when someone types a profile name
        # ("intercepted") meant for the filter: the `t` inside the word is not an answer.
        for char in "intercepted":
            app.post_message(events.Key(char, char))
        await pilot.pause()
        assert app.screen is dialog and psc_sim.world.links == {}
        hint = str(dialog.query_one("#dialog-note").render())
        assert "Typing is not an answer here" in hint
        await pilot.pause(1.2)  # a second without stray keys: `t` is an answer again
        await pilot.press("t")
        await wait_for_dialog(pilot, ConfirmScreen)
        assert list(psc_sim.world.links)


async def test_u_while_the_links_load_says_they_are_loading(isolated_config: Path) -> None:
    world = World(seed=3)
    world.faults.latency_ms = 60_000  # the list never arrives during the test
    path = write_config(isolated_config, {"corp": corp_profile(
        "vcenter.sddc-1-2-3-4.vmwarevmc.com", tls="pinned", pin_sha256=":".join(["5A"] * 32))})
    app = HvcApp(config_path=path, transport=httpx.ASGITransport(app=SimApp(world)))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: bool(app.main.query("SpecForm")))
        await pilot.press("f2", "u")
        await wait_until(pilot, lambda: isinstance(app.screen, LinksScreen))
        await pilot.pause()
        shown = [str(n.message) for n in app._notifications]
        assert ("The links are still loading; press u again when they show." in shown), shown
        assert not any("No link selected" in n for n in shown)


async def test_the_fleet_says_the_sidebar_filter_narrowed_it(isolated_config: Path) -> None:
    from textual.widgets import Static

    from hvctui.sim.fleet import unused_address
    from hvctui.tui.screens.fleet import FleetScreen

    path = write_config(isolated_config, {
        name: corp_profile(unused_address(), pin="AC:" * 31 + "AC")
        for name in ("corp", "branch", "lab")})
    app = HvcApp(config_path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: bool(app.main.query("SpecForm")))
        app.main.sidebar.focus_filter()
        await pilot.press(*"corp")
        await wait_until(pilot, lambda: app.main.sidebar.visible_names == ["corp"])
        await pilot.press("f6")
        await wait_until(pilot, lambda: isinstance(app.screen, FleetScreen))
        header = str(app.screen.query_one("#fleet-header", Static).render())
        assert "the sidebar's filter 'corp': 1 of 3 profiles; clear it for all" in header
        await pilot.press("escape")  # cancels the refresh
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, FleetScreen))
        app.main.sidebar.query_one("#profile-filter").value = ""
        await wait_until(pilot, lambda: len(app.main.sidebar.visible_names) == 3)
        await pilot.press("f6")
        await wait_until(pilot, lambda: isinstance(app.screen, FleetScreen))
        assert "filter" not in str(app.screen.query_one("#fleet-header", Static).render())


@pytest.mark.parametrize("size", [(60, 20), (80, 24)])
async def test_help_never_wraps_a_binding_id_and_lists_every_screen(
        isolated_config: Path, size: tuple[int, int]) -> None:
    from hvctui.tui.keys import ALL_KEYS
    from hvctui.tui.screens.help import HelpScreen

    path = write_config(isolated_config, {"corp": corp_profile("vc.example.com")})
    app = HvcApp(config_path=path)
    async with app.run_test(size=size) as pilot:
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.pause()
        lines = ["".join(s.text for s in static.render_line(y))
                 for static in app.screen.query("#help Static")
                 for y in range(static.size.height)]
        words = {word for line in lines for word in line.split()}
        assert all(key.id in words for key in ALL_KEYS), \
            sorted(k.id for k in ALL_KEYS if k.id not in words)
        text = "\n".join(lines)
        for screen in ("Fleet (F6)", "Preview (F7)", "Check PSC (F8)"):
            assert screen in text


def shown_lines(widget: object) -> list[str]:
    """The lines a widget shows, as drawn at its width."""
    return ["".join(s.text for s in widget.render_line(y)).rstrip()  # type: ignore[attr-defined]
            for y in range(widget.size.height)]  # type: ignore[attr-defined]


def thumbprint_pieces(lines: list[str], label: str = "SHA-256") -> list[str]:
    """The pieces of the thumbprint after `label`, one per line as drawn."""
    start = next(i for i, line in enumerate(lines) if line.strip().startswith(label))
    pieces = [lines[start].strip()[len(label):].strip()]
    for line in lines[start + 1:]:
        if not line.startswith(" " * 9) or not set(line.strip()) <= set("0123456789ABCDEF:"):
            break
        pieces.append(line.strip())
    return pieces


async def test_trust_dialog_at_60x20_keeps_its_keys_and_breaks_thumbprints_at_colons(
        psc_sim: Sim, isolated_config: Path) -> None:
    from hvctui.sim.psc import INTERCEPTED

    from .test_trust_tui import fits

    app = demo_app(psc_sim, isolated_config, "intercepted-psc")
    offered = psc_sim.world.pscs[INTERCEPTED].thumbprint
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.press("f5")
        await wait_for_dialog(pilot, TrustScreen)
        await pilot.pause()
        assert fits(app, ".dialog-keys")
        keys = shown_lines(app.screen.query_one(".dialog-keys"))
        assert any("escape cancel" in line for line in keys)
        body = app.screen.query_one(".dialog-body")
        assert body.max_scroll_y > 0  # the rest scrolls: more than fits at 60x20
        pieces = thumbprint_pieces(shown_lines(app.screen.query_one("#trust-details")))
        assert len(pieces) > 1 and "".join(pieces) == offered
        assert all(piece.endswith(":") for piece in pieces[:-1])
        seen = thumbprint_pieces(shown_lines(app.screen.query_one("#trust-verdict")))
        assert len(seen) > 1 and all(piece.endswith(":") for piece in seen[:-1])
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, TrustScreen))


def test_trust_dialog_at_60x20(snap_compare: Any, isolated_config: Path) -> None:
    from textual.pilot import Pilot

    from .test_snapshots import make_app

    app = make_app(isolated_config)

    async def run_before(pilot: Pilot[Any]) -> None:
        await pilot.press("f5")
        await wait_for_dialog(pilot, TrustScreen)
        await pilot.pause()

    assert snap_compare(app, terminal_size=(60, 20), run_before=run_before)
