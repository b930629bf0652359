"""The built-in converters: String, ByteArray and JSON (with Kafka's schema envelope)."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from connectd.api.config import ConfigDef, ConfigType, Importance, ValidString
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


_ENVELOPE_ERROR = (
    'JsonConverter with schemas.enable requires "schema" and "payload" fields and may not contain additional '
    "fields. If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter "
    "configuration."
)
_INT_TYPES = {SchemaType.INT8, SchemaType.INT16, SchemaType.INT32, SchemaType.INT64}
_FLOAT_TYPES = {SchemaType.FLOAT32, SchemaType.FLOAT64}


def schema_to_json(schema: Schema) -> dict[str, Any]:
    """Kafka's JSON form of a schema."""
    out: dict[str, Any] = {"type": schema.type.value}
    if schema.type is SchemaType.STRUCT:
        out["fields"] = [{**schema_to_json(f.schema), "field": f.name} for f in schema.fields]
    elif schema.type is SchemaType.ARRAY and schema.value_schema is not None:
        out["items"] = schema_to_json(schema.value_schema)
    elif schema.type is SchemaType.MAP and schema.key_schema and schema.value_schema:
        out["keys"] = schema_to_json(schema.key_schema)
        out["values"] = schema_to_json(schema.value_schema)
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
        out["default"] = _value_to_json(schema, schema.default)
    return out


def schema_from_json(doc: Any) -> Schema:
    if not isinstance(doc, dict) or "type" not in doc:
        raise DataError(f"Schema must be an object with a type field, saw {doc!r}")
    try:
        type_ = SchemaType(doc["type"])
    except ValueError:
        raise DataError(f"Unknown schema type: {doc['type']!r}") from None
    kwargs: dict[str, Any] = {
        "optional": bool(doc.get("optional", False)),
        "name": doc.get("name"),
        "version": doc.get("version"),
        "doc": doc.get("doc"),
        "parameters": tuple(sorted((doc.get("parameters") or {}).items())),
    }
    if type_ is SchemaType.STRUCT:
        kwargs["fields"] = tuple(Field(f["field"], schema_from_json(f)) for f in doc.get("fields", []))
    elif type_ is SchemaType.ARRAY:
        kwargs["value_schema"] = schema_from_json(doc.get("items"))
    elif type_ is SchemaType.MAP:
        kwargs["key_schema"] = schema_from_json(doc.get("keys"))
        kwargs["value_schema"] = schema_from_json(doc.get("values"))
    schema = Schema(type_, **kwargs)
    if doc.get("default") is not None:
        schema = Schema(type_, **kwargs, default=_value_from_json(schema, doc["default"]))
    return schema


