"""A new user's trial at 80x24 over ssh in tmux: escape's revert can be undone, fields are
named by their labels, a wrong password source is never echoed, copies say what happened,
the history and the fleet keep their rows in view, the demo says where its config is."""

from __future__ import annotations

from pathlib import Path

import pytest

from hvctui.tui.app import HvcApp
from hvctui.tui.screens.preview import PreviewScreen

from .tui_support import PASSWORD, PW_ENV, corp_profile, wait_until, write_config


@pytest.fixture(autouse=True)
def password_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PW_ENV, PASSWORD)


def toasts(app: HvcApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


def shown(form: object, name: str) -> str:
    """A field's text as typed."""
    return form.raw(name)  # type: ignore[attr-defined]


def corp_app(isolated_config: Path, **changes: object) -> HvcApp:
    return HvcApp(config_path=write_config(
        isolated_config, {"corp": corp_profile("vc.example.com", **changes)}))


async def test_escape_reverts_a_field_names_it_by_its_label_and_ctrl_z_brings_it_back(
        isolated_config: Path) -> None:
    app = corp_app(isolated_config)
    async with app.run_test(size=(80, 24)) as pilot:
        form = app.main.form
        form.edit("server")
        await pilot.pause()
        await pilot.press(*"-b")
        assert shown(form, "server") == "vc.example.com-b"
        await pilot.press("escape")
        assert shown(form, "server") == "vc.example.com"
        said = toasts(app)[-1]
        assert said.startswith("vCenter put back to the saved value")
        assert "ctrl+z brings back what you typed" in said and "server" not in said
        await pilot.press("ctrl+z")
        assert shown(form, "server") == "vc.example.com-b" and form.editing() == "server"
        assert toasts(app)[-1] == "vCenter: your text is back."
        # a password: cleared by escape, back exactly, never named in a toast
        form.edit("password")
        await pilot.pause()
        await pilot.press(*"s3cr3t")
        await pilot.press("escape")
        assert form.passwords()["password"] == ""
        assert toasts(app)[-1].startswith("Password cleared")
        await pilot.press("ctrl+z")
        assert form.passwords()["password"] == "s3cr3t"
        assert not any("s3cr3t" in t for t in toasts(app))


async def test_the_escape_after_a_preview_costs_no_edit(isolated_config: Path) -> None:
    """F7 on a form with a bad value moves the cursor to it: the next escape (meant to close
    something) reverts that field, and ctrl+z gets the text back; so does the second of two
    escapes after closing the preview."""
    app = corp_app(isolated_config)
    async with app.run_test(size=(80, 24)) as pilot:
        form = app.main.form
        form.edit("domain_name")
        await pilot.pause()
        await pilot.press(*"x y")  # "corp.localx y": no domain name
        form.edit("server")
        await pilot.pause()
        await pilot.press("f7")
        await pilot.pause()
        assert not isinstance(app.screen, PreviewScreen) and form.editing() == "domain_name"
        await pilot.press("escape")
        assert shown(form, "domain_name") == "corp.local"
        assert toasts(app)[-1].startswith("SSO domain put back")
        await pilot.press("ctrl+z")
        assert shown(form, "domain_name") == "corp.localx y"
        await pilot.press(*["backspace"] * 3, *".lan")
        await pilot.press("f7")
        await wait_until(pilot, lambda: isinstance(app.screen, PreviewScreen))
        await pilot.press("escape", "escape")
        await wait_until(pilot, lambda: app.screen is app.main)
        assert shown(form, "domain_name") == "corp.local"
        await pilot.press("ctrl+z")
        assert shown(form, "domain_name") == "corp.local.lan"


async def test_undo_keeps_a_password_with_the_user_it_was_typed_for(
        isolated_config: Path) -> None:
    app = corp_app(isolated_config)
    async with app.run_test(size=(80, 24)) as pilot:
        form = app.main.form
        form.edit("password")
        await pilot.pause()
        await pilot.press(*"s3cr3t", "escape")
        form.edit("user")
        await pilot.pause()
        await pilot.press(*"x", "ctrl+z")
        assert form.passwords()["password"] == ""
        assert "typed for another user or server" in toasts(app)[-1]


async def test_problems_name_each_field_by_its_label_in_the_form(isolated_config: Path) -> None:
    """Not ready: the pane names the fields as the form labels them, never by their ids."""
    from .tui_support import pane_text

    app = corp_app(isolated_config)
    async with app.run_test(size=(80, 24)) as pilot:
        form = app.main.form
        form.input("server").value = ""
        form.input("domain_name").value = "not a domain"
        form.input("psc_hostname").value = "psc.corp.local:444"
        form.input("accept_language").value = "not a tag"
        await pilot.press("f5")
        await pilot.pause()
        shown = pane_text(app)
        assert "vCenter: is required" in shown and "SSO domain: " in shown
        assert "Language: " in shown and "in PSC port" in shown
        assert "in PSC port" in form.problem("psc_hostname")
        for word in ("server:", "domain_name", "accept_language", "the port field",
                     "cloud vCenter server"):
            assert word not in shown


async def test_a_password_typed_into_password_from_is_never_echoed(
        isolated_config: Path) -> None:
    """`promptsecret1`: a password typed one row off. No message shows it; the Password row's
    hint says what is true (no source), and follows the source back when escape restores it."""
    from .tui_support import pane_text, screen_text

    app = corp_app(isolated_config, password_source="prompt")
    async with app.run_test(size=(80, 24)) as pilot:
        form = app.main.form
        form.edit("password_source")
        await pilot.pause()
        assert form.hint("password") == "type it; kept in memory only"
        await pilot.press("end", *"secret1")
        assert "holds no password source" in form.hint("password")
        form.edit("user")  # leaving it judges it
        await pilot.pause()
        problem = form.problem("password_source")
        assert problem.startswith("is not a password source")
        assert "prompt, env:VARNAME, keyring or command:ARGV" in problem
        await pilot.press("f5")
        await pilot.pause()
        assert "Password from: is not a password source" in pane_text(app)
        everything = [pane_text(app), problem, *toasts(app)]
        assert not any("promptsecret1" in text for text in everything)
        assert screen_text(app).count("promptsecret1") == 1  # in its own row, nowhere else
        form.edit("password_source")
        await pilot.pause()
        await pilot.press("escape")
        assert shown(form, "password_source") == "prompt"
        assert form.hint("password") == "type it; kept in memory only"
        assert "holds no password source" not in screen_text(app)


async def test_every_copy_says_what_was_sent_in_the_same_words(isolated_config: Path) -> None:
    """OSC 52 gets no answer (tmux drops it by default): no "Copied", one sentence everywhere."""
    from hvctui.sim.fleet import unused_address
    from hvctui.tui.clipboard import SENT
    from hvctui.tui.screens.fleet import FleetScreen

    app = HvcApp(config_path=write_config(
        isolated_config, {"corp": corp_profile(unused_address(), domain_name="")}))
    async with app.run_test(size=(80, 24)) as pilot:
        app.copy_to_clipboard = lambda text: None  # type: ignore[method-assign]
        await pilot.press("f5", "ctrl+o", "y")
        assert toasts(app)[-1] == SENT.format(what="the answer as text")
        await pilot.press("f6")
        await wait_until(pilot, lambda: isinstance(app.screen, FleetScreen))
        await pilot.press("j")
        assert toasts(app)[-1] == SENT.format(what="the fleet as JSON")
        assert "set -g set-clipboard on" in SENT
        assert not any("opied" in t for t in toasts(app))


async def test_the_history_fits_80_columns_cut_cells_end_with_an_ellipsis(
        isolated_config: Path) -> None:
    """At 80 columns no cell runs off the screen: a cut cell ends with …, End does not
    scroll sideways, and the highlighted row's detail is written out in full below."""
    from textual.widgets import DataTable

    from hvctui.profiles.history import History, HistoryEntry
    from hvctui.tui.screens.history import HistoryScreen

    from .tui_support import screen_text

    history = History()
    for i in range(30):
        history.append(HistoryEntry(
            f"2026-12-06T10:{i:02d}:19Z", "corp", "unlink 324aa4b8-0c1d-4c1d-9a7e-2d3c4b5a6f70",
            "vcenter.sddc-1-2-3-4.vmwarevmc.com", "ERROR", 812,
            f"ERROR (HTTP 500): cannot reach the PSC psc.corp.local, entry {i}"))
    app = corp_app(isolated_config)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f4")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen))
        await pilot.pause(0.1)
        table = app.screen.query_one(DataTable)
        await pilot.press("end")
        await pilot.pause(0.1)
        assert table.scroll_x == 0 and table.max_scroll_x == 0
        widths = [column.get_render_width(table) for column in table.ordered_columns]
        assert sum(widths) + 1 <= 80
        lines = screen_text(app).splitlines()
        rows = [line for line in lines if "10:" in line and "corp" in line]
        assert rows and all(line.rstrip(" ▁▂▃▄▅▆▇█▌▐").endswith("…") for line in rows)
        detail = str(app.screen.query_one("#history-detail").render())
        assert "unlink 324aa4b8-0c1d-4c1d-9a7e-2d3c4b5a6f70" in detail
        assert "cannot reach the PSC psc.corp.local, entry 0" in detail  # the last row's


async def test_the_fleets_highlighted_row_stays_in_view_as_its_detail_grows(
        isolated_config: Path) -> None:
    """End on a fleet whose last row has a detail of 4-5 lines (two links, insecure): the
    detail grows under the table, and the highlighted row must still be on screen."""
    from hvctui.sim.fleet import add_link
    from hvctui.sim.world import World
    from hvctui.tui.screens.fleet import FleetScreen

    from .test_fleet import fleet_sim, profile_at
    from .tui_support import screen_text

    linked = World(seed=70)
    add_link(linked)
    add_link(linked, "psc-legacy.corp.local")
    with fleet_sim([World(seed=71), linked]) as sims:
        profiles = {f"plain-{i:02d}": profile_at(sims, 0) for i in range(20)}
        profiles["z-linked"] = profile_at(sims, 1, tls="insecure", pin_sha256="")
        app = HvcApp(config_path=write_config(isolated_config, profiles))
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("f6")
            await wait_until(pilot, lambda: isinstance(app.screen, FleetScreen))
            screen = app.screen
            await wait_until(pilot, lambda: not screen.running and not screen._dirty
                             and all(r.done for r in screen.rows.values()))
            await pilot.press("end")
            await pilot.pause(0.2)
            table = screen.table
            assert table.cursor_name == "z-linked"
            detail = str(screen.query_one("#fleet-detail").render())
            assert detail.startswith("z-linked") and len(detail.splitlines()) >= 4
            top = int(table.scroll_offset.y)
            assert top <= table.cursor < top + table.size.height
            shown_rows = [line for line in screen_text(app).splitlines()
                          if line.startswith(("  plain", "● plain", "  z-linked"))]
            assert shown_rows[-1].startswith("  z-linked")


async def test_link_from_the_palette_over_the_fleet_on_a_form_not_ready_says_so_in_a_toast(
        isolated_config: Path) -> None:
    from hvctui.sim.fleet import unused_address
    from hvctui.tui.screens.fleet import FleetScreen

    app = HvcApp(config_path=write_config(
        isolated_config, {"corp": corp_profile(unused_address(), domain_name="")}))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f6")
        await wait_until(pilot, lambda: isinstance(app.screen, FleetScreen))
        app.main.action_link()  # ctrl+p: Link, run while the fleet is shown
        await pilot.pause()
        said = toasts(app)[-1]
        assert said.startswith("corp: Not ready to send: SSO domain: is required")
        assert isinstance(app.screen, FleetScreen)
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.main)
        count = len(toasts(app))
        await pilot.press("f5")  # on the main screen the pane and the form say it: no toast
        await pilot.pause()
        assert len(toasts(app)) == count


async def test_a_bad_psc_port_is_named_alone_not_as_the_psc_passwords_problem(
        isolated_config: Path) -> None:
    """F7 with PSC port 99999 named the port, and also the PSC password: 'the source is for
    psc.corp.local as saved, not for psc.corp.local:99999', a PSC that cannot exist; after
    escape put the port back, that line stayed. A password whose server is refused is judged
    once the server is valid."""
    app = corp_app(isolated_config)
    async with app.run_test(size=(80, 24)) as pilot:
        form = app.main.form
        form.edit("psc_port")
        await pilot.pause()
        await pilot.press(*"99999")
        await pilot.press("f7")
        await pilot.pause()
        assert "99999" in form.problem("psc_port")
        assert form.problem("psc_password") == ""


async def test_the_tui_names_every_action_a_hint_can_name(isolated_config: Path) -> None:
    """Each {name} a hint holds is filled by the TUI's words too, with its keys as mapped."""
    from hvctui.vapi.render import CLI_ACTIONS

    app = corp_app(isolated_config)
    async with app.run_test(size=(80, 24)):
        actions = app.main.actions()
        assert actions.keys() == CLI_ACTIONS.keys()
        assert actions["check_psc"] == "F8: Check the PSC's certificate"
