"""The files behind REST authentication: connectd's hashed credential and token files, and Kafka's
``BasicAuthSecurityRestExtension`` setup (a JAAS file naming a ``PropertyFileLoginModule`` file).

connectd's files are Java properties files, one entry a line, holding only hashes of the secrets
(``connectd passwd`` and ``connectd token`` write them)::

    # rest.auth.basic.credentials.file: user = bcrypt hash [, role]
    alice = $2b$12$J6Tx...bcrypt..., admin
    bob = $2b$12$Qm1a...bcrypt..., read-only

    # rest.auth.bearer.tokens.file: name = sha256:<hex of the token's SHA-256> [, role]
    ci-deploy = sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08, admin

The role is ``admin`` (every request) or ``read-only`` (GET and HEAD); without one, ``admin``, as every
user of Kafka's extension. Kafka's own file is ``user: password`` in plaintext, the whole value being
the password (its ``PropertyFileLoginModule``), read through the ``KafkaConnect`` entry of a JAAS file.
Every file is read once, at startup: a change needs a restart, as in Kafka.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import stat
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from connectd.config import ConfigFileError, parse_properties

Role = Literal["admin", "read-only"]
ROLES: tuple[Role, ...] = ("admin", "read-only")
SecretKind = Literal["bcrypt", "sha256", "plaintext"]

BCRYPT_HASH = re.compile(r"\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}")
SHA256_PREFIX = "sha256:"
SHA256_HASH = re.compile(r"sha256:[0-9a-f]{64}")
# bcrypt reads at most 72 bytes of a password; a longer one would be cut silently, so it is refused.
BCRYPT_MAX_PASSWORD_BYTES = 72

KAFKA_JAAS_ENTRY = "KafkaConnect"
KAFKA_LOGIN_MODULE = "org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule"
JAAS_SYSTEM_PROPERTY = "java.security.auth.login.config"


@dataclass(frozen=True, slots=True)
class Credential:
    """One user (Basic) or token (Bearer): its name, the stored secret, and its role."""

    name: str
    secret: str
    kind: SecretKind
    role: Role
    source: Path


def token_digest(token: str) -> str:
    """How a bearer token is stored: ``sha256:`` and the hex digest of its UTF-8 bytes."""
    return SHA256_PREFIX + hashlib.sha256(token.encode()).hexdigest()


def _read(path: Path, key: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigFileError(f"{key}: cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigFileError(f"{key}: {path} is not UTF-8 text") from None


def loosely_readable(path: Path) -> bool:
    """Whether users other than the owner may read ``path`` (a warning, never an error: containers
    mount secrets in many ways)."""
    try:
        return bool(path.stat().st_mode & (stat.S_IRGRP | stat.S_IROTH))
    except OSError:
        return False


def _value_and_role(path: Path, key: str, name: str, value: str) -> tuple[str, Role]:
    secret, *rest = (part.strip() for part in value.split(","))
    if len(rest) > 1:
        raise ConfigFileError(
            f"{key}: {path}: {name!r} names more than one role; give one of {', '.join(ROLES)}"
        )
    role = rest[0] if rest else "admin"
    if role not in ROLES:
        raise ConfigFileError(
            f"{key}: {path}: {name!r} has role {role!r}; expected one of {', '.join(ROLES)}"
        )
    return secret, role  # type: ignore[return-value]


def read_basic_file(path: Path, key: str) -> dict[str, Credential]:
    """Users of a ``rest.auth.basic.credentials.file``: every value a bcrypt hash, then a role."""
    users: dict[str, Credential] = {}
    for name, value in parse_properties(_read(path, key)).items():
        secret, role = _value_and_role(path, key, name, value)
        if not BCRYPT_HASH.fullmatch(secret):
            raise ConfigFileError(
                f"{key}: {path}: the password of {name!r} is not a bcrypt hash; write it with "
                f"`connectd passwd {path} {name}` (Kafka's plaintext files go in a JAAS file, see "
                "rest.extension.classes)"
            )
        users[name] = Credential(name, secret, "bcrypt", role, path)
    if not users:
        raise ConfigFileError(f"{key}: {path} holds no users; add one with `connectd passwd {path} USER`")
    return users


def read_tokens_file(path: Path, key: str) -> list[Credential]:
    """Tokens of a ``rest.auth.bearer.tokens.file``: every value ``sha256:<hex>``, then a role."""
    tokens: list[Credential] = []
    for name, value in parse_properties(_read(path, key)).items():
        secret, role = _value_and_role(path, key, name, value)
        if not SHA256_HASH.fullmatch(secret):
            raise ConfigFileError(
                f"{key}: {path}: the token {name!r} is not stored as sha256:<64 hex digits>; make one "
                f"with `connectd token {path} {name}`"
            )
        tokens.append(Credential(name, secret, "sha256", role, path))
    if not tokens:
        raise ConfigFileError(f"{key}: {path} holds no tokens; add one with `connectd token {path} NAME`")
    return tokens


def read_kafka_credentials(path: Path, key: str) -> dict[str, Credential]:
    """Kafka's ``PropertyFileLoginModule`` file: ``user: password``, the whole value the plaintext
    password, every user allowed everything. Kafka lets every request through when the file is empty;
    connectd refuses to start instead of serving an API open by accident."""
    users = {
        name: Credential(name, value, "plaintext", "admin", path)
        for name, value in parse_properties(_read(path, key)).items()
    }
    if not users:
        raise ConfigFileError(
            f"{key}: the credentials file {path} is empty: Kafka would let every request through; "
            "add users, or remove rest.extension.classes to serve the REST API without authentication"
        )
    return users


# --- Kafka's JAAS file ----------------------------------------------------------------------------

_JAAS_TOKEN = re.compile(
    r"""\s+|//[^\n]*|/\*.*?\*/|"(?P<quoted>(?:\\.|[^"\\])*)"|(?P<punct>[{};=])|(?P<word>[^\s{};="]+)""",
    re.DOTALL,
)


