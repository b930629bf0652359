"""The source runner sends a polled batch at once and tracks it per source partition: an offset is
committable only once every record of its batch and of the batches before is acknowledged, however
the producer orders its acknowledgements (a fake producer here, to choose that order)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from connectd.api.records import Header, RecordMetadata, SourceRecord, SourceRecordBatch
from connectd.api.schema import STRING_SCHEMA
from connectd.api.task import SourceTask
from connectd.runtime.converters import StringConverter
from connectd.runtime.model import TaskId
from connectd.runtime.pipeline.errors import ErrorHandlingSettings, RecordErrorHandler
from connectd.runtime.pipeline.record_pipeline import SourceRecordPipeline
from connectd.runtime.pipeline.transformation_chain import TransformationChain, TransformationStage
from connectd.runtime.source_runner import SourceTaskRunner
from connectd.runtime.status import MemoryStatusStore
from connectd.storage.file_offsets import FileOffsetBackend
from connectd.transforms.filter import Filter


class FakeError:
    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text


class FakeMessage:
    def __init__(self, topic: str, offset: int) -> None:
        self._topic, self._offset = topic, offset

    def topic(self) -> str:
        return self._topic

    def partition(self) -> int:
        return 0

    def offset(self) -> int:
        return self._offset


class FakeProducer:
    """Keeps what was produced; ``deliver`` runs chosen callbacks, as the producer's poll would."""

    def __init__(self, room: int = 1 << 30) -> None:
        self.sent: list[tuple[Any, ...]] = []
        self.waiting: list[tuple[Callable[..., None], FakeMessage]] = []
        self.room = room

    def produce(self, topic: str, value: Any, key: Any = None, partition: int = -1,
                callback: Any = None, on_delivery: Any = None, timestamp: int = 0,
                headers: Any = None) -> None:  # fmt: skip
        if len(self.waiting) >= self.room:
            raise BufferError("Local: Queue full")
        self.sent.append((topic, value, key, partition, timestamp, headers))
        self.waiting.append((callback, FakeMessage(topic, len(self.sent) - 1)))

    def deliver(self, indexes: list[int] | None = None, error: Any = None) -> None:
        chosen = range(len(self.waiting)) if indexes is None else indexes
        for i in chosen:
            callback, message = self.waiting[i]
            callback(error, message)
        self.waiting = [w for i, w in enumerate(self.waiting) if i not in set(chosen)]

    def poll(self, timeout: float = 0) -> int:
        count = len(self.waiting)
        self.deliver()
        return count


class Task(SourceTask):
    def __init__(self) -> None:
        self.committed: list[tuple[SourceRecord, RecordMetadata | None]] = []

    def version(self) -> str:
        return "1"

    def start(self, config: dict[str, str]) -> None:
        pass

    def poll(self) -> list[SourceRecord] | None:
        return None

    def stop(self) -> None:
        pass


class CommittingTask(Task):
    def commit_record(self, record: SourceRecord, metadata: RecordMetadata | None) -> None:
        self.committed.append((record, metadata))


def runner(tmp_path: Path, task: Task | None = None, chain: TransformationChain | None = None,
           tolerate: bool = False) -> SourceTaskRunner:  # fmt: skip
    settings = ErrorHandlingSettings(tolerate_all=tolerate)
    pipeline = SourceRecordPipeline(
        chain or TransformationChain([]), StringConverter(), StringConverter(), StringConverter(),
        RecordErrorHandler(settings, "t-0"),
    )  # fmt: skip
    return SourceTaskRunner(
        TaskId("t", 0), task or Task(), {}, worker_id="w", statuses=MemoryStatusStore(),
        producer_config={}, pipeline=pipeline, offsets=FileOffsetBackend(tmp_path / "offsets"),
        offset_flush_interval_ms=60000, offset_flush_timeout_ms=1000,
    )  # fmt: skip


