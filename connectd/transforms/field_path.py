"""Field paths of the field-based SMTs (KIP-821), for structs (with a schema) and maps (without).

``field.syntax.version=V1`` (the default) names a field at the root only; ``V2`` walks nested
fields with dots, and a step holding dots is wrapped in backticks (``\\``` escapes a backtick in
front of a dot): ```foo.bar`.baz`` is field ``baz`` of field ``foo.bar``. Kafka reads V2 in
ExtractField only; connectd reads it in every SMT that names fields.

Every update returns new dicts along the path and leaves the input untouched: records are
immutable to transformations. The module also holds what the field SMTs share beyond paths:
Kafka's ``Requirements`` checks, its ``copySchemaBasics``, the updated-schema cache and the
non-empty-list validator.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from connectd.api.config import ConfigDef, ConfigType, Importance, ValidString
from connectd.api.errors import ConfigError, DataError
from connectd.api.records import SinkRecord
from connectd.api.schema import Field, Schema, SchemaType

FIELD_SYNTAX_VERSION = "field.syntax.version"
_SYNTAX_DOC = (
    "Defines the version of the syntax to access fields. If set to `V1`, then the field paths are "
    "limited to access the elements at the root level of the struct or map. If set to `V2`, the syntax "
    "will support accessing nested elements. To access nested elements, dotted notation is used. If dots "
    "are already included in the field name, then backtick pairs can be used to wrap field names "
    'containing dots. E.g. to access the subfield `baz` from a field named "foo.bar" in a struct/map '
    'the following format can be used to access its elements: "`foo.bar`.baz".'
)
REPLACE_NULL_WITH_DEFAULT = "replace.null.with.default"
REPLACE_NULL_WITH_DEFAULT_DOC = (
    "When true, a null field whose schema has a default value is read as that default; when false, "
    "the null is kept."
)


class FieldSyntaxVersion(StrEnum):
    V1 = "V1"
    V2 = "V2"


def define_field_syntax(definition: ConfigDef) -> ConfigDef:
    """Adds ``field.syntax.version`` (V1 or V2, any case) to an SMT's config definition."""
    return definition.define(
        FIELD_SYNTAX_VERSION,
        ConfigType.STRING,
        FieldSyntaxVersion.V1.value,
        validator=ValidString("V1", "V2", case_sensitive=False),
        importance=Importance.HIGH,
        documentation=_SYNTAX_DOC,
    )


def define_replace_null_with_default(definition: ConfigDef) -> ConfigDef:
    """Adds KIP-1040's ``replace.null.with.default`` (boolean, default true)."""
    return definition.define(
        REPLACE_NULL_WITH_DEFAULT,
        ConfigType.BOOLEAN,
        True,
        importance=Importance.MEDIUM,
        documentation=REPLACE_NULL_WITH_DEFAULT_DOC,
    )


def syntax_version(parsed: Mapping[str, Any]) -> FieldSyntaxVersion:
    return FieldSyntaxVersion(str(parsed[FIELD_SYNTAX_VERSION]).upper())


def _type_name(value: object) -> str:
    return "null" if value is None else type(value).__name__


def java_list(values: list[str]) -> str:
    """A list as Kafka prints one in config error messages: ``[a, b]``."""
    return f"[{', '.join(values)}]"


def non_empty_list(name: str, value: Any) -> None:
    """Kafka's ``NonEmptyListValidator``."""
    if value is None or len(value) == 0:
        raise ConfigError(name, "null" if value is None else java_list(value), "Empty list")


def plain_config_error(name: str, message: str) -> ConfigError:
    """A ConfigError that still names ``name`` but reads exactly ``message``, for Kafka's checks
    that span several keys (its message-only ``ConfigException``)."""
    error = ConfigError(name, None, message)
    error.args = (message,)
    return error


def require_schema(schema: Schema | None, purpose: str) -> Schema:
    if schema is None:
        raise DataError(f"Schema required for [{purpose}]")
    return schema


def require_map(value: object, purpose: str) -> Mapping[str, Any]:
    """A schemaless value that must be a map (Kafka's ``Requirements.requireMap``)."""
    if not isinstance(value, Mapping):
        raise DataError(
            f"Only Map objects supported in absence of schema for [{purpose}], found: {_type_name(value)}"
        )
    return value


def require_struct(value: object, schema: Schema, purpose: str) -> Mapping[str, Any]:
    """A value with a schema that must be a struct (Kafka's ``Requirements.requireStruct``)."""
    if schema.type is not SchemaType.STRUCT or not isinstance(value, Mapping):
        raise DataError(f"Only Struct objects supported for [{purpose}], found: {_type_name(value)}")
    return value


