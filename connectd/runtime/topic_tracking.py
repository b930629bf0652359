"""Active topics (KIP-558): which topics a connector's tasks produced to or consumed from since the
connector was created or its set was last reset.

Three pieces, used by standalone and distributed mode alike:

* :class:`TopicTracker`, one per task: reports a topic the first time the task uses it (a set
  lookup on the hot path, one report per topic per task);
* :class:`ActiveTopics`, the record a status store keeps: the first report of a topic wins (its
  task and discovery time stay, as Kafka's tasks skip topics the store already has), a reset or a
  deletion forgets the connector's topics, and every reset moves :attr:`ActiveTopics.resets` on so
  the workers' trackers forget what they reported and report again;
* :class:`TopicTrackingSettings`, the worker configs ``topic.tracking.enable`` and
  ``topic.tracking.allow.reset`` with the REST API's 403s.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from connectd.errors import ForbiddenError
from connectd.runtime.model import TaskId

TRACKING_DISABLED = "Topic tracking is disabled."
RESET_DISABLED = "Topic tracking reset is disabled."


@dataclass(frozen=True, slots=True)
class TopicStatus:
    """One active topic of a connector, as Kafka's status topic records it."""

    topic: str
    connector: str
    task: int
    discover_timestamp: int  # epoch milliseconds of the first use


def now_ms() -> int:
    return time.time_ns() // 1_000_000


TopicReport = Callable[[str, str, int], None]
"""(connector, topic, task) -> None: where a tracker reports a topic it sees for the first time."""


class TopicTracker:
    """The topics one task used. ``record`` runs for every record: it must stay a set lookup."""

    __slots__ = ("_report", "_seen", "task_id")

    def __init__(self, task_id: TaskId, report: TopicReport) -> None:
        self.task_id = task_id
        self._report = report
        self._seen: set[str] = set()

    def record(self, topic: str) -> None:
        if topic in self._seen:
            return
        self._seen.add(topic)
        self._report(self.task_id.connector, topic, self.task_id.task)

    def forget(self) -> None:
        """After a reset: report every topic again on its next use. Rebinding (not clearing) keeps a
        concurrent ``record`` on the task thread safe."""
        self._seen = set()


class DisabledTopicTracker(TopicTracker):
    """``topic.tracking.enable=false``: nothing is recorded, nothing reaches the status store."""

    __slots__ = ()

    def __init__(self, task_id: TaskId) -> None:
        super().__init__(task_id, lambda _connector, _topic, _task: None)

    def record(self, topic: str) -> None:
        pass


class ActiveTopics:
    """Active topics by connector, with optional persistence hooks (the distributed status topic).

    ``persist`` receives each newly recorded topic and ``remove`` the topics of a connector that were
    reset or deleted; both run under the lock, so the store sees changes in the order applied.
    Thread-safe.
    """

    def __init__(
        self,
        initial: Mapping[str, Mapping[str, TopicStatus]] | None = None,
        persist: Callable[[TopicStatus], None] | None = None,
        remove: Callable[[str, list[str]], None] | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self._topics: dict[str, dict[str, TopicStatus]] = {
            connector: dict(topics) for connector, topics in (initial or {}).items() if topics
        }
        self._persist = persist
        self._remove = remove
        self._resets = 0

    @property
    def resets(self) -> int:
        """How many resets (and deletions) happened since this record was built."""
        with self._lock:
            return self._resets

    def record(self, status: TopicStatus) -> bool:
        """Record a topic unless the connector already has it; True when it was new."""
        with self._lock:
            known = self._topics.get(status.connector, {})
            if status.topic in known:
                return False
            if self._persist is not None:
                self._persist(status)
            self._topics.setdefault(status.connector, {})[status.topic] = status
            return True

    def topics(self, connector: str) -> list[str]:
        """The connector's active topics, sorted; empty for a connector that never reported any."""
        with self._lock:
            return sorted(self._topics.get(connector, {}))

    def statuses(self, connector: str) -> list[TopicStatus]:
        with self._lock:
            return sorted(self._topics.get(connector, {}).values(), key=lambda s: s.topic)

    def reset(self, connector: str) -> None:
        """Forget every topic of the connector (reset or deletion); tasks that keep using one report it
        again once their worker saw :attr:`resets` move."""
        with self._lock:
            topics = sorted(self._topics.get(connector, {}))
            if topics and self._remove is not None:
                self._remove(connector, topics)
            self._topics.pop(connector, None)
            self._resets += 1


@dataclass(frozen=True, slots=True)
class TopicTrackingSettings:
    """``topic.tracking.enable`` and ``topic.tracking.allow.reset`` of the process answering REST."""

    enabled: bool = True
    allow_reset: bool = True

    @classmethod
    def from_config(cls, config: Any) -> TopicTrackingSettings:
        """From a :class:`connectd.config.WorkerConfig` (anything indexable by config key)."""
        return cls(bool(config["topic.tracking.enable"]), bool(config["topic.tracking.allow.reset"]))

    def check_enabled(self) -> None:
        """403 ``Topic tracking is disabled.`` (both topics endpoints)."""
        if not self.enabled:
            raise ForbiddenError(TRACKING_DISABLED)

    def check_reset_allowed(self) -> None:
        """The reset endpoint: tracking must be enabled, then reset allowed (Kafka's order)."""
        self.check_enabled()
        if not self.allow_reset:
            raise ForbiddenError(RESET_DISABLED)

    def tracker(self, task_id: TaskId, report: TopicReport) -> TopicTracker:
        """The tracker of a task this worker runs."""
        return TopicTracker(task_id, report) if self.enabled else DisabledTopicTracker(task_id)


class TopicResetWatch:
    """A distributed worker's side of resets: the coordinator's reset count comes with each heartbeat;
    when it moved, the worker's tasks forget what they reported so they report their topics again."""

    def __init__(self, forget: Callable[[], None]) -> None:
        self._forget = forget
        self._seen = 0  # a new coordinator starts at 0 too

    def observe(self, resets: int) -> None:
        # Any change, not only an increase: a restarted coordinator counts from 0 again.
        if resets != self._seen:
            self._seen = resets
            self._forget()
