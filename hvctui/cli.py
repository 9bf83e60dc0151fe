"""The command line: one entry point, `hvctui`. A thin face over hvctui/service.py.

Imports stay lazy so `--help` is instant. Every text that did not come from this file passes the
trust boundary (vapi/text.py) before it is printed.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hvctui.profiles.store import ConfigStore, LoadResult, Profile
    from hvctui.service import Service
    from hvctui.vapi.errors import HvcError
    from hvctui.vapi.models import CertificateInfo
    from hvctui.vapi.psccheck import PscCheck
    from hvctui.vapi.render import Report


class ExitCode:
    """The CLI's documented exit codes (product.md)."""

    OK = 0
    SERVER_ERROR = 1
    BAD_INPUT = 2
    UNVERIFIED_PEER = 3
    ALREADY_EXISTS = 4
    NOT_AUTHENTICATED = 5
    NETWORK = 6
    INTERRUPTED = 130


def exit_code_for(error: HvcError) -> int:
    from hvctui.vapi.errors import BadOffer, ErrorType, InputError, NetworkError, ServerError

    if isinstance(error, InputError):
        return ExitCode.BAD_INPUT
    if isinstance(error, NetworkError):
        return ExitCode.NETWORK
    if isinstance(error, BadOffer):
        return ExitCode.UNVERIFIED_PEER
    if isinstance(error, ServerError):
        if error.error_type is ErrorType.UNVERIFIED_PEER:
            return ExitCode.UNVERIFIED_PEER
        if error.error_type is ErrorType.ALREADY_EXISTS:
            return ExitCode.ALREADY_EXISTS
        if error.error_type in (ErrorType.UNAUTHENTICATED, ErrorType.UNAUTHORIZED):
            return ExitCode.NOT_AUTHENTICATED
    return ExitCode.SERVER_ERROR


# Flag name of each profile field, for error messages that name what the user typed.
FLAG_OF_FIELD = {
    "server": "--server", "user": "--user", "ca_file": "--ca-file", "pin_sha256": "--pin",
    "psc_hostname": "--psc-hostname", "psc_port": "--psc-port", "domain_name": "--domain",
    "psc_user": "--psc-user", "ssl_thumbprint": "--ssl-thumbprint",
    "ssl_certificate": "--ssl-certificate",
    "admin_groups": "--admin-group", "tls": "--insecure/--pin/--ca-file",
    "accept_language": "--lang", "password": "cloud vCenter password",
    "psc_password": "PSC password",
}


def _names(profile: str, overrides: dict[str, Any]) -> dict[str, str]:
    """How a problem names its field: the flag when the value came from one, else the profile's
    key (the value is in config.toml, not on the command line)."""
    if not profile:
        return FLAG_OF_FIELD
    typed = ("password", "psc_password")  # never in the file: named as themselves
    return {field: flag if overrides.get(field) is not None or field in typed
            else f"{field} (profile {profile})" for field, flag in FLAG_OF_FIELD.items()}


EPILOG = """\
exit codes:
  0  success                      4  ALREADY_EXISTS
  1  any other server-side error  5  UNAUTHENTICATED or UNAUTHORIZED
  2  bad usage or input rejected before sending
  3  UNVERIFIED_PEER (the PSC's certificate is not trusted yet)
  6  network or TLS failure (refused, timeout, pin mismatch, not a vCenter answer)
  130 interrupted (ctrl+c)
  status: 0 every profile checked and every link healthy; 1 any row with a problem (could
  not be checked, or a link UNHEALTHY); 2 bad usage (an unknown --profile, no profiles)

environment:
  HVCTUI_PASSWORD       the cloud vCenter user's password
  HVCTUI_PSC_PASSWORD   the PSC administrator's password
  HVCTUI_CONFIG_DIR     the configuration folder (default ~/.config/hvctui)
  NO_COLOR              no colour in the output
Otherwise passwords come from the profile's password source, or a no-echo prompt on a terminal.
"""


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text[:20]!r} is not a number of seconds") from None
    if not math.isfinite(value) or value <= 0 or value > 86400:
        raise argparse.ArgumentTypeError(f"{text[:20]!r}: give seconds above 0, at most 86400")
    return value


def _concurrency(text: str) -> int:
    from hvctui.fleet import MAX_CONCURRENCY

    if not text.isascii() or not text.isdigit() or not 1 <= int(text[:6]) <= MAX_CONCURRENCY:
        raise argparse.ArgumentTypeError(f"{text[:20]!r}: give a whole number from 1 to "
                                         f"{MAX_CONCURRENCY}")
    return int(text)


