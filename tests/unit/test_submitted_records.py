"""Offset bookkeeping: an offset is committable only when every earlier record of its partition is acked."""

from __future__ import annotations

from connectd.runtime.submitted_records import SubmittedRecords


def offsets(records: SubmittedRecords) -> dict[str, dict]:
    return {str(p["f"]): dict(o) for p, o in records.committable().values()}


def test_out_of_order_acks_wait_for_earlier_records() -> None:
    records = SubmittedRecords()
    part = {"f": "a"}
    handles = [records.submit(part, {"pos": i}) for i in range(1, 6)]
    handles[2].ack()
    handles[1].ack()
    assert offsets(records) == {}, "record 1 is not acked: nothing may be committed"
    handles[0].ack()
    assert offsets(records) == {"a": {"pos": 3}}
    handles[4].ack()
    assert offsets(records) == {}, "record 4 is not acked: 5 must wait"
    handles[3].ack()
    assert offsets(records) == {"a": {"pos": 5}}
    assert records.outstanding() == 0


def test_partitions_are_independent() -> None:
    records = SubmittedRecords()
    a1 = records.submit({"f": "a"}, {"pos": 1})
    b1 = records.submit({"f": "b"}, {"pos": 10})
    a2 = records.submit({"f": "a"}, {"pos": 2})
    b1.ack()
    a2.ack()
    assert offsets(records) == {"b": {"pos": 10}}
    a1.ack()
    assert offsets(records) == {"a": {"pos": 2}}


def test_records_without_position_are_not_tracked() -> None:
    records = SubmittedRecords()
    records.submit(None, None).ack()
    assert offsets(records) == {} and records.outstanding() == 0


def test_equal_partitions_in_distinct_objects_share_a_key() -> None:
    records = SubmittedRecords()
    records.submit({"f": "a", "g": 1}, {"pos": 1}).ack()
    records.submit({"g": 1, "f": "a"}, {"pos": 2}).ack()
    assert list(offsets(records).values()) == [{"pos": 2}]
