"""The pgoutput decoder, the value conversions and the slot bookkeeping: bytes in, events out."""

from __future__ import annotations

import struct
from decimal import Decimal

import pytest

from connectd.plugins.postgres_cdc import pgoutput
from connectd.plugins.postgres_cdc.acks import SlotProgress
from connectd.plugins.postgres_cdc.events import Column, Position, TableEvents, TableInfo
from connectd.plugins.postgres_cdc.pgoutput import UNCHANGED_TOAST, DecodeError, decode
from connectd.plugins.postgres_cdc.values import (
    BOOL,
    BYTEA,
    DATE,
    INT4,
    INT8,
    JSONB,
    NUMERIC,
    TEXT,
    TIME,
    TIMESTAMP,
    TIMESTAMPTZ,
    TypeSettings,
    column_type,
)

ZONED = "io.debezium.time.ZonedTimestamp"


def cstr(text: str) -> bytes:
    return text.encode() + b"\0"


def tuple_data(*values: str | None) -> bytes:
    out = struct.pack(">h", len(values))
    for value in values:
        if value is None:
            out += b"n"
        elif value == "<toast>":
            out += b"u"
        else:
            raw = value.encode()
            out += b"t" + struct.pack(">i", len(raw)) + raw
    return out


def test_begin_and_commit() -> None:
    assert decode(b"B" + struct.pack(">qqI", 0x16_B374D848, 123, 4000000000)) == pgoutput.Begin(
        0x16_B374D848, 123, 4000000000
    )
    assert decode(b"C" + struct.pack(">bqqq", 0, 100, 180, 5)) == pgoutput.Commit(0, 100, 180, 5)


def test_relation() -> None:
    body = struct.pack(">I", 16384) + cstr("public") + cstr("orders") + b"d" + struct.pack(">h", 2)
    body += struct.pack(">b", 1) + cstr("id") + struct.pack(">Ii", INT4, -1)
    body += struct.pack(">b", 0) + cstr("amount") + struct.pack(">Ii", NUMERIC, (10 << 16 | 2) + 4)
    relation = decode(b"R" + body)
    assert relation == pgoutput.Relation(
        16384,
        "public",
        "orders",
        "d",
        (
            pgoutput.RelationColumn(True, "id", INT4, -1),
            pgoutput.RelationColumn(False, "amount", NUMERIC, (10 << 16 | 2) + 4),
        ),
    )


def test_insert_update_delete_tuples() -> None:
    oid = struct.pack(">I", 7)
    assert decode(b"I" + oid + b"N" + tuple_data("1", None, "<toast>", "é")) == pgoutput.Insert(
        7, ("1", None, UNCHANGED_TOAST, "é")
    )
    assert decode(b"U" + oid + b"N" + tuple_data("1", "x")) == pgoutput.Update(7, ("1", "x"), None, False)
    key_change = decode(b"U" + oid + b"K" + tuple_data("1", None) + b"N" + tuple_data("2", "x"))
    assert key_change == pgoutput.Update(7, ("2", "x"), ("1", None), True)
    full = decode(b"U" + oid + b"O" + tuple_data("1", "old") + b"N" + tuple_data("1", "new"))
    assert full == pgoutput.Update(7, ("1", "new"), ("1", "old"), False)
    assert decode(b"D" + oid + b"K" + tuple_data("1", None)) == pgoutput.Delete(7, ("1", None), True)


def test_truncate_type_origin() -> None:
    assert decode(b"T" + struct.pack(">ib", 2, 1) + struct.pack(">II", 5, 6)) == pgoutput.Truncate(1, (5, 6))
    assert decode(b"Y" + struct.pack(">I", 99) + cstr("s") + cstr("mood")) == pgoutput.TypeInfo(
        99, "s", "mood"
    )
    assert decode(b"O" + struct.pack(">q", 42) + cstr("node")) == pgoutput.Origin(42, "node")


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"Z",
        b"B\0\0",
        b"I" + struct.pack(">I", 1) + b"X",
        b"I" + struct.pack(">I", 1) + b"N\0\1t\0\0\0\x09ab",
    ],
)
def test_malformed_messages_raise(data: bytes) -> None:
    with pytest.raises(DecodeError):
        decode(data)


