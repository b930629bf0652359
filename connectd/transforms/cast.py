"""Cast$Key / Cast$Value: cast fields, or the whole key or value, to another primitive type.

``spec`` is ``field:type,...`` or a single ``type``; types int8 int16 int32 int64 float32 float64
boolean string. The casts are Java's: integers wrap (int64 300 to int8 is 44), floats truncate
toward zero and saturate, booleans are 1/0 and ``!= 0``, strings parse as Java's
``Integer.parseInt``/``Double.parseDouble``/``Boolean.parseBoolean``, floats print as Java's
``toString`` (``1.0E10``), bytes print as base64, Decimal prints as ``BigDecimal.toString`` and
Date/Time/Timestamp cast to numbers as their int32/int64 encodings or to strings as ISO 8601.
With ``field.syntax.version=V2`` a field may be a nested path (``a.b:int32``).

The module also holds the Java value semantics MaskField and TimestampConverter share.
"""

from __future__ import annotations

import base64
import datetime as dt
import math
import re
import struct
from collections.abc import Callable, Mapping
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction
from typing import Any, TypeAlias

from connectd.api.config import ConfigDef, ConfigType, Importance
from connectd.api.errors import ConfigError, DataError
from connectd.api.schema import (
    DATE_LOGICAL_NAME,
    DECIMAL_LOGICAL_NAME,
    TIME_LOGICAL_NAME,
    TIMESTAMP_LOGICAL_NAME,
    Field,
    Schema,
    SchemaType,
)
from connectd.api.transforms import R
from connectd.transforms.builtin import SidedTransformation
from connectd.transforms.field_path import (
    REPLACE_NULL_WITH_DEFAULT,
    FieldPath,
    FieldSyntaxVersion,
    SchemaCache,
    copy_schema_basics,
    define_field_syntax,
    define_replace_null_with_default,
    field_value,
    java_list,
    plain_config_error,
    require_map,
    require_struct,
    syntax_version,
)
from connectd.transforms.java_date_format import JavaDateFormat, to_millis
from connectd.transforms.sides import KeySide, ValueSide

SPEC_CONFIG = "spec"
_SPEC_DOC = (
    "List of fields and the type to cast them to of the form field1:type,field2:type to cast fields of Maps "
    "or Structs. A single type to cast the entire value. Valid types are int8, int16, int32, int64, float32, "
    "float64, boolean, and string. Note that binary fields can only be cast to string."
)
_PURPOSE = "cast types"
_T = SchemaType
_OUTPUT_TYPES = (_T.INT8, _T.INT16, _T.INT32, _T.INT64, _T.FLOAT32, _T.FLOAT64, _T.BOOLEAN, _T.STRING)
_INPUT_TYPES = (*_OUTPUT_TYPES, _T.BYTES)
LOGICAL_NAMES = frozenset(
    (DECIMAL_LOGICAL_NAME, DATE_LOGICAL_NAME, TIME_LOGICAL_NAME, TIMESTAMP_LOGICAL_NAME)
)
_DAY_MS = 86_400_000
_BYTES = bytes | bytearray | memoryview

# --- Java value semantics (shared) ---------------------------------------------------------------

_JAVA_INT_CLASSES = {_T.INT8: "Byte", _T.INT16: "Short", _T.INT32: "Integer"}


def java_class(value: Any, schema: Schema | None = None) -> str:
    """``value.getClass()`` as Kafka prints it in messages, for the Java type the value stands for."""
    name: str
    if isinstance(value, bool):
        name = "java.lang.Boolean"
    elif isinstance(value, int):
        name = "java.lang." + _JAVA_INT_CLASSES.get(schema.type if schema else _T.INT64, "Long")
    elif isinstance(value, float):
        name = "java.lang.Float" if schema is not None and schema.type is _T.FLOAT32 else "java.lang.Double"
    elif isinstance(value, str):
        name = "java.lang.String"
    elif isinstance(value, _BYTES):
        name = "[B"
    elif isinstance(value, Decimal):
        name = "java.math.BigDecimal"
    elif isinstance(value, dt.date | dt.time):
        name = "java.util.Date"
    elif isinstance(value, list | tuple):
        name = "java.util.ArrayList"
    elif isinstance(value, Mapping):
        is_struct = schema is not None and schema.type is _T.STRUCT
        name = "org.apache.kafka.connect.data.Struct" if is_struct else "java.util.HashMap"
    else:
        name = f"{type(value).__module__}.{type(value).__qualname__}"
    return f"class {name}"


