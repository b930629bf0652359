"""The status feed of a group: versions of status changes and a watcher's cursor. The property that
matters: a watcher that applies every delta it is sent holds exactly what a full read returns, after
any sequence of configs, reports and membership changes."""

from __future__ import annotations

import time

from connectd.cluster.assignments import StorageTopics
from connectd.cluster.coordinator_port import StatusUpdate
from connectd.cluster.group import Group, GroupSettings
from connectd.cluster.status_feed import StatusChanges, StatusCursor, StatusDelta
from connectd.runtime.model import ConnectorStateInfo, PluginInfo, State, StateInfo, TargetState
from connectd.storage.config_store import MemoryConfigStore
from connectd.storage.status_store import MemoryStatusBackend

STORAGE = StorageTopics("configs", "offsets", "status")
SOURCE = {"connector.class": "test.Source", "tasks.max": "1"}
BASE = 7 << 20


def _status(name: str, state: State = State.RUNNING) -> ConnectorStateInfo:
    return ConnectorStateInfo(name, StateInfo(state, "w1"))


def test_changes_are_versioned_per_connector_or_all_at_once() -> None:
    changes = StatusChanges(BASE)
    assert changes.since(None) == (BASE, None), "a first read is a snapshot"
    changes.touch("a")
    changes.touch("b")
    assert changes.since(BASE) == (BASE + 2, {"a", "b"})
    assert changes.since(BASE + 1) == (BASE + 2, {"b"})
    assert changes.since(BASE + 2) == (BASE + 2, set())
    changes.touch_all()
    assert changes.since(BASE + 2) == (BASE + 3, None), "older than a change of everything: a full read"
    changes.touch("a")
    assert changes.since(BASE + 3) == (BASE + 4, {"a"})


def test_a_waiter_wakes_on_a_change_or_times_out() -> None:
    changes = StatusChanges(BASE)
    started = time.monotonic()
    assert not changes.wait_beyond(BASE, 0.05)
    assert time.monotonic() - started >= 0.05
    changes.touch("a")
    assert changes.wait_beyond(BASE, 5)


def test_a_cursor_sends_a_snapshot_then_only_what_differs() -> None:
    cursor = StatusCursor()
    first = cursor.advance(StatusDelta(10, True, [_status("a"), _status("b")]))
    assert first == StatusDelta(10, True, [_status("a"), _status("b")])
    assert cursor.advance(StatusDelta(10, False, [_status("a")])) is None, "same version: nothing to send"
    # A change of everything where only b changed and a is gone.
    out = cursor.advance(StatusDelta(11, True, [_status("b", State.PAUSED)]))
    assert out == StatusDelta(11, False, [_status("b", State.PAUSED)], ["a"])
    # A new version with no effective change is sent, empty: its version is what the watcher needs.
    assert cursor.advance(StatusDelta(12, False, [_status("b", State.PAUSED)], ["zz"])) == StatusDelta(
        12, False, [], []
    )


def _group() -> Group:
    settings = GroupSettings(lease_timeout_ms=60_000, rebalance_delay_ms=0)
    return Group("g", STORAGE, MemoryConfigStore(), MemoryStatusBackend(), settings,
                 lambda _w, _a: None, time.monotonic(), epoch_base=BASE)  # fmt: skip


class _Watcher:
    """Applies every delta, as the REST view does."""

    def __init__(self, group: Group) -> None:
        self.group = group
        self.cursor = StatusCursor()
        self.held: dict[str, ConnectorStateInfo] = {}

    def catch_up(self) -> int:
        out = self.cursor.advance(self.group.status_delta(self.cursor.version))
        if out is not None:
            if out.snapshot:
                self.held.clear()
            self.held.update({s.name: s for s in out.statuses})
            for name in out.removed:
                del self.held[name]
        assert self.cursor.version is not None
        return self.cursor.version

    def check(self, what: str) -> None:
        before = self.cursor.version
        version = self.catch_up()
        truth = {s.name: s for s in self.group.connector_statuses()}
        assert self.held == truth, f"after {what}: the watcher holds {self.held}, a full read {truth}"
        assert before is None or version > before, f"{what} did not move the version"


def test_a_watcher_applying_every_delta_equals_a_full_read() -> None:
    group = _group()
    watcher = _Watcher(group)
    assert watcher.catch_up() >= BASE, "versions start at the coordinator's epoch base"
    now = time.monotonic()
    w1 = group.register("w1", "w1", [PluginInfo("test.Source", "source")], STORAGE, [], {}, now)
    watcher.check("a registration (connector types)")
    group.create_connector("c", SOURCE, TargetState.STARTED)
    watcher.check("a create")
    group.create_connector("d", SOURCE, TargetState.PAUSED)
    watcher.check("another create")
    group.submit_task_configs("w1", w1, "c", [{}])
    watcher.check("task configs")
    group.report("w1", w1, [StatusUpdate("c", None, StateInfo(State.RUNNING, "w1"), 1)])
    watcher.check("a connector report")
    group.report("w1", w1, [StatusUpdate("c", 0, StateInfo(State.FAILED, "w1", trace="boom"), 1)])
    watcher.check("a task report")
    group.set_target_state("c", TargetState.PAUSED)
    watcher.check("a pause")
    w2 = group.register("w2", "w2", [], STORAGE, [], {}, now)
    watcher.check("a second member (a rebalance)")
    group.leave("w1", w1)
    watcher.check("a member leaving (owners of unassigned instances)")
    group.delete_connector("d")
    watcher.check("a delete")
    version = group.status_changes.version
    group.heartbeat("w2", w2, 0, now)
    group.tick(now)
    if group.status_changes.version != version:
        watcher.check("a heartbeat")
    assert "d" not in watcher.held


def test_a_write_is_versioned_before_it_returns() -> None:
    """What read-your-writes relies on: once a write returned, the version a client reads next
    covers it."""
    group = _group()
    before = group.status_changes.version
    group.create_connector("c", SOURCE, TargetState.STARTED)
    after = group.status_changes.version
    assert after > before
    delta = group.status_delta(before)
    assert delta.version == after and [s.name for s in delta.statuses] == ["c"]
