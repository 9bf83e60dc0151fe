"""Soak (issue 14): the demo left running, Link pressed every few seconds and every screen
opened in turn; resident memory and asyncio tasks at the end against the start (after a
warm-up). The budget: growth of at most 10%.

    python benchmarks/soak.py [--minutes 30] [--interval 3] [--out /tmp/hvctui-soak.json]
    python benchmarks/run.py --only paint --soak /tmp/hvctui-soak.json   # prints its rows

In-process and headless: the simulator on its thread, the demo's config in a temporary folder,
the TUI under Textual's test driver at 80x24, driven by keys only. Between keys it waits for
what a user would wait for: a dialog to open, the call to finish.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

#: The screens opened in turn, one per Link, each with the key that opens it and closes it.
SCREENS = [("f2", "escape"), ("f3", "escape"), ("f4", "escape"), ("f1", "escape"),
           ("ctrl+p", "escape")]


def rss_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Driver:
    """Keys into the app, and waits for what is visible: screens opening, calls ending."""

    def __init__(self, app: Any, pilot: Any) -> None:
        self.app = app
        self.pilot = pilot

    async def until(self, done: Callable[[], bool], timeout: float = 20.0) -> bool:
        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                return False
            await self.pilot.pause(0.02)
        return True

    def busy(self) -> bool:
        return any(not worker.is_finished for worker in self.app.workers)

    def depth(self) -> int:
        return len(self.app.screen_stack)

    async def answerable(self) -> None:
        """A dialog that trusts or unlinks takes no key typed as it opens (GuardedDialog):
        wait until it would act on one, as a person reads it before answering."""
        await self.until(lambda: getattr(self.app.screen, "answerable", True))

    def offers(self, key: str) -> bool:
        """The screen on top has a binding for `key` (as its key hints show)."""
        return key in self.app.screen.active_bindings

    async def press(self, *keys: str) -> None:
        await self.pilot.press(*keys)

    async def type(self, text: str) -> None:
        await self.pilot.press(*text)

    async def settle(self) -> None:
        await self.until(lambda: not self.busy())
        await self.pilot.pause()

    async def choose_profile(self, name: str) -> None:
        await self.press("ctrl+f")
        await self.press("ctrl+a", "ctrl+k")  # clear the filter
        await self.type(name)
        await self.press("enter")
        await self.pilot.pause()

    async def link(self) -> None:
        """F5, answering the trust dialog with t and the store-thumbprint question with n."""
        await self.press("f5")
        refused = False  # a DIFFERENT verdict: the soak does not trust it
        while True:
            await self.until(lambda: self.depth() > 1 or not self.busy())
            if self.depth() == 1:
                break
            dialog = self.app.screen
            await self.answerable()
            if type(dialog).__name__ == "TextScreen" or (refused and self.offers("t")):
                refused = True  # "type trust to trust it anyway": no, cancel
                await self.press("escape")
            elif self.offers("t"):  # trust the PSC's certificate
                await self.press("t")
            else:  # store the thumbprint in the profile? no
                await self.press("n")
            await self.until(lambda: self.app.screen is not dialog)
        await self.settle()

    async def unlink(self, domain: str) -> bool:
        """The links screen: u, type the domain to confirm, enter; then back. True if the
        confirmation was asked (there was a link to remove)."""
        asked = False
        await self.press("f2")
        if not await self.until(lambda: self.depth() > 1, 5):
            return False
        await self.settle()
        await self.press("u")
        if await self.until(lambda: self.depth() > 2, 2):
            asked = True
            await self.answerable()
            await self.type(domain)
            await self.press("enter")
            await self.until(lambda: self.depth() == 2)
            await self.settle()
        await self.press("escape")
        await self.until(lambda: self.depth() == 1)
        return asked

    async def visit(self, open_key: str, close_key: str) -> None:
        before = self.depth()
        await self.press(open_key)
        if await self.until(lambda: self.depth() > before, 5):
            await self.settle()
            await self.press(close_key)
            await self.until(lambda: self.depth() == before)
        await self.settle()


async def measure(driver: Driver) -> dict[str, int]:
    """After a short settle: collected garbage, the process's RSS and the loop's tasks."""
    await driver.settle()
    await asyncio.sleep(1.0)
    gc.collect()
    await driver.pilot.pause()
    return {"rss_kib": rss_kib(), "tasks": len(asyncio.all_tasks())}


async def soak(minutes: float, interval: float, warmup: float) -> dict[str, Any]:
    from hvctui.demo import DEMO_SCENARIOS, prepare_demo
    from hvctui.sim.server import SimServer
    from hvctui.tui.app import HvcApp

    folder = Path(tempfile.mkdtemp(prefix="hvctui-soak-"))
    names = [name for name, _ in DEMO_SCENARIOS]
    try:
        with SimServer(loopback_pscs=True) as sim:
            prepare_demo(folder, sim.info.server, sim.info.sha256, sim.world)
            app = HvcApp(folder / "config.toml", "corp", demo=True)
            async with app.run_test(size=(80, 24)) as pilot:
                driver = Driver(app, pilot)
                await driver.settle()
                started = time.monotonic()
                end = started + minutes * 60
                start: dict[str, int] | None = None
                unlinks = rounds = cycles = 0
                while time.monotonic() < end or start is None:
                    for index, name in enumerate(names):
                        pressed = time.monotonic()
                        await driver.choose_profile(name)
                        await driver.link()
                        # corp links (after the trust step the first time; later its draft
                        # keeps the trusted thumbprint): unlink it, so the next round links anew
                        if name == "corp" and await driver.unlink("corp.local"):
                            unlinks += 1
                        await driver.visit(*SCREENS[rounds % len(SCREENS)])
                        rounds += 1
                        await asyncio.sleep(max(0.0, interval - (time.monotonic() - pressed)))
                        if time.monotonic() >= end and start is not None:
                            break
                    cycles += 1
                    if start is None and time.monotonic() - started >= warmup:
                        start = await measure(driver)
                        start["at_s"] = round(time.monotonic() - started)
                        print(f"after warm-up: {start}", flush=True)
                final = await measure(driver)
                final["at_s"] = round(time.monotonic() - started)
                await pilot.press("ctrl+q")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"minutes": minutes, "interval_s": interval, "link_presses": rounds,
            "unlinks": unlinks, "profile_cycles": cycles, "start": start, "end": final,
            "rss_growth": final["rss_kib"] / start["rss_kib"] - 1,
            "task_growth": final["tasks"] / max(start["tasks"], 1) - 1}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--interval", type=float, default=3.0,
                        help="seconds from one Link to the next (default 3)")
    parser.add_argument("--warmup", type=float, default=None,
                        help="seconds before the start is measured (default: 2 minutes, at "
                             "most a fifth of the run; always at least one round of profiles)")
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir())
                        / "hvctui-soak.json")
    args = parser.parse_args()
    warmup = args.warmup if args.warmup is not None else min(120.0, args.minutes * 60 / 5)
    result = asyncio.run(soak(args.minutes, args.interval, warmup))
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    print(f"written to {args.out}; rss growth {result['rss_growth']:+.1%}, tasks growth "
          f"{result['task_growth']:+.1%} (budget +10%)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
