"""TimestampRouter: the topic from ``topic.format`` with the record's topic and formatted timestamp."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectd.api.errors import ConfigError, DataError
from connectd.api.records import Header, SinkRecord, SourceRecord
from connectd.api.schema import STRING_SCHEMA
from connectd.connector_version import BUILTIN_VERSION
from connectd.transforms.timestamp_router import TimestampRouter

STAMP = 1483425001864  # 2017-01-03T06:30:01.864Z


def router(**config: str) -> TimestampRouter:
    smt = TimestampRouter()
    smt.configure(config)
    return smt


def test_default_configuration() -> None:
    original = SourceRecord("test", None, partition=0, timestamp=STAMP)
    assert router().apply(original).topic == "test-20170103", "expected ${topic}-${timestamp} with yyyyMMdd"


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"topic.format": "${timestamp}_${topic}"}, "20170103_orders"),
        ({"timestamp.format": "yyyy-MM-dd'T'HH"}, "orders-2017-01-03T06"),
        (
            {"topic.format": "${topic}.${topic}-${timestamp}", "timestamp.format": "YYYY.ww"},
            "orders.orders-2017.01",
        ),
        ({"topic.format": "static"}, "static"),
    ],
)
def test_formats(config: dict[str, str], expected: str) -> None:
    result = router(**config).apply(SourceRecord("orders", "v", timestamp=STAMP))
    assert result.topic == expected, f"expected {expected!r} for {config}, got {result.topic!r}"


def test_topic_placeholder_is_filled_first() -> None:
    result = router().apply(SourceRecord("a${timestamp}", "v", timestamp=STAMP))
    assert result.topic == "a20170103-20170103", "expected a topic's own ${timestamp} replaced too, as Kafka"


def test_everything_else_is_kept() -> None:
    headers = [Header("h", "v", STRING_SCHEMA)]
    original = SinkRecord(
        "orders", 2, 77, {"a": 1}, key="k", key_schema=STRING_SCHEMA, timestamp=STAMP, headers=headers
    )
    result = router().apply(original)
    assert (result.partition, result.offset, result.key, result.value) == (2, 77, "k", {"a": 1}), (
        "expected kept"
    )
    assert (result.timestamp, result.headers, result.key_schema) == (STAMP, headers, STRING_SCHEMA), "kept"
    assert original.topic == "orders", "expected the input record untouched"


def test_missing_timestamp_on_a_source_record() -> None:
    original = SourceRecord(
        "test", None, partition=0, source_partition={"file": "a"}, source_offset={"pos": 1}
    )
    with pytest.raises(DataError) as raised:
        router().apply(original)
    assert str(raised.value) == (
        "Timestamp missing on record: SourceRecord{sourcePartition={file=a}, sourceOffset={pos=1}} "
        "ConnectRecord{topic='test', kafkaPartition=0, key=null, keySchema=null, value=null, "
        "valueSchema=null, timestamp=null, headers=ConnectHeaders(headers=)}"
    ), f"expected Kafka's message, got {raised.value}"


def test_missing_timestamp_on_a_sink_record() -> None:
    original = SinkRecord("test", 1, 5, "v", key_schema=STRING_SCHEMA, key="k", headers=[Header("h", 1)])
    with pytest.raises(DataError) as raised:
        router().apply(original)
    message = str(raised.value)
    assert message.startswith("Timestamp missing on record: SinkRecord{kafkaOffset=5, "), f"got {message}"
    assert "keySchema=Schema{STRING}" in message and "ConnectHeader(key=h, value=1, schema=null)" in message


def test_invalid_timestamp_format_names_the_key() -> None:
    with pytest.raises(ConfigError) as raised:
        router(**{"timestamp.format": "yyyy-bb"})
    assert raised.value.name == "timestamp.format", f"expected the key named, got {raised.value.name}"
    assert "Illegal pattern character 'b'" in str(raised.value), f"expected Java's reason, got {raised.value}"


def test_version_and_alias() -> None:
    assert router().version() == BUILTIN_VERSION, "expected the built-in version"
    assert TimestampRouter.aliases == ("org.apache.kafka.connect.transforms.TimestampRouter",), "Kafka's name"


@given(st.datetimes(min_value=datetime(1600, 1, 1), timezones=st.just(UTC)))
def test_routes_by_the_utc_day(when: datetime) -> None:
    stamp = (when - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)
    result = router().apply(SourceRecord("t", None, timestamp=stamp))
    assert result.topic == f"t-{when.year:04d}{when.month:02d}{when.day:02d}", f"expected {when:%Y%m%d}"