def lines(partition: dict[str, Any] | None, start: int, count: int, topic: str = "out") -> list[SourceRecord]:
    return [
        SourceRecord(topic, f"line {i}", None, partition, {"position": i}, None, None, STRING_SCHEMA)
        for i in range(start, start + count)
    ]


def committable(r: SourceTaskRunner) -> dict[str, Any]:
    return {str(p.get("f")): o["position"] for p, o in r._submitted.committable().values()}


def test_a_batch_commits_only_once_every_record_is_acknowledged(tmp_path: Path) -> None:
    r, producer, part = runner(tmp_path), FakeProducer(), {"f": "a"}
    r._send(producer, lines(part, 0, 5))  # type: ignore[arg-type]
    r._send(producer, lines(part, 5, 3))  # type: ignore[arg-type]
    assert [s[1] for s in producer.sent] == [f"line {i}".encode() for i in range(8)]
    producer.deliver([0, 1, 2, 3, 5, 6, 7])  # all but the fifth record of the first batch
    assert committable(r) == {}, "an earlier record of the partition is still in flight"
    producer.deliver([0])
    assert committable(r) == {"a": 7}
    assert r.active_topics._seen == {"out"}


def test_partitions_interleaved_in_one_poll_are_tracked_apart(tmp_path: Path) -> None:
    r, producer = runner(tmp_path), FakeProducer()
    a, b = {"f": "a"}, {"f": "b"}
    records = lines(a, 0, 2) + lines(b, 10, 2) + lines({"f": "a"}, 2, 2)  # an equal dict, another object
    r._send(producer, records)  # type: ignore[arg-type]
    producer.deliver([2, 3])
    assert committable(r) == {"b": 11}
    producer.deliver([0, 1])
    assert committable(r) == {}, "the last two records of partition a are not acknowledged"
    producer.deliver()
    assert committable(r) == {"a": 3}


def test_a_full_queue_mid_batch_does_not_finish_the_batch_early(tmp_path: Path) -> None:
    r, producer = runner(tmp_path), FakeProducer(room=2)
    r._send(producer, lines({"f": "a"}, 0, 5))  # type: ignore[arg-type]
    # The queue took two at a time; poll() served their acknowledgements while the rest waited.
    assert len(producer.sent) == 5
    assert committable(r) == {}
    producer.deliver()
    assert committable(r) == {"a": 4}


def test_dropped_records_are_done_and_the_rest_still_wait(tmp_path: Path) -> None:
    drop_even = Filter()
    drop_even.configure({})

    class Odd:
        def test(self, record: SourceRecord) -> bool:
            return int(str(record.value).split()[1]) % 2 == 0

    chain = TransformationChain([TransformationStage("f", drop_even, Odd(), False)])  # type: ignore[arg-type]
    r, producer = runner(tmp_path, chain=chain), FakeProducer()
    r._send(producer, lines({"f": "a"}, 0, 4))  # type: ignore[arg-type]
    assert [s[1] for s in producer.sent] == [b"line 1", b"line 3"]
    assert committable(r) == {}
    producer.deliver()
    assert committable(r) == {"a": 3}


def test_a_delivery_error_fails_the_task_and_commits_nothing_past_it(tmp_path: Path) -> None:
    r, producer = runner(tmp_path), FakeProducer()
    r._send(producer, lines({"f": "a"}, 0, 3))  # type: ignore[arg-type]
    producer.deliver([1], error=FakeError("broker said no"))
    producer.deliver()
    assert committable(r) == {}
    with pytest.raises(Exception, match="broker said no"):
        r._raise_delivery_error()


def test_tolerated_delivery_errors_are_reported_and_the_batch_completes(tmp_path: Path) -> None:
    r, producer = runner(tmp_path, tolerate=True), FakeProducer()
    reported: list[Any] = []
    r._pipeline.errors.report = lambda failure: reported.append(failure) or []  # type: ignore[method-assign]
    records = lines({"f": "a"}, 0, 3)
    r._send(producer, records)  # type: ignore[arg-type]
    producer.deliver([1], error=FakeError("too large"))
    producer.deliver()
    assert committable(r) == {"a": 2}
    assert [f.source_record for f in reported] == [records[1]]
    r._raise_delivery_error()  # tolerated: nothing to raise


