"""The REST API secured, end to end, on real processes with real TLS: a standalone worker, a distributed
worker and the gateway, each on https with HTTP Basic and bearer credentials (``secured``), checked
alike; then the listener layouts (mixed http/https, ``admin.listeners``), client certificates,
Kafka's ``BasicAuthSecurityRestExtension`` files and the third-party clients (curl, ``kc``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from connectd.embedded_broker import free_port
from gateway.auth import KAFKA_BASIC_AUTH_EXTENSION
from gateway.credentials import KAFKA_LOGIN_MODULE
from services.cluster_launcher import LocalCluster
from tests.integration.cluster_harness import FAST
from tests.integration.connect_modes import FAST_SETTINGS
from tests.integration.security_harness import (
    ORIGIN,
    P12_PASSWORD,
    PASSWORDS,
    UNAUTHORIZED,
    RoleSubprocess,
    SecureRest,
    SecurityFiles,
    basic,
    bearer,
    client_context,
    make_security_files,
    pkcs12_keystore,
    plaintext_answer,
    wait_answering,
    write_props,
)
from tests.integration.standalone_harness import PLUGIN_DIR, REPO_ROOT, StandaloneWorker, wait_for

pytestmark = pytest.mark.integration


def _log(worker: StandaloneWorker) -> Callable[[], str]:
    return lambda: worker.log_path.read_text(errors="replace")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> SecurityFiles:
    return make_security_files(tmp_path_factory.mktemp("security"))


@pytest.fixture(scope="module")
def standalone_rest(
    files: SecurityFiles, bootstrap_servers: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SecureRest]:
    """https (a PKCS12 keystore under Kafka's plain ``ssl.*`` keys) and http, /admin on both."""
    workdir = tmp_path_factory.mktemp("standalone-secure")
    https_port, http_port = free_port(), free_port()
    keystore = pkcs12_keystore(files.certs, "worker", workdir / "worker.p12", P12_PASSWORD)
    extra = {
        **FAST_SETTINGS,
        **files.auth_settings(),
        "listeners": f"https://127.0.0.1:{https_port},http://127.0.0.1:{http_port}",
        "ssl.keystore.type": "PKCS12",
        "ssl.keystore.location": str(keystore),
        "ssl.keystore.password": P12_PASSWORD,
    }
    context = client_context(files.certs)
    worker = StandaloneWorker(
        workdir,
        bootstrap_servers,
        extra,
        port=https_port,
        scheme="https",
        context=context,
        headers=basic("alice"),
    )
    try:
        worker.start()
        yield SecureRest(
            "standalone",
            worker.url,
            context,
            files,
            bootstrap_servers,
            workdir,
            _log(worker),
            plain_url=f"http://127.0.0.1:{http_port}",
        )
    finally:
        worker.terminate()
        worker.close()


@pytest.fixture(scope="module")
def secure_cluster(
    files: SecurityFiles, bootstrap_servers: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, SecureRest]]:
    """A group with a plain worker, a worker on https (PEM keys under ``listeners.https.ssl.*``, /admin
    on its own https admin listener) and a gateway on https with /admin disabled (``admin.listeners=``)."""
    workdir = tmp_path_factory.mktemp("cluster-secure")
    cluster = LocalCluster(
        workdir,
        group_id=f"g-secure-{uuid.uuid4().hex[:8]}",
        bootstrap_servers=bootstrap_servers,
        settings={**FAST, "plugin.path": str(PLUGIN_DIR)},
        with_gateway=False,
    )
    gateway: RoleSubprocess | None = None
    context = client_context(files.certs)
    try:
        cluster.start(workers=1)
        worker_port, admin_port, gateway_port = free_port(), free_port(), free_port()
        worker = cluster.add_worker(
            extra={
                **files.auth_settings(),
                **files.pem_keystore("listeners.https.ssl."),
                **files.pem_keystore("admin.listeners.https.ssl.", role="gateway"),
                "listeners": f"https://127.0.0.1:{worker_port}",
                "admin.listeners": f"https://127.0.0.1:{admin_port}",
            }
        )
        worker.rest_port = worker_port
        gateway_props = {
            **cluster.common(),
            **files.auth_settings(),
            **files.pem_keystore("listeners.https.ssl.", role="gateway"),
            "listeners": f"https://127.0.0.1:{gateway_port}",
            "admin.listeners": "",
        }
        gateway = RoleSubprocess(
            "gateway", write_props(workdir / "gateway-secure.properties", gateway_props), workdir / "gw.log"
        )
        endpoints = {
            "worker": SecureRest(
                "worker",
                f"https://127.0.0.1:{worker_port}",
                context,
                files,
                bootstrap_servers,
                workdir,
                lambda: worker.log_tail(100_000),
                admin_url=f"https://127.0.0.1:{admin_port}",
            ),
            "gateway": SecureRest(
                "gateway",
                f"https://127.0.0.1:{gateway_port}",
                context,
                files,
                bootstrap_servers,
                workdir,
                gateway.log,
            ),
        }
        wait_answering(endpoints["worker"], worker.alive)
        wait_answering(endpoints["gateway"], lambda: gateway.process.poll() is None)  # type: ignore[union-attr]
        yield endpoints
    finally:
        if gateway is not None:
            gateway.stop()
        cluster.stop()
        for process in cluster.processes:
            print(f"--- {process.name} (pid {process.pid}) ---\n{process.log_tail(25)}")


