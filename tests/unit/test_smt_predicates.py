"""The predicates TopicNameMatches, HasHeaderKey and RecordIsTombstone (Kafka's predicate tests' cases)."""

from __future__ import annotations

import pytest

from connectd.api import ConfigError
from connectd.api.records import Header, SinkRecord, SourceRecord
from connectd.api.transforms import ConnectRecord
from connectd.connector_version import BUILTIN_VERSION
from connectd.plugins.registry import PluginRegistry
from connectd.transforms.predicates import HasHeaderKey, RecordIsTombstone, TopicNameMatches


def topic_matches(pattern: str) -> TopicNameMatches:
    predicate = TopicNameMatches()
    predicate.configure({"pattern": pattern})
    return predicate


@pytest.mark.parametrize(
    ("pattern", "topic", "expected"),
    [
        ("my-prefix-.*", "my-prefix-", True),
        ("my-prefix-.*", "my-prefix-foo", True),
        ("my-prefix-.*", "x-my-prefix-", False),  # a full match, not a search
        ("my-prefix-.*", "my-prefix", False),
        ("foo", "foo", True),
        ("foo", "foobar", False),
        ("(?<name>foo)|bar", "bar", True),  # Java's named-group syntax
    ],
)
def test_topic_name_matches_the_whole_topic(pattern: str, topic: str, expected: bool) -> None:
    result = topic_matches(pattern).test(SinkRecord(topic, 0, 0, None))
    assert result is expected, f"expected {pattern!r} matching {topic!r} to be {expected}"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"pattern": "["}, "Invalid value [ for configuration pattern: Invalid regex: "),
        ({"pattern": ""}, "Invalid value  for configuration pattern: String must be non-empty"),
        ({}, 'Missing required configuration "pattern" which has no default value.'),
    ],
)
def test_topic_name_matches_refuses_bad_patterns(config: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as error:
        TopicNameMatches().configure(config)
    assert str(error.value).startswith(message), f"expected {message!r}, got {error.value}"


def test_topic_name_matches_validation_reports_the_bad_regex() -> None:
    results = TopicNameMatches.config_def().validate({"pattern": "["})
    assert results["pattern"].errors and "Invalid regex" in results["pattern"].errors[0], (
        f"expected config/validate to report the bad regex, got {results['pattern'].errors}"
    )


def test_has_header_key() -> None:
    predicate = HasHeaderKey()
    predicate.configure({"name": "foo"})
    cases: list[tuple[list[Header], bool]] = [
        ([], False),
        ([Header("bar", "x")], False),
        ([Header("foo", "x")], True),
        ([Header("bar", 1), Header("foo", None)], True),  # a null value still counts
        ([Header("FOO", "x")], False),  # names are case sensitive
    ]
    for headers, expected in cases:
        result = predicate.test(SourceRecord("t", "v", headers=headers))
        assert result is expected, f"expected {expected} for headers {headers}"


@pytest.mark.parametrize(("config", "message"), [({"name": ""}, "String must be non-empty"), ({}, "Missing")])
def test_has_header_key_needs_a_name(config: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        HasHeaderKey().configure(config)


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (SinkRecord("t", 0, 0, None), True),
        (SinkRecord("t", 0, 0, None, key="k"), True),  # only the value counts
        (SinkRecord("t", 0, 0, ""), False),
        (SourceRecord("t", {"a": 1}), False),
    ],
)
def test_record_is_tombstone(record: ConnectRecord, expected: bool) -> None:
    predicate = RecordIsTombstone()
    predicate.configure({})
    assert predicate.test(record) is expected, f"expected {expected} for value {record.value!r}"


def test_predicates_have_kafkas_names_version_and_repr() -> None:
    registry = PluginRegistry.discover()
    for cls in (TopicNameMatches, HasHeaderKey, RecordIsTombstone):
        found = registry.find(f"org.apache.kafka.connect.transforms.predicates.{cls.__name__}")
        assert found is not None and found.cls is cls, f"expected Kafka's name to resolve to {cls.__name__}"
        assert found.type == "predicate" and cls().version() == BUILTIN_VERSION, (
            "expected a versioned predicate"
        )
    assert repr(topic_matches("a.*")) == "TopicNameMatches{pattern=a.*}", "expected Kafka's toString"
    assert repr(RecordIsTombstone()) == "RecordIsTombstone{}", "expected Kafka's toString"
