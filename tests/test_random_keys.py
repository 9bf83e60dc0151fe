"""Random keys against `hvctui demo` (issue 14): the app must survive them all.

A seeded stream of keys (every key class a person hits: letters, digits, brackets, F1-F5,
arrows, Page Up/Down, tab, enter, escape, the ctrl shortcuts) is typed into the demo world at
80x24, as single presses (the pilot waits for idle between them) and as bursts posted without
waiting (as a paste or a laggy link delivers them). At the end the app must still run, a known
key must still do its job, and the demo password must be in no file. A failure names the seed
and the last keys, so `replay(seed)` reproduces it; each crash found has its own test below.
"""

from __future__ import annotations

import random
import sys
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.command import CommandPalette
from textual.widgets import Input

from hvctui.demo import prepare_demo
from hvctui.sim.server import SimServer
from hvctui.sim.world import DEMO_PASSWORD, World
from hvctui.tui.app import HvcApp
from hvctui.tui.screens.dialogs import TextScreen
from hvctui.tui.screens.help import HelpScreen
from hvctui.tui.screens.history import HistoryScreen

from .tui_support import screen_text, wait_until

#: (key, character) as a terminal reports them.
LETTERS = [(c, c) for c in "abcdefghijklmnopqrstuvwxyz"] + [("A", "A"), ("P", "P")]
DIGITS = [(c, c) for c in "0123456789"]
BRACKETS = [("left_square_bracket", "["), ("right_square_bracket", "]"), ("slash", "/")]
FKEYS = [(f"f{n}", None) for n in range(1, 6)]
MOVES = [(k, None) for k in ("up", "down", "left", "right", "pageup", "pagedown", "home",
                              "end")]
CONTROL = [("tab", "\t"), ("enter", "\r"), ("escape", "\x1b"), ("space", " "),
           ("backspace", "\x08"), ("delete", None)]
CTRL = [(f"ctrl+{c}", None) for c in "psrfoj"]
#: Keys with a job somewhere: t trusts, y/n answer, a/d/u/r/c manage lists and profiles.
JOBS = [(c, c) for c in "tynaducr"]

#: Weighted so that screens open often and dialogs get answered.
KEY_CLASSES: list[tuple[list[tuple[str, str | None]], int]] = [
    (LETTERS, 16), (DIGITS, 5), (BRACKETS, 6), (FKEYS, 10), (MOVES, 14), (CONTROL, 14),
    (CTRL, 8), (JOBS, 12),
]

SEEDS = [1, 2, 3]
KEYS_PER_SEED = 1500

#: Palette commands that would end the run or write outside the test's folders without being
#: a defect: quitting is what they are for, a screenshot lands in the working directory.
LEAVING_COMMANDS = {"Quit", "Screenshot"}

pytestmark = pytest.mark.dialog_quiet  # keys typed as dialogs open: the real quiet time


class FuzzedApp(HvcApp):
    """The demo app minus the palette commands that leave it on purpose."""

    CSS_PATH = Path(sys.modules[HvcApp.__module__].__file__ or "").with_name("app.tcss")

    def get_system_commands(self, screen: Any) -> Iterator[Any]:
        for command in super().get_system_commands(screen):
            if command.title not in LEAVING_COMMANDS:
                yield command

    async def action_back(self) -> None:
        # `q` on the main screen quits on purpose, as ctrl+q (not in the keys typed) does;
        # on every other screen it goes back, and that is fuzzed.
        if self.screen is not self.main:
            await super().action_back()


def key_stream(seed: int, count: int) -> Iterator[list[tuple[str, str | None]]]:
    """Groups of keys: one (typed with the pilot) or a burst of 2-12 (posted at once)."""
    rng = random.Random(seed)
    classes = [c for c, _ in KEY_CLASSES]
    weights = [w for _, w in KEY_CLASSES]
    sent = 0
    while sent < count:
        size = 1 if rng.random() < 0.5 else rng.randint(2, 12)
        group = [rng.choice(rng.choices(classes, weights)[0]) for _ in range(size)]
        sent += len(group)
        yield group


@pytest.fixture
def demo(tmp_path: Path, isolated_config: Path) -> Iterator[Path]:
    """The demo world (simulator and profiles) as `hvctui demo` builds it."""
    with SimServer(World(seed=7), loopback_pscs=True) as server:
        prepare_demo(isolated_config, server.info.server, server.info.sha256, server.world)
        yield isolated_config


@pytest.fixture(autouse=True)
def restore_demo_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """prepare_demo sets its variables in os.environ; undo them after the test."""
    for name in ("HVCTUI_DEMO_PW", "HVCTUI_DEMO_WRONG_PASSWORD"):
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)


def ended(app: HvcApp) -> bool:
    return not app.is_running or app.return_code not in (None, 0) or \
        app._exception is not None  # Textual's record of a crash (re-raised on exit)


