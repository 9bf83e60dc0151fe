"""hvctui's speed budgets (product.md, "Speed"), measured side by side with baselines in one run.

    python benchmarks/run.py [--runs 7] [--only paint|usable|filter|link|render] [--soak FILE]

Prints one row per budget: hvctui's median, the baseline's median, the ratio, the budget and
whether it holds. Every terminal measurement runs a real process on a pseudo-terminal of 80x24
and reads what it draws through a small screen model, so a marker counts only once it is on
screen where it belongs (the sidebar, the form, the pane). hvctui is measured only from the
outside: the installed `hvctui` script, its flags, its config files, its simulator.
`--soak FILE` adds the rows of a `benchmarks/soak.py` result.
"""

from __future__ import annotations

import argparse
import codecs
import fcntl
import json
import os
import pty
import re
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

ROWS, COLUMNS = 24, 80

#: The baseline of every terminal row: a bare Textual app with Header, Input, Footer and one
#: Static. Its marker is the Static's own text, drawn in its first frame (as hvctui's marker is
#: the default profile's name in the sidebar, drawn in hvctui's first frame).
BARE_MARKER = "bare app first frame"
BARE_APP = textwrap.dedent(f"""
    from textual.app import App
    from textual.widgets import Footer, Header, Input, Static

    class Bare(App):
        def compose(self):
            yield Header()
            yield Input(placeholder="type")
            yield Static({BARE_MARKER!r})
            yield Footer()

    Bare().run()
""")

#: Where hvctui draws what at 80x24 (app.tcss): the status line on top, then the sidebar
#: (22 columns with its border) on the left, the form and the response pane on the right.
SIDEBAR_COLUMNS = range(0, 21)
WORK_COLUMNS = range(22, COLUMNS)
BELOW_STATUS = range(1, ROWS - 1)

ONE_PROFILE = "emea"  # appears nowhere else on hvctui's screen (not in any field's value)
SERVER = "vcenter.example.com"


class Screen:
    """Just enough of a terminal to know what is drawn where: cursor moves and text.

    Colours and modes are skipped; every character takes one cell (hvctui's screens and the
    bare app draw no wide characters in the places the markers are looked for)."""

    _TOKEN = re.compile(r"\x1b\[([0-9;?<=>$]*)([ -/]*)([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"
                        r"|\x1b[^\[\]]|[\r\n\x08]|[^\x1b\r\n\x08]+")

    def __init__(self) -> None:
        self.clear()
        self.row = self.col = 0
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""

    def feed(self, data: bytes) -> None:
        text = self._pending + self._decoder.decode(data)
        self._pending = ""
        position = 0
        for match in self._TOKEN.finditer(text):
            if match.start() != position:
                break
            token = match.group(0)
            position = match.end()
            if match.group(3) == "H":
                parts = (match.group(1) or "1;1").split(";")
                self.row = min(max(int(parts[0] or 1) - 1, 0), ROWS - 1)
                self.col = min(max(int(parts[1] or 1) - 1 if len(parts) > 1 else 0, 0),
                               COLUMNS - 1)
            elif match.group(3) == "J" and match.group(1) == "2":
                self.clear()
            elif token == "\r":
                self.col = 0
            elif token == "\n":
                self.row = min(self.row + 1, ROWS - 1)
            elif token == "\x08":
                self.col = max(self.col - 1, 0)
            elif not token.startswith("\x1b"):
                for char in token:
                    if char.isprintable() and self.col < COLUMNS:
                        self.cells[self.row][self.col] = char
                        self.col += 1
        self._pending = text[position:]  # an escape sequence cut in two by the read

    def clear(self) -> None:
        self.cells = [[" "] * COLUMNS for _ in range(ROWS)]

    def line(self, row: int, columns: range = range(COLUMNS)) -> str:
        return "".join(self.cells[row][columns.start:columns.stop])

    def shows(self, text: str, rows: range = range(ROWS), columns: range = range(COLUMNS)) -> bool:
        return any(text in self.line(row, columns) for row in rows)


