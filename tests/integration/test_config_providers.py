"""Secrets through config providers and the client override policy, end to end in both modes.

A task runs with its placeholders resolved (records land in the file a ``${file:...}`` names, a task
writes the secret an ``${env:...}`` names), while the REST API, the coordinator's gRPC API, the config
and status topics and every process's log show the placeholders only. Placeholders that do not resolve
fail the connector or task with an error naming them; every client override the policy or the guard
refuses is a 400 naming the key and the policy.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
from confluent_kafka import Consumer, Producer, TopicPartition

from connectd.v1 import connectors_pb2, connectors_pb2_grpc
from tests.integration.connect_modes import MODES, ConnectUnderTest, start_distributed, start_standalone
from tests.integration.standalone_harness import create_topic, read_lines, wait_for

ENV_NAME = "CONNECTD_IT_SECRET"
KAFKA = "org.apache.kafka.common.config.provider."
ECHO_SINK = "provider_plugins.SecretEchoSinkConnector"


@dataclass
class Secured:
    """A deployment whose workers have file and env providers and the Principal override policy."""

    connect: ConnectUnderTest
    secrets: Path  # the properties file the file provider reads
    sink_file: Path  # its "path" key: where the FileStreamSink writes
    db_password: str  # its "password" key
    env_secret: str  # the worker's CONNECTD_IT_SECRET

    @property
    def values(self) -> list[str]:
        """Every resolved value, which nothing but the tasks may see."""
        return [self.db_password, self.env_secret, self.sink_file.parent.name]


@pytest.fixture(scope="module", params=MODES)
def secured(
    request: pytest.FixtureRequest, bootstrap_servers: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Secured]:
    workdir = tmp_path_factory.mktemp(f"providers-{request.param}")
    marker = uuid.uuid4().hex[:12]
    secrets_dir = workdir / "secrets"
    secrets_dir.mkdir()
    sink_file = workdir / "out" / f"resolved-dir-{marker}" / "sink.txt"
    sink_file.parent.mkdir(parents=True)
    secrets = secrets_dir / "secrets.properties"
    db_password, env_secret = f"db-pw-{marker}", f"env-{marker}"
    secrets.write_text(f"path={sink_file}\npassword={db_password}\n")
    settings = {
        "config.providers": "file,env",
        "config.providers.file.class": KAFKA + "FileConfigProvider",
        "config.providers.file.param.allowed.paths": str(secrets_dir),
        "config.providers.env.class": KAFKA + "EnvVarConfigProvider",
        "config.providers.env.param.allowlist.pattern": "CONNECTD_IT_.*",
        "connector.client.config.override.policy": "Principal",
    }
    # Every process inherits the variable when it starts; the test process drops it again afterwards.
    previous = os.environ.get(ENV_NAME)
    os.environ[ENV_NAME] = env_secret
    try:
        if request.param == "standalone":
            connect = start_standalone(workdir, bootstrap_servers, settings)
        else:
            group = f"g-providers-{uuid.uuid4().hex[:8]}"
            connect = start_distributed(workdir, bootstrap_servers, group, extra=settings)
    finally:
        if previous is None:
            os.environ.pop(ENV_NAME, None)
        else:
            os.environ[ENV_NAME] = previous
    try:
        yield Secured(connect, secrets, sink_file, db_password, env_secret)
    finally:
        connect.stop()


@pytest.fixture
def clean(secured: Secured) -> Iterator[Secured]:
    yield secured
    secured.connect.delete_all()


def expect(connect: ConnectUnderTest, method: str, path: str, code: int, body: Any = None) -> Any:
    got, answer = connect.request(method, path, body)
    assert got == code, f"{method} {path} ({connect.mode}): expected {code}, got {got} {answer}"
    return answer


def produce(bootstrap: str, topic: str, values: list[str]) -> None:
    producer = Producer({"bootstrap.servers": bootstrap})
    for value in values:
        producer.produce(topic, value.encode())
    assert producer.flush(30) == 0, "the test producer could not deliver every record"


def coordinator_views(connect: ConnectUnderTest, configs: dict[str, dict[str, str]]) -> str:
    """GetConnector and ListTasks of the coordinator's gRPC API, called directly, as text; each
    connector's config and its task's must be ``configs[name]`` as written."""
    cluster = connect.cluster
    assert cluster is not None and cluster.coordinator is not None
    seen: list[str] = []
    with grpc.insecure_channel(f"127.0.0.1:{cluster.coordinator.port}") as channel:
        stub = connectors_pb2_grpc.ConnectorServiceStub(channel)
        for name, config in configs.items():
            info = stub.GetConnector(connectors_pb2.GetConnectorRequest(group_id=cluster.group_id, name=name))
            tasks = stub.ListTasks(connectors_pb2.ListTasksRequest(group_id=cluster.group_id, name=name))
            assert dict(info.connector.config) == {**config, "name": name}, f"GetConnector: {info}"
            assert len(tasks.tasks) == 1, f"ListTasks: {tasks}"
            task_config = dict(tasks.tasks[0].config)
            assert {k: task_config.get(k) for k in config} == config, f"ListTasks: {tasks}"
            seen += [str(info), str(tasks)]
    return "\n".join(seen)


def topic_contents(bootstrap: str, topics: list[str]) -> str:
    """Every record of the group's storage topics (one partition or several), keys and values, as text."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"check-{uuid.uuid4().hex}"})
    seen: list[str] = []
    try:
        for topic in topics:
            metadata = consumer.list_topics(topic, timeout=10).topics[topic]
            for partition in metadata.partitions:
                low, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)
                if high <= low:
                    continue
                consumer.assign([TopicPartition(topic, partition, low)])
                read = 0
                while read < high - low:
                    messages = consumer.consume(500, 5)
                    assert messages, f"{topic}-{partition}: read {read} of {high - low} records"
                    for message in messages:
                        read += 1
                        seen.append(f"{message.key()!r} {message.value()!r}")
    finally:
        consumer.close()
    return "\n".join(seen)


