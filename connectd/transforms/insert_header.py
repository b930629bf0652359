"""InsertHeader: add a header with a fixed value to every record (Kafka's ``InsertHeader``).

``value.literal`` is read as Kafka's ``Values.parseString`` reads it, into a schema and a value:

* ``true``/``false`` are BOOLEAN; ``null`` is a null header (no schema);
* a whole number in the 64-bit range is the narrowest of INT8, INT16, INT32 and INT64 (``1.0`` and
  ``1e3`` count as whole); another number is FLOAT32 when it fits, else FLOAT64, else a Decimal
  (with the literal's scale), as are whole numbers beyond 64 bits;
* ``yyyy-MM-dd``, ``HH:mm:ss.SSSZ`` and ``yyyy-MM-ddTHH:mm:ss.SSSZ`` (Z a literal; times in UTC, colons
  optionally escaped ``\\:``) are Date, Time and Timestamp;
* ``[...]`` and ``{key: value, ...}`` are ARRAY and MAP, their elements written the same way (strings
  in double quotes); elements whose types widen to one number type (INT8 < INT16 < INT32 < INT64 <
  FLOAT32 < FLOAT64) or share a type get that element schema, otherwise the element schema is null;
* anything else, including a malformed array or map, is the STRING as written.

Where connectd differs: a float keeps the double nearest the literal (Kafka keeps a Java float);
elements mixing dates, times, timestamps and numbers make the literal a string (Kafka coerces them
into one temporal type); a Time past midnight (``24:00:00.000Z``) or a date outside the years 1 to
9999 is not temporal; map keys that Python cannot hash (arrays, maps) make the literal a string.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from connectd.api.config import ConfigDef, ConfigType, Importance, non_null
from connectd.api.errors import DataError
from connectd.api.records import Header
from connectd.api.schema import (
    BOOLEAN_SCHEMA,
    DATE_LOGICAL_NAME,
    STRING_SCHEMA,
    TIME_LOGICAL_NAME,
    TIMESTAMP_LOGICAL_NAME,
    Schema,
    SchemaAndValue,
    SchemaType,
    date_schema,
    decimal_schema,
    time_schema,
    timestamp_schema,
)
from connectd.api.transforms import R, new_record
from connectd.transforms.builtin import BuiltinTransformation

HEADER = "header"
VALUE_LITERAL = "value.literal"

_DELIMITERS = frozenset(':,{}[]"')
_JAVA_WHITESPACE = "".join(chr(c) for c in range(33))  # what Java's String.trim() removes
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_DATE = re.compile(r"(\d+)-(\d+)-(\d+)")
_TIME = re.compile(r"(\d+):(\d+):(\d+)\.(\d+)Z")
_TIMESTAMP = re.compile(r"(\d+)-(\d+)-(\d+)T(\d+):(\d+):(\d+)\.(\d+)Z")
_LONG_MIN, _LONG_MAX = Decimal(-(2**63)), Decimal(2**63 - 1)
_FLOAT32_OVERFLOW = Decimal(2**128 - 2**103)  # from here on Java's floatValue() is infinite
_INTS = ((SchemaType.INT8, 7), (SchemaType.INT16, 15), (SchemaType.INT32, 31), (SchemaType.INT64, 63))
# Number types in widening order: two of them merge into the wider one.
_WIDENING = [SchemaType.INT8, SchemaType.INT16, SchemaType.INT32, SchemaType.INT64]
_WIDENING += [SchemaType.FLOAT32, SchemaType.FLOAT64]
_TEMPORAL = {DATE_LOGICAL_NAME: date, TIME_LOGICAL_NAME: time, TIMESTAMP_LOGICAL_NAME: datetime}


def _trim(text: str) -> str:
    return text.strip(_JAVA_WHITESPACE)


class _Tokens:
    """Kafka's ``Values.Parser``: splits at unescaped ``:,{}[]"``, each delimiter a token of its own."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.peeked: str | None = None
        self.previous: str | None = None

    def mark(self) -> int:
        return self.pos - (len(self.peeked) if self.peeked is not None else 0)

    def rewind(self, position: int) -> None:
        self.pos, self.peeked, self.previous = position, None, None

    def has_next(self) -> bool:
        return self.peeked is not None or self.pos < len(self.text)

    def next(self) -> str:
        if self.peeked is not None:
            self.previous, self.peeked = self.peeked, None
        else:
            self.previous = self._consume()
        return self.previous

    def next_n(self, n: int) -> str | None:
        """The text of the next ``n`` tokens, or None (nothing consumed) if there are fewer."""
        start = self.mark()
        for _ in range(n):
            if not self.has_next():
                self.rewind(start)
                return None
            self.next()
        return self.text[start : self.pos]

    def _consume(self) -> str:
        text, start, escaped = self.text, self.pos, False
        i = start
        while i < len(text):
            c = text[i]
            if c == "\\":
                escaped = not escaped
            elif c in _DELIMITERS and not escaped:
                self.pos = i if start < i else i + 1
                return text[start : self.pos]
            else:
                escaped = False
            i += 1
        self.pos = i
        return text[start:i]

    def can_consume(self, expected: str) -> bool:
        """Consume the next non-blank token if, trimmed, it is ``expected``."""
        if self.peeked is None:
            if not self.has_next():
                return False
            self.peeked = self._consume()
        while not _trim(self.peeked) and self.pos < len(self.text):
            self.peeked = self._consume()
        if _trim(self.peeked) == expected:
            self.peeked = None
            return True
        return False