def wrap(value: int, bits: int) -> int:
    """Java's narrowing of an integer to ``bits`` bits (two's complement wrap-around)."""
    half = 1 << (bits - 1)
    return (value + half) % (half << 1) - half


def float_to_int(value: float, bits: int) -> int:
    """Java's ``(int)``/``(long)`` of a double: truncate, saturate, NaN is 0."""
    if math.isnan(value):
        return 0
    low, high = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    if math.isinf(value):
        return high if value > 0 else low
    return max(low, min(high, math.trunc(value)))


def to_float32(value: float | int | Fraction) -> float:
    """The nearest float32 (as a Python float), rounding once as Java does; overflow is infinity."""
    if isinstance(value, float):
        try:
            return float(struct.unpack("<f", struct.pack("<f", value))[0])
        except OverflowError:
            return math.copysign(math.inf, value)
    q = Fraction(value)
    if q == 0:
        return 0.0
    sign, q = (-1.0 if q < 0 else 1.0), abs(q)
    exponent = q.numerator.bit_length() - q.denominator.bit_length()
    if q < Fraction(2) ** exponent:
        exponent -= 1
    unit = Fraction(2) ** (max(exponent, -126) - 23)  # the spacing of float32s near q
    scaled = q / unit
    mantissa = round(scaled)  # Fraction rounds half to even
    result = mantissa * unit
    return sign * math.inf if result > Fraction(2) ** 128 - Fraction(2) ** 104 else sign * float(result)


def _decimal_text(value: float, float32: bool) -> tuple[str, int]:
    """The shortest digits (at least two) that read back as ``value``, as Java 19+ picks them, and
    the exponent of the first. (Java 17 sometimes prints one more digit.)"""
    if float32:
        for precision in range(9):
            text = f"{value:.{precision}e}"
            if to_float32(float(text)) == value:
                break
    else:
        text = repr(value)
    _, digits, exponent = Decimal(text).as_tuple()
    if len("".join(map(str, digits)).rstrip("0")) == 1:  # Java prints at least two: 4.9E-324, not 5E-324
        _, digits, exponent = Decimal(f"{value:.1e}").as_tuple()
    first = len(digits) - 1 + int(exponent)
    return "".join(map(str, digits)).rstrip("0") or "0", first


def java_float_str(value: float, float32: bool = False) -> str:
    """``Double.toString`` (or ``Float.toString``): ``1.0``, ``1.0E10``, ``1.0E-4``, ``NaN``."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    sign = "-" if math.copysign(1.0, value) < 0 else ""
    if value == 0:
        return sign + "0.0"
    digits, first = _decimal_text(abs(value), float32)
    if -3 <= first < 7:
        if first < 0:
            return f"{sign}0.{'0' * (-first - 1)}{digits}"
        whole = digits[: first + 1].ljust(first + 1, "0")
        return f"{sign}{whole}.{digits[first + 1 :] or '0'}"
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{first}"


_JAVA_FLOAT = re.compile(
    r"[+-]?(?:NaN|Infinity|(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
    r"|0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?\d+)[fFdD]?)",
    re.ASCII,
)
_JAVA_INT = re.compile(r"[+-]?\d+")


class JavaNumberFormatError(ValueError):
    """Java's NumberFormatException."""


def java_parse_float(text: str, float32: bool) -> float:
    """``Double.parseDouble``/``Float.parseFloat``: Java's grammar, correctly rounded once."""
    body = text.strip("".join(map(chr, range(33))))  # String.trim
    if not _JAVA_FLOAT.fullmatch(body):
        raise JavaNumberFormatError(text)
    if body.lstrip("+-") in ("NaN", "Infinity"):
        return float(body.replace("Infinity", "inf"))
    if body[-1] in "fFdD":  # a type suffix (hex digits cannot end the exponent)
        body = body[:-1]
    if "x" in body.lower():
        return to_float32(float.fromhex(body)) if float32 else float.fromhex(body)
    return decimal_to_float(Decimal(body), float32)


def decimal_to_float(number: Decimal, float32: bool) -> float:
    """``BigDecimal.doubleValue()``/``floatValue()``: correctly rounded, infinite when too large."""
    if not float32 or not number.is_finite():
        return to_float32(float(number)) if float32 else float(number)
    if number.is_zero() or number.adjusted() < -60:  # far below the smallest float32
        return math.copysign(0.0, -1.0 if number.is_signed() else 1.0)
    if number.adjusted() > 60:
        return math.copysign(math.inf, number)
    return to_float32(Fraction(number))