def require_sink_record(record: object, purpose: str) -> SinkRecord:
    """Kafka's ``Requirements.requireSinkRecord``: a Kafka offset exists for sink records only."""
    if not isinstance(record, SinkRecord):
        raise DataError(f"Only SinkRecord supported for [{purpose}], found: {_type_name(record)}")
    return record


def field_value(value: Mapping[str, Any], field: Field, with_default: bool) -> Any:
    """A struct field's value: Kafka's ``Struct.get`` (a null reads as the field's default) when
    ``with_default``, else ``getWithoutDefault``."""
    result = value.get(field.name)
    return field.schema.default if result is None and with_default else result


def copy_schema_basics(schema: Schema, fields: list[Field] | tuple[Field, ...]) -> Schema:
    """Kafka's ``SchemaUtil.copySchemaBasics`` onto a new struct: name, version, doc and parameters
    carry over; optionality and the default do not (Kafka's rebuilt root struct is required)."""
    return Schema(
        SchemaType.STRUCT,
        name=schema.name,
        version=schema.version,
        doc=schema.doc,
        parameters=schema.parameters,
        fields=tuple(fields),
    )


def duplicate_field(name: str) -> DataError:
    """Kafka's SchemaBuilder refuses a second field of the same name with this message."""
    return DataError(f"Cannot create field because of field name duplication {name}")


class SchemaCache:
    """The updated schema per input schema (Kafka keeps 16 in an LRU cache): rebuilding a schema
    for every record would be wasteful, and returning the same object lets converters cache too."""

    def __init__(self, size: int = 16) -> None:
        self._size = size
        self._entries: OrderedDict[Schema, Schema] = OrderedDict()
        self._last: tuple[Schema, Schema] | None = None
        self._lock = threading.Lock()

    def get(self, schema: Schema, build: Callable[[Schema], Schema]) -> Schema:
        last = self._last
        if last is not None and last[0] is schema:  # the common case, without hashing the schema
            return last[1]
        try:
            hash(schema)
        except TypeError:  # a default value holding a dict or list: not cacheable
            return build(schema)
        with self._lock:
            found = self._entries.get(schema)
            if found is not None:
                self._entries.move_to_end(schema)
                self._last = (schema, found)
                return found
        built = build(schema)
        with self._lock:
            self._entries[schema] = built
            self._entries.move_to_end(schema)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
            self._last = (schema, built)
        return built

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._last = None


def _split_v2(path: str, key: str) -> tuple[str, ...]:
    steps: list[str] = []
    i = 0
    while 0 <= i < len(path):
        if path[i] != "`":
            dot = path.find(".", i)
            steps.append(path[i:] if dot < 0 else path[i:dot])
            i = -1 if dot < 0 else dot + 1
            continue
        opened, i = i, i + 1
        start, name = i, ""
        while True:
            i = path.find("`", i)
            if i < 0:
                _incomplete_backticks(key, path, opened)
            escaped = path[i - 1] == "\\"
            if i >= len(path) - 1:  # the closing backtick ends the path
                if escaped:
                    _incomplete_backticks(key, path, opened)
                steps.append(name + path[start:i])
                i += 1
                break
            if path[i + 1] != ".":  # a backtick inside the name
                i += 1
                continue
            if escaped:  # "\`." belongs to the name
                name += path[start : i - 1] + "`"
                i += 1
                start = i
                continue
            steps.append(name + path[start:i])
            i += 2
            break
    if path.endswith("."):
        steps.append("")
    return tuple(steps)


def _quote(step: str) -> str:
    """A step wrapped in backticks when it holds a dot or starts with a backtick; inside, a backtick in
    front of a dot gets a backslash so that it does not close the pair."""
    if "." not in step and not step.startswith("`"):
        return step
    return "`" + step.replace("`.", "\\`.") + "`"


def _incomplete_backticks(key: str, path: str, position: int) -> None:
    raise ConfigError(
        key,
        path,
        f"Incomplete backtick pair in path: [{path}], consider adding a backslash before backtick at "
        f"position {position} to escape it",
    )


