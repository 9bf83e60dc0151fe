"""The error model: every way a call can fail, as values the UI and the CLI can render.

A server's vAPI error is kept whole (type, HTTP status, message stack, data) until it is shown.
Each class also says how every face names it (exit code, `--json` error_type, history status,
fleet problem): one table, read by the CLI, the JSON report, the history and the fleet alike.
Nothing here ever holds a password.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hvctui._compat import StrEnum

if TYPE_CHECKING:
    from hvctui.vapi.models import CertificateInfo, LocalizableMessage
    from hvctui.vapi.psccheck import PscCheck


class ErrorType(StrEnum):
    """The 25 standard vAPI error types."""

    ALREADY_EXISTS = "ALREADY_EXISTS"
    ALREADY_IN_DESIRED_STATE = "ALREADY_IN_DESIRED_STATE"
    CANCELED = "CANCELED"
    CONCURRENT_CHANGE = "CONCURRENT_CHANGE"
    ERROR = "ERROR"
    FEATURE_IN_USE = "FEATURE_IN_USE"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
    INVALID_ARGUMENT = "INVALID_ARGUMENT"
    INVALID_ELEMENT_CONFIGURATION = "INVALID_ELEMENT_CONFIGURATION"
    INVALID_ELEMENT_TYPE = "INVALID_ELEMENT_TYPE"
    INVALID_REQUEST = "INVALID_REQUEST"
    NOT_ALLOWED_IN_CURRENT_STATE = "NOT_ALLOWED_IN_CURRENT_STATE"
    NOT_FOUND = "NOT_FOUND"
    OPERATION_NOT_FOUND = "OPERATION_NOT_FOUND"
    RESOURCE_BUSY = "RESOURCE_BUSY"
    RESOURCE_IN_USE = "RESOURCE_IN_USE"
    RESOURCE_INACCESSIBLE = "RESOURCE_INACCESSIBLE"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    TIMED_OUT = "TIMED_OUT"
    UNABLE_TO_ALLOCATE_RESOURCE = "UNABLE_TO_ALLOCATE_RESOURCE"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    UNAUTHORIZED = "UNAUTHORIZED"
    UNEXPECTED_INPUT = "UNEXPECTED_INPUT"
    UNSUPPORTED = "UNSUPPORTED"
    UNVERIFIED_PEER = "UNVERIFIED_PEER"


# How VMware's runtimes classify a body that carries no error_type.
_TYPE_OF_STATUS: dict[int, ErrorType] = {
    400: ErrorType.INVALID_REQUEST,
    401: ErrorType.UNAUTHENTICATED,
    403: ErrorType.UNAUTHORIZED,
    404: ErrorType.NOT_FOUND,
    409: ErrorType.CONCURRENT_CHANGE,
    429: ErrorType.SERVICE_UNAVAILABLE,
    500: ErrorType.INTERNAL_SERVER_ERROR,
    503: ErrorType.SERVICE_UNAVAILABLE,
    504: ErrorType.TIMED_OUT,
}


def error_type_for_status(status: int) -> ErrorType:
    """The error type a body without `error_type` stands for, by its HTTP status."""
    return _TYPE_OF_STATUS.get(status, ErrorType.ERROR)


class ExitCode:
    """The CLI's documented exit codes (README)."""

    OK = 0
    SERVER_ERROR = 1
    BAD_INPUT = 2
    UNVERIFIED_PEER = 3
    ALREADY_EXISTS = 4
    NOT_AUTHENTICATED = 5
    NETWORK = 6
    INTERRUPTED = 130


class HvcError(Exception):
    """Base of every failure hvctui reports: a title, a message and what to do next."""

    #: The CLI's exit code for this failure.
    exit_code: int = ExitCode.SERVER_ERROR
    #: `error_type` in the `--json` failure object.
    json_error_type: str = "ERROR"
    #: The fleet's problem kind (README: the fleet).
    fleet_problem: str = "server_error"

    def __init__(self, title: str, message: str = "", hint: str = "") -> None:
        super().__init__(f"{title}: {message}" if message else title)
        self.title = title
        self.message = message
        self.hint = hint

    @property
    def history_status(self) -> str:
        """The history's status word."""
        return type(self).__name__

    @property
    def fleet_detail(self) -> str:
        """The fleet's words for the problem."""
        return f"{self.title}: {self.message}" if self.message else self.title


