"""The simulator's world: users, foreign PSCs, the link, administrator groups, faults.

Pure state and rules (no HTTP): each operation returns (status, body) or raises SimError.
"""

from __future__ import annotations

import random
import secrets
import time
import uuid
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timezone
from typing import Any

from hvctui.sim.catalog import message
from hvctui.vapi.certs import pem_to_der, sha256_thumbprint

DEMO_PASSWORD = "VMware1!"  # noqa: S105 - the simulator's documented practice password


class SimError(Exception):
    """A vAPI error answer: status, error_type, messages, data."""

    def __init__(
        self, status: int, error_type: str, messages: list[dict[str, Any]],
        data: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(error_type)
        self.status = status
        self.body: dict[str, Any] = {"error_type": error_type, "messages": messages}
        if data is not None:
            self.body["data"] = data


@dataclass
class CloudUser:
    password: str
    can_manage: bool


@dataclass
class Psc:
    host: str
    domain: str
    port: int = 443
    version: str = "8.0.2"
    build: int = 22617221
    supported: bool = True
    admin_user: str = "administrator"
    password: str = DEMO_PASSWORD
    groups: tuple[str, ...] = ()
    thumbprint: str = ""
    #: The certificate vCenter sees at this PSC (when real): sent with UNVERIFIED_PEER only
    #: when the world acts as 9.0 (`send_psc_certificate`).
    certificate_pem: str = ""


@dataclass
class Link:
    id: str
    domain: str
    psc_host: str
    created: datetime


@dataclass
class Session:
    user: str
    created: float
    last_accessed: float


class FaultValueError(ValueError):
    """A `/sim/faults` change refused: which fault, and why."""

    def __init__(self, fault: str, reason: str) -> None:
        super().__init__(f"fault {fault}: {reason}")
        self.fault = fault
        self.reason = reason


#: The largest value each whole-number fault takes: a bound keeps every answer finite.
FAULT_LIMITS: dict[str, int] = {"latency_ms": 3_600_000, "trickle_ms": 60_000}


@dataclass
class Faults:
    """Switches for practice and tests; set at start (`World().faults.update({...})`) or
    through `/sim/faults` while running. All off by default, and then the world answers
    exactly as the README says. (The tests' simulator adds hostile-input ones: tests/hostile.py.)

    - `latency_ms`: every `/api` call waits this long first (at most an hour).
    - `drop`: every `/api` call promises a body, sends part of it and hangs up.
    - `html_502`: every `/api` call gets a proxy's HTML 502 page.
    - `malformed_json`: every `/api` call gets a 500 whose JSON body is cut off.
    - `trickle`: every answer is sent one byte per `trickle_ms` milliseconds.
    - `unavailable`: every `/api` call gets 503 SERVICE_UNAVAILABLE.
    - `expire_sessions`: one-shot: the next call with a session finds it expired.
    - `unhealthy`: a link's get answers UNHEALTHY with a health message carrying params.
    """

    latency_ms: int = 0
    drop: bool = False
    html_502: bool = False
    malformed_json: bool = False
    trickle: bool = False
    trickle_ms: int = 400
    unavailable: bool = False
    expire_sessions: bool = False
    unhealthy: bool = False

    def update(self, changes: Any) -> None:
        """Apply `changes` (fault name to value) all at once, or none of them: a wrong name,
        type or size raises FaultValueError and leaves every fault as it was."""
        if not isinstance(changes, dict):
            raise FaultValueError("(body)", "send a JSON object of fault names to values")
        known = [f.name for f in fields(self)]
        merged = self.as_dict()
        for name, value in changes.items():
            if name not in known:
                raise FaultValueError(str(name), f"unknown fault; known: {', '.join(known)}")
            merged[name] = _checked_fault(name, getattr(self, name), value)
        for name, value in merged.items():
            setattr(self, name, value)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _checked_fault(name: str, current: Any, value: Any) -> Any:
    if isinstance(current, bool):
        if not isinstance(value, bool):
            raise FaultValueError(name, "takes true or false")
        return value
    limit = FAULT_LIMITS[name]
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= limit:
        raise FaultValueError(name, f"takes a whole number from 0 to {limit}")
    return value


def _dt(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _fake_thumbprint(rng: random.Random, seed_text: str) -> str:
    return sha256_thumbprint(seed_text.encode() + rng.randbytes(16))


@dataclass
class Stats:
    requests: int = 0
    logins: int = 0
    create_calls: int = 0  # every POST /api/hvc/links that reached the rules
    creates: int = 0  # links actually created
    trickles_cut: int = 0  # trickled answers the client hung up on before their end
    trickles_completed: int = 0


class World:
    """The default world the README describes. `seed` makes ids and thumbprints repeatable."""

    def __init__(self, *, seed: int | None = None, session_idle: float = 1800.0,
                 clock: Any = time.time, send_psc_certificate: bool = False) -> None:
        self._rng = random.Random(seed)
        self.send_psc_certificate = send_psc_certificate
        self.clock = clock
        self.session_idle = session_idle
        self.users = {
            "cloudadmin@vmc.local": CloudUser(DEMO_PASSWORD, can_manage=True),
            "auditor@vmc.local": CloudUser(DEMO_PASSWORD, can_manage=False),
        }
        self.pscs = {
            "psc.corp.local": Psc(
                "psc.corp.local", "corp.local",
                groups=("vmc-admins@corp.local", "ops@corp.local"),
            ),
            "psc-legacy.corp.local": Psc(
                "psc-legacy.corp.local", "legacy.local", version="6.5.0", build=5973321,
                supported=False, groups=("vmc-admins@legacy.local",),
            ),
        }
        for psc in self.pscs.values():
            if send_psc_certificate:
                # vSphere 9.0 sends the PEM with the thumbprint: make a real certificate.
                from hvctui.sim.certs import make_certificate

                pair = make_certificate(psc.host, (psc.host,))
                psc.certificate_pem = pair.cert_pem.decode()
                psc.thumbprint = sha256_thumbprint(pair.der)
            else:
                psc.thumbprint = _fake_thumbprint(self._rng, psc.host)
        self.links: dict[str, Link] = {}
        self.administrators: list[str] = ["cloud-admins@vmc.local"]
        self.sessions: dict[str, Session] = {}
        self.faults = Faults()
        self.stats = Stats()

    # --- sessions --------------------------------------------------------------------------

    def login(self, user: str, password: str, lang: str | None) -> str:
        self.stats.logins += 1
        account = self.users.get(user.lower())
        if account is None or account.password != password:
            raise SimError(401, "UNAUTHENTICATED", [message(
                "com.vmware.vcenter.session.invalid_credentials",
                {"user": {"s": user}}, lang=lang)])
        token = secrets.token_hex(16)
        now = self.clock()
        self.sessions[token] = Session(user.lower(), now, now)
        return token

    def session_user(self, token: str | None, lang: str | None) -> str:
        if self.faults.expire_sessions and token:
            self.faults.expire_sessions = False
            self.sessions.clear()
        now = self.clock()
        session = self.sessions.get(token or "")
        if session is not None and now - session.last_accessed > self.session_idle:
            del self.sessions[token]
            session = None
        if session is None:
            raise SimError(401, "UNAUTHENTICATED", [message(
                "com.vmware.vapi.endpoint.method.authentication.required", lang=lang)])
        session.last_accessed = now
        return session.user

    def session_info(self, token: str) -> dict[str, str]:
        session = self.sessions[token]
        return {
            "created_time": _dt(datetime.fromtimestamp(session.created, timezone.utc)),
            "last_accessed_time": _dt(datetime.fromtimestamp(session.last_accessed, timezone.utc)),
            "user": session.user.upper().replace("@VMC.LOCAL", "@vmc.local"),
        }

    def logout(self, token: str) -> None:
        self.sessions.pop(token, None)

    def require_manage(self, user: str, lang: str | None) -> None:
        if not self.users[user].can_manage:
            raise SimError(403, "UNAUTHORIZED", [message(
                "com.vmware.vapi.endpoint.method.authorization.invalid",
                {"user": {"s": user}, "privilege": {"s": "HLM.Manage"}}, lang=lang)])

    # --- links -----------------------------------------------------------------------------

    def create_link(self, user: str, spec: Any, lang: str | None) -> str:
        self.stats.create_calls += 1
        self.require_manage(user, lang)
        _check_create_spec(spec, lang)
        host = spec["psc_hostname"].strip().lower()
        port_text = str(spec.get("port") or "443")
        psc = self._psc_at(host, _port_number(port_text))
        if psc is None:
            raise self._unreachable(spec["psc_hostname"], port_text, lang)
        if _port_number(port_text) != psc.port:
            raise SimError(400, "INVALID_ARGUMENT", [message(
                "com.vmware.vcenter.hvc.links.invalid_port",
                {"port": {"s": port_text}, "host": {"s": psc.host}, "expected": {"i": psc.port}},
                lang=lang)])
        if not psc.supported:
            raise SimError(400, "UNSUPPORTED", [message(
                "com.vmware.vcenter.hvc.links.unsupported_version",
                {"host": {"s": psc.host}, "version": {"s": psc.version},
                 "build": {"i": psc.build}, "minimum": {"s": "6.7.0 U2"}},
                lang=lang)])
        offered = (spec.get("ssl_thumbprint") or "").replace(":", "").upper()
        genuine = psc.thumbprint.replace(":", "")
        if self.send_psc_certificate and spec.get("ssl_certificate"):
            # 9.0: the PEM, when sent, is what is trusted (the thumbprint is deprecated).
            if not _same_certificate(spec["ssl_certificate"], psc.certificate_pem):
                raise invalid_field("ssl_certificate", f"is not the certificate of {psc.host}",
                                    lang)
        elif offered != genuine:
            raise SimError(400, "UNVERIFIED_PEER", [message(
                "com.vmware.vcenter.hvc.links.unverified_peer", {"host": {"s": psc.host}},
                lang=lang)], data=self._certificate_info(psc))
        if spec["domain_name"].strip().lower() != psc.domain:
            raise SimError(400, "INVALID_ARGUMENT", [message(
                "com.vmware.vcenter.hvc.links.unknown_domain",
                {"domain": {"s": spec["domain_name"]}, "host": {"s": psc.host},
                 "actual": {"s": psc.domain}}, lang=lang)])
        self._check_psc_credentials(psc, spec["username"], spec["password"], lang)
        groups = spec.get("admin_groups") or []
        for group in groups:
            if group.lower() not in {g.lower() for g in psc.groups}:
                raise SimError(400, "INVALID_ARGUMENT", [message(
                    "com.vmware.vcenter.hvc.links.unknown_group",
                    {"group": {"s": str(group)}, "domain": {"s": psc.domain}}, lang=lang)])
        # Only one on-premises domain can be linked; checked once the spec itself is valid.
        if self.links:
            existing = next(iter(self.links.values()))
            raise SimError(400, "ALREADY_EXISTS", [message(
                "com.vmware.vcenter.hvc.links.already_linked",
                {"domain": {"s": existing.domain}, "link": {"s": existing.id},
                 "created": {"dt": _dt(existing.created), "format": "MED_DATE_TIME"}},
                lang=lang)])
        link_id = str(uuid.UUID(int=self._rng.getrandbits(128), version=4))
        self.links[link_id] = Link(link_id, psc.domain, self._key_of(psc),
                                   datetime.fromtimestamp(self.clock(), timezone.utc))
        for group in groups:
            if group not in self.administrators:
                self.administrators.append(group)
        self.stats.creates += 1
        return link_id

    def _certificate_info(self, psc: Psc) -> dict[str, str]:
        info = {"ssl_thumbprint": psc.thumbprint}
        if self.send_psc_certificate and psc.certificate_pem:
            info["ssl_certificate"] = psc.certificate_pem
        return info

    def _psc_at(self, host: str, port: int | None) -> Psc | None:
        """The PSC a spec names: by host, and by port where one host has several (loopback)."""
        found = [p for p in self.pscs.values() if p.host.lower() == host]
        return next((p for p in found if p.port == port), found[0] if found else None)

    def _key_of(self, psc: Psc) -> str:
        return next(k for k, p in self.pscs.items() if p is psc)

    def _check_psc_credentials(self, psc: Psc, user: str, password: str,
                               lang: str | None) -> None:
        name = user.strip().lower()
        valid_names = {f"{psc.admin_user}@{psc.domain}", psc.admin_user}
        if name not in valid_names or password != psc.password:
            raise SimError(400, "INVALID_ARGUMENT", [message(
                "com.vmware.vcenter.hvc.links.invalid_psc_credentials",
                {"host": {"s": psc.host}, "user": {"s": user}}, lang=lang)])

    def _unreachable(self, host: str, port: str, lang: str | None) -> SimError:
        now = datetime.fromtimestamp(self.clock(), timezone.utc)
        top = message(
            "com.vmware.vcenter.hvc.links.psc_unreachable",
            {"host": {"s": host}, "port": {"i": _port_number(port) or 443},
             "attempts": {"i": 3}, "elapsed": {"d": 30.25, "precision": 1},
             "at": {"dt": _dt(now), "format": "LONG_DATE_TIME"}},
            args=[host], lang=lang)
        cause = message(
            "com.vmware.vcenter.hvc.dns.unresolved",
            {"host": {"s": host}, "dns_server": {"s": "10.0.0.2"},
             "answer": {"l": {"id": "com.vmware.vcenter.hvc.dns.rcode",
                              "params": {"rcode": {"s": "NXDOMAIN"}, "code": {"i": 3}}}},
             "checked_at": {"dt": _dt(now), "format": "MED_TIME"}},
            lang=lang)
        return SimError(500, "ERROR", [top, cause])

    def list_links(self) -> list[dict[str, str]]:
        return [{"display_name": link.domain, "link": link.id} for link in self.links.values()]

    def _link(self, link_id: str, lang: str | None) -> Link:
        link = self.links.get(link_id)
        if link is None:
            raise SimError(404, "NOT_FOUND", [message(
                "com.vmware.vcenter.hvc.links.not_found", {"link": {"s": link_id}}, lang=lang)])
        return link

    def get_link(self, link_id: str, lang: str | None) -> dict[str, Any]:
        link = self._link(link_id, lang)
        if not self.faults.unhealthy:
            return {"connection_health_status": "HEALTHY"}
        return {
            "connection_health_status": "UNHEALTHY",
            "health_status_message": message(
                "com.vmware.vcenter.hvc.links.unhealthy",
                {"domain": {"s": link.domain},
                 "last_sync": {"dt": _dt(link.created), "format": "SHORT_DATE_TIME"},
                 "failures": {"i": 12}, "lag": {"d": 2.5, "precision": 1}},
                lang=lang),
        }

    def delete_link(self, user: str, link_id: str, lang: str | None,
                    credentials: Any = None) -> None:
        self.require_manage(user, lang)
        link = self._link(link_id, lang)
        if credentials is not None:
            if not isinstance(credentials, dict):
                raise invalid_field("credentials", "must be an object", lang)
            for name in ("user_name", "password"):
                _check_string(credentials, name, lang, field=f"credentials.{name}")
            psc = self.pscs[link.psc_host]
            self._check_psc_credentials(
                psc, credentials["user_name"], credentials["password"], lang)
        del self.links[link.id]

    # --- administrators --------------------------------------------------------------------

    def set_administrators(self, user: str, groups: Any, lang: str | None) -> None:
        self.require_manage(user, lang)
        if groups is None:
            raise missing_field("group_names", lang)
        if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
            raise invalid_field("group_names", "must be a list of strings", lang)
        self.administrators = list(dict.fromkeys(groups))

    def add_administrator(self, user: str, group: Any, lang: str | None) -> None:
        self.require_manage(user, lang)
        if group is None:
            raise missing_field("group_name", lang)
        if not isinstance(group, str) or "@" not in group:
            raise invalid_field("group_name", "must be a group written group@domain", lang)
        if group not in self.administrators:
            self.administrators.append(group)

    def remove_administrator(self, user: str, group: Any, lang: str | None) -> None:
        self.require_manage(user, lang)
        if group is None:
            raise missing_field("group_name", lang)
        if not isinstance(group, str):
            raise invalid_field("group_name", "must be a string", lang)
        if group not in self.administrators:
            # VMware's spec declares 204, 403 and 500 for remove: the vAPI runtime turns an
            # undeclared error into a 500 ERROR, as this one is answered.
            raise SimError(500, "ERROR", [message(
                "com.vmware.vcenter.hvc.management.group_not_found",
                {"group": {"s": group}}, lang=lang)])
        self.administrators.remove(group)


def _same_certificate(sent: str, genuine: str) -> bool:
    """Whether two PEM texts hold the same certificate (a bad PEM holds none)."""
    if not genuine:
        return False
    try:
        return pem_to_der(sent) == pem_to_der(genuine)
    except ValueError:
        return False


def _port_number(text: str) -> int | None:
    """A port written in ASCII digits (at most five), else None: int() would take "²" and
    fail on thousands of digits."""
    if text.isascii() and text.isdigit() and len(text) <= 5:
        return int(text)
    return None


_CREATE_REQUIRED = ("psc_hostname", "domain_name", "username", "password")
_CREATE_OPTIONAL_STRINGS = ("port", "ssl_thumbprint", "ssl_certificate")


def _check_create_spec(spec: Any, lang: str | None) -> None:
    """The CreateSpec's shape, as vAPI's bindings check it before the rules run."""
    if not isinstance(spec, dict):
        raise invalid_body("the body must be a JSON object (the CreateSpec)", lang)
    for name in _CREATE_REQUIRED:
        _check_string(spec, name, lang)
    for name in _CREATE_OPTIONAL_STRINGS:
        if spec.get(name) is not None and not isinstance(spec[name], str):
            raise invalid_field(name, "must be a string", lang)
    groups = spec.get("admin_groups")
    if groups is not None and (
            not isinstance(groups, list) or not all(isinstance(g, str) for g in groups)):
        raise invalid_field("admin_groups", "must be a list of group@domain names", lang)


def _check_string(body: dict[str, Any], name: str, lang: str | None,
                  field: str | None = None) -> None:
    """A required string field: present, a string, not empty."""
    value = body.get(name)
    if isinstance(value, str) and value:
        return
    if value is None or value == "":
        raise missing_field(field or name, lang)
    raise invalid_field(field or name, "must be a string", lang)


def missing_field(field: str, lang: str | None) -> SimError:
    return SimError(400, "INVALID_ARGUMENT", [message(
        "com.vmware.vapi.std.errors.missing_field", {"field": {"s": field}}, lang=lang)])


def invalid_field(field: str, reason: str, lang: str | None) -> SimError:
    return SimError(400, "INVALID_ARGUMENT", [message(
        "com.vmware.vapi.std.errors.invalid_field",
        {"field": {"s": field}, "reason": {"s": reason}}, lang=lang)])


def invalid_body(reason: str, lang: str | None) -> SimError:
    return SimError(400, "INVALID_ARGUMENT", [message(
        "com.vmware.vapi.std.errors.invalid_body", {"reason": {"s": reason}}, lang=lang)])


def not_found_operation(url: str, lang: str | None) -> SimError:
    return SimError(404, "NOT_FOUND", [message(
        "com.vmware.vapi.rest.operationsForUrlNotFound", {"url": {"s": url}}, args=[url],
        lang=lang)])


def unavailable(lang: str | None) -> SimError:
    return SimError(503, "SERVICE_UNAVAILABLE", [message(
        "com.vmware.vapi.std.errors.service_unavailable", {"retry_after": {"i": 60}},
        lang=lang)])