class _Parser(argparse.ArgumentParser):
    """argparse, whose error messages quote what was typed: shown with controls visible."""

    commands: dict[str, argparse.ArgumentParser]
    #: --json was given: a usage error is also one JSON failure on stdout, as scripts expect.
    json_wanted = False

    def parse_args(self, args: Any = None, namespace: Any = None) -> Any:  # type: ignore[override]
        """An unknown flag is reported with the usage of the command it was given to."""
        wanted = "--json" in (sys.argv[1:] if args is None else args)
        for parser in (self, *self.commands.values()):
            parser.json_wanted = wanted  # type: ignore[attr-defined]
        parsed, extra = self.parse_known_args(args, namespace)
        if extra:
            command = self.commands.get(getattr(parsed, "command", None) or "", self)
            command.error(f"unrecognized arguments: {' '.join(extra)}")
        return parsed

    def error(self, message: str) -> Any:  # type: ignore[override]
        from hvctui.vapi.text import printable

        self.print_usage(sys.stderr)
        if self.json_wanted:
            from hvctui.vapi.errors import InputError

            Output(True).failure(InputError(f"{self.prog}: {printable(message)}"))
        self.exit(ExitCode.BAD_INPUT, f"{self.prog}: error: {printable(message)}\n")


def _whole(low: int, high: int, unit: str = "") -> Any:
    """An argparse type: a whole number from `low` to `high`."""
    def check(text: str) -> int:
        digits = text[1:] if text[:1] == "-" else text
        if not digits.isascii() or not digits.isdigit() or len(digits) > 12 \
                or not low <= int(text) <= high:
            raise argparse.ArgumentTypeError(f"{text[:20]!r}: give a whole number from {low} "
                                             f"to {high}{unit}")
        return int(text)
    return check


