"""The built-in converters: String, ByteArray and JSON (with Kafka's schema envelope)."""

from __future__ import annotations

import base64
import binascii
import json
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from decimal import Decimal
from itertools import repeat
from json.encoder import encode_basestring_ascii
from typing import Any

from connectd.api.config import ConfigDef, ConfigKey, ConfigType, Importance, ValidString, Width
from connectd.api.converter import Converter
from connectd.api.errors import DataError
from connectd.api.schema import (
    OPTIONAL_BYTES_SCHEMA,
    OPTIONAL_STRING_SCHEMA,
    Field,
    Schema,
    SchemaAndValue,
    SchemaType,
)
from connectd.runtime.json_batch import json_texts
from connectd.runtime.json_logical import KINDS, java_class, logical_from_json, logical_to_json, node_type


class StringConverter(Converter):
    aliases = ("org.apache.kafka.connect.storage.StringConverter",)

    @classmethod
    def config_def(cls) -> ConfigDef:
        return ConfigDef().define(
            "converter.encoding",
            ConfigType.STRING,
            "UTF-8",
            importance=Importance.HIGH,
            documentation="The name of the Java character set used to encode strings",
        )

    def __init__(self) -> None:
        self.encoding = "utf-8"

    def configure(self, config: Mapping[str, str], is_key: bool) -> None:
        self.encoding = (
            config.get("serializer.encoding")
            or config.get("deserializer.encoding")
            or config.get("converter.encoding")
            or "UTF-8"
        )

    def from_connect(self, topic: str, schema: Schema | None, value: Any) -> bytes | None:
        if value is None:
            return None
        return (value if isinstance(value, str) else str(value)).encode(self.encoding)

    def to_connect(self, topic: str, data: bytes | None) -> SchemaAndValue:
        if data is None:
            return SchemaAndValue(OPTIONAL_STRING_SCHEMA, None)
        try:
            return SchemaAndValue(OPTIONAL_STRING_SCHEMA, data.decode(self.encoding))
        except UnicodeDecodeError as exc:
            raise DataError(
                f"Failed to deserialize string of topic {topic} as {self.encoding}: {exc}"
            ) from None

    def from_connect_batch(
        self, topic: str, schema: Schema | None, values: Sequence[Any]
    ) -> list[bytes | None]:
        try:
            # str.encode mapped in C; anything but a str (None, a number) raises TypeError.
            if self.encoding.lower() in ("utf-8", "utf8"):
                return list(map(str.encode, values))  # the default codec: no name to look up
            return list(map(str.encode, values, repeat(self.encoding)))
        except TypeError:
            return super().from_connect_batch(topic, schema, values)

    def to_connect_batch(
        self, topic: str, data: Sequence[bytes | None]
    ) -> tuple[list[Schema | None], list[Any]]:
        try:
            values: list[Any] = list(map(bytes.decode, data, repeat(self.encoding)))  # type: ignore[arg-type]
        except (TypeError, UnicodeDecodeError):  # a null, or bytes to report one by one
            return super().to_connect_batch(topic, data)
        return [OPTIONAL_STRING_SCHEMA] * len(values), values


class ByteArrayConverter(Converter):
    aliases = ("org.apache.kafka.connect.converters.ByteArrayConverter",)

    def from_connect(self, topic: str, schema: Schema | None, value: Any) -> bytes | None:
        if schema is not None and schema.type is not SchemaType.BYTES:
            raise DataError(f"Invalid schema type for ByteArrayConverter: {schema.type.value}")
        if value is None:
            return None
        if isinstance(value, bytes | bytearray | memoryview):
            return bytes(value)
        raise DataError(f"ByteArrayConverter is not compatible with objects of type {type(value).__name__}")

    def to_connect(self, topic: str, data: bytes | None) -> SchemaAndValue:
        return SchemaAndValue(OPTIONAL_BYTES_SCHEMA, data)

    def to_connect_batch(
        self, topic: str, data: Sequence[bytes | None]
    ) -> tuple[list[Schema | None], list[Any]]:
        return [OPTIONAL_BYTES_SCHEMA] * len(data), list(data)


