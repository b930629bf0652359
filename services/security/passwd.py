"""``connectd passwd`` and ``connectd token``: add, replace or remove an entry of the REST credential
files (format: :mod:`gateway.credentials`).

A password is read from the terminal (twice, not echoed) or, when stdin is not a terminal, as the
first line of stdin: never from the command line, where other users see it in the process list. A
token is generated, printed once and stored only as its SHA-256 digest.
"""

from __future__ import annotations

import getpass
import secrets
import sys
import unicodedata
from pathlib import Path
from typing import TextIO

import bcrypt

from gateway.credentials import (
    BCRYPT_MAX_PASSWORD_BYTES,
    Role,
    entry_line,
    token_digest,
    write_entry,
)

BCRYPT_ROUNDS = 12  # about 0.25 s a check; the gateway caches a verified password in memory
TOKEN_BYTES = 32


class PasswdError(ValueError):
    """A one-line reason the command did nothing."""


def check_name(name: str, what: str) -> None:
    """A name HTTP Basic can carry (no colon) and a log line shows unambiguously."""
    if not name or name != name.strip():
        raise PasswdError(f"the {what} must be non-empty, without leading or trailing spaces")
    if ":" in name and what == "user name":
        raise PasswdError("a user name cannot contain ':' (HTTP Basic ends the user name at the first ':')")
    if any(unicodedata.category(c).startswith("C") for c in name):
        raise PasswdError(f"the {what} cannot contain control characters")


def read_password(user: str, stdin: TextIO, confirm: bool = True) -> str:
    if stdin.isatty():
        password = getpass.getpass(f"Password for {user}: ")
        if confirm and getpass.getpass("Again: ") != password:
            raise PasswdError("the passwords differ; nothing changed")
    else:
        password = stdin.readline().removesuffix("\n").removesuffix("\r")
    if not password:
        raise PasswdError("empty password; nothing changed")
    if len(password.encode()) > BCRYPT_MAX_PASSWORD_BYTES:
        raise PasswdError(f"the password is longer than bcrypt's {BCRYPT_MAX_PASSWORD_BYTES} bytes")
    return password


def hash_password(password: str, rounds: int = BCRYPT_ROUNDS) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds)).decode("ascii")


def set_password(path: Path, user: str, password: str, role: Role, rounds: int = BCRYPT_ROUNDS) -> bool:
    """Store ``user``'s bcrypt hash and role in ``path``; True when the user existed (replaced)."""
    check_name(user, "user name")
    return write_entry(path, user, entry_line(user, hash_password(password, rounds), role))


def new_token(path: Path, name: str, role: Role) -> str:
    """A new random token stored as ``name`` (replacing one of that name); the token itself."""
    check_name(name, "token name")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    write_entry(path, name, entry_line(name, token_digest(token), role))
    return token


def remove(path: Path, name: str) -> bool:
    if not path.exists():
        return False
    return write_entry(path, name, None)


def _reminder() -> str:
    return "read at startup: restart the gateway, workers or standalone worker that use it"


def run_passwd(file: str, user: str, role: Role, delete: bool, stdin: TextIO = sys.stdin) -> int:
    path = Path(file)
    try:
        if delete:
            if not remove(path, user):
                raise PasswdError(f"no user {user!r} in {path}")
            print(f"removed user {user} from {path} ({_reminder()})", file=sys.stderr)
            return 0
        check_name(user, "user name")
        existed = set_password(path, user, read_password(user, stdin), role)
    except (PasswdError, OSError) as exc:
        print(f"connectd passwd: {exc}", file=sys.stderr)
        return 2
    verb = "updated" if existed else "added"
    print(f"{verb} user {user} ({role}) in {path} ({_reminder()})", file=sys.stderr)
    return 0


def run_token(file: str, name: str, role: Role, delete: bool) -> int:
    path = Path(file)
    try:
        if delete:
            if not remove(path, name):
                raise PasswdError(f"no token {name!r} in {path}")
            print(f"removed token {name} from {path} ({_reminder()})", file=sys.stderr)
            return 0
        token = new_token(path, name, role)
    except (PasswdError, OSError) as exc:
        print(f"connectd token: {exc}", file=sys.stderr)
        return 2
    print(token)
    print(
        f"token {name} ({role}) stored in {path} as its SHA-256 digest; the token above is shown only "
        f"now: send it as 'Authorization: Bearer <token>' ({_reminder()})",
        file=sys.stderr,
    )
    return 0