def _lenient(year: int, month: int, day: int, *clock: int) -> datetime | None:
    """A UTC instant from fields SimpleDateFormat-style: out-of-range fields roll over."""
    hours, minutes, seconds, millis = (*clock, 0, 0, 0, 0)[:4]
    try:
        start = datetime(year + (month - 1) // 12, (month - 1) % 12 + 1, 1, tzinfo=UTC)
        return start + timedelta(
            days=day - 1, hours=hours, minutes=minutes, seconds=seconds, milliseconds=millis
        )
    except (ValueError, OverflowError):
        return None


def _temporal(token: str) -> SchemaAndValue | None:
    """Kafka's ``parseAsTemporal``: the three ISO-8601 shapes, told apart by length."""
    token = token.replace("\\:", ":")
    if len(token) == 13 and (match := _TIME.fullmatch(token)):
        instant = _lenient(1970, 1, 1, *map(int, match.groups()))
        if instant is None or instant.date() != date(1970, 1, 1):
            return None
        return SchemaAndValue(time_schema(), instant.time())
    if len(token) == 24 and (match := _TIMESTAMP.fullmatch(token)):
        instant = _lenient(*map(int, match.groups()))
        return None if instant is None else SchemaAndValue(timestamp_schema(), instant)
    if len(token) == 10 and (match := _DATE.fullmatch(token)):
        instant = _lenient(*map(int, match.groups()))
        return None if instant is None else SchemaAndValue(date_schema(), instant.date())
    return None


def _number(token: str) -> SchemaAndValue | None:
    """Kafka's ``parseAsNumber``: Java's BigDecimal syntax, then the narrowest fitting type."""
    if not _NUMBER.fullmatch(token):
        return None
    number = Decimal(token)
    if number == number.to_integral_value() and _LONG_MIN <= number <= _LONG_MAX:
        whole = int(number)
        type_ = next(t for t, bits in _INTS if -(2**bits) <= whole < 2**bits)
        return SchemaAndValue(Schema(type_), whole)
    scale = -int(number.as_tuple().exponent)
    if scale != 0 and abs(number) < _FLOAT32_OVERFLOW:
        return SchemaAndValue(Schema(SchemaType.FLOAT32), float(number))
    if scale != 0 and abs(float(number)) != float("inf"):
        return SchemaAndValue(Schema(SchemaType.FLOAT64), float(number))
    return SchemaAndValue(decimal_schema(scale), number)


def _merge(previous: Schema, latest: Schema) -> Schema | None:
    """Kafka's ``mergeSchemas``: the wider of two number types, or the latest of one type."""
    if previous.type is latest.type:
        return latest  # parsed schemas are all required, so Kafka keeps the newer one
    if previous.type in _WIDENING and latest.type in _WIDENING:
        return max(previous, latest, key=lambda s: _WIDENING.index(s.type))
    return None


class _Merger:
    """Kafka's ``SchemaMerger``: the schema all non-null elements share, if any."""

    def __init__(self) -> None:
        self.common: Schema | None = None
        self.compatible = True

    def merge(self, latest: SchemaAndValue | None) -> None:
        if latest is None or latest.schema is None or not self.compatible:
            return
        self.common = latest.schema if self.common is None else _merge(self.common, latest.schema)
        self.compatible = self.common is not None


def _align(schema: Schema, value: Any) -> Any:
    """Kafka's ``convertTo`` for the cases parsed elements meet: a null needs an optional schema,
    a number joins the common number type, everything else must already be of the schema's type."""
    if value is None:
        if schema.optional:
            return None
        raise DataError("Unable to convert a null value to a schema that requires a value")
    wanted = _TEMPORAL.get(schema.name or "")
    if wanted is not None:
        if type(value) is not wanted:
            raise DataError(f"Unable to convert {value} to {schema.name}")
        return value
    if schema.type in (SchemaType.FLOAT32, SchemaType.FLOAT64) and isinstance(value, int | float):
        return float(value)
    if schema.type in _WIDENING[:4] and (isinstance(value, bool) or not isinstance(value, int)):
        raise DataError(f"Unable to convert {value} to {schema.type.name}")
    return value


class _LiteralParser:
    """Kafka's ``Values.ValueParser``."""

    def __init__(self, text: str) -> None:
        self.tokens = _Tokens(text)

    def _single_token(self, embedded: bool, literal: str) -> bool:
        start = self.tokens.mark()
        # Top-level, "true}" is the string "true}", not true followed by junk.
        if self.tokens.can_consume(literal) and (embedded or not self.tokens.has_next()):
            return True
        self.tokens.rewind(start)
        return False

    def parse(self, embedded: bool) -> SchemaAndValue | None:
        tokens = self.tokens
        if not tokens.has_next():
            return None
        if embedded and tokens.can_consume('"'):
            return self._quoted()
        if self._single_token(embedded, "null"):
            return None
        if self._single_token(embedded, "true"):
            return SchemaAndValue(BOOLEAN_SCHEMA, True)
        if self._single_token(embedded, "false"):
            return SchemaAndValue(BOOLEAN_SCHEMA, False)
        start = tokens.mark()
        try:
            if tokens.can_consume("["):
                return self._array()
            if tokens.can_consume("{"):
                return self._map()
        except DataError:  # not a well-formed array or map: read it as something else
            tokens.rewind(start)
        token = tokens.next()
        if not _trim(token):
            return SchemaAndValue(STRING_SCHEMA, token)
        return self._token(embedded, _trim(token))

    def _token(self, embedded: bool, token: str) -> SchemaAndValue:
        first = token[0]
        if first.isdecimal():
            # A time or timestamp spans five tokens, its colons being delimiters.
            position = self.tokens.mark()
            rest = self.tokens.next_n(4)
            found = _temporal(token + rest) if rest is not None else None
            if found is not None:
                return found
            self.tokens.rewind(position)
            found = _temporal(token)
            if found is not None:
                return found
        if first.isdecimal() or first in "+-":
            number = _number(token)
            if number is not None:
                return number
        if embedded:
            raise DataError("Failed to parse embedded value")
        return SchemaAndValue(STRING_SCHEMA, self.tokens.text)

    def _quoted(self) -> SchemaAndValue:
        parts: list[str] = []
        while self.tokens.has_next() and not self.tokens.can_consume('"'):
            parts.append(self.tokens.next())
        content = "".join(parts)
        return _temporal(content) or SchemaAndValue(STRING_SCHEMA, content)

    def _array(self) -> SchemaAndValue:
        tokens, original = self.tokens, self.tokens.text
        result: list[Any] = []
        merger = _Merger()
        while tokens.has_next():
            if tokens.can_consume("]"):
                if merger.common is None:  # only nulls: no element schema
                    return SchemaAndValue(Schema(SchemaType.ARRAY), result)
                aligned = [_align(merger.common, v) for v in result]
                return SchemaAndValue(Schema(SchemaType.ARRAY, value_schema=merger.common), aligned)
            if tokens.can_consume(","):
                raise DataError(f"Unable to parse an empty array element: {original}")
            element = self.parse(True)
            merger.merge(element)
            result.append(None if element is None else element.value)
            position = tokens.mark()
            if tokens.can_consume("]"):
                tokens.rewind(position)
            elif not tokens.can_consume(","):
                raise DataError("Array elements missing ',' delimiter")
        if tokens.previous == ",":
            raise DataError(f"Array is missing element after ',': {original}")
        raise DataError(f"Array is missing terminating ']': {original}")

    def _map(self) -> SchemaAndValue:
        tokens, original = self.tokens, self.tokens.text
        result: dict[Any, Any] = {}
        keys, values = _Merger(), _Merger()
        while tokens.has_next():
            if tokens.can_consume("}"):
                return self._map_result(result, keys.common, values.common)
            if tokens.can_consume(","):
                raise DataError(f"Unable to parse a map entry with no key or value: {original}")
            key = self.parse(True)
            if key is None or key.value is None:
                raise DataError(f"Map entry may not have a null key: {original}")
            if not tokens.can_consume(":"):
                raise DataError(f"Map entry is missing ':' at {tokens.pos} in {original}")
            value = self.parse(True)
            try:
                result[key.value] = None if value is None else value.value
            except TypeError:  # an array or map as key: Python cannot hash it
                raise DataError(f"Map entry has a key Python cannot hold: {original}") from None
            tokens.can_consume(",")
            keys.merge(key)
            values.merge(value)
        if tokens.previous == ",":
            raise DataError(f"Map is missing element after ',': {original}")
        raise DataError(f"Map is missing terminating '}}': {original}")

    @staticmethod
    def _map_result(result: dict[Any, Any], keys: Schema | None, values: Schema | None) -> SchemaAndValue:
        if keys is None:
            return SchemaAndValue(Schema(SchemaType.MAP), result)
        aligned = {_align(keys, k): v if values is None else _align(values, v) for k, v in result.items()}
        return SchemaAndValue(Schema(SchemaType.MAP, key_schema=keys, value_schema=values), aligned)


def parse_literal(text: str | None) -> SchemaAndValue | None:
    """Kafka's ``Values.parseString``: the schema and value a literal stands for (None for ``null``)."""
    if text is None:
        return SchemaAndValue(None, None)
    if text == "":
        return SchemaAndValue(STRING_SCHEMA, text)
    return _LiteralParser(text).parse(False)


class InsertHeader(BuiltinTransformation):
    """Add a header to each record."""

    aliases = ("org.apache.kafka.connect.transforms.InsertHeader",)

    @classmethod
    def config_def(cls) -> ConfigDef:
        return (
            ConfigDef()
            .define(
                HEADER,
                ConfigType.STRING,
                validator=non_null,
                importance=Importance.HIGH,
                documentation="The name of the header.",
            )
            .define(
                VALUE_LITERAL,
                ConfigType.STRING,
                validator=non_null,
                importance=Importance.HIGH,
                documentation="The literal value that is to be set as the header value on all records.",
            )
        )

    def configure(self, config: Mapping[str, str]) -> None:
        parsed = self.config_def().parse(config)
        literal = parse_literal(parsed[VALUE_LITERAL])
        schema, value = (None, None) if literal is None else (literal.schema, literal.value)
        self._header = Header(parsed[HEADER], value, schema)

    def apply(self, record: R) -> R:
        return new_record(record, headers=[*record.headers, self._header])
