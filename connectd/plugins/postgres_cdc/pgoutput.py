"""A decoder of PostgreSQL's ``pgoutput`` logical replication messages (protocol version 1).

Pure: bytes in, message objects out, no I/O. The layouts are those of PostgreSQL's "Logical Replication
Message Formats" chapter; values stay in their text form here (``values.py`` converts them).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Final

UNCHANGED_TOAST: Final = object()
"""A column value the server did not send (an unchanged TOASTed value, ``'u'`` in TupleData)."""

_INT8 = struct.Struct(">b")
_INT16 = struct.Struct(">h")
_INT32 = struct.Struct(">i")
_UINT32 = struct.Struct(">I")
_INT64 = struct.Struct(">q")
_BEGIN = struct.Struct(">qqI")
_COMMIT = struct.Struct(">bqqq")

TupleValue = str | bytes | None | object
"""A column of a tuple: its text form, None for SQL NULL, or :data:`UNCHANGED_TOAST`."""


class DecodeError(ValueError):
    """The bytes are not a pgoutput message this decoder understands."""


@dataclass(frozen=True, slots=True)
class Begin:
    final_lsn: int  # the LSN of the transaction's commit record
    commit_ts_us: int  # microseconds since 2000-01-01 UTC, as the server sends it
    xid: int


@dataclass(frozen=True, slots=True)
class Commit:
    flags: int
    commit_lsn: int
    end_lsn: int  # just past the commit record: confirming this LSN acknowledges the transaction
    commit_ts_us: int


@dataclass(frozen=True, slots=True)
class RelationColumn:
    is_key: bool  # part of the replica identity (every column with REPLICA IDENTITY FULL)
    name: str
    type_oid: int
    type_modifier: int


@dataclass(frozen=True, slots=True)
class Relation:
    oid: int
    namespace: str
    name: str
    replica_identity: str  # 'd' default, 'n' nothing, 'f' full, 'i' index
    columns: tuple[RelationColumn, ...]


@dataclass(frozen=True, slots=True)
class TypeInfo:
    oid: int
    namespace: str
    name: str


@dataclass(frozen=True, slots=True)
class Origin:
    lsn: int
    name: str


@dataclass(frozen=True, slots=True)
class Insert:
    relation_oid: int
    new: tuple[TupleValue, ...]


@dataclass(frozen=True, slots=True)
class Update:
    relation_oid: int
    new: tuple[TupleValue, ...]
    old: tuple[TupleValue, ...] | None  # the whole old row (REPLICA IDENTITY FULL) or its old key
    old_is_key_only: bool  # True when ``old`` came as 'K' (only the identity columns are set)


@dataclass(frozen=True, slots=True)
class Delete:
    relation_oid: int
    old: tuple[TupleValue, ...]
    old_is_key_only: bool


@dataclass(frozen=True, slots=True)
class Truncate:
    options: int  # bit 1: CASCADE, bit 2: RESTART IDENTITY
    relation_oids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class LogicalMessage:
    transactional: bool
    lsn: int
    prefix: str
    content: bytes


Message = Begin | Commit | Relation | TypeInfo | Origin | Insert | Update | Delete | Truncate | LogicalMessage


class _Reader:
    __slots__ = ("data", "pos")

    def __init__(self, data: bytes | memoryview) -> None:
        self.data = bytes(data)
        self.pos = 0

    def take(self, fmt: struct.Struct) -> tuple[int, ...]:
        try:
            values = fmt.unpack_from(self.data, self.pos)
        except struct.error as exc:
            raise DecodeError(f"message truncated at byte {self.pos}: {exc}") from None
        self.pos += fmt.size
        return values

    def int8(self) -> int:
        return self.take(_INT8)[0]

    def int16(self) -> int:
        return self.take(_INT16)[0]

    def int32(self) -> int:
        return self.take(_INT32)[0]

    def uint32(self) -> int:
        return self.take(_UINT32)[0]

    def int64(self) -> int:
        return self.take(_INT64)[0]

    def byte(self) -> str:
        if self.pos >= len(self.data):
            raise DecodeError(f"message truncated at byte {self.pos}")
        self.pos += 1
        return chr(self.data[self.pos - 1])

    def string(self) -> str:
        end = self.data.find(b"\0", self.pos)
        if end < 0:
            raise DecodeError(f"unterminated string at byte {self.pos}")
        text = self.data[self.pos : end].decode("utf-8")
        self.pos = end + 1
        return text

    def raw(self, length: int) -> bytes:
        if length < 0 or self.pos + length > len(self.data):
            raise DecodeError(f"value of {length} bytes overruns the message at byte {self.pos}")
        chunk = self.data[self.pos : self.pos + length]
        self.pos += length
        return chunk

    def tuple_data(self) -> tuple[TupleValue, ...]:
        values: list[TupleValue] = []
        for _ in range(self.int16()):
            kind = self.byte()
            if kind == "n":
                values.append(None)
            elif kind == "u":
                values.append(UNCHANGED_TOAST)
            elif kind == "t":
                values.append(self.raw(self.int32()).decode("utf-8"))
            elif kind == "b":  # binary format (protocol 2+ with binary=true): left to the caller
                values.append(self.raw(self.int32()))
            else:
                raise DecodeError(f"unknown tuple column kind {kind!r} at byte {self.pos - 1}")
        return tuple(values)


def _old_tuple(reader: _Reader, marker: str) -> tuple[tuple[TupleValue, ...], bool]:
    if marker not in ("K", "O"):
        raise DecodeError(f"expected 'K' or 'O' before the old tuple, found {marker!r}")
    return reader.tuple_data(), marker == "K"


def decode(data: bytes | memoryview) -> Message:
    """One pgoutput message: the payload of an XLogData, or a row of ``pg_logical_slot_*_binary_changes``."""
    reader = _Reader(data)
    kind = reader.byte()
    if kind == "B":
        final_lsn, ts, xid = reader.take(_BEGIN)
        return Begin(final_lsn, ts, xid)
    if kind == "C":
        flags, commit_lsn, end_lsn, ts = reader.take(_COMMIT)
        return Commit(flags, commit_lsn, end_lsn, ts)
    if kind == "R":
        oid = reader.uint32()
        namespace, name = reader.string(), reader.string()
        identity = reader.byte()
        columns = []
        for _ in range(reader.int16()):
            flags = reader.int8()
            columns.append(RelationColumn(bool(flags & 1), reader.string(), reader.uint32(), reader.int32()))
        return Relation(oid, namespace, name, identity, tuple(columns))
    if kind == "I":
        oid = reader.uint32()
        if (marker := reader.byte()) != "N":
            raise DecodeError(f"expected 'N' in an Insert, found {marker!r}")
        return Insert(oid, reader.tuple_data())
    if kind == "U":
        oid = reader.uint32()
        marker = reader.byte()
        old: tuple[TupleValue, ...] | None = None
        key_only = False
        if marker != "N":
            old, key_only = _old_tuple(reader, marker)
            if (marker := reader.byte()) != "N":
                raise DecodeError(f"expected 'N' in an Update, found {marker!r}")
        return Update(oid, reader.tuple_data(), old, key_only)
    if kind == "D":
        oid = reader.uint32()
        old, key_only = _old_tuple(reader, reader.byte())
        return Delete(oid, old, key_only)
    if kind == "T":
        count, options = reader.int32(), reader.int8()
        return Truncate(options, tuple(reader.uint32() for _ in range(count)))
    if kind == "Y":
        return TypeInfo(reader.uint32(), reader.string(), reader.string())
    if kind == "O":
        return Origin(reader.int64(), reader.string())
    if kind == "M":
        transactional = reader.int8() != 0
        lsn, prefix = reader.int64(), reader.string()
        return LogicalMessage(transactional, lsn, prefix, reader.raw(reader.int32()))
    raise DecodeError(f"unknown pgoutput message type {kind!r}")


def format_lsn(lsn: int) -> str:
    """PostgreSQL's text form of an LSN (``16/B374D848``)."""
    return f"{lsn >> 32:X}/{lsn & 0xFFFFFFFF:X}"


def parse_lsn(text: str) -> int:
    high, _, low = text.partition("/")
    return (int(high, 16) << 32) | int(low, 16)
