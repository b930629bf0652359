"""ReplaceField: drop, keep or rename fields (Kafka's ``ReplaceField$Key/$Value``).

``exclude`` drops fields and wins over ``include``, which (when not empty) keeps only the fields it
lists; ``renames`` is a list of ``old:new`` pairs. Both filters name fields as they are before the
renames. A null key/value passes through unchanged.

With ``field.syntax.version=V2`` every name is a path (KIP-821):

* ``exclude=a.b`` drops field ``b`` of struct/map ``a``;
* ``include=a.b`` keeps ``a`` holding only ``b`` (and, with other includes, only what they list);
  an included field keeps all of its content, except what ``exclude`` drops below it;
* ``renames=a.b:c`` renames ``a.b`` to ``a.c``: the new name stays within the same parent, so it
  may be written as a plain name or as the full path (``a.b:a.c``); moving a field to another
  parent is refused.

A path through something that is not a struct/map (or a missing field) changes nothing, as Kafka
ignores configured names that a record lacks. ``blacklist``/``whitelist``, which Kafka 4.0 removed,
are still read as the deprecated names of ``exclude``/``include`` (Kafka 3.x behaviour) so that
older configurations keep their meaning instead of silently filtering nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from connectd.api.config import ConfigDef, ConfigType, Importance
from connectd.api.errors import ConfigError
from connectd.api.schema import Field, Schema, SchemaType
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
    duplicate_field,
    field_value,
    java_list,
    require_map,
    require_struct,
    syntax_version,
)
from connectd.transforms.sides import KeySide, ValueSide

log = logging.getLogger(__name__)

EXCLUDE = "exclude"
INCLUDE = "include"
RENAMES = "renames"
PURPOSE = "field replacement"
# Kafka 3.x's deprecated names: (new key, old key).
_DEPRECATED = ((EXCLUDE, "blacklist"), (INCLUDE, "whitelist"))


def parse_rename_mappings(mappings: list[str]) -> list[tuple[str, str]]:
    """``old:new`` pairs, split as Java's ``String.split(":")`` does (trailing empty parts dropped)."""
    pairs: list[tuple[str, str]] = []
    for mapping in mappings:
        parts = mapping.split(":")
        while parts and parts[-1] == "":
            parts.pop()
        if len(parts) != 2:
            raise ConfigError(RENAMES, java_list(mappings), f"Invalid rename mapping: {mapping}")
        pairs.append((parts[0], parts[1]))
    return pairs


def _validate_renames(name: str, value: Any) -> None:
    parse_rename_mappings(list(value or []))


@dataclass(slots=True)
class _Rule:
    """What the config says about one field, and about the fields below it (V2)."""

    children: dict[Any, _Rule] = field(default_factory=dict)
    excluded: bool = False
    included: bool = False
    rename: str | None = None
    includes_below: bool = False

    def at(self, path: FieldPath) -> _Rule:
        node = self
        for step in path.steps or ("",):
            node = node.children.setdefault(step, _Rule())
        return node


def _keep(rule: _Rule | None, filtering: bool) -> bool:
    if rule is not None and rule.excluded:
        return False
    return not filtering or (rule is not None and (rule.included or rule.includes_below))


def _filtering_below(rule: _Rule, filtering: bool) -> bool:
    """An included field keeps everything under it; a field kept for what it holds is filtered."""
    return filtering and not rule.included


