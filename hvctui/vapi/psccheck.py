"""The independent check: does the PSC present to THIS machine the certificate vCenter offers?

When the cloud vCenter answers UNVERIFIED_PEER it offers the certificate it sees at the
on-premises PSC. hvctui usually runs on a jump host that can reach the PSC itself, so it opens
a TLS connection to the PSC host and port of the spec, reads the leaf certificate by the
handshake alone (no credential, no HTTP, nothing trusted by it) and compares the two.

Three verdicts: SAME, DIFFERENT (both thumbprints and subjects), or UNCHECKED (and why).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, replace
from enum import Enum
from typing import TYPE_CHECKING

from hvctui.vapi.certs import (
    certificate_details,
    details_from_pem,
    normalize_thumbprint,
    pem_to_der,
    sha256_thumbprint,
)
from hvctui.vapi.text import one_line
from hvctui.vapi.tls import Unread, read_certificate

if TYPE_CHECKING:
    from hvctui.vapi.models import CertificateInfo

#: Seconds for each step (resolve, connect, handshake): the check must never hold a person up.
CHECK_TIMEOUT = 4.0


class Verdict(Enum):
    SAME = "same"
    DIFFERENT = "different"
    UNCHECKED = "unchecked"


@dataclass(frozen=True)
class PscCheck:
    """What the check found. `seen_*` is what the PSC presented to this machine."""

    verdict: Verdict
    host: str
    port: int
    offered_sha256: str = ""
    offered_subject: str = ""  # "" when the offer carried no PEM (vSphere before 9.0)
    seen_sha256: str = ""
    seen_subject: str = ""
    why: str = ""  # UNCHECKED: why it could not be checked

    @property
    def where(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{one_line(host, 80)}:{self.port}"

    def _headline(self, given: bool) -> str:
        if self.verdict is Verdict.SAME:
            return (f"Checked from this machine: the PSC ({self.where}) presents this same "
                    "certificate to this machine.")
        if self.verdict is Verdict.DIFFERENT:
            if given:
                return (f"The PSC ({self.where}) presents a DIFFERENT certificate to this "
                        "machine than the one given. Something between here and the PSC may "
                        "be intercepting (or a load balancer answers for it), or the given one "
                        "is not the PSC's. Do not link with it unless you know why they differ.")
            return (f"The PSC ({self.where}) presents a DIFFERENT certificate to this "
                    "machine than the one vCenter offers. Something between the cloud and the "
                    "PSC may be intercepting (or a load balancer answers for it). Do not trust "
                    "the offer unless you know why they differ.")
        if not self.offered_sha256 and self.seen_sha256:
            return f"The PSC ({self.where}) presents this certificate to this machine."
        return (f"Could not check the PSC's certificate from this machine: "
                f"{one_line(self.why, 200)}. Compare the thumbprint with the PSC's own "
                "certificate by other means.")

    def lines(self, given: bool = False) -> list[str]:
        """The headline, then the thumbprints and subjects that back it (printable text).

        `given`: the certificate compared with is one the user gave (`hvctui check-psc`), not
        one vCenter offered; it is labelled "given:"."""
        out = [self._headline(given)]
        if self.verdict is Verdict.DIFFERENT:
            label = "given:" if given else "offered by vCenter:"
            out.append(f"  {label:<20} SHA-256 {self.offered_sha256}")
            out.append(f"                       subject {self._subject(self.offered_subject)}")
            out.append(f"  seen from here:      SHA-256 {self.seen_sha256}")
            out.append(f"                       subject {self._subject(self.seen_subject)}")
        elif self.seen_sha256:
            out.append(f"  SHA-256 {self.seen_sha256}")
            out.append(f"  subject {self._subject(self.seen_subject)}")
        return out

    @staticmethod
    def _subject(subject: str) -> str:
        return one_line(subject, 200) if subject else "(not sent: the offer has no PEM)"

    def as_json(self) -> dict[str, object]:
        return {"verdict": self.verdict.value, "host": self.host, "port": self.port,
                "offered_sha256": self.offered_sha256 or None,
                "offered_subject": self.offered_subject or None,
                "seen_sha256": self.seen_sha256 or None,
                "seen_subject": self.seen_subject or None, "why": self.why or None}


async def check_psc(host: str, port: int, offered: CertificateInfo | None,
                    timeout: float = CHECK_TIMEOUT) -> PscCheck:
    """Read what host:port presents and compare it with `offered`.

    With no offer (a check before linking, nothing to compare with) the verdict is UNCHECKED
    but `seen_*` says what the PSC presents.
    """
    offered_sha = offered_subject = ""
    der = None
    if offered is not None:
        with contextlib.suppress(ValueError):  # an unreadable PEM: compared by thumbprint alone
            der = pem_to_der(offered.ssl_certificate) if offered.ssl_certificate else None
        try:
            offered_sha = normalize_thumbprint(offered.ssl_thumbprint)
        except ValueError:
            offered_sha = sha256_thumbprint(der) if der else ""
        details = details_from_pem(offered.ssl_certificate) if offered.ssl_certificate else None
        offered_subject = details.subject if details else ""
    base = PscCheck(Verdict.UNCHECKED, host, port, offered_sha, offered_subject)
    try:
        seen = await read_certificate(host, port, timeout)
    except Unread as unread:
        return replace(base, why=unread.why)
    seen_sha = sha256_thumbprint(seen)
    try:
        seen_subject = certificate_details(seen).subject
    except ValueError:
        seen_subject = "(a certificate this machine cannot parse)"
    if not offered_sha:
        return replace(base, seen_sha256=seen_sha, seen_subject=seen_subject,
                        why="there is no thumbprint to compare with")
    same = seen_sha == offered_sha and (der is None or der == seen)
    return replace(base, verdict=Verdict.SAME if same else Verdict.DIFFERENT,
                    seen_sha256=seen_sha, seen_subject=seen_subject)