@dataclass(frozen=True, slots=True)
class FieldPath:
    """One field, as the steps from the root to it. An empty V2 path has no steps (as Kafka parses
    it) and then names the root-level field ``""``."""

    steps: tuple[str, ...]

    @classmethod
    def parse(
        cls, text: str, version: FieldSyntaxVersion = FieldSyntaxVersion.V1, key: str = "field"
    ) -> FieldPath:
        """Raises ConfigError naming ``key`` (the config key that held ``text``) for a bad V2 path."""
        return cls((text,) if version is FieldSyntaxVersion.V1 else _split_v2(text, key))

    @property
    def name(self) -> str:
        """The last step: the field's own name."""
        return self.steps[-1] if self.steps else ""

    @property
    def parent(self) -> tuple[str, ...]:
        return self.steps[:-1]

    def __str__(self) -> str:
        """The path as V2 text that parses back to these steps (a wrapped step cannot end with a
        backslash: Kafka's notation would read it as escaping the closing backtick)."""
        return ".".join(_quote(step) for step in self.steps)

    # --- reading ---------------------------------------------------------------------------------

    def field_from(self, schema: Schema | None) -> Field | None:
        """The field's definition in a struct schema, or None when a step is missing."""
        current = schema
        for step in self.parent:
            found = current.field(step) if current is not None else None
            if found is None:
                return None
            current = found.schema
        return current.field(self.name) if current is not None else None

    def value_from_struct(
        self, value: Mapping[str, Any] | None, schema: Schema, with_default: bool = True
    ) -> Any:
        """The field's value in a struct (None when absent); a null falls back to the field's default
        unless ``with_default`` is False (``replace.null.with.default=false``). Parents on the way
        always read their default, as Kafka's ``Struct.get`` does."""
        current, current_schema = value, schema
        for step in self.parent:
            found = current_schema.field(step)
            if current is None or found is None:
                return None
            current = field_value(current, found, True)
            if current is None:
                return None
            current_schema = found.schema
            require_struct(current, current_schema, "nested field access")
        found = current_schema.field(self.name)
        if current is None or found is None:
            return None
        return field_value(current, found, with_default)

    def value_from_map(self, value: Mapping[str, Any] | None) -> Any:
        current: Any = value
        for step in self.parent:
            if current is None:
                return None
            current = require_map(current, "nested field access").get(step)
        return None if current is None else require_map(current, "nested field access").get(self.name)

    def value_from(self, value: Any, schema: Schema | None, with_default: bool = True) -> Any:
        """Either form: a struct when ``schema`` is set, else a map."""
        if schema is None:
            return self.value_from_map(value)
        return self.value_from_struct(value, schema, with_default)

    # --- updating --------------------------------------------------------------------------------

    def update_map(
        self, value: Mapping[str, Any], change: Callable[[dict[str, Any]], None], create: bool = False
    ) -> dict[str, Any]:
        """A copy of ``value`` where ``change`` edited (in place) the copied map holding the field.

        A parent that is absent is created when ``create``, else the copy comes back unchanged. A
        parent that is present but null stays null (the copy comes back unchanged): filling it in
        would invent the rest of its content."""
        root = dict(value)
        current = root
        for step in self.parent:
            if step not in current and create:
                child: Any = {}
            else:
                child = current.get(step)
                if child is None:
                    return root
            child = dict(require_map(child, "nested field access"))
            current[step] = child
            current = child
        change(current)
        return root

    def update_schema(
        self, schema: Schema, change: Callable[[list[Field]], None], create: bool = False
    ) -> Schema:
        """A copy of a struct schema where ``change`` edited the field list of the struct holding the
        field (parents rebuilt, keeping their optionality, without their defaults, which described the
        old shape). Missing parents are created as optional structs when ``create``."""
        if not self.parent:
            fields = list(schema.fields)
            change(fields)
            return replace(schema, fields=tuple(fields), default=None)
        head, rest = self.parent[0], FieldPath(self.steps[1:])
        found = schema.field(head)
        if found is None:
            if not create:
                return schema
            child = Schema(SchemaType.STRUCT, optional=True)
        else:
            child = found.schema
            if child.type is not SchemaType.STRUCT:
                raise DataError(
                    f"Only Struct objects supported for [nested field access], found: {child.type.value}"
                )
        updated = Field(head, rest.update_schema(child, change, create))
        fields = [updated if f.name == head else f for f in schema.fields]
        if found is None:
            fields.append(updated)
        return replace(schema, fields=tuple(fields), default=None)

    def update_struct(
        self, value: Mapping[str, Any], change: Callable[[dict[str, Any]], None], create: bool = False
    ) -> dict[str, Any]:
        """Like :meth:`update_map`, for a struct value (nulls on the path stay null)."""
        return self.update_map(value, change, create)


def parse_paths(texts: list[str], version: FieldSyntaxVersion, key: str) -> list[FieldPath]:
    return [FieldPath.parse(t, version, key) for t in texts]


def conform(value: Any, schema: Schema) -> Any:
    """A struct value rebuilt for ``schema``: fields it lacks become None, fields the schema lacks
    are dropped. Nested structs are conformed too."""
    if value is None or schema.type is not SchemaType.STRUCT:
        return value
    return {f.name: conform(value.get(f.name), f.schema) for f in schema.fields}