class ReplaceField(SidedTransformation):
    """The shared half of ``$Key`` and ``$Value``: ``side`` picks which part of the record."""

    fresh_records = True

    @classmethod
    def config_def(cls) -> ConfigDef:
        definition = (
            ConfigDef()
            .define(
                EXCLUDE,
                ConfigType.LIST,
                [],
                importance=Importance.MEDIUM,
                documentation="Fields to drop; takes precedence over include.",
            )
            .define(
                INCLUDE,
                ConfigType.LIST,
                [],
                importance=Importance.MEDIUM,
                documentation="Fields to keep; when set, every other field is dropped.",
            )
            .define(
                RENAMES,
                ConfigType.LIST,
                [],
                validator=_validate_renames,
                importance=Importance.MEDIUM,
                documentation="Renames, as old:new pairs, e.g. foo:bar,abc:xyz.",
            )
        )
        return define_field_syntax(define_replace_null_with_default(definition))

    def configure(self, config: Mapping[str, str]) -> None:
        parsed = self.config_def().parse(_translate_deprecated(config))
        version = syntax_version(parsed)
        self._root = _Rule()
        for text in parsed[EXCLUDE]:
            self._root.at(FieldPath.parse(text, version, EXCLUDE)).excluded = True
        for text in parsed[INCLUDE]:
            path = FieldPath.parse(text, version, INCLUDE)
            self._root.at(path).included = True
            node = self._root
            for step in path.parent:
                node = node.children[step]
                node.includes_below = True
        for old, new in parse_rename_mappings(parsed[RENAMES]):
            path = FieldPath.parse(old, version, RENAMES)
            self._root.at(path).rename = _rename_target(path, new, version, f"{old}:{new}")
        self._filtering = bool(parsed[INCLUDE])
        self._with_default: bool = parsed[REPLACE_NULL_WITH_DEFAULT]
        self._cache = SchemaCache()
        # Rules at the root only: a record of an already seen schema takes a shortcut.
        self._flat = not any(child.children for child in self._root.children.values())
        self._last_schema: Schema | None = None
        self._last_updated: Schema | None = None
        self._plan: tuple[tuple[str, str, Any], ...] = ()

    def apply(self, record: R) -> R:
        value = self.side.value(record)
        if value is None:
            return record
        schema = self.side.schema(record)
        if schema is None:
            return self.side.replace(
                record, None, self._map(require_map(value, PURPOSE), self._root, self._filtering)
            )
        if schema is self._last_schema and type(value) is dict:
            # The common case: root-level rules and the same schema as the last record.
            with_default = self._with_default
            updated: dict[str, Any] = {}
            for old, new, default in self._plan:
                item = value.get(old)
                updated[new] = default if item is None and with_default else item
            return self.side.replace(record, self._last_updated, updated)
        struct = require_struct(value, schema, PURPOSE)
        updated_schema = self._cache.get(schema, self._root_schema)
        if self._flat:
            self._last_schema, self._last_updated = schema, updated_schema
            self._plan = tuple(
                (f.name, c.rename if c is not None and c.rename is not None else f.name, f.schema.default)
                for f in schema.fields
                if _keep(c := self._root.children.get(f.name), self._filtering)
            )
        return self.side.replace(
            record, updated_schema, self._struct(struct, schema, self._root, self._filtering)
        )

    def apply_batch(self, records: list[R], owned: bool = False) -> list[R | None]:
        side = self.side
        # The batch form of apply's common case: root-level rules, a known schema, no defaults.
        values = side.struct_values(records, self._last_schema)
        defaults = self._with_default and any(default is not None for _, _, default in self._plan)
        if values is None or defaults:
            return list(map(self.apply, records))
        renames = [(old, new) for old, new, _ in self._plan]
        updated = [{new: v.get(old) for old, new in renames} for v in values]
        return side.replace_all(records, self._last_updated, updated, owned)  # type: ignore[return-value]

    # --- schemaless ------------------------------------------------------------------------------

    def _map(self, value: Mapping[Any, Any], rule: _Rule, filtering: bool) -> dict[Any, Any]:
        updated: dict[Any, Any] = {}
        for name, item in value.items():
            child = rule.children.get(name)
            if not _keep(child, filtering):
                continue
            if child is not None and child.children and isinstance(item, Mapping):
                item = self._map(item, child, _filtering_below(child, filtering))
            updated[child.rename if child is not None and child.rename is not None else name] = item
        return updated

    # --- with a schema ---------------------------------------------------------------------------

    def _root_schema(self, schema: Schema) -> Schema:
        return copy_schema_basics(schema, self._fields(schema, self._root, self._filtering))

    def _fields(self, schema: Schema, rule: _Rule, filtering: bool) -> list[Field]:
        fields: list[Field] = []
        for f in schema.fields:
            child = rule.children.get(f.name)
            if not _keep(child, filtering):
                continue
            field_schema = f.schema
            if child is not None and child.children and field_schema.type is SchemaType.STRUCT:
                field_schema = self._nested_schema(field_schema, child, _filtering_below(child, filtering))
            name = child.rename if child is not None and child.rename is not None else f.name
            if any(existing.name == name for existing in fields):
                raise duplicate_field(name)
            fields.append(Field(name, field_schema))
        return fields

    def _nested_schema(self, schema: Schema, rule: _Rule, filtering: bool) -> Schema:
        # A nested struct keeps its optionality (its value may be null); its default is reshaped too.
        default = schema.default
        if default is not None:
            default = self._struct(default, schema, rule, filtering)
        return replace(schema, fields=tuple(self._fields(schema, rule, filtering)), default=default)

    def _struct(
        self, value: Mapping[str, Any], schema: Schema, rule: _Rule, filtering: bool
    ) -> dict[str, Any]:
        updated: dict[str, Any] = {}
        for f in schema.fields:
            child = rule.children.get(f.name)
            if not _keep(child, filtering):
                continue
            item = field_value(value, f, self._with_default)
            if (
                child is not None
                and child.children
                and f.schema.type is SchemaType.STRUCT
                and item is not None
            ):
                item = self._struct(item, f.schema, child, _filtering_below(child, filtering))
            updated[child.rename if child is not None and child.rename is not None else f.name] = item
        return updated


def _rename_target(old: FieldPath, new: str, version: FieldSyntaxVersion, mapping: str) -> str:
    """The new name of ``old``: with V2 a plain name, or a path under the same parent."""
    if version is FieldSyntaxVersion.V1:
        return new
    target = FieldPath.parse(new, version, RENAMES)
    if len(target.steps) <= 1:
        return target.name
    if target.parent != old.parent:
        raise ConfigError(
            RENAMES,
            mapping,
            f"Invalid rename mapping: {mapping}, a field can only be renamed within its parent",
        )
    return target.name


def _translate_deprecated(config: Mapping[str, str]) -> Mapping[str, str]:
    """Kafka 3.x's ``translateDeprecatedConfigs`` for blacklist/whitelist."""
    if not any(old in config for _, old in _DEPRECATED):
        return config
    translated = {k: v for k, v in config.items() if k not in {old for _, old in _DEPRECATED}}
    for new, old in _DEPRECATED:
        if old not in config:
            continue
        if new in config:
            log.error(
                "%s was configured, as well as the deprecated alias %s. Using the value of %s", new, old, new
            )
        else:
            log.warning(
                "Configuration key %s is deprecated and may be removed in the future. Use %s instead.",
                old,
                new,
            )
            translated[new] = config[old]
    return translated


class ReplaceFieldKey(KeySide, ReplaceField):
    """Drops, keeps or renames fields of the record key."""

    aliases = ("org.apache.kafka.connect.transforms.ReplaceField$Key",)


class ReplaceFieldValue(ValueSide, ReplaceField):
    """Drops, keeps or renames fields of the record value."""

    aliases = ("org.apache.kafka.connect.transforms.ReplaceField$Value",)
