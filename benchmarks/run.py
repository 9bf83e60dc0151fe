"""hvctui's speed budgets, measured side by side with baselines in one run.

    python benchmarks/run.py [--runs 7]

Prints one row per budget: hvctui's median, the baseline's median, the ratio, the budget.
Every terminal measurement runs a real process on a pseudo-terminal of 80x24.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import os
import pty
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

BARE_APP = textwrap.dedent("""
    from textual.app import App
    from textual.widgets import Footer, Header, Input

    class Bare(App):
        def compose(self):
            yield Header()
            yield Input(placeholder="type")
            yield Footer()

    Bare().run()
""")
MARKER = b"palette"  # the footer's command-palette hint: drawn in both apps' first frame


class Terminal:
    """A process on an 80x24 pseudo-terminal, timed from the moment it is started."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                                     start_new_session=True, close_fds=True)
        os.close(slave)
        self.buffer = b""

    def read_until(self, marker: bytes, timeout: float = 30.0) -> float:
        """Seconds from start until `marker` has been drawn."""
        deadline = time.perf_counter() + timeout
        while marker not in self.buffer:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError(f"no {marker!r} on screen; got {self.buffer[-300:]!r}")
            ready, _, _ = select.select([self.master], [], [], remaining)
            if ready:
                self.buffer += os.read(self.master, 65536)
        return time.perf_counter() - self.started

    def drain(self, quiet: float = 0.15, timeout: float = 5.0) -> float:
        """Read until nothing arrives for `quiet` s; the time of the last byte read."""
        last = time.perf_counter()
        deadline = last + timeout
        while time.perf_counter() < deadline:
            ready, _, _ = select.select([self.master], [], [], quiet)
            if not ready:
                break
            self.buffer += os.read(self.master, 65536)
            last = time.perf_counter()
        return last

    def keystroke_latency(self, key: bytes) -> float:
        self.drain()
        sent = time.perf_counter()
        os.write(self.master, key)
        ready, _, _ = select.select([self.master], [], [], 2.0)
        if not ready:
            raise TimeoutError("no repaint after a keystroke")
        return self.drain(quiet=0.08) - sent

    def rss_kib(self) -> int:
        with open(f"/proc/{self.proc.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def close(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        os.close(self.master)


def write_profiles(folder: Path, count: int) -> Path:
    from hvctui.profiles.store import Config, ConfigStore, Profile

    profile = Profile(server="vcenter.example.com", user="cloudadmin@vmc.local",
                      psc_hostname="psc.corp.local", domain_name="corp.local",
                      psc_user="administrator@corp.local")
    names = ["corp"] if count == 1 else [f"site-{i:05d}" for i in range(count)]
    store = ConfigStore(folder / "config.toml")
    config = Config(default_profile=names[0], profiles={n: profile for n in names})
    store.update(lambda c: c.__dict__.update(config.__dict__))
    return store.path


def env_for(folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env.update(TERM="xterm-256color", HVCTUI_CONFIG_DIR=str(folder), COLUMNS="80", LINES="24")
    return env


def hvctui_command() -> list[str]:
    """`hvctui` as users start it: the console script installed beside this interpreter."""
    script = Path(sys.executable).with_name("hvctui")
    return [str(script)] if script.exists() else [sys.executable, "-m", "hvctui"]


def hvctui_argv(config: Path) -> list[str]:
    return [*hvctui_command(), "--config", str(config)]


def first_paint(argv: list[str], env: dict[str, str]) -> tuple[float, int]:
    term = Terminal(argv, env)
    try:
        seconds = term.read_until(MARKER)
        term.drain(quiet=0.5)
        return seconds, term.rss_kib()
    finally:
        term.close()


def side_by_side(runs: int, a: Callable[[], float], b: Callable[[], float]) -> tuple[list[float],
                                                                                     list[float]]:
    """Alternate the two so drift and noise fall on both alike."""
    xs, ys = [], []
    for _ in range(runs):
        xs.append(a())
        ys.append(b())
    return xs, ys


def bench_first_paint(runs: int, work: Path) -> list[tuple]:
    rows = []
    bare_script = work / "bare_app.py"
    bare_script.write_text(BARE_APP)
    bare = [sys.executable, str(bare_script)]
    one = work / "one"
    many = work / "many"
    one_config = write_profiles(one, 1)
    many_config = write_profiles(many, 10_000)
    first_paint(bare, env_for(one))  # warm the file cache for both
    first_paint(hvctui_argv(one_config), env_for(one))
    rss: dict[str, list[int]] = {"hvctui": [], "bare": []}

    def run_hvctui() -> float:
        seconds, kib = first_paint(hvctui_argv(one_config), env_for(one))
        rss["hvctui"].append(kib)
        return seconds

    def run_bare() -> float:
        seconds, kib = first_paint(bare, env_for(one))
        rss["bare"].append(kib)
        return seconds

    xs, ys = side_by_side(runs, run_hvctui, run_bare)
    rows.append(("first paint, 1 profile", xs, ys, "bare Textual app", 1.25, "s"))
    xs, ys = side_by_side(runs, lambda: first_paint(hvctui_argv(many_config), env_for(many))[0],
                          lambda: first_paint(bare, env_for(many))[0])
    rows.append(("first paint, 10,000 profiles", xs, ys, "bare Textual app", 1.6, "s"))
    rows.append(("resident memory when idle", [k / 1024 for k in rss["hvctui"]],
                 [k / 1024 for k in rss["bare"]], "bare Textual app", 1.3, "MiB"))

    # A keystroke in the sidebar filter, 10,000 profiles: key sent -> repaint finished.
    term = Terminal(hvctui_argv(many_config), env_for(many))
    latencies = []
    try:
        term.read_until(MARKER)
        term.read_until(b"site-00000")  # a large config loads after the first frame
        term.drain(quiet=0.5)
        term.keystroke_latency(b"\x06")  # ctrl+f: focus the filter
        for _ in range(max(runs, 5)):
            for key in (b"9", b"9", b"\x7f", b"\x7f"):
                latencies.append(term.keystroke_latency(key))
    finally:
        term.close()
    rows.append(("filter keystroke repaint, 10,000 profiles", latencies, None, "", 0.030, "s"))
    return rows


LINK_SCRIPT = textwrap.dedent("""
    import ssl, sys, httpx
    server, ca, password, thumb = sys.argv[1:5]
    context = ssl.create_default_context(cafile=ca)
    with httpx.Client(base_url=f"https://{server}", verify=context) as client:
        token = client.post("/api/session", auth=("cloudadmin@vmc.local", password)).json()
        headers = {"vmware-api-session-id": token}
        spec = {"psc_hostname": "psc.corp.local", "domain_name": "corp.local",
                "username": "administrator@corp.local", "password": password,
                "ssl_thumbprint": thumb}
        response = client.post("/api/hvc/links", json=spec, headers=headers)
        assert response.status_code == 201, response.text
        print(response.json())
        client.delete("/api/session", headers=headers)
""")


ASYNC_LINK_SCRIPT = textwrap.dedent("""
    import asyncio, ssl, sys, httpx
    server, ca, password, thumb = sys.argv[1:5]

    async def main():
        context = ssl.create_default_context(cafile=ca)
        async with httpx.AsyncClient(base_url=f"https://{server}", verify=context) as client:
            token = (await client.post("/api/session",
                                       auth=("cloudadmin@vmc.local", password))).json()
            headers = {"vmware-api-session-id": token}
            spec = {"psc_hostname": "psc.corp.local", "domain_name": "corp.local",
                    "username": "administrator@corp.local", "password": password,
                    "ssl_thumbprint": thumb}
            response = await client.post("/api/hvc/links", json=spec, headers=headers)
            assert response.status_code == 201, response.text
            print(response.json())
            await client.delete("/api/session", headers=headers)

    asyncio.run(main())
""")


def bench_link(runs: int, work: Path) -> list[tuple]:
    from hvctui.sim.server import SimServer
    from hvctui.sim.world import DEMO_PASSWORD, World

    script = work / "minimal_link.py"
    script.write_text(LINK_SCRIPT)
    with SimServer(World()) as sim:
        ca = work / "sim.pem"
        ca.write_bytes(sim.info.cert_pem)
        thumb = sim.world.pscs["psc.corp.local"].thumbprint
        env = dict(os.environ, HVCTUI_CONFIG_DIR=str(work / "link-config"),
                   HVCTUI_PASSWORD=DEMO_PASSWORD, HVCTUI_PSC_PASSWORD=DEMO_PASSWORD)
        hv = [*hvctui_command(), "link", "--server", sim.info.server, "--ca-file",
              str(ca), "--user", "cloudadmin@vmc.local", "--psc-hostname", "psc.corp.local",
              "--domain", "corp.local", "--psc-user", "administrator@corp.local",
              "--ssl-thumbprint", thumb]
        mini = [sys.executable, str(script), sim.info.server, str(ca), DEMO_PASSWORD, thumb]
        async_script = work / "minimal_async_link.py"
        async_script.write_text(ASYNC_LINK_SCRIPT)
        mini_async = [sys.executable, str(async_script), *mini[2:]]

        def timed(argv: list[str]) -> Callable[[], float]:
            def run() -> float:
                sim.world.links.clear()
                started = time.perf_counter()
                subprocess.run(argv, env=env, check=True, capture_output=True, timeout=60)
                return time.perf_counter() - started
            return run

        timed(hv)()
        timed(mini)()
        timed(mini_async)()
        xs, ys = side_by_side(runs, timed(hv), timed(mini))
        xa, ya = side_by_side(runs, timed(hv), timed(mini_async))
    return [("hvctui link end to end", xs, ys, "minimal httpx script", 1.3, "s"),
            ("  (for reference: vs a minimal async httpx script)", xa, ya, "", None, "s")]


def big_error() -> object:
    import json

    from hvctui.vapi.answers import parse_error

    kinds = [{"s": "psc.corp.local"}, {"i": 42}, {"d": 3.14159, "precision": 3},
             {"dt": "2019-04-05T18:30:02.000Z", "format": "FULL_DATE_TIME"},
             {"l": {"id": "nested", "params": {"x": {"s": "y"}, "n": {"i": 1}}}}]
    messages = [{"id": f"msg.{m}", "args": [], "default_message": f"Message {m} failed " * 3,
                 "params": {f"p{p}": kinds[p % len(kinds)] for p in range(20)}}
                for m in range(100)]
    body = json.dumps({"error_type": "ERROR", "messages": messages}).encode()
    return parse_error(500, "application/json", body)


def bench_render(runs: int) -> list[tuple]:
    """The big error into the pane, against a one-line answer through the same steps: the
    difference is what rendering the error costs."""
    from rich.text import Text

    from hvctui.tui.app import HvcApp

    error = big_error()
    big: list[float] = []
    small: list[float] = []

    async def measure() -> None:
        with tempfile.TemporaryDirectory() as folder:
            app = HvcApp(config_path=Path(folder) / "config.toml")
            async with app.run_test(size=(80, 24)) as pilot:
                await pilot.pause()
                for _ in range(max(runs, 5)):
                    for sink, show in ((big, lambda: app.pane.show_error(error)),  # type: ignore[arg-type]
                                       (small, lambda: app.pane.show_text(Text("ok")))):
                        app.pane.show_idle()
                        await pilot.pause()
                        started = time.perf_counter()
                        show()
                        await pilot.pause()  # until the pane has laid out and painted
                        sink.append(time.perf_counter() - started)

    asyncio.run(measure())
    added = [b - s for b, s in zip(big, small)]
    return [("error of 100 messages x 20 params into the pane", big, small,
             "one-line answer", None, "s"),
            ("  of which rendering the error (difference)", added, None, "", 0.050, "s")]


def table(rows: list[tuple]) -> str:
    lines = [f"{'measure':<48} {'hvctui':>10} {'baseline':>10} {'ratio':>7} {'budget':>8}  ok",
             "-" * 92]
    for name, xs, ys, baseline, budget, unit in rows:
        mx = statistics.median(xs)
        fmt = (lambda v: f"{v * 1000:.0f} ms") if unit == "s" else (lambda v: f"{v:.1f} {unit}")
        if budget is None:
            my = statistics.median(ys)
            lines.append(f"{name:<48} {fmt(mx):>10} {fmt(my):>10} {mx / my:>6.2f}x "
                         f"{'-':>8}")
        elif ys is None:
            ok = mx <= budget
            lines.append(f"{name:<48} {fmt(mx):>10} {'-':>10} {'-':>7} {fmt(budget):>8}  "
                         f"{'yes' if ok else 'NO'}")
        else:
            my = statistics.median(ys)
            ratio = mx / my
            ok = ratio <= budget
            lines.append(f"{name:<48} {fmt(mx):>10} {fmt(my):>10} {ratio:>6.2f}x "
                         f"{budget:>7.2f}x  {'yes' if ok else 'NO'}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7, help="runs per measure (median)")
    parser.add_argument("--only", choices=["paint", "link", "render"], action="append")
    args = parser.parse_args()
    # Byte-compile hvctui, as pip does when it installs a wheel: Textual's modules are compiled,
    # and with PYTHONDONTWRITEBYTECODE set an editable checkout would be compiled on every start.
    import compileall

    import hvctui

    compileall.compile_dir(str(Path(hvctui.__file__).parent), quiet=1)
    work = Path(tempfile.mkdtemp(prefix="hvctui-bench-"))
    rows: list[tuple] = []
    try:
        only = args.only or ["paint", "link", "render"]
        if "paint" in only:
            rows += bench_first_paint(args.runs, work)
        if "link" in only:
            rows += bench_link(args.runs, work)
        if "render" in only:
            rows += bench_render(args.runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"medians of {args.runs} runs; python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cores")
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
