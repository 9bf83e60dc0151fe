"""Where passwords come from: an environment variable, the keyring, or a no-echo prompt.

Nothing here ever writes a password anywhere. The keyring is used only when a real backend
exists (not keyring's 'fail' backend, and never keyrings.alt's plain files).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from hvctui.vapi.connection import Secret
from hvctui.vapi.errors import InputError

KEYRING_SERVICE = "hvctui"


class PasswordUnavailable(InputError):
    """No password could be had from the configured source."""


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
    advice = "use password_source = \"prompt\" or \"env:VARNAME\""
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


def resolve_password(
    source: str,
    *,
    who: str,
    override_env: str,
    prompt: Callable[[str], str] | None = None,
    keyring_account: str = "",
) -> Secret:
    """The password for `who`: `override_env` first, then `source`.

    `prompt` is called only when the source is `prompt` (or nothing else gave a password);
    None means no interactive prompt is possible here, which is an InputError. A password that
    is not text (an environment variable holding a byte that is not UTF-8 becomes a lone
    surrogate) is refused here, before anything is sent, and never quoted.
    """
    secret = _resolve_password(source, who=who, override_env=override_env, prompt=prompt,
                               keyring_account=keyring_account)
    try:
        secret.get_secret_value().encode("utf-8")
    except UnicodeEncodeError:
        raise PasswordUnavailable(
            f"the password of {who} is not UTF-8 text (it holds a byte that is not)",
            hint="Give the password as UTF-8 text; nothing was sent.",
        ) from None
    return secret


def _resolve_password(
    source: str,
    *,
    who: str,
    override_env: str,
    prompt: Callable[[str], str] | None,
    keyring_account: str,
) -> Secret:
    value = os.environ.get(override_env)
    if value:
        return Secret(value)
    if source.startswith("env:"):
        name = source[4:]
        value = os.environ.get(name)
        if not value:
            raise PasswordUnavailable(
                f"the password of {who} comes from ${name}, which is not set",
                hint=(f"export {name}=... and run again" if name == override_env else
                      f"export {name}=... (or {override_env}=..., which wins) and run again"),
            )
        return Secret(value)
    if source == "keyring":
        problem = keyring_backend_problem()
        if problem:
            raise PasswordUnavailable(f"cannot read the password of {who} from the keyring: "
                                      f"{problem}")
        import keyring

        try:
            stored = keyring.get_password(KEYRING_SERVICE, keyring_account or who)
        except Exception as exc:  # a locked or broken keyring raises its own types
            raise PasswordUnavailable(
                f"the keyring refused the password of {who}: {type(exc).__name__}",
                hint="unlock the keyring, or use password_source = \"prompt\"",
            ) from None
        if not stored:
            raise PasswordUnavailable(
                f"the keyring holds no password for {keyring_account or who}",
                hint=f"store it with: keyring set {KEYRING_SERVICE} {keyring_account or who}",
            )
        return Secret(stored)
    if prompt is None:
        raise PasswordUnavailable(
            f"no password for {who}: there is no terminal to ask on",
            hint=f"set {override_env}, or give the profile password_source = \"env:VARNAME\"",
        )
    value = prompt(f"Password for {who}: ")
    if not value:
        raise PasswordUnavailable(f"no password was given for {who}")
    return Secret(value)


def tty_prompt() -> Callable[[str], str] | None:
    """A no-echo prompt on the controlling terminal, or None when there is no terminal."""
    if not sys.stdin.isatty():
        return None
    import getpass

    return getpass.getpass