async def type_keys(pilot: Any, seed: int, count: int, where: str) -> set[str]:
    """Type the seed's keys; returns the names of the screens seen on top meanwhile."""
    app = pilot.app
    seen: set[str] = set()
    last: deque[str] = deque(maxlen=40)

    def failure(why: str) -> str:
        return f"{where}: {why}; replay it with replay(). Last keys: {' '.join(last)}"

    try:
        for group in key_stream(seed, count):
            if len(group) == 1:
                last.append(group[0][0])
                await pilot.press(group[0][0])
            else:
                last.append("<burst")
                for key, character in group:
                    last.append(key)
                    app.post_message(events.Key(key, character))
                last.append("burst>")
                await pilot.pause(0)
            if ended(app):
                break
            seen.add(type(app.screen).__name__)
    except Exception as error:  # noqa: BLE001 - re-raised with the seed and the keys
        raise AssertionError(failure(f"{type(error).__name__}: {error}")) from error
    if ended(app):
        raise AssertionError(failure(f"the app ended ({app._exception!r})"))
    return seen


async def back_to_main(pilot: Any) -> None:
    """Escape out of every dialog and screen (a dialog may still open from a call)."""
    app = pilot.app
    for _ in range(30):
        if len(app.screen_stack) == 1 and not isinstance(app.screen, CommandPalette):
            await pilot.pause(0.05)
            if len(app.screen_stack) == 1:
                return
        # A dialog that trusts or unlinks ignores keys until it has been shown a moment.
        await wait_until(pilot, lambda: getattr(app.screen, "answerable", True))
        await pilot.press("escape")
        await pilot.pause(0.02)
    raise AssertionError(f"escape does not lead back to the main screen: {app.screen_stack}")


def files_holding(folder: Path, secret: str) -> list[Path]:
    needle = secret.encode()
    return [p for p in folder.rglob("*") if p.is_file() and needle in p.read_bytes()]


#: Each episode starts a fresh app on the pristine demo config with one of these openings, so
#: that every screen and dialog is reached before random typing spoils the form: F5 leads to
#: the trust dialog and its confirmation, F2 to links and the unlink dialog, F3 to the admins
#: and their dialogs, fourteen tabs (from the profile filter) and enter to the admin groups list,
#: ctrl+p to the palette, F6 to the fleet, F7 to the request preview.
OPENINGS: list[list[str]] = [["f5"], ["f2"], ["f3"], ["tab"] * 16 + ["enter"], ["ctrl+p"],
                             ["f6"], ["f7"]]
EPISODES = len(OPENINGS)


