"""Credentials: a password belongs to a user at a server, and goes nowhere else.

Every face (the form, the Links and Admins screens, the fleet, `status`, every CLI command)
finds a password through `Credentials.find` under its `CredentialKey`: the cloud vCenter's
`user` at `server`, or the PSC's `psc_user` at `psc_hostname[:port]`. A password typed once is
held in memory for that key for the life of the process and reused by every screen; no other
key ever receives it. Nothing here writes a password anywhere.

Where a password may come from, in order: held in memory (typed earlier in this process); the
override variable, only for a command aimed at one vCenter (`override_env`); the profile's
source (`env:VAR`, `keyring`, `command:ARGV`). A `prompt` source returns None: the face asks
the person and hands the answer to `remember`.
"""

from __future__ import annotations

import os
import selectors
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from hvctui.profiles.store import Profile
from hvctui.vapi.checks import split_server
from hvctui.vapi.connection import Secret
from hvctui.vapi.errors import InputError
from hvctui.vapi.text import one_line

#: The keyring service of an entry: one per server, the user name as the account (as git's
#: credential helpers key by host). Before this, entries were ("hvctui", user) for every server.
KEYRING_SERVICE = "hvctui"
#: Environment variables that give the password to a command aimed at one vCenter.
PASSWORD_ENV = "HVCTUI_PASSWORD"
PSC_PASSWORD_ENV = "HVCTUI_PSC_PASSWORD"
#: A `command:` source must answer within this many seconds, in at most this many bytes.
COMMAND_TIMEOUT = 30.0
COMMAND_OUTPUT_LIMIT = 64 * 1024
#: How long a command may go on after printing its first line before it is ended.
COMMAND_LINGER = 1.0


class PasswordUnavailable(InputError):
    """No password could be had from the configured source."""


@dataclass(frozen=True)
class CredentialKey:
    """A user at a server: the only place that user's password is sent."""

    user: str
    server: str  # host, or host:port when the port is not 443; lower case

    @classmethod
    def at(cls, user: str, server: str) -> CredentialKey:
        """The key of `user` at `server` (host[:port]); names compare as SSO compares them,
        case aside, and the default port is the same server as no port."""
        try:
            host, port = split_server(server)
        except ValueError:
            return cls(user.strip().lower(), server.strip().lower())
        host = host.lower()
        if ":" in host:  # IPv6: one spelling per address, and brackets keep the port apart
            import ipaddress

            try:
                host = ipaddress.IPv6Address(host).compressed
            except ValueError:
                pass
            host = f"[{host}]"
        return cls(user.strip().lower(), host if port == 443 else f"{host}:{port}")

    @property
    def keyring_service(self) -> str:
        return f"{KEYRING_SERVICE}:{self.server}"

    def __str__(self) -> str:
        return f"{one_line(self.user, 80)} at {one_line(self.server, 120)}"


def vcenter_key(profile: Profile) -> CredentialKey:
    """The cloud vCenter's user at the cloud vCenter."""
    return CredentialKey.at(profile.user, profile.server)


def psc_key(profile: Profile) -> CredentialKey:
    """The PSC administrator at the PSC (its host and port, as the CreateSpec names them)."""
    host = profile.psc_hostname.strip()
    host = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return CredentialKey.at(profile.psc_user, f"{host}:{profile.psc_port.strip() or 443}")


def source_words(source: str) -> str:
    """Where a source's password comes from, as the form's hint says it."""
    if source.startswith("env:"):
        return f"from ${source[4:]}"
    if source == "keyring":
        return "from the keyring"
    if source.startswith("command:"):
        return f"from the command {one_line(source[8:], 40)}"
    return "typed; kept in memory only"