@pytest.fixture(scope="module", params=["standalone", "worker", "gateway"])
def secured(request: pytest.FixtureRequest) -> SecureRest:
    if request.param == "standalone":
        return request.getfixturevalue("standalone_rest")
    return request.getfixturevalue("secure_cluster")[request.param]


def _expect(seen: tuple[int, dict[str, str], object], code: int, what: str, body: object = None) -> None:
    status, _, payload = seen
    assert status == code, f"{what}: expected {code}, saw {status} {payload}"
    if body is not None:
        assert payload == body, f"{what}: expected body {body}, saw {payload}"


def test_plaintext_on_an_https_listener_gets_no_http_answer(secured: SecureRest) -> None:
    answer = plaintext_answer(secured.port())
    assert b"HTTP/" not in answer, (
        f"{secured.where}: expected the TLS handshake to fail, saw {answer[:200]!r}"
    )
    with pytest.raises(OSError):
        secured.call("GET", "/", headers=basic("alice"), url=secured.url.replace("https://", "http://"))


def test_missing_or_wrong_credentials_get_kafkas_401(secured: SecureRest) -> None:
    wrong = "not-the-password-7x"
    cases = {
        "no credentials": {},
        "a wrong password": basic("alice", wrong),
        "an unknown user": {"Authorization": "Basic " + "bWFsbG9yeTpwdw=="},  # mallory:pw
        "a malformed header": {"Authorization": "Basic !!!"},
        "an unknown bearer token": bearer("no-such-token"),
    }
    for case, headers in cases.items():
        status, _, body = secured.call("GET", "/connectors", headers=headers)
        assert (status, body) == (401, UNAUTHORIZED), f"{secured.where}, {case}: saw {status} {body}"
        challenges = secured.challenges(headers)
        expected = ['Basic realm="Kafka Connect", charset="UTF-8"', 'Bearer realm="Kafka Connect"']
        assert challenges == expected, f"{secured.where}, {case}: WWW-Authenticate {challenges}"
    log = secured.log()
    assert (
        "REST authentication failed (wrong password): user 'alice', GET /connectors from 127.0.0.1" in log
    ), f"{secured.where}: expected the failure in the log"
    assert wrong not in log, f"{secured.where}: the log must never show a password"


def test_read_only_credentials_read_but_cannot_write(secured: SecureRest) -> None:
    for who, headers in (("reader", basic("reader")), ("dashboard", bearer(secured.files.reader_token))):
        _expect(secured.call("GET", "/connectors", headers=headers), 200, f"{secured.where}: {who} lists")
        body = json.dumps({"name": "nope", "config": {"connector.class": "FileStreamSource"}}).encode()
        status, _, seen = secured.call("POST", "/connectors", body, headers=headers)
        assert status == 403 and seen["error_code"] == 403, f"{secured.where}: {who} POST: {status} {seen}"
        assert f"User {who} has role read-only" in seen["message"] and "POST" in seen["message"], seen
        status, _, seen = secured.call("DELETE", "/connectors/nope", headers=headers)
        assert status == 403 and "DELETE" in seen["message"], (
            f"{secured.where}: {who} DELETE: {status} {seen}"
        )
    refusals = secured.log().count(
        "REST request refused: user 'reader' (role read-only) DELETE /connectors/nope"
    )
    assert refusals == 1, f"{secured.where}: expected the refusal logged once, saw {refusals} times"


