"""TLS material from Kafka's ``ssl.*`` keys: keystores and truststores as PEM files or PKCS12.

One reader for every listener that speaks TLS: the REST listeners (``listeners.https.ssl.*``, else the
worker's ``ssl.*``) and gRPC between roles (``grpc.ssl.*``). Everything is read at startup, so a
missing file or a wrong password is a one-line error naming the key, never a failure on the first
connection. Keys are held decrypted in memory only: gRPC takes PEM bytes, and Python's ``ssl`` gets
them through a private temporary file removed as soon as it is loaded.
"""

from __future__ import annotations

import os
import ssl
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from connectd.config import ConfigFileError

ClientAuth = Literal["none", "requested", "required"]
# Reads one key under the prefix: its trimmed value, or None when unset or blank.
Getter = Callable[[str], "str | None"]
CLIENT_AUTH_VALUES: tuple[ClientAuth, ...] = ("none", "requested", "required")
STORE_TYPES = ("PEM", "PKCS12")


@dataclass(frozen=True, slots=True)
class KeyPair:
    """A certificate chain and its private key, both PEM, the key unencrypted."""

    cert_chain_pem: bytes
    key_pem: bytes = field(repr=False)  # never in a log line or an error message


@dataclass(frozen=True, slots=True)
class TlsMaterial:
    """What one TLS endpoint presents (``keystore``) and which CAs it trusts (``trusted_ca_pem``)."""

    keystore: KeyPair | None
    trusted_ca_pem: bytes | None
    client_auth: ClientAuth = "none"
    # The prefix the keys were read under, so errors name the key the user has to set.
    prefix: str = "ssl."

    def server_context(self) -> ssl.SSLContext:
        """An ``ssl`` server context: TLS 1.2+, client certificates as ``client_auth`` says."""
        if self.keystore is None:
            raise ConfigFileError(f"a TLS listener needs a keystore ({self.prefix}keystore.location)")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        _load_key_pair(context, self.keystore)
        if self.client_auth != "none":
            if self.trusted_ca_pem is None:
                raise ConfigFileError(
                    f"{self.prefix}client.auth={self.client_auth} needs a truststore "
                    f"({self.prefix}truststore.location) with the CA that signs client certificates"
                )
            context.load_verify_locations(cadata=self.trusted_ca_pem.decode("ascii"))
            context.verify_mode = ssl.CERT_REQUIRED if self.client_auth == "required" else ssl.CERT_OPTIONAL
        return context

    def client_context(self) -> ssl.SSLContext:
        """An ``ssl`` client context trusting ``trusted_ca_pem`` (else the system's CAs), presenting the
        keystore when there is one."""
        context = ssl.create_default_context(
            cadata=self.trusted_ca_pem.decode("ascii") if self.trusted_ca_pem else None
        )
        if self.keystore is not None:
            _load_key_pair(context, self.keystore)
        return context


def _load_key_pair(context: ssl.SSLContext, pair: KeyPair) -> None:
    # ssl loads a chain only from a file: a private one (0600 in a 0700 directory), gone at once.
    with tempfile.TemporaryDirectory(prefix="connectd-tls-") as private:
        path = Path(private) / "pair.pem"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(pair.key_pem + pair.cert_chain_pem)
        context.load_cert_chain(path)


def material(config: Mapping[str, str], prefix: str) -> TlsMaterial:
    """The TLS material of the keys under ``prefix`` (``ssl.``, ``grpc.ssl.``, ...)."""

    def get(key: str) -> str | None:
        value = config.get(prefix + key)
        return value.strip() if value is not None and value.strip() else None

    client_auth = (get("client.auth") or "none").lower()
    if client_auth not in CLIENT_AUTH_VALUES:
        raise ConfigFileError(
            f"Invalid value {client_auth} for configuration {prefix}client.auth: must be one of "
            + ", ".join(CLIENT_AUTH_VALUES)
        )
    return TlsMaterial(
        _keystore(get, prefix),
        _truststore(get, prefix),
        client_auth,  # type: ignore[arg-type]
        prefix,
    )


def rest_material(config: Mapping[str, str]) -> TlsMaterial:
    """Kafka's rule for the REST listener: ``listeners.https.ssl.*`` when any ``listeners.https.`` key is
    set, else the worker's ``ssl.*``."""
    return _all_or_nothing(config, "listeners.https.")


def admin_rest_material(config: Mapping[str, str]) -> TlsMaterial:
    """The same rule for ``admin.listeners`` (KIP-495): ``admin.listeners.https.ssl.*`` when any
    ``admin.listeners.https.`` key is set, else ``ssl.*`` (not ``listeners.https.ssl.*``, as Kafka)."""
    return _all_or_nothing(config, "admin.listeners.https.")


def _all_or_nothing(config: Mapping[str, str], listener_prefix: str) -> TlsMaterial:
    # Kafka's valuesWithPrefixAllOrNothing: one listener key switches every ssl.* key to the prefixed one.
    if any(key.startswith(listener_prefix) for key in config):
        return material(config, listener_prefix + "ssl.")
    return material(config, "ssl.")