def withheld(key: CredentialKey, source: str, saved: CredentialKey | None,
             sent_to: str = "", saved_sent_to: str = "") -> str:
    """Why the profile's password source is not asked for `key`, or "" when it may be.

    A profile's source (`env:VAR`, `keyring`, `command:ARGV`) gives the password of the
    profile's saved user at its saved server (`saved`), sent only where the saved profile
    sends it: the PSC's password goes to the cloud vCenter (`sent_to`, saved: `saved_sent_to`).
    Once the user, the server or the vCenter it goes to is edited (in the form, or by a flag)
    and not saved, the password is not taken from it: a person gives it (typed, a prompt).
    A profile saved with no user or no server has a source for nobody."""
    source = source.strip()
    if source in ("", "prompt") or saved is None:
        return ""
    shown = one_line(source, 60)
    if not saved.user or not saved.server:
        return (f"the profile's password source ({shown}) is saved with no user or no server, "
                "so it is for nobody yet: save the profile with both")
    if saved != key:
        return (f"the profile's password source ({shown}) is for {saved} as saved, not for "
                f"{key}: it is not used for an edited user or server")
    if sent_to != saved_sent_to:
        return (f"the profile's password source ({shown}) is sent only to the vCenter the "
                f"profile is saved with ({one_line(saved_sent_to, 80)}), not to "
                f"{one_line(sent_to, 80)}")
    return ""


def ignored_overrides(profiles: Iterable[Profile] = (),
                      environ: Mapping[str, str] | None = None) -> list[str]:
    """The override variables that are set and that no profile names as its own source: a
    face over many profiles says it does not use them."""
    env = os.environ if environ is None else environ
    named = {source[4:] for p in profiles
             for source in (p.password_source, p.psc_password_source) if source.startswith("env:")}
    return [name for name in (PASSWORD_ENV, PSC_PASSWORD_ENV)
            if env.get(name) and name not in named]


def overrides_note(what: str, profiles: Iterable[Profile] = ()) -> str:
    """The words for `ignored_overrides`, or "" when there is nothing to say."""
    names = ignored_overrides(profiles)
    if not names:
        return ""
    return (f"{' and '.join(names)} {'is' if len(names) == 1 else 'are'} set but not used: "
            f"{what} uses each profile's own password source (the variables are for a command "
            "aimed at one vCenter)")