def decimal_long_value(number: Decimal) -> int:
    """``BigDecimal.longValue()``: the integer part's low 64 bits, without building a huge int."""
    if not number.is_finite():
        return 0
    sign, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)
    coefficient = int("".join(map(str, digits)))
    if exponent >= 0:
        value = coefficient * pow(10, exponent, 2**64)
    else:
        value = coefficient // 10**-exponent if -exponent <= len(digits) else 0
    return wrap(-value if sign else value, 64)


def java_parse_int(text: str, bits: int) -> int:
    """``Byte.parseByte`` ... ``Long.parseLong``: a sign and digits, within range."""
    if not _JAVA_INT.fullmatch(text):
        raise JavaNumberFormatError(text)
    value = int(text)
    if wrap(value, bits) != value:
        raise JavaNumberFormatError(text)
    return value


def logical_millis(value: Any) -> int:
    """A Date/Time/Timestamp value as a Java ``Date``'s epoch milliseconds."""
    if isinstance(value, dt.datetime):
        return to_millis(value)
    if isinstance(value, dt.date):
        return (value - dt.date(1970, 1, 1)).days * _DAY_MS
    if isinstance(value, dt.time):
        return ((value.hour * 60 + value.minute) * 60 + value.second) * 1000 + value.microsecond // 1000
    raise DataError(f"Expected a java.util.Date, but found {java_class(value)}")


_ISO_TIME = JavaDateFormat("HH:mm:ss.SSS'Z'")
_ISO_DATE = JavaDateFormat("yyyy-MM-dd")
_ISO_TIMESTAMP = JavaDateFormat("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")


def java_date_str(ms: int) -> str:
    """Connect's ``Values.dateFormatFor``: a time before the first day's end (negative ones too,
    as in Kafka), a date at midnight, else a timestamp."""
    if ms < _DAY_MS:
        return _ISO_TIME.format_millis(ms)
    return (_ISO_DATE if ms % _DAY_MS == 0 else _ISO_TIMESTAMP).format_millis(ms)


# --- casting -------------------------------------------------------------------------------------


_INFERRED = ((bool, _T.BOOLEAN), (int, _T.INT64), (float, _T.FLOAT64), (str, _T.STRING), (_BYTES, _T.BYTES))


def _infer_type(value: Any) -> SchemaType | None:
    """Connect's ``ConnectSchema.schemaType`` for a schemaless value (Decimal and dates have none)."""
    for kind, schema_type in (*_INFERRED, (list | tuple, _T.ARRAY), (Mapping, _T.MAP)):
        if isinstance(value, kind):
            return schema_type
    return None


def _unexpected(value: Any) -> DataError:
    return DataError(f"Unexpected type in Cast transformation: {java_class(value)}")


def _to_int(value: Any, bits: int) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return wrap(value, bits)
    if isinstance(value, float):  # Java narrows a double to int (or long) first, then wraps
        return wrap(float_to_int(value, max(bits, 32)), bits)
    if isinstance(value, Decimal):
        return wrap(decimal_long_value(value), bits)
    if isinstance(value, str):
        return java_parse_int(value, bits)
    raise _unexpected(value)


def _to_float(value: Any, float32: bool) -> float:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | Decimal):
        return decimal_to_float(Decimal(value), float32)
    if isinstance(value, float):
        return to_float32(value) if float32 else value
    if isinstance(value, str):
        return java_parse_float(value, float32)
    raise _unexpected(value)


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.lower() == "true"
    if isinstance(value, int | float | Decimal):
        return _to_int(value, 64) != 0  # Java compares longValue(): 0.5 is false
    raise _unexpected(value)


def _to_str(value: Any, schema: Schema | None) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return java_float_str(value, schema is not None and schema.type is _T.FLOAT32)
    if isinstance(value, _BYTES):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Decimal):
        return str(value + 0) if value.is_zero() else str(value)  # BigDecimal has no -0
    if isinstance(value, dt.date | dt.time):
        return java_date_str(logical_millis(value))
    return str(value)


_CASTS: dict[SchemaType, Callable[[Any, Schema | None], Any]] = {
    _T.INT8: lambda v, s: _to_int(v, 8),
    _T.INT16: lambda v, s: _to_int(v, 16),
    _T.INT32: lambda v, s: _to_int(v, 32),
    _T.INT64: lambda v, s: _to_int(v, 64),
    _T.FLOAT32: lambda v, s: _to_float(v, True),
    _T.FLOAT64: lambda v, s: _to_float(v, False),
    _T.BOOLEAN: lambda v, s: _to_bool(v),
    _T.STRING: _to_str,
}


