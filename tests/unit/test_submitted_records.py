"""Offset bookkeeping: a batch's offset is committable only when it and every earlier batch of its
source partition are acknowledged."""

from __future__ import annotations

from connectd.runtime.submitted_records import SubmittedBatch, SubmittedRecords


def offsets(records: SubmittedRecords) -> dict[str, dict]:
    return {str(p["f"]): dict(o) for p, o in records.committable().values()}


def sent(
    records: SubmittedRecords, partition: dict | None, offset: dict | None, count: int
) -> SubmittedBatch:
    """A batch of ``count`` records handed to the producer, then sealed."""
    batch = records.submit(partition, SubmittedBatch(offset))
    batch.add(count)
    batch.seal()
    return batch


def test_out_of_order_acks_wait_for_earlier_batches() -> None:
    records = SubmittedRecords()
    part = {"f": "a"}
    batches = [sent(records, part, {"pos": i}, 2) for i in range(1, 6)]
    for batch in (batches[2], batches[1]):
        batch.ack()
        batch.ack()
    assert offsets(records) == {}, "batch 1 is not acked: nothing may be committed"
    batches[0].ack()
    assert offsets(records) == {}, "one record of batch 1 is still in flight"
    batches[0].ack()
    assert offsets(records) == {"a": {"pos": 3}}
    batches[4].ack()
    batches[4].ack()
    assert offsets(records) == {}, "batch 4 is not acked: 5 must wait"
    batches[3].ack()
    batches[3].ack()
    assert offsets(records) == {"a": {"pos": 5}}
    assert records.outstanding() == 0


def test_an_unsealed_batch_is_not_done_even_when_every_sent_record_is_acked() -> None:
    """Acknowledgements served while the batch is still being sent (a full queue drained mid-batch)."""
    records = SubmittedRecords()
    batch = records.submit({"f": "a"}, SubmittedBatch({"pos": 9}))
    batch.add()
    batch.ack()
    assert offsets(records) == {}, "the batch's other records were not even sent yet"
    batch.add()
    batch.seal()
    assert offsets(records) == {}
    batch.ack()
    assert offsets(records) == {"a": {"pos": 9}}


def test_a_batch_of_dropped_records_only_is_done_once_sealed() -> None:
    records = SubmittedRecords()
    batch = records.submit({"f": "a"}, SubmittedBatch({"pos": 4}))
    assert offsets(records) == {}
    batch.seal()
    assert offsets(records) == {"a": {"pos": 4}}


def test_partitions_are_independent() -> None:
    records = SubmittedRecords()
    a1 = sent(records, {"f": "a"}, {"pos": 1}, 1)
    b1 = sent(records, {"f": "b"}, {"pos": 10}, 1)
    a2 = sent(records, {"f": "a"}, {"pos": 2}, 1)
    b1.ack()
    a2.ack()
    assert offsets(records) == {"b": {"pos": 10}}
    a1.ack()
    assert offsets(records) == {"a": {"pos": 2}}


def test_batches_without_position_are_not_tracked() -> None:
    records = SubmittedRecords()
    sent(records, None, None, 1).ack()
    sent(records, {"f": "a"}, None, 1)
    assert offsets(records) == {} and records.outstanding() == 0


def test_equal_partitions_in_distinct_objects_share_a_key() -> None:
    records = SubmittedRecords()
    sent(records, {"f": "a", "g": 1}, {"pos": 1}, 1).ack()
    sent(records, {"g": 1, "f": "a"}, {"pos": 2}, 1).ack()
    assert list(offsets(records).values()) == [{"pos": 2}]
