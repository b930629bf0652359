"""connector.client.config.override.policy (Kafka's None/Principal/All) and the guard against client
settings that run commands, load libraries, read local files or fetch URLs, whatever the policy."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectd.api import ConfigError, ConnectError
from connectd.config import ConfigFileError, WorkerConfig
from connectd.plugins.registry import PluginRegistry
from connectd.runtime.client_override_policy import (
    CALLBACKS,
    LOADS_LIBRARY,
    READS_FILE,
    RUNS_COMMAND,
    ClientOverridePolicy,
    policy_name,
)
from connectd.runtime.validation import ConnectorConfigValidator, config_errors, java_map_string

PACKAGE = "org.apache.kafka.connect.connector.policy."


def policy(name: str, **originals: str) -> ClientOverridePolicy:
    return ClientOverridePolicy.from_worker_config(
        {
            "connector.client.config.override.policy": name,
            **{k.replace("_", "."): v for k, v in originals.items()},
        }
    )


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("None", "None"), ("principal", "Principal"), ("All", "All"),
        (PACKAGE + "NoneConnectorClientConfigOverridePolicy", "None"),
        ("PrincipalConnectorClientConfigOverridePolicy", "Principal"),
        (PACKAGE + "AllConnectorClientConfigOverridePolicy", "All"),
        (None, "All"),  # Kafka's default since 3.0
    ],
)  # fmt: skip
def test_policy_names_kafkas_classes_and_short_names(written: str | None, expected: str) -> None:
    assert policy_name("k", written) == expected


def test_an_unknown_policy_stops_the_worker() -> None:
    with pytest.raises(ConfigError, match="Unknown policy; use one of None, Principal, All"):
        policy_name("connector.client.config.override.policy", "Some")
    with pytest.raises(ConfigFileError, match="connector.client.config.override.policy"):
        WorkerConfig({"connector.client.config.override.policy": "Some"})


# (client key, value, allowed under None, Principal, All)
ORDINARY = [
    ("acks", "1", False, False, True),
    ("sasl.mechanism", "PLAIN", False, True, True),
    ("sasl.mechanisms", "PLAIN", False, True, True),
    ("security.protocol", "SASL_SSL", False, True, True),
    ("sasl.jaas.config", "x required;", False, True, True),
    ("sasl.username", "alice", False, True, True),
    ("sasl.password", "pw", False, True, True),
    ("sasl.oauthbearer.client.secret", "pw", False, True, True),
    ("bootstrap.servers", "elsewhere:9092", False, False, True),
]


@pytest.mark.parametrize(("key", "value", *["none", "principal", "all"]), ORDINARY)
def test_each_policy_on_ordinary_keys(key: str, value: str, none: bool, principal: bool, all: bool) -> None:
    for name, allowed in (("None", none), ("Principal", principal), ("All", all)):
        for prefix in ("producer.override.", "consumer.override.", "admin.override."):
            got = policy(name).check({prefix + key: value, "topic": "t"})
            expected = (
                {}
                if allowed
                else {
                    prefix + key: f"The '{name}' policy does not allow '{key}' to be overridden in the "
                    "connector configuration."
                }
            )
            assert got == expected, (name, prefix + key)


HAZARDS = [
    *[(key, "kinit -k", "it runs a command on the worker") for key in sorted(RUNS_COMMAND)],
    *[(key, "/usr/lib/evil.so", "it loads a library into the worker") for key in sorted(LOADS_LIBRARY)],
    *[
        (key, "/etc/shadow", "it makes the client read the local path /etc/shadow, which is not under "
         "connector.client.config.allowed.paths ((none))")
        for key in sorted(READS_FILE)
    ],
    ("sasl.oauthbearer.token.endpoint.url", "http://169.254.169.254/latest",
     "the URL http://169.254.169.254/latest is not in "
     "connector.client.config.oauthbearer.allowed.urls ((none))"),
    ("sasl.oauthbearer.metadata.authentication.type", "azure_imds",
     "it makes the client fetch tokens from the cloud metadata service with the worker's identity"),
    *[(key, "x", "it installs a callback, which only the worker sets") for key in sorted(CALLBACKS)],
    ("error_cb", "x", "it installs a callback, which only the worker sets"),
]  # fmt: skip


@pytest.mark.parametrize(("key", "value", "why"), HAZARDS)
@pytest.mark.parametrize("name", ["None", "Principal", "All"])
def test_hazardous_keys_are_refused_under_every_policy(key: str, value: str, why: str, name: str) -> None:
    got = policy(name).check({f"producer.override.{key}": value})
    expected = (
        f"The '{name}' policy does not allow '{key}' to be overridden in the connector configuration: {why}."
    )
    assert got == {f"producer.override.{key}": expected}


def test_allowed_paths_and_urls_let_exactly_those_through(tmp_path: Path) -> None:
    certs = tmp_path / "certs"
    certs.mkdir()
    rules = policy(
        "All",
        connector_client_config_allowed_paths=str(certs),
        connector_client_config_oauthbearer_allowed_urls="https://idp.example/token",
    )
    assert rules.check({"producer.override.ssl.ca.location": f"{certs}/ca.pem"}) == {}
    assert rules.check({"producer.override.ssl.ca.location": "probe"}) == {}, "the system CA bundle"
    assert list(rules.check({"producer.override.ssl.key.location": f"{certs}/../key.pem"})) == [
        "producer.override.ssl.key.location"
    ], "'..' is normalized before the check"
    assert (
        rules.check({"consumer.override.sasl.oauthbearer.token.endpoint.url": "https://idp.example/token"})
        == {}
    )
    assert list(
        rules.check({"admin.override.sasl.oauthbearer.token.endpoint.url": "https://idp.example/x"})
    ) == ["admin.override.sasl.oauthbearer.token.endpoint.url"]
    # A file key the Principal policy allows is still held to the allowed paths.
    principal = policy("Principal", connector_client_config_allowed_paths=str(certs))
    assert principal.check({"producer.override.sasl.kerberos.keytab": f"{certs}/k.keytab"}) == {}
    assert list(principal.check({"producer.override.sasl.kerberos.keytab": "/etc/krb5.keytab"})) == [
        "producer.override.sasl.kerberos.keytab"
    ]


def test_worker_keys_are_the_operators_and_not_checked() -> None:
    assert policy("None").check({"producer.sasl.kerberos.kinit.cmd": "kinit", "producer.acks": "1"}) == {}


def test_enforce_at_task_start_names_keys_not_secrets() -> None:
    with pytest.raises(ConnectError) as error:
        policy("Principal").enforce(
            {"producer.override.acks": "0", "producer.override.sasl.password": "pw-value"}
        )
    assert str(error.value) == (
        "Client config overrides not allowed. producer.override.acks: The 'Principal' policy does not allow "
        "'acks' to be overridden in the connector configuration."
    )


SINK = {"connector.class": "FileStreamSink", "name": "s", "topics": "t"}


def test_validation_reports_each_refused_override_on_its_key() -> None:
    validator = ConnectorConfigValidator(PluginRegistry.discover(), client_policy=policy("None"))
    infos = validator.validate(
        {**SINK, "consumer.override.max.poll.records": "5", "producer.override.sasl.password": "hunter2-pw"}
    )
    by_name = {c["value"]["name"]: c["value"] for c in infos["configs"]}
    assert by_name["consumer.override.max.poll.records"]["errors"] == [
        "The 'None' policy does not allow 'max.poll.records' to be overridden in the connector configuration."
    ]
    assert by_name["producer.override.sasl.password"]["value"] == "[hidden]"
    assert "hunter2-pw" not in str(infos)
    assert infos["error_count"] == 2
    allowed = ConnectorConfigValidator(PluginRegistry.discover()).validate(
        {**SINK, "consumer.override.max.poll.records": "5"}
    )
    assert config_errors(allowed) == [], "Kafka's default policy, All, allows ordinary overrides"


def test_config_maps_in_messages_hide_secrets() -> None:
    shown = java_map_string(
        {"name": "x", "producer.override.sasl.password": "pw", "db.password": "pw2", "a": "b"}
    )
    assert shown == "{name=x, producer.override.sasl.password=[hidden], db.password=[hidden], a=b}"


def test_a_task_whose_config_skipped_validation_fails_to_start(tmp_path: Path) -> None:
    """Defence in depth: a config written to the config topic directly still meets the policy, and an
    unresolvable placeholder fails the task naming it."""
    from connectd.runtime.model import State, TaskId
    from connectd.runtime.status import MemoryStatusStore
    from connectd.runtime.worker import Worker

    statuses = MemoryStatusStore()
    worker = Worker(
        "w1",
        WorkerConfig({"connector.client.config.override.policy": "None"}),
        PluginRegistry.discover(),
        None,  # type: ignore[arg-type]  # never reached: the task fails before it needs offsets
        statuses,
    )
    task_config = {"task.class": "connectd.plugins.file_sink.FileStreamSinkTask", "topics": "t"}
    kinit = {**SINK, "file": str(tmp_path / "out.txt"), "consumer.override.sasl.kerberos.kinit.cmd": "kinit"}
    worker.start_task(TaskId("s", 0), kinit, task_config)
    state = statuses.get_tasks("s")[0]
    assert state.state is State.FAILED and state.trace is not None
    assert (
        "Client config overrides not allowed. consumer.override.sasl.kerberos.kinit.cmd: The 'None' policy "
        "does not allow 'sasl.kerberos.kinit.cmd' to be overridden in the connector configuration: it runs a "
        "command on the worker." in state.trace
    ), state.trace

    worker.start_task(TaskId("p", 0), {**SINK, "name": "p", "file": "${vault:kv:out}"}, task_config)
    failed = statuses.get_tasks("p")[0]
    assert failed.state is State.FAILED and failed.trace is not None
    assert (
        "Cannot start task p-0: config key 'file' refers to ${vault:kv:out}, but no config provider named "
        "'vault' is configured (config.providers: none)" in failed.trace
    ), failed.trace
    assert worker.task_ids() == [], "neither task may run"
