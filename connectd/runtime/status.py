"""Where connector and task states are reported, and the in-memory store standalone reads them from."""

from __future__ import annotations

import threading
from typing import Protocol

from connectd.runtime.model import StateInfo, TaskId
from connectd.runtime.topic_tracking import ActiveTopics, TopicStatus, now_ms


class StatusListener(Protocol):
    """Receives every state transition of the instances a worker runs."""

    def connector_state(self, connector: str, state: StateInfo) -> None: ...

    def task_state(self, task: TaskId, state: StateInfo) -> None: ...

    def topic_active(self, connector: str, topic: str, task: int) -> None:
        """A task used ``topic`` for the first time (KIP-558 active topics)."""
        ...


class MemoryStatusStore:
    """Statuses of one process (standalone keeps them in memory, as Kafka's standalone worker does)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._connectors: dict[str, StateInfo] = {}
        self._tasks: dict[str, dict[int, StateInfo]] = {}
        self.topics = ActiveTopics()

    def connector_state(self, connector: str, state: StateInfo) -> None:
        with self._lock:
            self._connectors[connector] = state

    def task_state(self, task: TaskId, state: StateInfo) -> None:
        with self._lock:
            self._tasks.setdefault(task.connector, {})[task.task] = state

    def topic_active(self, connector: str, topic: str, task: int) -> None:
        self.topics.record(TopicStatus(topic, connector, task, now_ms()))

    def states(self) -> tuple[dict[str, StateInfo], dict[str, dict[int, StateInfo]]]:
        """Copies of every connector's and task's last reported state."""
        with self._lock:
            return dict(self._connectors), {c: dict(t) for c, t in self._tasks.items()}

    def get_connector(self, connector: str) -> StateInfo | None:
        with self._lock:
            return self._connectors.get(connector)

    def get_tasks(self, connector: str) -> dict[int, StateInfo]:
        with self._lock:
            return dict(self._tasks.get(connector, {}))

    def remove_tasks(self, connector: str, keep: int = 0) -> None:
        """Forget task states with ids >= ``keep`` (tasks that no longer exist)."""
        with self._lock:
            tasks = self._tasks.get(connector, {})
            for task_id in [t for t in tasks if t >= keep]:
                del tasks[task_id]

    def remove(self, connector: str) -> None:
        with self._lock:
            self._connectors.pop(connector, None)
            self._tasks.pop(connector, None)
        # Deleting a connector resets its active topics, as in Kafka.
        self.topics.reset(connector)