class InputError(HvcError):
    """Input rejected before anything was sent (bad flag, form value, missing password)."""

    exit_code = ExitCode.BAD_INPUT
    json_error_type = "INVALID_INPUT"

    def __init__(self, message: str, *, field: str = "", hint: str = "") -> None:
        super().__init__("Invalid input", message, hint)
        self.field = field


class Cancelled(HvcError):
    """The user cancelled the call."""

    json_error_type = "CANCELLED"

    def __init__(self, after_create: bool = False) -> None:
        if after_create:
            super().__init__(
                "Cancelled", "The call was cancelled after the create request was sent: the "
                "link may exist.", "List the links ({links}) before linking again: they show "
                "whether it was made.")
        else:
            super().__init__("Cancelled", "The call was cancelled before anything was created.")
        self.after_create = after_create


class NetworkError(HvcError):
    """The server could not be reached, or the connection failed mid-answer."""

    exit_code = ExitCode.NETWORK
    json_error_type = "NETWORK"
    fleet_problem = "cannot_reach"

    @property
    def fleet_detail(self) -> str:
        return self.message or self.title


class TlsError(NetworkError):
    """The server's certificate was not accepted; `kind` says why."""

    # kinds: untrusted, expired, hostname, pin_mismatch, handshake
    def __init__(self, kind: str, message: str, hint: str = "",
                 data: dict[str, str] | None = None) -> None:
        super().__init__("TLS certificate rejected", message, hint)
        self.kind = kind
        #: What is known of the certificate presented (e.g. its sha256), for the user to pin.
        self.data = data or {}

    @property
    def json_error_type(self) -> str:  # type: ignore[override]
        return "TLS_" + self.kind.upper()

    @property
    def fleet_problem(self) -> str:  # type: ignore[override]
        return "pin_mismatch" if self.kind == "pin_mismatch" else "certificate_not_trusted"


class NotVapiAnswer(NetworkError):
    """The answer is not a vAPI JSON body: a proxy's HTML page, an empty or garbled body."""

    json_error_type = "NOT_VAPI_ANSWER"

    def __init__(self, status: int, content_type: str, excerpt: str, reason: str) -> None:
        super().__init__(
            "Not a vCenter answer",
            f"HTTP {status} with {content_type or 'no content type'}: {reason}",
            "Something between you and vCenter (a proxy or load balancer) answered, or the "
            "server is not a vCenter. Check the server address and the proxy.",
        )
        self.status = status
        self.content_type = content_type
        self.excerpt = excerpt
        self.reason = reason


class ServerError(HvcError):
    """A vAPI standard error from the server, kept whole."""

    def __init__(
        self,
        http_status: int,
        error_type: ErrorType,
        messages: list[LocalizableMessage],
        data: Any = None,
        *,
        error_type_on_wire: bool = True,
        challenge: str | None = None,
        operation: str = "",
    ) -> None:
        first = messages[0].text if messages else ""
        super().__init__(f"{error_type.value} (HTTP {http_status})", first,
                         _HINTS.get(error_type, ""))
        self.http_status = http_status
        self.error_type = error_type
        self.messages = messages
        self.data = data
        self.error_type_on_wire = error_type_on_wire
        self.challenge = challenge
        self.operation = operation
        #: The language the server localized its texts in (the Accept-Language asked for).
        self.language = ""
        #: hvctui's own check of the PSC's certificate, when this answer offered one and the
        #: flow checked it (render.py says the verdict and picks the next step by it).
        self.psc_check: PscCheck | None = None

    @property
    def exit_code(self) -> int:  # type: ignore[override]
        return _EXIT_CODE_OF_TYPE.get(self.error_type, ExitCode.SERVER_ERROR)

    @property
    def json_error_type(self) -> str:  # type: ignore[override]
        return self.error_type.value

    @property
    def history_status(self) -> str:
        return self.error_type.value

    @property
    def fleet_problem(self) -> str:  # type: ignore[override]
        return _FLEET_PROBLEM_OF_TYPE.get(self.error_type, "server_error")

    @property
    def fleet_detail(self) -> str:
        if self.fleet_problem == "server_error":
            return super().fleet_detail
        return self.message or self.title

    @property
    def offered_certificate(self) -> CertificateInfo | None:
        """The PSC certificate a trust-step answer offers (UNVERIFIED_PEER, or INVALID_REQUEST
        with the same data on old servers)."""
        if self.error_type not in (ErrorType.UNVERIFIED_PEER, ErrorType.INVALID_REQUEST):
            return None
        if not isinstance(self.data, dict) or not isinstance(self.data.get("ssl_thumbprint"), str):
            return None
        from pydantic import ValidationError

        from hvctui.vapi.models import CertificateInfo

        try:
            return CertificateInfo.model_validate(
                {k: v for k, v in self.data.items() if k in ("ssl_thumbprint", "ssl_certificate")}
            )
        except ValidationError:
            return None  # the flow refuses it as an offer it cannot read


