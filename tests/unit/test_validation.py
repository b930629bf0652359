"""The config/validate pipeline over the built-in plugins, and the plugin registry's aliases."""

from __future__ import annotations

import pytest

from connectd.errors import BadRequestError
from connectd.plugins.registry import PluginRegistry
from connectd.runtime.validation import ConnectorConfigValidator, config_errors


@pytest.fixture(scope="module")
def registry() -> PluginRegistry:
    return PluginRegistry.discover()


@pytest.mark.parametrize(
    "name",
    [
        "FileStreamSink",
        "FileStreamSinkConnector",
        "org.apache.kafka.connect.file.FileStreamSinkConnector",
        "connectd.plugins.file_sink.FileStreamSinkConnector",
    ],
)
def test_kafka_names_are_aliases(registry: PluginRegistry, name: str) -> None:
    assert registry.connector_class(name).__name__ == "FileStreamSinkConnector"


def test_converter_aliases(registry: PluginRegistry) -> None:
    assert registry.converter_class("org.apache.kafka.connect.json.JsonConverter").__name__ == "JsonConverter"
    assert registry.converter_class("StringConverter").__name__ == "StringConverter"


def test_sink_without_topics_has_connects_shape(registry: PluginRegistry) -> None:
    infos = ConnectorConfigValidator(registry).validate({"connector.class": "FileStreamSink", "name": "x"})
    assert infos["name"] == "FileStreamSink"
    assert infos["error_count"] == 2
    assert infos["groups"] == ["Common", "Transforms", "Predicates", "Error Handling"]
    by_name = {c["value"]["name"]: c for c in infos["configs"]}
    assert by_name["topics"]["value"]["errors"] == ["Must configure one of topics or topics.regex"]
    assert by_name["topics.regex"]["value"]["errors"] == ["Must configure one of topics or topics.regex"]
    assert set(by_name["name"]["definition"]) == {
        "name",
        "type",
        "required",
        "default_value",
        "importance",
        "documentation",
        "group",
        "order",
        "width",
        "display_name",
        "dependents",
    }
    assert by_name["file"]["definition"]["group"] is None  # the plugin's own key
    assert set(by_name["name"]["value"]) == {"name", "value", "recommended_values", "errors", "visible"}


def test_errors_name_the_key(registry: PluginRegistry) -> None:
    validator = ConnectorConfigValidator(registry)
    errors = config_errors(
        validator.validate({"connector.class": "FileStreamSource", "name": "s", "batch.size": "abc"})
    )
    assert errors == [
        'Missing required configuration "topic" which has no default value.',
        "Invalid value abc for configuration batch.size: Not a number of type INT",
    ]


def test_missing_and_unknown_class_are_bad_requests(registry: PluginRegistry) -> None:
    validator = ConnectorConfigValidator(registry)
    with pytest.raises(BadRequestError, match=r"Connector config \{name=x\} contains no connector type"):
        validator.validate({"name": "x"})
    with pytest.raises(
        BadRequestError, match="Failed to find any class that implements Connector.*connector.class"
    ):
        validator.validate({"name": "x", "connector.class": "Nope"})


def test_ensure_valid_lists_every_error(registry: PluginRegistry) -> None:
    with pytest.raises(BadRequestError) as info:
        ConnectorConfigValidator(registry).ensure_valid({"connector.class": "FileStreamSink", "name": "x"})
    assert str(info.value) == (
        "Connector configuration is invalid and contains the following 2 error(s):\n"
        "Must configure one of topics or topics.regex\nMust configure one of topics or topics.regex\n"
        "You can also find the above list of errors at the endpoint "
        "`/connector-plugins/{connectorType}/config/validate`"
    )


def test_unknown_converter_is_an_error_on_its_key(registry: PluginRegistry) -> None:
    errors = config_errors_of(
        registry,
        {
            "connector.class": "FileStreamSink",
            "name": "x",
            "topics": "t",
            "value.converter": "NoSuchConverter",
        },
    )
    assert len(errors) == 1 and "value.converter" in errors[0] and "NoSuchConverter" in errors[0], errors


def test_converter_sub_configs_are_validated(registry: PluginRegistry) -> None:
    errors = config_errors_of(
        registry,
        {
            "connector.class": "FileStreamSink",
            "name": "x",
            "topics": "t",
            "value.converter": "JsonConverter",
            "value.converter.schemas.enable": "maybe",
        },
    )
    assert errors == [
        "Invalid value maybe for configuration value.converter.schemas.enable: "
        "Expected value to be either true or false"
    ]


def config_errors_of(registry: PluginRegistry, config: dict[str, str | None]) -> list[str]:
    return config_errors(ConnectorConfigValidator(registry).validate(config))
