"""The ``$Key`` and ``$Value`` variants of an SMT: which half of the record it works on."""

from __future__ import annotations

from enum import Enum
from typing import Any

from connectd.api.records import SinkRecord, SourceRecord
from connectd.api.schema import Schema
from connectd.api.transforms import R, new_record


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


class KeySide:
    """Mixin: the ``$Key`` variant."""

    side = Side.KEY


class ValueSide:
    """Mixin: the ``$Value`` variant."""

    side = Side.VALUE
