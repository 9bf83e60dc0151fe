"""`hvctui demo`: the simulator in the background, a throwaway config, the TUI on top.

The demo's passwords come from environment variables set in this process only; nothing is
written but the throwaway config (no password in it), and no file of the user's is touched.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import tempfile
from copy import deepcopy
from dataclasses import replace
from pathlib import Path
from typing import Any

from hvctui.profiles.store import Config, ConfigStore, Profile
from hvctui.sim.fleet import SimFleet, add_link, unused_address
from hvctui.sim.psc import INTERCEPTED, VERIFIED
from hvctui.sim.server import SimServer
from hvctui.sim.world import DEMO_PASSWORD, World

DEMO_PASSWORD_ENV = "HVCTUI_DEMO_PW"
DEMO_WRONG_PASSWORD_ENV = "HVCTUI_DEMO_WRONG_PASSWORD"

#: (profile name, what it shows), in sidebar order; the first links successfully.
DEMO_SCENARIOS: list[tuple[str, str]] = [
    ("corp", "links psc.corp.local after the trust step (f5, then t); its name does not "
     "resolve here, so hvctui could not check the PSC's certificate itself"),
    ("verified-psc", "a PSC on loopback presenting the very certificate vCenter offers: the "
     "dialog says the PSC presents this same certificate to this machine"),
    ("intercepted-psc", "vCenter offers one certificate, the PSC presents another to this "
     "machine: a warning with both, and t alone does not link"),
    ("legacy-psc", "psc-legacy.corp.local is too old: UNSUPPORTED"),
    ("unreachable", "a PSC whose name does not resolve: ERROR with a two-level cause chain"),
    ("unreachable-de", "the same, localized in German (Accept-Language: de-DE)"),
    ("wrong-domain", "a domain the PSC does not serve: INVALID_ARGUMENT"),
    ("wrong-psc-password", "a wrong PSC password: INVALID_ARGUMENT"),
    ("unknown-group", "an admin group the domain lacks: INVALID_ARGUMENT"),
    ("bad-port", "the wrong PSC port: INVALID_ARGUMENT"),
    ("auditor", "a read-only cloud user: UNAUTHORIZED (403)"),
]

#: The small fleet (F6 shows it): (profile name, what its own simulated vCenter shows), after
#: the scenarios above. The unlinked two link the same PSC: one trust question for both.
DEMO_FLEET: list[tuple[str, str]] = [
    ("fleet-healthy", "a vCenter already linked to corp.local, healthy"),
    ("fleet-unhealthy", "a vCenter whose link is UNHEALTHY, with its health message"),
    ("fleet-unlinked-a", "a vCenter not linked yet (select it and its twin, then link)"),
    ("fleet-unlinked-b", "another vCenter not linked yet, to the same PSC"),
    ("fleet-unreachable", "a vCenter that does not answer: cannot reach"),
]


#: Demo profiles that link, each on a simulated vCenter of its own: on one shared vCenter
#: the first link would turn the others' trust step into ALREADY_EXISTS.
OWN_VCENTER = ("verified-psc", "intercepted-psc")


def demo_fleet_worlds(world: World) -> list[World]:
    """The worlds beside `world`: the fleet's (healthy, unhealthy, two unlinked), then one
    for each of OWN_VCENTER. Their PSCs are `world`'s (one on-premises PSC seen from many
    cloud vCenters has one certificate), the loopback ones included."""
    worlds = [World() for _ in range(4 + len(OWN_VCENTER))]
    for each in worlds:
        each.pscs = {host: replace(psc) for host, psc in world.pscs.items()}
    add_link(worlds[0])
    add_link(worlds[1])
    worlds[1].faults.update({"unhealthy": True, "latency_ms": 400})
    worlds[2].faults.update({"latency_ms": 200})
    return worlds


def fleet_profiles(base: Profile, fleet: SimFleet) -> dict[str, Profile]:
    servers = [(vc.server, vc.info.sha256) for vc in fleet.vcenters[:4]]
    servers.append((unused_address(), servers[0][1]))
    return {name: base.replace(server=server, pin_sha256=pin)
            for (name, _), (server, pin) in zip(DEMO_FLEET, servers)}


class DemoReset:
    """Puts every demo world back as the demo started it (links, administrators, faults,
    sessions): the palette's "Reset the demo world", so the README's table holds again."""

    def __init__(self, worlds: list[World]) -> None:
        self._worlds = worlds
        self._start = [deepcopy((w.links, w.administrators, w.faults.as_dict()))
                       for w in worlds]

    def __call__(self) -> None:
        for world, (links, administrators, faults) in zip(self._worlds, self._start):
            world.links = deepcopy(links)
            world.administrators = list(administrators)
            world.faults.update(faults)
            world.sessions.clear()


def demo_config(server: str, sim_sha256: str, world: World,
                fleet: SimFleet | None = None) -> Config:
    """The demo's profiles against a simulator at `server` whose certificate is `sim_sha256`
    (and, given a simulated fleet, one profile per vCenter of DEMO_FLEET after them)."""
    thumb = world.pscs["psc.corp.local"].thumbprint
    base = Profile(
        server=server, user="cloudadmin@vmc.local", password_source=f"env:{DEMO_PASSWORD_ENV}",
        tls="pinned", pin_sha256=sim_sha256, psc_hostname="psc.corp.local", psc_port="443",
        domain_name="corp.local", psc_user="administrator@corp.local",
        psc_password_source=f"env:{DEMO_PASSWORD_ENV}", admin_groups=["vmc-admins@corp.local"],
    )
    variant = base.replace  # each scenario: the corp profile, changed

    def own(index: int) -> dict[str, str]:
        """The vCenter of its own of OWN_VCENTER[index], when the fleet runs."""
        if fleet is None or len(fleet.vcenters) <= 4 + index:
            return {}
        vcenter = fleet.vcenters[4 + index]
        return {"server": vcenter.server, "pin_sha256": vcenter.info.sha256}

    profiles = {
        "corp": base,
        # The PSCs of sim/psc.py (SimServer(loopback_pscs=True)) listen on loopback.
        "verified-psc": variant(psc_hostname=world.pscs[VERIFIED].host,
                                psc_port=str(world.pscs[VERIFIED].port), **own(0)),
        "intercepted-psc": variant(psc_hostname=world.pscs[INTERCEPTED].host,
                                   psc_port=str(world.pscs[INTERCEPTED].port), **own(1)),
        "legacy-psc": variant(psc_hostname="psc-legacy.corp.local", domain_name="legacy.local",
                              psc_user="administrator@legacy.local",
                              admin_groups=["vmc-admins@legacy.local"]),
        "unreachable": variant(psc_hostname="psc.branch.example", domain_name="branch.example",
                               psc_user="administrator@branch.example", admin_groups=[]),
        "unreachable-de": variant(psc_hostname="psc.branch.example",
                                  domain_name="branch.example",
                                  psc_user="administrator@branch.example", admin_groups=[],
                                  accept_language="de-DE"),
        "wrong-domain": variant(domain_name="corp.example", ssl_thumbprint=thumb),
        "wrong-psc-password": variant(psc_password_source=f"env:{DEMO_WRONG_PASSWORD_ENV}",
                                      ssl_thumbprint=thumb),
        "unknown-group": variant(admin_groups=["dba@corp.local"], ssl_thumbprint=thumb),
        "bad-port": variant(psc_port="8443"),
        "auditor": variant(user="auditor@vmc.local"),
    }
    if fleet is not None:
        profiles.update(fleet_profiles(base, fleet))
    return Config(default_profile="corp", profiles=profiles)


def demo_banner(folder: str) -> tuple[str, ...]:
    """The TUI's banner in the demo, two lines of at most 78 columns (80 less the banner's
    padding, with the folder tempfile makes in /tmp): what it is, and the line that points the
    CLI of another window at its profiles (their passwords come from that variable; the
    simulator's password is the README's)."""
    # Quoted: bash's history expansion takes an unquoted `!` followed by more on the line
    # (`...VMware1!; hvctui status`: "event not found").
    password = shlex.quote(DEMO_PASSWORD)
    return ("DEMO: throwaway profiles, gone on exit; ctrl+p: Reset the demo world. CLI too:",
            f"export HVCTUI_CONFIG_DIR={shlex.quote(folder)} {DEMO_PASSWORD_ENV}={password}")


def forget_callers_passwords() -> None:
    """Remove the caller's HVCTUI_* password variables from this process's environment, before
    the simulator starts: HVCTUI_PASSWORD and HVCTUI_PSC_PASSWORD win over a profile's own
    source, so the caller's real passwords would be sent to the simulator, and every demo
    scenario that needs a wrong password would link instead."""
    for name in [n for n in os.environ if n.startswith("HVCTUI_") and "PASSWORD" in n]:
        del os.environ[name]


def prepare_demo(folder: Path, server: str, sim_sha256: str, world: World,
                 fleet: SimFleet | None = None) -> ConfigStore:
    """Write the demo config into `folder` and point this process at it."""
    os.environ["HVCTUI_CONFIG_DIR"] = str(folder)
    os.environ[DEMO_PASSWORD_ENV] = DEMO_PASSWORD
    os.environ[DEMO_WRONG_PASSWORD_ENV] = "not-the-password"
    store = ConfigStore(folder / "config.toml")
    config = demo_config(server, sim_sha256, world, fleet)
    store.update(lambda c: c.__dict__.update(config.__dict__))
    return store


#: Signals that end a demo from outside (the terminal closed, `kill`): the folder goes too.
_ENDING_SIGNALS = ("SIGHUP", "SIGTERM")


def _remove_on_signals(folder: Path) -> dict[int, Any]:
    """Remove the throwaway folder when a signal ends the demo, then end it as that signal
    asks (SystemExit unwinds the TUI, which restores the terminal). Returns the handlers to
    put back."""

    def ending(signum: int, _frame: object) -> None:
        shutil.rmtree(folder, ignore_errors=True)  # first: whatever the unwinding does next
        raise SystemExit(128 + signum)

    previous: dict[int, Any] = {}
    for name in _ENDING_SIGNALS:
        number = getattr(signal, name, None)
        if number is not None:
            previous[number] = signal.signal(number, ending)
    return previous


def run_demo() -> int:
    forget_callers_passwords()
    folder = Path(tempfile.mkdtemp(prefix="hvctui-demo-"))
    previous = _remove_on_signals(folder)
    try:
        with SimServer(loopback_pscs=True) as sim, \
                SimFleet(demo_fleet_worlds(sim.world)) as fleet:
            prepare_demo(folder, sim.info.server, sim.info.sha256, sim.world, fleet)
            from hvctui.tui.launch import run_tui

            reset = DemoReset([sim.world, *(vc.world for vc in fleet.vcenters)])
            return run_tui(profile="corp", config=folder / "config.toml", demo=True,
                           demo_reset=reset, demo_banner=demo_banner(str(folder)))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        for number, handler in previous.items():
            signal.signal(number, handler)
