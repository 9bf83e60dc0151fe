"""The wire to vCenter's `/api/hvc`: the CreateSpec and its answers, the error tree, TLS trust,
certificates, the flows both faces run, and how answers are rendered.

Import public names from here. Each is loaded from its module on first use, so importing
`hvctui.vapi` costs nothing: the TUI's first frame needs neither httpx nor pydantic
(tests/test_layers.py).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

#: Where each public name lives (the module under hvctui.vapi).
_HOME = {
    **dict.fromkeys(("BadOffer", "Cancelled", "ErrorType", "ExitCode", "HvcError", "InputError",
                     "NetworkError", "NotVapiAnswer", "OfferDiffersFromGiven", "ServerError",
                     "TlsError"), "errors"),
    **dict.fromkeys(("CertificateInfo", "CreateSpec", "LinkInfo", "LinkSummary",
                     "LocalizableMessage", "LocalizationParam", "SpecInvalid"), "models"),
    **dict.fromkeys(("Connection", "Secret", "Timeouts", "TlsPolicy"), "connection"),
    **dict.fromkeys(("CertificateDetails", "certificate_details", "details_from_pem",
                     "normalize_thumbprint", "pem_certificate", "pem_to_der",
                     "sha256_thumbprint"), "certs"),
    **dict.fromkeys(("PORT_FIELD", "check_group", "check_host", "split_server"), "checks"),
    **dict.fromkeys(("dumps", "hanging_indent", "one_line", "printable", "terminal_width",
                     "word_breaks", "wrap_lines"), "text"),
    **dict.fromkeys(("LinkHealth", "Report", "Row", "error_json", "error_report", "link_health",
                     "link_report", "links_report"), "render"),
    **dict.fromkeys(("LinkOutcome", "PscChecker", "TrustDecider"), "flow"),
    **dict.fromkeys(("PscCheck", "Verdict", "check_psc"), "psccheck"),
    **dict.fromkeys(("probe_certificate",), "tls"),
    **dict.fromkeys(("EventHook", "VcenterClient", "link_segment"), "client"),
}

__all__ = sorted(_HOME)


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'hvctui.vapi' has no attribute {name!r}")
    value = getattr(import_module(f"hvctui.vapi.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


if TYPE_CHECKING:
    from hvctui.vapi.certs import (
        CertificateDetails,
        certificate_details,
        details_from_pem,
        normalize_thumbprint,
        pem_certificate,
        pem_to_der,
        sha256_thumbprint,
    )
    from hvctui.vapi.checks import PORT_FIELD, check_group, check_host, split_server
    from hvctui.vapi.client import EventHook, VcenterClient, link_segment
    from hvctui.vapi.connection import Connection, Secret, Timeouts, TlsPolicy
    from hvctui.vapi.errors import (
        BadOffer,
        Cancelled,
        ErrorType,
        ExitCode,
        HvcError,
        InputError,
        NetworkError,
        NotVapiAnswer,
        OfferDiffersFromGiven,
        ServerError,
        TlsError,
    )
    from hvctui.vapi.flow import LinkOutcome, PscChecker, TrustDecider
    from hvctui.vapi.models import (
        CertificateInfo,
        CreateSpec,
        LinkInfo,
        LinkSummary,
        LocalizableMessage,
        LocalizationParam,
        SpecInvalid,
    )
    from hvctui.vapi.psccheck import PscCheck, Verdict, check_psc
    from hvctui.vapi.render import (
        LinkHealth,
        Report,
        Row,
        error_json,
        error_report,
        link_health,
        link_report,
        links_report,
    )
    from hvctui.vapi.text import (
        dumps,
        hanging_indent,
        one_line,
        printable,
        terminal_width,
        word_breaks,
        wrap_lines,
    )
    from hvctui.vapi.tls import probe_certificate
