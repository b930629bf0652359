"""Fencing of stale task copies at the offset store: one owner per task, by epoch.

Every assignment of a task carries an epoch, newer for each new copy. A copy *claims* its epoch when
it starts (before it reads its offsets) and every commit carries it: the store refuses a claim or a
commit older than the newest epoch it has seen for that task, so a copy that kept running after its
task moved (a frozen or cut-off worker) can neither move an offset backwards nor win the task back.
Fences are persisted next to the offsets (see :mod:`connectd.storage.kafka_offsets`), so a restarted
store keeps them.
"""

from __future__ import annotations

from dataclasses import dataclass

from connectd.control import messages
from connectd.errors import FencedError
from connectd.runtime.model import TaskId
from connectd.storage.offsets import canonical_json

# A fence record's key in the offsets topic: a JSON object, where Kafka Connect's keys are lists, so
# Java readers skip it as not theirs.
FENCE_KEY_FIELD = "connectd.task.fence"


@dataclass(frozen=True, slots=True)
class TaskClaim:
    """The copy of ``task`` a worker runs, started at ``epoch``."""

    task: TaskId
    epoch: int
    worker_id: str


class TaskFences:
    """The newest claim of every task. Not thread-safe: the owning store serializes calls."""

    def __init__(self) -> None:
        self._newest: dict[TaskId, TaskClaim] = {}

    def check(self, claim: TaskClaim) -> bool:
        """May ``claim``'s copy claim or commit? FencedError when a newer copy claimed the task; True
        when this claim is newer than every one before (then :meth:`apply` it once persisted)."""
        newest = self._newest.get(claim.task)
        if newest is not None and claim.epoch < newest.epoch:
            raise FencedError(messages.fenced(claim.task, newest.worker_id, claim.epoch, newest.epoch))
        return newest is None or claim.epoch > newest.epoch

    def apply(self, claim: TaskClaim) -> None:
        """Move the task's fence up to ``claim`` (persisted, or read back from the topic)."""
        newest = self._newest.get(claim.task)
        if newest is None or claim.epoch > newest.epoch:
            self._newest[claim.task] = claim

    def newest(self, task: TaskId) -> TaskClaim | None:
        return self._newest.get(task)


def encode_fence(claim: TaskClaim) -> tuple[bytes, bytes]:
    key = {FENCE_KEY_FIELD: {"connector": claim.task.connector, "task": claim.task.task}}
    return canonical_json(key).encode(), canonical_json(
        {"epoch": claim.epoch, "worker_id": claim.worker_id}
    ).encode()


def decode_fence(key: object, value: object) -> TaskClaim | None:
    """The claim of a parsed fence record; None when ``key`` is not a fence key."""
    if not isinstance(key, dict) or FENCE_KEY_FIELD not in key:
        return None
    task, fields = key[FENCE_KEY_FIELD], value
    if (
        not isinstance(task, dict)
        or not isinstance(task.get("connector"), str)
        or not isinstance(task.get("task"), int)
        or not isinstance(fields, dict)
        or not isinstance(fields.get("epoch"), int)
    ):
        raise ValueError(f"malformed fence record {key!r} -> {value!r}")
    return TaskClaim(
        TaskId(task["connector"], task["task"]), fields["epoch"], str(fields.get("worker_id", ""))
    )
