"""The TUI's verified trust step at 80x24, on the demo's profiles (sim/psc.py's PSCs)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hvctui.demo import demo_config
from hvctui.profiles.store import ConfigStore
from hvctui.sim.psc import INTERCEPTED, VERIFIED
from hvctui.tui.app import HvcApp
from hvctui.tui.screens.dialogs import ConfirmScreen, TextScreen, TrustScreen
from hvctui.vapi.psccheck import Verdict, check_psc
from hvctui.vapi.models import CertificateInfo

from .conftest import Sim
from .tui_support import PASSWORD, PW_ENV, pane_text, unbroken, wait_for_dialog, wait_until


@pytest.fixture(autouse=True)
def password_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PW_ENV, PASSWORD)


def demo_app(sim: Sim, folder: Path, profile: str) -> HvcApp:
    """The demo's profiles (passwords from the test's variable), `profile` selected."""
    config = demo_config(sim.address, sim.info.sha256, sim.world)
    for p in config.profiles.values():
        p.password_source = p.psc_password_source = f"env:{PW_ENV}"
    config.default_profile = profile
    store = ConfigStore(folder / "config.toml")
    store.update(lambda c: c.__dict__.update(config.__dict__))
    return HvcApp(config_path=store.path)


def on_screen(app: HvcApp, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


def fits(app: HvcApp, selector: str) -> bool:
    """The widget is wholly inside the dialog's visible area (not cut off)."""
    region = app.screen.query_one(selector).region
    inside = app.screen.query_one("#dialog").content_region
    return region.height > 0 and inside.contains_region(region)


async def test_f5_on_the_verified_psc_says_same_and_t_links(psc_sim: Sim,
                                                            isolated_config: Path) -> None:
    app = demo_app(psc_sim, isolated_config, "verified-psc")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f5")
        await wait_for_dialog(pilot, TrustScreen)
        verdict = on_screen(app, "#trust-verdict")
        assert "the PSC (127.0.0.1:" in verdict
        assert "presents this same certificate to this machine" in verdict
        assert fits(app, "#trust-verdict") and fits(app, ".dialog-keys")
        await pilot.press("t")
        await wait_for_dialog(pilot, ConfirmScreen)
        assert list(psc_sim.world.links) and next(iter(psc_sim.world.links)) in pane_text(app)


async def test_on_the_intercepted_psc_t_alone_does_not_link(psc_sim: Sim,
                                                            isolated_config: Path) -> None:
    app = demo_app(psc_sim, isolated_config, "intercepted-psc")
    offered = psc_sim.world.pscs[INTERCEPTED].thumbprint
    seen = await check_psc("127.0.0.1", psc_sim.world.pscs[INTERCEPTED].port,
                           CertificateInfo(ssl_thumbprint=offered))
    assert seen.verdict is Verdict.DIFFERENT
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f5")
        await wait_for_dialog(pilot, TrustScreen)
        verdict = on_screen(app, "#trust-verdict")
        assert "DIFFERENT" in verdict and seen.seen_sha256 in unbroken(verdict)
        assert "CN=psc-2.corp.local" in verdict
        assert offered in unbroken(on_screen(app, "#trust-details"))
        assert fits(app, "#trust-verdict") and fits(app, "#trust-details")
        assert fits(app, ".dialog-keys")
        await pilot.press("t")
        await wait_for_dialog(pilot, TextScreen)
        await pilot.press("y", "e", "s", "enter")  # not the word asked for
        await pilot.pause()
        assert isinstance(app.screen, TextScreen) and psc_sim.world.links == {}
        await pilot.press("escape")
        await wait_for_dialog(pilot, TrustScreen)
        assert psc_sim.world.links == {}
        await pilot.press("t")
        await wait_for_dialog(pilot, TextScreen)
        await pilot.press("backspace", "backspace", "backspace", *"trust", "enter")
        await wait_for_dialog(pilot, ConfirmScreen)
        assert list(psc_sim.world.links)


async def test_f8_checks_the_psc_before_linking(psc_sim: Sim, isolated_config: Path) -> None:
    app = demo_app(psc_sim, isolated_config, "verified-psc")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f8")
        await wait_until(pilot, lambda: "presents this certificate" in pane_text(app))
        assert psc_sim.world.pscs[VERIFIED].thumbprint in pane_text(app)
        assert psc_sim.world.stats.requests == 0  # nothing was sent to vCenter
        # j copies it as JSON: what `hvctui check-psc --json` prints, not "Nothing to copy"
        copied: list[str] = []
        app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
        app.main.pane.focus()
        await pilot.press("j")
        await pilot.pause()
        payload = json.loads(copied[0])
        assert payload["psc_check"]["seen_sha256"] == psc_sim.world.pscs[VERIFIED].thumbprint
        assert payload["profile"] == "verified-psc" and "verdict" in payload


async def test_declining_a_different_certificate_leaves_a_next_step_that_fits_it(
        psc_sim: Sim, isolated_config: Path) -> None:
    """The pane's report (and so its copy) says what hvctui's check found and how to give a
    verified thumbprint in this face's words, not "trust it" nor a CLI flag."""
    app = demo_app(psc_sim, isolated_config, "intercepted-psc")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f5")
        await wait_for_dialog(pilot, TrustScreen)
        await pilot.press("escape")
        await wait_until(pilot, lambda: "UNVERIFIED_PEER" in pane_text(app))
        shown = " ".join(pane_text(app).split())  # one line, however the pane wraps it
        assert "found a DIFFERENT certificate at the PSC" in shown
        assert "give it yourself (the form's PSC thumbprint field)" in shown
        assert "then t in the dialog" not in shown and "--ssl-thumbprint" not in shown
