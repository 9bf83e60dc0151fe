"""The flows, written once for the CLI and the TUI: log in, act, handle the trust step, log out."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx

from hvctui.vapi.client import EventHook, VcenterClient, link_segment
from hvctui.vapi.connection import Connection, SecretLike
from hvctui.vapi.certs import normalize_thumbprint, pem_certificate, pem_to_der, sha256_thumbprint
from hvctui.vapi import psccheck
from hvctui.vapi.errors import BadOffer, ErrorType, HvcError, OfferDiffersFromGiven, ServerError
from hvctui.vapi.text import one_line

if TYPE_CHECKING:
    from hvctui.vapi.models import CertificateInfo, CreateSpec, LinkInfo
    from hvctui.vapi.psccheck import PscCheck

#: Shown the certificate an UNVERIFIED_PEER answer offers and the verdict of hvctui's own check
#: of the PSC from this machine; True resubmits with the offer (thumbprint, and PEM if sent).
TrustDecider = Callable[["CertificateInfo", "PscCheck"], Awaitable[bool]]
#: Checks an offer against the PSC itself: (host, port, offer) -> verdict.
PscChecker = Callable[[str, int, "CertificateInfo | None"], Awaitable["PscCheck"]]


@dataclass(frozen=True)
class LinkOutcome:
    link_id: str
    spec: CreateSpec
    #: The thumbprint accepted in this flow's trust step, if there was one (offer to save it).
    trusted_thumbprint: str | None = None
    #: The PEM accepted with it, when the server sent one (vSphere 9.0).
    trusted_certificate: str | None = None


@dataclass(frozen=True)
class LinkRow:
    link: str
    display_name: str
    info: LinkInfo | None  # None where the server has no links-get (before 8.0.1)


@asynccontextmanager
async def logged_in(
    connection: Connection,
    on_event: EventHook | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> AsyncIterator[VcenterClient]:
    """A client with a session; the session is ended on the way out, whatever happened."""
    client = VcenterClient(
        connection.server,
        connection.tls,
        accept_language=connection.accept_language,
        timeouts=connection.timeouts,
        on_event=on_event,
        transport=transport,
    )
    try:
        await client.login(connection.user, connection.password)
        try:
            yield client
        finally:
            try:
                await client.logout()
            except HvcError:
                pass  # the session expires on its own; the outcome of the call stands
    finally:
        await client.aclose()


async def link(
    connection: Connection,
    spec: CreateSpec,
    decide_trust: TrustDecider,
    *,
    on_event: EventHook | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    check_psc: PscChecker | None = None,
) -> LinkOutcome:
    """Create the link. On UNVERIFIED_PEER check the offer against the PSC from this machine,
    ask `decide_trust` (shown both); resubmit once if it agrees.

    An offer with a PEM (vSphere 9.0) is answered with the PEM and its thumbprint, so that a
    server of either version understands the resubmission.
    """
    async with logged_in(connection, on_event, transport) as client:
        try:
            return LinkOutcome(await client.create_link(spec), spec)
        except ServerError as error:
            offered = error.offered_certificate
            if offered is None:
                if error.error_type is ErrorType.UNVERIFIED_PEER:
                    # Nothing to trust, so no trust step: never advise one that cannot work.
                    raise BadOffer(error, "the server offered no readable SHA-256 thumbprint "
                                   "(and PEM certificate) of the PSC") from None
                raise
            problem = offer_problem(offered)
            if problem:
                raise BadOffer(error, problem) from None
            given = normalize_thumbprint(spec.ssl_thumbprint) if spec.ssl_thumbprint else ""
            if given and given != normalize_thumbprint(offered.ssl_thumbprint):
                # A thumbprint the person gave (profile or flag) wins over any offer, on every
                # face: nothing is resubmitted, and both are named.
                raise OfferDiffersFromGiven(
                    error, given, normalize_thumbprint(offered.ssl_thumbprint)) from None
            port = int(spec.port or 443)
            if on_event is not None:
                on_event("tls", f"checking the certificate {one_line(spec.psc_hostname, 80)}:"
                         f"{port} presents to this machine (handshake only)")
            if check_psc is None:
                check_psc = psccheck.check_psc
            verdict = await check_psc(spec.psc_hostname, port, offered)
            error.psc_check = verdict  # the report of a refusal says what the check found
            if on_event is not None:
                on_event("tls", f"PSC check: {verdict.verdict.value}")
            if not await decide_trust(offered, verdict):
                raise
        thumbprint = normalize_thumbprint(offered.ssl_thumbprint)
        # Sent and stored as re-encoded from its DER: one certificate, nothing else.
        pem = pem_certificate(offered.ssl_certificate) if offered.ssl_certificate else None
        trusted = spec.with_thumbprint(thumbprint, pem)
        if on_event is not None:
            with_pem = " and the offered certificate" if pem else ""
            on_event("send", f"resubmitting with thumbprint {thumbprint[:23]}…{with_pem}")
        link_id = await client.create_link(trusted)
        return LinkOutcome(link_id, trusted, thumbprint, pem)


def offer_problem(offered: CertificateInfo) -> str:
    """Why an UNVERIFIED_PEER offer cannot be trusted as it stands, or "" if it can be shown.

    The thumbprint must be a SHA-256 thumbprint; a PEM, when sent, must hash to it.
    """
    try:
        thumbprint = normalize_thumbprint(offered.ssl_thumbprint)
    except ValueError:
        # Quoted by hand: repr() would double the backslashes one_line shows controls with.
        return (f"the server offered '{one_line(offered.ssl_thumbprint, 80)}' as the PSC's "
                "thumbprint, which is not a SHA-256 thumbprint")
    if offered.ssl_certificate:
        try:
            pem = pem_certificate(offered.ssl_certificate)
        except ValueError as why:
            return f"the PSC certificate the server offered {why}"
        actual = sha256_thumbprint(pem_to_der(pem))
        if actual != thumbprint:
            return (f"the offered certificate's SHA-256 is {actual}, not the offered thumbprint "
                    f"{thumbprint}: the offer contradicts itself")
    return ""


async def list_links(
    connection: Connection,
    *,
    on_event: EventHook | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> list[LinkRow]:
    async with logged_in(connection, on_event, transport) as client:
        rows = []
        for summary in await client.list_links():
            info = None
            try:
                info = await client.get_link(summary.link)
            except ServerError as error:
                if error.http_status != 404:
                    raise
            rows.append(LinkRow(summary.link, summary.display_name, info))
        return rows


async def unlink(
    connection: Connection,
    link_id: str,
    *,
    confirm: Callable[[str], Awaitable[bool]] | None = None,
    psc_credentials: tuple[str, SecretLike] | None = None,
    on_event: EventHook | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> bool:
    """Delete a link after `confirm` agrees, shown its domain; False if it did not.

    With the foreign PSC's credentials, uses delete-with-credentials (8.0.1+).
    """
    link_segment(link_id)  # "." or ".." is refused before anything is sent
    async with logged_in(connection, on_event, transport) as client:
        if confirm is not None:
            summaries = {s.link: s.display_name for s in await client.list_links()}
            if link_id not in summaries:
                await client.get_link(link_id)  # the server's own NOT_FOUND, as it words it
            if not await confirm(summaries.get(link_id, link_id)):
                return False
        if psc_credentials is None:
            await client.delete_link(link_id)
        else:
            await client.delete_link_with_credentials(link_id, *psc_credentials)
        return True


async def administrators(
    connection: Connection,
    *,
    add: str | None = None,
    remove: str | None = None,
    on_event: EventHook | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> list[str]:
    """The HLM administrator groups, after adding or removing one if asked."""
    async with logged_in(connection, on_event, transport) as client:
        if add:
            await client.add_administrator(add)
        if remove:
            await client.remove_administrator(remove)
        return await client.get_administrators()