def test_commit_record_gets_each_polled_record_with_its_metadata(tmp_path: Path) -> None:
    task = CommittingTask()
    r, producer = runner(tmp_path, task=task), FakeProducer()
    records = lines({"f": "a"}, 0, 2)
    r._send(producer, records)  # type: ignore[arg-type]
    producer.deliver()
    assert [(rec, meta.offset if meta else None) for rec, meta in task.committed] == [
        (records[0], 0),
        (records[1], 1),
    ]
    assert committable(r) == {"a": 1}


def test_records_with_keys_partitions_timestamps_and_headers_go_one_by_one(tmp_path: Path) -> None:
    r, producer = runner(tmp_path), FakeProducer()
    records = [
        SourceRecord("out", "v0", "k0", {"f": "a"}, {"position": 0}, 2, STRING_SCHEMA, STRING_SCHEMA, 1234),
        SourceRecord("other", "v1", None, {"f": "a"}, {"position": 1}, None, None, STRING_SCHEMA, None,
                     [Header("h", "x", STRING_SCHEMA)]),
    ]  # fmt: skip
    r._send(producer, records)  # type: ignore[arg-type]
    assert producer.sent == [
        ("out", b"v0", b"k0", 2, 1234, None),
        ("other", b"v1", None, -1, 0, [("h", b"x")]),
    ]
    producer.deliver()
    assert committable(r) == {"a": 1}
    assert r.active_topics._seen == {"out", "other"}


def test_records_without_a_position_are_sent_and_not_tracked(tmp_path: Path) -> None:
    r, producer = runner(tmp_path), FakeProducer()
    r._send(producer, [SourceRecord("out", "stdin line", value_schema=STRING_SCHEMA)])  # type: ignore[arg-type]
    producer.deliver()
    assert producer.sent[0][1] == b"stdin line" and committable(r) == {}


class ErrorsOnlyProducer(FakeProducer):
    """``delivery.report.only.error``: a success leaves the queue silently, a failure is reported;
    ``len()`` is what is still in flight, ``flush`` waits for it (here: delivers it)."""

    def deliver(self, indexes: list[int] | None = None, error: Any = None) -> None:
        chosen = set(range(len(self.waiting)) if indexes is None else indexes)
        for i in sorted(chosen):
            if error is not None:
                callback, message = self.waiting[i]
                callback(error, message)
        self.waiting = [w for i, w in enumerate(self.waiting) if i not in chosen]

    def __len__(self) -> int:
        return len(self.waiting)

    def flush(self, timeout: float = 0) -> int:
        self.deliver()
        return 0


class StalledProducer(ErrorsOnlyProducer):
    def flush(self, timeout: float = 0) -> int:
        return len(self.waiting)  # the broker answers nothing within the timeout


def committed(r: SourceTaskRunner) -> dict[str, Any]:
    return {str(p.get("f")): o["position"] for p, o in r._offsets.list("t")}


def drain_runner(tmp_path: Path, producer: FakeProducer) -> SourceTaskRunner:
    r = runner(tmp_path)
    assert r._acks_by_drain, "a task without commit_record and without tolerance acknowledges by drain"
    r._producer = producer  # type: ignore[assignment]
    r._offsets.claim(r._claim)
    return r


def test_by_drain_a_batch_is_done_only_once_the_producer_holds_nothing(tmp_path: Path) -> None:
    producer = ErrorsOnlyProducer()
    r = drain_runner(tmp_path, producer)
    r._send(producer, lines({"f": "a"}, 0, 5))  # type: ignore[arg-type]
    producer.deliver([0, 1, 2, 3])
    assert len(producer) == 1 and committable(r) == {}, "a record is still in flight"
    assert r.active_topics._seen == set(), "no record of the topic is known to be written yet"
    producer.deliver()
    r._settle_sent()  # what the task loop does when len(producer) == 0
    assert committable(r) == {"a": 4}
    assert r.active_topics._seen == {"out"}


