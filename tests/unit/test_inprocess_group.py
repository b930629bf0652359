"""A whole group in one process: the coordinator core and several members, each the real membership
loop and assignment applier over a :class:`LocalPort` (no sockets) and a worker that records what
it runs instead of running it. Joins, leaves, a cut-off member, a coordinator restart, in real
(short) time."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from connectd.cluster.applier import AssignmentApplier
from connectd.cluster.assignments import StorageTopics
from connectd.cluster.coordinator import Coordinator
from connectd.cluster.coordinator_port import Registration
from connectd.cluster.group import GroupSettings
from connectd.cluster.local_port import LocalPort
from connectd.cluster.worker_membership import MembershipLoop, StatusReporter
from connectd.runtime.model import PluginInfo, State, StateInfo, TargetState, TaskId
from connectd.storage.config_store import MemoryConfigStore
from connectd.storage.status_store import MemoryStatusBackend

GROUP = "g"
STORAGE = StorageTopics("configs", "offsets", "status")
SETTINGS = GroupSettings(heartbeat_interval_ms=20, lease_timeout_ms=300, rebalance_delay_ms=100)
PLUGINS = [PluginInfo("test.Source", "source", "1.0")]


class World:
    """Every copy of every task that any member runs, with its epoch: what the processes do."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.copies: dict[TaskId, dict[str, int]] = {}
        self.starts: dict[tuple[str, TaskId], int] = {}

    def start(self, worker: str, task: TaskId, epoch: int) -> None:
        with self.lock:
            self.copies.setdefault(task, {})[worker] = epoch
            self.starts[(worker, task)] = self.starts.get((worker, task), 0) + 1

    def stop(self, worker: str, task: TaskId) -> None:
        with self.lock:
            self.copies.get(task, {}).pop(worker, None)

    def running(self) -> dict[TaskId, dict[str, int]]:
        with self.lock:
            return {t: dict(c) for t, c in self.copies.items() if c}


class RecordingWorker:
    """What AssignmentApplier drives, recording instead of running: connectors make ``tasks.max``
    task configs; tasks are entries in the world."""

    def __init__(self, name: str, world: World, statuses: Any) -> None:
        self.name, self._world, self._statuses = name, world, statuses
        self._connectors: dict[str, Mapping[str, str]] = {}
        self._tasks: set[TaskId] = set()

    def start_connector(self, name: str, config: Mapping[str, str], _on: Any, target: TargetState) -> bool:
        self._connectors[name] = config
        self._statuses.connector_state(name, StateInfo(State.RUNNING, self.name))
        return target is TargetState.STARTED

    def connector_task_configs(self, name: str) -> list[dict[str, str]]:
        return [{"task": str(i)} for i in range(int(self._connectors[name].get("tasks.max", "1")))]

    def stop_connector(self, name: str) -> None:
        self._connectors.pop(name, None)

    def transition_connector(
        self, name: str, config: Mapping[str, str], target: TargetState, _on: Any
    ) -> bool:
        return self.start_connector(name, config, _on, target)

    def is_running(self, name: str) -> bool:
        return name in self._connectors

    def start_task(self, task: TaskId, _cc: Any, _tc: Any, target: TargetState, epoch: int = 0) -> None:
        self._tasks.add(task)
        self._world.start(self.name, task, epoch)
        self._statuses.task_state(task, StateInfo(State.RUNNING, self.name))

    def stop_tasks(self, tasks: Any) -> list[TaskId]:
        for task in list(tasks):
            self._tasks.discard(task)
            self._world.stop(self.name, task)
        return []

    def set_tasks_target(self, _tasks: Any, _target: TargetState) -> None:
        pass

    def stop(self) -> None:
        self.stop_tasks(list(self._tasks))
        self._connectors.clear()


@dataclass
class Member:
    name: str
    port: LocalPort
    applier: AssignmentApplier
    loop: MembershipLoop
    reporter: StatusReporter
    worker: RecordingWorker

    def stop(self) -> None:
        self.loop.stop()
        self.applier.stop()
        self.reporter.stop(timeout=1)
        self.port.close()


@dataclass
class Group:
    world: World = field(default_factory=World)
    configs: MemoryConfigStore = field(default_factory=MemoryConfigStore)
    statuses: MemoryStatusBackend = field(default_factory=MemoryStatusBackend)
    members: dict[str, Member] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.coordinator = self._new_coordinator()
        self._stop = threading.Event()
        threading.Thread(target=self._tick, daemon=True).start()

    def _new_coordinator(self) -> Coordinator:
        return Coordinator(lambda _g, _s: (self.configs, self.statuses), workers=None, settings=SETTINGS)  # type: ignore[arg-type]

    def restart_coordinator(self) -> None:
        old, self.coordinator = self.coordinator, self._new_coordinator()
        old.close()

    def _tick(self) -> None:
        while not self._stop.wait(0.01):
            self.coordinator.tick()

    def join(self, name: str) -> Member:
        port = LocalPort(lambda: self.coordinator, GROUP, name, watch_poll_s=0.02)
        holder: dict[str, Any] = {}
        reporter = StatusReporter(
            port, lambda: holder["applier"].applied_generation, lambda: holder["loop"].lease_lapsed()
        )
        worker = RecordingWorker(name, self.world, reporter)
        applier = holder["applier"] = AssignmentApplier(
            worker, port.submit_task_configs, retry_backoff_s=0.02
        )  # type: ignore[arg-type]

        def registration() -> Registration:
            connectors, tasks = applier.running()
            return Registration(name, PLUGINS, STORAGE, connectors, tasks)

        loop = holder["loop"] = MembershipLoop(port, applier, registration)
        member = self.members[name] = Member(name, port, applier, loop, reporter, worker)
        reporter.start()
        loop.start()
        return member

    def create(self, name: str, tasks: int) -> None:
        group = self.coordinator.group(GROUP)
        group.create_connector(
            name, {"connector.class": "test.Source", "tasks.max": str(tasks)}, TargetState.STARTED
        )

    def placement(self) -> dict[TaskId, str]:
        """Where each task runs, if on exactly one member; raises on two live copies of one epoch."""
        out = {}
        for task, copies in self.world.running().items():
            if len(copies) == 1:
                out[task] = next(iter(copies))
        return out

    def close(self) -> None:
        self._stop.set()
        for member in self.members.values():
            member.stop()
        self.coordinator.close()