def _version() -> str:
    """`hvctui 0.1.0 (Python 3.10.13, Linux)`: what a support question needs first."""
    import platform

    from hvctui import __version__

    return f"hvctui {__version__} (Python {platform.python_version()}, {platform.system()})"


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="hvctui",
        description="Link a VMware Cloud vCenter to an on-premises SSO domain (Hybrid Linked "
        "Mode). With no command, opens the terminal UI.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--profile", help="profile to preselect (default: default_profile)")
    parser.add_argument("--config", type=Path, help="config file (default: "
                        "$HVCTUI_CONFIG_DIR/config.toml or ~/.config/hvctui/config.toml)")
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    parser.commands = sub.choices

    sub.add_parser("demo", help="start the simulator and open the TUI on demo profiles")

    sim = sub.add_parser("sim", help="run the vCenter simulator in the foreground")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=_whole(1, 65535), default=8443)
    sim.add_argument("--latency", type=_whole(0, 3_600_000, " ms"), default=0, metavar="MS",
                     help="added latency (at most an hour)")
    sim.add_argument("--session-idle", type=_seconds, default=1800.0, metavar="S",
                     help="session idle expiry in seconds (at most a day)")
    sim.add_argument("--send-psc-certificate", action="store_true",
                     help="act as vSphere 9.0: UNVERIFIED_PEER carries the PSC's PEM too")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help_text, description=help_text, epilog=EPILOG,
                              formatter_class=argparse.RawDescriptionHelpFormatter)

    def connection_flags(p: argparse.ArgumentParser) -> None:
        g = p.add_argument_group("connection (the cloud vCenter that receives the call)")
        g.add_argument("--profile", dest="sub_profile", metavar="NAME",
                       help="a saved profile; flags override its values")
        g.add_argument("--config", dest="sub_config", type=Path, metavar="FILE",
                       help="config file to read profiles from")
        g.add_argument("--server", metavar="HOST[:PORT]", help="the cloud vCenter (API host)")
        g.add_argument("--user", metavar="USER", help="cloud vCenter user, e.g. "
                       "cloudadmin@vmc.local")
        g.add_argument("--ca-file", metavar="PATH", help="verify against this CA bundle")
        g.add_argument("--pin", metavar="SHA256", help="accept only the certificate with this "
                       "SHA-256 thumbprint")
        g.add_argument("--insecure", action="store_true",
                       help="do not verify the certificate (shown as a warning)")
        g.add_argument("--lang", metavar="LANG", help="Accept-Language, e.g. de-DE")
        g.add_argument("--timeout", type=_seconds, default=60.0, metavar="S",
                       help="give up on a call after this many seconds (default 60)")
        g.add_argument("--json", action="store_true", help="print one JSON object on stdout")

    link = command("link", "link to the on-premises SSO domain")
    connection_flags(link)
    spec = link.add_argument_group("the foreign PSC (CreateSpec)")
    spec.add_argument("--psc-hostname", metavar="HOST", help="the on-premises PSC's host name")
    spec.add_argument("--psc-port", metavar="PORT", help="its HTTPS port (default: 443, left "
                      "out of the request)")
    spec.add_argument("--domain", metavar="DOMAIN", help="its SSO domain, e.g. corp.local")
    spec.add_argument("--psc-user", metavar="USER", help="an administrator of that domain")
    spec.add_argument("--ssl-thumbprint", metavar="SHA256", help="the PSC certificate's "
                      "SHA-256 thumbprint, if you have it")
    spec.add_argument("--ssl-certificate", metavar="FILE", help="the PSC's PEM certificate "
                      "(vSphere 9.0; sent with its thumbprint)")
    spec.add_argument("--admin-group", action="append", metavar="GROUP@DOMAIN",
                      help="a group granted HLM administration (repeatable)")
    link.add_argument("--trust-offered", action="store_true",
                      help="accept the certificate an UNVERIFIED_PEER answer offers and resubmit "
                      "once, unless the PSC presents a different one to this machine")

    check = command("check-psc", "check from this machine which certificate the PSC presents "
                    "(a TLS handshake only; nothing is sent to vCenter). Exit 0: it matches the "
                    "thumbprint/certificate given (or none was given); 3: it is DIFFERENT; 6: it "
                    "could not be checked")
    check.add_argument("--profile", dest="sub_profile", metavar="NAME",
                       help="a saved profile; flags override its values")
    check.add_argument("--config", dest="sub_config", type=Path, metavar="FILE",
                       help="config file to read profiles from")
    check.add_argument("--psc-hostname", metavar="HOST", help="the on-premises PSC's host name")
    check.add_argument("--psc-port", metavar="PORT", help="its HTTPS port (default 443)")
    check.add_argument("--ssl-thumbprint", metavar="SHA256", help="the thumbprint to compare with")
    check.add_argument("--ssl-certificate", metavar="FILE", help="a PEM certificate to compare "
                       "with")
    check.add_argument("--json", action="store_true", help="print one JSON object on stdout")

    links = command("links", "list links, with health where known")
    connection_flags(links)

    unlink = command("unlink", "remove a link")
    unlink.add_argument("link", metavar="LINK", help="the link id (hvctui links shows them)")
    connection_flags(unlink)
    unlink.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    status = command("status", "every profile's links and health, checked side by side")
    status.add_argument("--profile", dest="status_profiles", action="append", metavar="NAME",
                        help="check only this profile (repeatable; default: all)")
    status.add_argument("--config", dest="sub_config", type=Path, metavar="FILE",
                        help="config file to read profiles from")
    status.add_argument("--concurrency", type=_concurrency, default=None, metavar="N",
                        help="vCenters asked at once (default 8)")
    status.add_argument("--timeout", type=_seconds, default=60.0, metavar="S",
                        help="give up on a call after this many seconds (default 60)")
    status.add_argument("--json", action="store_true", help="print one JSON object on stdout")

    profiles = command("profiles", "list, show or remove saved profiles")
    profiles.add_argument("action", choices=["list", "show", "remove"])
    profiles.add_argument("name", nargs="?")
    profiles.add_argument("--config", dest="sub_config", type=Path, metavar="FILE",
                          help="config file")
    profiles.add_argument("--yes", action="store_true", help="remove without asking")
    profiles.add_argument("--json", action="store_true")
    return parser