class Terminal:
    """A process on an 80x24 pseudo-terminal, timed from the moment it is started."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
        self.screen = Screen()
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                                     start_new_session=True, close_fds=True)
        os.close(slave)

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], max(timeout, 0))
        if ready:
            try:
                self.screen.feed(os.read(self.master, 65536))
            except OSError:  # the process ended
                return False
        return bool(ready)

    def wait_for(self, drawn: Callable[[Screen], bool], what: str,
                 timeout: float = 30.0) -> float:
        """time.perf_counter() at the read after which `drawn(screen)` holds."""
        deadline = time.perf_counter() + timeout
        while not drawn(self.screen):
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                screen = "\n".join(self.screen.line(r) for r in range(ROWS))
                raise TimeoutError(f"{what} not on screen; the screen:\n{screen}")
            self._read(remaining)
        return time.perf_counter()

    def since_start(self, drawn: Callable[[Screen], bool], what: str) -> float:
        return self.wait_for(drawn, what) - self.started

    def drain(self, quiet: float = 0.15, timeout: float = 5.0) -> float:
        """Read until nothing arrives for `quiet` s; the time of the last byte read."""
        last = time.perf_counter()
        deadline = last + timeout
        while time.perf_counter() < deadline and self._read(quiet):
            last = time.perf_counter()
        return last

    def send(self, keys: bytes) -> float:
        sent = time.perf_counter()
        os.write(self.master, keys)
        return sent

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


# --- what counts as drawn ---------------------------------------------------------------------

def bare_painted(screen: Screen) -> bool:
    return screen.shows(BARE_MARKER)


def in_sidebar(name: str) -> Callable[[Screen], bool]:
    return lambda screen: screen.shows(name, BELOW_STATUS, SIDEBAR_COLUMNS)


def usable(name: str, server: str) -> Callable[[Screen], bool]:
    """The default profile usable: its name in the sidebar and its server in the form."""
    def drawn(screen: Screen) -> bool:
        return (screen.shows(name, BELOW_STATUS, SIDEBAR_COLUMNS)
                and screen.shows(server, BELOW_STATUS, WORK_COLUMNS))
    return drawn


# --- configs and commands ---------------------------------------------------------------------

def write_config(folder: Path, names: list[str], **fields: str) -> Path:
    """A config.toml as a user would keep it: the first name is the default profile."""
    folder.mkdir(parents=True, exist_ok=True)
    profile = {"server": SERVER, "user": "cloudadmin@vmc.local", "psc_hostname": "psc.corp.local",
               "domain_name": "corp.local", "psc_user": "administrator@corp.local", **fields}
    body = "".join(f"{key} = {json.dumps(value)}\n" for key, value in profile.items())
    lines = [f"default_profile = {json.dumps(names[0])}\n"]
    lines += [f"\n[profiles.{json.dumps(name)}]\n{body}" for name in names]
    path = folder / "config.toml"
    path.write_text("".join(lines), encoding="utf-8")
    path.chmod(0o600)  # as hvctui asks: a readable config draws a warning over the screen
    return path


def many_names(count: int) -> list[str]:
    return [f"site-{i:05d}" for i in range(count)]


def env_for(folder: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env.update(TERM="xterm-256color", HVCTUI_CONFIG_DIR=str(folder), COLUMNS=str(COLUMNS),
               LINES=str(ROWS), **extra)
    return env


def hvctui_command() -> list[str]:
    """`hvctui` as users start it: the console script installed beside this interpreter."""
    script = Path(sys.executable).with_name("hvctui")
    return [str(script)] if script.exists() else [sys.executable, "-m", "hvctui"]


def hvctui_argv(config: Path) -> list[str]:
    return [*hvctui_command(), "--config", str(config)]


def paint(argv: list[str], env: dict[str, str], drawn: Callable[[Screen], bool], what: str,
          rss: list[int] | None = None) -> float:
    """Seconds from start until `drawn`; with `rss`, the idle resident memory after it."""
    term = Terminal(argv, env)
    try:
        seconds = term.since_start(drawn, what)
        if rss is not None:
            term.drain(quiet=0.5)
            rss.append(term.rss_kib())
        return seconds
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


# --- rows ---------------------------------------------------------------------------------------

def bench_paint(runs: int, work: Path) -> list[tuple]:
    """First paint with one profile, and idle memory, against the bare app."""
    bare = [sys.executable, str(work / "bare_app.py")]
    one = work / "one"
    config = write_config(one, [ONE_PROFILE])
    hvctui = hvctui_argv(config)
    paint(bare, env_for(one), bare_painted, "the bare app's static")  # warm the file cache
    paint(hvctui, env_for(one), in_sidebar(ONE_PROFILE), "the profile in the sidebar")
    rss: dict[str, list[int]] = {"hvctui": [], "bare": []}
    xs, ys = side_by_side(
        runs,
        lambda: paint(hvctui, env_for(one), in_sidebar(ONE_PROFILE),
                      "the profile in the sidebar", rss["hvctui"]),
        lambda: paint(bare, env_for(one), bare_painted, "the bare app's static", rss["bare"]))
    return [("first paint, 1 profile", xs, ys, "bare Textual app", 1.25, "s"),
            ("resident memory when idle", [k / 1024 for k in rss["hvctui"]],
             [k / 1024 for k in rss["bare"]], "bare Textual app", 1.3, "MiB")]


def bench_usable(runs: int, work: Path) -> list[tuple]:
    """The default profile usable (name in the sidebar, form filled) with many profiles."""
    bare = [sys.executable, str(work / "bare_app.py")]
    rows = []
    for count, budget in ((1_000, 1.4), (10_000, 2.0)):
        folder = work / f"many-{count}"
        names = many_names(count)
        config = write_config(folder, names)
        hvctui = hvctui_argv(config)
        ready = usable(names[0], SERVER)
        paint(hvctui, env_for(folder), ready, "the default profile, usable")  # warm the cache
        xs, ys = side_by_side(
            runs, lambda: paint(hvctui, env_for(folder), ready, "the default profile, usable"),
            lambda: paint(bare, env_for(folder), bare_painted, "the bare app's static"))
        rows.append((f"default profile usable, {count:,} profiles", xs, ys,
                     "bare app first paint", budget, "s"))
    return rows


def bench_filter(runs: int, work: Path) -> list[tuple]:
    """A keystroke in the sidebar filter with 10,000 profiles: key sent -> list repainted."""
    folder = work / "many-10000"
    names = many_names(10_000)
    config = write_config(folder, names)
    term = Terminal(hvctui_argv(config), env_for(folder))
    first_listed = range(2, 3)  # the list's first row, under the filter
    latencies = []
    try:
        term.wait_for(usable(names[0], SERVER), "the default profile, usable")
        term.drain(quiet=0.5)
        term.send(b"\x06")  # ctrl+f: focus the filter
        term.drain(quiet=0.3)
        # Each key and the name the filtered list then shows first.
        steps = [(b"9", "site-00009"), (b"9", "site-00099"), (b"\x7f", "site-00009"),
                 (b"\x7f", "site-00000")]
        for _ in range(max(runs, 5)):
            for key, first in steps:
                term.drain(quiet=0.15)
                sent = term.send(key)
                shown = term.wait_for(
                    lambda s, f=first: s.line(first_listed[0], SIDEBAR_COLUMNS).find(f) >= 0,
                    f"{first} first in the filtered list", timeout=5)
                latencies.append(shown - sent)
    finally:
        term.close()
    return [("filter keystroke repaint, 10,000 profiles", latencies, None, "", 0.030, "s")]


MINIMAL_LINK = textwrap.dedent("""
    # The same three requests as `hvctui link`, with the same libraries: httpx's AsyncClient
    # under asyncio.run, and the spec built and validated by the pydantic CreateSpec.
    import asyncio, ssl, sys

    import httpx

    from hvctui.vapi.models import CreateSpec

    server, ca, password, thumb = sys.argv[1:5]

    async def main():
        spec = CreateSpec(psc_hostname="psc.corp.local", domain_name="corp.local",
                          username="administrator@corp.local", password=password,
                          ssl_thumbprint=thumb)
        context = ssl.create_default_context(cafile=ca)
        async with httpx.AsyncClient(base_url=f"https://{server}", verify=context) as client:
            token = (await client.post("/api/session",
                                       auth=("cloudadmin@vmc.local", password))).json()
            headers = {"vmware-api-session-id": token}
            response = await client.post("/api/hvc/links", json=spec.to_wire(), headers=headers)
            assert response.status_code == 201, response.text
            print(response.json())
            await client.delete("/api/session", headers=headers)

    asyncio.run(main())