def test_kafkas_internal_endpoints_need_an_admin(secured: SecureRest) -> None:
    """Not served (workers talk gRPC), but only an admin learns that."""
    for method, path, served in (("POST", "/connectors/x/tasks", 405), ("PUT", "/connectors/x/fence", 404)):
        _expect(secured.call(method, path, b"[]"), 401, f"{secured.where}: {method} {path}, no credentials")
        _expect(secured.call(method, path, b"[]", headers=basic("reader")), 403, f"{method} {path} as reader")
        _expect(
            secured.call(method, path, b"[]", headers=basic("alice")), served, f"{method} {path} as admin"
        )


def test_admin_and_bearer_token_manage_a_connector(secured: SecureRest) -> None:
    name = f"sec-{secured.where}-{uuid.uuid4().hex[:6]}"
    source = secured.workdir / f"{name}.txt"
    source.touch()
    config = {"connector.class": "FileStreamSource", "file": str(source), "topic": name, "tasks.max": "1"}
    body = json.dumps({"name": name, "config": config}).encode()
    status, headers, info = secured.call("POST", "/connectors", body, headers=basic("alice"))
    assert status == 201, f"{secured.where}: alice creates: {status} {info}"
    assert headers["location"] == f"{secured.url}/connectors/{name}", f"Location: {headers['location']}"
    token = bearer(secured.files.admin_token)
    wait_for(
        lambda: (
            (s := secured.call("GET", f"/connectors/{name}/status", headers=token))[0] == 200
            and s[2]["connector"]["state"] == "RUNNING"
        ),
        30,
        f"{name} RUNNING, read with the admin token ({secured.where})",
    )
    _expect(
        secured.call("DELETE", f"/connectors/{name}", headers=token), 204, f"{secured.where}: token deletes"
    )


def test_cors_preflight_needs_no_credentials(secured: SecureRest) -> None:
    preflight = {
        "Origin": ORIGIN,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }
    status, headers, _ = secured.call("OPTIONS", "/connectors", headers=preflight)
    assert status == 200, f"{secured.where}: preflight: {status} {headers}"
    assert headers.get("access-control-allow-origin") == ORIGIN, headers
    assert "POST" in headers.get("access-control-allow-methods", ""), headers
    assert "authorization" in headers.get("access-control-allow-headers", "").lower(), headers
    status, headers, _ = secured.call("GET", "/connectors", headers={"Origin": ORIGIN, **basic("reader")})
    assert (status, headers.get("access-control-allow-origin")) == (200, ORIGIN), (
        f"{secured.where}: {headers}"
    )
    status, headers, _ = secured.call(
        "OPTIONS", "/connectors", headers={**preflight, "Origin": "https://evil.test"}
    )
    assert "access-control-allow-origin" not in headers, f"{secured.where}: foreign origin allowed: {headers}"


