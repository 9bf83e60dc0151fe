"""Snapshots of what a person sees at 80x24. Deterministic: the simulator runs in-process
(seeded ids and thumbprints, a fixed clock), timings are hidden, the config is isolated."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.pilot import Pilot

from hvctui.sim.app import SimApp
from hvctui.sim.world import World
from hvctui.tui.app import HvcApp
from hvctui.tui.screens.dialogs import TrustScreen
from hvctui.tui.screens.links import LinksScreen

from .tui_support import (
    PASSWORD,
    PW_ENV,
    corp_profile,
    link_through_trust,
    wait_for_dialog,
    wait_until,
    write_config,
)

SIZE = (80, 24)
SERVER = "vcenter.sddc-1-2-3-4.vmwarevmc.com"
FIXED_NOW = 1_764_230_400.0  # 2025-11-27 08:00:00 UTC


@pytest.fixture(autouse=True)
def password_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PW_ENV, PASSWORD)


def make_app(folder: Path, world: World | None = None, *, profiles: bool = True,
             **top: Any) -> HvcApp:
    world = world or World(seed=3, clock=lambda: FIXED_NOW)
    config = {}
    if profiles:
        config = {
            # Pinned: the in-process transport skips the probe, and the row shows the pin.
            "corp": corp_profile(SERVER, tls="pinned", pin_sha256=":".join(["5A"] * 32)),
            "unreachable": corp_profile(SERVER, psc_hostname="psc.branch.example",
                                        domain_name="branch.example", admin_groups=[]),
            "legacy-psc": corp_profile(SERVER, psc_hostname="psc-legacy.corp.local",
                                       domain_name="legacy.local"),
        }
    path = write_config(folder, config, **top) if config else folder / "config.toml"
    return HvcApp(config_path=path, timings=False,
                  transport=httpx.ASGITransport(app=SimApp(world)))


def test_empty_start(snap_compare: Any, isolated_config: Path) -> None:
    assert snap_compare(make_app(isolated_config, profiles=False), terminal_size=SIZE)


def test_filled_form(snap_compare: Any, isolated_config: Path) -> None:
    assert snap_compare(make_app(isolated_config), terminal_size=SIZE)


def test_progress_while_the_call_waits(snap_compare: Any, isolated_config: Path) -> None:
    world = World(seed=3, clock=lambda: FIXED_NOW)
    world.faults.latency_ms = 60_000
    app = make_app(isolated_config, world)

    async def run_before(pilot: Pilot[Any]) -> None:
        await pilot.press("f5")
        await wait_until(pilot, lambda: world.stats.requests == 1)
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_trust_dialog(snap_compare: Any, isolated_config: Path) -> None:
    app = make_app(isolated_config)

    async def run_before(pilot: Pilot[Any]) -> None:
        await pilot.press("f5")
        await wait_for_dialog(pilot, TrustScreen)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_success_shows_the_link_id(snap_compare: Any, isolated_config: Path) -> None:
    app = make_app(isolated_config)

    async def run_before(pilot: Pilot[Any]) -> None:
        await link_through_trust(pilot)
        app.main.action_focus_response()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_error_stack_with_params_of_every_kind(snap_compare: Any, isolated_config: Path) -> None:
    app = make_app(isolated_config)

    async def run_before(pilot: Pilot[Any]) -> None:
        # Mounted (it selects the default profile), not only composed: on 3.12 the screen's
        # mount ran after this choice and put the default profile back.
        await wait_until(pilot, lambda: app.main.profile_name == "corp")
        app.main.select_profile("unreachable")
        await pilot.press("f5")
        await wait_until(pilot, lambda: bool(app.main.pane.json))
        app.main.action_focus_response()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_links_screen(snap_compare: Any, isolated_config: Path) -> None:
    world = World(seed=3, clock=lambda: FIXED_NOW)
    world.faults.unhealthy = True
    app = make_app(isolated_config, world)

    async def run_before(pilot: Pilot[Any]) -> None:
        await link_through_trust(pilot)
        await pilot.press("f2")
        await wait_until(pilot, lambda: isinstance(app.screen, LinksScreen)
                         and bool(app.screen.rows))

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_light_theme(snap_compare: Any, isolated_config: Path) -> None:
    assert snap_compare(make_app(isolated_config, theme="hvc-light"), terminal_size=SIZE)


def test_help_screen(snap_compare: Any, isolated_config: Path) -> None:
    assert snap_compare(make_app(isolated_config), press=["f1"], terminal_size=SIZE)


# --- the layout at other sizes (issue 11) ---------------------------------------------------

SMALL, LARGE = (60, 20), (120, 40)


def test_filled_form_at_120x40_shows_every_row(snap_compare: Any, isolated_config: Path) -> None:
    assert snap_compare(make_app(isolated_config), terminal_size=LARGE)


def test_filled_form_at_60x20(snap_compare: Any, isolated_config: Path) -> None:
    assert snap_compare(make_app(isolated_config), terminal_size=SMALL)


def test_help_at_60x20_keeps_the_what_column(snap_compare: Any, isolated_config: Path) -> None:
    assert snap_compare(make_app(isolated_config), press=["f1"], terminal_size=SMALL)


def test_insecure_banner_at_80x24_leaves_the_form_its_rows(snap_compare: Any,
                                                           isolated_config: Path) -> None:
    world = World(seed=3, clock=lambda: FIXED_NOW)
    path = write_config(isolated_config, {"corp": corp_profile(SERVER, tls="insecure")})
    app = HvcApp(config_path=path, timings=False,
                 transport=httpx.ASGITransport(app=SimApp(world)))
    assert snap_compare(app, terminal_size=SIZE)


def test_profiles_list_focused_still_offers_help(snap_compare: Any,
                                                 isolated_config: Path) -> None:
    assert snap_compare(make_app(isolated_config), press=["down"], terminal_size=SIZE)


def test_request_preview(snap_compare: Any, isolated_config: Path) -> None:
    app = make_app(isolated_config)

    async def run_before(pilot: Pilot[Any]) -> None:
        await pilot.press("f7")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "PreviewScreen")

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_error_stack_at_120x40(snap_compare: Any, isolated_config: Path) -> None:
    app = make_app(isolated_config)

    async def run_before(pilot: Pilot[Any]) -> None:
        # Mounted (it selects the default profile), not only composed: on 3.12 the screen's
        # mount ran after this choice and put the default profile back.
        await wait_until(pilot, lambda: app.main.profile_name == "corp")
        app.main.select_profile("unreachable")
        await pilot.press("f5")
        await wait_until(pilot, lambda: bool(app.main.pane.json))

    assert snap_compare(app, terminal_size=LARGE, run_before=run_before)
