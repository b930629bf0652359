"""InsertHeader adds a header whose value is the literal read as Kafka's Values.parseString reads it
(Kafka's InsertHeaderTest cases, and the parseString cases of its ValuesTest)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

import pytest

from connectd.api import ConfigError
from connectd.api.records import Header, SourceRecord
from connectd.api.schema import (
    BOOLEAN_SCHEMA,
    DATE_LOGICAL_NAME,
    STRING_SCHEMA,
    TIME_LOGICAL_NAME,
    TIMESTAMP_LOGICAL_NAME,
    Schema,
    SchemaType,
    decimal_schema,
)
from connectd.transforms.insert_header import InsertHeader, parse_literal

EXISTING = Header("existing", "existing-value", STRING_SCHEMA)


def insert(header: str, literal: str) -> InsertHeader:
    smt = InsertHeader()
    smt.configure({"header": header, "value.literal": literal})
    return smt


def record(headers: list[Header]) -> SourceRecord:
    return SourceRecord(
        "topic", "value", key="key", source_partition={"foo": "bar"}, source_offset={"baz": "quxx"},
        partition=0, timestamp=0, headers=headers,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("header", "literal", "added"),
    [
        ("inserted", "inserted-value", Header("inserted", "inserted-value", STRING_SCHEMA)),
        (
            "existing",
            "inserted-value",
            Header("existing", "inserted-value", STRING_SCHEMA),
        ),  # same name: both kept
        ("inserted", "1", Header("inserted", 1, Schema(SchemaType.INT8))),
        ("inserted", "true", Header("inserted", True, BOOLEAN_SCHEMA)),
        ("inserted", "null", Header("inserted", None, None)),
    ],
)
def test_header_is_appended_after_the_existing_ones(header: str, literal: str, added: Header) -> None:
    original = record([EXISTING])
    result = insert(header, literal).apply(original)
    assert result.headers == [EXISTING, added], f"expected {added} appended, got {result.headers}"
    assert original.headers == [EXISTING], "expected the input record's headers untouched"
    for attribute in ("topic", "partition", "key", "value", "timestamp", "source_partition", "source_offset"):
        assert getattr(result, attribute) == getattr(original, attribute), f"expected {attribute} unchanged"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"value.literal": "1"}, 'Missing required configuration "header" which has no default value.'),
        (
            {"header": "inserted"},
            'Missing required configuration "value.literal" which has no default value.',
        ),
    ],
)
def test_config_needs_header_and_literal(config: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as error:
        InsertHeader().configure(config)
    assert str(error.value) == message, f"expected {message!r}, got {error.value}"


INT8, INT16, INT32, INT64 = (
    Schema(t) for t in (SchemaType.INT8, SchemaType.INT16, SchemaType.INT32, SchemaType.INT64)
)
FLOAT32, FLOAT64 = Schema(SchemaType.FLOAT32), Schema(SchemaType.FLOAT64)


def array(element: Schema | None) -> Schema:
    return Schema(SchemaType.ARRAY, value_schema=element)


def mapping(keys: Schema | None, values: Schema | None) -> Schema:
    return Schema(SchemaType.MAP, key_schema=keys, value_schema=values)


def logical(type_: SchemaType, name: str) -> Schema:
    return Schema(type_, name=name, version=1)


DATE, TIME = logical(SchemaType.INT32, DATE_LOGICAL_NAME), logical(SchemaType.INT32, TIME_LOGICAL_NAME)
TIMESTAMP = logical(SchemaType.INT64, TIMESTAMP_LOGICAL_NAME)


@pytest.mark.parametrize(
    ("literal", "schema", "value"),
    [
        ("", STRING_SCHEMA, ""),
        ("  ", STRING_SCHEMA, "  "),
        ("simple string", STRING_SCHEMA, "simple string"),
        ('"quoted"', STRING_SCHEMA, '"quoted"'),  # top level: quotes are part of the string
        ("\uffff", STRING_SCHEMA, "\uffff"),  # Java's CharacterIterator.DONE, once an endless loop in Kafka
        # Single-token literals, and strings that only start like one.
        (" true ", BOOLEAN_SCHEMA, True),
        ("\tfalse\n", BOOLEAN_SCHEMA, False),
        ("true}", STRING_SCHEMA, "true}"),
        ("false]", STRING_SCHEMA, "false]"),
        ("null=", STRING_SCHEMA, "null="),
        # Numbers: the narrowest integer type, else float32, float64, Decimal.
        ("1", INT8, 1),
        ("-128", INT8, -128),
        ("300", INT16, 300),
        ("70000", INT32, 70000),
        ("5000000000", INT64, 5000000000),
        ("99999999999999999999", decimal_schema(0), Decimal("99999999999999999999")),
        ("1.0", INT8, 1),
        ("1e3", INT16, 1000),
        ("+7", INT8, 7),
        ("1.5", FLOAT32, 1.5),
        ("1e20", FLOAT32, 1e20),
        ("1.5e300", FLOAT64, 1.5e300),
        ("1.5e400", decimal_schema(-399), Decimal("1.5e400")),
        ("12abc", STRING_SCHEMA, "12abc"),
        # Temporal literals (UTC), colons optionally escaped.
        ("2019-08-23", DATE, date(2019, 8, 23)),
        ("14:34:54.346Z", TIME, time(14, 34, 54, 346000)),
        ("14\\:34\\:54.346Z", TIME, time(14, 34, 54, 346000)),
        ("2019-08-23T14:34:54.346Z", TIMESTAMP, datetime(2019, 8, 23, 14, 34, 54, 346000, tzinfo=UTC)),
        ("2019-08-23T14\\:34\\:54.346Z", TIMESTAMP, datetime(2019, 8, 23, 14, 34, 54, 346000, tzinfo=UTC)),
        ("2019-13-01", DATE, date(2020, 1, 1)),  # SimpleDateFormat is lenient: month 13 rolls over
        # Arrays and maps.
        ("[]", array(None), []),
        ("{}", mapping(None, None), {}),
        ("[true, false]", array(BOOLEAN_SCHEMA), [True, False]),
        ('["a", "b"]', array(STRING_SCHEMA), ["a", "b"]),
        ("[1, 300]", array(INT16), [1, 300]),
        ("[1, 2.5]", array(FLOAT32), [1.0, 2.5]),
        ("[null]", array(None), [None]),
        ("[[]]", array(array(None)), [[]]),
        ("[{}]", array(mapping(None, None)), [{}]),
        ('[1, 2, 300, "four"]', array(None), [1, 2, 300, "four"]),
        ("[2019-08-23]", array(DATE), [date(2019, 8, 23)]),
        ("[14:34:54.346Z]", array(TIME), [time(14, 34, 54, 346000)]),
        (
            "[2019-08-23T14:34:54.346Z,2019-01-23T15:12:34.567Z,   2019-04-23T19:12:34.567Z]",
            array(TIMESTAMP),
            [
                datetime(2019, 8, 23, 14, 34, 54, 346000, tzinfo=UTC),
                datetime(2019, 1, 23, 15, 12, 34, 567000, tzinfo=UTC),
                datetime(2019, 4, 23, 19, 12, 34, 567000, tzinfo=UTC),
            ],
        ),
        ("{true: false, false: true}", mapping(BOOLEAN_SCHEMA, BOOLEAN_SCHEMA), {True: False, False: True}),
        ('{"a": 1, "b": 300}', mapping(STRING_SCHEMA, INT16), {"a": 1, "b": 300}),
        ("{3: null}", mapping(INT8, None), {3: None}),
        ('{"a":{}}', mapping(STRING_SCHEMA, mapping(None, None)), {"a": {}}),
        ('{"a":[]}', mapping(STRING_SCHEMA, array(None)), {"a": []}),
        ('{1:1, 2:1, 300:300, "four":1}', mapping(None, None), {1: 1, 2: 1, 300: 300, "four": 1}),
        ('{1:1, 2:1, 300:300, 4:"four"}', mapping(INT16, None), {1: 1, 2: 1, 300: 300, 4: "four"}),
        ('{"k1":"14:34:54.346Z"}', mapping(STRING_SCHEMA, TIME), {"k1": time(14, 34, 54, 346000)}),
        ('{"k1":14:34:54.346Z}', mapping(STRING_SCHEMA, TIME), {"k1": time(14, 34, 54, 346000)}),
        # Malformed arrays and maps stay strings.
        ("{foo: 3}", STRING_SCHEMA, "{foo: 3}"),
        ("{3: foo}", STRING_SCHEMA, "{3: foo}"),
        ("[foo]", STRING_SCHEMA, "[foo]"),
        ("{6:9 4:20}", STRING_SCHEMA, "{6:9 4:20}"),
        ("[0 1 2]", STRING_SCHEMA, "[0 1 2]"),
        ("{null: 3}", STRING_SCHEMA, "{null: 3}"),
        ("[1, 2, 3,,,]", STRING_SCHEMA, "[1, 2, 3,,,]"),
        ("[1, null]", STRING_SCHEMA, "[1, null]"),
        ("[null, 1]", STRING_SCHEMA, "[null, 1]"),
        ("[1, 2", STRING_SCHEMA, "[1, 2"),
        ("a{b", STRING_SCHEMA, "a{b"),
    ],
)
def test_literal_is_read_as_kafkas_parse_string_reads_it(literal: str, schema: Schema, value: Any) -> None:
    parsed = parse_literal(literal)
    assert parsed is not None, f"expected {literal!r} to parse to a value"
    assert (parsed.schema, parsed.value) == (schema, value), f"expected {schema} {value!r}, got {parsed}"
    assert type(parsed.value) is type(value), f"expected a {type(value).__name__}, got {parsed.value!r}"


@pytest.mark.parametrize("literal", ["null", "  null  "])
def test_null_literal_is_no_value(literal: str) -> None:
    assert parse_literal(literal) is None, f"expected {literal!r} to read as null"
