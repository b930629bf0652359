"""``connectd certs``: a CA, a certificate for every role, a cluster token and the keys that use them.

For a local or small cluster: one CA signs a server-and-client certificate per role (each role both
serves gRPC and calls the others, so one certificate does both), one for REST clients (``kc``, curl),
and a random cluster token. ``secure.properties`` holds the keys a role adds to its config to use
them (``grpc.ssl.*``, ``grpc.auth.token.file``, ``listeners=https://...``, ``listeners.https.ssl.*``).
Private keys are written 0600. A production cluster uses its own CA the same way.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import secrets
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ROLES = ("coordinator", "offset-store", "worker", "gateway", "client")
DEFAULT_HOSTS = ("localhost", "127.0.0.1", "::1")
VALID_DAYS = 825  # the most a public CA may issue for; plenty for a local cluster
TOKEN_FILE = "cluster.token"
PROPERTIES_FILE = "secure.properties"


@dataclass(frozen=True, slots=True)
class ClusterCerts:
    """Where ``make_cluster_certs`` wrote everything."""

    directory: Path
    ca: Path
    token: Path
    properties: Path

    def cert(self, role: str) -> Path:
        return self.directory / f"{role}.pem"

    def key(self, role: str) -> Path:
        return self.directory / f"{role}.key"

    def keystore(self, role: str) -> Path:
        """The PEM keystore of ``role``: its key and certificate chain in one file (Kafka's PEM type)."""
        return self.directory / f"{role}.keystore.pem"


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "connectd"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _san(hosts: Iterable[str]) -> x509.SubjectAlternativeName:
    names: list[x509.GeneralName] = []
    for host in dict.fromkeys(hosts):
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return x509.SubjectAlternativeName(names)


def _write_private(path: Path, data: bytes) -> None:
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def _key_bytes(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _issue(
    subject: x509.Name,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Name,
    issuer_key: ec.EllipticCurvePrivateKey,
    *,
    ca: bool,
    hosts: Sequence[str] = (),
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
    else:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
            critical=False,
        ).add_extension(_san(hosts), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def make_cluster_certs(directory: Path, hosts: Sequence[str] = ()) -> ClusterCerts:
    """A new CA in ``directory``, a certificate per role valid for ``hosts`` (and localhost, and this
    machine's name: a role bound to every interface advertises it), a token and ``secure.properties``.
    Existing files of the same names are replaced."""
    directory.mkdir(parents=True, exist_ok=True)
    all_hosts = [*DEFAULT_HOSTS, socket.gethostname(), *hosts]
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("connectd local CA")
    ca_cert = _issue(ca_name, ca_key, ca_name, ca_key, ca=True)
    ca_path = directory / "ca.pem"
    ca_path.write_bytes(_pem(ca_cert))
    _write_private(directory / "ca.key", _key_bytes(ca_key))
    certs = ClusterCerts(directory, ca_path, directory / TOKEN_FILE, directory / PROPERTIES_FILE)
    for role in ROLES:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _issue(_name(f"connectd {role}"), key, ca_name, ca_key, ca=False, hosts=all_hosts)
        certs.cert(role).write_bytes(_pem(cert) + _pem(ca_cert))
        _write_private(certs.key(role), _key_bytes(key))
        _write_private(certs.keystore(role), _key_bytes(key) + _pem(cert) + _pem(ca_cert))
    _write_private(certs.token, (secrets.token_urlsafe(32) + "\n").encode())
    certs.properties.write_text(secure_properties(certs))
    return certs


def secure_properties(certs: ClusterCerts, role: str = "worker") -> str:
    """The keys that make a role use ``certs``: mTLS and the token between roles, HTTPS for REST."""
    keystore = certs.keystore(role).resolve()
    ca = certs.ca.resolve()
    return "\n".join(
        [
            "# Written by `connectd certs`: add to every role's properties (or pass with --set).",
            "grpc.ssl.keystore.type=PEM",
            f"grpc.ssl.keystore.location={keystore}",
            "grpc.ssl.truststore.type=PEM",
            f"grpc.ssl.truststore.location={ca}",
            f"grpc.auth.token.file={certs.token.resolve()}",
            "# REST over TLS; clients trust ca.pem (curl --cacert, kc --ca-cert).",
            "listeners.https.ssl.keystore.type=PEM",
            f"listeners.https.ssl.keystore.location={keystore}",
            "listeners.https.ssl.truststore.type=PEM",
            f"listeners.https.ssl.truststore.location={ca}",
            "",
        ]
    )
