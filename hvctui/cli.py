"""The command line: one entry point, `hvctui`. A thin face over hvctui/service.py.

Imports stay lazy so `--help` is instant. Every text that did not come from this file passes the
trust boundary (vapi/text.py) before it is printed.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import sys
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hvctui._compat import discard_typed_ahead  # loaded with vapi/errors.py anyway
from hvctui.vapi import (
    ErrorType,
    ExitCode,
    HvcError,
    InputError,
    ServerError,
    check_group,
    dumps,
    one_line,
    printable,
    terminal_width,
    wrap_lines,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from hvctui.profiles.store import ConfigStore, LoadResult, Profile
    from hvctui.service import Service
    from hvctui.vapi import CertificateInfo, PscCheck, Report


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
  6  network or TLS failure (refused, timeout, pin mismatch, not vCenter)
  130 interrupted (ctrl+c)
  A reader that stops reading (| head, | true) does not change the exit
  code: the command finishes what it started and exits with its own code;
  the output nobody reads is dropped.
  status: 0 every profile checked and every link healthy; 1 any row with a
  problem (could not be checked, or a link UNHEALTHY); 2 bad usage (an
  unknown --profile) or no profiles

environment:
  HVCTUI_PASSWORD      the cloud vCenter user's password, for a command
                       aimed at one vCenter (link, links, unlink, admins);
                       status, link with several --profile and the TUI
                       ignore it
  HVCTUI_PSC_PASSWORD  the PSC administrator's password, likewise (link,
                       and unlink --with-psc-credentials)
  HVCTUI_CONFIG_DIR    the configuration folder (default ~/.config/hvctui)
  NO_COLOR             no colour in the output
Otherwise a password comes from the profile's password source (prompt,
env:VAR, keyring, command:ARGV), or a no-echo prompt on a terminal. A
password belongs to a user at a server and is sent there only.
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


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """The layout written here (tables, examples) kept; a line wider than the terminal (a
    command's one-line description, or any line on a narrow one) is wrapped at a word, under
    its own text, never cut mid-word by the terminal."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" not in text.strip():  # one paragraph (a description): filled as argparse does
            return argparse.HelpFormatter._fill_text(self, text, width, indent)
        return "".join(wrap_lines(indent + line, width) + "\n"
                       for line in text.splitlines())


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
        option, matches, rest = message.partition(" could match ")
        if matches and option.startswith("ambiguous option: "):  # --pass=S3cret: not its value
            message = option.split("=", 1)[0] + matches + rest
        self.print_usage(sys.stderr)
        if self.json_wanted:
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


class _Version(argparse.Action):
    """`hvctui 0.1.0 (Python 3.10.13, Linux)`: what a support question needs first. Worked out
    when asked for: the platform module costs every start of hvctui (the TUI's too) 1.5 ms."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0,
                         help="show the version, the Python and the OS, and exit")

    def __call__(self, parser: argparse.ArgumentParser, *args: Any) -> None:
        import platform

        from hvctui import __version__

        try:  # as argparse's own version action: no stdout, or a full one, is no traceback
            print(f"hvctui {__version__} (Python {platform.python_version()}, "
                  f"{platform.system()})", flush=True)
        except (AttributeError, OSError):
            pass
        parser.exit()


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="hvctui",
        description="Link a VMware Cloud vCenter to an on-premises SSO domain (Hybrid Linked "
        "Mode). With no command, opens the terminal UI.",
        epilog=EPILOG, formatter_class=_HelpFormatter,
    )
    parser.add_argument("--profile", help="profile to preselect (default: default_profile)")
    parser.add_argument("--config", type=Path, help="config file (default: "
                        "$HVCTUI_CONFIG_DIR/config.toml or ~/.config/hvctui/config.toml)")
    parser.add_argument("--version", action=_Version)
    _refuse_password_flags(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    parser.commands = sub.choices

    _refuse_password_flags(sub.add_parser(
        "demo", help="start the simulator and open the TUI on demo profiles"))

    sim = sub.add_parser("sim", help="run the vCenter simulator in the foreground")
    _refuse_password_flags(sim)
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=_whole(0, 65535), default=8443,
                     help="port to listen on (default 8443); 0: any free port, the one bound "
                          "is printed with the URL")
    sim.add_argument("--latency", type=_whole(0, 3_600_000, " ms"), default=0, metavar="MS",
                     help="added latency (at most an hour)")
    sim.add_argument("--session-idle", type=_seconds, default=1800.0, metavar="S",
                     help="session idle expiry in seconds (at most a day)")
    sim.add_argument("--send-psc-certificate", action="store_true",
                     help="act as vSphere 9.0: UNVERIFIED_PEER carries the PSC's PEM too")

    def command(name: str, help_text: str, json: bool = True) -> argparse.ArgumentParser:
        """A command; every one reads a config and refuses a password typed as a flag."""
        p = sub.add_parser(name, help=help_text, description=help_text, epilog=EPILOG,
                           formatter_class=_HelpFormatter)
        p.add_argument("--config", dest="sub_config", type=Path, metavar="FILE",
                       help="config file to read profiles from")
        if json:
            p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
        _refuse_password_flags(p)
        return p

    def connection_flags(p: argparse.ArgumentParser) -> None:
        g = p.add_argument_group("connection (the cloud vCenter that receives the call)")
        g.add_argument("--profile", dest="sub_profiles", action="append", metavar="NAME",
                       help="a saved profile; flags override its values" +
                       (" (repeatable: link several, each with its own values)"
                        if p.prog.endswith(" link") else ""))
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
    check.add_argument("--psc-hostname", metavar="HOST", help="the on-premises PSC's host name")
    check.add_argument("--psc-port", metavar="PORT", help="its HTTPS port (default 443)")
    check.add_argument("--ssl-thumbprint", metavar="SHA256", help="the thumbprint to compare with")
    check.add_argument("--ssl-certificate", metavar="FILE", help="a PEM certificate to compare "
                       "with")

    links = command("links", "list links, with health where known")
    connection_flags(links)

    unlink = command("unlink", "remove a link")
    unlink.add_argument("link", metavar="LINK", help="the link id (hvctui links shows them)")
    connection_flags(unlink)
    unlink.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    _unlink_psc_flags(unlink)

    status = command("status", "every profile's links and health, checked side by side")
    status.add_argument("--profile", dest="status_profiles", action="append", metavar="NAME",
                        help="check only this profile (repeatable; default: all)")
    status.add_argument("--concurrency", type=_concurrency, default=None, metavar="N",
                        help="vCenters asked at once (default 8)")
    status.add_argument("--timeout", type=_seconds, default=60.0, metavar="S",
                        help="give up on a call after this many seconds (default 60)")

    password = command("password", "store a profile's password in the keyring, or forget it: "
                       "kept for that user at that server only (e.g. hvctui password set "
                       "--profile corp --psc)", json=False)
    password.add_argument("action", choices=["set", "forget"])
    password.add_argument("--profile", dest="sub_profile", metavar="NAME", required=True,
                          help="the profile whose user and server the password belongs to")
    password.add_argument("--psc", action="store_true",
                          help="the PSC administrator's password (default: the cloud vCenter "
                          "user's)")

    profiles = command("profiles", "list, show, add, change, rename, copy or remove saved "
                       "profiles")
    profiles.add_argument("action", choices=["list", "show", "remove", *PROFILE_EDITS])
    profiles.add_argument("name", nargs="?")
    profiles.add_argument("new", nargs="?", metavar="NEW", help="the new name (rename, copy)")
    _profile_field_flags(profiles)
    profiles.add_argument("--yes", action="store_true", help="remove without asking")

    admins = command("admins", "the HLM administrator groups of a cloud vCenter: list, add or "
                     "remove one (a change is recorded in the history)")
    admins.add_argument("action", choices=["list", "add", "remove"])
    admins.add_argument("group", nargs="?", metavar="GROUP", help="group@domain (add, remove)")
    connection_flags(admins)
    for name, text in EXAMPLES.items():  # these commands show an example first in --help
        sub.choices[name].epilog = text + "\n" + EPILOG
    return parser


def emit(stream: Any, text: str) -> None:
    """Write and flush. A reader that has gone (`hvctui status | head -1`) ends only this
    stream's output: the rest of it goes to /dev/null, so the command still finishes what it
    started and exits with its own code (EPILOG), and Python's last flush at exit cannot fail
    (it would print "Exception ignored" and exit 120)."""
    try:
        stream.write(text)
        stream.flush()
    except BrokenPipeError:
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(devnull, stream.fileno())
            finally:
                os.close(devnull)
        except (AttributeError, ValueError, OSError):
            pass  # a stream without a descriptor: its next write fails again, quietly too


class Output:
    """stdout for results, stderr for diagnostics; colour only on a TTY without NO_COLOR.

    Every line passes vapi/text.py's `printable` on its way out.
    """

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json
        self.tz: tzinfo | None = None  # the config's time zone, once it is read
        self.colour = sys.stderr.isatty() and not os.environ.get("NO_COLOR")

    def _paint(self, text: str, code: str, stream: Any = None) -> str:
        """`text` in colour when `stream` (stderr by default) is a terminal."""
        shown = self.colour if stream is None else self.colour and stream.isatty()
        return f"\033[{code}m{text}\033[0m" if shown else text

    @staticmethod
    def _write(text: str, stream: Any) -> None:
        # On a terminal a person reads it: no word or byte pair cut by the terminal.
        emit(stream, wrap_lines(printable(text), terminal_width(stream)) + "\n")

    def result(self, text: str) -> None:
        if not self.as_json:
            self._write(text, sys.stdout)

    def note(self, text: str) -> None:
        self._write(text, sys.stderr)

    def warn(self, text: str, as_result: bool = False) -> None:
        """A warning on stderr; on stdout when it is the command's result (not with --json)."""
        stream = sys.stdout if as_result else sys.stderr
        if not (as_result and self.as_json):
            emit(stream, self._paint("WARNING: " + printable(text), "33;1", stream) + "\n")

    def json(self, payload: dict[str, Any]) -> None:
        emit(sys.stdout, dumps(payload) + "\n")

    def report(self, report: Report, *, to_stderr: bool = False) -> None:
        """A report's rows, styled; its --json object with --json."""
        if self.as_json:
            self.json(report.payload)
            return
        stream = sys.stderr if to_stderr else sys.stdout
        width = terminal_width(stream)  # as in _write
        lines = []
        for row in report.rows:
            line = f"{row.text} {row.detail}" if row.kind == "ok" else row.plain()
            line = wrap_lines(line, width)  # rows are printable (render.py)
            colour = {"title": "31;1", "ok": "32;1"}.get(row.kind)
            lines.append(self._paint(line, colour) if colour else line)
        emit(stream, "".join(f"{x}\n" for x in lines))

    def failure(self, error: HvcError, actions: dict[str, str] | None = None) -> int:
        from hvctui.vapi import error_report

        self.report(error_report(error, self.tz, actions), to_stderr=True)
        return error.exit_code


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command = args.command
    if command in ("sim", "status") or len(getattr(args, "sub_profiles", None) or ()) > 1:
        # Off since the start (hvctui/start.py): on for what runs long (a server, a fleet, a
        # link over several profiles); the TUI turns it on after its first frame, and the
        # other commands end in seconds.
        gc.enable()
    if command == "sim":
        from hvctui.sim.server import run_foreground

        try:
            run_foreground(args.host, args.port, latency_ms=args.latency,
                           session_idle=args.session_idle,
                           send_psc_certificate=args.send_psc_certificate)
        except OSError as exc:
            print(f"hvctui sim: cannot listen on {one_line(args.host, 80)}:{args.port}: "
                  f"{one_line(exc.strerror or str(exc), 200)}", file=sys.stderr)
            return ExitCode.BAD_INPUT
        except Exception as exc:  # noqa: BLE001 - a start that fails is one line, no traceback
            print(f"hvctui sim: cannot start: {one_line(str(exc) or type(exc).__name__, 200)}",
                  file=sys.stderr)
            return ExitCode.BAD_INPUT
        return ExitCode.OK
    if command in ("demo", None) and not (sys.stdin.isatty() and sys.stdout.isatty()):
        print("hvctui: the terminal UI needs a terminal (use ssh -t). Without one, use the "
              "commands: hvctui link, links, unlink, status, check-psc, profiles, admins (hvctui "
              "--help).", file=sys.stderr)
        return ExitCode.BAD_INPUT
    if command == "demo":
        from hvctui.demo import run_demo

        return run_demo()
    if command is None:
        from hvctui.tui.launch import run_tui

        return run_tui(profile=args.profile, config=args.config)
    out = Output(getattr(args, "json", False))
    terminal = _terminal_settings()
    try:
        if command == "profiles" and (args.action in PROFILE_EDITS or _field_flags_given(args)):
            return _profiles_edit(args, out)
        if command == "profiles":
            return _profiles(args, out)
        if command == "check-psc":
            return _check_psc(args, out)
        if command == "status":
            return _status(args, out)
        if command == "password":
            return _password(args, out)
        if command == "link" and len(set(args.sub_profiles or ())) > 1:
            return _link_many(args, out)
        _one_target(args)
        return _remote(args, out)
    except KeyboardInterrupt:
        # A prompt that turned echo off may not get to turn it on again (a read left on a
        # thread): the terminal goes back to how it was when the command started.
        _restore_terminal(terminal)
        out.note(("\n" if sys.stderr.isatty() else "") + "Interrupted.")
        return ExitCode.INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - the last guard: a message, never a traceback
        if isinstance(exc, HvcError):
            return out.failure(exc)
        # No traceback: it could show a password held in a local variable.
        out.note(f"hvctui: unexpected failure ({type(exc).__name__}). Nothing more is shown, "
                 "so that no secret can be; the history records it.")
        return ExitCode.SERVER_ERROR


def _terminal_settings() -> list[Any] | None:
    """The settings of the terminal on stdin (None without one), to restore after ctrl+c."""
    try:
        import termios

        return termios.tcgetattr(sys.stdin.fileno()) if sys.stdin.isatty() else None
    except (ImportError, AttributeError, ValueError, OSError):
        return None


def _restore_terminal(settings: list[Any] | None) -> None:
    if settings is None:
        return
    try:
        import termios

        termios.tcsetattr(sys.stdin.fileno(), termios.TCSANOW, settings)
    except (ImportError, AttributeError, ValueError, OSError):
        pass  # no terminal any more: nothing to restore


def _store(args: argparse.Namespace) -> ConfigStore:
    from hvctui.profiles.store import ConfigStore

    path = getattr(args, "sub_config", None) or args.config
    return ConfigStore(path)


def _load_profile(args: argparse.Namespace, out: Output) -> tuple[str, Profile | None]:
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


def _overrides(args: argparse.Namespace, problems: list[Any] | None = None) -> dict[str, Any]:
    """The profile fields the flags give (None: not given). A flag whose value cannot be read
    (--ssl-certificate FILE) is a problem added to `problems`, named with all the others;
    without `problems`, it is raised."""
    tls = ("insecure" if args.insecure else "pinned" if args.pin else
           "ca_file" if args.ca_file else None)
    values: dict[str, Any] = {
        "server": args.server, "user": args.user, "tls": tls, "ca_file": args.ca_file,
        "pin_sha256": args.pin, "accept_language": args.lang,
        "domain_name": getattr(args, "domain", None),
        "admin_groups": getattr(args, "admin_group", None),
        **{f: getattr(args, f, None)
           for f in ("psc_hostname", "psc_port", "psc_user", "ssl_thumbprint")},
    }
    try:
        values["ssl_certificate"] = _read_pem(getattr(args, "ssl_certificate", None))
    except InputError as error:
        if problems is None:
            raise
        from hvctui.service import FieldProblem

        problems.append(FieldProblem("ssl_certificate", error.message.partition(": ")[2]))
    return values


def _read_pem(path: str | None) -> str | None:
    """The text of --ssl-certificate FILE (the CreateSpec judges whether it is a PEM)."""
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

    from hvctui.service import Service, check_payload, prepare_psc_check
    from hvctui.vapi import Verdict

    name, base = _load_profile(args, out)
    overrides = {"psc_hostname": args.psc_hostname, "psc_port": args.psc_port,
                 "ssl_thumbprint": args.ssl_thumbprint,
                 "ssl_certificate": _read_pem(args.ssl_certificate)}
    target = prepare_psc_check(base, overrides, _names(name, overrides))
    check = asyncio.run(Service(_store(args)).check_psc(target.host, target.port,
                                                        target.offered))
    if args.json:
        # psc_check: the same object as in link's --json (the top-level copy is kept for the
        # scripts written against it).
        out.json(check_payload(check, name))
    else:
        _show_check(out, check, given=True, as_result=True)
    if check.verdict is Verdict.DIFFERENT:
        return ExitCode.UNVERIFIED_PEER
    return ExitCode.OK if check.seen_sha256 else ExitCode.NETWORK


def _show_check(out: Output, check: PscCheck, given: bool = False,
                as_result: bool = False) -> None:
    """The verdict of the PSC check, plainly: a warning when DIFFERENT (`given`: compared
    with a certificate the user gave, not one vCenter offered). On stderr, beside a link; on
    stdout (`as_result`) when it is the command's result (check-psc)."""
    from hvctui.vapi import Verdict

    lines = check.lines(given=given)
    say = out.result if as_result else out.note
    if check.verdict is Verdict.DIFFERENT:
        out.warn(lines[0], as_result=as_result)
    else:
        say(lines[0])
    for line in lines[1:]:
        say(line)


def _remote(args: argparse.Namespace, out: Output) -> int:
    import asyncio

    from hvctui.profiles.credentials import tty_prompt
    from hvctui.service import FieldProblem, Service
    from hvctui.vapi import Timeouts

    found: list[FieldProblem] = []  # named with every other problem, at once
    if sum(bool(x) for x in (args.insecure, args.pin, args.ca_file)) > 1:
        found.append(FieldProblem("tls", "choose one of --insecure, --pin and --ca-file"))
    name, base = _load_profile(args, out)
    overrides = _overrides(args, found)
    service = Service(_store(args), cancelled_status="Interrupted")
    # A flag's problem is named by its flag, also when the profile holds that field.
    names = {**_names(name, overrides), **{p.field: FLAG_OF_FIELD[p.field] for p in found}}
    call = service.prepare(name, base, overrides, need_spec=args.command == "link",
                           prompt=tty_prompt(), timeouts=Timeouts(total=args.timeout),
                           names=names, one_target=True, found=found,
                           need_psc_password=getattr(args, "with_psc_credentials", False))
    if call.profile.tls == "insecure":
        out.warn(f"TLS verification is OFF for {call.profile.server}: its certificate is not "
                 "checked (--insecure). Anyone on the path can read the password.")
    if args.command == "link":
        run = _link(service, call, args, out)
    elif args.command == "links":
        run = _links(service, call, out)
    elif args.command == "admins":
        run = _admins(service, call, args, out)
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
    from hvctui.vapi import link_report

    spec = call.spec

    async def decide(offered: CertificateInfo, check: PscCheck) -> bool:
        return await _decide_offer(out, spec.psc_hostname, offered, check,
                                   args.trust_offered, ask=not args.json)

    outcome = await service.link(call, decide)
    report = link_report(outcome.link_id, spec.domain_name, outcome.trusted_thumbprint)
    if args.json:
        out.json(report.payload)
    else:
        out.result(f"Linked {one_line(spec.domain_name, 200)}: link "
                   f"{one_line(outcome.link_id, 200)}")
        out.note("Users log out and back in to see the linked inventory.")
    return ExitCode.OK


async def _decide_offer(out: Output, psc: str, offered: CertificateInfo, check: PscCheck,
                        trust_offered: bool, *, ask: bool) -> bool:
    """The CLI's answer to an UNVERIFIED_PEER offer from `psc`, for one link or many:
    --trust-offered, else a question on a terminal (`ask`), else no. Shows the offer and the
    verdict of hvctui's own check; --trust-offered never trusts a DIFFERENT one."""
    from hvctui.vapi import Verdict, normalize_thumbprint

    # A thumbprint the user gave never reaches here when the offer differs: the core
    # refuses that offer (vapi/flow.py), for every face alike.
    thumbprint = normalize_thumbprint(offered.ssl_thumbprint)
    out.note(f"vCenter answered UNVERIFIED_PEER: it does not trust the certificate of the PSC "
             f"{one_line(psc, 120)} yet, and offers the one it sees there.")
    out.result(f"Offered SHA-256 thumbprint of {psc}: {thumbprint}")
    _show_check(out, check)
    if trust_offered:
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
    if ask and sys.stdin.isatty() and sys.stderr.isatty():
        # The verdict above already says whether to compare it by other means (once).
        different = check.verdict is Verdict.DIFFERENT
        answer = (await ask_on_terminal(
            "Type trust to trust it anyway and resubmit: " if different else
            "Trust this thumbprint and resubmit? [y/N] ")).strip().lower()
        if answer == "trust" or (not different and answer in ("y", "yes")):
            return True
    if check.verdict is Verdict.DIFFERENT:
        out.note("Find out why the certificates differ before linking; if you verify the "
                 f"offered one, run again with --ssl-thumbprint {thumbprint}")
    # Otherwise the report that follows says the next step (render.py), once.
    return False


async def ask_on_terminal(question: str) -> str:
    """Every question the CLI asks on a terminal (trust, type trust, unlink's domain name,
    profiles remove): shown on stderr, then whatever was typed before it was shown is dropped
    (a `y` pressed early must not answer a security question), then one line is read.
    Password prompts need no more: getpass drops typed-ahead input itself (TCSAFLUSH)."""
    emit(sys.stderr, printable(question))
    discard_typed_ahead(sys.stdin)
    return await asyncio_readline()


async def asyncio_readline() -> str:
    """One line from stdin, read by the event loop itself when stdin is a descriptor it can
    watch: ctrl+c then cancels the wait at once (asyncio.run would wait for a thread's read)."""
    import asyncio

    loop = asyncio.get_running_loop()
    try:
        fd = sys.stdin.fileno()
        chunks: list[bytes] = []
        while not chunks or (chunks[-1] and b"\n" not in chunks[-1]):
            ready = loop.create_future()
            loop.add_reader(fd, lambda: ready.done() or ready.set_result(None))
            try:
                await ready
            finally:
                loop.remove_reader(fd)
            chunks.append(os.read(fd, 4096))
    except (AttributeError, ValueError, OSError):  # no descriptor (a test's stream), or a file
        return sys.stdin.readline()
    return b"".join(chunks).decode("utf-8", "replace")


async def in_daemon_thread(read: Callable[[], str]) -> str:
    """`read()`, a blocking prompt, on a daemon thread: ctrl+c cancels the wait at once and the
    process ends even while the read still blocks (asyncio.run joins asyncio.to_thread's)."""
    import asyncio
    import threading

    loop = asyncio.get_running_loop()
    answer: asyncio.Future[str] = loop.create_future()

    def settle(value: str | None, error: BaseException | None) -> None:
        if answer.done():
            return
        if error is not None:
            answer.set_exception(error)
        else:
            answer.set_result(value or "")

    def run() -> None:
        try:
            value, error = read(), None
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting coroutine
            value, error = None, exc
        try:
            loop.call_soon_threadsafe(settle, value, error)
        except RuntimeError:
            pass  # the loop is closed: nobody waits for this answer any more

    threading.Thread(target=run, name="hvctui-prompt", daemon=True).start()
    return await answer


async def _links(service: Service, call: Any, out: Output) -> int:
    from hvctui.vapi import links_report

    out.report(links_report(*await service.links(call, tz=out.tz)))
    return ExitCode.OK


async def _unlink(service: Service, call: Any, args: argparse.Namespace, out: Output) -> int:
    async def confirm(display_name: str) -> bool:
        if args.yes:
            return True
        if not sys.stdin.isatty():
            raise InputError("unlink needs --yes when there is no terminal to confirm on",
                             field="yes")

        typed = await ask_on_terminal(f"Type the domain name ({one_line(display_name)}) to "
                                      f"remove link {one_line(args.link)}: ")
        return typed.strip() == display_name

    removed = await service.unlink(call, args.link, confirm)
    if not removed:
        out.note("Not confirmed: nothing was removed.")
        raise InputError("unlink not confirmed", field="yes")
    if args.json:
        out.json({"ok": True, "link": args.link, "unlinked": True})
    else:
        out.result(f"Unlinked {one_line(args.link, 200)}.")
    return ExitCode.OK


def _readable(store: ConfigStore, out: Output) -> LoadResult:
    """The config for a command that needs it whole: its warnings shown, its zone taken; a file
    that cannot be read is bad input (and stays as it was)."""
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

    from hvctui.fleet import (
        DEFAULT_CONCURRENCY,
        Fleet,
        broken_row,
        counts_words,
        status_payload,
        table_lines,
    )
    from hvctui.profiles.credentials import tty_prompt
    from hvctui.service import Service
    from hvctui.vapi import Timeouts

    store = _store(args)
    loaded = _readable(store, out)
    profiles = loaded.config.profiles
    names = list(dict.fromkeys(args.status_profiles or [*profiles, *loaded.broken]))
    unknown = [n for n in names if n not in profiles and n not in loaded.broken]
    if unknown:
        raise InputError(f"no profile named {unknown[0]!r} (profiles: "
                         f"{', '.join([*profiles, *loaded.broken]) or 'none'})", field="profile")
    # A broken profile is not checked, but it is a row with its problem: never "all well".
    broken_rows = [broken_row(name, loaded.broken[name], store.path.name)
                   for name in names if name in loaded.broken]
    for name in (n for n in names if n in loaded.broken):
        for problem in loaded.broken[name]:
            out.warn(f"{problem} (profile {name!r} not loaded, not checked)")
    names = [n for n in names if n in profiles]
    if not names and not broken_rows:  # nothing checked is not "every link healthy": exit 2
        error = InputError(f"there are no profiles in {store.path}, so nothing to check",
                           field="config", hint=ADD_A_PROFILE)
        error.title = "No profiles"
        raise error
    prompt = tty_prompt()  # on the terminal itself: --json output stays one object

    async def ask(user: str, server: str) -> str | None:
        assert prompt is not None
        return await in_daemon_thread(lambda: prompt(
            f"Password for {one_line(user, 80)} at {one_line(server, 120)}: "))

    service = Service(store, cancelled_status="Interrupted")
    # No terminal: nobody to ask, which each row then says (not "its question was skipped").
    fleet = Fleet(service, concurrency=args.concurrency or DEFAULT_CONCURRENCY,
                  timeouts=Timeouts(total=args.timeout), tz=out.tz,
                  ask_password=ask if prompt is not None else None)
    note = fleet.overrides_note({n: profiles[n] for n in names}, "status")
    if note:
        out.warn(note)

    async def run() -> list[Any]:  # the last row of each profile
        return list({row.profile: row async for row in fleet.refresh(profiles, names)}.values())

    rows = broken_rows + (asyncio.run(run()) if names else [])
    payload = status_payload(rows)
    if args.json:
        out.json(payload)
    else:
        left_out: list[str] = []
        for line in table_lines(rows, out.tz, _columns(), left_out):
            out.result(line)
        if left_out:
            out.note(f"({', '.join(left_out)} left out to fit {_columns()} columns: no row has "
                     "a value there; --json has every field.)")
        c = payload["counts"]
        insecure = sum(row.insecure for row in rows)
        out.note(f"{c['total']} profile{'' if c['total'] == 1 else 's'}: {counts_words(c)}"
                 + (f"; {insecure} with TLS NOT VERIFIED (insecure)." if insecure else "."))
    return ExitCode.OK if payload["ok"] else ExitCode.SERVER_ERROR


def _columns() -> int:
    """The width to fit a table in: COLUMNS when set, as for every tool, else the terminal's
    when stdout is one; 0 (whole lines) for a pipe or a file, which a person does not read
    wrapped and a script reads whole."""
    text = os.environ.get("COLUMNS", "")
    if text.isascii() and text.isdigit() and 0 < int(text[:6]) < 100_000:
        return int(text)
    return terminal_width(sys.stdout)


def _password(args: argparse.Namespace, out: Output) -> int:
    """`hvctui password set|forget`: the keyring entry of one user at one server."""
    from hvctui.profiles.credentials import (
        forget_in_keyring,
        keyring_backend_problem,
        psc_key,
        store_in_keyring,
        vcenter_key,
    )
    from hvctui.vapi import Secret

    loaded = _readable(_store(args), out)
    name = args.sub_profile
    profile = loaded.config.profiles.get(name)
    if profile is None:
        raise InputError(f"no profile named {name!r}", field="profile")
    user, server = ((profile.psc_user, profile.psc_hostname) if args.psc else
                    (profile.user, profile.server))
    if not user.strip() or not server.strip():
        what = "psc_user and psc_hostname" if args.psc else "user and server"
        raise InputError(f"profile {name} has no {what}: a password belongs to a user at a "
                         "server", field="profile")
    key = psc_key(profile) if args.psc else vcenter_key(profile)
    source = profile.psc_password_source if args.psc else profile.password_source
    if args.action == "forget":
        removed, legacy = forget_in_keyring(key)
        out.result(f"Removed the keyring's password of {key}." if removed else
                   f"The keyring held no password of {key}.")
        if legacy:
            out.note(f"An entry an older hvctui stored for {key.user} alone (service hvctui) "
                     "is still there; it is never sent. Remove it with: keyring del hvctui "
                     f"{key.user}")
        return ExitCode.OK
    problem = keyring_backend_problem()
    if problem:  # said before the password is typed, not after
        raise InputError(f"the keyring cannot be used: {problem}", field="password")
    secret = Secret(_read_new_password(key))
    store_in_keyring(key, secret)
    out.result(f"Stored the password of {key} in the keyring.")
    if source != "keyring":
        option = "psc_password_source" if args.psc else "password_source"
        out.note(f"Profile {name} takes this password from {source}: set {option} = "
                 "\"keyring\" to use the stored one.")
    return ExitCode.OK


def _read_new_password(key: Any) -> str:
    """A password to store: asked twice without echo on a terminal, else the first line of
    stdin (as `pass show x | hvctui password set ...` gives it)."""
    if sys.stdin.isatty():
        import getpass

        first = getpass.getpass(f"Password of {key}: ")
        if first and getpass.getpass("Again, to be sure: ") != first:
            raise InputError("the two passwords typed differ: nothing was stored",
                             field="password")
    else:
        first = sys.stdin.readline().rstrip("\r\n")
    if not first:
        raise InputError("no password was given: nothing was stored", field="password")
    return first


def _profiles(args: argparse.Namespace, out: Output) -> int:
    from hvctui.service import Service

    store = _store(args)
    loaded = _readable(store, out)
    profiles = loaded.config.profiles
    if args.action == "list":
        for name, found in loaded.broken.items():
            for problem in found:
                out.warn(f"{problem} (profile {name!r} not loaded; the file keeps it as it is)")
        empty = not profiles and not loaded.broken
        if args.json:
            out.json({"ok": True, "default_profile": loaded.config.default_profile,
                      "profiles": list(profiles), "broken": sorted(loaded.broken)})
        if empty:  # stdout stays empty (but for --json): a list of none
            out.note(f"No profiles in {store.path}. {ADD_A_PROFILE}")
        if args.json or empty:
            return ExitCode.OK
        rows = [("", "PROFILE", "CLOUD VCENTER", "PSC")]
        for name, p in profiles.items():
            mark = "*" if name == loaded.config.default_profile else " "
            rows.append((mark, name, p.server or "-", p.psc_hostname or "-"))
        for name in loaded.broken:
            rows.append(("!", name, "(broken: see the warning above)", ""))

        cells = [[one_line(c, 60) for c in row] for row in rows]
        widths = [max(len(r[i]) for r in cells) for i in range(4)]
        for r in cells:
            out.result("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
        return ExitCode.OK
    if not args.name:
        raise InputError(f"profiles {args.action} needs a profile NAME", field="name")
    profile = _saved(args.name, loaded, store)
    if args.action == "show":
        data = profile.as_dict()
        if args.json:
            out.json({"ok": True, "name": args.name, "profile": data})
        else:
            for key, value in data.items():
                # A list as config.toml writes it (a JSON list of strings is a TOML array),
                # not as Python's repr: what is shown can be pasted into the file.
                out.result(f"{key:<20} {dumps(value) if isinstance(value, list) else value}")
        return ExitCode.OK
    if not args.yes:
        if not sys.stdin.isatty():
            raise InputError("profiles remove needs --yes when there is no terminal to confirm "
                             "on", field="yes")
        import asyncio

        question = f"Remove profile {one_line(args.name, 80)} from {store.path}? [y/N] "
        if asyncio.run(ask_on_terminal(question)).strip().lower() not in ("y", "yes"):
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


# --- what the TUI does, from a script: admins, profile edits, many links, unlink with PSC
# credentials.

#: How to make a first profile, said wherever there is none.
ADD_A_PROFILE = ("Add one with: hvctui profiles add NAME --server HOST --user USER "
                 "--psc-hostname HOST --domain DOMAIN --psc-user USER (hvctui profiles --help "
                 "shows every field), or in the TUI (run hvctui, then n); or name another "
                 "config with --config.")

#: `profiles` actions that write a profile from flags (the TUI form's fields and checks).
PROFILE_EDITS = ("add", "set", "rename", "copy")

#: How `profiles add|set` names the fields it alone has flags for.
PROFILE_FLAGS = {"tls": "--tls", "password_source": "--password-source",
                 "psc_password_source": "--psc-password-source"}

#: The flags of `profiles add|set`, by their argparse dest (refused with other actions).
_FIELD_DESTS = ("server", "user", "password_source", "psc_password_source", "tls", "insecure",
                "pin", "ca_file", "psc_hostname", "psc_port", "domain", "psc_user",
                "ssl_thumbprint", "ssl_certificate", "admin_group", "lang")

#: The flags of `unlink` that say whose PSC credentials are sent.
_UNLINK_PSC_DESTS = ("psc_hostname", "psc_port", "domain", "psc_user")

EXAMPLES = {
    "link": """\
examples:
  hvctui link --profile corp --trust-offered
  hvctui link --profile sddc-1 --profile sddc-2 --trust-offered --json
      several profiles: each with its own values and password source
      (HVCTUI_PASSWORD and HVCTUI_PSC_PASSWORD are not used); one trust
      question per PSC; one line (or --json row) per profile; exit 0 only
      if every profile was linked, else 1
""",
    "unlink": """\
examples:
  hvctui unlink 3f2a... --profile corp --yes
  HVCTUI_PSC_PASSWORD=... hvctui unlink 3f2a... --profile corp \\
      --with-psc-credentials --yes
      removes the link with the PSC administrator's credentials (vCenter
      8.0.1+), only a link to the profile's own SSO domain (domain_name); the
      PSC password comes from HVCTUI_PSC_PASSWORD, else the profile's
      psc_password_source, else a no-echo prompt
""",
    "profiles": """\
examples:
  hvctui profiles add corp --server vcenter.sddc-1.vmwarevmc.com \\
      --user cloudadmin@vmc.local --password-source keyring \\
      --psc-hostname psc.corp.local --domain corp.local \\
      --psc-user administrator@corp.local --psc-password-source env:PSC_PW \\
      --admin-group vmc-admins@corp.local
  hvctui profiles set corp --pin 3A:F1:...:9C --lang de-DE
      changes only those fields
  hvctui profiles rename corp corp-old;  hvctui profiles copy corp corp-test
Passwords are never flags: --password-source / --psc-password-source say
where each comes from (prompt, env:VAR, keyring, command:ARGV). An empty
value clears a field (--psc-port ""); --admin-group replaces the list
(--admin-group "" empties it). --json prints {"ok": true, "name",
"profile"} (rename: "renamed_from"; copy: "copied_from").
""",
    "admins": """\
examples:
  hvctui admins list --profile corp --json         {"ok": true, "groups": [...]}
  hvctui admins add ops@corp.local --profile corp
  hvctui admins remove ops@corp.local --profile corp
""",
}


class _NotAFlag(argparse.Action):
    """--password / --psc-password, anywhere on the command line: refused without echoing the
    value (a password typed on a command line stays in the shell history and the process
    list)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        key = f"{option_string[2:].replace('-', '_')}_source"
        parser.error(f"{option_string}: passwords are never taken as flags; say where it comes "
                     f"from with the profile's {key} (prompt, env:VAR, keyring, command:ARGV; "
                     f"{option_string}-source in profiles add|set)")


def _refuse_password_flags(p: argparse.ArgumentParser) -> None:
    for flag in ("--password", "--psc-password"):
        p.add_argument(flag, nargs="?", action=_NotAFlag, help=argparse.SUPPRESS)


def _profile_field_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("profile fields (add and set; set changes only those given)")
    g.add_argument("--server", metavar="HOST[:PORT]", help="the cloud vCenter (API host)")
    g.add_argument("--user", metavar="USER", help="cloud vCenter user")
    g.add_argument("--password-source", metavar="SRC", help="where the cloud vCenter password "
                   "comes from: prompt, env:VAR, keyring or command:ARGV")
    g.add_argument("--psc-password-source", metavar="SRC", help="likewise, the PSC password")
    g.add_argument("--tls", metavar="MODE", help="system, ca_file, pinned or insecure")
    g.add_argument("--insecure", action="store_true", help="--tls insecure")
    g.add_argument("--pin", metavar="SHA256", help="the vCenter's SHA-256 (and --tls pinned)")
    g.add_argument("--ca-file", metavar="PATH", help="a CA bundle (and --tls ca_file)")
    g.add_argument("--psc-hostname", metavar="HOST", help="the on-premises PSC's host name")
    g.add_argument("--psc-port", metavar="PORT", help="its HTTPS port (empty: 443, not sent)")
    g.add_argument("--domain", metavar="DOMAIN", help="its SSO domain")
    g.add_argument("--psc-user", metavar="USER", help="an administrator of that domain")
    g.add_argument("--ssl-thumbprint", metavar="SHA256", help="the PSC's SHA-256 thumbprint")
    g.add_argument("--ssl-certificate", metavar="FILE", help="the PSC's PEM certificate")
    g.add_argument("--admin-group", action="append", metavar="GROUP@DOMAIN",
                   help="an HLM administrator group (repeatable; replaces the list)")
    g.add_argument("--lang", metavar="LANG", help="Accept-Language, e.g. de-DE")


def _unlink_psc_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("unlink with the PSC's credentials (vCenter 8.0.1+)")
    g.add_argument("--with-psc-credentials", action="store_true",
                   help="send the PSC administrator's credentials with the delete, for a "
                   "vCenter that asks for them; only for a link to the profile's SSO domain")
    g.add_argument("--psc-hostname", metavar="HOST", help="the PSC the password belongs to")
    g.add_argument("--psc-port", metavar="PORT", help="its HTTPS port (default 443)")
    g.add_argument("--domain", metavar="DOMAIN", help="its SSO domain (the link's)")
    g.add_argument("--psc-user", metavar="USER", help="an administrator of that domain")


def _field_flags_given(args: argparse.Namespace) -> list[str]:
    """The profile-field flags on this command line, as typed (`--psc-port`)."""
    return ["--" + d.replace("_", "-") for d in _FIELD_DESTS
            if getattr(args, d, None) not in (None, False)]


def _one_target(args: argparse.Namespace) -> None:
    """The checks of a command aimed at one vCenter made before anything is asked or sent:
    one --profile, the admins GROUP, unlink's PSC flags only with --with-psc-credentials."""
    names = list(dict.fromkeys(getattr(args, "sub_profiles", None) or []))
    if len(names) > 1:
        raise InputError(f"{args.command} acts on one vCenter: give one --profile (got "
                         f"{', '.join(names)})", field="profile")
    args.sub_profile = names[0] if names else None
    if args.command == "admins":
        if args.action == "list" and args.group:
            raise InputError("admins list takes no GROUP", field="group")
        if args.action != "list":
            try:
                check_group(args.group or "")
            except ValueError as exc:
                raise InputError(f"GROUP: {exc}", field="group") from None
    if args.command == "unlink" and not args.with_psc_credentials:
        given = ["--" + d.replace("_", "-") for d in _UNLINK_PSC_DESTS if getattr(args, d)]
        if given:
            raise InputError(f"{', '.join(given)}: only with --with-psc-credentials",
                             field="psc_user")


async def _admins(service: Service, call: Any, args: argparse.Namespace, out: Output) -> int:
    """`hvctui admins list|add|remove`: the TUI's F3, a change recorded in the history."""
    group = args.group.strip() if args.group else None
    groups = await service.administrators(
        call, add=group if args.action == "add" else None,
        remove=group if args.action == "remove" else None)
    if args.json:
        out.json({"ok": True, "groups": groups})
        return ExitCode.OK
    for name in groups:
        out.result(one_line(name, 200))
    if group:
        verb = "Added" if args.action == "add" else "Removed"
        out.note(f"{verb} {one_line(group, 200)} ({len(groups)} groups now).")
    return ExitCode.OK


def _profile_values(args: argparse.Namespace) -> tuple[dict[str, Any], list[Any]]:
    """The profile fields the flags give (None: not given), and the TLS flags' contradictions."""
    from hvctui.service import FieldProblem

    problems: list[Any] = []
    values = _overrides(args, problems)  # the flags `link` shares, read the same way
    values.update(password_source=args.password_source,
                  psc_password_source=args.psc_password_source)
    if args.ssl_certificate == "":
        values["ssl_certificate"] = ""  # cleared, not a file to read
    if args.admin_group is not None:  # `--admin-group ""` empties the list
        values["admin_groups"] = [g for g in args.admin_group if g.strip()]
    shorthand = [f for f, on in (("--insecure", args.insecure), ("--pin", args.pin),
                                 ("--ca-file", args.ca_file)) if on]
    if args.tls is not None:
        values["tls"] = args.tls
        if args.insecure and args.tls != "insecure":
            problems.append(FieldProblem("tls", f"--insecure contradicts --tls {args.tls}"))
    elif len(shorthand) > 1:
        problems.append(FieldProblem("tls", f"choose one of {', '.join(shorthand)} (or say "
                                     "--tls MODE)"))
    return {k: v for k, v in values.items() if v is not None}, problems


def _saved(name: str, loaded: LoadResult, store: ConfigStore) -> Profile:
    """The loaded profile `name`; a broken or unknown one is bad input naming why."""
    if name in loaded.broken:
        problems = "; ".join(str(p) for p in loaded.broken[name]) or "not a valid table"
        raise InputError(f"profile {name!r} is broken in {store.path.name} and was not "
                         f"loaded: {problems}", field="name",
                         hint="Fix or remove it in the file; hvctui never saves over it.")
    if name not in loaded.config.profiles:
        raise InputError(f"no profile named {name!r} (profiles: "
                         f"{', '.join(loaded.config.profiles) or 'none'})", field="name")
    return loaded.config.profiles[name]


def _profiles_edit(args: argparse.Namespace, out: Output) -> int:
    """`hvctui profiles add|set NAME [flags] | rename OLD NEW | copy OLD NEW`: the TUI form's
    fields and checks, every problem named by its flag at once; written by the Service (locked,
    atomic, never over a file or a profile it could not read). Never a password."""
    from hvctui.profiles.store import ConfigError
    from hvctui.service import NotReady, Service, field_problems, merge

    flags = _field_flags_given(args)
    if args.action not in PROFILE_EDITS:
        raise InputError(f"{', '.join(flags)}: only with profiles add or set", field="name")
    pair = args.action in ("rename", "copy")
    if not args.name or (pair and not args.new):
        raise InputError(f"profiles {args.action} needs " +
                         ("OLD and NEW names" if pair else "a profile NAME"), field="name")
    if not pair and args.new:
        raise InputError(f"profiles {args.action} takes one NAME (and flags), not "
                         f"{one_line(args.new, 60)!r} too", field="name")
    if pair and flags:
        raise InputError(f"{', '.join(flags)}: profiles {args.action} takes no field flags "
                         "(change the result with profiles set)", field="name")
    store = _store(args)
    loaded = _readable(store, out)
    base = None if args.action == "add" else _saved(args.name, loaded, store)
    values: dict[str, Any] = {}
    if not pair:
        values, problems = _profile_values(args)
        if args.action == "set" and not values:
            raise InputError("profiles set: nothing to change (give the flags of the fields "
                             "to set; see --help)", field="name")
        profile, merged = merge(base, values)
        problems += merged + [p for p in field_problems(values) if p not in merged]
        if problems or profile is None:
            error = NotReady(problems, {**FLAG_OF_FIELD, **PROFILE_FLAGS})
            error.hint = "Correct the values named; nothing was saved."
            raise error
    service = Service(store)
    try:
        if args.action == "add":
            config = service.add_profile(args.name, profile)
        elif args.action == "set":
            config = service.edit_profile(args.name, values)
        elif args.action == "rename":
            config = service.rename_profile(args.name, args.new)
        else:
            assert base is not None
            config = service.add_profile(args.new, base)
    except (OSError, ConfigError, ValueError) as exc:
        raise InputError(f"not saved: {exc}", field="name",
                         hint=getattr(exc, "hint", "") or "Nothing was changed; the file was "
                         "left as it was.") from None
    name = args.new if pair else args.name
    saved = config.profiles[name]
    if args.json:
        extra = {"renamed_from": args.name} if args.action == "rename" else \
            {"copied_from": args.name} if args.action == "copy" else {}
        out.json({"ok": True, "name": name, **extra, "profile": saved.as_dict()})
    else:
        out.result({"add": f"Added profile {name}.",
                    "set": f"Changed {', '.join(sorted(values))} of profile {name}.",
                    "rename": f"Renamed profile {args.name} to {name}.",
                    "copy": f"Copied profile {args.name} to {name}."}[args.action])
    if saved.tls == "pinned" and not saved.pin_sha256:
        out.note(f"Profile {name} is TLS pinned with no pin yet: give --pin SHA256 (hvctui sim "
                 "and the TUI show it), or link once from the TUI to pin on first use.")
    if saved.tls == "insecure" and not pair:
        out.warn(f"Profile {name} does not verify its vCenter's certificate (tls insecure).")
    return ExitCode.OK


def _link_many(args: argparse.Namespace, out: Output) -> int:
    """`hvctui link --profile a --profile b ...`: the fleet's linking (hvctui/fleet.py), each
    profile with its own spec and password source (never HVCTUI_PASSWORD, which would reach
    every server), one trust answer per PSC, one line or --json row per profile."""
    import asyncio

    from hvctui.fleet import INSECURE_WORDS, Fleet, link_payload
    from hvctui.profiles.credentials import overrides_note, tty_prompt
    from hvctui.service import Service
    from hvctui.vapi import Timeouts

    names = list(dict.fromkeys(args.sub_profiles))
    given = sorted({FLAG_OF_FIELD.get(f, f) for f, v in _overrides(args).items()
                    if v is not None})
    if given:
        raise InputError(f"{', '.join(given)}: with several --profile each profile's own values "
                         "are used; save them in the profiles (hvctui profiles set) or link "
                         "one profile at a time", field="profile")
    store = _store(args)
    loaded = _readable(store, out)
    for name in names:
        _saved(name, loaded, store)
    profiles = loaded.config.profiles
    note = overrides_note("link with several profiles", [profiles[n] for n in names])
    if note:
        out.warn(note)
    for name in names:
        if profiles[name].tls == "insecure":
            out.warn(f"TLS verification is OFF for {profiles[name].server} (profile {name}): "
                     "its certificate is not checked. Anyone on the path can read the password.")
    prompt = tty_prompt()
    service = Service(store, cancelled_status="Interrupted")

    async def run() -> list[Any]:
        terminal = asyncio.Lock()  # one question on the terminal at a time, of either kind

        async def ask(user: str, server: str) -> str | None:
            assert prompt is not None
            async with terminal:  # on the main thread's terms: ctrl+c ends the wait at once
                return await in_daemon_thread(lambda: prompt(
                    f"Password for {one_line(user, 80)} at {one_line(server, 120)}: "))

        async def decide(psc: str, offered: Any, check: Any) -> bool:
            async with terminal:
                return await _decide_offer(out, psc, offered, check, args.trust_offered,
                                           ask=not args.json)

        fleet = Fleet(service, timeouts=Timeouts(total=args.timeout), tz=out.tz,
                      ask_password=ask if prompt is not None else None)
        rows = {row.profile: row async for row in fleet.link(profiles, names, decide)}
        return [rows[name] for name in names if name in rows]

    rows = asyncio.run(run())
    payload = link_payload(rows)
    if args.json:
        out.json(payload)
    else:
        for row in rows:
            text = row.outcome or row.problem
            if row.problem and row.problem not in text:
                text += f" ({row.problem})"
            out.result(f"{row.profile}  {one_line(text, 300)}" +
                       (f"  {INSECURE_WORDS}" if row.insecure else ""))
        c = payload["counts"]
        out.note(f"{c['total']} profiles: {c['linked']} linked, {c['not_linked']} not linked.")
    if service.history_problem:
        out.note(f"({service.history_problem})")
    return ExitCode.OK if payload["ok"] else ExitCode.SERVER_ERROR


if __name__ == "__main__":
    raise SystemExit(main())