class Credentials:
    """The passwords of one process, each held under its key; never written anywhere."""

    def __init__(self) -> None:
        self._held: dict[CredentialKey, Secret] = {}
        self._declined: dict[CredentialKey, str] = {}
        #: Passwords a server refused for a key: never sent to it again by this process (SSO
        #: locks an account after three failed logins).
        self._rejected: dict[CredentialKey, list[Secret]] = {}
        #: Told after each change of what is held, refused or declined (a face's hints).
        self._listeners: list[Callable[[], None]] = []

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener` after each change of what is held or refused; returns the
        function that stops it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners \
            else None

    def _changed(self) -> None:
        for listener in list(self._listeners):
            listener()

    def held(self, key: CredentialKey) -> Secret | None:
        return self._held.get(key)

    def check_text(self, key: CredentialKey, secret: Secret) -> Secret:
        """`secret`, if it is text that can be sent (see _check_text); no core file is written
        from here on."""
        _check_text(secret, key)
        disable_core_dumps()
        return secret

    def remember(self, key: CredentialKey, secret: Secret) -> Secret:
        """Hold a password a person gave for `key` (checked to be text, and not one the
        server already refused: PasswordUnavailable)."""
        self.check_not_rejected(key, self.check_text(key, secret), "typed")
        changed = self._held.get(key) != secret or key in self._declined
        self._held[key] = secret
        self._declined.pop(key, None)
        if changed:
            self._changed()
        return secret

    def reject(self, key: CredentialKey, secret: Secret) -> None:
        """The server refused `secret` for `key`: it is no longer held, and never sent again."""
        if self._held.get(key) == secret:
            del self._held[key]
        self._rejected.setdefault(key, []).append(secret)
        self._changed()

    def check_not_rejected(self, key: CredentialKey, secret: Secret, where: str) -> Secret:
        """`secret`, unless the server already refused it for `key` in this process."""
        if secret in self._rejected.get(key, ()):
            raise PasswordUnavailable(
                f"the password {where} for {key} was refused by the server earlier in this "
                "session, so it is not sent again",
                hint="Give the right one (SSO locks an account after three failed logins).")
        return secret

    def decline(self, key: CredentialKey, why: str = "its question was skipped") -> None:
        """The person was asked for `key` and gave nothing usable: later finds say `why`."""
        self._declined[key] = why
        self._changed()

    def find(self, key: CredentialKey, source: str, *, override_env: str = "",
             store_hint: str = "", saved: CredentialKey | None = None,
             sent_to: str = "", saved_sent_to: str = "") -> Secret | None:
        """The password of `key` without asking anyone; None when a person must be asked.

        `override_env` is given only by a command aimed at this one server. `store_hint` is
        the command that stores the keyring entry, for the messages that need it. `saved` is
        the key the profile is saved with: its source gives that key's password only, sent
        to where the saved profile sends it (`withheld`); otherwise a person is asked.
        """
        held = self._held.get(key)
        if held is not None:
            return held
        if override_env and os.environ.get(override_env):
            secret = Secret(os.environ[override_env])
            return self.check_not_rejected(key, self.check_text(key, secret), f"in ${override_env}")
        if withheld(key, source, saved, sent_to, saved_sent_to):
            source = "prompt"
        if source.startswith("env:"):
            name = source[4:]
            value = os.environ.get(name)
            if not value:
                hint = (f"export {name}=... and run again" if not override_env else
                        f"export {name}=... (or {override_env}=..., which wins) and run again")
                raise PasswordUnavailable(
                    f"the password of {key} comes from ${name}, which is not set", hint=hint)
            return self.check_not_rejected(key, self.check_text(key, Secret(value)), f"in ${name}")
        if source == "keyring":
            return self.check_not_rejected(key, self.check_text(key, keyring_password(
                key, store_hint)), "in the keyring")
        if source.startswith("command:"):
            return self.check_not_rejected(key, self.check_text(key, command_password(
                source[8:], key)), "from the command")
        if key in self._declined:
            raise PasswordUnavailable(f"the password of {key} was not given "
                                      f"({self._declined[key]})", hint="Give it, then try again.")
        return None


def _check_text(secret: Secret, key: CredentialKey) -> None:
    """A password that is not text (a byte that is not UTF-8 in an environment variable
    becomes a lone surrogate) is refused before anything is sent, and never quoted."""
    try:
        secret.get_secret_value().encode("utf-8")
    except UnicodeEncodeError:
        raise PasswordUnavailable(
            f"the password of {key} is not UTF-8 text (it holds a byte that is not)",
            hint="Give the password as UTF-8 text; nothing was sent.") from None


_core_dumps_off = False


def disable_core_dumps() -> None:
    """A process holding a password writes no core file (it would hold the password)."""
    global _core_dumps_off
    if _core_dumps_off:
        return
    try:
        import resource
    except ImportError:  # Windows: no core files to speak of
        _core_dumps_off = True
        return
    try:
        # The soft limit: enough for the kernel to write no core file of this process.
        resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))
        _core_dumps_off = True
    except (ValueError, OSError):
        pass


# --- the keyring ---------------------------------------------------------------------------

#: Backends that hold no password: keyring's "fail" and "null", and the chainer itself.
_NOT_A_KEYRING = ("keyring.backends.fail", "keyring.backends.null", "keyring.backends.chainer")


def _module(backend: object) -> str:
    return type(backend).__module__ or ""


def _members(backend: object) -> list[object]:
    """The backends a read goes to: a chainer's members in its order, else the backend."""
    if _module(backend) == "keyring.backends.chainer" or \
            type(backend).__name__ == "ChainerBackend":
        return list(getattr(backend, "backends", None) or [])
    return [backend]


def keyring_backend_problem() -> str:
    """Empty when a real keyring backend is usable; else why not, in one sentence.

    Refused: keyring's fail or null backend, and any backend from keyrings.alt (a plain file
    in the home folder), alone or among a chainer's members (a read could go to it).
    """
    try:
        import keyring
    except ImportError:
        return "the keyring package is not installed (pip install 'hvctui[keyring]')"
    try:
        from keyring.backends import fail
        fail_class: type | None = fail.Keyring
    except (ImportError, AttributeError):
        fail_class = None
    advice = "use password_source = \"prompt\", \"env:VARNAME\" or \"command:ARGV\""
    try:
        backend = keyring.get_keyring()
        members = _members(backend)
    except Exception as exc:  # noqa: BLE001 - a broken keyring setup raises its own types
        return f"the keyring could not be opened ({type(exc).__name__}); {advice}"
    plain = [m for m in members if _module(m).startswith("keyrings.alt")]
    if plain:
        return (f"the keyring would use {type(plain[0]).__name__} from keyrings.alt, which keeps "
                f"passwords in a plain file; {advice}")
    real = [m for m in members if _module(m) not in _NOT_A_KEYRING
            and not (fail_class is not None and isinstance(m, fail_class))]
    if not real:
        return f"no usable keyring backend on this host ({type(backend).__name__}); {advice}"
    return ""


def _keyring() -> object:
    problem = keyring_backend_problem()
    if problem:
        raise PasswordUnavailable(f"the keyring cannot be used: {problem}")
    import keyring

    return keyring


def keyring_password(key: CredentialKey, store_hint: str = "") -> Secret:
    """The keyring's entry for exactly this user at this server.

    An entry an older hvctui stored under the user name alone is never sent by itself: every
    SDDC's admin is cloudadmin@vmc.local, so it cannot say which server it is for.
    """
    keyring = _keyring()
    how = store_hint or "hvctui password set --profile NAME"
    try:
        stored = keyring.get_password(key.keyring_service, key.user)  # type: ignore[attr-defined]
        legacy = None if stored else keyring.get_password(  # type: ignore[attr-defined]
            KEYRING_SERVICE, key.user)
    except Exception as exc:  # noqa: BLE001 - a locked or broken keyring raises its own types
        raise PasswordUnavailable(f"the keyring refused the password of {key}: "
                                  f"{type(exc).__name__}",
                                  hint="Unlock the keyring, or use another password source."
                                  ) from None
    if stored:
        return Secret(stored)
    if legacy:
        raise PasswordUnavailable(
            f"the keyring holds no password for {key}; it holds one that an older hvctui "
            f"stored for {one_line(key.user, 80)} on every server, which is not sent",
            hint=f"Store it for this server: {how}")
    raise PasswordUnavailable(f"the keyring holds no password for {key}",
                              hint=f"Store it with: {how}")


def store_in_keyring(key: CredentialKey, secret: Secret) -> None:
    """Store the password of `key` in the keyring (`hvctui password set`)."""
    keyring = _keyring()
    _check_text(secret, key)
    try:
        keyring.set_password(key.keyring_service, key.user,  # type: ignore[attr-defined]
                             secret.get_secret_value())
    except Exception as exc:  # noqa: BLE001 - a locked or broken keyring raises its own types
        raise PasswordUnavailable(f"the keyring refused to store the password of {key}: "
                                  f"{type(exc).__name__}") from None


def forget_in_keyring(key: CredentialKey) -> tuple[bool, bool]:
    """Remove the keyring's entry for `key`: (one was removed, an old user-only one is left)."""
    keyring = _keyring()
    removed = False
    try:
        if keyring.get_password(key.keyring_service, key.user):  # type: ignore[attr-defined]
            keyring.delete_password(key.keyring_service, key.user)  # type: ignore[attr-defined]
            removed = True
        legacy = bool(keyring.get_password(KEYRING_SERVICE, key.user))  # type: ignore[attr-defined]
    except Exception as exc:  # noqa: BLE001 - a locked or broken keyring raises its own types
        raise PasswordUnavailable(f"the keyring refused to remove the password of {key}: "
                                  f"{type(exc).__name__}") from None
    return removed, legacy


# --- a command that prints the password ----------------------------------------------------


def command_password(command: str, key: CredentialKey,
                     timeout: float = COMMAND_TIMEOUT) -> Secret:
    """The first line `command` prints on stdout, run without a shell (as a `git credential`
    helper, `pass show`, a vault CLI). It is told which credential is wanted in
    HVCTUI_CREDENTIAL_USER and HVCTUI_CREDENTIAL_SERVER; its stderr is not shown (it is not
    ours to show, and a terminal UI may be drawn over it)."""
    argv = shlex.split(command)
    name = one_line(argv[0], 60) if argv else "?"
    env = dict(os.environ, HVCTUI_CREDENTIAL_USER=key.user, HVCTUI_CREDENTIAL_SERVER=key.server)
    for var in (PASSWORD_ENV, PSC_PASSWORD_ENV):
        env.pop(var, None)
    try:
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL, env=env, shell=False)
    except (OSError, ValueError) as exc:
        reason = "was not found" if isinstance(exc, FileNotFoundError) else \
            f"could not be started ({type(exc).__name__})"
        raise PasswordUnavailable(f"the password of {key} comes from the command {name}, "
                                  f"which {reason}",
                                  hint="Fix the profile's command: source.") from None
    try:
        output, timed_out, lingered = _read_bounded(process, timeout)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
    if timed_out:
        raise PasswordUnavailable(f"the command {name} gave no password of {key} within "
                                  f"{timeout:g} s", hint="Run it yourself to see why.")
    if len(output) >= COMMAND_OUTPUT_LIMIT and b"\n" not in output:
        raise PasswordUnavailable(f"the command {name} printed more than "
                                  f"{COMMAND_OUTPUT_LIMIT // 1024} KiB without a line end: "
                                  f"that is not a password of {key}")
    if process.returncode != 0 and not lingered:
        raise PasswordUnavailable(f"the command {name} exited with status "
                                  f"{process.returncode} instead of printing the password of "
                                  f"{key}", hint="Run it yourself to see why.")
    line = output.split(b"\n", 1)[0].rstrip(b"\r")
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        raise PasswordUnavailable(f"the command {name} printed a password of {key} that is "
                                  "not UTF-8 text") from None
    if not text:
        raise PasswordUnavailable(f"the command {name} printed no password of {key}",
                                  hint="It must print the password on its first line.")
    return Secret(text)


def _read_bounded(process: subprocess.Popen[bytes], timeout: float
                  ) -> tuple[bytes, bool, bool]:
    """What the process prints up to its first line end (at most COMMAND_OUTPUT_LIMIT
    bytes); whether it ran out of time; whether it lingered after its first line (and was
    ended, which is no failure of its answer)."""
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    chunks: list[bytes] = []
    size = 0
    if sys.platform == "win32":  # no select on pipes there: a plain bounded read
        data = process.stdout.read(COMMAND_OUTPUT_LIMIT)
        process.wait(timeout)
        return data, False, False
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while size < COMMAND_OUTPUT_LIMIT:
            left = deadline - time.monotonic()
            if left <= 0:
                return b"".join(chunks), True, False
            if not selector.select(left):
                continue
            chunk = os.read(process.stdout.fileno(), COMMAND_OUTPUT_LIMIT - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if b"\n" in chunk:
                break
    data = b"".join(chunks)
    answered = b"\n" in data
    # After its first line a helper has COMMAND_LINGER to exit (its status says whether the
    # line is an answer); output too long is no answer at all: neither waits out the timeout.
    left = max(0.0, deadline - time.monotonic())
    wait = min(left, COMMAND_LINGER) if answered else 0.0 if size >= COMMAND_OUTPUT_LIMIT \
        else left
    try:
        process.wait(wait)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return data, False, answered
    return data, False, False


Ask = Callable[[str], str]


def tty_prompt() -> Ask | None:
    """A no-echo prompt on the controlling terminal, or None when there is no terminal."""
    if not sys.stdin.isatty():
        return None
    import getpass

    return getpass.getpass
