"""PostgreSQL column types as Kafka Connect schemas, and their text form as Connect values.

Debezium's mapping (``decimal.handling.mode``, ``time.precision.mode``, ``binary.handling.mode``):
the same schema names, so consumers written against Debezium read these events unchanged. Values
arrive in PostgreSQL's text output (pgoutput sends text, and the snapshot selects ``col::text``), in a
session with ``DateStyle=ISO`` and ``TimeZone=UTC``.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from connectd.api import (
    Schema,
    SchemaType,
    date_schema,
    decimal_schema,
    struct_schema,
    time_schema,
    timestamp_schema,
)

# Type OIDs fixed by PostgreSQL's catalog (pg_type.dat).
BOOL, BYTEA, CHAR, NAME, INT8, INT2, INT4, TEXT, OID, JSON = 16, 17, 18, 19, 20, 21, 23, 25, 26, 114
FLOAT4, FLOAT8, BPCHAR, VARCHAR, DATE, TIME, TIMESTAMP = 700, 701, 1042, 1043, 1082, 1083, 1114
TIMESTAMPTZ, TIMETZ, NUMERIC, UUID, JSONB = 1184, 1266, 1700, 2950, 3802

DATE_NAME = "io.debezium.time.Date"
TIME_MS_NAME = "io.debezium.time.Time"
MICRO_TIME_NAME = "io.debezium.time.MicroTime"
TIMESTAMP_MS_NAME = "io.debezium.time.Timestamp"
MICRO_TIMESTAMP_NAME = "io.debezium.time.MicroTimestamp"
ZONED_TIMESTAMP_NAME = "io.debezium.time.ZonedTimestamp"
ZONED_TIME_NAME = "io.debezium.time.ZonedTime"
UUID_NAME = "io.debezium.data.Uuid"
JSON_NAME = "io.debezium.data.Json"
VARIABLE_DECIMAL_NAME = "io.debezium.data.VariableScaleDecimal"
UNAVAILABLE = "__debezium_unavailable_value"
"""What Debezium puts in a string column whose unchanged TOASTed value the server did not send."""

_EPOCH_DATE = dt.date(1970, 1, 1)
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MIDNIGHT = dt.datetime(2000, 1, 1)


@dataclass(frozen=True, slots=True)
class TypeSettings:
    decimal_mode: str = "precise"  # precise | double | string
    time_precision_mode: str = "adaptive"  # adaptive | adaptive_time_microseconds | connect
    binary_mode: str = "bytes"  # bytes | base64 | hex


@dataclass(frozen=True, slots=True)
class ColumnType:
    """How one column travels: its Connect schema and the function from its text to a Connect value."""

    schema: Schema
    convert: Callable[[str], Any]


def _named(type_: SchemaType, name: str, optional: bool, **extra: Any) -> Schema:
    return Schema(type_, optional=optional, name=name, version=1, **extra)


def _bool(text: str) -> bool:
    return text in ("t", "true")  # pgoutput writes t, a ::text cast true


def _bytea(text: str) -> bytes:
    # bytea_output=hex (the default): "\x" then two hex digits per byte.
    return bytes.fromhex(text[2:]) if text.startswith("\\x") else text.encode()


def _date_days(text: str) -> int:
    return (dt.date.fromisoformat(text) - _EPOCH_DATE).days


def _time_us(text: str) -> int:
    if text.startswith("24:00"):  # PostgreSQL allows 24:00:00; Python's time does not
        return 86_400_000_000
    t = dt.time.fromisoformat(text)
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond


def _timestamp_us(text: str) -> int:
    stamp = dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)
    delta = stamp - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _with_utc_offset(text: str) -> str:
    # PostgreSQL writes "+00" / "+05:30"; fromisoformat wants a full "+HH:MM".
    sign = max(text.rfind("+"), text.rfind("-"))
    zone = text[sign:]
    return text + ":00" if len(zone) == 3 else text


def _zoned_timestamp(text: str) -> str:
    stamp = dt.datetime.fromisoformat(_with_utc_offset(text)).astimezone(dt.UTC)
    # Java's ISO_OFFSET_DATE_TIME, as Debezium writes it: no trailing zeros in the fraction.
    return _trim_fraction(stamp.replace(tzinfo=None).isoformat()) + "Z"


def _trim_fraction(iso: str) -> str:
    return iso.rstrip("0").rstrip(".") if "." in iso else iso


def _zoned_time(text: str) -> str:
    sign = max(text.rfind("+"), text.rfind("-"))
    local, zone = text[:sign], _with_utc_offset(text[sign:])
    hours, minutes = int(zone[1:3]), int(zone[4:6])
    offset = dt.timedelta(hours=hours, minutes=minutes) * (1 if zone[0] == "+" else -1)
    utc = (dt.datetime.combine(_MIDNIGHT, dt.time.fromisoformat(local)) - offset).time()
    return _trim_fraction(utc.isoformat()) + "Z"


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None  # Debezium turns NaN and infinities into null


def _unscaled_bytes(value: Decimal) -> tuple[int, bytes]:
    sign, digits, exponent = value.as_tuple()
    unscaled = int("".join(map(str, digits)) or "0") * (-1 if sign else 1)
    scale = -int(exponent)
    length = max(1, (unscaled.bit_length() + 8) // 8)
    return scale, unscaled.to_bytes(length, "big", signed=True)


def _numeric(typmod: int, settings: TypeSettings, optional: bool) -> ColumnType:
    scale = (typmod - 4) & 0xFFFF if typmod >= 4 else None
    precision = ((typmod - 4) >> 16) & 0xFFFF if typmod >= 4 else None
    if settings.decimal_mode == "double":
        return ColumnType(
            Schema(SchemaType.FLOAT64, optional=optional),
            lambda text: None if (v := _decimal(text)) is None else float(v),
        )
    if settings.decimal_mode == "string":
        return ColumnType(Schema(SchemaType.STRING, optional=optional), lambda text: text)
    if scale is not None:
        schema = decimal_schema(scale, optional)
        params = (*schema.parameters, ("connect.decimal.precision", str(precision)))
        fixed = Schema(schema.type, optional, schema.name, schema.version, parameters=params)
        return ColumnType(fixed, _decimal)

    def variable(text: str) -> dict[str, Any] | None:
        value = _decimal(text)
        if value is None:
            return None
        scale, unscaled = _unscaled_bytes(value)
        return {"scale": scale, "value": unscaled}

    schema = struct_schema(
        VARIABLE_DECIMAL_NAME,
        ("scale", Schema(SchemaType.INT32)),
        ("value", Schema(SchemaType.BYTES)),
        optional=optional,
    )
    return ColumnType(
        Schema(schema.type, optional, schema.name, 1, doc="Variable scaled decimal", fields=schema.fields),
        variable,
    )


def _bytes_type(settings: TypeSettings, optional: bool) -> ColumnType:
    if settings.binary_mode == "base64":
        return ColumnType(Schema(SchemaType.STRING, optional), lambda t: base64.b64encode(_bytea(t)).decode())
    if settings.binary_mode == "hex":
        return ColumnType(Schema(SchemaType.STRING, optional), lambda t: _bytea(t).hex())
    return ColumnType(Schema(SchemaType.BYTES, optional), _bytea)


def _precision(typmod: int) -> int:
    return 6 if typmod < 0 else typmod


def _time_type(typmod: int, settings: TypeSettings, optional: bool) -> ColumnType:
    if settings.time_precision_mode == "adaptive" and _precision(typmod) <= 3:
        return ColumnType(_named(SchemaType.INT32, TIME_MS_NAME, optional), lambda t: _time_us(t) // 1000)
    return ColumnType(_named(SchemaType.INT64, MICRO_TIME_NAME, optional), _time_us)


def _timestamp_type(typmod: int, settings: TypeSettings, optional: bool) -> ColumnType:
    if _precision(typmod) <= 3:
        return ColumnType(
            _named(SchemaType.INT64, TIMESTAMP_MS_NAME, optional), lambda t: _timestamp_us(t) // 1000
        )
    return ColumnType(_named(SchemaType.INT64, MICRO_TIMESTAMP_NAME, optional), _timestamp_us)


def _identity(text: str) -> str:
    return text


_SIMPLE: dict[int, tuple[SchemaType, Callable[[str], Any], str | None]] = {
    BOOL: (SchemaType.BOOLEAN, _bool, None),
    INT2: (SchemaType.INT16, int, None),
    INT4: (SchemaType.INT32, int, None),
    INT8: (SchemaType.INT64, int, None),
    OID: (SchemaType.INT64, int, None),
    FLOAT4: (SchemaType.FLOAT32, float, None),
    FLOAT8: (SchemaType.FLOAT64, float, None),
    DATE: (SchemaType.INT32, _date_days, DATE_NAME),
    TIMESTAMPTZ: (SchemaType.STRING, _zoned_timestamp, ZONED_TIMESTAMP_NAME),
    TIMETZ: (SchemaType.STRING, _zoned_time, ZONED_TIME_NAME),
    UUID: (SchemaType.STRING, _identity, UUID_NAME),
    JSON: (SchemaType.STRING, _identity, JSON_NAME),
    JSONB: (SchemaType.STRING, _identity, JSON_NAME),
}


_CONNECT_TIME: dict[int, tuple[Callable[[bool], Schema], Callable[[str], Any]]] = {
    # time.precision.mode=connect: Kafka Connect's own logical types (millisecond precision).
    DATE: (date_schema, dt.date.fromisoformat),
    TIME: (
        time_schema,
        lambda t: dt.time.fromisoformat(t).replace(
            microsecond=dt.time.fromisoformat(t).microsecond // 1000 * 1000
        ),
    ),
    TIMESTAMP: (timestamp_schema, lambda t: dt.datetime.fromisoformat(t).replace(tzinfo=dt.UTC)),
}


def column_type(type_oid: int, typmod: int, optional: bool, settings: TypeSettings) -> ColumnType:
    """The Connect schema and converter of a column; types without a mapping travel as their text."""
    if type_oid == NUMERIC:
        return _numeric(typmod, settings, optional)
    if type_oid == BYTEA:
        return _bytes_type(settings, optional)
    if settings.time_precision_mode == "connect" and type_oid in _CONNECT_TIME:
        make_schema, convert = _CONNECT_TIME[type_oid]
        return ColumnType(make_schema(optional), convert)
    if type_oid == TIME:
        return _time_type(typmod, settings, optional)
    if type_oid == TIMESTAMP:
        return _timestamp_type(typmod, settings, optional)
    simple = _SIMPLE.get(type_oid)
    if simple is None:
        return ColumnType(Schema(SchemaType.STRING, optional=optional), _identity)
    type_, convert, name = simple
    schema = _named(type_, name, optional) if name else Schema(type_, optional=optional)
    return ColumnType(schema, convert)
