"""JsonConverter and Kafka's logical types (Decimal, Date, Time, Timestamp) and replace.null.with.default.

The expected bytes are the JSON Kafka's JsonConverter writes (its key order included); the messages
read are the ones Kafka's own converter tests feed it.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectd.api import ConfigError, DataError
from connectd.api.schema import (
    DATE_LOGICAL_NAME,
    DECIMAL_LOGICAL_NAME,
    TIMESTAMP_LOGICAL_NAME,
    Schema,
    SchemaType,
    date_schema,
    decimal_schema,
    struct_schema,
    time_schema,
    timestamp_schema,
)
from connectd.runtime.converters import JsonConverter
from connectd.runtime.json_logical import decimal_from_bytes, decimal_to_bytes

TOPIC = "topic"
DECIMAL_2 = '{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,'
DECIMAL_2 += '"parameters":{"scale":"2"}}'


def converter(**config: str) -> JsonConverter:
    conv = JsonConverter()
    conv.configure(config, is_key=False)
    return conv


def envelope(schema: str, payload: str) -> bytes:
    return f'{{"schema":{schema},"payload":{payload}}}'.encode()


# --- writing: Kafka's exact JSON ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("schema", "value", "expected"),
    [
        (decimal_schema(2), Decimal("1.56"), envelope(DECIMAL_2, '"AJw="')),
        (
            date_schema(),
            date(1970, 1, 1) + timedelta(days=10000),
            envelope(
                '{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Date","version":1}',
                "10000",
            ),
        ),
        (
            time_schema(),
            time(4, 0),
            envelope(
                '{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Time","version":1}',
                "14400000",
            ),
        ),
        (
            timestamp_schema(),
            datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=4_000_000_000),
            envelope(
                '{"type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1}',
                "4000000000",
            ),
        ),
    ],
    ids=["decimal", "date", "time", "timestamp"],
)
def test_logical_values_are_written_as_kafka_writes_them(schema: Schema, value: Any, expected: bytes) -> None:
    data = converter().from_connect(TOPIC, schema, value)
    assert data == expected, f"expected Kafka's JsonConverter bytes {expected!r}, got {data!r}"


@pytest.mark.parametrize(
    ("value", "payload"),
    [("1.56", "1.56"), ("1.5600", "1.5600"), ("-0.01", "-0.01"), ("1E+3", "1E+3"), ("0.0000001", "1E-7")],
)
def test_numeric_decimal_format_writes_the_number_as_java_bigdecimal_prints_it(
    value: str, payload: str
) -> None:
    scale = -Decimal(value).as_tuple().exponent  # type: ignore[operator]
    data = converter(**{"decimal.format": "NUMERIC"}).from_connect(
        TOPIC, decimal_schema(scale), Decimal(value)
    )
    assert data is not None and data.endswith(f',"payload":{payload}}}'.encode()), (
        f"expected the payload to be the JSON number {payload}, got {data!r}"
    )


def test_decimal_format_is_case_insensitive_and_validated() -> None:
    data = converter(**{"decimal.format": "numeric"}).from_connect(TOPIC, decimal_schema(2), Decimal("1.56"))
    assert data is not None and data.endswith(b'"payload":1.56}'), "expected 'numeric' to select NUMERIC"
    with pytest.raises(ConfigError, match=r"decimal.format: String must be one of \(case insensitive\)"):
        converter(**{"decimal.format": "HEX"})


@pytest.mark.parametrize(
    ("unscaled", "encoded"),
    [(0, "AA=="), (156, "AJw="), (-1, "/w=="), (127, "fw=="), (128, "AIA="), (-128, "gA=="), (-129, "/38=")],
)
def test_decimal_bytes_are_minimal_twos_complement_like_java_biginteger(unscaled: int, encoded: str) -> None:
    schema = decimal_schema(0)
    data = converter().from_connect(TOPIC, schema, Decimal(unscaled))
    assert data is not None and json.loads(data)["payload"] == encoded, (
        f"expected {unscaled} to encode as {encoded} (BigInteger.toByteArray), got {data!r}"
    )


def test_schema_defaults_of_logical_types_are_written_in_their_json_form() -> None:
    schema = struct_schema(
        None,
        ("amount", Schema(SchemaType.BYTES, True, DECIMAL_LOGICAL_NAME, 1, parameters=(("scale", "2"),),
                          default=Decimal("1.56"))),
        ("day", Schema(SchemaType.INT32, True, DATE_LOGICAL_NAME, 1, default=date(1970, 1, 2))),
        ("at", Schema(SchemaType.INT64, True, TIMESTAMP_LOGICAL_NAME, 1,
                      default=datetime.fromtimestamp(0.042, UTC))),
    )  # fmt: skip
    data = converter().from_connect(TOPIC, schema, {"amount": None, "day": None, "at": None})
    doc = json.loads(data or b"")
    defaults = [f["default"] for f in doc["schema"]["fields"]]
    assert defaults == ["AJw=", 1, 42], f"expected the defaults in JSON form, got {defaults}"
    assert doc["payload"] == {"amount": "AJw=", "day": 1, "at": 42}, (
        "expected null fields replaced by defaults"
    )


# --- reading: the messages of Kafka's converter tests --------------------------------------------

DEC2 = '{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"}}'
DECIMAL_MSG = (
    '{ "schema": { "type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "version": 1, %s'
    '"parameters": { "scale": "%d" } }, "payload": %s }'
)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (DECIMAL_MSG % ("", 2, '"AJw="'), Decimal("1.56")),
        (DECIMAL_MSG % ("", 2, "1.56"), Decimal("1.56")),
        (DECIMAL_MSG % ("", 4, "1.5600"), Decimal("1.5600")),
        (DECIMAL_MSG % ("", 17, "1.23456789123456789"), Decimal("1.23456789123456789")),
        (DECIMAL_MSG % ('"optional": true, ', 2, "null"), None),
        (DECIMAL_MSG % ('"default": "AJw=", ', 2, "null"), Decimal("1.56")),
        (DECIMAL_MSG % ('"optional": true, "default": "AJw=", ', 2, "null"), Decimal("1.56")),
        (
            '{ "schema": { "type": "int32", "name": "org.apache.kafka.connect.data.Date", "version": 1 }, '
            '"payload": 10000 }',
            date(1997, 5, 19),
        ),
        (
            '{ "schema": { "type": "int32", "name": "org.apache.kafka.connect.data.Date", "version": 1, '
            '"default": 0 }, "payload": null }',
            date(1970, 1, 1),
        ),
        (
            '{ "schema": { "type": "int32", "name": "org.apache.kafka.connect.data.Time", "version": 1 }, '
            '"payload": 14400000 }',
            time(4, 0),
        ),
        (
            '{ "schema": { "type": "int32", "name": "org.apache.kafka.connect.data.Time", "version": 1, '
            '"optional": true, "default": 0 }, "payload": null }',
            time(0, 0),
        ),
        (
            '{ "schema": { "type": "int64", "name": "org.apache.kafka.connect.data.Timestamp", '
            '"version": 1 }, "payload": 4000000000 }',
            datetime(1970, 2, 16, 7, 6, 40, tzinfo=UTC),
        ),
        (
            '{ "schema": { "type": "int64", "name": "org.apache.kafka.connect.data.Timestamp", "version": 1, '
            '"default": 42 }, "payload": null }',
            datetime(1970, 1, 1, 0, 0, 0, 42_000, tzinfo=UTC),
        ),
    ],
)
def test_logical_values_are_read_from_kafka_messages(message: str, expected: Any) -> None:
    result = converter().to_connect(TOPIC, message.encode())
    assert result.value == expected, f"expected {expected!r}, got {result.value!r}"
    assert type(result.value) is type(expected), f"expected a {type(expected).__name__}, got {result.value!r}"
    if isinstance(expected, Decimal):
        exponent = result.value.as_tuple().exponent
        assert exponent == expected.as_tuple().exponent, (
            f"expected {expected} with its scale, got {result.value}"
        )


def test_decimal_default_is_part_of_the_read_schema() -> None:
    result = converter().to_connect(TOPIC, (DECIMAL_MSG % ('"default": "AJw=", ', 2, "null")).encode())
    assert result.schema == Schema(
        SchemaType.BYTES,
        False,
        DECIMAL_LOGICAL_NAME,
        1,
        parameters=(("scale", "2"),),
        default=Decimal("1.56"),
    ), f"expected Decimal(2) with default 1.56, got {result.schema}"


def test_non_decimal_floats_stay_floats_when_read_with_exact_parsing() -> None:
    conv = converter()
    double = conv.to_connect(TOPIC, b'{"schema":{"type":"double"},"payload":1.5}').value
    assert double == 1.5 and isinstance(double, float), f"expected the float 1.5, got {double!r}"
    read = conv.to_connect(TOPIC, b'{"schema":null,"payload":{"a":[1.25,2]}}').value
    assert read == {"a": [1.25, 2]} and isinstance(read["a"][0], float), (
        f"expected plain floats, got {read!r}"
    )


# --- round trips ---------------------------------------------------------------------------------


@given(st.integers(-6, 12), st.integers(-(10**30), 10**30))
def test_decimal_round_trips_in_both_formats(scale: int, unscaled: int) -> None:
    value = Decimal((int(unscaled < 0), tuple(int(d) for d in str(abs(unscaled))), -scale))
    schema = decimal_schema(scale)
    assert decimal_from_bytes(schema, decimal_to_bytes(schema, value)) == value, (
        f"expected {value} back from bytes"
    )
    for decimal_format in ("BASE64", "NUMERIC"):
        conv = converter(**{"decimal.format": decimal_format})
        back = conv.to_connect(TOPIC, conv.from_connect(TOPIC, schema, value)).value
        assert back == value, f"expected {value} back through {decimal_format}, got {back}"


@given(st.dates())
def test_date_round_trip(value: date) -> None:
    conv = converter()
    back = conv.to_connect(TOPIC, conv.from_connect(TOPIC, date_schema(), value)).value
    assert back == value, f"expected {value!r} back, got {back!r}"


@given(st.times().map(lambda t: t.replace(microsecond=t.microsecond // 1000 * 1000)))
def test_time_round_trip_at_millisecond_precision(value: time) -> None:
    conv = converter()
    back = conv.to_connect(TOPIC, conv.from_connect(TOPIC, time_schema(), value)).value
    assert back == value, f"expected {value!r} back, got {back!r}"


@given(
    st.datetimes(timezones=st.just(UTC)).map(lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000))
)
def test_timestamp_round_trip_at_millisecond_precision(value: datetime) -> None:
    conv = converter(**{"schemas.enable": "true"})
    back = conv.to_connect(TOPIC, conv.from_connect(TOPIC, timestamp_schema(), value)).value
    assert back == value, f"expected {value!r} back, got {back!r}"


def test_timestamps_in_other_zones_and_naive_ones_mean_the_same_instant() -> None:
    conv = converter()
    plus_two = datetime(1970, 1, 1, 2, 0, tzinfo=timezone(timedelta(hours=2)))
    for value in (plus_two, datetime(1970, 1, 1)):
        data = conv.from_connect(TOPIC, timestamp_schema(), value)
        assert data is not None and data.endswith(b'"payload":0}'), (
            f"expected epoch 0 for {value!r}, got {data!r}"
        )


# --- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schema", "value", "message"),
    [
        (decimal_schema(2), 1.56, "Invalid type for Decimal, expected BigDecimal but was class float"),
        (
            decimal_schema(2),
            Decimal("1.5"),
            "Decimal value has mismatching scale for given Decimal schema. "
            "Schema has scale 2, value has scale 1.",
        ),
        (
            Schema(SchemaType.BYTES, name=DECIMAL_LOGICAL_NAME),
            Decimal(1),
            "Invalid Decimal schema: scale parameter",
        ),
        (date_schema(), "2020-01-01", "Invalid type for Date, expected Date but was class str"),
        (
            date_schema(),
            datetime(2020, 1, 1, 12, tzinfo=UTC),
            "Kafka Connect Date type should not have any time fields set to non-zero values.",
        ),
        (time_schema(), 3600, "Invalid type for Time, expected Date but was class int"),
        (
            time_schema(),
            datetime(1970, 1, 2, 1, tzinfo=UTC),
            "Kafka Connect Time type should not have any date fields set to non-zero values.",
        ),
        (timestamp_schema(), 42, "Invalid type for Timestamp, expected Date but was class int"),
        (None, Decimal("1.5"), "Java class class Decimal does not have corresponding schema type."),
    ],
)
def test_values_that_cannot_be_written_raise_kafkas_errors(
    schema: Schema | None, value: Any, message: str
) -> None:
    with pytest.raises(DataError) as error:
        converter().from_connect(TOPIC, schema, value)
    assert message in str(error.value), f"expected {message!r}, got {error.value}"


@pytest.mark.parametrize(
    ("schema", "payload", "message"),
    [
        (DEC2, '"not base64!"',
         "Invalid bytes for Decimal field"),
        (DEC2, '""',
         "Invalid bytes for Decimal field"),
        (DEC2, "true",
         "Invalid type for Decimal, underlying representation should be numeric or bytes but was BOOLEAN"),
        ('{"type":"int32","name":"org.apache.kafka.connect.data.Date"}', "1.5",
         "Invalid type for Date, underlying representation should be integer but was NUMBER"),
        ('{"type":"int32","name":"org.apache.kafka.connect.data.Date"}', "4294967296",
         "Invalid type for Date, underlying representation should be integer but was NUMBER"),
        ('{"type":"int32","name":"org.apache.kafka.connect.data.Time"}', '"04:00"',
         "Invalid type for Time, underlying representation should be integer but was STRING"),
        ('{"type":"int32","name":"org.apache.kafka.connect.data.Time"}', "-1",
         "Time values must use number of milliseconds greater than 0 and less than 86400000"),
        ('{"type":"int64","name":"org.apache.kafka.connect.data.Timestamp"}', "[1]",
         "Invalid type for Timestamp, underlying representation should be integral but was ARRAY"),
    ],
)  # fmt: skip
def test_bad_logical_json_raises_kafkas_errors(schema: str, payload: str, message: str) -> None:
    with pytest.raises(DataError) as error:
        converter().to_connect(TOPIC, envelope(schema, payload))
    assert str(error.value) == message, f"expected {message!r}, got {error.value}"


def test_bad_base64_error_names_the_offending_text() -> None:
    schema = DEC2
    with pytest.raises(DataError, match="Invalid bytes for Decimal field") as error:
        converter().to_connect(TOPIC, envelope(schema, '"%%%"'))
    assert "'%%%'" in str(error.value.__cause__), (
        f"expected the cause to name '%%%', got {error.value.__cause__}"
    )


# --- replace.null.with.default --------------------------------------------------------------------

STRING_WITH_DEFAULT = Schema(SchemaType.STRING, optional=True, default="default")
SWD_JSON = '{"type":"string","optional":true,"default":"default"}'
STRUCT = struct_schema(None, ("field1", STRING_WITH_DEFAULT))
STRUCT_JSON = (
    '{"type":"struct","fields":[{"type":"string","optional":true,"default":"default","field":"field1"}],'
)
STRUCT_JSON += '"optional":false}'


@pytest.mark.parametrize(
    ("replace", "schema", "value", "expected"),
    [
        ("true", STRING_WITH_DEFAULT, None, envelope(SWD_JSON, '"default"')),
        ("false", STRING_WITH_DEFAULT, None, envelope(SWD_JSON, "null")),
        ("true", STRUCT, {"field1": None}, envelope(STRUCT_JSON, '{"field1":"default"}')),
        ("false", STRUCT, {"field1": None}, envelope(STRUCT_JSON, '{"field1":null}')),
        ("false", STRUCT, {}, envelope(STRUCT_JSON, '{"field1":null}')),
    ],
)  # fmt: skip
def test_replace_null_with_default_when_writing(
    replace: str, schema: Schema, value: Any, expected: bytes
) -> None:
    data = converter(**{"replace.null.with.default": replace}).from_connect(TOPIC, schema, value)
    assert data == expected, f"expected {expected!r} with replace.null.with.default={replace}, got {data!r}"


@pytest.mark.parametrize(
    ("replace", "message", "expected"),
    [
        ("true", envelope(SWD_JSON, "null"), "default"),
        ("false", envelope(SWD_JSON, "null"), None),
        ("true", envelope(STRUCT_JSON, '{"field1":null}'), {"field1": "default"}),
        ("false", envelope(STRUCT_JSON, '{"field1":null}'), {"field1": None}),
    ],
)
def test_replace_null_with_default_when_reading(replace: str, message: bytes, expected: Any) -> None:
    value = converter(**{"replace.null.with.default": replace}).to_connect(TOPIC, message).value
    assert value == expected, f"expected {expected!r} with replace.null.with.default={replace}, got {value!r}"


def test_required_field_with_default_and_no_replacement_is_refused() -> None:
    schema = struct_schema(None, ("f", Schema(SchemaType.STRING, default="d")))
    with pytest.raises(DataError, match="null value for field that is required and has no default value"):
        converter(**{"replace.null.with.default": "false"}).from_connect(TOPIC, schema, {"f": None})


def test_schemaless_mode_writes_null_or_the_default_for_a_null_value_with_a_schema() -> None:
    conv = converter(**{"schemas.enable": "false"})
    assert conv.from_connect(TOPIC, None, None) is None, "expected a tombstone without schema and value"
    assert conv.from_connect(TOPIC, STRING_WITH_DEFAULT, None) == b'"default"', "expected the default"
    assert conv.from_connect(TOPIC, Schema(SchemaType.STRING, optional=True), None) == b"null", (
        "expected the JSON null Kafka writes for a null value with a schema"
    )


def test_schema_cache_tells_decimal_defaults_of_different_scale_apart() -> None:
    conv = converter(**{"decimal.format": "NUMERIC"})
    first = DEC2.replace('"2"}', '"1"},"default":1.5')
    second = DEC2.replace('"2"}', '"2"},"default":1.50')
    first_value = conv.to_connect(TOPIC, envelope(first, "null")).value
    assert first_value.as_tuple().exponent == -1, (
        f"expected the first schema's default 1.5, got {first_value}"
    )
    value = conv.to_connect(TOPIC, envelope(second, "null")).value
    assert value.as_tuple().exponent == -2, f"expected the second schema's default 1.50, got {value}"
