"""The REST credential files, Kafka's JAAS setup, the authenticator's rules, and the ``connectd passwd`` /
``connectd token`` commands (run as real processes, the password on stdin)."""

from __future__ import annotations

import asyncio
import base64
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import bcrypt
import pytest

from connectd.config import ConfigFileError, WorkerConfig
from gateway.auth import KAFKA_BASIC_AUTH_EXTENSION, Authenticator, AuthFailure, Principal
from gateway.cors import origin_regex
from gateway.credentials import (
    KAFKA_LOGIN_MODULE,
    escape_key,
    jaas_path_from_kafka_opts,
    kafka_credentials_file,
    parse_jaas,
    read_basic_file,
    read_kafka_credentials,
    read_tokens_file,
    token_digest,
    write_entry,
)
from services.security.passwd import set_password

REPO_ROOT = Path(__file__).resolve().parents[2]
HASH = bcrypt.hashpw(b"pw", bcrypt.gensalt(4)).decode()


def _file(tmp_path: Path, text: str, name: str = "creds.properties") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# --- connectd's files ----------------------------------------------------------------------------------


def test_basic_file_holds_hashes_and_roles(tmp_path: Path) -> None:
    path = _file(tmp_path, f"# users\nalice = {HASH}, admin\nbob: {HASH},read-only\ncarol {HASH}\n")
    users = read_basic_file(path, "k")
    assert {n: (u.kind, u.role) for n, u in users.items()} == {
        "alice": ("bcrypt", "admin"),
        "bob": ("bcrypt", "read-only"),
        "carol": ("bcrypt", "admin"),
    }, "expected each user with its role, admin when none is given"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("alice = plaintext-password\n", "is not a bcrypt hash"),
        (f"alice = {HASH}, superuser\n", "has role 'superuser'"),
        (f"alice = {HASH}, admin, read-only\n", "more than one role"),
        ("# nobody\n", "holds no users"),
    ],
    ids=["plaintext", "unknown-role", "two-roles", "empty"],  # the hash's salt differs per process
)
def test_basic_file_mistakes_name_the_key_and_user(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigFileError) as raised:
        read_basic_file(_file(tmp_path, text), "rest.auth.basic.credentials.file")
    assert message in str(raised.value) and "rest.auth.basic.credentials.file" in str(raised.value), (
        f"expected {message!r} naming the key, saw {raised.value}"
    )


def test_tokens_file_holds_sha256_digests(tmp_path: Path) -> None:
    digest = token_digest("tok-1")
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", digest), digest
    tokens = read_tokens_file(_file(tmp_path, f"ci = {digest}, read-only\n"), "k")
    assert [(t.name, t.secret, t.role) for t in tokens] == [("ci", digest, "read-only")]
    with pytest.raises(ConfigFileError, match="is not stored as sha256"):
        read_tokens_file(_file(tmp_path, "ci = tok-1\n"), "k")


def test_kafka_file_is_plaintext_and_the_whole_value_is_the_password(tmp_path: Path) -> None:
    path = _file(tmp_path, "ops: s3cret\nviewer=pass, with comma\n")
    users = read_kafka_credentials(path, "k")
    assert {n: (u.secret, u.kind, u.role) for n, u in users.items()} == {
        "ops": ("s3cret", "plaintext", "admin"),
        "viewer": ("pass, with comma", "plaintext", "admin"),
    }, "Kafka's PropertyFileLoginModule has no roles: the value is the password"
    with pytest.raises(ConfigFileError, match="is empty: Kafka would let every request through"):
        read_kafka_credentials(_file(tmp_path, "\n# none\n", "empty"), "k")


# --- Kafka's JAAS file ---------------------------------------------------------------------------------


def test_jaas_file_as_kafka_documents_it(tmp_path: Path) -> None:
    text = f"""
    // Kafka Connect's REST users
    KafkaClient {{ org.example.Other optional; }};
    /* the one Kafka reads */
    KafkaConnect {{
        {KAFKA_LOGIN_MODULE} required
        file="/mnt/secret/credentials \\"x\\".properties" debug=true;
    }};
    """
    entries = parse_jaas(text, Path("jaas.conf"))
    assert list(entries) == ["KafkaClient", "KafkaConnect"], entries
    [module] = entries["KafkaConnect"]
    assert (module.class_name, module.flag) == (KAFKA_LOGIN_MODULE, "required")
    assert module.options == {"file": '/mnt/secret/credentials "x".properties', "debug": "true"}
    assert kafka_credentials_file(_file(tmp_path, text, "jaas.conf"), "k") == Path(
        '/mnt/secret/credentials "x".properties'
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Other { x required; };", "has no KafkaConnect entry"),
        ("KafkaConnect { com.example.LdapLoginModule required url=x; };", "supports only"),
        (f"KafkaConnect {{ {KAFKA_LOGIN_MODULE} required; }};", 'no file="..." option'),
        ("KafkaConnect { ", "invalid JAAS configuration"),
    ],
)
def test_jaas_mistakes(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigFileError, match=re.escape(message)):
        kafka_credentials_file(_file(tmp_path, text, "jaas.conf"), "k")


