"""The ``$Key`` and ``$Value`` variants of an SMT: which half of the record it works on."""

from __future__ import annotations

from collections import deque
from enum import Enum
from itertools import repeat
from operator import attrgetter, is_not
from typing import Any

from connectd.api.records import SinkRecord, SourceRecord
from connectd.api.schema import Schema
from connectd.api.transforms import R, new_record

_drain = deque(maxlen=0).extend  # runs an iterator to its end in C


class Side(Enum):
    KEY = "key"
    VALUE = "value"

    def schema(self, record: R) -> Schema | None:
        return record.key_schema if self is Side.KEY else record.value_schema

    def value(self, record: R) -> Any:
        return record.key if self is Side.KEY else record.value

    def replace(self, record: R, schema: Schema | None, value: Any) -> R:
        """A copy of ``record`` with this side's schema and value replaced."""
        # Once per record and SMT: explicit constructors, the cheapest copy there is.
        r: Any = record
        if type(r) is SinkRecord:
            if self is Side.VALUE:
                return SinkRecord(  # type: ignore[return-value]
                    r.topic, r.partition, r.offset, value, r.key, r.key_schema, schema, r.timestamp, r.headers
                )
            return SinkRecord(  # type: ignore[return-value]
                r.topic, r.partition, r.offset, r.value, value, schema, r.value_schema, r.timestamp, r.headers
            )
        if type(r) is SourceRecord:
            if self is Side.VALUE:
                return SourceRecord(  # type: ignore[return-value]
                    r.topic, value, r.key, r.source_partition, r.source_offset, r.partition, r.key_schema,
                    schema, r.timestamp, r.headers,
                )  # fmt: skip
            return SourceRecord(  # type: ignore[return-value]
                r.topic, r.value, value, r.source_partition, r.source_offset, r.partition, schema,
                r.value_schema, r.timestamp, r.headers,
            )  # fmt: skip
        if self is Side.KEY:
            return new_record(record, key_schema=schema, key=value)
        return new_record(record, value_schema=schema, value=value)

    # --- batches: the runtime's record pipeline transforms a whole batch per stage -------------------

    def values(self, records: list[R]) -> list[Any]:
        return list(map(_GETTERS[self][0], records))

    def schemas(self, records: list[R]) -> list[Schema | None]:
        return list(map(_GETTERS[self][1], records))

    def struct_values(self, records: list[R], schema: Schema | None) -> list[dict[str, Any]] | None:
        """This side's values when every record of a non-empty batch has exactly ``schema`` (the struct
        schema an SMT's ``apply`` last cached; never None) and a struct value: the case a batch form
        handles at once. None otherwise, and the batch goes through ``apply`` record by record."""
        if not records or schema is None:
            return None
        schemas = self.schemas(records)
        if schemas[0] is not schema or not one_schema(schemas):
            return None
        values = self.values(records)
        return values if all_dicts(values) else None

    def replace_all(self, records: list[R], schema: Schema | None, values: list[Any], owned: bool) -> list[R]:
        """Each record with this side's schema (one for all) and value replaced. ``owned``: the
        records are the runtime's own copies, set in place (the values are new objects; nothing any
        other holder of the records can see changes); otherwise new records."""
        if owned:
            value_name, schema_name = _NAMES[self]
            _drain(map(setattr, records, repeat(value_name), values))
            _drain(map(setattr, records, repeat(schema_name), repeat(schema, len(records))))
            return records
        kinds = set(map(type, records))
        if self is Side.VALUE and kinds == {SourceRecord}:
            rs: Any = records
            return [  # type: ignore[return-value]
                SourceRecord(r.topic, v, r.key, r.source_partition, r.source_offset, r.partition,
                             r.key_schema, schema, r.timestamp, r.headers)
                for r, v in zip(rs, values, strict=True)
            ]  # fmt: skip
        if self is Side.VALUE and kinds == {SinkRecord}:
            rs = records
            return [  # type: ignore[return-value]
                SinkRecord(
                    r.topic, r.partition, r.offset, v, r.key, r.key_schema, schema, r.timestamp, r.headers
                )
                for r, v in zip(rs, values, strict=True)
            ]
        return [self.replace(r, schema, v) for r, v in zip(records, values, strict=True)]


_GETTERS = {
    Side.KEY: (attrgetter("key"), attrgetter("key_schema")),
    Side.VALUE: (attrgetter("value"), attrgetter("value_schema")),
}
_NAMES = {Side.KEY: ("key", "key_schema"), Side.VALUE: ("value", "value_schema")}


def one_schema(schemas: list[Schema | None]) -> bool:
    """Whether every record of a non-empty batch has the first one's schema (or none at all). Identity
    is checked first, in C: a batch sharing one schema object costs next to nothing."""
    return schemas.count(schemas[0]) == len(schemas)


def all_dicts(values: list[Any]) -> bool:
    """Whether every value of a batch is exactly a dict (a struct or a map, never null)."""
    return set(map(type, values)) == {dict}


def any_null(values: list[Any]) -> bool:
    return not all(map(is_not, values, repeat(None)))


class KeySide:
    """Mixin: the ``$Key`` variant."""

    side = Side.KEY


class ValueSide:
    """Mixin: the ``$Value`` variant."""

    side = Side.VALUE
