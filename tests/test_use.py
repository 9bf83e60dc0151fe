"""What a user expects of the form and the app: a preview of the request, Enter and escape in
the fields, a question before edits are dropped, config warnings shown, the history kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hvctui.profiles.store import ConfigStore
from hvctui.tui.app import HvcApp
from hvctui.tui.screens.dialogs import ConfirmScreen, TextScreen, TrustScreen
from hvctui.tui.screens.preview import PreviewScreen

from .conftest import Sim
from .tui_support import (PASSWORD, PW_ENV, corp_profile, screen_text, wait_for_dialog,
                          wait_until, write_config)


@pytest.fixture(autouse=True)
def password_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PW_ENV, PASSWORD)


def app_at(folder: Path, server: str = "127.0.0.1:18443", pin: str = "", **top: object
           ) -> HvcApp:
    path = write_config(folder, {"corp": corp_profile(server, pin),
                                 "dev": corp_profile(server, pin, domain_name="dev.local")},
                        **top)
    return HvcApp(config_path=path, timings=False)


async def focus_field(pilot, app: HvcApp, name: str) -> None:  # type: ignore[no-untyped-def]
    app.main.form.edit(name)
    await wait_until(pilot, lambda: app.main.form.editing() == name)


async def test_f7_previews_the_exact_body_with_the_password_masked(
        sim: Sim, isolated_config: Path) -> None:
    app = app_at(isolated_config, sim.address, sim.info.sha256)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f7")
        await wait_until(pilot, lambda: isinstance(app.screen, PreviewScreen))
        shown = str(app.screen.query_one("#preview-text").render())
        assert f"POST https://{sim.address}/api/hvc/links" in shown
        body = json.loads(shown[shown.index("{"):])
        assert body == {"psc_hostname": "psc.corp.local", "domain_name": "corp.local",
                        "username": "administrator@corp.local", "password": "********",
                        "admin_groups": ["vmc-admins@corp.local"]} | {
                            k: v for k, v in body.items() if k in ("port", "ssl_thumbprint")}
        assert "port" not in body  # unset: left out, as it is sent
        assert PASSWORD not in shown and sim.world.stats.requests == 0
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, PreviewScreen))
        assert sim.world.stats.create_calls == 0
        await pilot.press("f7")
        await wait_until(pilot, lambda: isinstance(app.screen, PreviewScreen))
        await pilot.press("enter")  # enter sends what was shown
        await wait_for_dialog(pilot, TrustScreen)
    assert sim.world.stats.create_calls == 1


async def test_preview_is_in_the_palette_and_names_what_is_missing(isolated_config: Path) -> None:
    app = app_at(isolated_config)
    async with app.run_test(size=(80, 24)) as pilot:
        titles = [c.title for c in app.get_system_commands(app.main)]
        assert "Preview the request" in titles
        await focus_field(pilot, app, "psc_hostname")
        app.main.form.set_value("psc_hostname", "")
        app.main.action_preview()
        await pilot.pause()
        assert not isinstance(app.screen, PreviewScreen)
        assert app.main.form.problem("psc_hostname") == "is required"


async def test_tab_and_shift_tab_walk_the_fields_and_a_click_edits_a_row(
        isolated_config: Path) -> None:
    app = app_at(isolated_config)
    async with app.run_test(size=(80, 24)) as pilot:
        await focus_field(pilot, app, "server")
        await pilot.press("tab", "tab", "tab", "tab")  # user, password, its source, TLS
        assert app.main.form.editing() == "tls"
        await pilot.press("shift+tab")
        assert app.main.form.editing() == "password_source"
        lines = screen_text(app).split("\n")
        y = next(i for i, line in enumerate(lines) if "SSO domain*" in line)
        await pilot.click(offset=(lines[y].index("SSO domain*") + 20, y))
        await wait_until(pilot, lambda: app.main.form.editing() == "domain_name")
        await pilot.press("end", "x")
        assert app.main.form.values()["domain_name"] == "corp.localx"
        await pilot.press(*["tab"] * 7)  # past the last field (Language): the pane
        assert app.main.form.editing() == "" and app.focused is app.main.pane


async def test_at_80x24_the_edited_field_and_its_problem_are_always_in_view(
        isolated_config: Path) -> None:
    app = app_at(isolated_config)
    async with app.run_test(size=(80, 24)) as pilot:
        await focus_field(pilot, app, "ssl_thumbprint")
        await pilot.press(*"bad", "tab", "tab")  # down to Language, below the fold at first
        await pilot.pause()
        assert app.main.form.editing() == "accept_language"
        assert "Language " in screen_text(app)
        await pilot.press("shift+tab", "shift+tab")
        await pilot.pause()
        shown = screen_text(app)
        assert app.main.form.editing() == "ssl_thumbprint"
        assert "PSC thumbprint" in shown and "\u21b3 'bad' is not a SHA-256 thumbprint" in shown


async def test_from_the_profiles_tab_goes_straight_into_the_first_field_and_enter_leaves_tls(
        isolated_config: Path) -> None:
    app = app_at(isolated_config)
    async with app.run_test(size=(80, 24)) as pilot:
        app.main.sidebar.profile_list.focus()
        await pilot.press("tab")
        await wait_until(pilot, lambda: app.main.form.editing() == "server")
        await pilot.press("tab", "tab", "tab", "tab")
        assert app.main.form.editing() == "tls"
        await pilot.press("enter", *"/tmp/ca.pem")
        assert app.main.form.editing() == "ca_file"
        assert app.main.form.values()["ca_file"] == "/tmp/ca.pem"


async def test_a_paste_of_several_lines_keeps_the_first_and_says_so(isolated_config: Path) -> None:
    from textual import events

    app = app_at(isolated_config)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await focus_field(pilot, app, "psc_hostname")
        app.main.form.set_value("psc_hostname", "")
        app.focused.post_message(events.Paste("psc.corp.local\nTAIL"))
        await wait_until(pilot, lambda: app.main.form.values()["psc_hostname"]
                         == "psc.corp.local")
        await pilot.pause()
        assert any("Only the first line" in str(n.message) for n in app._notifications)
        # A dialog's field says so too (the admin groups' "add", a profile's name).
        app.main.sidebar.profile_list.focus()
        await pilot.press("n")
        await wait_for_dialog(pilot, TextScreen)
        app.screen.query_one("#dialog-input").post_message(events.Paste("lab\nlab2"))
        await wait_until(pilot, lambda: app.screen.query_one("#dialog-input").value == "lab")
        await pilot.pause()
        assert sum("Only the first line" in str(n.message) for n in app._notifications) == 2


async def test_a_smaller_terminal_keeps_the_edited_field_in_view(isolated_config: Path) -> None:
    app = app_at(isolated_config)
    async with app.run_test(size=(120, 40)) as pilot:
        await focus_field(pilot, app, "admin_groups")
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await pilot.resize_terminal(60, 20)
        await pilot.pause(0.1)
        assert "Admin groups" in screen_text(app)


async def test_a_marked_field_loses_its_problem_as_soon_as_it_is_fixed(
        isolated_config: Path) -> None:
    app = app_at(isolated_config)
    async with app.run_test(size=(80, 24)) as pilot:
        await focus_field(pilot, app, "psc_port")
        await pilot.press(*"99999", "tab", "shift+tab")
        assert "99999" in app.main.form.problem("psc_port")
        await pilot.press("backspace")
        assert app.main.form.problem("psc_port") == ""  # 9999 is a port: no leaving needed
        assert "is not a port number" not in screen_text(app)


async def test_a_new_profile_is_filled_in_next(isolated_config: Path) -> None:
    app = app_at(isolated_config)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"dev")  # a filter the new name does not match
        app.main.sidebar.profile_list.focus()
        await pilot.press("n")
        await wait_for_dialog(pilot, TextScreen)
        await pilot.press(*"lab", "enter")
        await wait_until(pilot, lambda: app.main.form.editing() == "server")
        await pilot.press(*"vc.lab.local")
        assert app.main.profile_name == "lab"
        assert app.main.form.values()["server"] == "vc.lab.local"
        assert "lab" in app.main.sidebar.visible_names  # not hidden by the filter


async def test_enter_in_a_field_moves_to_the_next_field(isolated_config: Path) -> None:
    app = app_at(isolated_config)
    async with app.run_test(size=(80, 24)) as pilot:
        await focus_field(pilot, app, "psc_hostname")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.main.form.editing() == "psc_port")
        await pilot.press(*"444", "enter", "x")
        await wait_until(pilot, lambda: app.main.form.values()["domain_name"] == "corp.localx")
        assert app.main.form.values()["psc_port"] == "444"


async def test_escape_in_a_field_restores_the_saved_value(isolated_config: Path) -> None:
    app = app_at(isolated_config)
    async with app.run_test(size=(80, 24)) as pilot:
        await focus_field(pilot, app, "domain_name")
        await pilot.press("ctrl+u", *"my domain", "tab")  # leaves a problem under the field
        await wait_until(pilot, lambda: bool(app.main.form.problem("domain_name")))
        await focus_field(pilot, app, "domain_name")
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.main.form.values()["domain_name"] == "corp.local")
        assert app.main.form.problem("domain_name") == ""
        assert app.main.unsaved() == []


async def test_escape_in_a_field_cancels_a_call_in_flight_and_keeps_the_edit(
        sim: Sim, isolated_config: Path) -> None:
    sim.control("/sim/faults", {"latency_ms": 3000})
    app = app_at(isolated_config, sim.address, sim.info.sha256)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f5")
        await wait_until(pilot, lambda: app.main._call_running())
        await focus_field(pilot, app, "domain_name")
        await pilot.press("end", "x", "escape")
        await wait_until(pilot, lambda: not app.main._call_running())
        assert app.main.form.values()["domain_name"] == "corp.localx"
        assert "ancel" in app.main.pane.text.plain


async def test_ctrl_q_asks_before_dropping_unsaved_edits(isolated_config: Path) -> None:
    app = app_at(isolated_config)
    async with app.run_test(size=(80, 24)) as pilot:
        await focus_field(pilot, app, "psc_port")
        await pilot.press("4", "4", "4")
        app.main.select_profile("dev")  # the edit is a draft of corp now
        await pilot.press("ctrl+q")
        await wait_for_dialog(pilot, ConfirmScreen)
        said = str(app.screen.query(".dialog-text").first().render())
        # corp is not the profile shown: ctrl+s here would save dev, so it says how instead
        assert "Not saved: corp" in said and "Choose it in the list, then ctrl+s" in said
        await pilot.press("n")
        await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
        assert app.is_running
        await pilot.press("ctrl+q")
        await wait_for_dialog(pilot, ConfirmScreen)
        await pilot.press("y")
        await wait_until(pilot, lambda: not app.is_running)


async def test_ctrl_q_quits_at_once_when_nothing_is_edited(isolated_config: Path) -> None:
    app = app_at(isolated_config)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: not app.is_running)


async def test_a_default_profile_that_names_no_profile_is_shown(isolated_config: Path) -> None:
    path = app_at(isolated_config).service.store.path
    path.write_text(path.read_text().replace('default_profile = "corp"',
                                             'default_profile = "prod"'))
    app = HvcApp(config_path=path, timings=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        shown = [str(n.message) for n in app._notifications]
        assert any("default_profile" in m and "prod" in m for m in shown), shown
        assert app.main.profile_name == "corp"


async def test_admin_changes_from_f3_show_in_the_history(sim: Sim, isolated_config: Path) -> None:
    from textual.widgets import DataTable

    from hvctui.tui.screens.admins import AdminsScreen
    from hvctui.tui.screens.history import HistoryScreen

    app = app_at(isolated_config, sim.address, sim.info.sha256)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f3")
        await wait_until(pilot, lambda: isinstance(app.screen, AdminsScreen)
                         and bool(app.screen.groups))
        await pilot.press("a")
        await wait_for_dialog(pilot, TextScreen)
        await pilot.press(*"ops@corp.local", "enter")
        await wait_until(pilot, lambda: "ops@corp.local" in sim.world.administrators)
        await wait_until(pilot, lambda: isinstance(app.screen, AdminsScreen))
        await pilot.press("escape", "f4")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen))
        table = app.screen.query_one(DataTable)
        rows = [" ".join(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]
        detail = str(app.screen.query_one("#history-detail").render())  # the newest, whole
    assert rows[0].split()[3:5] == ["ok", "corp"], rows
    assert "admins add ops@corp.local" in detail, detail


async def test_a_calls_duration_leaves_out_the_time_in_the_trust_dialog(
        sim: Sim, isolated_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The service's stopwatch, with a clock the dialog moves by an hour."""
    import hvctui.service as service_module
    from hvctui.profiles.history import History
    from hvctui.service import Service, prepare

    clock = [1000.0]
    monkeypatch.setattr(service_module.time, "perf_counter", lambda: clock[0])
    store = ConfigStore(isolated_config / "config.toml")
    history = History(isolated_config / "history.jsonl")
    service = Service(store, history)
    call = prepare("corp", corp_profile(sim.address, sim.info.sha256), {}, need_spec=True)

    async def person_thinks_for_an_hour(offered: object, check: object) -> bool:
        clock[0] += 3600.0
        return True

    await service.link(call, person_thinks_for_an_hour)
    entry = history.read()[-1]
    assert entry.status == "ok" and entry.duration_ms < 3_600_000


