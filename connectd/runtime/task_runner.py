"""The life of one task on its own thread: start, loop, stop, and every state change reported."""

from __future__ import annotations

import logging
import threading
import time
import traceback
from abc import ABC, abstractmethod
from collections.abc import Callable

from connectd.api.task import Task
from connectd.errors import FencedError
from connectd.metrics.task_metrics import TaskMetrics
from connectd.runtime.log_context import log_context
from connectd.runtime.model import State, StateInfo, TaskId
from connectd.runtime.status import StatusListener
from connectd.runtime.topic_tracking import TopicTracker

log = logging.getLogger(__name__)


class TaskRunner(ABC):
    def __init__(
        self,
        task_id: TaskId,
        task: Task,
        worker_id: str,
        statuses: StatusListener,
        active_topics: TopicTracker | None = None,
        metrics: TaskMetrics | None = None,
    ) -> None:
        self.task_id = task_id
        # Recorded once per batch; None when metrics.enabled=false (the loops then record nothing).
        self.metrics = metrics
        self.task = task
        self.worker_id = worker_id
        self._statuses = statuses
        # KIP-558: the execute loop records every topic it produces to or consumes from.
        self.active_topics = active_topics or TopicTracker(task_id, statuses.topic_active)
        self._stopping = threading.Event()
        # Set while the connector's target state is PAUSED: the loop stays alive but idle.
        self._paused = threading.Event()
        self._wake = threading.Event()
        self._reported_paused = False
        self._thread = threading.Thread(target=self._run, name=f"task-{task_id}", daemon=True)
        self.failed = False
        # Stopped because a newer copy of the task runs elsewhere (the offset store refused this one).
        self.fenced = False
        # Applied to a failure's trace before it is logged or reported: the worker sets it to replace
        # the values config providers resolved for this task with their placeholders.
        self.redact: Callable[[str], str] = str

    def start(self) -> None:
        self._thread.start()

    @property
    def state(self) -> State:
        """What this runner is now, as far as the worker running it can tell."""
        if self.failed:
            return State.FAILED
        if self.fenced:
            return State.UNASSIGNED
        if not self._thread.is_alive():
            return State.UNASSIGNED
        return State.PAUSED if self._paused.is_set() else State.RUNNING

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def _report(self, state: State, trace: str | None = None) -> None:
        self._statuses.task_state(self.task_id, StateInfo(state, self.worker_id, trace, self.task.version()))

    def _run(self) -> None:
        # Every line this thread logs (the runtime's and the plugin's) names the task in JSON logs.
        with log_context(connector=self.task_id.connector, task=self.task_id.task, worker=self.worker_id):
            self._run_task()

    def _run_task(self) -> None:
        try:
            self.execute()
        except FencedError as exc:
            # Not a failure of the task: a stale copy stops, and says why, once.
            self.fenced = True
            log.warning("task %s %s", self.task_id, exc)
            self._report(State.UNASSIGNED, str(exc))
        except BaseException as exc:
            if self.stopping and isinstance(exc, Exception):
                # Stopped while it started or flushed (its worker shutting down under it): not a failure.
                log.info("task %s stopped; it raised on the way out: %s", self.task_id, self.redact(str(exc)))
                self._report(State.UNASSIGNED)
                return
            self.failed = True
            trace = self.redact(traceback.format_exc())
            log.error("task %s failed: %s", self.task_id, trace.strip().splitlines()[-1])
            log.debug("task %s failure trace:\n%s", self.task_id, trace)
            self._report(State.FAILED, trace)
        else:
            log.info("task %s stopped", self.task_id)
            self._report(State.UNASSIGNED)

    @abstractmethod
    def execute(self) -> None:
        """Start the task, call ``running()`` once it is up, loop until ``stopping``, clean up."""

    def running(self) -> None:
        """Called by ``execute`` once the task started: reports RUNNING, or PAUSED if created paused."""
        if self._paused.is_set():
            self._reported_paused = True
            log.info("task %s started paused", self.task_id)
            self._report(State.PAUSED)
        else:
            log.info("task %s running", self.task_id)
            self._report(State.RUNNING)

    def pause(self) -> None:
        self._paused.set()
        self._wake.set()

    def resume(self) -> None:
        self._paused.clear()
        self._wake.set()

    def idle_if_paused(self, wait_s: float) -> bool:
        """For the ``execute`` loop: while paused, report PAUSED once, wait up to ``wait_s`` and return
        True (the loop must neither poll the task nor deliver to it); report RUNNING on resume."""
        if self._paused.is_set() and not self.stopping:
            if not self._reported_paused:
                self._reported_paused = True
                log.info("task %s paused", self.task_id)
                self._report(State.PAUSED)
            self._wake.wait(wait_s)
            self._wake.clear()
            return self._paused.is_set()
        if self._reported_paused:
            self._reported_paused = False
            log.info("task %s resumed", self.task_id)
            self._report(State.RUNNING)
        return False

    @property
    def paused(self) -> bool:
        return self._paused.is_set()

    def request_stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    def await_stop(self, timeout_s: float) -> bool:
        """Wait for the thread; a task still running after ``timeout_s`` is abandoned and reported."""
        self._thread.join(max(0.0, timeout_s))
        if self._thread.is_alive():
            log.error(
                "task %s ignored stop for %.1fs (task.shutdown.graceful.timeout.ms); abandoning it",
                self.task_id, timeout_s,
            )  # fmt: skip
            self._report(
                State.UNASSIGNED,
                f"Graceful stop of task {self.task_id} failed: running after {timeout_s:.1f}s; abandoned",
            )
            return False
        return True


def stop_runners(runners: list[TaskRunner], timeout_s: float) -> list[TaskId]:
    """Stop several tasks in parallel within one shared budget; returns the ids that were abandoned."""
    for runner in runners:
        runner.request_stop()
    deadline = time.monotonic() + timeout_s
    return [r.task_id for r in runners if not r.await_stop(deadline - time.monotonic())]