def test_jaas_path_from_kafka_opts() -> None:
    opts = '-Xmx1G "-Djava.security.auth.login.config=/etc/kafka/connect jaas.conf" -Dx=y'
    assert jaas_path_from_kafka_opts({"KAFKA_OPTS": opts}) == "/etc/kafka/connect jaas.conf"
    assert jaas_path_from_kafka_opts({"KAFKA_OPTS": "-Xmx1G"}) is None
    assert jaas_path_from_kafka_opts({}) is None


# --- writing -------------------------------------------------------------------------------------------


def test_write_entry_keeps_other_lines_and_escapes_names(tmp_path: Path) -> None:
    path = _file(tmp_path, f"# header comment\nalice = {HASH}, admin\n\nbob = {HASH}, admin")
    path.chmod(0o640)
    odd = "name with = and #"
    assert write_entry(path, odd, f"{escape_key(odd)} = {HASH}, read-only\n") is False
    assert write_entry(path, "alice", f"alice = {HASH}, read-only\n") is True
    assert write_entry(path, "bob", None) is True
    text = path.read_text()
    assert text.startswith("# header comment\nalice = ") and "bob" not in text, text
    users = read_basic_file(path, "k")
    assert {n: u.role for n, u in users.items()} == {"alice": "read-only", odd: "read-only"}, users
    assert stat.S_IMODE(path.stat().st_mode) == 0o640, "a replaced file keeps its mode"
    fresh = tmp_path / "new.properties"
    write_entry(fresh, "x", f"x = {HASH}, admin\n")
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o600, "a new credentials file is private"


def _cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "services.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )


def test_passwd_command_reads_the_password_from_stdin(tmp_path: Path) -> None:
    path = tmp_path / "users.properties"
    added = _cli("passwd", str(path), "alice", "--role", "read-only", stdin="first pw\n")
    assert added.returncode == 0 and "added user alice (read-only)" in added.stderr, added.stderr
    assert "first pw" not in path.read_text(), "the file holds a hash, never the password"
    user = read_basic_file(path, "k")["alice"]
    assert user.role == "read-only" and bcrypt.checkpw(b"first pw", user.secret.encode()), user
    replaced = _cli("passwd", str(path), "alice", stdin="second pw\n")
    assert replaced.returncode == 0 and "updated user alice (admin)" in replaced.stderr, replaced.stderr
    user = read_basic_file(path, "k")["alice"]
    assert user.role == "admin" and bcrypt.checkpw(b"second pw", user.secret.encode()), user
    deleted = _cli("passwd", str(path), "alice", "--delete")
    assert deleted.returncode == 0 and "alice" not in path.read_text(), deleted.stderr


@pytest.mark.parametrize(
    ("user", "password", "message"),
    [
        ("a:b", "pw\n", "cannot contain ':'"),
        ("alice", "\n", "empty password"),
        ("alice", "x" * 73 + "\n", "longer than bcrypt's 72 bytes"),
        (" alice", "pw\n", "without leading or trailing spaces"),
    ],
)
def test_passwd_command_refusals(tmp_path: Path, user: str, password: str, message: str) -> None:
    result = _cli("passwd", str(tmp_path / "users.properties"), user, stdin=password)
    assert result.returncode == 2 and message in result.stderr, f"expected {message!r}, saw {result.stderr}"
    assert not (tmp_path / "users.properties").exists(), "a refused command writes nothing"


def test_token_command_prints_the_token_once_and_stores_its_digest(tmp_path: Path) -> None:
    path = tmp_path / "tokens.properties"
    result = _cli("token", str(path), "ci", "--role", "read-only")
    token = result.stdout.strip()
    assert result.returncode == 0 and len(token) >= 40, f"expected a token on stdout: {result}"
    [stored] = read_tokens_file(path, "k")
    assert (stored.name, stored.secret, stored.role) == ("ci", token_digest(token), "read-only")
    assert token not in path.read_text(), "the file holds the digest, never the token"


# --- the authenticator ---------------------------------------------------------------------------------


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def _authenticate(auth: Authenticator, header: str | None) -> Principal | str:
    try:
        return asyncio.run(auth.authenticate(header))
    except AuthFailure as failure:
        return failure.reason


