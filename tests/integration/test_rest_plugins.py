"""``/connector-plugins`` in both modes: the listing, a plugin's config definition (``?version=`` as in
Kafka 4.1), and the validate pipeline as create, PUT and PATCH use it, PASSWORD values hidden.

In distributed mode the config definition and validation come from a worker that has the plugin
(coordinator RPCs to WorkerService), so every answer here crossed two gRPC hops.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.connect_modes import ConnectUnderTest
from tests.integration.rest_checks import expect, expect_error
from tests.plugins.admin_plugins import SECRET_SINK_VERSION

pytestmark = pytest.mark.integration

SECRET_SINK = "admin_plugins.SecretSinkConnector"
KEY_INFO_FIELDS = {
    "name", "type", "required", "default_value", "importance", "documentation", "group", "order",
    "width", "display_name", "dependents",
}  # fmt: skip
TASKS_MAX_INFO = {
    "name": "tasks.max",
    "type": "INT",
    "required": False,
    "default_value": "1",
    "importance": "HIGH",
    "documentation": "Maximum number of tasks to use for this connector.",
    "group": "Common",
    "order": 3,
    "width": "SHORT",
    "display_name": "Tasks max",
    "dependents": [],
}


def value_of(infos: dict[str, Any], key: str) -> dict[str, Any]:
    return next(c["value"] for c in infos["configs"] if c["value"]["name"] == key)


def test_listing_connectors_then_converters(clean_connect: ConnectUnderTest) -> None:
    connectors = expect(clean_connect, "GET", "/connector-plugins", 200)
    types = [p["type"] for p in connectors]
    assert types == sorted(types, key=["sink", "source"].index), f"sinks first, then sources: {connectors}"
    for kind in ("sink", "source"):
        names = [p["class"] for p in connectors if p["type"] == kind]
        assert names == sorted(names), f"{kind}s by class name: {names}"
    assert {"class": SECRET_SINK, "type": "sink", "version": SECRET_SINK_VERSION} in connectors, connectors
    assert expect(clean_connect, "GET", "/connector-plugins?connectorsOnly=true", 200) == connectors

    everything = expect(clean_connect, "GET", "/connector-plugins?connectorsOnly=FALSE", 200)
    assert everything[: len(connectors)] == connectors, everything
    others = everything[len(connectors) :]
    # Converters, the same again as header converters, then transformations, then predicates.
    types = [p["type"] for p in others]
    order = ["converter", "header_converter", "transformation", "predicate"]
    assert types == sorted(types, key=order.index) and set(types) == set(order), others
    transformations = [p["class"] for p in others if p["type"] == "transformation"]
    assert transformations == sorted(transformations), transformations
    assert "connectd.transforms.regex_router.RegexRouter" in transformations, transformations
    predicates = [p["class"] for p in others if p["type"] == "predicate"]
    assert "connectd.transforms.predicates.TopicNameMatches" in predicates, predicates
    converters = [p["class"] for p in others if p["type"] == "converter"]
    assert converters == sorted(converters) and converters == [
        p["class"] for p in others if p["type"] == "header_converter"
    ], others
    assert "connectd.runtime.converters.StringConverter" in converters, converters
    # JAX-RS booleans: anything but "true" is false.
    assert expect(clean_connect, "GET", "/connector-plugins?connectorsOnly=nope", 200) == everything


def test_config_definition_of_a_connector(clean_connect: ConnectUnderTest) -> None:
    keys = expect(clean_connect, "GET", "/connector-plugins/FileStreamSink/config", 200)
    assert all(set(k) == KEY_INFO_FIELDS for k in keys), keys
    names = [k["name"] for k in keys]
    assert names[0] == "file" and "topics" in names and "topics.regex" in names, names
    assert next(k for k in keys if k["name"] == "tasks.max") == TASKS_MAX_INFO
    for alias in ("FileStreamSinkConnector", "org.apache.kafka.connect.file.FileStreamSinkConnector"):
        assert expect(clean_connect, "GET", f"/connector-plugins/{alias}/config", 200) == keys, alias
    secret = expect(clean_connect, "GET", "/connector-plugins/SecretSink/config", 200)
    assert secret[0] == {
        "name": "secret",
        "type": "PASSWORD",
        "required": True,
        "default_value": None,
        "importance": "HIGH",
        "documentation": "A secret the sink needs.",
        "group": None,
        "order": -1,
        "width": "NONE",
        "display_name": "secret",
        "dependents": [],
    }, secret[0]


def test_config_definition_of_a_converter(clean_connect: ConnectUnderTest) -> None:
    keys = expect(clean_connect, "GET", "/connector-plugins/JsonConverter/config", 200)
    names = [k["name"] for k in keys]
    assert "schemas.enable" in names and "name" not in names and "tasks.max" not in names, names


def test_config_definition_versions(clean_connect: ConnectUnderTest) -> None:
    path = "/connector-plugins/SecretSink/config"
    latest = expect(clean_connect, "GET", path, 200)
    for spec in (SECRET_SINK_VERSION, "latest", "[2.0,3.0)", "(,2.5.0]"):
        assert expect(clean_connect, "GET", f"{path}?version={spec}", 200) == latest, spec
    expect_error(
        clean_connect, "GET", f"{path}?version=1.0", 400,
        f"Plugin {SECRET_SINK} not found that matches the version range [1.0,1.0], "
        f"available versions: [{SECRET_SINK_VERSION}]",
    )  # fmt: skip
    expect_error(
        clean_connect, "GET", f"{path}?version=[3.0,)", 400,
        f"Plugin {SECRET_SINK} not found that matches the version range [3.0,), "
        f"available versions: [{SECRET_SINK_VERSION}]",
    )  # fmt: skip
    expect_error(clean_connect, "GET", f"{path}?version=[1.0", 400, "Invalid version specification: [1.0")
    # The version is checked before the plugin is looked up, as in Kafka.
    expect_error(
        clean_connect, "GET", "/connector-plugins/Nope/config?version=(1.0)", 400,
        "Invalid version specification: (1.0)",
    )  # fmt: skip


def test_config_definition_errors(clean_connect: ConnectUnderTest) -> None:
    unknown = "/connector-plugins/NoSuchPlugin/config"
    expect_error(clean_connect, "GET", unknown, 404, "Unknown plugin NoSuchPlugin.")
    expect_error(
        clean_connect, "GET", "/connector-plugins/connectd.runtime.worker.Worker/config", 400,
        "Invalid plugin class connectd.runtime.worker.Worker. "
        "Valid types are sink, source, converter, header_converter, transformation, predicate.",
    )  # fmt: skip
    config = "/connector-plugins/FileStreamSink/config"
    expect_error(clean_connect, "POST", config, 405, "HTTP 405 Method Not Allowed")


def test_validate_hides_passwords(clean_connect: ConnectUnderTest) -> None:
    config = {"connector.class": "SecretSink", "name": "s", "topics": "t", "secret": "hunter2"}
    infos = expect(clean_connect, "PUT", "/connector-plugins/SecretSink/config/validate", 200, config)
    assert infos["name"] == "SecretSink" and infos["error_count"] == 1, infos
    assert value_of(infos, "secret") == {
        "name": "secret",
        "value": "[hidden]",
        "recommended_values": [],
        "errors": ["Invalid value [hidden] for configuration secret: Password must be at least 8 characters"],
        "visible": True,
    }
    assert "hunter2" not in str(infos), "the secret leaked into the validate response"
    good = expect(
        clean_connect, "PUT", "/connector-plugins/SecretSink/config/validate", 200,
        {**config, "secret": "correct horse"},
    )  # fmt: skip
    assert good["error_count"] == 0 and value_of(good, "secret")["value"] == "[hidden]", good


def test_validate_runs_the_whole_pipeline(clean_connect: ConnectUnderTest) -> None:
    path = "/connector-plugins/FileStreamSink/config/validate"
    sink = {"connector.class": "FileStreamSink", "name": "v"}
    infos = expect(
        clean_connect, "PUT", path, 200,
        {**sink, "topics": "in,dlq", "errors.deadletterqueue.topic.name": "dlq", "transforms": "t",
         "value.converter": "JsonConverter", "value.converter.schemas.enable": "maybe"},
    )  # fmt: skip
    errors = {c["value"]["name"]: c["value"]["errors"] for c in infos["configs"] if c["value"]["errors"]}
    assert errors == {
        "topics": [
            "The DLQ topic 'dlq' may not be included in the list of topics ('topics=[in, dlq]') "
            "consumed by the connector"
        ],
        "transforms.t.type": [
            'Missing required configuration "transforms.t.type" which has no default value.'
        ],
        "value.converter.schemas.enable": [
            "Invalid value maybe for configuration value.converter.schemas.enable: "
            "Expected value to be either true or false"
        ],
    }, errors
    assert infos["error_count"] == 3 and "Transforms: t" in infos["groups"], infos["groups"]

    # A sink's consumer group may not be the group of the distributed workers (no such rule standalone).
    group = clean_connect.cluster.group_id if clean_connect.cluster else "connect-standalone"
    overridden = expect(
        clean_connect, "PUT", path, 200, {**sink, "topics": "in", "consumer.override.group.id": group}
    )
    expected = (
        [f"Consumer group {group} conflicts with Connect worker group {group}"]
        if clean_connect.mode == "distributed"
        else []
    )
    assert [e for c in overridden["configs"] for e in c["value"]["errors"]] == expected, overridden


def test_validate_errors(clean_connect: ConnectUnderTest) -> None:
    path = "/connector-plugins/SecretSink/config/validate"
    expect_error(
        clean_connect, "PUT", path, 400, "Connector config {name=s, topics=t} contains no connector type",
        {"name": "s", "topics": "t"},
    )  # fmt: skip
    expect_error(
        clean_connect, "PUT", path, 400,
        "Included connector type FileStreamSink does not match request type SecretSink",
        {"connector.class": "FileStreamSink"},
    )  # fmt: skip
    unknown = "/connector-plugins/Nope/config/validate"
    body = expect(clean_connect, "PUT", unknown, 400, {"connector.class": "Nope"})
    assert body["message"].startswith(
        "Failed to find any class that implements Connector and which name matches Nope, "
        "available connectors are: "
    ), f"unknown class ({clean_connect.mode}): {body}"


INVALID_SINK = (
    "Connector configuration is invalid and contains the following 2 error(s):\n"
    "Must configure one of topics or topics.regex\nMust configure one of topics or topics.regex\n"
    "You can also find the above list of errors at the endpoint "
    "`/connector-plugins/{connectorType}/config/validate`"
)


def test_create_put_and_patch_refuse_invalid_configs(clean_connect: ConnectUnderTest) -> None:
    sink = {"connector.class": "FileStreamSink", "file": "/dev/null"}
    expect_error(clean_connect, "POST", "/connectors", 400, INVALID_SINK, {"name": "bad", "config": sink})
    expect_error(clean_connect, "PUT", "/connectors/bad/config", 400, INVALID_SINK, sink)
    expect(clean_connect, "GET", "/connectors/bad", 404)

    clean_connect.create("patched", {**sink, "topics": "t"})
    expect_error(clean_connect, "PATCH", "/connectors/patched/config", 400, INVALID_SINK, {"topics": None})
    assert expect(clean_connect, "GET", "/connectors/patched/config", 200)["topics"] == "t"

    secret = {"connector.class": "SecretSink", "topics": "t", "secret": "hunter2"}
    body = expect(clean_connect, "POST", "/connectors", 400, {"name": "secret", "config": secret})
    assert body["message"] == (
        "Connector configuration is invalid and contains the following 1 error(s):\n"
        "Invalid value [hidden] for configuration secret: Password must be at least 8 characters\n"
        "You can also find the above list of errors at the endpoint "
        "`/connector-plugins/{connectorType}/config/validate`"
    ), body
