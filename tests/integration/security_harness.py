"""What the REST security tests share: a CA and credentials made for the run, TLS clients, and one
secured REST endpoint (:class:`SecureRest`) of a standalone worker, a distributed worker or a gateway.

Certificates come from ``make_cluster_certs`` (a fresh CA per module); passwords are hashed with a low
bcrypt cost so that the tests spend their time on requests, not on hashing.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509 import load_pem_x509_certificates

from services.security.certs import ClusterCerts, make_cluster_certs
from services.security.passwd import new_token, set_password
from tests.integration.standalone_harness import REPO_ROOT, wait_for

UNAUTHORIZED = {"error_code": 401, "message": "User cannot access the resource."}
PASSWORDS = {"alice": "alice-Secret-1", "reader": "reader-Secret-2"}
ROLES = {"alice": "admin", "reader": "read-only"}
ORIGIN = "https://app.example.com"
P12_PASSWORD = "p12-changeit"
TEST_BCRYPT_ROUNDS = 4


@dataclass(frozen=True)
class SecurityFiles:
    certs: ClusterCerts
    users: Path
    tokens: Path
    admin_token: str
    reader_token: str

    def auth_settings(self) -> dict[str, str]:
        """Basic and bearer authentication, and CORS for ``https://*.example.com``."""
        return {
            "rest.auth.basic.credentials.file": str(self.users),
            "rest.auth.bearer.tokens.file": str(self.tokens),
            "access.control.allow.origin": "https://*.example.com",
            "access.control.allow.methods": "GET,POST,PUT,DELETE",
        }

    def pem_keystore(self, prefix: str, role: str = "worker") -> dict[str, str]:
        return {f"{prefix}keystore.type": "PEM", f"{prefix}keystore.location": str(self.certs.keystore(role))}


def make_security_files(directory: Path) -> SecurityFiles:
    certs = make_cluster_certs(directory / "certs")
    users, tokens = directory / "users.properties", directory / "tokens.properties"
    for user, password in PASSWORDS.items():
        set_password(users, user, password, ROLES[user], rounds=TEST_BCRYPT_ROUNDS)  # type: ignore[arg-type]
    admin_token = new_token(tokens, "ci-admin", "admin")
    reader_token = new_token(tokens, "dashboard", "read-only")
    return SecurityFiles(certs, users, tokens, admin_token, reader_token)


def pkcs12_keystore(certs: ClusterCerts, role: str, path: Path, password: str) -> Path:
    """``role``'s key and certificate chain as a password-protected PKCS12 keystore."""
    key = serialization.load_pem_private_key(certs.key(role).read_bytes(), None)
    leaf, *chain = load_pem_x509_certificates(certs.cert(role).read_bytes())
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            role.encode(),
            key,  # type: ignore[arg-type]
            leaf,
            chain,
            serialization.BestAvailableEncryption(password.encode()),
        )
    )
    return path


def client_context(certs: ClusterCerts, with_cert: bool = False) -> ssl.SSLContext:
    """Trusts the test CA; presents the "client" certificate when ``with_cert``."""
    context = ssl.create_default_context(cafile=str(certs.ca))
    if with_cert:
        context.load_cert_chain(certs.cert("client"), certs.key("client"))
    return context


def basic(user: str, password: str | None = None) -> dict[str, str]:
    secret = PASSWORDS[user] if password is None else password
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def plaintext_answer(port: int, timeout: float = 5.0) -> bytes:
    """What an https listener sends back to a plain HTTP request: everything until it closes."""
    received = b""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n\r\n")
        try:
            while chunk := sock.recv(4096):
                received += chunk
        except (ConnectionResetError, TimeoutError):
            pass
    return received


@dataclass
class SecureRest:
    """One secured REST endpoint: ``url`` (https), the context trusting the test CA, and where its
    other listeners are. ``log`` reads the serving process's log."""

    where: str
    url: str
    context: ssl.SSLContext
    files: SecurityFiles
    bootstrap_servers: str
    workdir: Path
    log: Callable[[], str] = field(repr=False)
    plain_url: str | None = None  # an http listener of the same process
    admin_url: str | None = None  # an admin listener of the same process

    def call(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        url: str | None = None,
    ) -> tuple[int, dict[str, str], Any]:
        """(status, lower-cased headers, the JSON body, else its text, else None)."""
        base = url or self.url
        context = self.context if base.startswith("https") else None
        sent = {"Content-Type": "application/json", **(headers or {})} if body is not None else headers
        request = urllib.request.Request(base + path, data=body, method=method, headers=sent or {})
        try:
            with urllib.request.urlopen(request, timeout=30, context=context) as response:
                code, seen, raw = response.status, response.headers, response.read()
        except urllib.error.HTTPError as exc:
            code, seen, raw = exc.code, exc.headers, exc.read()
        lowered = {k.lower(): v for k, v in seen.items()}
        if not raw:
            return code, lowered, None
        if lowered.get("content-type", "").startswith("application/json"):
            return code, lowered, json.loads(raw)
        return code, lowered, raw.decode(errors="replace")

    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def challenges(self, headers: dict[str, str]) -> list[str]:
        """Every ``WWW-Authenticate`` header of the answer to ``GET /connectors`` (one per scheme)."""
        request = urllib.request.Request(self.url + "/connectors", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30, context=self.context) as response:
                return response.headers.get_all("www-authenticate") or []
        except urllib.error.HTTPError as exc:
            return exc.headers.get_all("www-authenticate") or []


class RoleSubprocess:
    """One ``connectd <role> props`` process with its log; stopped by pid."""

    def __init__(self, role: str, properties: Path, log_path: Path) -> None:
        self.log_path = log_path
        with open(log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "services.cli", role, str(properties)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
            )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        print(f"--- {self.log_path} ---\n{''.join(self.log().splitlines(True)[-30:])}")


def wait_answering(rest: SecureRest, alive: Callable[[], bool]) -> None:
    """Until ``GET /`` answers 200 for the admin user (the process must stay up meanwhile)."""

    def ready() -> bool:
        assert alive(), f"{rest.where} exited before answering REST:\n{rest.log()[-3000:]}"
        try:
            return rest.call("GET", "/", headers=basic("alice"))[0] == 200
        except OSError:
            return False

    wait_for(ready, 60, f"the REST API of the {rest.where} at {rest.url}")


def write_props(path: Path, props: dict[str, str]) -> Path:
    """Like the harness's, but an empty value is written (``admin.listeners=`` disables /admin)."""
    path.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
    return path