def _plain_json(value: Any) -> Any:
    """Values without a schema: bytes become base64, containers are walked."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {str(k): _plain_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain_json(v) for v in value]
    return value


def _value_to_json(schema: Schema, value: Any) -> Any:
    if value is None:
        if schema.default is not None:
            return _value_to_json(schema, schema.default)
        if not schema.optional:
            raise DataError(
                "Conversion error: null value for field that is required and has no default value"
            )
        return None
    match schema.type:
        case SchemaType.BYTES:
            if not isinstance(value, bytes | bytearray):
                raise DataError(f"Expected bytes for a BYTES schema, saw {type(value).__name__}")
            return base64.b64encode(value).decode()
        case SchemaType.STRUCT:
            if not isinstance(value, Mapping):
                raise DataError(f"Expected a dict for a STRUCT schema, saw {type(value).__name__}")
            return {f.name: _value_to_json(f.schema, value.get(f.name)) for f in schema.fields}
        case SchemaType.ARRAY:
            assert schema.value_schema is not None
            return [_value_to_json(schema.value_schema, v) for v in value]
        case SchemaType.MAP:
            assert schema.key_schema is not None and schema.value_schema is not None
            if schema.key_schema.type is SchemaType.STRING:
                return {k: _value_to_json(schema.value_schema, v) for k, v in value.items()}
            return [
                [_value_to_json(schema.key_schema, k), _value_to_json(schema.value_schema, v)]
                for k, v in value.items()
            ]
        case _:
            _check_primitive(schema, value)
            return value


def _check_primitive(schema: Schema, value: Any) -> None:
    type_ = schema.type
    ok = (
        (type_ in _INT_TYPES and isinstance(value, int) and not isinstance(value, bool))
        or (type_ in _FLOAT_TYPES and isinstance(value, int | float) and not isinstance(value, bool))
        or (type_ is SchemaType.BOOLEAN and isinstance(value, bool))
        or (type_ is SchemaType.STRING and isinstance(value, str))
    )
    if not ok:
        raise DataError(f"Invalid JSON for {type_.value.upper()} schema: {value!r} ({type(value).__name__})")


def _value_from_json(schema: Schema, value: Any) -> Any:
    if value is None:
        if schema.default is not None:
            return schema.default
        if not schema.optional:
            raise DataError(f"Invalid null value for required {schema.type.value.upper()} field")
        return None
    match schema.type:
        case SchemaType.BYTES:
            try:
                return base64.b64decode(value, validate=True)
            except (ValueError, TypeError):
                raise DataError(f"Invalid base64 for a BYTES schema: {value!r}") from None
        case SchemaType.STRUCT:
            if not isinstance(value, dict):
                raise DataError(f"Invalid JSON for STRUCT schema: expected an object, saw {value!r}")
            return {f.name: _value_from_json(f.schema, value.get(f.name)) for f in schema.fields}
        case SchemaType.ARRAY:
            if not isinstance(value, list):
                raise DataError(f"Invalid JSON for ARRAY schema: expected an array, saw {value!r}")
            assert schema.value_schema is not None
            return [_value_from_json(schema.value_schema, v) for v in value]
        case SchemaType.MAP:
            assert schema.key_schema is not None and schema.value_schema is not None
            if isinstance(value, dict):
                return {k: _value_from_json(schema.value_schema, v) for k, v in value.items()}
            if isinstance(value, list):
                return {
                    _value_from_json(schema.key_schema, k): _value_from_json(schema.value_schema, v)
                    for k, v in value
                }
            raise DataError(f"Invalid JSON for MAP schema: {value!r}")
        case _:
            if schema.type in _FLOAT_TYPES and isinstance(value, int) and not isinstance(value, bool):
                return float(value)
            _check_primitive(schema, value)
            return value


class JsonConverter(Converter):
    aliases = ("org.apache.kafka.connect.json.JsonConverter",)

    @classmethod
    def config_def(cls) -> ConfigDef:
        return (
            ConfigDef()
            .define(
                "schemas.enable",
                ConfigType.BOOLEAN,
                True,
                importance=Importance.HIGH,
                documentation="Include schemas within each of the serialized values and keys.",
            )
            .define(
                "schemas.cache.size",
                ConfigType.INT,
                1000,
                importance=Importance.HIGH,
                documentation="The maximum number of schemas that can be cached in this converter.",
            )
            .define(
                "decimal.format",
                ConfigType.STRING,
                "BASE64",
                validator=ValidString("BASE64", "NUMERIC"),
                importance=Importance.LOW,
                documentation="Serialization format of decimals: BASE64 or NUMERIC.",
            )
            .define(
                "replace.null.with.default",
                ConfigType.BOOLEAN,
                True,
                importance=Importance.LOW,
                documentation="Replace null field values with the field's default.",
            )
        )

    def __init__(self) -> None:
        self.schemas_enable = True
        self._schema_json = lru_cache(maxsize=1000)(self._schema_json_uncached)
        self._schema_parse = lru_cache(maxsize=1000)(self._schema_parse_uncached)

    def configure(self, config: Mapping[str, str], is_key: bool) -> None:
        parsed = self.config_def().parse(config)
        self.schemas_enable = parsed["schemas.enable"]
        size = parsed["schemas.cache.size"]
        self._schema_json = lru_cache(maxsize=size)(self._schema_json_uncached)
        self._schema_parse = lru_cache(maxsize=size)(self._schema_parse_uncached)

    @staticmethod
    def _schema_json_uncached(schema: Schema) -> str:
        return json.dumps(schema_to_json(schema), separators=(",", ":"))

    @staticmethod
    def _schema_parse_uncached(text: str) -> Schema:
        return schema_from_json(json.loads(text))

    def from_connect(self, topic: str, schema: Schema | None, value: Any) -> bytes | None:
        if not self.schemas_enable:
            if value is None:
                return None
            payload = _plain_json(value) if schema is None else _value_to_json(schema, value)
            return json.dumps(payload, separators=(",", ":")).encode()
        if schema is None:
            if value is None:
                return None
            return (
                b'{"schema":null,"payload":'
                + json.dumps(_plain_json(value), separators=(",", ":")).encode()
                + b"}"
            )
        payload = json.dumps(_value_to_json(schema, value), separators=(",", ":"))
        return f'{{"schema":{self._schema_json(schema)},"payload":{payload}}}'.encode()

    def to_connect(self, topic: str, data: bytes | None) -> SchemaAndValue:
        if data is None:
            return SchemaAndValue(None, None)
        try:
            doc = json.loads(data)
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
            return SchemaAndValue(None, doc["payload"])
        schema = self._schema_parse(json.dumps(doc["schema"], sort_keys=True))
        return SchemaAndValue(schema, _value_from_json(schema, doc["payload"]))
