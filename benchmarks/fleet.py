"""The fleet's speed budgets (product.md, Speed): refresh of 200 profiles with 100 ms of added
latency per call, against the ideal time for the configured concurrency (at most 1.25x); and a
filter keystroke on the fleet screen during that refresh repaints within 30 ms (median).

    python benchmarks/fleet.py [--profiles 200] [--latency-ms 100] [--concurrency 8]

The simulated vCenters (one listener, world and certificate each) run in a child process, so
the client measured does not share its interpreter with them. Each profile's refresh is four
calls (log in, list, get the link's health, log out); the ideal time is therefore
ceil(profiles / concurrency) x 4 x latency.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import json
import math
import os
import pty
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

CALLS_PER_PROFILE = 4

SIM_SCRIPT = textwrap.dedent("""
    import json, sys, time
    from hvctui.sim.fleet import SimFleet, add_link
    from hvctui.sim.world import World

    count, latency = int(sys.argv[1]), int(sys.argv[2])
    worlds = []
    for _ in range(count):
        world = World()
        add_link(world)
        world.faults.update({"latency_ms": latency})
        worlds.append(world)
    with SimFleet(worlds) as fleet:
        print(json.dumps([[vc.server, vc.info.sha256] for vc in fleet.vcenters]), flush=True)
        sys.stdin.readline()  # until the benchmark closes our stdin
""")


class SimProcess:
    def __init__(self, count: int, latency_ms: int) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", SIM_SCRIPT, str(count),
                                      str(latency_ms)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        self.servers: list[tuple[str, str]] = [tuple(x) for x in  # type: ignore[misc]
                                               json.loads(self.proc.stdout.readline())]

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def write_config(folder: Path, servers: list[tuple[str, str]]) -> Path:
    from hvctui.profiles.store import Config, ConfigStore, Profile

    profiles = {f"site-{i:03d}": Profile(
        server=server, user="cloudadmin@vmc.local", password_source="env:BENCH_PW",
        tls="pinned", pin_sha256=sha, psc_hostname="psc.corp.local", domain_name="corp.local",
        psc_user="administrator@corp.local") for i, (server, sha) in enumerate(servers)}
    store = ConfigStore(folder / "config.toml")
    config = Config(default_profile=next(iter(profiles)), profiles=profiles)
    store.update(lambda c: c.__dict__.update(config.__dict__))
    return store.path


def bench_refresh(config: Path, concurrency: int) -> tuple[float, int]:
    """Seconds for a whole refresh through the fleet use case, and the rows with a problem."""
    from hvctui.fleet import Fleet
    from hvctui.profiles.history import History
    from hvctui.profiles.store import ConfigStore
    from hvctui.service import Service

    store = ConfigStore(config)
    profiles = store.load().config.profiles
    fleet = Fleet(Service(store, History(config.parent / "history.jsonl")),
                  concurrency=concurrency)

    async def run() -> int:
        failed = 0
        async for row in fleet.refresh(profiles):
            failed += row.done and row.failed
        return failed

    started = time.perf_counter()
    failed = asyncio.run(run())
    return time.perf_counter() - started, failed


class Terminal:
    """hvctui on an 80x24 pseudo-terminal."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                                     start_new_session=True, close_fds=True)
        os.close(slave)
        self.buffer = b""

    def read_until(self, marker: bytes, timeout: float = 30.0) -> float:
        deadline = time.perf_counter() + timeout
        while marker not in self.buffer:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError(f"no {marker!r} on screen; got {self.buffer[-300:]!r}")
            ready, _, _ = select.select([self.master], [], [], remaining)
            if ready:
                self.buffer += os.read(self.master, 65536)
        return time.perf_counter()

    def send(self, key: bytes) -> None:
        os.write(self.master, key)

    def close(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        os.close(self.master)


def bench_filter(config: Path, names: list[str], runs: int) -> tuple[list[float], bool]:
    """Filter keystrokes on the fleet screen while its refresh runs: key sent -> the header
    shows the new count of rows shown. Also says whether the refresh was still running."""
    script = Path(sys.executable).with_name("hvctui")
    argv = [str(script)] if script.exists() else [sys.executable, "-m", "hvctui"]
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env.update(TERM="xterm-256color", HVCTUI_CONFIG_DIR=str(config.parent), COLUMNS="80",
               LINES="24", BENCH_PW=os.environ["BENCH_PW"])
    term = Terminal([*argv, "--config", str(config)], env)
    latencies: list[float] = []
    try:
        term.read_until(b"palette")
        term.send(b"\x1b[17~")  # F6: the fleet
        term.read_until(b"remaining")
        term.send(b"/")
        time.sleep(0.3)
        typed = ""
        for _ in range(runs):
            for key in (b"1", b"9", b"\x7f", b"\x7f"):
                typed = typed[:-1] if key == b"\x7f" else typed + key.decode()
                shown = sum(typed in n for n in names)
                marker = f"({shown} shown)".encode() if typed else b"remaining"
                term.buffer = b""
                sent = time.perf_counter()
                term.send(key)
                latencies.append(term.read_until(marker, timeout=5) - sent)
        term.buffer = b""
        time.sleep(0.25)
        term.read_until(b"remaining")
        still_running = b"esc cancels" in term.buffer
    finally:
        term.close()
    return latencies, still_running


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profiles", type=int, default=200)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=8,
                        help="the TUI's fleet screen uses its default, 8")
    parser.add_argument("--runs", type=int, default=5, help="filter keystroke rounds (x4)")
    args = parser.parse_args()
    from hvctui.sim.world import DEMO_PASSWORD

    os.environ["BENCH_PW"] = DEMO_PASSWORD
    sim = SimProcess(args.profiles, args.latency_ms)
    try:
        with tempfile.TemporaryDirectory(prefix="hvctui-fleet-bench-") as folder:
            config = write_config(Path(folder), sim.servers)
            measured, failed = bench_refresh(config, args.concurrency)
            ideal = (math.ceil(args.profiles / args.concurrency) * CALLS_PER_PROFILE
                     * args.latency_ms / 1000)
            names = [f"site-{i:03d}" for i in range(args.profiles)]
            latencies, running = bench_filter(config, names, args.runs)
    finally:
        sim.close()
    ratio = measured / ideal
    median = statistics.median(latencies)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; {args.profiles} profiles, "
          f"{args.latency_ms} ms added per call, concurrency {args.concurrency}")
    print(f"{'measure':<52} {'value':>10} {'budget':>8}  ok")
    print("-" * 78)
    print(f"{'fleet refresh: measured / ideal time':<52} {ratio:>9.2f}x {1.25:>7.2f}x  "
          f"{'yes' if ratio <= 1.25 and not failed else 'NO'}")
    print(f"{'  measured (ideal ' + f'{ideal:.1f} s' + ')':<52} {measured:>8.2f} s")
    if failed:
        print(f"  {failed} rows failed: the figure does not count")
    print(f"{'filter keystroke repaint during the refresh (median)':<52} "
          f"{median * 1000:>7.0f} ms {30:>5} ms  {'yes' if median <= 0.030 else 'NO'}")
    print(f"  {len(latencies)} keystrokes; refresh still running after them: "
          f"{'yes' if running else 'NO (measure not during the refresh)'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