class Output:
    """stdout for results, stderr for diagnostics; colour only on a TTY without NO_COLOR.

    Every line passes vapi/text.py's `printable` on its way out.
    """

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json
        self.tz: tzinfo | None = None  # the config's time zone, once it is read
        self.colour = sys.stderr.isatty() and not os.environ.get("NO_COLOR")

    def _paint(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.colour else text

    @staticmethod
    def _write(text: str, stream: Any) -> None:
        from hvctui.vapi.text import printable

        stream.write(printable(text) + "\n")
        stream.flush()

    def result(self, text: str) -> None:
        if not self.as_json:
            self._write(text, sys.stdout)

    def note(self, text: str) -> None:
        self._write(text, sys.stderr)

    def warn(self, text: str) -> None:
        from hvctui.vapi.text import printable

        sys.stderr.write(self._paint("WARNING: " + printable(text), "33;1") + "\n")

    def json(self, payload: dict[str, Any]) -> None:
        from hvctui.vapi.text import dumps

        sys.stdout.write(dumps(payload) + "\n")
        sys.stdout.flush()

    def report(self, report: Report, *, to_stderr: bool = False) -> None:
        """A report's rows, styled; its --json object with --json."""
        if self.as_json:
            self.json(report.payload)
            return
        stream = sys.stderr if to_stderr else sys.stdout
        for row in report.rows:
            line = row.plain()
            if row.kind == "title":
                stream.write(self._paint(line, "31;1") + "\n")
            elif row.kind == "ok":
                stream.write(self._paint(f"{row.text} {row.detail}", "32;1") + "\n")
            else:
                stream.write(line + "\n")  # rows are printable already (render.py)
        stream.flush()

    def failure(self, error: HvcError, actions: dict[str, str] | None = None) -> int:
        from hvctui.vapi.render import error_report

        self.report(error_report(error, self.tz, actions), to_stderr=True)
        return exit_code_for(error)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command = args.command
    if command == "sim":
        from hvctui.sim.server import run_foreground

        try:
            run_foreground(args.host, args.port, latency_ms=args.latency,
                           session_idle=args.session_idle,
                           send_psc_certificate=args.send_psc_certificate)
        except OSError as exc:
            from hvctui.vapi.text import one_line

            print(f"hvctui sim: cannot listen on {one_line(args.host, 80)}:{args.port}: "
                  f"{one_line(exc.strerror or str(exc), 200)}", file=sys.stderr)
            return ExitCode.BAD_INPUT
        except Exception as exc:  # noqa: BLE001 - a start that fails is one line, no traceback
            from hvctui.vapi.text import one_line

            print(f"hvctui sim: cannot start: {one_line(str(exc) or type(exc).__name__, 200)}",
                  file=sys.stderr)
            return ExitCode.BAD_INPUT
        return ExitCode.OK
    if command in ("demo", None) and not (sys.stdin.isatty() and sys.stdout.isatty()):
        print("hvctui: the terminal UI needs a terminal (use ssh -t). Without one, use the "
              "commands: hvctui link, links, unlink, status, check-psc, profiles (hvctui "
              "--help).", file=sys.stderr)
        return ExitCode.BAD_INPUT
    if command == "demo":
        from hvctui.demo import run_demo

        return run_demo()
    if command is None:
        from hvctui.tui.launch import run_tui

        return run_tui(profile=args.profile, config=args.config)
    out = Output(getattr(args, "json", False))
    try:
        if command == "profiles":
            return _profiles(args, out)
        if command == "check-psc":
            return _check_psc(args, out)
        if command == "status":
            return _status(args, out)
        return _remote(args, out)
    except KeyboardInterrupt:
        out.note("Interrupted.")
        return ExitCode.INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - the last guard: a message, never a traceback
        from hvctui.vapi.errors import HvcError

        if isinstance(exc, HvcError):
            return out.failure(exc)
        # No traceback: it could show a password held in a local variable.
        out.note(f"hvctui: unexpected failure ({type(exc).__name__}). Nothing more is shown, "
                 "so that no secret can be; the history records it.")
        return ExitCode.SERVER_ERROR


def _store(args: argparse.Namespace) -> ConfigStore:
    from hvctui.profiles.store import ConfigStore

    path = getattr(args, "sub_config", None) or args.config
    return ConfigStore(path)


def _load_profile(args: argparse.Namespace, out: Output) -> tuple[str, Profile | None]:
    from hvctui.vapi.errors import InputError

    store = _store(args)
    loaded = store.load()
    for warning in loaded.warnings:
        out.warn(str(warning))
    out.tz = loaded.config.zone()
    name = getattr(args, "sub_profile", None) or args.profile
    if loaded.error is not None:
        if name:
            raise InputError(f"the config file cannot be read: {loaded.error}",
                             hint="Fix the file (it was left as it is), or use flags alone.")
        out.warn(f"config ignored: {loaded.error}")
        return "", None
    if not name:
        return "", None
    if name in loaded.broken:
        problems = "; ".join(str(p) for p in loaded.broken[name])
        raise InputError(f"profile {name!r} cannot be used: {problems}", field="profile",
                         hint="Fix it in the file; the other profiles are unaffected.")
    profile = loaded.config.profiles.get(name)
    if profile is None:
        known = ", ".join(loaded.config.profiles) or "none"
        raise InputError(f"no profile named {name!r} in {store.path} (profiles: {known})",
                         field="profile")
    return name, profile


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    tls = None
    if args.insecure:
        tls = "insecure"
    elif args.pin:
        tls = "pinned"
    elif args.ca_file:
        tls = "ca_file"
    values: dict[str, Any] = {
        "server": args.server, "user": args.user, "tls": tls, "ca_file": args.ca_file,
        "pin_sha256": args.pin, "accept_language": args.lang,
    }
    for flag, field in (("psc_hostname", "psc_hostname"), ("psc_port", "psc_port"),
                        ("domain", "domain_name"), ("psc_user", "psc_user"),
                        ("ssl_thumbprint", "ssl_thumbprint"), ("admin_group", "admin_groups")):
        values[field] = getattr(args, flag, None)
    values["ssl_certificate"] = _read_pem(getattr(args, "ssl_certificate", None))
    return values


def _read_pem(path: str | None) -> str | None:
    """The text of --ssl-certificate FILE (the CreateSpec judges whether it is a PEM)."""
    from hvctui.vapi.errors import InputError

    if not path:
        return None
    try:
        with open(path, "rb") as f:
            data = f.read(256 * 1024 + 1)
    except OSError as exc:
        raise InputError(f"--ssl-certificate: cannot read {path!r}: {exc.strerror or exc}",
                         field="ssl_certificate") from None
    if len(data) > 256 * 1024:
        raise InputError(f"--ssl-certificate: {path!r} is too large for a certificate",
                         field="ssl_certificate")
    try:
        return data.decode("ascii")
    except UnicodeDecodeError:
        raise InputError(f"--ssl-certificate: {path!r} is not a PEM file (PEM is ASCII text)",
                         field="ssl_certificate") from None


def _check_psc(args: argparse.Namespace, out: Output) -> int:
    """`hvctui check-psc`: the independent check, on demand, before linking."""
    import asyncio

    from hvctui.service import NotReady, Service, merge
    from hvctui.vapi.models import CertificateInfo, CreateSpec
    from hvctui.vapi.psccheck import Verdict

    name, base = _load_profile(args, out)
    overrides = {"psc_hostname": args.psc_hostname, "psc_port": args.psc_port,
                 "ssl_thumbprint": args.ssl_thumbprint,
                 "ssl_certificate": _read_pem(args.ssl_certificate)}
    profile, problems = merge(base, overrides)
    names = _names(name, overrides)
    if profile is None:
        raise NotReady(problems, names)
    if not profile.psc_hostname:
        from hvctui.service import FieldProblem

        raise NotReady([FieldProblem("psc_hostname", "is required")], names)
    values = {k: v for k, v in (("psc_hostname", profile.psc_hostname),
                                ("port", profile.psc_port),
                                ("ssl_thumbprint", profile.ssl_thumbprint),
                                ("ssl_certificate", profile.ssl_certificate)) if v}
    spec_problems = CreateSpec.problems(values)
    if spec_problems:
        from hvctui.service import PROFILE_FIELD_OF_SPEC, FieldProblem

        raise NotReady([FieldProblem(PROFILE_FIELD_OF_SPEC.get(f, f), m)
                        for f, m in spec_problems], names)
    offered = None
    pem = profile.ssl_certificate
    thumbprint = profile.ssl_thumbprint
    if pem and not thumbprint:
        from hvctui.vapi.models import pem_to_der
        from hvctui.vapi.tls import sha256_thumbprint

        thumbprint = sha256_thumbprint(pem_to_der(pem))
    if thumbprint:
        offered = CertificateInfo(ssl_thumbprint=thumbprint, ssl_certificate=pem or None)
    port = int(profile.psc_port or 443)
    check = asyncio.run(Service(_store(args)).check_psc(profile.psc_hostname, port, offered))
    if args.json:
        out.json({"ok": check.verdict is not Verdict.DIFFERENT and bool(check.seen_sha256),
                  "profile": name or None, **check.as_json()})
    else:
        _show_check(out, check, given=True)
    if check.verdict is Verdict.DIFFERENT:
        return ExitCode.UNVERIFIED_PEER
    return ExitCode.OK if check.seen_sha256 else ExitCode.NETWORK


def _show_check(out: Output, check: PscCheck, given: bool = False) -> None:
    """The verdict of the PSC check, plainly: a warning when DIFFERENT (`given`: compared
    with a certificate the user gave, not one vCenter offered)."""
    from hvctui.vapi.psccheck import Verdict

    lines = check.lines(given=given)
    if check.verdict is Verdict.DIFFERENT:
        out.warn(lines[0])
    else:
        out.note(lines[0])
    for line in lines[1:]:
        out.note(line)


def _remote(args: argparse.Namespace, out: Output) -> int:
    import asyncio

    from hvctui.profiles.secrets import tty_prompt
    from hvctui.service import Service, prepare
    from hvctui.vapi.connection import Timeouts
    from hvctui.vapi.errors import InputError

    if sum(bool(x) for x in (args.insecure, args.pin, args.ca_file)) > 1:
        raise InputError("choose one of --insecure, --pin and --ca-file", field="tls")
    name, base = _load_profile(args, out)
    overrides = _overrides(args)
    call = prepare(name, base, overrides, need_spec=args.command == "link",
                   prompt=tty_prompt(), timeouts=Timeouts(total=args.timeout),
                   names=_names(name, overrides))
    if call.profile.tls == "insecure":
        out.warn(f"TLS verification is OFF for {call.profile.server}: its certificate is not "
                 "checked (--insecure). Anyone on the path can read the password.")
    service = Service(_store(args), cancelled_status="Interrupted")
    if args.command == "link":
        run = _link(service, call, args, out)
    elif args.command == "links":
        run = _links(service, call, out)
    else:
        run = _unlink(service, call, args, out)
    try:
        # asyncio.run turns ctrl+c into a cancellation of the call at its current await (the
        # flows log out on the way out) and then raises KeyboardInterrupt here.
        code: int = asyncio.run(run)
    except KeyboardInterrupt:
        if args.command == "link":
            out.note("If the create call had been sent, the link may exist: check with "
                     "hvctui links before linking again.")
        raise
    except Exception as error:  # noqa: BLE001 - reported by main(), recorded by the service
        from hvctui.vapi.errors import ErrorType, ServerError

        if (args.command == "unlink" and isinstance(error, ServerError)
                and error.error_type is ErrorType.NOT_FOUND):
            error.hint = (f"{args.link!r} is not a link id of {call.profile.server}: unlink "
                          "takes a link id, which hvctui links shows (a domain name is not one).")
        raise
    finally:
        if service.history_problem:
            out.note(f"({service.history_problem})")
    return code


async def _link(service: Service, call: Any, args: argparse.Namespace, out: Output) -> int:
    from hvctui.vapi.checks import normalize_thumbprint
    from hvctui.vapi.render import link_report
    from hvctui.vapi.text import one_line

    from hvctui.vapi.psccheck import Verdict

    spec = call.spec
    given = spec.ssl_thumbprint

    async def decide(offered: CertificateInfo, check: PscCheck) -> bool:
        thumbprint = normalize_thumbprint(offered.ssl_thumbprint)
        if given and normalize_thumbprint(given) != thumbprint:
            out.note(f"The PSC's certificate offered by vCenter has SHA-256 {thumbprint}, but "
                     f"you gave --ssl-thumbprint {given}. Not trusting the offer: find out which "
                     "is right before linking.")
            return False
        out.result(f"Offered SHA-256 thumbprint of {spec.psc_hostname}: {thumbprint}")
        _show_check(out, check)
        if args.trust_offered:
            if check.verdict is Verdict.DIFFERENT:
                out.note("Not trusting the offer (--trust-offered): the PSC presents a "
                         "different certificate to this machine than the one vCenter offers. "
                         "Find out why; to link anyway, give the thumbprint you have verified "
                         "with --ssl-thumbprint.")
                return False
            how = ("the PSC presents this same certificate to this machine"
                   if check.verdict is Verdict.SAME else
                   f"it could not be checked from here: {check.why}")
            out.note(f"Trusting the offered PSC certificate {thumbprint} (--trust-offered; "
                     f"{how}) and resubmitting once.")
            return True
        if not args.json and sys.stdin.isatty() and sys.stderr.isatty():
            different = check.verdict is Verdict.DIFFERENT
            if not different:
                out.note("Compare it with the PSC's own certificate (its administrator can read "
                         "it on the PSC).")
            sys.stderr.write("Type trust to trust it anyway and resubmit: " if different else
                             "Trust this thumbprint and resubmit? [y/N] ")
            sys.stderr.flush()
            answer = (await asyncio_readline()).strip().lower()
            if answer == "trust" or (not different and answer in ("y", "yes")):
                return True
        if check.verdict is Verdict.DIFFERENT:
            out.note("Find out why the certificates differ before linking; if you verify the "
                     f"offered one, run again with --ssl-thumbprint {thumbprint}")
        else:
            out.note("Check it against the PSC's certificate, then run again with "
                     f"--trust-offered or --ssl-thumbprint {thumbprint}")
        return False

    outcome = await service.link(call, decide)
    report = link_report(outcome.link_id, spec.domain_name, outcome.trusted_thumbprint)
    if args.json:
        out.json(report.payload)
    else:
        out.result(f"Linked {one_line(spec.domain_name, 200)}: link "
                   f"{one_line(outcome.link_id, 200)}")
        out.note("Users log out and back in to see the linked inventory.")
    return ExitCode.OK


async def asyncio_readline() -> str:
    """One line from stdin without blocking the loop (ctrl+c still cancels the call)."""
    import asyncio

    return await asyncio.to_thread(sys.stdin.readline)


async def _links(service: Service, call: Any, out: Output) -> int:
    from hvctui.vapi.render import links_report

    shown, raw = await service.links(call, tz=out.tz)
    report = links_report(shown, raw)
    out.report(report)
    return ExitCode.OK


async def _unlink(service: Service, call: Any, args: argparse.Namespace, out: Output) -> int:
    from hvctui.vapi.errors import InputError

    async def confirm(display_name: str) -> bool:
        if args.yes:
            return True
        if not sys.stdin.isatty():
            raise InputError("unlink needs --yes when there is no terminal to confirm on",
                             field="yes")
        from hvctui.vapi.text import one_line

        sys.stderr.write(f"Type the domain name ({one_line(display_name)}) to remove link "
                         f"{one_line(args.link)}: ")
        sys.stderr.flush()
        typed = await asyncio_readline()
        return typed.strip() == display_name

    removed = await service.unlink(call, args.link, confirm)
    if not removed:
        out.note("Not confirmed: nothing was removed.")
        raise InputError("unlink not confirmed", field="yes")
    if args.json:
        out.json({"ok": True, "link": args.link, "unlinked": True})
    else:
        from hvctui.vapi.text import one_line

        out.result(f"Unlinked {one_line(args.link, 200)}.")
    return ExitCode.OK


def _readable(store: ConfigStore, out: Output) -> LoadResult:
    """The config for a command that needs it whole: its warnings shown, its zone taken; a file
    that cannot be read is bad input (and stays as it was)."""
    from hvctui.vapi.errors import InputError

    loaded = store.load()
    if loaded.error is not None:
        raise InputError(f"the config file cannot be read: {loaded.error}",
                         hint="Fix the file; hvctui left it exactly as it was.")
    for warning in loaded.warnings:
        out.warn(str(warning))
    out.tz = loaded.config.zone()
    return loaded


def _status(args: argparse.Namespace, out: Output) -> int:
    """`hvctui status`: the fleet's table (hvctui/fleet.py), the same rows as the TUI's."""
    import asyncio

    from hvctui.fleet import DEFAULT_CONCURRENCY, Fleet, status_payload, table_lines
    from hvctui.profiles.secrets import tty_prompt
    from hvctui.service import Service
    from hvctui.vapi.connection import Timeouts
    from hvctui.vapi.errors import InputError

    store = _store(args)
    loaded = _readable(store, out)
    profiles = loaded.config.profiles
    names = list(dict.fromkeys(args.status_profiles or [*profiles, *loaded.broken]))
    unknown = [n for n in names if n not in profiles and n not in loaded.broken]
    if unknown:
        raise InputError(f"no profile named {unknown[0]!r} (profiles: "
                         f"{', '.join([*profiles, *loaded.broken]) or 'none'})", field="profile")
    # A broken profile is not checked, but it is a row with its problem: never "all well".
    broken_rows = [_broken_row(name, loaded.broken[name], store.path.name)
                   for name in names if name in loaded.broken]
    for name in (n for n in names if n in loaded.broken):
        for problem in loaded.broken[name]:
            out.warn(f"{problem} (profile {name!r} not loaded, not checked)")
    names = [n for n in names if n in profiles]
    if not names and not broken_rows:  # nothing checked is not "every link healthy"
        raise InputError(f"no profiles to check in {store.path}", field="config",
                         hint="Save one in the TUI (run hvctui, then n in the profiles list), "
                              "or name the config with --config.")
    prompt = tty_prompt()  # on the terminal itself: --json output stays one object

    async def ask(user: str, server: str) -> str | None:
        if prompt is None:
            return None
        return await asyncio.to_thread(prompt, f"Password for {user} at {server}: ")

    service = Service(store, cancelled_status="Interrupted")
    fleet = Fleet(service, concurrency=args.concurrency or DEFAULT_CONCURRENCY,
                  timeouts=Timeouts(total=args.timeout), tz=out.tz, ask_password=ask)

    async def run() -> list[Any]:
        rows = {}
        async for row in fleet.refresh(profiles, names):
            rows[row.profile] = row
        return list(rows.values())

    rows = broken_rows + (asyncio.run(run()) if names else [])
    payload = status_payload(rows)
    if args.json:
        out.json(payload)
    else:
        for line in table_lines(rows, out.tz):
            out.result(line)
        c = payload["counts"]
        out.note(f"{c['total']} profiles: {c['failed']} with a problem.")
    return ExitCode.OK if payload["ok"] else ExitCode.SERVER_ERROR


def _broken_row(name: str, problems: list[Any], file_name: str) -> Any:
    """The status row of a profile the config could not load: a problem, with where and why."""
    from dataclasses import replace

    from hvctui.fleet import PROBLEM, FleetRow
    from hvctui.vapi.text import one_line

    prefix = f"profiles.{name}."

    def short(problem: Any) -> str:
        key = problem.key[len(prefix):] if problem.key.startswith(prefix) else problem.key
        line = f" (line {problem.line})" if problem.line else ""
        return f"{key or name}{line}: {problem.reason}"

    why = "; ".join(short(p) for p in problems) or "not a valid table"
    return replace(FleetRow(one_line(name, 80), ""), state=PROBLEM, kind="broken_profile",
                   problem=f"broken in {one_line(file_name, 80)}: {one_line(why, 400)}")


def _profiles(args: argparse.Namespace, out: Output) -> int:
    from hvctui.service import Service
    from hvctui.vapi.errors import InputError

    store = _store(args)
    loaded = _readable(store, out)
    profiles = loaded.config.profiles
    if args.action == "list":
        for name, found in loaded.broken.items():
            for problem in found:
                out.warn(f"{problem} (profile {name!r} not loaded; the file keeps it as it is)")
        if args.json:
            out.json({"ok": True, "default_profile": loaded.config.default_profile,
                      "profiles": list(profiles), "broken": sorted(loaded.broken)})
            return ExitCode.OK
        if not profiles and not loaded.broken:
            out.result(f"No profiles in {store.path}.")
            return ExitCode.OK
        rows = [("", "PROFILE", "CLOUD VCENTER", "PSC")]
        for name, p in profiles.items():
            mark = "*" if name == loaded.config.default_profile else " "
            rows.append((mark, name, p.server or "-", p.psc_hostname or "-"))
        for name in loaded.broken:
            rows.append(("!", name, "(broken: see the warning above)", ""))
        from hvctui.vapi.text import one_line

        cells = [[one_line(c, 60) for c in row] for row in rows]
        widths = [max(len(r[i]) for r in cells) for i in range(4)]
        for r in cells:
            out.result("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
        return ExitCode.OK
    if not args.name:
        raise InputError(f"profiles {args.action} needs a profile NAME", field="name")
    if args.name in loaded.broken:
        problems = "; ".join(str(p) for p in loaded.broken[args.name]) or "not a valid table"
        raise InputError(f"profile {args.name!r} is broken in {store.path.name} and was not "
                         f"loaded: {problems}", field="name",
                         hint="Fix or remove it in the file; hvctui never saves over it.")
    if args.name not in profiles:
        raise InputError(f"no profile named {args.name!r} (profiles: "
                         f"{', '.join(profiles) or 'none'})", field="name")
    if args.action == "show":
        data = profiles[args.name].as_dict()
        if args.json:
            out.json({"ok": True, "name": args.name, "profile": data})
        else:
            for key, value in data.items():
                out.result(f"{key:<20} {value}")
        return ExitCode.OK
    if not args.yes:
        if not sys.stdin.isatty():
            raise InputError("profiles remove needs --yes when there is no terminal to confirm "
                             "on", field="yes")
        sys.stderr.write(f"Remove profile {args.name} from {store.path}? [y/N] ")
        sys.stderr.flush()
        if sys.stdin.readline().strip().lower() not in ("y", "yes"):
            out.note("Not removed.")
            return ExitCode.BAD_INPUT
    from hvctui.profiles.store import ConfigError

    try:
        Service(store).delete_profile(args.name)
    except (OSError, ConfigError, ValueError) as exc:
        raise InputError(f"not removed: {exc}",
                         hint=getattr(exc, "hint", "") or "Check the folder is writable and "
                         "the disk has room; the file was left as it was.") from None
    if args.json:
        out.json({"ok": True, "removed": args.name})
    else:
        out.result(f"Removed profile {args.name}.")
    return ExitCode.OK


if __name__ == "__main__":
    raise SystemExit(main())