def test_curl_with_the_ca_and_credentials(secured: SecureRest) -> None:
    ca = str(secured.files.certs.ca)
    command = [
        "curl",
        "-sS",
        "--cacert",
        ca,
        "-u",
        f"alice:{PASSWORDS['alice']}",
        f"{secured.url}/connectors",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 0 and isinstance(json.loads(result.stdout), list), (
        f"{secured.where}: curl --cacert -u: exit {result.returncode} {result.stdout} {result.stderr}"
    )
    untrusted = subprocess.run(
        command[:2] + command[4:], capture_output=True, text=True, timeout=30, check=False
    )
    assert untrusted.returncode == 60, (
        f"expected curl to refuse the unknown CA (60), saw {untrusted.returncode}"
    )


def _kc(rest: SecureRest, user: str, *args: str) -> str:
    kc = Path(sys.executable).with_name("kc")
    result = subprocess.run(
        [str(kc), "--url", rest.url, "--auth", f"{user}:{PASSWORDS[user]}", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"PATH": "/usr/bin:/bin", "REQUESTS_CA_BUNDLE": str(rest.files.certs.ca)},
    )
    assert result.returncode == 0, f"kc {' '.join(args)} ({rest.where}): {result.stdout}{result.stderr}"
    return result.stdout.strip()


def test_kc_with_credentials_and_the_ca(secured: SecureRest) -> None:
    assert json.loads(_kc(secured, "alice", "info"))["version"] == "4.1.0"
    name = f"kc-{secured.where}-{uuid.uuid4().hex[:6]}"
    config = {"connector.class": "FileStreamSource", "file": str(secured.workdir / "kc.txt"), "topic": name}
    created = json.loads(
        _kc(secured, "alice", "create", "--config-data", json.dumps({"name": name, "config": config}))
    )
    assert created["name"] == name, f"kc create ({secured.where}): {created}"
    assert name in json.loads(_kc(secured, "reader", "list")), f"kc list as reader ({secured.where})"
    refused = _kc(secured, "reader", "delete", name)
    assert "403" in refused or "read-only" in refused, f"kc delete as reader ({secured.where}): {refused!r}"
    assert _kc(secured, "alice", "delete", name) == "", f"kc delete as alice ({secured.where})"


# --- listener layouts ---------------------------------------------------------------------------------


def test_standalone_serves_every_listener_and_advertises_http(standalone_rest: SecureRest) -> None:
    rest = standalone_rest
    assert rest.plain_url is not None
    _expect(
        rest.call("GET", "/connectors", url=rest.plain_url),
        401,
        "http listener, no credentials",
        UNAUTHORIZED,
    )
    for url in (rest.url, rest.plain_url):
        _expect(rest.call("GET", "/admin/loggers", headers=basic("alice"), url=url), 200, f"/admin on {url}")
    log = rest.log()
    assert "REST credentials" not in log, "loopback http listeners need no clear-text warning"
    # Kafka advertises http when any listener is http: worker_id is the http listener's address.
    http_port = rest.plain_url.rsplit(":", 1)[1]
    assert f"advertised as http://127.0.0.1:{http_port}" in log, "expected the advertised URL in the log"


def test_admin_listeners(secure_cluster: dict[str, SecureRest]) -> None:
    worker, gateway = secure_cluster["worker"], secure_cluster["gateway"]
    alice = basic("alice")
    assert worker.admin_url is not None
    _expect(worker.call("GET", "/admin/loggers", headers=alice), 404, "worker: /admin off its listeners")
    _expect(
        worker.call("GET", "/admin/loggers", headers=alice, url=worker.admin_url),
        200,
        "worker admin listener",
    )
    _expect(
        worker.call("GET", "/admin/loggers", url=worker.admin_url), 401, "admin listener without credentials"
    )
    _expect(
        worker.call("GET", "/connectors", headers=alice, url=worker.admin_url),
        404,
        "admin listener: /admin only",
    )
    _expect(
        gateway.call("GET", "/admin/loggers", headers=alice), 404, "gateway: admin.listeners= disables /admin"
    )


def test_client_certificates(files: SecurityFiles, bootstrap_servers: str, tmp_path: Path) -> None:
    """``required`` on the listeners refuses a client without a certificate; ``requested`` on the admin
    listener takes both. No credentials configured and an all-interfaces listener: a warning."""
    https_port, admin_port, open_port = free_port(), free_port(), free_port()
    extra = {
        **FAST_SETTINGS,
        **files.pem_keystore("listeners.https.ssl."),
        "listeners.https.ssl.truststore.type": "PEM",
        "listeners.https.ssl.truststore.location": str(files.certs.ca),
        "listeners.https.ssl.client.auth": "required",
        "listeners": f"https://127.0.0.1:{https_port},http://0.0.0.0:{open_port}",
        "admin.listeners": f"https://127.0.0.1:{admin_port}",
        **files.pem_keystore("admin.listeners.https.ssl."),
        "admin.listeners.https.ssl.truststore.location": str(files.certs.ca),
        "admin.listeners.https.ssl.client.auth": "requested",
    }
    with_cert = client_context(files.certs, with_cert=True)
    worker = StandaloneWorker(
        tmp_path, bootstrap_servers, extra, port=https_port, scheme="https", context=with_cert
    )
    try:
        worker.start()
        rest = SecureRest(
            "standalone",
            worker.url,
            client_context(files.certs),
            files,
            bootstrap_servers,
            tmp_path,
            _log(worker),
        )
        with pytest.raises(OSError):
            rest.call("GET", "/")
        admin = f"https://127.0.0.1:{admin_port}"
        _expect(
            rest.call("GET", "/admin/loggers", url=admin), 200, "requested: a client without a certificate"
        )
        assert worker.request("GET", "/")[0] == 200, "required: a client with the CA's certificate"
        assert "requires no authentication" in _log(worker)(), "expected the open-API warning"
    finally:
        worker.terminate()
        worker.close()


def test_kafka_basic_auth_extension_setup(
    files: SecurityFiles, bootstrap_servers: str, tmp_path: Path
) -> None:
    """Kafka's files unchanged: ``rest.extension.classes``, a JAAS file from KAFKA_OPTS and a plaintext
    PropertyFileLoginModule file, whose users may do everything."""
    credentials = tmp_path / "credentials.properties"
    credentials.write_text("# Kafka Connect users\nops: ops-Pass-1\nviewer=viewer pass with spaces\n")
    credentials.chmod(0o600)
    jaas = tmp_path / "connect_jaas.conf"
    jaas.write_text(f'KafkaConnect {{\n  {KAFKA_LOGIN_MODULE} required\n  file="{credentials}";\n}};\n')
    port = free_port()
    extra = {
        **FAST_SETTINGS,
        **files.pem_keystore("listeners.https.ssl."),
        "listeners": f"https://127.0.0.1:{port}",
        "rest.extension.classes": KAFKA_BASIC_AUTH_EXTENSION,
    }
    ops = {"Authorization": "Basic b3BzOm9wcy1QYXNzLTE="}  # ops:ops-Pass-1
    context = client_context(files.certs)
    env = {"KAFKA_OPTS": f"-Xmx256m -Djava.security.auth.login.config={jaas}"}
    worker = StandaloneWorker(
        tmp_path, bootstrap_servers, extra, port=port, scheme="https", context=context, headers=ops, env=env
    )
    try:
        worker.start()
        rest = SecureRest("standalone", worker.url, context, files, bootstrap_servers, tmp_path, _log(worker))
        _expect(rest.call("GET", "/connectors"), 401, "Kafka setup, no credentials", UNAUTHORIZED)
        _expect(rest.call("GET", "/connectors", headers={"Authorization": "Basic b3BzOm5v"}), 401, "ops:no")
        viewer = {
            "Authorization": "Basic dmlld2VyOnZpZXdlciBwYXNzIHdpdGggc3BhY2Vz"
        }  # viewer:viewer pass with spaces
        _expect(
            rest.call("GET", "/connectors", headers=viewer), 200, "a password with spaces, as Kafka reads it"
        )
        body = json.dumps(
            {
                "name": "kafka-users",
                "config": {
                    "connector.class": "FileStreamSink",
                    "file": str(tmp_path / "o"),
                    "topics": "kafka-users",
                },
            }
        ).encode()
        _expect(rest.call("POST", "/connectors", body, headers=ops), 201, "Kafka's users may write")
        _expect(rest.call("DELETE", "/connectors/kafka-users", headers=ops), 204, "and delete")
        assert "holds 2 plaintext password(s)" in _log(worker)(), "expected the plaintext warning"
    finally:
        worker.terminate()
        worker.close()


# --- startup errors -------------------------------------------------------------------------------------


def _run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "services.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )


STARTUP_ERRORS = {
    "https listener without a keystore": (
        {"listeners": "https://127.0.0.1:{port}"},
        "listeners.https.ssl.keystore.location",
    ),
    "admin https listener without a keystore": (
        {"admin.listeners": "https://127.0.0.1:{port}"},
        "admin.listeners.https.ssl.keystore.location",
    ),
    "plaintext in connectd's credentials file": (
        {"rest.auth.basic.credentials.file": "{plain}"},
        "rest.auth.basic.credentials.file",
    ),
    "an extension connectd cannot load": (
        {"rest.extension.classes": "com.example.LdapExtension"},
        "rest.extension.classes",
    ),
    "Kafka's extension without a JAAS file": (
        {"rest.extension.classes": KAFKA_BASIC_AUTH_EXTENSION},
        "rest.auth.jaas.config.file",
    ),
}


@pytest.mark.parametrize("case", sorted(STARTUP_ERRORS))
@pytest.mark.parametrize("role", ["standalone", "gateway", "worker"])
def test_a_rest_security_mistake_is_one_startup_line(role: str, case: str, tmp_path: Path) -> None:
    plain = tmp_path / "users.properties"
    plain.write_text("alice = not-a-hash\n")
    settings, key = STARTUP_ERRORS[case]
    props = {
        "offset.storage.file.filename": str(tmp_path / "offsets"),
        "group.id": "g",
        "bootstrap.servers": "127.0.0.1:1",
        "config.storage.topic": "c",
        "offset.storage.topic": "o",
        "status.storage.topic": "s",
        **{k: v.format(port=free_port(), plain=plain) for k, v in settings.items()},
    }
    result = _run_cli(role, str(write_props(tmp_path / "worker.properties", props)))
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, (
        f"{role}, {case}: expected exit code 2, saw {result.returncode}: {result.stderr}"
    )
    assert len(lines) == 1 and key in lines[0] and "Traceback" not in result.stderr, (
        f"{role}, {case}: expected one line naming {key}; saw:\n{result.stderr}"
    )
