"""The life of one task on its own thread: start, loop, stop, and every state change reported."""

from __future__ import annotations

import logging
import threading
import time
import traceback
from abc import ABC, abstractmethod

from connectd.api.task import Task
from connectd.runtime.model import State, StateInfo, TaskId
from connectd.runtime.status import StatusListener

log = logging.getLogger(__name__)


class TaskRunner(ABC):
    def __init__(self, task_id: TaskId, task: Task, worker_id: str, statuses: StatusListener) -> None:
        self.task_id = task_id
        self.task = task
        self.worker_id = worker_id
        self._statuses = statuses
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"task-{task_id}", daemon=True)
        self.failed = False

    def start(self) -> None:
        self._thread.start()

    @property
    def state(self) -> State:
        """What this runner is now, as far as the worker running it can tell."""
        if self.failed:
            return State.FAILED
        return State.RUNNING if self._thread.is_alive() else State.UNASSIGNED

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def _report(self, state: State, trace: str | None = None) -> None:
        self._statuses.task_state(self.task_id, StateInfo(state, self.worker_id, trace, self.task.version()))

    def _run(self) -> None:
        try:
            self.execute()
        except BaseException:
            self.failed = True
            trace = traceback.format_exc()
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
        log.info("task %s running", self.task_id)
        self._report(State.RUNNING)

    def request_stop(self) -> None:
        self._stopping.set()

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