def test_lsn_text_form() -> None:
    assert pgoutput.format_lsn(0x16_B374D848) == "16/B374D848"
    assert pgoutput.parse_lsn("16/B374D848") == 0x16_B374D848


@pytest.mark.parametrize(
    ("oid", "typmod", "text", "value", "name"),
    [
        (BOOL, -1, "t", True, None),
        (INT8, -1, "-9000000000", -9000000000, None),
        (NUMERIC, (10 << 16 | 2) + 4, "12.34", Decimal("12.34"), "org.apache.kafka.connect.data.Decimal"),
        (NUMERIC, (10 << 16 | 2) + 4, "NaN", None, "org.apache.kafka.connect.data.Decimal"),
        (BYTEA, -1, "\\x00ff", b"\x00\xff", None),
        (DATE, -1, "1969-12-31", -1, "io.debezium.time.Date"),
        (TIME, -1, "00:00:01.000002", 1_000_002, "io.debezium.time.MicroTime"),
        (TIME, 3, "00:00:01.5", 1500, "io.debezium.time.Time"),
        (TIMESTAMP, -1, "1970-01-01 00:00:00.000001", 1, "io.debezium.time.MicroTimestamp"),
        (TIMESTAMPTZ, -1, "2024-01-02 03:04:05.5+05:30", "2024-01-01T21:34:05.5Z", ZONED),
        (TIMESTAMPTZ, -1, "2024-01-02 03:04:05+00", "2024-01-02T03:04:05Z", ZONED),
        (JSONB, -1, '{"a": 1}', '{"a": 1}', "io.debezium.data.Json"),
        (TEXT, -1, "plain", "plain", None),
    ],
)  # fmt: skip
def test_text_values(oid: int, typmod: int, text: str, value: object, name: str | None) -> None:
    column = column_type(oid, typmod, True, TypeSettings())
    assert column.schema.name == name
    assert column.convert(text) == value


def test_change_events_follow_debezium_envelope() -> None:
    table = TableInfo("public", "t", (Column("id", INT4, -1, False), Column("s", TEXT, -1)), ("id",))
    events = TableEvents(table, "srv", "db")
    assert events.topic == "srv.public.t"
    assert events.envelope_schema.name == "srv.public.t.Envelope"
    row = events.row(("1", UNCHANGED_TOAST))
    assert row == {"id": 1, "s": "__debezium_unavailable_value"}
    record = events.change("c", None, row, Position(5, 9, 100, 50), {"server": "srv"}, {"lsn_commit": 120})
    assert record.key == {"id": 1} and record.value["op"] == "c" and record.value["before"] is None
    source = record.value["source"]
    assert (source["name"], source["txId"], source["lsn"], source["sequence"]) == (
        "srv",
        9,
        100,
        '["50","100"]',
    )
    tombstone = events.tombstone({"id": 1}, {"server": "srv"}, {})
    assert tombstone.value is None and tombstone.key == {"id": 1}
    with pytest.raises(ValueError, match="expected 2 columns"):
        events.row(("1",))


def test_slot_is_confirmed_only_through_committed_offsets() -> None:
    progress = SlotProgress()
    progress.begin(100)
    assert [progress.record(), progress.record()] == [1, 2]
    progress.commit(110)
    progress.begin(200)  # a transaction of tables not captured: no record
    progress.commit(210)
    progress.begin(300)
    progress.record()
    assert progress.confirmable(None) is None
    assert progress.confirmable((100, 1)) is None, "half a transaction committed confirms nothing"
    assert progress.confirmable((100, 2)) == 210, "the next record-less transaction goes with it"
    assert progress.confirmable((300, 1)) is None, "a transaction without its Commit stays"
    progress.commit(310)
    assert progress.confirmable((300, 1)) == 310
    assert progress.pending == 0