def _encode_logical(schema: Schema, value: Any) -> Any:
    """Date, Time and Timestamp values as their int32/int64 encodings (Decimal stays a number)."""
    if schema.name == DATE_LOGICAL_NAME:
        return logical_millis(value) // _DAY_MS
    if schema.name == TIME_LOGICAL_NAME:
        return logical_millis(value) % _DAY_MS
    if schema.name == TIMESTAMP_LOGICAL_NAME:
        return logical_millis(value)
    return value


def _type_list(types: tuple[SchemaType, ...]) -> str:
    return "[" + ", ".join(t.name for t in types) + "]"


def cast_value(schema: Schema | None, value: Any, target: SchemaType) -> Any:
    """``value`` (described by ``schema``, or schemaless) cast to ``target`` as Kafka's Cast does."""
    if value is None:
        return None
    source = schema.type if schema is not None else _infer_type(value)
    if source is None:
        raise DataError(
            f"Cast transformation was passed a value of type {java_class(value)} which is not supported "
            "by Connect's data API"
        )
    if source not in _INPUT_TYPES:
        raise DataError(
            f"Cast transformation does not support casting from {source.name}; supported types are "
            f"{_type_list(_INPUT_TYPES)}"
        )
    if schema is not None and schema.name is not None and target is not _T.STRING:
        value = _encode_logical(schema, value)
    elif source in (_T.FLOAT32, _T.FLOAT64) and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)  # a Java Float/Double, even when a converter handed over an int
    try:
        return _CASTS[target](value, schema)
    except JavaNumberFormatError:
        raise DataError(f"Value ({value}) was out of range for requested data type") from None


# --- configuration -------------------------------------------------------------------------------

_Tree: TypeAlias = dict[str, "SchemaType | _Tree"]


def _cast_type(text: str, key: str) -> SchemaType:
    found = SchemaType.__members__.get(text.upper())
    if found is None:
        raise plain_config_error(key, f"Invalid type found in casting spec: {text}")
    if found not in _OUTPUT_TYPES:
        raise plain_config_error(
            key,
            f"Cast transformation does not support casting to {found.name}; supported types are "
            f"{_type_list(_OUTPUT_TYPES)}",
        )
    return found


def parse_spec(mappings: list[str], key: str = SPEC_CONFIG) -> dict[str | None, SchemaType]:
    """``field:type`` pairs (the key None for a whole-value cast), with Kafka's messages."""
    casts: dict[str | None, SchemaType] = {}
    for mapping in mappings:
        parts = mapping.split(":")
        while len(parts) > 1 and parts[-1] == "":  # Java's split drops trailing empty strings
            parts.pop()
        if parts == [""] and mapping:
            continue  # only colons: Java's split leaves nothing, and Kafka skips the entry
        if len(parts) > 2:  # Kafka's message (it names the key "renames", a slip: connectd names spec)
            raise ConfigError(key, java_list(mappings), f"Invalid rename mapping: {mapping}")
        if len(parts) == 1:
            casts[None] = _cast_type(parts[0].strip(), key)
        else:
            casts[parts[0].strip()] = _cast_type(parts[1].strip(), key)
    if None in casts and len(mappings) > 1:
        raise plain_config_error(
            key,
            "Cast transformations that specify a type to cast the entire value to may only specify a single "
            "cast in their spec",
        )
    return casts


def _build_tree(casts: dict[str | None, SchemaType], version: FieldSyntaxVersion) -> _Tree:
    """The casts as nested dicts of path steps; of two specs that overlap (``a`` and ``a.b``) the
    later one wins."""
    tree: _Tree = {}
    for name, target in casts.items():
        steps = FieldPath.parse(name or "", version, SPEC_CONFIG).steps or ("",)  # "" names the field ""
        node = tree
        for step in steps[:-1]:
            child = node.get(step)
            if not isinstance(child, dict):
                child = node[step] = {}
            node = child
        node[steps[-1]] = target
    return tree


def _validate_spec(name: str, value: Any) -> None:
    if not value:
        raise plain_config_error(name, "Must specify at least one field to cast.")
    parse_spec(list(value), name)


# --- the transformation --------------------------------------------------------------------------


