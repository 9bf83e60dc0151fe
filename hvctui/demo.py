"""`hvctui demo`: the simulator in the background, a throwaway config, the TUI on top.

The demo's passwords come from environment variables set in this process only; nothing is
written but the throwaway config (no password in it), and no file of the user's is touched.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from pathlib import Path
from typing import Any

from hvctui.profiles.store import Config, ConfigStore, Profile
from hvctui.sim.world import DEMO_PASSWORD, World

DEMO_PASSWORD_ENV = "HVCTUI_DEMO_PASSWORD"
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


def demo_config(server: str, sim_sha256: str, world: World) -> Config:
    """The demo's profiles against a simulator at `server` whose certificate is `sim_sha256`."""
    from hvctui.sim.psc import INTERCEPTED, VERIFIED

    thumb = world.pscs["psc.corp.local"].thumbprint
    base = Profile(
        server=server, user="cloudadmin@vmc.local", password_source=f"env:{DEMO_PASSWORD_ENV}",
        tls="pinned", pin_sha256=sim_sha256, psc_hostname="psc.corp.local", psc_port="443",
        domain_name="corp.local", psc_user="administrator@corp.local",
        psc_password_source=f"env:{DEMO_PASSWORD_ENV}", admin_groups=["vmc-admins@corp.local"],
    )

    def variant(**changes: object) -> Profile:
        return base.replace(**changes)

    profiles = {
        "corp": base,
        # The PSCs of sim/psc.py (SimServer(loopback_pscs=True)) listen on loopback.
        "verified-psc": variant(psc_hostname=world.pscs[VERIFIED].host,
                                psc_port=str(world.pscs[VERIFIED].port)),
        "intercepted-psc": variant(psc_hostname=world.pscs[INTERCEPTED].host,
                                   psc_port=str(world.pscs[INTERCEPTED].port)),
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
    return Config(default_profile="corp", profiles=profiles)


def prepare_demo(folder: Path, server: str, sim_sha256: str, world: World) -> ConfigStore:
    """Write the demo config into `folder` and point this process at it."""
    os.environ["HVCTUI_CONFIG_DIR"] = str(folder)
    os.environ[DEMO_PASSWORD_ENV] = DEMO_PASSWORD
    os.environ[DEMO_WRONG_PASSWORD_ENV] = "not-the-password"
    store = ConfigStore(folder / "config.toml")
    config = demo_config(server, sim_sha256, world)
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
    from hvctui.sim.server import SimServer

    folder = Path(tempfile.mkdtemp(prefix="hvctui-demo-"))
    previous = _remove_on_signals(folder)
    try:
        with SimServer(loopback_pscs=True) as sim:
            prepare_demo(folder, sim.info.server, sim.info.sha256, sim.world)
            from hvctui.tui.launch import run_tui

            return run_tui(profile="corp", config=folder / "config.toml", demo=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        for number, handler in previous.items():
            signal.signal(number, handler)
