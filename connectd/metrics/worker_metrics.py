"""A worker's metrics: its connectors (connector-metrics), its tasks (each a :class:`TaskMetrics`),
its counts and startups (connect-worker-metrics) and, when it is a member of a group, its rebalances
(connect-worker-rebalance-metrics, connect-coordinator-metrics).

Unlike Kafka's JMX metrics, a FAILED task keeps its series until the task is stopped (restarted,
reassigned or deleted): the failure stays visible to the scrape and to alerts."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from connectd.metrics.samples import Labels, SampleList
from connectd.metrics.settings import MetricsSettings
from connectd.metrics.stats import SampledStat
from connectd.metrics.task_metrics import TaskKind, TaskMetrics
from connectd.runtime.model import StateInfo, TaskId
from connectd.runtime.status import StatusListener

_TASK_STATES = ("running", "paused", "failed", "unassigned", "destroyed", "restarting")


@dataclass(slots=True)
class ConnectorDescription:
    """connector-metrics: the text attributes, and the last reported status."""

    connector_class: str = ""
    connector_type: str = "unknown"
    connector_version: str = ""
    status: str = "unassigned"


@dataclass(slots=True)
class Startups:
    attempts: int = 0
    successes: int = 0
    failures: int = 0

    def record(self, succeeded: bool) -> None:
        self.attempts += 1
        if succeeded:
            self.successes += 1
        else:
            self.failures += 1

    def add_to(self, group: SampleList, unit: str) -> None:
        group.counter(f"{unit}-startup-attempts-total", self.attempts)
        group.counter(f"{unit}-startup-success-total", self.successes)
        group.counter(f"{unit}-startup-failure-total", self.failures)
        share = self.successes / self.attempts if self.attempts else 0.0
        group.gauge(f"{unit}-startup-success-percentage", share * 100)
        group.gauge(f"{unit}-startup-failure-percentage", (1 - share) * 100 if self.attempts else 0.0)


class RebalanceMetrics:
    """connect-worker-rebalance-metrics: each assignment generation applied is one completed rebalance."""

    def __init__(self, settings: MetricsSettings, clock: Callable[[], float]) -> None:
        self._clock = clock
        self.completed = 0
        self.epoch = 0
        self.rebalancing = False
        self.last_completed: float | None = None
        self.time_ms = SampledStat(settings.window_s, settings.samples, clock())
        # What this member runs (connect-coordinator-metrics), read at scrape time.
        self.assigned: Callable[[], tuple[int, int]] = lambda: (0, 0)

    def started(self) -> float:
        self.rebalancing = True
        return self._clock()

    def completed_at(self, generation: int, started: float) -> None:
        now = self._clock()
        self.completed += 1
        self.epoch = generation
        self.rebalancing = False
        self.last_completed = now
        self.time_ms.record((now - started) * 1000, now)

    def samples(self, labels: Labels) -> list[SampleList]:
        now = self._clock()
        group = SampleList("connect-worker-rebalance-metrics", labels)
        group.counter("completed-rebalances-total", self.completed)
        group.gauge("epoch", self.epoch)
        group.gauge("rebalancing", 1.0 if self.rebalancing else 0.0)
        group.gauge("rebalance-avg-time-ms", self.time_ms.avg(now))
        group.gauge("rebalance-max-time-ms", self.time_ms.max(now))
        since = math.inf if self.last_completed is None else (now - self.last_completed) * 1000
        group.gauge("time-since-last-rebalance-ms", since)
        coordinator = SampleList("connect-coordinator-metrics", labels)
        connectors, tasks = self.assigned()
        coordinator.gauge("assigned-connectors", connectors)
        coordinator.gauge("assigned-tasks", tasks)
        return [group, coordinator]


class WorkerMetrics:
    def __init__(
        self, worker_id: str, settings: MetricsSettings, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.worker_id = worker_id
        self.settings = settings
        self._clock = clock
        self._lock = threading.Lock()
        self._connectors: dict[str, ConnectorDescription] = {}
        self._tasks: dict[TaskId, TaskMetrics] = {}
        self._task_states: dict[TaskId, str] = {}
        self.connector_startups = Startups()
        self.task_startups = Startups()
        self.rebalance: RebalanceMetrics | None = None  # set by a group member's assignment applier

    # --- connectors ------------------------------------------------------------------------------

    def connector_described(self, name: str, connector_class: str, connector_type: str, version: str) -> None:
        with self._lock:
            description = self._connectors.setdefault(name, ConnectorDescription())
            description.connector_class = connector_class
            description.connector_type = connector_type
            description.connector_version = version or description.connector_version

    def connector_state(self, name: str, state: StateInfo) -> None:
        with self._lock:
            description = self._connectors.setdefault(name, ConnectorDescription())
            description.status = state.state.value.lower()
            if state.version:
                description.connector_version = state.version

    def connector_removed(self, name: str) -> None:
        with self._lock:
            self._connectors.pop(name, None)

    # --- tasks -----------------------------------------------------------------------------------

    def new_task(self, task_id: TaskId, kind: TaskKind) -> TaskMetrics | None:
        """A task's metrics, to hand to its runner; None when recording is off (``metrics.enabled``)."""
        if not self.settings.enabled:
            return None
        labels = (("connector", task_id.connector), ("task", str(task_id.task)), ("worker", self.worker_id))
        return TaskMetrics(kind, labels, self.settings, self._clock)

    def task_added(self, task_id: TaskId, metrics: TaskMetrics | None) -> None:
        with self._lock:
            if metrics is not None:
                self._tasks[task_id] = metrics
            else:
                self._tasks.pop(task_id, None)

    def task_state(self, task_id: TaskId, state: StateInfo) -> None:
        status = state.state.value.lower()
        with self._lock:
            self._task_states[task_id] = status
            metrics = self._tasks.get(task_id)
        if metrics is not None:
            metrics.state_changed(status)

    def task_removed(self, task_id: TaskId) -> None:
        with self._lock:
            self._tasks.pop(task_id, None)
            self._task_states.pop(task_id, None)

    # --- scrape ----------------------------------------------------------------------------------

    def samples(self) -> list[SampleList]:
        """Every group's current readings."""
        worker = (("worker", self.worker_id),)
        with self._lock:
            connectors = dict(self._connectors)
            tasks = list(self._tasks.values())
            states = dict(self._task_states)
        groups: list[SampleList] = []
        for name, description in sorted(connectors.items()):
            group = SampleList("connector-metrics", (("connector", name), *worker))
            group.text("connector-class", description.connector_class)
            group.text("connector-type", description.connector_type)
            group.text("connector-version", description.connector_version)
            group.text("status", description.status)
            groups.append(group)
        for task in tasks:
            groups.extend(task.samples())
        totals = SampleList("connect-worker-metrics", worker)
        totals.gauge("connector-count", len(connectors))
        totals.gauge("task-count", len(states))
        self.connector_startups.add_to(totals, "connector")
        self.task_startups.add_to(totals, "task")
        groups.append(totals)
        for name in sorted({t.connector for t in states} | set(connectors)):
            mine = [state for task_id, state in states.items() if task_id.connector == name]
            per_connector = SampleList("connect-worker-metrics", (("connector", name), *worker))
            per_connector.gauge("connector-total-task-count", len(mine))
            for state in _TASK_STATES:
                per_connector.gauge(f"connector-{state}-task-count", mine.count(state))
            groups.append(per_connector)
        if self.rebalance is not None:
            groups.extend(self.rebalance.samples(worker))
        return groups


class MetricsStatusListener:
    """A :class:`StatusListener` that records each transition in the metrics, then passes it on."""

    def __init__(self, inner: StatusListener, metrics: WorkerMetrics) -> None:
        self._inner = inner
        self._metrics = metrics

    def connector_state(self, connector: str, state: StateInfo) -> None:
        self._metrics.connector_state(connector, state)
        self._inner.connector_state(connector, state)

    def task_state(self, task: TaskId, state: StateInfo) -> None:
        self._metrics.task_state(task, state)
        self._inner.task_state(task, state)

    def topic_active(self, connector: str, topic: str, task: int) -> None:
        self._inner.topic_active(connector, topic, task)