def test_authenticator_checks_basic_and_bearer_credentials(tmp_path: Path) -> None:
    users, tokens = tmp_path / "users", tmp_path / "tokens"
    set_password(users, "alice", "pw-a", "admin", rounds=4)
    set_password(users, "reader", "pw-r", "read-only", rounds=4)
    tokens.write_text(f"ci = {token_digest('tok-ci')}, admin\n")
    auth = Authenticator.from_config(
        WorkerConfig(
            {"rest.auth.basic.credentials.file": str(users), "rest.auth.bearer.tokens.file": str(tokens)}
        )
    )
    assert auth.enabled and auth.describe() == "HTTP Basic (2 users) and bearer tokens (1)"
    cases: dict[str | None, Principal | str] = {
        _basic("alice", "pw-a"): Principal("alice", "admin", "basic"),
        _basic("reader", "pw-r"): Principal("reader", "read-only", "basic"),
        "bearer  tok-ci ": Principal("ci", "admin", "bearer"),
        _basic("alice", "nope"): "wrong password",
        _basic("mallory", "pw-a"): "unknown user",
        "Basic !!!": "malformed Basic credentials (not base64)",
        "Basic "
        + base64.b64encode(b"no-colon").decode(): "malformed Basic credentials (no user name and colon)",
        "Bearer other": "unknown bearer token",
        "Digest x": "unsupported authentication scheme 'Digest'",
        None: "no credentials",
    }
    for header, expected in cases.items():
        assert _authenticate(auth, header) == expected, f"{header!r}: expected {expected}"
    reader = Principal("reader", "read-only", "basic")
    assert Authenticator.forbidden(reader, "GET") is None and Authenticator.forbidden(reader, "head") is None
    assert (
        Authenticator.forbidden(reader, "PUT")
        == "User reader has role read-only, which does not allow PUT (only GET and HEAD)"
    )
    assert Authenticator.forbidden(Principal("alice", "admin", "basic"), "DELETE") is None


def test_kafka_extension_setup(tmp_path: Path) -> None:
    credentials = _file(tmp_path, "ops: ops-pw\n", "credentials.properties")
    jaas = _file(
        tmp_path, f'KafkaConnect {{ {KAFKA_LOGIN_MODULE} required file="{credentials}"; }};', "jaas.conf"
    )
    settings = {"rest.extension.classes": KAFKA_BASIC_AUTH_EXTENSION}
    from_key = Authenticator.from_config(
        WorkerConfig({**settings, "rest.auth.jaas.config.file": str(jaas)}), {}
    )
    from_opts = Authenticator.from_config(
        WorkerConfig(settings), {"KAFKA_OPTS": f"-Djava.security.auth.login.config={jaas}"}
    )
    for auth in (from_key, from_opts):
        assert _authenticate(auth, _basic("ops", "ops-pw")) == Principal("ops", "admin", "basic")
        assert _authenticate(auth, _basic("ops", "ops-p")) == "wrong password"
    with pytest.raises(ConfigFileError, match="set rest.auth.jaas.config.file"):
        Authenticator.from_config(WorkerConfig(settings), {})
    with pytest.raises(ConfigFileError, match="does not name"):
        Authenticator.from_config(WorkerConfig({"rest.auth.jaas.config.file": str(jaas)}), {})
    assert not Authenticator.from_config(WorkerConfig({}), {}).enabled, "no source: open, as Kafka"


# --- listener keys and CORS ----------------------------------------------------------------------------


def test_admin_listeners_and_the_advertised_url() -> None:
    assert WorkerConfig({}).admin_listeners is None
    assert WorkerConfig({"admin.listeners": ""}).admin_listeners == []
    admin = WorkerConfig({"admin.listeners": "https://127.0.0.1:9443"}).admin_listeners
    assert [str(a) for a in admin or []] == ["https://127.0.0.1:9443"]
    mixed = WorkerConfig({"listeners": "https://h1:8443,http://h2:8083"})
    assert mixed.advertised_url == "http://h2:8083", "Kafka advertises http when any listener is http"
    chosen = WorkerConfig(
        {"listeners": "https://h1:8443,http://h2:8083", "rest.advertised.listener": "HTTPS"}
    )
    assert chosen.advertised_url == "https://h1:8443"
    proxied = WorkerConfig(
        {
            "listeners": "http://:8083",
            "rest.advertised.listener": "https",
            "rest.advertised.host.name": "connect.example.com",
            "rest.advertised.port": "443",
        }
    )
    assert proxied.advertised_url == "https://connect.example.com:443"
    assert proxied.advertised_host_port == "connect.example.com:443"
    with pytest.raises(ConfigFileError, match="rest.advertised.listener"):
        WorkerConfig({"rest.advertised.listener": "ftp"})
    with pytest.raises(ConfigFileError, match="admin.listeners"):
        WorkerConfig({"admin.listeners": "https://h:notaport"})


def test_cors_origins_as_jettys_filter() -> None:
    pattern = origin_regex(" https://*.example.com , http://localhost:3000")
    assert pattern is not None
    for origin, allowed in {
        "https://app.example.com": True,
        "https://a.b.example.com": True,
        "https://example.com.evil.test": False,
        "http://localhost:3000": True,
        "http://localhost:3001": False,
    }.items():
        assert bool(re.fullmatch(pattern, origin)) is allowed, f"{origin}: expected allowed={allowed}"
    assert origin_regex("") is None and origin_regex("*") == ".*"