def wait_until(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = condition()
        if last:
            return last
        time.sleep(0.01)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; last seen: {last!r}")


@pytest.fixture
def group() -> Iterator[Group]:
    g = Group()
    try:
        yield g
    finally:
        g.close()


def balanced(group: Group, tasks: int, members: set[str]) -> dict[TaskId, str] | None:
    placement = group.placement()
    if len(placement) != tasks or set(placement.values()) != members:
        return None
    counts = [list(placement.values()).count(m) for m in members]
    return placement if max(counts) - min(counts) <= 1 else None


def test_members_share_the_tasks_and_a_leaving_one_hands_over(group: Group) -> None:
    for name in ("w1", "w2", "w3"):
        group.join(name)
    group.create("src", 6)
    wait_until(lambda: balanced(group, 6, {"w1", "w2", "w3"}), 5, "6 tasks balanced over 3 members")
    # Placement is the coordinator's; each member reports RUNNING on its own thread right after.
    wait_until(
        lambda: (
            (status := group.coordinator.group(GROUP).connector_status("src"))
            and len(status.tasks) == 6
            and all(t.state is State.RUNNING for t in status.tasks.values())
        ),
        5,
        "all 6 tasks reported RUNNING",
    )

    leaving = group.members["w3"]
    leaving.loop.stop()
    leaving.applier.stop()
    leaving.loop.leave()  # as a stopping worker leaves: with its registration's session
    leaving.stop()
    wait_until(lambda: balanced(group, 6, {"w1", "w2"}), 5, "6 tasks balanced over the 2 left")


def test_a_cut_off_member_is_replaced_by_a_newer_epoch_and_fenced_back(group: Group) -> None:
    for name in ("w1", "w2"):
        group.join(name)
    group.create("src", 2)
    placement = wait_until(lambda: balanced(group, 2, {"w1", "w2"}), 5, "2 tasks over 2 members")
    cut = group.members[placement[TaskId("src", 0)]]
    old_epoch = group.world.running()[TaskId("src", 0)][cut.name]
    cut.port.cut.set()  # its process runs on, the coordinator no longer hears from it

    def moved() -> dict[str, int] | None:
        copies = group.world.running().get(TaskId("src", 0), {})
        return copies if len(copies) == 2 else None

    copies = wait_until(moved, 5, "src-0 started on the other member while the cut one still runs it")
    newest = group.coordinator.group(GROUP).describe()
    current = next(v.epochs[TaskId("src", 0)] for v in newest if TaskId("src", 0) in v.epochs)
    assert copies[cut.name] == old_epoch < current == max(copies.values()), (
        f"the stale copy must keep the old epoch {old_epoch} and the new one get {current}: {copies}"
    )
    assert cut.loop.lease_lapsed(), "past its lease the cut member must know it may have lost its work"

    cut.port.cut.clear()  # healed: it registers again claiming src-0, and is told to stop it
    wait_until(lambda: len(group.world.running().get(TaskId("src", 0), {})) == 1, 5, "the stale copy stopped")
    owner = next(iter(group.world.running()[TaskId("src", 0)]))
    assert owner != cut.name, f"the zombie won src-0 back by registering again (owner {owner})"


def test_a_coordinator_restart_moves_and_restarts_nothing(group: Group) -> None:
    for name in ("w1", "w2"):
        group.join(name)
    group.create("src", 4)
    before = wait_until(lambda: balanced(group, 4, {"w1", "w2"}), 5, "4 tasks over 2 members")
    starts = dict(group.world.starts)
    group.restart_coordinator()

    def registered() -> set[str]:
        if GROUP not in group.coordinator.group_ids():
            return set()
        return {m.worker_id for m in group.coordinator.group(GROUP).members()}

    wait_until(lambda: registered() == {"w1", "w2"}, 5, "both members registered again")
    wait_until(lambda: group.coordinator.group(GROUP).settled, 5, "the restarted coordinator settled")
    wait_until(
        lambda: all(v.applied_generation == v.generation for v in group.coordinator.group(GROUP).describe()),
        5,
        "every member applied its latest assignment",
    )
    after = group.placement()
    assert after == before, f"tasks moved across the restart: {before} -> {after}"
    assert group.world.starts == starts, f"tasks restarted: {starts} -> {group.world.starts}"