def log_files(connect: ConnectUnderTest) -> list[Path]:
    files = sorted(connect.workdir.rglob("*.log"))
    assert files, f"no log files under {connect.workdir}"
    return files


def assert_nowhere(secured: Secured, where: str, text: str) -> None:
    for value in secured.values:
        assert value not in text, f"the resolved value {value!r} leaked into {where} ({secured.connect.mode})"


def test_tasks_see_values_while_every_view_shows_the_placeholders(clean: Secured, unique_name: str) -> None:
    connect = clean.connect
    topic = f"{unique_name}-in"
    create_topic(connect.bootstrap_servers, topic)
    echo_file = connect.workdir / f"echo-{unique_name}.txt"
    # Names of their own: sink offsets live in consumer groups on the broker both modes share.
    file_name, echo_name = f"{unique_name}-file", f"{unique_name}-echo"
    file_sink = {
        "connector.class": "FileStreamSink",
        "topics": topic,
        "file": f"${{file:{clean.secrets}:path}}",
        "db.password": f"${{file:{clean.secrets}:password}}",
    }
    echo_sink = {
        "connector.class": ECHO_SINK,
        "topics": topic,
        "file": str(echo_file),
        "secret": f"${{env:{ENV_NAME}}}",
    }
    connect.create(file_name, file_sink)
    connect.create(echo_name, echo_sink)
    connect.wait_state(file_name, "RUNNING", tasks=1)
    connect.wait_state(echo_name, "RUNNING", tasks=1)
    produce(connect.bootstrap_servers, topic, ["a", "b", "c"])

    wait_for(lambda: read_lines(clean.sink_file) == ["a", "b", "c"], 60, "records in the resolved sink path")
    wait_for(
        lambda: read_lines(echo_file) == [f"{clean.env_secret} {v}" for v in "abc"],
        60,
        "the echo task writing the secret it resolved from the environment",
    )

    seen: list[str] = []
    for name, config in ((file_name, file_sink), (echo_name, echo_sink)):
        stored = expect(connect, "GET", f"/connectors/{name}/config", 200)
        assert stored == {**config, "name": name}, f"GET config must be the config as written: {stored}"
        info = expect(connect, "GET", f"/connectors/{name}", 200)
        assert info["config"] == stored, info
        tasks = expect(connect, "GET", f"/connectors/{name}/tasks", 200)
        for key in config:
            assert tasks[0]["config"].get(key) == config[key], f"task config {key} of {name}: {tasks}"
        seen += [
            str(stored),
            str(info),
            str(tasks),
            str(expect(connect, "GET", f"/connectors/{name}/status", 200)),
        ]
    echo_task = expect(connect, "GET", f"/connectors/{echo_name}/tasks", 200)[0]["config"]
    assert echo_task["secret.copy"] == echo_sink["secret"], (
        "a copied PASSWORD value is stored as its placeholder"
    )
    # The offsets API builds its admin client from the resolved config too.
    committed = {"partition": {"kafka_topic": topic, "kafka_partition": 0}, "offset": {"kafka_offset": 3}}
    seen_offsets: list[Any] = []

    def offsets_committed() -> bool:
        seen_offsets[:] = connect.request("GET", f"/connectors/{file_name}/offsets")
        return seen_offsets == [200, {"offsets": [committed]}]

    try:
        wait_for(offsets_committed, 30, "the file sink's committed offsets through the offsets API")
    except AssertionError:
        raise AssertionError(f"expected [200, {{'offsets': [{committed}]}}], saw {seen_offsets}") from None
    seen.append(str(expect(connect, "GET", "/connectors?expand=info&expand=status", 200)))
    assert_nowhere(clean, "the REST API", "\n".join(seen))

    if connect.cluster is not None:
        assert_nowhere(
            clean,
            "the coordinator's gRPC API",
            coordinator_views(connect, {file_name: file_sink, echo_name: echo_sink}),
        )
        group = connect.cluster.group_id
        topics = [f"{group}-configs", f"{group}-status", f"{group}-offsets"]
        stored = topic_contents(connect.bootstrap_servers, topics)
        assert f"${{env:{ENV_NAME}}}" in stored, "the config topic holds the placeholders"
        assert_nowhere(clean, "the config, status and offsets topics", stored)
    for path in log_files(connect):
        assert_nowhere(clean, f"the log {path.name}", path.read_text(errors="replace"))


