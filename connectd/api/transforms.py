"""Single message transforms (SMTs) and the predicates that gate them.

A transformation takes one record and returns a new one (or ``None`` to drop it); it never changes
the record it was given, because the runtime may still need the original (the dead letter queue
writes what was consumed). Build the result with :func:`new_record`. A custom SMT is one short
file::

    from connectd.api import ConfigDef, ConfigType, Transformation, new_record

    class UpperCase(Transformation):
        @classmethod
        def config_def(cls):
            return ConfigDef().define("suffix", ConfigType.STRING, "")

        def configure(self, config):
            self.suffix = self.config_def().parse(config)["suffix"]

        def apply(self, record):
            if not isinstance(record.value, str):
                return record
            return new_record(record, value=record.value.upper() + self.suffix)

Configure it as Kafka does: ``transforms=up``, ``transforms.up.type=UpperCase``,
``transforms.up.suffix=!``; optionally ``transforms.up.predicate=<alias>`` and ``.negate=true``.
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, TypeVar

from connectd.api.config import ConfigDef
from connectd.api.records import SinkRecord, SourceRecord

#: A record either side of the runtime: both kinds share ``topic``, ``partition``, ``key``,
#: ``key_schema``, ``value``, ``value_schema``, ``timestamp`` and ``headers``.
ConnectRecord = SourceRecord | SinkRecord
R = TypeVar("R", SourceRecord, SinkRecord)


_SOURCE_FIELDS = frozenset(f.name for f in dataclasses.fields(SourceRecord))
_SINK_FIELDS = frozenset(f.name for f in dataclasses.fields(SinkRecord))


def new_record(record: R, **changes: Any) -> R:
    """A copy of ``record`` with ``changes`` (any of its fields) applied; ``record`` is unchanged."""
    # Every SMT calls this once per record: explicit constructors are several times faster than
    # dataclasses.replace.
    get = changes.get
    if type(record) is SinkRecord:
        if not changes.keys() <= _SINK_FIELDS:
            raise TypeError(f"SinkRecord has no field(s) {sorted(changes.keys() - _SINK_FIELDS)}")
        return SinkRecord(  # type: ignore[return-value]
            get("topic", record.topic),
            get("partition", record.partition),
            get("offset", record.offset),
            get("value", record.value),
            get("key", record.key),
            get("key_schema", record.key_schema),
            get("value_schema", record.value_schema),
            get("timestamp", record.timestamp),
            get("headers", record.headers),
        )
    if type(record) is SourceRecord:
        if not changes.keys() <= _SOURCE_FIELDS:
            raise TypeError(f"SourceRecord has no field(s) {sorted(changes.keys() - _SOURCE_FIELDS)}")
        return SourceRecord(  # type: ignore[return-value]
            get("topic", record.topic),
            get("value", record.value),
            get("key", record.key),
            get("source_partition", record.source_partition),
            get("source_offset", record.source_offset),
            get("partition", record.partition),
            get("key_schema", record.key_schema),
            get("value_schema", record.value_schema),
            get("timestamp", record.timestamp),
            get("headers", record.headers),
        )
    return dataclasses.replace(record, **changes)


class Transformation(ABC):
    """One step of a connector's ``transforms`` chain, configured from ``transforms.<alias>.*``."""

    #: Other names this plugin answers to in ``transforms.<alias>.type`` (e.g. Kafka's class name).
    aliases: tuple[str, ...] = ()

    #: True when every record ``apply``/``apply_batch`` returns, other than the one it was given, is a
    #: new object it keeps no reference to: the runtime may then hand those records on as its own
    #: (``owned``) to the next stage's ``apply_batch``.
    fresh_records: bool = False

    @classmethod
    def config_def(cls) -> ConfigDef:
        """The keys of ``transforms.<alias>.*`` this transformation reads (validated by the REST API)."""
        return ConfigDef()

    def configure(self, config: Mapping[str, str]) -> None:
        """``config`` holds this alias's keys with the ``transforms.<alias>.`` prefix removed."""

    @abstractmethod
    def apply(self, record: R) -> R | None:
        """The transformed record, ``record`` itself when nothing changes, or ``None`` to drop it.

        Raise :class:`connectd.api.DataError` for a record it cannot handle: the runtime then fails
        the task or, with ``errors.tolerance=all``, skips the record (and parks it in the DLQ)."""

    def apply_batch(self, records: list[R], owned: bool = False) -> list[R | None]:
        """``apply`` of each record, in order: the runtime transforms a polled or consumed batch stage
        by stage. Override it when a batch transforms faster than its records one by one.

        ``owned``: the records are the runtime's own (made for this batch, held by no one else):
        their fields may be set in place, though never the objects they hold (a value dict may be
        shared with the record the task polled). Otherwise, as ``apply``, build new records."""
        return list(map(self.apply, records))

    def close(self) -> None:
        """The task is stopping: release what ``configure`` acquired."""

    def version(self) -> str:
        return "undefined"


class Predicate(ABC):
    """A condition on a record, configured from ``predicates.<alias>.*``; a transformation whose
    ``transforms.<alias>.predicate`` names it runs only for records it matches (or, with
    ``negate=true``, only for records it does not)."""

    aliases: tuple[str, ...] = ()

    @classmethod
    def config_def(cls) -> ConfigDef:
        return ConfigDef()

    def configure(self, config: Mapping[str, str]) -> None:
        """``config`` holds this alias's keys with the ``predicates.<alias>.`` prefix removed."""

    @abstractmethod
    def test(self, record: ConnectRecord) -> bool: ...

    def close(self) -> None:
        pass

    def version(self) -> str:
        return "undefined"
