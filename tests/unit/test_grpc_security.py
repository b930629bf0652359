"""gRPC security settings and the cluster token interceptor, on real servers and channels with
certificates made here: every settings error is one line naming its key; a call is let through only
with the exact token; the health check needs none; limits hold over TLS too."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from connectd.config import ConfigFileError, WorkerConfig, parse_properties
from services.grpc_support import MAX_MESSAGE_BYTES, GrpcServer, open_channel
from services.roles import run_role
from services.security.certs import ClusterCerts, make_cluster_certs, secure_properties
from services.security.grpc_credentials import (
    PLAINTEXT,
    UNAUTHENTICATED_MESSAGE,
    ClusterTokenInterceptor,
    GrpcSecurity,
    _RefusalLog,
)

TOKEN = "a-cluster-token-of-enough-length"


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> ClusterCerts:
    return make_cluster_certs(tmp_path_factory.mktemp("certs"))


def settings(certs: ClusterCerts, role: str = "worker", **extra: str) -> dict[str, str]:
    grpc_keys = {
        k: v for k, v in parse_properties(secure_properties(certs, role)).items() if k.startswith("grpc.")
    }
    return {**grpc_keys, **extra}


# --- settings -------------------------------------------------------------------------------------


def test_secure_properties_give_mutual_tls_and_the_token(certs: ClusterCerts) -> None:
    security = GrpcSecurity.from_config(WorkerConfig(settings(certs)))
    assert security.secure and security.authenticates
    assert security.tls is not None and security.tls.client_auth == "required", security.tls
    assert security.token == certs.token.read_text().strip(), "the token must come from grpc.auth.token.file"


def test_no_grpc_keys_is_plaintext() -> None:
    security = GrpcSecurity.from_config(WorkerConfig({}))
    assert security == PLAINTEXT and not security.secure and not security.authenticates


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"grpc.auth.token": TOKEN}, "grpc.auth.token.file"),  # both set
        ({"grpc.auth.token.file": "/nonexistent/token"}, "grpc.auth.token.file"),
        ({"grpc.auth.token.file": None, "grpc.auth.token": "short"}, "grpc.auth.token"),
        ({"grpc.auth.token.file": None, "grpc.auth.token": "a token with spaces inside"}, "grpc.auth.token"),
        ({"grpc.auth.token.file": None, "grpc.auth.token": "tökén-" + "x" * 20}, "grpc.auth.token"),
        ({"grpc.ssl.keystore.location": None}, "grpc.ssl.keystore.location"),
        ({"grpc.ssl.truststore.location": None}, "grpc.ssl.truststore.location"),
        ({"grpc.ssl.keystore.location": "/nonexistent/keystore.pem"}, "grpc.ssl.keystore.location"),
        ({"grpc.ssl.client.auth": "sometimes"}, "grpc.ssl.client.auth"),
        ({"grpc.ssl.keystore.type": "JKS"}, "grpc.ssl.keystore.type"),
    ],
)
def test_each_unusable_setting_is_one_line_naming_its_key(
    certs: ClusterCerts, change: dict[str, str | None], key: str
) -> None:
    props = settings(certs)
    for name, value in change.items():
        if value is None:
            props.pop(name, None)
        else:
            props[name] = value
    with pytest.raises(ConfigFileError) as refused:
        GrpcSecurity.from_config(WorkerConfig(props))
    message = str(refused.value)
    assert key in message and "\n" not in message, f"expected one line naming {key}, saw: {message!r}"


def test_an_empty_token_file_and_a_token_without_tls_are_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.token"
    empty.write_text("\n")
    token_file = tmp_path / "cluster.token"
    token_file.write_text(TOKEN + "\n")
    for props, words in (
        ({"grpc.auth.token.file": str(empty)}, ("grpc.auth.token.file", "empty")),
        ({"grpc.auth.token": TOKEN}, ("grpc.auth.token needs TLS",)),
        ({"grpc.auth.token.file": str(token_file)}, ("grpc.auth.token.file needs TLS",)),
    ):
        with pytest.raises(ConfigFileError) as refused:
            GrpcSecurity.from_config(WorkerConfig(props))
        assert all(w in str(refused.value) for w in words), f"expected {words} in: {refused.value}"


def test_a_role_with_an_unusable_setting_exits_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    def never(*_: Any) -> int:
        raise AssertionError("the role must not start")

    code = run_role("coordinator", never, None, ["grpc.auth.token=short"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "grpc.auth.token" in err, (code, err)


def test_plaintext_binds_loopback_by_default_and_tls_every_interface(certs: ClusterCerts) -> None:
    assert WorkerConfig({}).grpc_host == "127.0.0.1"
    assert WorkerConfig(settings(certs)).grpc_host == "0.0.0.0"
    assert WorkerConfig({"grpc.host": "0.0.0.0"}).grpc_host == "0.0.0.0"
    assert WorkerConfig({"grpc.host": "10.1.2.3"}).grpc_advertised_host() == "10.1.2.3"


# --- the interceptor ---------------------------------------------------------------------------------


class Metadatum:
    def __init__(self, key: str, value: str) -> None:
        self.key, self.value = key, value


@pytest.mark.parametrize(
    "metadata",
    [
        None,
        [],
        [Metadatum("user-agent", "x")],
        [Metadatum("authorization", TOKEN)],  # no Bearer
        [Metadatum("authorization", "Bearer ")],
        [Metadatum("authorization", "Bearer " + TOKEN[:-1])],  # a prefix
        [Metadatum("authorization", "Bearer " + TOKEN + "x")],  # longer
        [Metadatum("authorization", "Bearer " + TOKEN[:-1] + "X")],  # same length, last byte differs
        [Metadatum("authorization", "Bearer " + "X" + TOKEN[1:])],  # same length, first byte differs
        [Metadatum("authorization", "Bearer tökén")],  # not ASCII
        [Metadatum("authorization-bin", b"Bearer " + TOKEN.encode())],  # type: ignore[arg-type]
    ],
)
def test_anything_but_the_exact_bearer_token_is_refused(metadata: Any) -> None:
    assert not ClusterTokenInterceptor(TOKEN).authorized(metadata), metadata


def test_the_exact_token_is_accepted_among_other_metadata() -> None:
    metadata = [Metadatum("user-agent", "x"), Metadatum("authorization", "Bearer " + TOKEN)]
    assert ClusterTokenInterceptor(TOKEN).authorized(metadata)


def test_refusals_are_logged_once_per_interval_with_a_count(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, "connectd.security")
    throttled = _RefusalLog(interval_s=3600)
    for _ in range(5):
        throttled.note("ipv4:10.0.0.9:5000", "/connectd.v1.ConnectorService/GetConnector")
    assert len(caplog.records) == 1, [r.getMessage() for r in caplog.records]
    caplog.clear()
    every = _RefusalLog(interval_s=0)
    for _ in range(2):
        every.note("ipv4:10.0.0.9:5000", "/x")
    assert len(caplog.records) == 2 and "10.0.0.9" in caplog.records[0].getMessage()


# --- a real server ----------------------------------------------------------------------------------

ECHO = "/test.Echo/Echo"


def _echo_server(security: GrpcSecurity) -> GrpcServer:
    server = GrpcServer("127.0.0.1", 0, security=security, role="test")
    handler = grpc.method_handlers_generic_handler(
        "test.Echo", {"Echo": grpc.unary_unary_rpc_method_handler(lambda request, _context: request)}
    )
    server.add(lambda _servicer, srv: srv.add_generic_rpc_handlers((handler,)), None, "test.Echo")
    server.start()
    return server


@pytest.fixture(scope="module")
def secure_server(certs: ClusterCerts) -> Iterator[tuple[GrpcServer, GrpcSecurity]]:
    server = _echo_server(GrpcSecurity.from_config(WorkerConfig(settings(certs, "coordinator"))))
    try:
        yield server, GrpcSecurity.from_config(WorkerConfig(settings(certs, "client")))
    finally:
        server.stop(0)


def _call(channel: grpc.Channel, method: str, payload: bytes = b"hi") -> bytes:
    return channel.unary_unary(method)(payload, timeout=10)  # type: ignore[no-any-return]


def test_a_member_calls_and_carries_messages_beyond_grpcs_default_limit_over_tls(
    secure_server: tuple[GrpcServer, GrpcSecurity],
) -> None:
    server, client = secure_server
    big = b"x" * (8 * 1024 * 1024)  # twice gRPC's default 4 MiB, within MAX_MESSAGE_BYTES
    assert len(big) < MAX_MESSAGE_BYTES
    with open_channel(f"localhost:{server.port}", client) as channel:
        assert _call(channel, ECHO, big) == big


def test_without_the_token_only_health_answers(secure_server: tuple[GrpcServer, GrpcSecurity]) -> None:
    server, client = secure_server
    assert client.tls is not None
    no_token = GrpcSecurity(client.tls)
    with open_channel(f"127.0.0.1:{server.port}", no_token) as channel:
        for method in (ECHO, "/test.Echo/NoSuchMethod", "/no.such.Service/Call"):
            with pytest.raises(grpc.RpcError) as refused:
                _call(channel, method)
            seen = (refused.value.code(), refused.value.details())  # type: ignore[attr-defined]
            assert seen == (grpc.StatusCode.UNAUTHENTICATED, UNAUTHENTICATED_MESSAGE), f"{method}: {seen}"
        stream = reflection_pb2_grpc.ServerReflectionStub(channel).ServerReflectionInfo(
            iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=10
        )
        with pytest.raises(grpc.RpcError) as refused:
            next(iter(stream))
        assert refused.value.code() is grpc.StatusCode.UNAUTHENTICATED  # type: ignore[attr-defined]
        health = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=10)
        assert health.status == health_pb2.HealthCheckResponse.SERVING
    with open_channel(f"127.0.0.1:{server.port}", client) as channel:
        with pytest.raises(grpc.RpcError) as unknown:
            _call(channel, "/test.Echo/NoSuchMethod")
        assert unknown.value.code() is grpc.StatusCode.UNIMPLEMENTED  # type: ignore[attr-defined]


def test_without_a_client_certificate_nothing_is_reached(
    secure_server: tuple[GrpcServer, GrpcSecurity],
) -> None:
    server, client = secure_server
    assert client.tls is not None and client.tls.trusted_ca_pem is not None
    credentials = grpc.ssl_channel_credentials(root_certificates=client.tls.trusted_ca_pem)
    with grpc.secure_channel(f"127.0.0.1:{server.port}", credentials) as channel:
        with pytest.raises(grpc.RpcError) as refused:
            health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
        assert refused.value.code() is grpc.StatusCode.UNAVAILABLE  # type: ignore[attr-defined]
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel, pytest.raises(grpc.RpcError):
        _call(channel, ECHO)


def test_plaintext_warns_when_it_listens_beyond_loopback(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, "services.grpc_support")
    for host, warned in (("127.0.0.1", False), ("0.0.0.0", True)):
        caplog.clear()
        server = GrpcServer(host, 0, security=PLAINTEXT, role="test")
        server.stop(0)
        messages = [r.getMessage() for r in caplog.records]
        assert bool(messages) == warned and all("no authentication" in m for m in messages), (host, messages)
