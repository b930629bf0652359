"""The gateway's auth dependency: who is calling (HTTP Basic or a bearer token) and whether their role
allows the request. Runs first on every route of the REST API, in the gateway, every worker and
standalone alike.

Sources, from the worker config (any together; none: the API is open, as Kafka's):

* ``rest.auth.basic.credentials.file``: users with bcrypt hashes and a role (``connectd passwd``).
* ``rest.auth.bearer.tokens.file``: tokens stored as SHA-256 digests, with a role (``connectd token``).
* ``rest.extension.classes=org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension``
  with a JAAS file (``rest.auth.jaas.config.file``, else ``-Djava.security.auth.login.config`` in
  ``KAFKA_OPTS``): Kafka's plaintext ``PropertyFileLoginModule`` file, as existing setups have it.

Kafka's answer to a missing or wrong credential is kept: 401 ``User cannot access the resource.`` (in
the usual error body), whatever went wrong; the log says what (never the secret). Beyond Kafka, a
``read-only`` role may only GET and HEAD (403 otherwise); ``admin`` may do everything.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
import os
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import anyio
import anyio.to_thread
import bcrypt
from fastapi import Request

from connectd.config import ConfigFileError, WorkerConfig
from gateway.credentials import (
    BCRYPT_MAX_PASSWORD_BYTES,
    Credential,
    Role,
    jaas_path_from_kafka_opts,
    kafka_credentials_file,
    loosely_readable,
    read_basic_file,
    read_kafka_credentials,
    read_tokens_file,
    token_digest,
)
from gateway.errors import RequestError

log = logging.getLogger("connectd.rest.auth")

BASIC_FILE_KEY = "rest.auth.basic.credentials.file"
TOKENS_FILE_KEY = "rest.auth.bearer.tokens.file"
JAAS_FILE_KEY = "rest.auth.jaas.config.file"
EXTENSION_KEY = "rest.extension.classes"
KAFKA_BASIC_AUTH_EXTENSION = (
    "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension"
)
# Kafka's JaasBasicAuthFilter answers every authentication failure with this.
UNAUTHORIZED_MESSAGE = "User cannot access the resource."
READ_ONLY_METHODS = frozenset({"GET", "HEAD"})
REALM = "Kafka Connect"
# A hash to check unknown users' passwords against, so that they cost what known users' do (no user
# enumeration by timing): of a random password nobody kept, at the cost `connectd passwd` writes (12).
_DUMMY_HASH = b"$2b$12$1QiDATm68y7eMxrgI2hLBu6MFdBlSW.7XDtKZlf6PyYydqfhlUz9u"
# Verified (user, password) pairs kept by a keyed digest, so a client's every request does not cost a
# bcrypt check (~0.25 s of CPU); bounded, and only successes are kept.
_CACHE_LIMIT = 4096
# bcrypt checks run on worker threads, at most this many at once: a flood of wrong passwords queues
# there instead of taking every thread the routes need.
_BCRYPT_THREADS = 2

Scheme = Literal["basic", "bearer"]


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller."""

    name: str
    role: Role
    scheme: Scheme


