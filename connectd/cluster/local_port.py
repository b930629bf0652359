"""A :class:`CoordinatorPort` over an in-process :class:`Coordinator`: a whole group (coordinator and
members, no sockets) in one process, for tests of membership, hand-over and fencing that run in
milliseconds. ``cut`` makes every call fail as an unreachable coordinator would (a network cut)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence

from connectd.cluster.assignments import MemberAssignment
from connectd.cluster.coordinator import Coordinator
from connectd.cluster.coordinator_port import (
    HeartbeatResult,
    Registration,
    RegistrationResult,
    StatusUpdate,
)
from connectd.errors import UnavailableError
from connectd.runtime.topic_tracking import TopicStatus


class LocalPort:
    def __init__(
        self,
        coordinator: Callable[[], Coordinator],
        group_id: str,
        worker_id: str,
        watch_poll_s: float = 0.05,
    ) -> None:
        """``coordinator`` returns the current coordinator (a test may replace it: a restart)."""
        self._coordinator = coordinator
        self.group_id = group_id
        self.worker_id = worker_id
        self._poll = watch_poll_s
        self.cut = threading.Event()
        self._closed = threading.Event()
        self._session = ""  # the latest registration's, presented by every other call

    def _core(self) -> Coordinator:
        if self.cut.is_set() or self._closed.is_set():
            raise UnavailableError(f"coordinator unreachable from {self.worker_id}")
        return self._coordinator()

    def register(self, registration: Registration) -> RegistrationResult:
        admission = self._core().register(
            self.group_id,
            self.worker_id,
            registration.address,
            registration.plugins,
            registration.storage,
            registration.connectors,
            registration.tasks,
        )
        self._session = admission.session
        settings = admission.settings
        return RegistrationResult(settings.heartbeat_interval_ms, settings.lease_timeout_ms)

    def heartbeat(self, applied_generation: int) -> HeartbeatResult:
        core = self._core()
        generation = core.heartbeat(self.group_id, self.worker_id, self._session, applied_generation)
        return HeartbeatResult(generation, core.group(self.group_id).active_topics.resets)

    def watch(self) -> Iterator[MemberAssignment]:
        last: int | None = None
        while True:
            core = self._core()
            assignment = core.next_assignment(self.group_id, self.worker_id, self._session, last, self._poll)
            if assignment is not None:
                last = assignment.generation
                yield assignment

    def leave(self) -> None:
        self._core().leave(self.group_id, self.worker_id, self._session)

    def report_status(self, updates: Sequence[StatusUpdate], topics: Sequence[TopicStatus] = ()) -> None:
        self._core().report_status(self.group_id, self.worker_id, self._session, updates, topics)

    def submit_task_configs(self, connector: str, configs: Sequence[Mapping[str, str]]) -> None:
        self._core().submit_task_configs(self.group_id, self.worker_id, self._session, connector, configs)

    def close(self) -> None:
        self._closed.set()
