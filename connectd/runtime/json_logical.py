"""Kafka's logical types (Decimal, Date, Time, Timestamp) in JsonConverter's JSON form, both ways,
with Kafka's messages."""

from __future__ import annotations

import base64
import binascii
import decimal
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from connectd.api.errors import DataError
from connectd.api.schema import (
    DATE_LOGICAL_NAME,
    DECIMAL_LOGICAL_NAME,
    DECIMAL_SCALE_PARAMETER,
    TIME_LOGICAL_NAME,
    TIMESTAMP_LOGICAL_NAME,
    Schema,
)

_MILLIS_PER_DAY = 86_400_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_DATE = _EPOCH.date()
_ONE_MS = timedelta(milliseconds=1)
_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1


def java_class(value: object) -> str:
    """A value's class where Kafka's messages print the Java one (``class java.lang.String``)."""
    return f"class {type(value).__name__}"


_NODE_TYPES = ((type(None), "NULL"), (bool, "BOOLEAN"), (int | float | Decimal, "NUMBER"), (str, "STRING"))


def node_type(value: object) -> str:
    """Jackson's node type name for a parsed JSON value, as Kafka's messages print it."""
    name = next((name for types, name in _NODE_TYPES if isinstance(value, types)), None)
    return name or ("ARRAY" if isinstance(value, list) else "OBJECT")


# --- logical types ------------------------------------------------------------------------------


def _decimal_scale(schema: Schema) -> int:
    text = dict(schema.parameters).get(DECIMAL_SCALE_PARAMETER)
    if text is None:
        raise DataError("Invalid Decimal schema: scale parameter not found.")
    try:
        return int(text)
    except ValueError as exc:
        raise DataError("Invalid scale parameter found in Decimal schema: ") from exc


# No rounding: scaleb in the default context would keep only 28 digits.
_EXACT = decimal.Context(prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)


def decimal_to_bytes(schema: Schema, value: Decimal) -> bytes:
    """Kafka's Decimal encoding: the unscaled value as minimal big-endian two's complement."""
    scale = _decimal_scale(schema)
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int):
        raise DataError(f"Invalid Decimal value {value}: only finite numbers have a Connect form")
    if -exponent != scale:
        raise DataError(
            "Decimal value has mismatching scale for given Decimal schema. "
            f"Schema has scale {scale}, value has scale {-exponent}."
        )
    unscaled = int(value.scaleb(scale, _EXACT))  # an integer: the value has ``scale`` decimal places
    # Java's BigInteger.toByteArray: bitLength() / 8 + 1 bytes, bitLength ignoring the sign bit.
    length = (unscaled if unscaled >= 0 else ~unscaled).bit_length() // 8 + 1
    return unscaled.to_bytes(length, "big", signed=True)


def decimal_from_bytes(schema: Schema, data: bytes) -> Decimal:
    scale = _decimal_scale(schema)
    if not data:
        raise DataError("Invalid bytes for Decimal field: zero length")  # Java's BigInteger refuses it too
    unscaled = int.from_bytes(data, "big", signed=True)
    return Decimal((int(unscaled < 0), tuple(int(d) for d in str(abs(unscaled))), -scale))


def _datetime_millis(value: datetime) -> int:
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)  # naive means UTC
    return (aware - _EPOCH) // _ONE_MS


KINDS = {
    DECIMAL_LOGICAL_NAME: "Decimal",
    DATE_LOGICAL_NAME: "Date",
    TIME_LOGICAL_NAME: "Time",
    TIMESTAMP_LOGICAL_NAME: "Timestamp",
}


def _wrong_class(kind: str, value: Any) -> DataError:
    expected = "BigDecimal" if kind == "Decimal" else "Date"
    return DataError(f"Invalid type for {kind}, expected {expected} but was {java_class(value)}")


def _wrong_json(kind: str, expected: str, value: Any) -> DataError:
    return DataError(
        f"Invalid type for {kind}, underlying representation should be {expected} but was {node_type(value)}"
    )


def logical_to_json(schema: Schema, value: Any, numeric_decimals: bool) -> Any:
    """The JSON form of a logical value; the caller checked ``schema.name`` is a logical name."""
    kind = KINDS[str(schema.name)]
    if kind == "Decimal":
        if not isinstance(value, Decimal):
            raise _wrong_class(kind, value)
        if not numeric_decimals:
            return base64.b64encode(decimal_to_bytes(schema, value)).decode()
        if not value.is_finite():
            raise DataError(f"Invalid Decimal value {value}: only finite numbers have a Connect form")
        return value.copy_abs() if value.is_zero() else value  # Java has no negative zero
    if isinstance(value, datetime):
        millis = _datetime_millis(value)
    elif kind == "Date" and isinstance(value, date):
        return (value - _EPOCH_DATE).days
    elif kind == "Time" and isinstance(value, time):
        millis = ((value.hour * 60 + value.minute) * 60 + value.second) * 1000 + value.microsecond // 1000
        offset = value.utcoffset()
        millis -= offset // _ONE_MS if offset else 0
    else:
        raise _wrong_class(kind, value)
    if kind == "Date":
        if millis % _MILLIS_PER_DAY:
            raise DataError("Kafka Connect Date type should not have any time fields set to non-zero values.")
        return millis // _MILLIS_PER_DAY
    if kind == "Time" and not 0 <= millis <= _MILLIS_PER_DAY:
        raise DataError("Kafka Connect Time type should not have any date fields set to non-zero values.")
    return millis


def _shift(kind: str, start: Any, **delta: int) -> Any:
    try:
        return start + timedelta(**delta)
    except OverflowError:
        raise DataError(f"{kind} value {delta} is outside the years 1 to 9999 Python can hold") from None


def logical_from_json(schema: Schema, value: Any) -> Any:
    """The logical value of a non-null JSON value; the caller checked ``schema.name``."""
    kind = KINDS[str(schema.name)]
    integral = isinstance(value, int) and not isinstance(value, bool)
    if kind == "Decimal":
        if isinstance(value, str):
            try:
                return decimal_from_bytes(schema, base64.b64decode(value, validate=True))
            except (ValueError, binascii.Error, DataError) as exc:
                cause = ValueError(f"{value!r} is not base64 of a Decimal's unscaled bytes ({exc})")
                raise DataError("Invalid bytes for Decimal field") from cause
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            raise _wrong_json(kind, "numeric or bytes", value)
        # NUMERIC: the number as written, with its own scale (Kafka does not rescale it either).
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if kind == "Timestamp":
        if not integral:
            raise _wrong_json(kind, "integral", value)
        return _shift(kind, _EPOCH, milliseconds=value)
    if not integral or not _INT32_MIN <= value <= _INT32_MAX:  # Jackson's isInt()
        raise _wrong_json(kind, "integer", value)
    if kind == "Date":
        return _shift(kind, _EPOCH_DATE, days=value)
    # Kafka also admits 86400000 (the next midnight), which a Python time cannot hold.
    if not 0 <= value < _MILLIS_PER_DAY:
        raise DataError("Time values must use number of milliseconds greater than 0 and less than 86400000")
    return (datetime.min + timedelta(milliseconds=value)).time()