def _store_type(get: Getter, prefix: str, which: str) -> str:
    value = (get(f"{which}.type") or "PEM").upper()
    if value not in STORE_TYPES:
        raise ConfigFileError(
            f"Invalid value {value} for configuration {prefix}{which}.type: connectd reads PEM and "
            "PKCS12 stores (convert a JKS store with keytool -importkeystore -deststoretype PKCS12)"
        )
    return value


def _read(prefix: str, key: str, location: str) -> bytes:
    try:
        return Path(location).read_bytes()
    except OSError as exc:
        raise ConfigFileError(f"cannot read {prefix}{key} {location}: {exc.strerror}") from None


def _password(value: str | None) -> bytes | None:
    return value.encode() if value else None


def _keystore(get: Getter, prefix: str) -> KeyPair | None:
    inline_key = get("keystore.key")
    location = get("keystore.location")
    if inline_key is None and location is None:
        return None
    key_password = _password(get("key.password"))
    if inline_key is not None:
        chain = get("keystore.certificate.chain")
        if chain is None:
            raise ConfigFileError(f"{prefix}keystore.key needs {prefix}keystore.certificate.chain")
        return _pem_pair(prefix, "keystore.key", inline_key.encode(), chain.encode(), key_password)
    assert location is not None
    data = _read(prefix, "keystore.location", location)
    if _store_type(get, prefix, "keystore") == "PKCS12":
        return _pkcs12_pair(prefix, data, _password(get("keystore.password")))
    # A PEM keystore holds the private key and the certificate chain in one file, as Kafka's does.
    return _pem_pair(prefix, "keystore.location", data, data, key_password)


def _pem_pair(prefix: str, key: str, key_data: bytes, chain_data: bytes, password: bytes | None) -> KeyPair:
    try:
        private_key = serialization.load_pem_private_key(_private_key_block(key_data), password)
        chain = x509.load_pem_x509_certificates(chain_data)
    except (ValueError, TypeError) as exc:
        raise ConfigFileError(
            f"{prefix}{key}: cannot read the PEM private key and certificate chain ({exc}); "
            f"is {prefix}key.password right?"
        ) from None
    return KeyPair(_chain_pem(chain), _key_pem(private_key))


def _private_key_block(data: bytes) -> bytes:
    start = data.find(b"-----BEGIN ")
    while start != -1 and b"PRIVATE KEY-----" not in data[start : data.find(b"\n", start)]:
        start = data.find(b"-----BEGIN ", start + 1)
    if start == -1:
        raise ValueError("no PRIVATE KEY block")
    end = data.find(b"-----END ", start)
    end = data.find(b"-----", end + len(b"-----END ")) + len(b"-----")
    return data[start:end] + b"\n"


def _pkcs12_pair(prefix: str, data: bytes, password: bytes | None) -> KeyPair:
    try:
        private_key, certificate, extra = pkcs12.load_key_and_certificates(data, password)
    except (ValueError, TypeError) as exc:
        raise ConfigFileError(
            f"{prefix}keystore.location: cannot open the PKCS12 keystore ({exc}); "
            f"is {prefix}keystore.password right?"
        ) from None
    if private_key is None or certificate is None:
        raise ConfigFileError(f"{prefix}keystore.location: the PKCS12 keystore holds no key and certificate")
    return KeyPair(_chain_pem([certificate, *extra]), _key_pem(private_key))


def _truststore(get: Getter, prefix: str) -> bytes | None:
    inline = get("truststore.certificates")
    if inline is not None:
        return _certificates_pem(prefix, "truststore.certificates", inline.encode())
    location = get("truststore.location")
    if location is None:
        return None
    data = _read(prefix, "truststore.location", location)
    if _store_type(get, prefix, "truststore") == "PKCS12":
        try:
            _, certificate, extra = pkcs12.load_key_and_certificates(
                data, _password(get("truststore.password"))
            )
        except (ValueError, TypeError) as exc:
            raise ConfigFileError(
                f"{prefix}truststore.location: cannot open the PKCS12 store ({exc})"
            ) from None
        certificates = [c for c in (certificate, *extra) if c is not None]
        if not certificates:
            raise ConfigFileError(f"{prefix}truststore.location: the PKCS12 store holds no certificate")
        return _chain_pem(certificates)
    return _certificates_pem(prefix, "truststore.location", data)


def _certificates_pem(prefix: str, key: str, data: bytes) -> bytes:
    try:
        return _chain_pem(x509.load_pem_x509_certificates(data))
    except ValueError as exc:
        raise ConfigFileError(f"{prefix}{key}: no PEM certificate could be read ({exc})") from None


def _chain_pem(certificates: list[x509.Certificate]) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)


def _key_pem(private_key: object) -> bytes:
    return private_key.private_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
