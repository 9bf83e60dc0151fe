"""Many simulated vCenters at once, as a fleet of profiles meets them: each with its own World
(links, users, faults, latency), port and certificate, all served by one `SimRunner`.
"""

from __future__ import annotations

import socket
import uuid
from datetime import datetime, timezone

from hvctui.sim.server import SimRunner, SimVcenter
from hvctui.sim.world import Link, World

__all__ = ["SimFleet", "SimVcenter", "add_link", "unused_address"]


class SimFleet(SimRunner):
    """`count` simulated vCenters (or the given worlds) on one background thread."""

    def __init__(self, worlds: list[World] | int, *, host: str = "127.0.0.1") -> None:
        super().__init__([World() for _ in range(worlds)] if isinstance(worlds, int) else worlds,
                         host=host)


def unused_address(host: str = "127.0.0.1") -> str:
    """A loopback address nothing listens on (bound, then closed): "cannot reach"."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return f"{host}:{sock.getsockname()[1]}"


def add_link(world: World, psc_host: str = "psc.corp.local") -> str:
    """Give `world` a link to one of its PSCs already, as if made earlier (a fleet's history)."""
    psc = world.pscs[psc_host]
    link_id = str(uuid.uuid4())
    world.links[link_id] = Link(link_id, psc.domain, psc.host,
                                datetime.fromtimestamp(world.clock(), timezone.utc))
    return link_id
