"""MaskField$Key / MaskField$Value: replace fields with a null-like value or a fixed replacement.

The default masks are Kafka's, chosen by the value's type: 0, 0.0, false, "", an empty list or map,
Decimal 0 and the epoch for Date/Time/Timestamp. ``replacement`` is parsed for the field's type the
way Kafka's ``Values.convertTo*`` does (``12.7`` masks an int8 field as 12, ``300`` as 44); strings
take it as is; other types cannot take a replacement. With ``field.syntax.version=V2`` a field may
be a nested path (``customer.ssn``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, TypeAlias

from connectd.api.config import ConfigDef, ConfigType, Importance
from connectd.api.errors import ConfigError, DataError
from connectd.api.schema import DECIMAL_LOGICAL_NAME, DECIMAL_SCALE_PARAMETER, Schema, SchemaType
from connectd.api.transforms import R
from connectd.transforms.builtin import SidedTransformation
from connectd.transforms.cast import decimal_long_value, java_class, to_float32, wrap
from connectd.transforms.field_path import (
    REPLACE_NULL_WITH_DEFAULT,
    FieldPath,
    define_field_syntax,
    define_replace_null_with_default,
    field_value,
    non_empty_list,
    require_map,
    require_struct,
    syntax_version,
)
from connectd.transforms.sides import KeySide, ValueSide

FIELDS_CONFIG = "fields"
REPLACEMENT_CONFIG = "replacement"
_REPLACEMENT_DOC = (
    "Custom value replacement, that will be applied to all 'fields' values (numeric or non-empty string "
    "values only)."
)
_PURPOSE = "mask fields"
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_BIG_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")  # Java's BigDecimal(String)
_INT_BITS = {SchemaType.INT8: 8, SchemaType.INT16: 16, SchemaType.INT32: 32}

# A map of fields to mask: a step maps to True (mask it) or to the fields to mask inside it.
_Tree: TypeAlias = dict[str, "bool | _Tree"]


def _non_empty_string(name: str, value: Any) -> None:
    if value is not None and value == "":  # null is fine: there is no replacement
        raise ConfigError(name, value, "String must be non-empty")


def _big_decimal(text: str) -> Decimal | None:
    return Decimal(text) if _BIG_DECIMAL.fullmatch(text) else None


def _not_a_number(text: str) -> DataError:
    return DataError(f"Unable to convert {text} (class java.lang.String) to a number")


def _replacement_for(value: Any, schema: Schema | None, replacement: str) -> Any:
    """``replacement`` converted to the Java type of ``value`` (Kafka's REPLACEMENT_MAPPING_FUNC)."""
    if isinstance(value, str):
        return replacement
    if isinstance(value, Decimal):
        number = _big_decimal(replacement)
        if number is None:  # BigDecimal's own NumberFormatException, worded by MaskField
            raise DataError(f"Unable to convert {replacement} (class java.lang.String) to number")
        return number
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = _big_decimal(replacement)
        if number is None:
            raise _not_a_number(replacement)
        if isinstance(value, float):
            as_double = float(number)
            float32 = schema is not None and schema.type is SchemaType.FLOAT32
            return to_float32(as_double) if float32 else as_double
        bits = _INT_BITS.get(schema.type, 64) if schema is not None else 64
        return wrap(decimal_long_value(number), bits)
    raise DataError(f"Cannot mask value of type {java_class(value, schema)} with custom replacement.")


def _null_mask(value: Any, schema: Schema | None) -> Any:
    """The type's "null" value, as Kafka's PRIMITIVE_VALUE_MAPPING, or an empty list or map."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return 0
    if isinstance(value, float):
        return 0.0
    if isinstance(value, str):
        return ""
    if isinstance(value, Decimal):
        # Kafka uses BigDecimal.ZERO; connectd keeps the schema's scale so the Decimal still encodes.
        if schema is not None and schema.name == DECIMAL_LOGICAL_NAME:
            return Decimal(0).scaleb(-int(dict(schema.parameters).get(DECIMAL_SCALE_PARAMETER, "0")))
        return Decimal(0)
    if isinstance(value, dt.datetime):
        return _EPOCH
    if isinstance(value, dt.date):
        return _EPOCH.date()
    if isinstance(value, dt.time):
        return dt.time(0)
    if isinstance(value, list | tuple):
        return []
    if isinstance(value, Mapping) and (schema is None or schema.type is not SchemaType.STRUCT):
        return {}
    raise DataError(f"Cannot mask value of type: {java_class(value, schema)}")


class MaskFieldBase(SidedTransformation):
    """Mask specified fields with a valid null value for the field type."""

    @classmethod
    def config_def(cls) -> ConfigDef:
        definition = (
            ConfigDef()
            .define(
                FIELDS_CONFIG,
                ConfigType.LIST,
                validator=non_empty_list,
                importance=Importance.HIGH,
                documentation="Names of fields to mask.",
            )
            .define(
                REPLACEMENT_CONFIG,
                ConfigType.STRING,
                None,
                validator=_non_empty_string,
                importance=Importance.LOW,
                documentation=_REPLACEMENT_DOC,
            )
        )
        return define_field_syntax(define_replace_null_with_default(definition))

    def configure(self, config: Mapping[str, str]) -> None:
        parsed = self.config_def().parse(config)
        version = syntax_version(parsed)
        self._tree: _Tree = {}
        for text in parsed[FIELDS_CONFIG]:
            steps = FieldPath.parse(text, version, FIELDS_CONFIG).steps or ("",)  # "" names the field ""
            node = self._tree
            for step in steps[:-1]:
                child = node.get(step)
                if child is True:  # the whole field is masked already
                    break
                if not isinstance(child, dict):
                    child = node[step] = {}
                node = child
            else:
                node[steps[-1]] = True  # masking a whole field replaces masks inside it
        self._replacement: str | None = parsed[REPLACEMENT_CONFIG]
        self._with_default: bool = parsed[REPLACE_NULL_WITH_DEFAULT]

    def apply(self, record: R) -> R:
        schema, value = self.side.schema(record), self.side.value(record)
        if schema is None:
            return self.side.replace(record, None, self._mask_map(require_map(value, _PURPOSE), self._tree))
        struct_value = require_struct(value, schema, _PURPOSE)
        return self.side.replace(record, schema, self._mask_struct(struct_value, schema, self._tree))

    def _masked(self, value: Any, schema: Schema | None) -> Any:
        if value is None:
            return None
        if self._replacement is None:
            return _null_mask(value, schema)
        return _replacement_for(value, schema, self._replacement)

    def _mask_map(self, value: Mapping[str, Any], tree: _Tree) -> dict[str, Any]:
        updated = dict(value)
        for name, spec in tree.items():
            if spec is True:
                updated[name] = self._masked(value.get(name), None)  # an absent field becomes null
            elif isinstance(spec, dict) and value.get(name) is not None:
                updated[name] = self._mask_map(require_map(value[name], _PURPOSE), spec)
        return updated

    def _mask_struct(self, value: Mapping[str, Any], schema: Schema, tree: _Tree) -> dict[str, Any]:
        updated: dict[str, Any] = {}
        for field in schema.fields:
            item = field_value(value, field, self._with_default)
            spec = tree.get(field.name)
            if spec is True:
                item = self._masked(item, field.schema)
            elif isinstance(spec, dict) and item is not None:
                item = self._mask_struct(require_struct(item, field.schema, _PURPOSE), field.schema, spec)
            updated[field.name] = item
        return updated


class MaskFieldKey(KeySide, MaskFieldBase):
    """MaskField$Key: masks fields of the record key."""

    aliases = ("org.apache.kafka.connect.transforms.MaskField$Key",)


class MaskFieldValue(ValueSide, MaskFieldBase):
    """MaskField$Value: masks fields of the record value."""

    aliases = ("org.apache.kafka.connect.transforms.MaskField$Value",)