class AuthFailure(Exception):
    """Why a request was not authenticated: ``reason`` is for the log, never for the client."""

    def __init__(self, reason: str, user: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.user = user


class Authenticator:
    """Checks credentials against what the config's files hold. Without any source it is open:
    :meth:`enabled` is false and every request passes."""

    def __init__(
        self, users: Mapping[str, Credential] | None = None, tokens: Sequence[Credential] = ()
    ) -> None:
        self.users = dict(users or {})
        self.tokens = list(tokens)
        self._cache_key = secrets.token_bytes(32)
        self._verified: dict[bytes, Principal] = {}
        self._limiter: anyio.CapacityLimiter | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.users or self.tokens)

    def describe(self) -> str:
        parts = []
        if self.users:
            parts.append(f"HTTP Basic ({len(self.users)} users)")
        if self.tokens:
            parts.append(f"bearer tokens ({len(self.tokens)})")
        return " and ".join(parts) or "none"

    def challenges(self) -> list[str]:
        """``WWW-Authenticate`` values of a 401: the schemes this API accepts."""
        found = []
        if self.users:
            found.append(f'Basic realm="{REALM}", charset="UTF-8"')
        if self.tokens:
            found.append(f'Bearer realm="{REALM}"')
        return found

    @classmethod
    def from_config(
        cls, config: WorkerConfig | None, environ: Mapping[str, str] | None = None
    ) -> Authenticator:
        """The sources the config names, read now; ConfigFileError (one line, naming the key) when a
        file is missing or malformed."""
        if config is None:
            return cls()
        environ = os.environ if environ is None else environ
        originals = config.originals
        users: dict[str, Credential] = {}
        if path := _path(originals, BASIC_FILE_KEY):
            users.update(read_basic_file(path, BASIC_FILE_KEY))
            _warn_if_readable(path, BASIC_FILE_KEY)
        if kafka_file := _kafka_extension_file(config, environ):
            kafka_users = read_kafka_credentials(kafka_file, EXTENSION_KEY)
            clash = sorted(set(users) & set(kafka_users))
            if clash:
                raise ConfigFileError(
                    f"{EXTENSION_KEY}: user {clash[0]!r} is both in {kafka_file} and in "
                    f"{BASIC_FILE_KEY}; keep one"
                )
            users.update(kafka_users)
            log.warning(
                "%s (Kafka's PropertyFileLoginModule) holds %d plaintext password(s): prefer bcrypt hashes "
                "in %s, written with `connectd passwd FILE USER`",
                kafka_file,
                len(kafka_users),
                BASIC_FILE_KEY,
            )
            _warn_if_readable(kafka_file, EXTENSION_KEY)
        tokens: list[Credential] = []
        if path := _path(originals, TOKENS_FILE_KEY):
            tokens = read_tokens_file(path, TOKENS_FILE_KEY)
            _warn_if_readable(path, TOKENS_FILE_KEY)
        return cls(users, tokens)

    # --- authentication ------------------------------------------------------------------------

    async def authenticate(self, authorization: str | None) -> Principal:
        """The caller the ``Authorization`` header names; AuthFailure when it names nobody."""
        if not authorization:
            raise AuthFailure("no credentials")
        scheme, _, value = authorization.strip().partition(" ")
        if scheme.lower() == "basic" and self.users:
            return await self._basic(value.strip())
        if scheme.lower() == "bearer" and self.tokens:
            return self._bearer(value.strip())
        raise AuthFailure(f"unsupported authentication scheme {scheme[:20]!r}")

    async def _basic(self, encoded: str) -> Principal:
        try:
            decoded = base64.b64decode(encoded, validate=True).decode("utf-8", errors="replace")
        except (binascii.Error, ValueError):
            raise AuthFailure("malformed Basic credentials (not base64)") from None
        user, colon, password = decoded.partition(":")
        if not colon or not user:
            raise AuthFailure("malformed Basic credentials (no user name and colon)")
        credential = self.users.get(user)
        if credential is None:
            # As long as checking a known user's password, so that timing does not tell who exists.
            if any(c.kind == "bcrypt" for c in self.users.values()):
                await self._bcrypt_check(password.encode(), _DUMMY_HASH)
            else:
                hmac.compare_digest(password.encode(), b"\0" * len(password.encode()))
            raise AuthFailure("unknown user", user)
        if credential.kind == "plaintext":
            # Kafka's file: the whole value is the password, compared in constant time.
            if hmac.compare_digest(credential.secret.encode(), password.encode()):
                return Principal(user, credential.role, "basic")
            raise AuthFailure("wrong password", user)
        cache_key = hmac.digest(self._cache_key, f"{user}\0{password}".encode(), "sha256")
        if (known := self._verified.get(cache_key)) is not None:
            return known
        if not await self._bcrypt_check(password.encode(), credential.secret.encode()):
            raise AuthFailure("wrong password", user)
        principal = Principal(user, credential.role, "basic")
        if len(self._verified) >= _CACHE_LIMIT:
            self._verified.clear()
        self._verified[cache_key] = principal
        return principal

    async def _bcrypt_check(self, password: bytes, stored: bytes) -> bool:
        if len(password) > BCRYPT_MAX_PASSWORD_BYTES:
            return False  # no stored password is that long: `connectd passwd` refuses them
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(_BCRYPT_THREADS)
        return await anyio.to_thread.run_sync(bcrypt.checkpw, password, stored, limiter=self._limiter)

    def _bearer(self, token: str) -> Principal:
        if not token:
            raise AuthFailure("empty bearer token")
        digest = token_digest(token).encode()
        found: Credential | None = None
        # Every stored digest is compared, in constant time each: how long it takes says nothing.
        for credential in self.tokens:
            if hmac.compare_digest(credential.secret.encode(), digest):
                found = credential
        if found is None:
            raise AuthFailure("unknown bearer token")
        return Principal(found.name, found.role, "bearer")

    # --- authorization -------------------------------------------------------------------------

    @staticmethod
    def forbidden(principal: Principal, method: str) -> str | None:
        """Why ``principal`` may not use ``method`` (the 403 message), or None when it may."""
        if principal.role == "admin" or method.upper() in READ_ONLY_METHODS:
            return None
        return (
            f"User {principal.name} has role {principal.role}, which does not allow {method.upper()} "
            f"(only {' and '.join(sorted(READ_ONLY_METHODS))})"
        )


