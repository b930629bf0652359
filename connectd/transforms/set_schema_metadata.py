"""SetSchemaMetadata: set the name and/or version of the key or value schema (Kafka's
``SetSchemaMetadata$Key/$Value``).

Only the top-level schema changes; its type, optionality, default, doc, parameters, fields and
key/value schemas stay. A struct value is copied field by field, as Kafka rebuilds the Struct on the
renamed schema: with ``replace.null.with.default=true`` (the default) a null field that has a default
becomes that default, with ``false`` it stays null. connectd's struct values are plain dicts that
hold no schema, so nested structs need no rebuilding (Kafka leaves them as they are too).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from connectd.api.config import ConfigDef, ConfigType, Importance
from connectd.api.schema import Schema, SchemaType
from connectd.api.transforms import R
from connectd.transforms.builtin import SidedTransformation
from connectd.transforms.field_path import field_value, plain_config_error, require_schema
from connectd.transforms.hoist_field import null_for_required
from connectd.transforms.sides import KeySide, ValueSide

SCHEMA_NAME = "schema.name"
SCHEMA_VERSION = "schema.version"
REPLACE_NULL_WITH_DEFAULT = "replace.null.with.default"
PURPOSE = "updating schema metadata"


class SetSchemaMetadata(SidedTransformation):
    """Set the schema name, version or both on the record's key (``$Key``) or value (``$Value``)
    schema."""

    @classmethod
    def config_def(cls) -> ConfigDef:
        return (
            ConfigDef()
            .define(
                SCHEMA_NAME,
                ConfigType.STRING,
                None,
                importance=Importance.HIGH,
                documentation="Schema name to set.",
            )
            .define(
                SCHEMA_VERSION,
                ConfigType.INT,
                None,
                importance=Importance.HIGH,
                documentation="Schema version to set.",
            )
            .define(
                REPLACE_NULL_WITH_DEFAULT,
                ConfigType.BOOLEAN,
                True,
                importance=Importance.MEDIUM,
                documentation="Whether to replace fields that have a default value and that are null to the "
                "default value. When set to true, the default value is used, otherwise null is used.",
            )
        )

    def configure(self, config: Mapping[str, str]) -> None:
        parsed = self.config_def().parse(config)
        self._name: str | None = parsed[SCHEMA_NAME]
        self._version: int | None = parsed[SCHEMA_VERSION]
        self._with_default: bool = parsed[REPLACE_NULL_WITH_DEFAULT]
        if self._name is None and self._version is None:
            raise plain_config_error(SCHEMA_NAME, "Neither schema name nor version configured")

    def apply(self, record: R) -> R:
        schema = self.side.schema(record)
        value = self.side.value(record)
        if schema is None and value is None:
            return record
        schema = require_schema(schema, PURPOSE)
        updated = dataclasses.replace(
            schema,
            name=self._name if self._name is not None else schema.name,
            version=self._version if self._version is not None else schema.version,
        )
        return self.side.replace(record, updated, self.update_schema_in(value, updated))

    def update_schema_in(self, value: Any, updated: Schema) -> Any:
        """Kafka's ``updateSchemaIn``: a struct value is copied onto the renamed schema; anything
        else is returned as it is."""
        if updated.type is not SchemaType.STRUCT or not isinstance(value, Mapping):
            return value
        copy: dict[str, Any] = {}
        for field in updated.fields:
            copy[field.name] = field_value(value, field, self._with_default)
            if copy[field.name] is None and not field.schema.optional:
                raise null_for_required(field.name, field.schema)
        return copy


class SetSchemaMetadataKey(KeySide, SetSchemaMetadata):
    """Sets the name and/or version of the key schema."""

    aliases = ("org.apache.kafka.connect.transforms.SetSchemaMetadata$Key",)


class SetSchemaMetadataValue(ValueSide, SetSchemaMetadata):
    """Sets the name and/or version of the value schema."""

    aliases = ("org.apache.kafka.connect.transforms.SetSchemaMetadata$Value",)
