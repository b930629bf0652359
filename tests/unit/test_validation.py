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


def values_by_name(infos: dict[str, object]) -> dict[str, dict[str, object]]:
    return {c["value"]["name"]: c for c in infos["configs"]}  # type: ignore[index,union-attr]


SINK = {"connector.class": "FileStreamSink", "name": "x"}


def test_topics_and_regex_are_mutually_exclusive(registry: PluginRegistry) -> None:
    errors = config_errors_of(registry, {**SINK, "topics": "a", "topics.regex": "a.*"})
    message = "topics and topics.regex are mutually exclusive options, but both are set."
    assert errors == [message, message], f"expected the exclusivity error on both keys, saw {errors}"


def test_invalid_topics_regex_is_an_error_on_its_key(registry: PluginRegistry) -> None:
    infos = ConnectorConfigValidator(registry).validate({**SINK, "topics.regex": "(unclosed"})
    errors = values_by_name(infos)["topics.regex"]["value"]["errors"]  # type: ignore[index]
    assert len(errors) == 1 and errors[0].startswith(
        "Invalid value (unclosed for configuration topics.regex: Invalid regex: "
    ), errors


def test_dead_letter_topic_may_not_be_consumed(registry: PluginRegistry) -> None:
    listed = config_errors_of(
        registry, {**SINK, "topics": "a, dlq", "errors.deadletterqueue.topic.name": "dlq"}
    )
    assert listed == [
        "The DLQ topic 'dlq' may not be included in the list of topics ('topics=[a, dlq]') "
        "consumed by the connector"
    ]
    matched = config_errors_of(
        registry, {**SINK, "topics.regex": "d.*", "errors.deadletterqueue.topic.name": "dlq"}
    )
    assert matched == [
        "The DLQ topic 'dlq' may not be matched by the regex for the topics ('topics.regex=d.*') "
        "consumed by the connector"
    ]
    assert config_errors_of(registry, {**SINK, "topics": "a", "errors.deadletterqueue.topic.name": "b"}) == []


def test_sink_consumer_group_may_not_be_the_worker_group(registry: PluginRegistry) -> None:
    validator = ConnectorConfigValidator(registry, worker_group_id="connect-x")
    named = validator.validate({**SINK, "topics": "t"})
    assert config_errors(named) == [
        "Consumer group for sink connector named x conflicts with Connect worker group connect-x"
    ]
    overridden = validator.validate(
        {**SINK, "name": "y", "topics": "t", "consumer.override.group.id": "connect-x"}
    )
    assert config_errors(overridden) == [
        "Consumer group connect-x conflicts with Connect worker group connect-x"
    ]
    assert values_by_name(overridden)["consumer.override.group.id"]["definition"] is None
    # Standalone has no worker group: no such rule.
    assert config_errors_of(registry, {**SINK, "name": "x", "topics": "t"}) == []


def test_transform_and_predicate_aliases_get_type_keys(registry: PluginRegistry) -> None:
    infos = ConnectorConfigValidator(registry).validate(
        {**SINK, "topics": "t", "transforms": "route,mask", "transforms.route.type": "NoSuchRouter",
         "predicates": "p"}
    )  # fmt: skip
    by_name = values_by_name(infos)
    assert by_name["transforms.route.type"]["value"]["errors"] == [  # type: ignore[index]
        "Invalid value NoSuchRouter for configuration transforms.route.type: "
        "Class NoSuchRouter could not be found."
    ]
    assert by_name["transforms.mask.type"]["value"]["errors"] == [  # type: ignore[index]
        'Missing required configuration "transforms.mask.type" which has no default value.'
    ]
    definition = by_name["predicates.p.type"]["definition"]
    assert definition["group"] == "Predicates: p" and definition["type"] == "CLASS", definition  # type: ignore[index]
    assert definition["display_name"] == "Predicate type for p", definition  # type: ignore[index]
    assert infos["groups"][-3:] == ["Transforms: route", "Transforms: mask", "Predicates: p"], infos["groups"]


def test_duplicate_transform_alias_is_an_error(registry: PluginRegistry) -> None:
    errors = config_errors_of(registry, {**SINK, "topics": "t", "transforms": "a,a"})
    assert errors[0] == "Invalid value [a, a] for configuration transforms: Duplicate alias provided.", errors


