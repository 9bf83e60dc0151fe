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


def keyring_backend_problem() -> str:
    """Empty when a real keyring backend is usable; else why not, in one sentence."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return "the keyring package is not installed (pip install 'hvctui[keyring]')"
    backend = keyring.get_keyring()
    module = type(backend).__module__
    if isinstance(backend, fail.Keyring) or module.startswith("keyrings.alt"):
        return (f"no usable keyring backend on this host ({type(backend).__name__}); "
                "use password_source = \"prompt\" or \"env:VARNAME\"")
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
    None means no interactive prompt is possible here, which is an InputError.
    """
    value = os.environ.get(override_env)
    if value:
        return Secret(value)
    if source.startswith("env:"):
        name = source[4:]
        value = os.environ.get(name)
        if not value:
            raise PasswordUnavailable(
                f"the password of {who} comes from ${name}, which is not set",
                hint=f"export {name}=... (or set {override_env}) and run again",
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