def test_placeholders_that_do_not_resolve_fail_naming_the_placeholder(
    clean: Secured, unique_name: str
) -> None:
    connect = clean.connect
    sink = {"connector.class": "FileStreamSink", "topics": f"{unique_name}-in"}

    # An unknown provider is a config error of its key, at create and validate.
    vault = {**sink, "name": "vault-sink", "file": "${vault:secret/db:path}"}
    message = expect(connect, "POST", "/connectors", 400, {"name": "vault-sink", "config": vault})["message"]
    assert (
        "config key 'file' refers to ${vault:secret/db:path}, but no config provider named 'vault'" in message
    )
    infos = expect(connect, "PUT", "/connector-plugins/FileStreamSink/config/validate", 200, vault)
    errors = {c["value"]["name"]: c["value"]["errors"] for c in infos["configs"]}
    assert errors["file"] and "'vault'" in errors["file"][0], errors

    # A missing key, a variable the allowlist hides, a path outside allowed.paths: the connector fails.
    outside = clean.secrets.parent / ".." / "outside.properties"
    failures = {
        "missing-key": (f"${{file:{clean.secrets}:nope}}", f"no key 'nope' at {clean.secrets}"),
        "hidden-env": ("${env:HOME}", "no key 'HOME'"),
        "outside": (f"${{file:{outside}:path}}", f"the path {outside} is not allowed"),
    }
    for name, (placeholder, _) in failures.items():
        connect.create(name, {**sink, "file": placeholder})
    for name, (placeholder, reason) in failures.items():
        status = connect.wait_state(name, "FAILED", tasks=0)
        trace = status["connector"]["trace"]
        assert f"Cannot start connector {name}: config key 'file' refers to {placeholder}" in trace, trace
        assert reason in trace, f"expected {reason!r} in the trace of {name}: {trace}"

    # A task whose placeholder stopped resolving (the key removed since the connector started) fails alone.
    task_secrets = clean.secrets.parent / f"task-{unique_name}.properties"
    task_secret = f"task-secret-{uuid.uuid4().hex[:8]}"
    task_secrets.write_text(f"secret={task_secret}\n")
    placeholder = f"${{file:{task_secrets}:secret}}"
    connect.create(
        "task-fails",
        {**sink, "connector.class": ECHO_SINK, "file": str(connect.workdir / "t.txt"), "secret": placeholder},
    )
    connect.wait_state("task-fails", "RUNNING", tasks=1)
    task_secrets.write_text("other=1\n")
    expect(connect, "POST", "/connectors/task-fails/tasks/0/restart", 204)
    status = connect.wait_state("task-fails", "RUNNING", tasks=1, task_state="FAILED")
    trace = status["tasks"][0]["trace"]
    assert f"Cannot start task task-fails-0: config key 'secret' refers to {placeholder}" in trace, trace
    for path in log_files(connect):
        assert task_secret not in path.read_text(errors="replace"), f"the secret leaked into {path.name}"