def test_password_values_are_hidden_in_values_and_errors(registry: PluginRegistry) -> None:
    from connectd.api import ConfigDef, ConfigType, SinkConnector
    from connectd.api.errors import ConfigError

    def short(name: str, value: object) -> None:
        if len(str(value)) < 12:
            raise ConfigError(name, value, "Password must be at least 12 characters")

    class SecretSink(SinkConnector):
        def config_def(self) -> ConfigDef:
            return ConfigDef().define("secret", ConfigType.PASSWORD, validator=short)

        def start(self, config: object) -> None: ...
        def task_class(self) -> type: ...  # type: ignore[override]
        def task_configs(self, max_tasks: int) -> list[dict[str, str]]: ...  # type: ignore[empty-body]
        def stop(self) -> None: ...

    local = PluginRegistry()
    local.register(SecretSink)
    infos = ConnectorConfigValidator(local).validate(
        {"connector.class": "SecretSink", "name": "s", "topics": "t", "secret": "hunter2"}
    )
    secret = values_by_name(infos)["secret"]
    assert secret["value"]["value"] == "[hidden]", secret  # type: ignore[index]
    assert secret["value"]["errors"] == [  # type: ignore[index]
        "Invalid value [hidden] for configuration secret: Password must be at least 12 characters"
    ]
    assert "hunter2" not in str(infos), "the secret leaked into the validate response"


ROUTER = "org.apache.kafka.connect.transforms.RegexRouter"
MATCHES = "org.apache.kafka.connect.transforms.predicates.TopicNameMatches"


def test_a_transformation_shows_its_own_keys_after_type_predicate_negate(registry: PluginRegistry) -> None:
    infos = ConnectorConfigValidator(registry).validate(
        {**SINK, "topics": "t", "transforms": "route", "transforms.route.type": ROUTER,
         "transforms.route.regex": "(.*)", "transforms.route.replacement": "$1-x"}
    )  # fmt: skip
    keys = [c["definition"]["name"] for c in infos["configs"] if c["definition"] and
            c["definition"]["group"] == "Transforms: route"]  # fmt: skip
    assert keys == [
        "transforms.route.type", "transforms.route.predicate", "transforms.route.negate",
        "transforms.route.regex", "transforms.route.replacement",
    ], keys  # fmt: skip
    assert infos["error_count"] == 0, config_errors(infos)


def test_a_transformations_own_keys_are_validated(registry: PluginRegistry) -> None:
    errors = config_errors_of(
        registry, {**SINK, "topics": "t", "transforms": "route", "transforms.route.type": ROUTER}
    )
    assert any("transforms.route.regex" in e for e in errors), f"expected a missing regex error: {errors}"


def test_predicate_references_are_checked(registry: PluginRegistry) -> None:
    undefined = config_errors_of(
        registry, {**SINK, "topics": "t", "transforms": "route", "transforms.route.type": ROUTER,
                   "transforms.route.regex": "x", "transforms.route.replacement": "y",
                   "transforms.route.predicate": "nope"}
    )  # fmt: skip
    assert undefined == [
        "Invalid value nope for configuration transforms.route.predicate: "
        "no predicate with alias 'nope' is listed in 'predicates'"
    ], undefined
    negate_alone = config_errors_of(
        registry, {**SINK, "topics": "t", "transforms": "route", "transforms.route.type": ROUTER,
                   "transforms.route.regex": "x", "transforms.route.replacement": "y",
                   "transforms.route.negate": "true"}
    )  # fmt: skip
    assert negate_alone == [
        f"Invalid value {ROUTER} for configuration transforms.route.type: Config 'transforms.route.negate' "
        "was provided but there is no config 'transforms.route.predicate' defining a predicate to be negated."
    ], negate_alone
    fine = config_errors_of(
        registry, {**SINK, "topics": "t", "transforms": "route", "transforms.route.type": ROUTER,
                   "transforms.route.regex": "x", "transforms.route.replacement": "y",
                   "transforms.route.predicate": "p", "predicates": "p", "predicates.p.type": MATCHES,
                   "predicates.p.pattern": "t.*"}
    )  # fmt: skip
    assert fine == [], fine


def test_a_predicates_own_keys_are_validated(registry: PluginRegistry) -> None:
    errors = config_errors_of(
        registry, {**SINK, "topics": "t", "predicates": "p", "predicates.p.type": MATCHES,
                   "predicates.p.pattern": "(unclosed"}
    )  # fmt: skip
    assert len(errors) == 1 and "predicates.p.pattern" in errors[0], errors
