"""A distributed worker's side of its group, over a :class:`CoordinatorPort`: register, hold the
assignment stream and apply each generation, renew the lease, report statuses.

When the coordinator can't be reached every loop backs off and retries while every task keeps
running: a coordinator outage stops nothing. A worker can't tell an outage from being cut off (the
coordinator then moves its work after the lease), so past its lease it stops reporting its tasks
as RUNNING and relies on fencing: a task that moved has a newer epoch elsewhere, and this copy's
next offset commit is refused, which stops it.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable

from connectd.cluster.applier import AssignmentApplier
from connectd.cluster.coordinator_port import CoordinatorPort, Registration, StatusUpdate
from connectd.errors import ConnectdError, FailedPreconditionError, ForbiddenError, NotFoundError
from connectd.runtime.model import State, StateInfo, TaskId
from connectd.runtime.topic_tracking import TopicStatus, now_ms

log = logging.getLogger(__name__)

_MAX_BACKOFF_S = 2.0


class MembershipLoop:
    """Register, then keep the lease and the assignment stream alive until stopped."""

    def __init__(
        self,
        port: CoordinatorPort,
        applier: AssignmentApplier,
        registration: Callable[[], Registration],
        on_topic_resets: Callable[[int], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._port = port
        self._applier = applier
        self._registration = registration
        self._on_topic_resets = on_topic_resets
        self._clock = clock
        self._stop = threading.Event()
        self._registered = threading.Event()
        # Register and heartbeat one at a time: no heartbeat carries a generation of an older membership.
        self._membership_lock = threading.Lock()
        self._heartbeat_s = 1.0
        self._lease_s = 5.0
        self._last_contact = clock()
        self._lapsed_logged = False
        self._threads = [
            threading.Thread(target=self._watch_loop, name="assignments", daemon=True),
            threading.Thread(target=self._heartbeat_loop, name="heartbeat", daemon=True),
        ]
        self.refused: str | None = None

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def lease_lapsed(self) -> bool:
        """No contact with the coordinator for longer than the lease: the work may have moved."""
        lapsed = self._clock() - self._last_contact > self._lease_s
        if lapsed and not self._lapsed_logged:
            self._lapsed_logged = True
            log.warning(
                "no contact with the coordinator for over the lease (%.1f s): tasks keep running but are no "
                "longer reported RUNNING; any that moved are fenced at their next offset commit",
                self._lease_s,
            )
        return lapsed

    def _contact(self) -> None:
        self._last_contact = self._clock()
        if self._lapsed_logged:
            self._lapsed_logged = False
            log.info("in contact with the coordinator again")

    def _register(self) -> None:
        """Register (again), retrying with backoff; a refusal (wrong storage topics) is fatal."""
        backoff = 0.1
        while not self._stop.is_set():
            try:
                with self._membership_lock:
                    # A new membership: the coordinator numbers its generations afresh (it may have
                    # restarted), so the last one applied under the old membership means nothing now.
                    self._applier.reset_generation()
                    registration = self._registration()
                    result = self._port.register(registration)
                self._heartbeat_s = max(0.01, result.heartbeat_interval_ms / 1000)
                self._lease_s = result.lease_timeout_ms / 1000
                self._contact()
                self._registered.set()
                log.info(
                    "registered with the coordinator (%d connectors, %d tasks running)",
                    len(registration.connectors),
                    len(registration.tasks),
                )
                return
            except FailedPreconditionError as exc:
                self.refused = str(exc)
                log.error("refused by the coordinator: %s", exc)
                self._stop.set()
                return
            except ConnectdError as exc:
                log.warning("cannot register with the coordinator (%s); retrying in %.1fs", exc, backoff)
            self._stop.wait(backoff)
            backoff = min(backoff * 2, _MAX_BACKOFF_S)

    def _watch_loop(self) -> None:
        self._register()
        backoff = 0.1
        while not self._stop.is_set():
            try:
                for assignment in self._port.watch():
                    backoff = 0.1
                    self._applier.apply(assignment)
                    if self._stop.is_set():
                        return
            except NotFoundError:
                self._registered.clear()
                self._register()
                continue
            except ConnectdError as exc:
                if self._stop.is_set():
                    return
                log.warning("assignment stream broken (%s); tasks keep running, retrying", exc)
            self._stop.wait(backoff)
            backoff = min(backoff * 2, _MAX_BACKOFF_S)

    def _heartbeat_loop(self) -> None:
        while not self._stop.wait(self._heartbeat_s):
            if not self._registered.is_set():
                continue
            try:
                with self._membership_lock:
                    result = self._port.heartbeat(self._applier.applied_generation)
                self._contact()
                if self._on_topic_resets is not None:
                    self._on_topic_resets(result.topic_resets)
            except NotFoundError:
                # The coordinator forgot us (it restarted, or declared us dead): the assignment
                # stream fails the same way, and the watch loop registers again.
                self._registered.clear()
            except ConnectdError as exc:
                log.debug("heartbeat failed: %s", exc)

    def wait_stopped(self, timeout: float) -> bool:
        return self._stop.wait(timeout)

    def stop(self) -> None:
        """Stop the loops; the lease still covers the work until :meth:`leave`."""
        self._stop.set()

    def leave(self) -> None:
        try:
            self._port.leave()
        except ConnectdError as exc:
            log.info("could not leave the group cleanly: %s", exc)


# A state transition, or a task's newly used topic.
_Report = StatusUpdate | TopicStatus


class StatusReporter:
    """A :class:`StatusListener` that ships transitions to the coordinator in order, retrying.

    Past the lease (``lease_lapsed``) RUNNING is not reported: the task may have moved, and its new
    owner's RUNNING must not be overwritten by this copy's (the coordinator refuses reports from a
    worker that does not own the instance too)."""

    def __init__(
        self,
        port: CoordinatorPort,
        generation: Callable[[], int],
        lease_lapsed: Callable[[], bool] = lambda: False,
    ) -> None:
        self._port = port
        self._generation = generation
        self._lease_lapsed = lease_lapsed
        self._queue: queue.Queue[_Report | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="status-reporter", daemon=True)
        self._closed = threading.Event()

    def start(self) -> None:
        self._thread.start()

    def _put(self, connector: str, task: int | None, state: StateInfo) -> None:
        if state.state is State.RUNNING and self._lease_lapsed():
            log.info("not reporting %s RUNNING: no contact with the coordinator for over the lease",
                     connector if task is None else TaskId(connector, task))  # fmt: skip
            return
        self._queue.put(StatusUpdate(connector, task, state, self._generation()))

    def connector_state(self, connector: str, state: StateInfo) -> None:
        self._put(connector, None, state)

    def task_state(self, task: TaskId, state: StateInfo) -> None:
        self._put(task.connector, task.task, state)

    def topic_active(self, connector: str, topic: str, task: int) -> None:
        self._queue.put(TopicStatus(topic, connector, task, now_ms()))

    def _run(self) -> None:
        backoff = 0.1
        batch: list[_Report] = []
        while True:
            if not batch:
                item = self._queue.get()
                if item is None:
                    return
                batch.append(item)
            while len(batch) < 100:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._closed.set()
                    break
                batch.append(item)
            try:
                self._port.report_status(
                    [r for r in batch if isinstance(r, StatusUpdate)],
                    [r for r in batch if isinstance(r, TopicStatus)],
                )
                batch = []
                backoff = 0.1
            except ForbiddenError as exc:
                # Reports of work this worker never had in its session: the coordinator recorded the
                # others, and would refuse these again.
                log.warning("status reports refused: %s", exc)
                batch = []
            except ConnectdError as exc:
                if self._closed.is_set():
                    return
                log.debug("status report failed (%s); retrying", exc)
                self._closed.wait(backoff)
                backoff = min(backoff * 2, _MAX_BACKOFF_S)
            if self._closed.is_set() and not batch:
                return

    def stop(self, timeout: float = 5.0) -> None:
        self._queue.put(None)
        self._thread.join(timeout)
        self._closed.set()