@dataclass(frozen=True, slots=True)
class LoginModule:
    """One module line of a JAAS entry: ``class flag key="value" ...;``."""

    class_name: str
    flag: str
    options: dict[str, str]


def _jaas_tokens(text: str, source: Path) -> Iterator[tuple[str, str]]:
    """(kind, value): kind is ``word`` (quoted strings too), or the punctuation itself."""
    position = 0
    while position < len(text):
        match = _JAAS_TOKEN.match(text, position)
        if match is None:
            raise ConfigFileError(f"{source}: cannot read the JAAS configuration at offset {position}")
        position = match.end()
        if match.group("quoted") is not None:
            yield "word", re.sub(r"\\(.)", r"\1", match.group("quoted"))
        elif match.group("punct") is not None:
            yield match.group("punct"), match.group("punct")
        elif match.group("word") is not None:
            yield "word", match.group("word")


def parse_jaas(text: str, source: Path) -> dict[str, list[LoginModule]]:
    """The entries of a JAAS login configuration: ``Name { module flag options; ... };``."""
    tokens = list(_jaas_tokens(text, source))
    entries: dict[str, list[LoginModule]] = {}
    i = 0

    def expect(kind: str) -> str:
        nonlocal i
        if i >= len(tokens) or tokens[i][0] != kind:
            seen = tokens[i][1] if i < len(tokens) else "the end of the file"
            raise ConfigFileError(f"{source}: invalid JAAS configuration: expected {kind!r}, saw {seen!r}")
        i += 1
        return tokens[i - 1][1]

    while i < len(tokens):
        name = expect("word")
        expect("{")
        modules: list[LoginModule] = []
        while i < len(tokens) and tokens[i][0] != "}":
            class_name, flag = expect("word"), expect("word")
            options: dict[str, str] = {}
            while i < len(tokens) and tokens[i][0] == "word":
                option = expect("word")
                expect("=")
                options[option] = expect("word")
            expect(";")
            modules.append(LoginModule(class_name, flag, options))
        expect("}")
        expect(";")
        entries[name] = modules
    return entries


def kafka_credentials_file(jaas_path: Path, key: str) -> Path:
    """The ``file`` option of the ``PropertyFileLoginModule`` in the ``KafkaConnect`` entry."""
    entries = parse_jaas(_read(jaas_path, key), jaas_path)
    modules = entries.get(KAFKA_JAAS_ENTRY)
    if not modules:
        raise ConfigFileError(
            f"{key}: {jaas_path} has no {KAFKA_JAAS_ENTRY} entry (Kafka's BasicAuthSecurityRestExtension "
            f"reads that one); entries seen: {', '.join(entries) or 'none'}"
        )
    others = [m.class_name for m in modules if m.class_name != KAFKA_LOGIN_MODULE]
    if others:
        raise ConfigFileError(
            f"{key}: {jaas_path}: connectd supports only {KAFKA_LOGIN_MODULE} in the {KAFKA_JAAS_ENTRY} "
            f"entry, not {', '.join(others)}; for hashed passwords use rest.auth.basic.credentials.file"
        )
    file = modules[0].options.get("file", "").strip()
    if not file:
        raise ConfigFileError(f'{key}: {jaas_path}: the PropertyFileLoginModule has no file="..." option')
    return Path(file)


def jaas_path_from_kafka_opts(environ: Mapping[str, str]) -> str | None:
    """``-Djava.security.auth.login.config=PATH`` in ``KAFKA_OPTS``, as Kafka's scripts pass it."""
    try:
        words = shlex.split(environ.get("KAFKA_OPTS", ""))
    except ValueError:
        return None
    prefix = f"-D{JAAS_SYSTEM_PROPERTY}="
    found = [w[len(prefix) :] for w in words if w.startswith(prefix)]
    return found[-1] if found else None


# --- writing connectd's files ----------------------------------------------------------------------


def escape_key(name: str) -> str:
    """``name`` as a properties key: the characters that end or start a key escaped."""
    escaped = "".join("\\" + c if c in "\\=: \t" else c for c in name)
    return "\\" + escaped if escaped[:1] in ("#", "!") else escaped


def entry_line(name: str, secret: str, role: Role) -> str:
    return f"{escape_key(name)} = {secret}, {role}\n"


def _key_of(line: str) -> str | None:
    stripped = line.strip()
    if not stripped or stripped[0] in "#!":
        return None
    parsed = parse_properties(stripped)
    return next(iter(parsed), None)


def write_entry(path: Path, name: str, line: str | None) -> bool:
    """Add, replace (``line``) or remove (``None``) the entry of ``name``, keeping every other line and
    comment; the file is replaced atomically and created private (0600). True when ``name`` was there."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True) if path.exists() else []
    found = False
    kept: list[str] = []
    for existing in lines:
        if _key_of(existing) == name:
            if line is not None and not found:
                kept.append(line)
            found = True
            continue
        kept.append(existing)
    if line is not None and not found:
        if kept and not kept[-1].endswith("\n"):
            kept[-1] += "\n"
        kept.append(line)
    mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o600
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or Path("."))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write("".join(kept))
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return found
