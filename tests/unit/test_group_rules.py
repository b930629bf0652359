"""The coordinator's group shell: writes that the config topic does not acknowledge in time are
answered as not applied and withdrawn; reads and heartbeats never wait on Kafka; statuses are taken
only from a member, about what it runs."""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Any

import pytest

from connectd.cluster.assignments import StorageTopics
from connectd.cluster.coordinator_port import StatusUpdate
from connectd.cluster.group import Group, GroupSettings
from connectd.control.connector_table import ConfigChange
from connectd.errors import NotFoundError, UnavailableError
from connectd.runtime.model import State, StateInfo, TargetState, TaskId
from connectd.storage.config_store import MemoryConfigStore
from connectd.storage.kafka_log import KafkaWriteTimeoutError
from connectd.storage.status_store import MemoryStatusBackend

STORAGE = StorageTopics("configs", "offsets", "status")
SOURCE = {"connector.class": "test.Source", "tasks.max": "1"}


class StallingConfigStore(MemoryConfigStore):
    """A config store whose topic stops acknowledging while ``stalled`` is set: a write waits its
    timeout and fails as Kafka's would (it may still land), then the withdrawal is recorded."""

    def __init__(self) -> None:
        super().__init__()
        self.stalled = threading.Event()
        self.writing = threading.Event()
        self.withdrawn: list[ConfigChange] = []

    def write(self, change: ConfigChange, timeout_s: float = 0) -> None:
        if self.stalled.is_set():
            self.writing.set()
            time.sleep(timeout_s)
            raise KafkaWriteTimeoutError("unconfirmed")
        super().write(change, timeout_s)

    def withdraw(self, undo: ConfigChange) -> None:
        self.withdrawn.append(undo)
        super().withdraw(undo)


def new_group(configs: Any = None, write_timeout_ms: int = 500) -> Group:
    settings = GroupSettings(lease_timeout_ms=60_000, write_timeout_ms=write_timeout_ms)
    return Group("g", STORAGE, configs or MemoryConfigStore(), MemoryStatusBackend(), settings,
                 lambda _w, _a: None, time.monotonic())  # fmt: skip


def test_an_unacknowledged_write_is_not_applied_and_is_withdrawn() -> None:
    configs = StallingConfigStore()
    group = new_group(configs)
    group.create_connector("c", SOURCE, TargetState.STARTED)
    configs.stalled.set()
    with pytest.raises(UnavailableError) as refused:
        group.put_connector_config("c", {**SOURCE, "tasks.max": "2"})
    assert "was not applied and has been withdrawn" in str(refused.value), str(refused.value)
    assert group.connector_config("c")["tasks.max"] == "1", "a write answered as not applied took effect"
    assert configs.withdrawn and configs.withdrawn[-1].config == SOURCE, configs.withdrawn
    configs.stalled.clear()
    restarted = new_group(configs)  # what the topic says, replayed: the old config
    assert restarted.connector_config("c")["tasks.max"] == "1"


def test_reads_and_heartbeats_do_not_wait_for_a_stalled_write() -> None:
    configs = StallingConfigStore()
    group = new_group(configs, write_timeout_ms=3000)
    group.register("w1", "w1", [], STORAGE, [], {}, time.monotonic())
    group.create_connector("c", SOURCE, TargetState.STARTED)
    configs.stalled.set()
    writer = threading.Thread(target=lambda: _swallow(lambda: group.put_connector_config("d", SOURCE)))
    writer.start()
    assert configs.writing.wait(5), "the write never reached the store"
    started = time.monotonic()
    group.connector_status("c")
    group.heartbeat("w1", 0, time.monotonic())
    group.connector_names()
    took = time.monotonic() - started
    assert took < 0.5, f"reads and a heartbeat waited {took:.2f}s behind a write stalled on Kafka"
    writer.join(10)


def _swallow(call: Any) -> None:
    with contextlib.suppress(UnavailableError):
        call()


def test_statuses_come_only_from_a_member_about_what_it_holds() -> None:
    group = new_group()
    group.register("w1", "w1", [], STORAGE, [], {}, time.monotonic())
    group.create_connector("c", SOURCE, TargetState.STARTED)
    group.submit_task_configs("w1", "c", [{}])
    running = StateInfo(State.RUNNING, "w1")
    group.report("w1", [StatusUpdate("c", 0, running, 1)])
    assert group.task_status(TaskId("c", 0)).state is State.RUNNING

    with pytest.raises(NotFoundError):  # a process that is not a member: register first
        group.report("nobody:0", [StatusUpdate("c", 0, StateInfo(State.FAILED, "nobody:0"), 1)])
    group.register("w2", "w2", [], STORAGE, [], {}, time.monotonic())
    holder = "w2" if group.task_owner(TaskId("c", 0)) == "w2" else "w1"
    other = "w1" if holder == "w2" else "w2"
    group.report(other, [StatusUpdate("c", 0, StateInfo(State.FAILED, other), 9)])
    seen = group.task_status(TaskId("c", 0))
    assert seen.state is not State.FAILED, f"a report from {other}, which does not run c-0, was taken: {seen}"


def test_task_configs_only_from_the_worker_running_the_connector() -> None:
    from connectd.errors import ConflictError

    group = new_group()
    group.register("w1", "w1", [], STORAGE, [], {}, time.monotonic())
    group.create_connector("c", SOURCE, TargetState.STARTED)
    with pytest.raises(ConflictError):
        group.submit_task_configs("rogue", "c", [{"file": "/etc/passwd"}])
    assert group.task_infos("c") == []
