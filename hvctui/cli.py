"""The command line: one entry point, `hvctui`. Imports stay lazy so `--help` is instant."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from datetime import tzinfo
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hvctui.profiles.store import ConfigStore, Profile
    from hvctui.vapi.errors import HvcError
    from hvctui.vapi.models import CertificateInfo

# Flag name of each profile field, for error messages that name what the user typed.
FLAG_OF_FIELD = {
    "server": "--server", "user": "--user", "ca_file": "--ca-file", "pin_sha256": "--pin",
    "psc_hostname": "--psc-hostname", "psc_port": "--psc-port", "domain_name": "--domain",
    "psc_user": "--psc-user", "ssl_thumbprint": "--ssl-thumbprint",
    "admin_groups": "--admin-group", "tls": "--insecure/--pin/--ca-file",
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hvctui",
        description="Link a VMware Cloud vCenter to an on-premises SSO domain (Hybrid Linked "
        "Mode). With no command, opens the terminal UI.",
    )
    parser.add_argument("--profile", help="profile to preselect (default: default_profile)")
    parser.add_argument("--config", type=Path, help="config file (default: "
                        "$HVCTUI_CONFIG_DIR/config.toml or ~/.config/hvctui/config.toml)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    sub.add_parser("demo", help="start the simulator and open the TUI on demo profiles")

    sim = sub.add_parser("sim", help="run the vCenter simulator in the foreground")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=int, default=8443)
    sim.add_argument("--latency", type=int, default=0, metavar="MS", help="added latency")
    sim.add_argument("--session-idle", type=float, default=1800.0, metavar="S",
                     help="session idle expiry in seconds")
    sim.add_argument("--send-psc-certificate", action="store_true",
                     help="act as vSphere 9.0: UNVERIFIED_PEER carries the PSC's PEM too")

    def connection_flags(p: argparse.ArgumentParser) -> None:
        g = p.add_argument_group("connection (the cloud vCenter that receives the call)")
        g.add_argument("--profile", dest="sub_profile", metavar="NAME")
        g.add_argument("--config", dest="sub_config", type=Path, metavar="FILE")
        g.add_argument("--server", metavar="HOST[:PORT]")
        g.add_argument("--user", metavar="USER")
        g.add_argument("--ca-file", metavar="PATH", help="verify against this CA bundle")
        g.add_argument("--pin", metavar="SHA256", help="accept only this certificate")
        g.add_argument("--insecure", action="store_true",
                       help="do not verify the certificate (shown as a warning)")
        g.add_argument("--lang", metavar="LANG", help="Accept-Language, e.g. de-DE")
        g.add_argument("--timeout", type=float, default=60.0, metavar="S",
                       help="give up on a call after this many seconds (default 60)")
        g.add_argument("--json", action="store_true", help="print one JSON object on stdout")

    link = sub.add_parser("link", help="link to the on-premises SSO domain")
    connection_flags(link)
    spec = link.add_argument_group("the foreign PSC (CreateSpec)")
    spec.add_argument("--psc-hostname", metavar="HOST")
    spec.add_argument("--psc-port", metavar="PORT")
    spec.add_argument("--domain", metavar="DOMAIN")
    spec.add_argument("--psc-user", metavar="USER")
    spec.add_argument("--ssl-thumbprint", metavar="SHA256")
    spec.add_argument("--admin-group", action="append", metavar="GROUP@DOMAIN")
    link.add_argument("--trust-offered", action="store_true",
                      help="accept the thumbprint an UNVERIFIED_PEER answer offers, resubmit once")

    links = sub.add_parser("links", help="list links, with health where known")
    connection_flags(links)

    unlink = sub.add_parser("unlink", help="remove a link")
    unlink.add_argument("link", metavar="LINK")
    connection_flags(unlink)
    unlink.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    profiles = sub.add_parser("profiles", help="list, show or remove saved profiles")
    profiles.add_argument("action", choices=["list", "show", "remove"])
    profiles.add_argument("name", nargs="?")
    profiles.add_argument("--json", action="store_true")
    return parser


class Output:
    """stdout for results, stderr for diagnostics; colour only on a TTY without NO_COLOR."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json
        self.tz: tzinfo | None = None  # the config's time zone, once it is read
        self.colour = sys.stderr.isatty() and not os.environ.get("NO_COLOR")

    def _paint(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.colour else text

    def result(self, text: str) -> None:
        if not self.as_json:
            print(text)

    def note(self, text: str) -> None:
        print(text, file=sys.stderr)

    def warn(self, text: str) -> None:
        print(self._paint("WARNING: " + text, "33;1"), file=sys.stderr)

    def json(self, payload: dict[str, Any]) -> None:
        import json

        print(json.dumps(payload, sort_keys=True, ensure_ascii=False))

    def failure(self, error: HvcError) -> int:
        from hvctui.vapi.render import error_json, error_lines

        if self.as_json:
            self.json(error_json(error, self.tz))
        else:
            lines = error_lines(error, self.tz)
            self.note(self._paint(lines[0], "31;1"))
            for line in lines[1:]:
                self.note(line)
        return error.exit_code


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
            print(f"hvctui sim: cannot listen on {args.host}:{args.port}: {exc.strerror}",
                  file=sys.stderr)
            return 2
        return 0
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
        return _remote(args, out)
    except KeyboardInterrupt:
        out.note("Interrupted.")
        return 130
    except Exception as exc:  # noqa: BLE001 - the last guard: report, never a traceback
        from hvctui.vapi.errors import HvcError

        if isinstance(exc, HvcError):
            return out.failure(exc)
        raise


def _store(args: argparse.Namespace) -> ConfigStore:
    from hvctui.profiles.store import ConfigStore

    path = getattr(args, "sub_config", None) or args.config
    return ConfigStore(path)


def _load_profile(args: argparse.Namespace, out: Output) -> tuple[str, Profile | None]:
    from hvctui.vapi.errors import InputError

    store = _store(args)
    loaded = store.load()
    if loaded.warning:
        out.warn(loaded.warning)
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
    return values


def _remote(args: argparse.Namespace, out: Output) -> int:
    from hvctui.profiles.secrets import resolve_password, tty_prompt
    from hvctui.profiles.setup import build_connection, build_link_spec, check_for_link, merge
    from hvctui.profiles.setup import raise_problems
    from hvctui.vapi.connection import Timeouts
    from hvctui.vapi.errors import InputError

    if sum(bool(x) for x in (args.insecure, args.pin, args.ca_file)) > 1:
        raise InputError("choose one of --insecure, --pin and --ca-file", field="tls")
    name, base = _load_profile(args, out)
    profile, problems = merge(base, _overrides(args))
    raise_problems(problems, FLAG_OF_FIELD)
    assert profile is not None
    raise_problems(check_for_link(profile, need_spec=args.command == "link"), FLAG_OF_FIELD)
    if profile.tls == "insecure":
        out.warn(f"TLS verification is OFF for {profile.server}: its certificate is not "
                 "checked (--insecure). Anyone on the path can read the password.")
    prompt = tty_prompt()
    password = resolve_password(profile.password_source, who=profile.user,
                                override_env="HVCTUI_PASSWORD", prompt=prompt)
    # One call at a time and nothing on screen meanwhile: the I/O can block (vapi/inplace.py).
    connection = build_connection(profile, password, Timeouts(total=args.timeout),
                                  in_place_io=True)
    if args.command == "link":
        psc_password = resolve_password(profile.psc_password_source, who=profile.psc_user,
                                        override_env="HVCTUI_PSC_PASSWORD", prompt=prompt)
        spec = build_link_spec(profile, psc_password)
        return _run_recorded(name or "(flags)", "link", profile.server, out,
                             lambda: _link(connection, spec, args, out))
    if args.command == "links":
        return _run_recorded(name or "(flags)", "links", profile.server, out,
                             lambda: _links(connection, out))
    return _run_recorded(name or "(flags)", f"unlink {args.link}", profile.server, out,
                         lambda: _unlink(connection, args, out))


def _run_recorded(profile: str, call: str, server: str, out: Output, run: Any) -> int:
    """Run a remote command and add it to the history, whatever its outcome."""
    from hvctui.profiles.history import History, HistoryEntry, now_text
    from hvctui.vapi.errors import HvcError, ServerError

    started = time.perf_counter()
    status, detail, code = "ok", "", 0
    interrupted = False
    try:
        detail = _run_in_place(run()) or ""
    except HvcError as error:
        code = out.failure(error)
        status = error.error_type.value if isinstance(error, ServerError) else type(error).__name__
        detail = error.title
    except KeyboardInterrupt:
        interrupted, status, detail = True, "Interrupted", "interrupted with ctrl+c"
    try:
        History().append(HistoryEntry(now_text(), profile, call, server, status,
                                      int((time.perf_counter() - started) * 1000), detail))
    except OSError as exc:
        out.note(f"(history not written: {exc})")
    if interrupted:
        if call == "link":
            out.note("If the create call had been sent, the link may exist: check with "
                     "hvctui links before linking again.")
        raise KeyboardInterrupt
    return code


def _run_in_place(call: Any) -> Any:
    """Run a call on a fresh event loop that leaves ctrl+c to Python.

    asyncio.run would turn the first ctrl+c into a cancellation delivered at the next await.
    The CLI's I/O blocks in place (vapi/inplace.py), so that await would come only after the
    current request, and a link could still be created after ctrl+c. Left alone, ctrl+c raises
    KeyboardInterrupt at once, inside the blocked read; the flow's cleanup (logout) still runs.
    """
    import asyncio

    loop = asyncio.new_event_loop()
    task = loop.create_task(call)
    try:
        return loop.run_until_complete(task)
    except KeyboardInterrupt:
        if task.done():
            if not task.cancelled():
                task.exception()  # the interrupt itself, raised inside the call: seen
        else:
            # Interrupted while the loop itself waited (a call through a proxy is truly
            # async): cancel the call as asyncio.run would, so that its logout still runs.
            task.cancel()
            try:
                loop.run_until_complete(task)
            except BaseException:  # noqa: BLE001 - the interrupt is what is reported
                pass
        raise
    finally:
        try:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            loop.close()


async def _link(connection: Any, spec: Any, args: argparse.Namespace, out: Output) -> str:
    from hvctui.vapi import flow

    async def decide(offered: CertificateInfo) -> bool:
        if args.trust_offered:
            out.note(f"Trusting the offered PSC thumbprint {offered.ssl_thumbprint} "
                     "(--trust-offered) and resubmitting once.")
            return True
        if args.json:
            return False
        out.result(f"Offered SHA-256 thumbprint of {spec.psc_hostname}: "
                   f"{offered.ssl_thumbprint}")
        out.note("Check it against the PSC's certificate, then run again with --trust-offered "
                 f"or --ssl-thumbprint {offered.ssl_thumbprint}")
        return False

    outcome = await flow.link(connection, spec, decide)
    if args.json:
        out.json({"ok": True, "link": outcome.link_id, "domain": spec.domain_name,
                  "trusted_thumbprint": outcome.trusted_thumbprint})
    else:
        out.result(f"Linked {spec.domain_name}: link {outcome.link_id}")
        out.note("Users log out and back in to see the linked inventory.")
    return outcome.link_id


async def _links(connection: Any, out: Output) -> str:
    from hvctui.vapi import flow
    from hvctui.vapi.render import render_message

    rows = await flow.list_links(connection)
    if out.as_json:
        out.json({"ok": True, "links": [
            {"link": r.link, "display_name": r.display_name,
             "health": r.info.connection_health_status if r.info else None,
             "health_message": render_message(r.info.health_status_message).text
             if r.info and r.info.health_status_message else None}
            for r in rows]})
    elif not rows:
        out.result("No links.")
    else:
        for r in rows:
            health = r.info.connection_health_status if r.info else "unknown"
            out.result(f"{r.link}  {r.display_name}  {health}")
            if r.info and r.info.health_status_message:
                out.result(f"    {render_message(r.info.health_status_message).text}")
    return f"{len(rows)} links"


async def _unlink(connection: Any, args: argparse.Namespace, out: Output) -> str:
    from hvctui.vapi import flow
    from hvctui.vapi.errors import InputError

    async def confirm(display_name: str) -> bool:
        if args.yes:
            return True
        if not sys.stdin.isatty():
            raise InputError("unlink needs --yes when there is no terminal to confirm on",
                             field="yes")
        typed = input(f"Type the domain name ({display_name}) to remove link {args.link}: ")
        return typed.strip() == display_name

    removed = await flow.unlink(connection, args.link, confirm=confirm)
    if not removed:
        out.note("Not confirmed: nothing was removed.")
        raise InputError("unlink not confirmed", field="yes")
    if args.json:
        out.json({"ok": True, "link": args.link, "unlinked": True})
    else:
        out.result(f"Unlinked {args.link}.")
    return args.link


def _profiles(args: argparse.Namespace, out: Output) -> int:
    from hvctui.vapi.errors import InputError

    store = _store(args)
    loaded = store.load()
    if loaded.error is not None:
        raise InputError(f"the config file cannot be read: {loaded.error}",
                         hint="Fix the file; hvctui left it exactly as it was.")
    if loaded.warning:
        out.warn(loaded.warning)
    profiles = loaded.config.profiles
    if args.action == "list":
        if args.json:
            out.json({"ok": True, "default_profile": loaded.config.default_profile,
                      "profiles": list(profiles)})
        else:
            for name, p in profiles.items():
                mark = "*" if name == loaded.config.default_profile else " "
                out.result(f"{mark} {name:<20} {p.server or '-'}  ->  {p.psc_hostname or '-'}")
            if not profiles:
                out.result(f"No profiles in {store.path}.")
        return 0
    if not args.name:
        raise InputError(f"profiles {args.action} needs a profile NAME", field="name")
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
        return 0

    def remove(config: Any) -> None:
        del config.profiles[args.name]
        if config.default_profile == args.name:
            config.default_profile = ""

    store.update(remove)
    if args.json:
        out.json({"ok": True, "removed": args.name})
    else:
        out.result(f"Removed profile {args.name}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
