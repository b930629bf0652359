"""Which source offsets may be committed, given records the broker acknowledges out of order.

A record's offset is committable only once it and every record submitted before it for the same
source partition are acknowledged; acks for later records wait behind an unacknowledged earlier one.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import Any

from connectd.storage.offsets import canonical_json


class SubmittedRecord:
    """One record in flight; the producer's delivery callback acknowledges it."""

    __slots__ = ("acked", "offset")

    def __init__(self, offset: Mapping[str, Any]) -> None:
        self.offset = offset
        self.acked = False

    def ack(self) -> None:
        self.acked = True


class SubmittedRecords:
    """Not thread-safe: the task thread submits, acknowledges (producer callbacks) and commits."""

    def __init__(self) -> None:
        self._pending: dict[str, deque[SubmittedRecord]] = {}
        self._partitions: dict[str, Mapping[str, Any]] = {}
        # Partition dicts are usually one shared object per stream: cache their key by identity.
        self._last_partition: Mapping[str, Any] | None = None
        self._last_key = ""

    def _key(self, partition: Mapping[str, Any]) -> str:
        if partition is self._last_partition:
            return self._last_key
        key = canonical_json(partition)
        self._last_partition, self._last_key = partition, key
        return key

    def submit(
        self, partition: Mapping[str, Any] | None, offset: Mapping[str, Any] | None
    ) -> SubmittedRecord:
        record = SubmittedRecord(offset or {})
        if partition is None or offset is None:
            return record  # nothing to commit for records without a position (e.g. stdin)
        key = self._key(partition)
        queue = self._pending.get(key)
        if queue is None:
            queue = self._pending[key] = deque()
            self._partitions[key] = dict(partition)
        queue.append(record)
        return record

    def committable(self) -> dict[str, tuple[Mapping[str, Any], Mapping[str, Any]]]:
        """Pop every acknowledged prefix; the latest committable (partition, offset) per partition key."""
        result: dict[str, tuple[Mapping[str, Any], Mapping[str, Any]]] = {}
        for key, queue in self._pending.items():
            latest: Mapping[str, Any] | None = None
            while queue and queue[0].acked:
                latest = queue.popleft().offset
            if latest is not None:
                result[key] = (self._partitions[key], latest)
        return result

    def outstanding(self) -> int:
        return sum(1 for queue in self._pending.values() for r in queue if not r.acked)