_ENVELOPE_ERROR = (
    'JsonConverter with schemas.enable requires "schema" and "payload" fields and may not contain additional '
    "fields. If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter "
    "configuration."
)
_INT_TYPES = {SchemaType.INT8, SchemaType.INT16, SchemaType.INT32, SchemaType.INT64}
# The one Python type each plain schema type takes without checks (floats also take ints: checked).
_PLAIN = {SchemaType.STRING: str, SchemaType.BOOLEAN: bool, SchemaType.FLOAT64: float, SchemaType.INT64: int}
_FLOAT_TYPES = {SchemaType.FLOAT32, SchemaType.FLOAT64}
_COMPACT = (",", ":")
_JSON_TYPE_NAMES = {SchemaType.FLOAT32: "float", SchemaType.FLOAT64: "double"}
_TYPES_BY_JSON_NAME = {_JSON_TYPE_NAMES.get(t, t.value): t for t in SchemaType}


# --- Connect data <-> JSON --------------------------------------------------------------------


def _plain_json(value: Any) -> Any:
    """A value without a schema, typed by its Python class as Kafka types it by its Java class."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(value).decode()
    if isinstance(value, Mapping):
        if all(isinstance(k, str) for k in value):
            return {k: _plain_json(v) for k, v in value.items()}
        # A map with any other key travels as a list of [key, value] pairs.
        return [[_plain_json(k), _plain_json(v)] for k, v in value.items()]
    if isinstance(value, list | tuple):
        return [_plain_json(v) for v in value]
    raise DataError(f"Java class {java_class(value)} does not have corresponding schema type.")


def _check_primitive(schema: Schema, value: Any, writing: bool) -> None:
    type_ = schema.type
    ok = (
        (type_ in _INT_TYPES and isinstance(value, int) and not isinstance(value, bool))
        or (type_ in _FLOAT_TYPES and isinstance(value, int | float) and not isinstance(value, bool))
        or (type_ is SchemaType.BOOLEAN and isinstance(value, bool))
        or (type_ is SchemaType.STRING and isinstance(value, str))
    )
    if ok:
        return
    if writing:
        raise DataError(f"Invalid type for {type_.value.upper()}: {java_class(value)}")
    raise DataError(f"Invalid JSON for {type_.value.upper()} schema: {value!r} ({type(value).__name__})")


def _as_floats(value: Any) -> Any:
    """Schemaless JSON read with exact decimals: non-integral numbers become floats (Kafka's FLOAT64)."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: _as_floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_floats(v) for v in value]
    return value


class _JsonCodec:
    """Connect data to and from JSON trees under one converter's ``decimal.format`` and
    ``replace.null.with.default``."""

    def __init__(self, numeric_decimals: bool = False, replace_null_with_default: bool = True) -> None:
        self.numeric_decimals = numeric_decimals
        self.replace_null = replace_null_with_default
        # The field plan of each struct schema written, by identity (hashing a schema costs more).
        self._plans: dict[int, tuple[Schema, tuple[tuple[str, Schema, type | None], ...]]] = {}

    def to_json(self, schema: Schema, value: Any) -> Any:
        if value is None:
            if schema.default is not None and self.replace_null:
                return self.to_json(schema, schema.default)
            if not schema.optional:
                raise DataError(
                    "Conversion error: null value for field that is required and has no default value"
                )
            return None
        if schema.name in KINDS:
            return logical_to_json(schema, value, self.numeric_decimals)
        match schema.type:
            case SchemaType.BYTES:
                if not isinstance(value, bytes | bytearray | memoryview):
                    raise DataError(f"Invalid type for bytes type: {java_class(value)}")
                return base64.b64encode(value).decode()
            case SchemaType.STRUCT:
                if not isinstance(value, Mapping):
                    raise DataError(f"Invalid type for STRUCT: {java_class(value)}")
                return self._struct_to_json(schema, value)
            case SchemaType.ARRAY:
                if not isinstance(value, list | tuple):
                    raise DataError(f"Invalid type for ARRAY: {java_class(value)}")
                if schema.value_schema is None:
                    return _plain_json(value)
                return [self.to_json(schema.value_schema, v) for v in value]
            case SchemaType.MAP:
                if not isinstance(value, Mapping):
                    raise DataError(f"Invalid type for MAP: {java_class(value)}")
                keys, values = schema.key_schema, schema.value_schema
                if keys is None or values is None:
                    return _plain_json(value)
                if keys.type is SchemaType.STRING:
                    return {str(self.to_json(keys, k)): self.to_json(values, v) for k, v in value.items()}
                return [[self.to_json(keys, k), self.to_json(values, v)] for k, v in value.items()]
            case _:
                _check_primitive(schema, value, writing=True)
                return value

    def to_json_batch(self, schema: Schema, values: Sequence[Any]) -> list[Any] | None:
        """``to_json`` of each value, for the common batches only: values of a plain primitive schema,
        each of exactly its Python type (returned as they are), or dicts of a struct schema. None for
        any other batch (nulls, logical types, containers): the caller converts value by value."""
        if schema.name in KINDS or not values:
            return None
        types = set(map(type, values))
        if len(types) != 1:
            return None
        plain = _PLAIN.get(schema.type)
        if plain is not None and types == {plain}:
            return values if isinstance(values, list) else list(values)
        if schema.type is SchemaType.STRUCT and types == {dict}:
            struct_to_json = self._struct_to_json
            return [struct_to_json(schema, value) for value in values]
        return None

    def _struct_to_json(self, schema: Schema, value: Mapping[str, Any]) -> dict[str, Any]:
        # Per record and field: a field of a plain type whose value has exactly that Python type
        # is copied as is; anything else (null, logical types, containers) takes to_json's rules.
        plan = self._plans.get(id(schema))
        if plan is None or plan[0] is not schema:
            if len(self._plans) > 1000:  # schemas made per record: keep the memory bounded
                self._plans.clear()
            fields = tuple(
                (f.name, f.schema, _PLAIN.get(f.schema.type) if f.schema.name is None else None)
                for f in schema.fields
            )
            plan = self._plans[id(schema)] = (schema, fields)
        out = {}
        for name, field_schema, plain in plan[1]:
            item = value.get(name)
            out[name] = (
                item if plain is not None and type(item) is plain else self.to_json(field_schema, item)
            )
        return out

    def from_json(self, schema: Schema, value: Any) -> Any:
        if value is None:
            if schema.default is not None and self.replace_null:
                return schema.default
            if not schema.optional:
                raise DataError(f"Invalid null value for required {schema.type.value.upper()} field")
            return None
        if schema.name in KINDS:
            return logical_from_json(schema, value)
        match schema.type:
            case SchemaType.BYTES:
                try:
                    return base64.b64decode(value, validate=True)
                except (ValueError, TypeError, binascii.Error) as exc:
                    raise DataError("Invalid bytes field") from exc
            case SchemaType.STRUCT:
                if not isinstance(value, dict):
                    raise DataError(
                        f"Structs should be encoded as JSON objects, but found {node_type(value)}"
                    )
                return {f.name: self.from_json(f.schema, value.get(f.name)) for f in schema.fields}
            case SchemaType.ARRAY:
                if not isinstance(value, list):
                    raise DataError(f"Invalid JSON for ARRAY schema: expected an array, saw {value!r}")
                if schema.value_schema is None:
                    return _as_floats(value)
                return [self.from_json(schema.value_schema, v) for v in value]
            case SchemaType.MAP:
                return self._map_from_json(schema, value)
            case _:
                if (
                    schema.type in _FLOAT_TYPES
                    and isinstance(value, Decimal | int)
                    and not isinstance(value, bool)
                ):
                    return float(value)
                _check_primitive(schema, value, writing=False)
                return value

    def _map_from_json(self, schema: Schema, value: Any) -> dict[Any, Any]:
        keys, values = schema.key_schema, schema.value_schema
        if keys is None or values is None:
            return _as_floats(value) if isinstance(value, dict) else dict(_as_floats(value))
        if keys.type is SchemaType.STRING:
            if not isinstance(value, dict):
                found = node_type(value)
                raise DataError(
                    f"Maps with string fields should be encoded as JSON objects, but found {found}"
                )
            return {k: self.from_json(values, v) for k, v in value.items()}
        if not isinstance(value, list):
            raise DataError(
                "Maps with non-string fields should be encoded as JSON array of tuples, but found "
                + node_type(value)
            )
        result: dict[Any, Any] = {}
        for entry in value:
            if not isinstance(entry, list):
                raise DataError(f"Found invalid map entry instead of array tuple: {node_type(entry)}")
            if len(entry) != 2:
                raise DataError(f"Found invalid map entry, expected length 2 but found :{len(entry)}")
            result[self.from_json(keys, entry[0])] = self.from_json(values, entry[1])
        return result

    def schema_to_json(self, schema: Schema) -> dict[str, Any]:
        """Kafka's JSON form of a schema (its keys in Kafka's order)."""
        out: dict[str, Any] = {"type": _JSON_TYPE_NAMES.get(schema.type, schema.type.value)}
        if schema.type is SchemaType.STRUCT:
            out["fields"] = [{**self.schema_to_json(f.schema), "field": f.name} for f in schema.fields]
        elif schema.type is SchemaType.ARRAY and schema.value_schema is not None:
            out["items"] = self.schema_to_json(schema.value_schema)
        elif schema.type is SchemaType.MAP and schema.key_schema and schema.value_schema:
            out["keys"] = self.schema_to_json(schema.key_schema)
            out["values"] = self.schema_to_json(schema.value_schema)
        out["optional"] = schema.optional
        if schema.name is not None:
            out["name"] = schema.name
        if schema.version is not None:
            out["version"] = schema.version
        if schema.doc is not None:
            out["doc"] = schema.doc
        if schema.parameters:
            out["parameters"] = dict(schema.parameters)
        if schema.default is not None:
            out["default"] = self.to_json(schema, schema.default)
        return out

    def schema_from_json(self, doc: Any) -> Schema:
        type_name = doc.get("type") if isinstance(doc, dict) else None
        if not isinstance(type_name, str):
            raise DataError("Schema must contain 'type' field")
        type_ = _TYPES_BY_JSON_NAME.get(type_name)
        if type_ is None:
            raise DataError(f"Unknown schema type: {type_name}")
        parameters = doc.get("parameters")
        if isinstance(parameters, dict) and not all(isinstance(v, str) for v in parameters.values()):
            raise DataError("Schema parameters must have string values.")
        version = doc.get("version")
        kwargs: dict[str, Any] = {
            "optional": doc.get("optional") is True,
            "name": doc["name"] if isinstance(doc.get("name"), str) else None,
            "version": version if isinstance(version, int) and not isinstance(version, bool) else None,
            "doc": doc["doc"] if isinstance(doc.get("doc"), str) else None,
            "parameters": tuple(sorted(parameters.items())) if isinstance(parameters, dict) else (),
        }
        if type_ is SchemaType.STRUCT:
            fields = doc.get("fields")
            if not isinstance(fields, list):
                raise DataError('Struct schema\'s "fields" argument is not an array.')
            kwargs["fields"] = tuple(self._field_from_json(f) for f in fields)
        elif type_ is SchemaType.ARRAY:
            if doc.get("items") is None:
                raise DataError("Array schema did not specify the element type")
            kwargs["value_schema"] = self.schema_from_json(doc["items"])
        elif type_ is SchemaType.MAP:
            for key, what in (("keys", "key"), ("values", "value")):
                if key not in doc:
                    raise DataError(f"Map schema did not specify the {what} type")
            kwargs["key_schema"] = self.schema_from_json(doc["keys"])
            kwargs["value_schema"] = self.schema_from_json(doc["values"])
        schema = Schema(type_, **kwargs)
        if "default" in doc:  # read as the schema's own type, logical types included
            schema = Schema(type_, **kwargs, default=self.from_json(schema, doc["default"]))
        return schema

    def _field_from_json(self, doc: Any) -> Field:
        name = doc.get("field") if isinstance(doc, dict) else None
        if not isinstance(name, str):
            raise DataError("Struct schema's field name not specified properly")
        return Field(name, self.schema_from_json(doc))


def _encode_exact(value: Any) -> str:
    """Compact JSON writing Decimals as exact numbers (``decimal.format=NUMERIC``)."""
    if isinstance(value, Decimal):
        return str(value)  # the same digits and exponent form as Java's BigDecimal.toString
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{_encode_exact(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_encode_exact(v) for v in value) + "]"
    return json.dumps(value)


# One encoder for every call: json.dumps builds its C encoder again for each call (and with
# non-default arguments a whole JSONEncoder), which costs more than encoding a small record. No
# circular-reference markers (they would be shared between threads): a cycle, which converted
# Connect data cannot have, ends in RecursionError instead of ValueError.
_ENCODE = json.JSONEncoder(separators=_COMPACT).encode
try:
    from json.encoder import c_make_encoder as _make_encoder
except ImportError:  # pragma: no cover - CPython always has it
    _make_encoder = None


def _no_default(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


_C_ENCODE = (
    _make_encoder(None, _no_default, encode_basestring_ascii, None, ":", ",", False, False, True)
    if _make_encoder is not None
    else None
)


def _dumps(tree: Any) -> str:
    """``json.dumps(tree, separators=(",", ":"))``, faster."""
    try:
        if type(tree) is str:
            return encode_basestring_ascii(tree)  # type: ignore[no-any-return]
        if _C_ENCODE is not None:
            return "".join(_C_ENCODE(tree, 0))
        return _ENCODE(tree)
    except TypeError:  # a NUMERIC decimal: only then take the slower exact writer
        return _encode_exact(tree)


def _freeze(node: Any) -> Hashable:
    """A cache key for a parsed JSON schema: equal only for identical JSON (types and scales too)."""
    if isinstance(node, dict):
        return ("o", tuple(sorted((k, _freeze(v)) for k, v in node.items())))
    if isinstance(node, list):
        return ("a", tuple(_freeze(v) for v in node))
    return (type(node).__name__, str(node) if isinstance(node, Decimal) else node)


class _Lru:
    """Kafka's LRU schema caches; a key that cannot be hashed (a dict default) is just not cached."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: OrderedDict[Hashable, Any] = OrderedDict()

    def get(self, key: Any, compute: Callable[[], Any]) -> Any:
        try:
            self.entries.move_to_end(key)
            return self.entries[key]
        except KeyError:
            pass
        except TypeError:
            return compute()
        value = self.entries[key] = compute()
        if len(self.entries) > self.size:
            self.entries.popitem(last=False)
        return value


_JSON_CONFIG: tuple[tuple[Any, ...], ...] = (
    # name, type, default, validator, importance, group, order in group, display name, documentation
    ("schemas.enable", ConfigType.BOOLEAN, True, None, Importance.HIGH, "Schemas", 0, "Enable Schemas",
     "Include schemas within each of the serialized values and keys."),
    ("schemas.cache.size", ConfigType.INT, 1000, None, Importance.HIGH, "Schemas", 1, "Schema Cache Size",
     "The maximum number of schemas that can be cached in this converter instance."),
    ("decimal.format", ConfigType.STRING, "BASE64", ValidString("BASE64", "NUMERIC", case_sensitive=False),
     Importance.LOW, "Serialization", 0, "Decimal Format",
     "Controls which format this converter will serialize decimals in. This value is case insensitive and "
     "can be either 'BASE64' (default) or 'NUMERIC'"),
    ("replace.null.with.default", ConfigType.BOOLEAN, True, None, Importance.LOW, "Serialization", 1,
     "Replace null with default",
     "Whether to replace fields that have a default value and that are null to the default value. When set "
     "to true, the default value is used, otherwise null is used."),
)  # fmt: skip


class JsonConverter(Converter):
    """Kafka's JsonConverter: the ``{"schema": ..., "payload": ...}`` envelope (or plain JSON with
    ``schemas.enable=false``), logical types included: Decimal as base64 of its unscaled bytes or (with
    ``decimal.format=NUMERIC``) a JSON number, Date as days, Time as milliseconds of the day and
    Timestamp as milliseconds since the epoch."""

    aliases = ("org.apache.kafka.connect.json.JsonConverter",)

    @classmethod
    def config_def(cls) -> ConfigDef:
        return ConfigDef(
            ConfigKey(name, type_, default, validator, importance, doc, group, order, Width.MEDIUM, display)
            for name, type_, default, validator, importance, group, order, display, doc in _JSON_CONFIG
        )

    def __init__(self) -> None:
        self.schemas_enable = True
        self._codec = _JsonCodec()
        self._to_json_cache, self._from_json_cache = _Lru(1000), _Lru(1000)

    def configure(self, config: Mapping[str, str], is_key: bool) -> None:
        parsed = self.config_def().parse(config)
        self.schemas_enable = parsed["schemas.enable"]
        numeric = parsed["decimal.format"].upper() == "NUMERIC"
        self._codec = _JsonCodec(numeric, parsed["replace.null.with.default"])
        size = parsed["schemas.cache.size"]
        self._to_json_cache, self._from_json_cache = _Lru(size), _Lru(size)

    def from_connect(self, topic: str, schema: Schema | None, value: Any) -> bytes | None:
        if schema is None and value is None:
            return None
        tree = _plain_json(value) if schema is None else self._codec.to_json(schema, value)
        payload = _dumps(tree)
        if not self.schemas_enable:
            return payload.encode()
        if schema is None:
            schema_json = "null"
        else:
            schema_json = self._to_json_cache.get(schema, lambda: _dumps(self._codec.schema_to_json(schema)))
        return f'{{"schema":{schema_json},"payload":{payload}}}'.encode()

    def from_connect_batch(
        self, topic: str, schema: Schema | None, values: Sequence[Any]
    ) -> list[bytes | None]:
        if schema is None:
            return super().from_connect_batch(topic, schema, values)
        payloads = json_texts(schema, values)
        if payloads is None:
            trees = self._codec.to_json_batch(schema, values)
            if trees is None:  # nulls or values to check one by one
                return super().from_connect_batch(topic, schema, values)
            payloads = list(map(_dumps, trees))
        if not self.schemas_enable:
            return list(map(str.encode, payloads))
        schema_json = self._to_json_cache.get(schema, lambda: _dumps(self._codec.schema_to_json(schema)))
        head = f'{{"schema":{schema_json},"payload":'
        return [f"{head}{payload}}}".encode() for payload in payloads]

    def to_connect(self, topic: str, data: bytes | None) -> SchemaAndValue:
        if data is None:
            return SchemaAndValue(None, None)
        try:
            # Exact decimals when a schema may say Decimal; plain floats otherwise.
            doc = json.loads(data, parse_float=Decimal) if self.schemas_enable else json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise DataError(
                "Converting byte[] to Kafka Connect data failed due to serialization error of topic "
                f"{topic}: {exc}"
            ) from None
        if not self.schemas_enable:
            return SchemaAndValue(None, doc)
        if not isinstance(doc, dict) or set(doc) != {"schema", "payload"}:
            raise DataError(_ENVELOPE_ERROR)
        if doc["schema"] is None:
            return SchemaAndValue(None, _as_floats(doc["payload"]))
        compute = lambda: self._codec.schema_from_json(doc["schema"])  # noqa: E731
        schema = self._from_json_cache.get(_freeze(doc["schema"]), compute)
        return SchemaAndValue(schema, self._codec.from_json(schema, doc["payload"]))