class BadOffer(HvcError):
    """An UNVERIFIED_PEER answer whose offer cannot be trusted as it stands (not a SHA-256
    thumbprint, or a PEM that hashes to another one). Nothing is resubmitted."""

    exit_code = ExitCode.UNVERIFIED_PEER
    fleet_problem = "untrusted_psc"

    def __init__(self, answer: ServerError, problem: str) -> None:
        super().__init__("Untrustworthy trust offer", f"{problem}. Nothing was resubmitted.",
                         "Get the PSC's SHA-256 thumbprint from its administrator and give it "
                         "yourself ({thumbprint}).")
        self.answer = answer

    @property
    def fleet_detail(self) -> str:
        return self.message


class OfferDiffersFromGiven(BadOffer):
    """vCenter offers a PSC certificate other than the one the person gave (profile or flag):
    the given one wins, so nothing is resubmitted and both are named (both normalized
    thumbprints: hex and colons only)."""

    def __init__(self, answer: ServerError, given: str, offered: str) -> None:
        super().__init__(answer, f"Not trusting the offer: vCenter offers the PSC certificate "
                         f"with SHA-256 "
                         f"{offered}, but the thumbprint you gave is {given}")
        self.title = "Offered certificate is not the one you gave"
        self.hint = ("Find out which is right before linking. If the PSC's certificate was "
                     "renewed, check the new one from here ({check_psc}), then give its "
                     "thumbprint yourself ({thumbprint}).")
        self.given = given
        self.offered = offered

    @property
    def fleet_detail(self) -> str:
        # Both thumbprints in full, whatever the column's width.
        return f"Not trusting the offer: offered {self.offered}, you gave {self.given}"


_EXIT_CODE_OF_TYPE: dict[ErrorType, int] = {
    ErrorType.UNVERIFIED_PEER: ExitCode.UNVERIFIED_PEER,
    ErrorType.ALREADY_EXISTS: ExitCode.ALREADY_EXISTS,
    ErrorType.UNAUTHENTICATED: ExitCode.NOT_AUTHENTICATED,
    ErrorType.UNAUTHORIZED: ExitCode.NOT_AUTHENTICATED,
}

_FLEET_PROBLEM_OF_TYPE: dict[ErrorType, str] = {
    ErrorType.UNVERIFIED_PEER: "untrusted_psc",
    ErrorType.UNAUTHENTICATED: "cannot_log_in",
    ErrorType.UNAUTHORIZED: "not_permitted",
}

_HINTS: dict[ErrorType, str] = {
    ErrorType.UNVERIFIED_PEER: "Check the offered thumbprint against the PSC's certificate, "
    "then trust it: {trust}.",
    ErrorType.ALREADY_EXISTS: "Only one on-premises domain can be linked. List the links "
    "({links}) and unlink the old one first if it must be replaced.",
    ErrorType.UNAUTHENTICATED: "Check the cloud vCenter user and password.",
    ErrorType.UNAUTHORIZED: "This user lacks the HLM.Manage privilege: use cloudadmin or a "
    "member of the HLM administrator groups.",
    ErrorType.INVALID_ARGUMENT: "Correct the value the message names and link again.",
    ErrorType.UNSUPPORTED: "Upgrade the on-premises PSC/vCenter to a version Hybrid Linked "
    "Mode supports.",
    ErrorType.SERVICE_UNAVAILABLE: "vCenter is starting or overloaded: wait a minute and "
    "try again.",
    ErrorType.ERROR: "Read the cause chain: the last message in it is the root cause.",
}
