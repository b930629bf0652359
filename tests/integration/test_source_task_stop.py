"""A stop requested while a source task is still in start(): Kafka calls the task's stop() only once
start() returned, and exactly once. (Calling it during start() made FileStreamSourceTask raise
AttributeError in stop(), logged as an ERROR on every quick shutdown.)"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path

from connectd.api.records import SourceRecord
from connectd.api.task import SourceTask
from connectd.runtime.converters import StringConverter
from connectd.runtime.model import TaskId
from connectd.runtime.pipeline.errors import ErrorHandlingSettings, RecordErrorHandler
from connectd.runtime.pipeline.record_pipeline import SourceRecordPipeline
from connectd.runtime.pipeline.transformation_chain import TransformationChain
from connectd.runtime.source_runner import SourceTaskRunner
from connectd.runtime.status import MemoryStatusStore
from connectd.storage.file_offsets import FileOffsetBackend
from tests.integration.standalone_harness import wait_for


class SlowStartingTask(SourceTask):
    def __init__(self) -> None:
        self.release_start = threading.Event()
        self.in_start = threading.Event()
        self.calls: list[str] = []

    def version(self) -> str:
        return "1"

    def start(self, config: Mapping[str, str]) -> None:
        self.in_start.set()
        self.release_start.wait(30)
        self.calls.append("start")

    def poll(self) -> list[SourceRecord] | None:
        self.calls.append("poll")
        return None

    def stop(self) -> None:
        self.calls.append("stop")


def test_stop_requested_during_start_is_carried_out_once_after_start(
    bootstrap_servers: str, tmp_path: Path
) -> None:
    task = SlowStartingTask()
    runner = SourceTaskRunner(
        TaskId("slow", 0),
        task,
        {"task.class": "SlowStartingTask"},
        worker_id="test",
        statuses=MemoryStatusStore(),
        producer_config={"bootstrap.servers": bootstrap_servers},
        pipeline=SourceRecordPipeline(
            TransformationChain([]),
            StringConverter(),
            StringConverter(),
            StringConverter(),
            RecordErrorHandler(ErrorHandlingSettings(), "slow-0"),
        ),
        offsets=FileOffsetBackend(tmp_path / "offsets"),
        offset_flush_interval_ms=1000,
        offset_flush_timeout_ms=1000,
    )
    runner.start()
    wait_for(task.in_start.is_set, 10, "the task to enter start()")
    stopper = threading.Thread(target=runner.request_stop)
    stopper.start()
    stopper.join(10)
    assert task.calls == [], f"expected no stop() while start() runs; saw {task.calls}"
    task.release_start.set()
    assert runner.await_stop(10), "the runner did not stop"
    assert task.calls == ["start", "stop"], f"expected start then one stop, no poll; saw {task.calls}"
    assert not runner.failed