async def test_ctrl_s_does_not_silently_save_over_a_change_made_in_the_file(
        isolated_config: Path) -> None:
    """The demo invites a second window: `hvctui profiles set` there, then ctrl+s here wrote
    the form's older values over it without a word. Now the form's own edits are saved and
    the file's other changes kept (and shown); a field changed in both is refused naming it,
    the edits stay in the form, and only a second ctrl+s writes the form's value there."""
    from hvctui.cli import main as cli

    path = write_config(isolated_config, {"corp": corp_profile("vc.example.com")})
    app = HvcApp(config_path=path)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        app.main.form.input("domain_name").value = "edited.local"
        assert cli(["profiles", "set", "corp", "--config", str(path), "--psc-port", "7444",
                    "--ssl-thumbprint", "AB" * 32]) == 0
        await pilot.press("ctrl+s")
        await pilot.pause()
        on_disk = ConfigStore(path).load().config.profiles["corp"]
        assert (on_disk.domain_name, on_disk.psc_port) == ("edited.local", "7444")  # both
        assert on_disk.ssl_thumbprint and app.main.form.values()["psc_port"] == "7444"
        said = " ".join(str(n.message) for n in app._notifications)
        assert "Kept from the file" in said and "psc_port" in said
        # the same field, changed in both places: refused, then written when asked again
        app.main.form.input("domain_name").value = "mine.local"
        assert cli(["profiles", "set", "corp", "--config", str(path),
                    "--domain", "theirs.local"]) == 0
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert ConfigStore(path).load().config.profiles["corp"].domain_name == "theirs.local"
        said = " ".join(str(n.message) for n in app._notifications)
        assert "in domain_name too; nothing was written" in said and "again" in said
        assert app.main.form.values()["domain_name"] == "mine.local"  # nothing lost
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert ConfigStore(path).load().config.profiles["corp"].domain_name == "mine.local"