""")


def bench_link(runs: int, work: Path) -> list[tuple]:
    from hvctui.sim.server import SimServer
    from hvctui.sim.world import DEMO_PASSWORD, World

    script = work / "minimal_link.py"
    script.write_text(MINIMAL_LINK)
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

        def timed(argv: list[str]) -> Callable[[], float]:
            def run() -> float:
                sim.world.links.clear()
                started = time.perf_counter()
                subprocess.run(argv, env=env, check=True, capture_output=True, timeout=60)
                return time.perf_counter() - started
            return run

        timed(hv)()
        timed(mini)()
        xs, ys = side_by_side(runs, timed(hv), timed(mini))
    return [("hvctui link end to end", xs, ys, "minimal async httpx", 1.15, "s")]


# FOR THE LEAD: the one place that knows something of the simulator's insides (World and
# SimError), to make it answer the link with an error of a given size. The app is measured
# from the outside (F5 on a pty until the error is on screen); if the simulator grows a fault
# for big errors, use that here instead.
def error_world(messages: int, params: int) -> object:
    from hvctui.sim.world import SimError, World

    kinds = [{"s": "psc.corp.local"}, {"i": 42}, {"d": 3.14159, "precision": 3},
             {"dt": "2019-04-05T18:30:02.000Z", "format": "FULL_DATE_TIME"},
             {"l": {"id": "nested", "params": {"x": {"s": "y"}, "n": {"i": 1}}}}]
    body = [{"id": f"msg.{m}", "args": [], "default_message": f"Message {m} failed " * 3,
             "params": {f"p{p}": kinds[p % len(kinds)] for p in range(params)}}
            for m in range(messages)]

    class ErrorWorld(World):
        def create_link(self, user: str, spec: object, lang: str | None) -> str:
            raise SimError(500, "ERROR", body)

    return ErrorWorld()


def bench_render(runs: int, work: Path) -> list[tuple]:
    """F5 until the answer is on screen and the screen settles: an error of 100 messages x 20
    params against a one-message error through the same steps; the difference is what
    rendering the big error costs."""
    from hvctui.sim.server import SimServer
    from hvctui.sim.world import DEMO_PASSWORD

    shown = lambda s: s.shows("Message 0 failed", BELOW_STATUS, WORK_COLUMNS)  # noqa: E731
    results: dict[str, list[float]] = {"big": [], "small": []}
    sims: dict[str, SimServer] = {}
    terms: dict[str, Terminal] = {}
    try:
        for kind, size in (("big", (100, 20)), ("small", (1, 0))):
            sim = sims[kind] = SimServer(error_world(*size)).start()  # type: ignore[arg-type]
            folder = work / f"render-{kind}"
            folder.mkdir()
            ca = folder / "sim.pem"
            ca.write_bytes(sim.info.cert_pem)
            config = write_config(folder, ["errors"], server=sim.info.server, tls="ca_file",
                                  ca_file=str(ca), password_source="env:BENCH_PASSWORD",
                                  psc_password_source="env:BENCH_PASSWORD")
            term = Terminal(hvctui_argv(config),
                            env_for(folder, BENCH_PASSWORD=DEMO_PASSWORD))
            term.wait_for(usable("errors", sim.info.server), "the profile, usable")
            terms[kind] = term
        for run in range(max(runs, 5) + 1):
            for kind, term in terms.items():
                term.drain(quiet=0.3)
                term.screen.clear()  # forget the last answer
                sent = term.send(b"\x1b[15~")  # F5: Link
                term.wait_for(shown, "the error in the pane", timeout=10)
                settled = term.drain(quiet=0.1)
                if run:  # the first is a warm-up: the HTTP stack loads with the first call
                    results[kind].append(settled - sent)
    finally:
        for term in terms.values():
            term.close()
        for sim in sims.values():
            sim.stop()
    added = [b - s for b, s in zip(results["big"], results["small"])]
    return [("error of 100 messages x 20 params, F5 to shown", results["big"],
             results["small"], "1-message error", None, "s"),
            ("  of which rendering the error (difference)", added, None, "", 0.050, "s")]


def soak_rows(path: Path) -> list[tuple]:
    """The rows of a soak.py result: the end against the start, each at most 1.1x."""
    result = json.loads(path.read_text())
    minutes = result["minutes"]
    return [(f"soak {minutes:g} min: resident memory", [result["end"]["rss_kib"] / 1024],
             [result["start"]["rss_kib"] / 1024], "after warm-up", 1.10, "MiB"),
            (f"soak {minutes:g} min: asyncio tasks", [result["end"]["tasks"]],
             [result["start"]["tasks"]], "after warm-up", 1.10, "tasks")]


def table(rows: list[tuple]) -> str:
    lines = [f"{'measure':<48} {'hvctui':>10} {'baseline':>10} {'ratio':>7} {'budget':>8}  ok",
             "-" * 92]
    for name, xs, ys, baseline, budget, unit in rows:
        mx = statistics.median(xs)
        fmt = ((lambda v: f"{v * 1000:.0f} ms") if unit == "s" else
               (lambda v: f"{v:.0f}") if unit == "tasks" else (lambda v: f"{v:.1f} {unit}"))
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
            ratio = mx / my if my else float("inf")
            ok = ratio <= budget
            lines.append(f"{name:<48} {fmt(mx):>10} {fmt(my):>10} {ratio:>6.2f}x "
                         f"{budget:>7.2f}x  {'yes' if ok else 'NO'}")
    return "\n".join(lines)


BENCHES = {"paint": bench_paint, "usable": bench_usable, "filter": bench_filter,
           "link": bench_link, "render": bench_render}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7, help="runs per measure (median)")
    parser.add_argument("--only", choices=list(BENCHES), action="append")
    parser.add_argument("--soak", type=Path, metavar="FILE",
                        help="add the rows of a soak.py result (JSON)")
    args = parser.parse_args()
    # Byte-compile hvctui, as pip does when it installs a wheel: Textual's modules are compiled,
    # and with PYTHONDONTWRITEBYTECODE set an editable checkout would be compiled on every start.
    import compileall

    import hvctui

    compileall.compile_dir(str(Path(hvctui.__file__).parent), quiet=1)
    work = Path(tempfile.mkdtemp(prefix="hvctui-bench-"))
    (work / "bare_app.py").write_text(BARE_APP)
    rows: list[tuple] = []
    try:
        for name in args.only or list(BENCHES):
            rows += BENCHES[name](args.runs, work)
        if args.soak:
            rows += soak_rows(args.soak)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"medians of {args.runs} runs; python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cores")
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