class CastBase(SidedTransformation):
    """Cast fields or the entire key or value to a specific type."""

    @classmethod
    def config_def(cls) -> ConfigDef:
        spec = ConfigDef().define(
            SPEC_CONFIG,
            ConfigType.LIST,
            validator=_validate_spec,
            importance=Importance.HIGH,
            documentation=_SPEC_DOC,
        )
        return define_field_syntax(define_replace_null_with_default(spec))

    def configure(self, config: Mapping[str, str]) -> None:
        parsed = self.config_def().parse(config)
        casts = parse_spec(parsed[SPEC_CONFIG])
        version = syntax_version(parsed)
        self._whole = casts.pop(None, None)
        self._tree = _build_tree(casts, version)
        self._with_default: bool = parsed[REPLACE_NULL_WITH_DEFAULT]
        self._cache = SchemaCache()

    def apply(self, record: R) -> R:
        value = self.side.value(record)
        if value is None:
            return record
        schema = self.side.schema(record)
        if schema is None:
            if self._whole is not None:
                return self.side.replace(record, None, cast_value(None, value, self._whole))
            return self.side.replace(record, None, self._cast_map(require_map(value, _PURPOSE), self._tree))
        updated = self._cache.get(schema, self._build_schema)
        if self._whole is not None:
            return self.side.replace(record, updated, cast_value(schema, value, self._whole))
        struct_value = require_struct(value, schema, _PURPOSE)
        return self.side.replace(record, updated, self._cast_struct(struct_value, schema, self._tree))

    def _cast_map(self, value: Mapping[str, Any], tree: _Tree) -> dict[str, Any]:
        updated = dict(value)
        for name, spec in tree.items():
            if isinstance(spec, SchemaType):
                updated[name] = cast_value(None, value.get(name), spec)  # an absent field becomes null
            elif value.get(name) is not None:
                updated[name] = self._cast_map(require_map(value[name], _PURPOSE), spec)
        return updated

    def _cast_struct(self, value: Mapping[str, Any], schema: Schema, tree: _Tree) -> dict[str, Any]:
        updated: dict[str, Any] = {}
        for field in schema.fields:
            item = field_value(value, field, self._with_default)
            spec = tree.get(field.name)
            if isinstance(spec, SchemaType):
                item = cast_value(field.schema, item, spec)
            elif spec is not None and item is not None:
                item = self._cast_struct(require_struct(item, field.schema, _PURPOSE), field.schema, spec)
            updated[field.name] = item
        return updated

    def _build_schema(self, schema: Schema) -> Schema:
        if self._whole is not None:
            return _cast_schema(schema, self._whole)
        return self._struct_schema(schema, self._tree)

    def _struct_schema(self, schema: Schema, tree: _Tree) -> Schema:
        if schema.type is not _T.STRUCT:
            raise DataError("Cannot list fields on non-struct type")
        fields = []
        for field in schema.fields:
            spec = tree.get(field.name)
            if isinstance(spec, SchemaType):
                cast = Schema(spec, optional=field.schema.optional, default=_default(field.schema, spec))
                field = Field(field.name, cast)
            elif spec is not None:
                field = Field(field.name, self._struct_schema(field.schema, spec))
            fields.append(field)
        # Kafka fails casting a struct default; connectd casts the default's fields instead.
        default = None if schema.default is None else self._cast_struct(schema.default, schema, tree)
        return replace(copy_schema_basics(schema, fields), optional=schema.optional, default=default)


def _default(schema: Schema, target: SchemaType) -> Any:
    return None if schema.default is None else cast_value(schema, schema.default, target)


def _cast_schema(schema: Schema, target: SchemaType) -> Schema:
    """The whole value's new schema: Kafka keeps name, version, doc and parameters; a logical type's
    name and parameters are dropped, since the value is no longer of that type."""
    logical = schema.name in LOGICAL_NAMES
    return Schema(
        target,
        optional=schema.optional,
        name=None if logical else schema.name,
        version=None if logical else schema.version,
        doc=schema.doc,
        parameters=() if logical else schema.parameters,
        default=_default(schema, target),
    )


class CastKey(KeySide, CastBase):
    """Cast$Key: casts the record key."""

    aliases = ("org.apache.kafka.connect.transforms.Cast$Key",)


class CastValue(ValueSide, CastBase):
    """Cast$Value: casts the record value."""

    aliases = ("org.apache.kafka.connect.transforms.Cast$Value",)
