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
from connectd.errors import FailedPreconditionError, ForbiddenError, NotFoundError, UnavailableError
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
    session = group.register("w1", "w1", [], STORAGE, [], {}, time.monotonic())
    group.create_connector("c", SOURCE, TargetState.STARTED)
    configs.stalled.set()
    writer = threading.Thread(target=lambda: _swallow(lambda: group.put_connector_config("d", SOURCE)))
    writer.start()
    assert configs.writing.wait(5), "the write never reached the store"
    started = time.monotonic()
    group.connector_status("c")
    group.heartbeat("w1", session, 0, time.monotonic())
    group.connector_names()
    took = time.monotonic() - started
    assert took < 0.5, f"reads and a heartbeat waited {took:.2f}s behind a write stalled on Kafka"
    writer.join(10)


def _swallow(call: Any) -> None:
    with contextlib.suppress(UnavailableError):
        call()


def test_statuses_come_only_from_a_member_about_what_it_holds() -> None:
    group = new_group()
    w1 = group.register("w1", "w1", [], STORAGE, [], {}, time.monotonic())
    group.create_connector("c", {**SOURCE, "tasks.max": "2"}, TargetState.STARTED)
    group.submit_task_configs("w1", w1, "c", [{}, {}])
    running = StateInfo(State.RUNNING, "w1")
    group.report("w1", w1, [StatusUpdate("c", 0, running, 1), StatusUpdate("c", 1, running, 1)])
    assert group.task_status(TaskId("c", 0)).state is State.RUNNING

    with pytest.raises(NotFoundError):  # a process that is not a member: register first
        group.report("nobody:0", "", [StatusUpdate("c", 0, StateInfo(State.FAILED, "nobody:0"), 1)])
    # w2 joins while w1 holds c and its tasks: nothing moves before w1 acknowledges, so w2 never had them.
    w2 = group.register("w2", "w2", [], STORAGE, [], {}, time.monotonic())
    failed = [StatusUpdate("c", None, StateInfo(State.FAILED, "w2"), 9),
              StatusUpdate("c", 0, StateInfo(State.FAILED, "w2"), 9),
              StatusUpdate("c", 7, StateInfo(State.FAILED, "w2"), 9)]  # fmt: skip
    with pytest.raises(ForbiddenError) as refused:
        group.report("w2", w2, failed)
    message = str(refused.value)
    assert "c-0" in message and "c-7" not in message, (
        f"expected c-0 refused and c-7 (no such task) not named, saw: {message}"
    )
    seen = group.connector_status("c")
    assert State.FAILED not in (seen.connector.state, *(t.state for t in seen.tasks.values())), (
        f"a report from w2, which never ran c, was taken: {seen}"
    )

    # w1's acknowledgement moves a task to w2; w1's late report of it is dropped quietly.
    group.heartbeat("w1", w1, group.assignment("w1", w1).generation, time.monotonic())
    moved = next((t for t in (TaskId("c", 0), TaskId("c", 1)) if group._owner_of(t) == "w2"), None)
    assert moved is not None, f"expected a task of c moved to w2, saw {group.describe()}"
    group.report("w1", w1, [StatusUpdate("c", moved.task, StateInfo(State.FAILED, "w1"), 1)])
    assert group.task_status(moved).state is not State.FAILED, (
        f"w1's late report of {moved}, which moved to w2, overwrote its state"
    )


def test_a_member_id_without_its_session_speaks_for_nobody() -> None:
    """Worker ids are public (statuses show them): a caller naming a member without the session of its
    registration is told to register, for every call a member makes."""
    group = new_group()
    session = group.register("w1", "w1", [], STORAGE, [], {}, time.monotonic())
    group.create_connector("c", SOURCE, TargetState.STARTED)
    calls = {
        "heartbeat": lambda s: group.heartbeat("w1", s, 0, time.monotonic()),
        "assignment": lambda s: group.assignment("w1", s),
        "report": lambda s: group.report(
            "w1", s, [StatusUpdate("c", None, StateInfo(State.FAILED, "w1"), 1)]
        ),
        "submit": lambda s: group.submit_task_configs("w1", s, "c", [{"file": "/tmp/attacker"}]),
    }
    for call in calls.values():
        for forged in ("", "x" * len(session), session[:-1]):
            with pytest.raises(NotFoundError, match="under this registration"):
                call(forged)
    group.leave("w1", "forged")  # ignored: only the member ends its membership
    assert [m.worker_id for m in group.members()] == ["w1"], "a forged leave removed the member"
    assert group.task_infos("c") == [], "a forged submit replaced task configs"
    assert group.connector_status("c").connector.state is not State.FAILED, "a forged report was recorded"
    newer = group.register("w1", "w1", [], STORAGE, [], {}, time.monotonic())
    with pytest.raises(NotFoundError):  # the old registration's session is no longer the member's
        group.heartbeat("w1", session, 0, time.monotonic())
    group.heartbeat("w1", newer, 0, time.monotonic())


def test_reports_refused_for_work_never_had_keep_the_members_own() -> None:
    group = new_group()
    w1 = group.register("w1", "w1", [], STORAGE, [], {}, time.monotonic())
    group.create_connector("c", SOURCE, TargetState.STARTED)
    group.create_connector("d", SOURCE, TargetState.STARTED)
    w2 = group.register("w2", "w2", [], STORAGE, [], {}, time.monotonic())
    group.heartbeat("w1", w1, group.assignment("w1", w1).generation, time.monotonic())
    mine = "c" if group._owner_of("c") == "w2" else "d"
    other = "d" if mine == "c" else "c"
    assert group._owner_of(mine) == "w2" and group._owner_of(other) == "w1", group.describe()
    with pytest.raises(ForbiddenError, match=f"does not run {other}$"):
        group.report("w2", w2, [StatusUpdate(mine, None, StateInfo(State.RUNNING, "w2"), 2),
                                StatusUpdate(other, None, StateInfo(State.FAILED, "w2"), 2)])  # fmt: skip
    assert group.connector_status(mine).connector.state is State.RUNNING, "the member's own report was lost"
    assert group.connector_status(other).connector.state is not State.FAILED, "a foreign report was taken"


def test_task_configs_only_from_the_worker_running_the_connector() -> None:
    group = new_group()
    w1 = group.register("w1", "w1", [], STORAGE, [], {}, time.monotonic())
    group.create_connector("c", SOURCE, TargetState.STARTED)
    rogue = group.register("rogue", "rogue", [], STORAGE, [], {}, time.monotonic())
    owner = group._owner_of("c")
    other, other_session = ("rogue", rogue) if owner == "w1" else ("w1", w1)
    with pytest.raises(ForbiddenError):
        group.submit_task_configs(other, other_session, "c", [{"file": "/etc/passwd"}])
    assert group.task_infos("c") == []


def test_a_storage_refusal_names_the_workers_keys_never_the_groups_topics(
    caplog: pytest.LogCaptureFixture,
) -> None:
    group = new_group()
    wrong = StorageTopics("guess-c", STORAGE.offset_topic, "guess-s")
    with pytest.raises(FailedPreconditionError) as refused:
        group.register("rogue", "rogue", [], wrong, [], {}, time.monotonic())
    message = str(refused.value)
    assert "config.storage.topic='guess-c' and status.storage.topic='guess-s' differ" in message, message
    assert STORAGE.config_topic not in message, f"the refusal names the group's config topic: {message}"
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert f"'{STORAGE.config_topic}'" in logged, f"the coordinator's log must name them: {logged}"