REFUSED = [
    ("consumer.override.max.poll.records", "5", "."),
    ("consumer.override.sasl.kerberos.kinit.cmd", "touch /tmp/pwned", ": it runs a command on the worker."),
    (
        "consumer.override.ssl.ca.location",
        "/etc/passwd",
        ": it makes the client read the local path /etc/passwd",
    ),
    ("admin.override.plugin.library.paths", "/tmp/evil.so", ": it loads a library into the worker."),
    (
        "producer.override.sasl.oauthbearer.token.endpoint.url",
        "http://169.254.169.254/latest/meta-data",
        ": the URL http://169.254.169.254/latest/meta-data is not in "
        "connector.client.config.oauthbearer.allowed.urls",
    ),
]


@pytest.mark.parametrize(("key", "value", "why"), REFUSED)
def test_each_refused_override_is_a_400_naming_key_and_policy(
    clean: Secured, key: str, value: str, why: str
) -> None:
    connect = clean.connect
    config = {"connector.class": "FileStreamSink", "topics": "t", "file": "/dev/null", key: value}
    client_key = key.split(".override.", 1)[1]
    expected = (
        f"The 'Principal' policy does not allow '{client_key}' to be overridden in the connector "
        f"configuration{why}"
    )
    for method, path, body in (
        ("POST", "/connectors", {"name": "refused", "config": config}),
        ("PUT", "/connectors/refused/config", config),
    ):
        message = expect(connect, method, path, 400, body)["message"]
        assert expected in message, f"{method} {path}: expected {expected!r} in {message!r}"
    expect(connect, "GET", "/connectors/refused", 404)
    infos = expect(connect, "PUT", "/connector-plugins/FileStreamSink/config/validate", 200, config)
    entry = next(c["value"] for c in infos["configs"] if c["value"]["name"] == key)
    assert len(entry["errors"]) == 1 and expected in entry["errors"][0], entry


def test_principal_allows_what_sets_the_clients_identity(clean: Secured) -> None:
    config = {
        "connector.class": "FileStreamSink", "name": "p", "topics": "t", "file": "/dev/null",
        "consumer.override.sasl.mechanism": "PLAIN", "consumer.override.sasl.password": "pw-not-shown",
    }  # fmt: skip
    infos = expect(clean.connect, "PUT", "/connector-plugins/FileStreamSink/config/validate", 200, config)
    assert infos["error_count"] == 0, infos
    password = next(
        c["value"] for c in infos["configs"] if c["value"]["name"] == "consumer.override.sasl.password"
    )
    assert password["value"] == "[hidden]", password