async def replay(seed: int, count: int, folder: Path) -> set[str]:
    """Type `count` keys of `seed` in episodes; returns the screens seen on top."""
    pristine = (folder / "config.toml").read_bytes()
    seen: set[str] = set()
    for episode, opening in enumerate(OPENINGS):
        (folder / "config.toml").write_bytes(pristine)
        app = FuzzedApp(config_path=folder / "config.toml", initial_profile="corp", demo=True,
                        timings=False)
        where = f"random keys, seed {seed}, episode {episode} (opening {' '.join(opening)})"
        try:
            async with app.run_test(size=(80, 24), notifications=True) as pilot:
                await pilot.press(*opening)
                await wait_until(pilot, lambda: len(app.screen_stack) > 1)
                seen.add(type(app.screen).__name__)
                seen |= await type_keys(pilot, seed * 100 + episode, count // EPISODES, where)
                await back_to_main(pilot)
                await pilot.press("f1")  # a known key still does its job
                await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
                assert not ended(app)
        except AssertionError:
            raise
        except Exception as error:  # noqa: BLE001 - Textual re-raises the crash on exit
            raise AssertionError(f"{where}: the app crashed: "
                                 f"{type(error).__name__}: {error}") from error
        assert app.return_code in (None, 0), f"{where}: return code {app.return_code}"
    return seen


@pytest.mark.slow  # ~25 s a seed: not in a plain `pytest`; CI runs them with -m slow
@pytest.mark.parametrize("seed", SEEDS)
async def test_random_keys_leave_the_demo_running_and_no_password_on_disk(
        demo: Path, seed: int) -> None:
    seen = await replay(seed, KEYS_PER_SEED, demo)
    assert {"TrustScreen", "LinksScreen", "AdminsScreen", "GroupsScreen", "Palette",
            "HelpScreen", "FleetScreen", "PreviewScreen"} <= seen, f"seed {seed}: screens seen {sorted(seen)}"
    assert (demo / "config.toml").exists()
    assert files_holding(demo.parent, DEMO_PASSWORD) == []


# --- each crash the random keys found -------------------------------------------------------


async def test_page_up_in_the_palette_right_after_it_opens(demo: Path) -> None:
    """Issue 14: Page Up before the palette's list had lines ended the app with KeyError: 0
    (Textual's OptionList._move_page; guarded in hvctui.tui.guards)."""
    app = HvcApp(config_path=demo / "config.toml", initial_profile="corp", demo=True)
    async with app.run_test(size=(80, 24)) as pilot:
        for key in ("ctrl+p", "pageup", "pagedown", "pageup"):
            app.post_message(events.Key(key, None))
        await pilot.pause(0)
        await pilot.pause(0.05)
        assert not ended(app)
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press("pagedown", "pageup", "escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, CommandPalette))
        assert not ended(app)


@pytest.mark.parametrize("typed", ["[", "p[/b]", "[@click=app.quit]x"])
async def test_a_bracket_typed_in_a_field_is_shown_as_typed_on_leaving_it(
        demo: Path, typed: str) -> None:
    """Issue 14: the problem line under a field took the value as markup: `[` raised
    MarkupError when the field was left."""
    app = HvcApp(config_path=demo / "config.toml", initial_profile="corp", demo=True)
    async with app.run_test(size=(80, 24)) as pilot:
        form = app.main.form
        form.set_value("psc_port", "")
        form.edit("psc_port")
        await wait_until(pilot, lambda: form.editing() == "psc_port")
        await pilot.press(*typed, "tab")
        await pilot.pause()
        assert not ended(app)
        assert form.editing() == "domain_name"
        assert form.values()["psc_port"] == typed
        assert f"'{typed}' is not a port number" in form.problem("psc_port")
        assert f"\u21b3 '{typed}' is not a port" in screen_text(app)  # drawn as typed


async def test_two_enters_at_once_in_the_palette_run_the_command_once(demo: Path) -> None:
    """Random keys, seed 1: enter, enter in one read chose the palette's command twice; the
    second dismissed the closed palette and ended the app with ScreenStackError (Textual's
    Screen.dismiss pops whatever is on top; guarded in hvctui.tui.guards). The key gate
    hands the second enter over once the first has closed the palette."""
    app = HvcApp(config_path=demo / "config.toml", initial_profile="corp", demo=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p", *"history")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.pause(0.1)  # the palette's search runs in a worker
        for _ in range(2):
            app.post_message(events.Key("enter", "\r"))
        await pilot.pause(0)
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen))
        await pilot.pause(0.05)
        assert not ended(app)
        assert [type(s) for s in app.screen_stack][1:] == [HistoryScreen]


async def test_a_dialog_answered_twice_at_once_closes_once(demo: Path) -> None:
    """A screen dismissed again after it closed must not pop the screen below it."""
    app = HvcApp(config_path=demo / "config.toml", initial_profile="corp", demo=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f4")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen))
        answers: list[object] = []
        dialog = TextScreen("Name?")
        app.push_screen(dialog, answers.append)
        await wait_until(pilot, lambda: app.screen is dialog)
        dialog.dismiss("first")
        dialog.dismiss("second")  # as a handler queued before the first would
        await pilot.pause(0.05)
        assert not ended(app)
        assert answers == ["first"]
        assert isinstance(app.screen, HistoryScreen)


async def test_ctrl_p_with_the_palette_open_under_a_dialog_opens_no_second_palette(
        demo: Path) -> None:
    """Random keys, seed 1: ctrl+p while a dialog had opened over the palette ended the app
    with DuplicateIds (Textual's CommandPalette.is_open looks at the top screen only;
    HvcApp.action_command_palette looks at the whole stack)."""
    app = HvcApp(config_path=demo / "config.toml", initial_profile="corp", demo=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        app.push_screen(HistoryScreen(app.service.history))  # as a dialog opened by a call in flight would
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen))
        await pilot.press("ctrl+p")
        await pilot.pause(0.05)
        assert not ended(app)
        stack = app.screen_stack[1:]
        assert len(stack) == 2 and isinstance(stack[0], CommandPalette)
        assert isinstance(stack[1], HistoryScreen)


async def test_screens_opened_and_closed_leave_no_render_caches_behind(demo: Path) -> None:
    """The soak grew by a sixth: Textual's StylesCache.get_inner_outer is an lru_cache on an
    instance method and kept the render caches of 1,024 closed widgets alive (guarded in
    hvctui.tui.guards). Opening and closing a screen again and again must not keep any."""
    import gc

    from textual._styles_cache import StylesCache

    def caches() -> int:
        gc.collect()
        return sum(isinstance(o, StylesCache) for o in gc.get_objects())

    # Start from an empty upstream cache (if it is there), whatever tests ran before.
    getattr(StylesCache.get_inner_outer, "cache_clear", lambda: None)()
    app = HvcApp(config_path=demo / "config.toml", initial_profile="corp", demo=True)
    async with app.run_test(size=(80, 24)) as pilot:
        async def visit() -> None:
            await pilot.press("f1")
            await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
            await pilot.pause()
            await pilot.press("escape")
            await wait_until(pilot, lambda: not isinstance(app.screen, HelpScreen))
            await pilot.pause()

        await visit()
        before = caches()
        for _ in range(10):
            await visit()
        assert caches() <= before + 3
