"""The layout adapts to the terminal: the form uses the height it is given, help is always on
offer in the key bar, the header keeps the TLS mode, placeholders never read as values."""

from __future__ import annotations

from pathlib import Path

import pytest

from hvctui.tui.app import HvcApp
from hvctui.tui.widgets.form import ALL_FIELDS
from hvctui.tui.widgets.keyhints import KeyHints

from .tui_support import (PASSWORD, PW_ENV, corp_profile, screen_segments, screen_text,
                           wait_until, write_config)

VMC = "vcenter.sddc-52-12-134-200.vmwarevmc.com"


@pytest.fixture(autouse=True)
def password_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PW_ENV, PASSWORD)


def app_at(folder: Path, tls: str = "system") -> HvcApp:
    path = write_config(folder, {"corp": corp_profile(VMC, tls=tls),
                                 "dev": corp_profile("127.0.0.1:1")})
    return HvcApp(config_path=path, timings=False)


def rows_shown(app: HvcApp) -> int:
    """How many of the form's labels are drawn on the screen."""
    screen = screen_text(app)
    return sum(1 for f in ALL_FIELDS if f"{f.label}{'*' if f.required else ' '}" in screen)


async def test_at_120x40_every_row_of_the_form_shows(isolated_config: Path) -> None:
    app = app_at(isolated_config)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert rows_shown(app) == len(ALL_FIELDS)


async def test_at_80x24_with_the_insecure_banner_the_form_keeps_most_rows(
        isolated_config: Path) -> None:
    app = app_at(isolated_config, tls="insecure")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.main.query_one("#banner").display
        assert rows_shown(app) >= 10
        assert app.main.pane.region.height >= 4  # the answer still has room


async def test_at_80x24_many_warnings_take_one_row_each_and_leave_the_form(
        isolated_config: Path) -> None:
    path = write_config(isolated_config, {"corp": corp_profile(VMC, tls="insecure")})
    with path.open("a") as config:
        for i in range(3):
            config.write(f'[profiles.broken-{i}]\nserver = {i}\ntls = "sometimes"\n')
    app = HvcApp(config_path=path, timings=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        banner = app.main.query_one("#banner")
        assert banner.display and banner.region.height == 3  # insecure, one broken, "2 more"
        assert "and 2 more broken profiles" in screen_text(app)
        assert rows_shown(app) >= 10


async def test_reading_the_answer_gives_the_pane_more_room(isolated_config: Path) -> None:
    app = app_at(isolated_config)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        before = app.main.pane.region.height
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: app.main.pane.region.height > before)


@pytest.mark.parametrize("focus", ["ctrl+f", "down", "ctrl+o"])
async def test_the_key_bar_offers_help_whatever_is_focused(isolated_config: Path,
                                                           focus: str) -> None:
    app = app_at(isolated_config)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(focus)  # the filter, the profiles list (four more keys), the pane
        await pilot.pause()
        assert "f1 help" in str(app.main.query_one(KeyHints).render())


async def test_the_header_keeps_the_tls_mode_for_a_long_vmc_host(isolated_config: Path) -> None:
    app = app_at(isolated_config, tls="pinned")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        status = app.main.query_one("#status")
        line = "".join(s.text for s in status.render_lines(status.region.reset_offset)[0])
        assert "TLS pinned" in line and "cloudadmin@vmc.local @ vcenter.sddc" in line


async def test_placeholders_say_they_are_examples(isolated_config: Path) -> None:
    app = HvcApp(config_path=write_config(isolated_config, {"empty": corp_profile(
        "", user="", psc_hostname="", domain_name="", psc_user="", admin_groups=[])}))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        placeholders = {f.placeholder for f in ALL_FIELDS
                        if f.name in ("user", "psc_hostname", "domain_name", "psc_user")}
        assert all(p.startswith("e.g. ") for p in placeholders)
        # Drawn in italics, so they never read as values even without colours.
        drawn = [s for s in screen_segments(app) if s.text.strip() in placeholders]
        assert {s.text.strip() for s in drawn} == placeholders
        assert all(s.style is not None and s.style.italic for s in drawn)