def test_by_drain_a_commit_flushes_what_is_in_flight_first(tmp_path: Path) -> None:
    producer = ErrorsOnlyProducer()
    r = drain_runner(tmp_path, producer)
    r._send(producer, lines({"f": "a"}, 0, 3))  # type: ignore[arg-type]
    r.commit_offsets()
    assert committed(r) == {"a": 2}


def test_by_drain_a_commit_whose_flush_times_out_commits_nothing_in_flight(tmp_path: Path) -> None:
    producer = StalledProducer()
    r = drain_runner(tmp_path, producer)
    r._send(producer, lines({"f": "a"}, 0, 3))  # type: ignore[arg-type]
    r.commit_offsets()
    assert committed(r) == {}, "expected no offset committed while its records are unacknowledged"


def test_by_drain_a_failed_record_fails_the_task_and_settles_nothing(tmp_path: Path) -> None:
    producer = ErrorsOnlyProducer()
    r = drain_runner(tmp_path, producer)
    r._send(producer, lines({"f": "a"}, 0, 3))  # type: ignore[arg-type]
    producer.deliver([1], error=FakeError("broker said no"))
    producer.deliver()
    r.commit_offsets()  # the final commit of a failing task
    assert committed(r) == {}, "which records of the batch succeeded is unknown: nothing is committed"
    with pytest.raises(Exception, match="broker said no"):
        r._raise_delivery_error()


def column_batch(start: int, count: int, partition: dict[str, Any] | None = None) -> SourceRecordBatch:
    values = [f"line {i}" for i in range(start, start + count)]
    return SourceRecordBatch("out", values, STRING_SCHEMA, partition, {"position": start + count - 1})


def test_a_column_batch_is_sent_as_is_and_commits_at_its_offset(tmp_path: Path) -> None:
    r, producer = runner(tmp_path), FakeProducer()
    r._send(producer, column_batch(0, 3, {"f": "a"}))  # type: ignore[arg-type]
    r._send(producer, column_batch(3, 2, {"f": "a"}))  # type: ignore[arg-type]
    assert [s[1] for s in producer.sent] == [f"line {i}".encode() for i in range(5)]
    producer.deliver([0, 1, 3, 4])
    assert committable(r) == {}, "the third record of the first batch is in flight"
    producer.deliver()
    assert committable(r) == {"a": 4}


def test_a_column_batch_meeting_a_transform_goes_record_by_record(tmp_path: Path) -> None:
    drop_odd = Filter()
    drop_odd.configure({})

    class Odd:
        def test(self, record: SourceRecord) -> bool:
            return int(str(record.value).split()[1]) % 2 == 1

    chain = TransformationChain([TransformationStage("f", drop_odd, Odd(), False)])  # type: ignore[arg-type]
    r, producer = runner(tmp_path, chain=chain), FakeProducer()
    r._send(producer, column_batch(0, 4, {"f": "a"}))  # type: ignore[arg-type]
    assert [s[1] for s in producer.sent] == [b"line 0", b"line 2"]
    producer.deliver()
    assert committable(r) == {"a": 3}, "the batch's offset holds though its last record was dropped"


def test_a_column_batch_gives_commit_record_each_record_the_last_with_the_offset(tmp_path: Path) -> None:
    task = CommittingTask()
    r, producer = runner(tmp_path, task=task), FakeProducer()
    r._send(producer, column_batch(0, 2, {"f": "a"}))  # type: ignore[arg-type]
    producer.deliver()
    assert [(rec.value, rec.source_offset) for rec, _ in task.committed] == [
        ("line 0", None),
        ("line 1", {"position": 1}),
    ]
    assert committable(r) == {"a": 1}