def _path(originals: Mapping[str, str], key: str) -> Path | None:
    value = (originals.get(key) or "").strip()
    return Path(value) if value else None


def _warn_if_readable(path: Path, key: str) -> None:
    if loosely_readable(path):
        log.warning("%s %s is readable by other users; chmod 600 it", key, path)


def _kafka_extension_file(config: WorkerConfig, environ: Mapping[str, str]) -> Path | None:
    """The credentials file of Kafka's BasicAuthSecurityRestExtension, when ``rest.extension.classes``
    names it. Any other extension is a startup error: ignoring a security extension would serve an API
    its owner believes protected."""
    classes = [c for c in config[EXTENSION_KEY] or [] if c]
    jaas = _path(config.originals, JAAS_FILE_KEY)
    unknown = [c for c in classes if c not in (KAFKA_BASIC_AUTH_EXTENSION, "BasicAuthSecurityRestExtension")]
    if unknown:
        raise ConfigFileError(
            f"{EXTENSION_KEY}: connectd cannot load the Java REST extension {unknown[0]}; it reads Kafka's "
            f"{KAFKA_BASIC_AUTH_EXTENSION} setup, and {BASIC_FILE_KEY} / {TOKENS_FILE_KEY}"
        )
    if not classes:
        if jaas is not None:
            raise ConfigFileError(
                f"{JAAS_FILE_KEY} is set but {EXTENSION_KEY} does not name {KAFKA_BASIC_AUTH_EXTENSION}: "
                "add it to enable that authentication, or remove the key"
            )
        return None
    if jaas is None:
        from_opts = jaas_path_from_kafka_opts(environ)
        if from_opts is None:
            raise ConfigFileError(
                f"{EXTENSION_KEY} names BasicAuthSecurityRestExtension, which reads the JAAS file of "
                f"-Djava.security.auth.login.config: set {JAAS_FILE_KEY}=/path/to/jaas.conf (or pass that "
                "option in KAFKA_OPTS)"
            )
        jaas = Path(from_opts)
    return kafka_credentials_file(jaas, JAAS_FILE_KEY)


def get_authenticator(request: Request) -> Authenticator:
    return request.app.state.authenticator


async def authorize(request: Request) -> Principal | None:
    """The dependency every route runs first: 401 with Kafka's message without valid credentials, 403
    for a role that may not use the method. The caller is ``request.state.principal`` afterwards."""
    authenticator = get_authenticator(request)
    if not authenticator.enabled:
        return None
    method, path = request.method, request.url.path
    try:
        principal = await authenticator.authenticate(request.headers.get("authorization"))
    except AuthFailure as failure:
        # Kafka logs these at debug; here they are the trail of who tried what. Never the secret.
        level = logging.INFO if failure.reason == "no credentials" else logging.WARNING
        log.log(
            level,
            "REST authentication failed (%s): user %r, %s %s from %s",
            failure.reason,
            failure.user,
            method,
            path,
            _peer(request),
        )
        raise RequestError(
            401, UNAUTHORIZED_MESSAGE, headers=[("www-authenticate", c) for c in authenticator.challenges()]
        ) from None
    refusal = authenticator.forbidden(principal, method)
    if refusal is not None:
        log.warning(
            "REST request refused: user %r (role %s) %s %s from %s",
            principal.name,
            principal.role,
            method,
            path,
            _peer(request),
        )
        raise RequestError(403, refusal)
    request.state.principal = principal
    return principal


def _peer(request: Request) -> str:
    client = request.client
    return f"{client.host}:{client.port}" if client is not None else "unknown"
