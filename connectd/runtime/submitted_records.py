"""Which source offsets may be committed, given records the broker acknowledges out of order.

The unit is a batch: the records of one source partition in one ``poll()`` result. A batch's offset
(its last record's) is committable only once every record of the batch and of every earlier batch of
the same source partition is acknowledged; a finished batch waits behind an unfinished earlier one.
Coarser than one entry per record (a batch's earlier offsets are never committed on their own), but
never earlier, and a million records in flight are a few hundred objects, not a million.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import Any, TypeVar

from connectd.storage.offsets import canonical_json


class SubmittedBatch:
    """Records of one source partition in flight; each acknowledgement (or drop) calls :meth:`ack`.

    ``pending`` starts at 1, a guard the sender removes with :meth:`seal` once every record of the
    batch was handed to the producer: acknowledgements served while the batch is still being sent
    (a full producer queue is drained mid-batch) cannot make it look finished early.
    """

    __slots__ = ("offset", "pending")

    def __init__(self, offset: Mapping[str, Any] | None = None) -> None:
        self.offset = offset
        self.pending = 1

    def add(self, count: int = 1) -> None:
        self.pending += count

    def ack(self) -> None:
        self.pending -= 1

    def seal(self) -> None:
        self.pending -= 1

    @property
    def done(self) -> bool:
        return self.pending <= 0


B = TypeVar("B", bound=SubmittedBatch)


class SubmittedRecords:
    """Not thread-safe: the task thread submits, acknowledges (producer callbacks) and commits."""

    def __init__(self) -> None:
        self._pending: dict[str, deque[SubmittedBatch]] = {}
        self._partitions: dict[str, Mapping[str, Any]] = {}
        # Partition dicts are usually one shared object per stream: cache their key by identity.
        self._last_partition: Mapping[str, Any] | None = None
        self._last_key = ""

    def key(self, partition: Mapping[str, Any]) -> str:
        """The partition's identity in the queues: its canonical JSON."""
        if partition is self._last_partition:
            return self._last_key
        key = canonical_json(partition)
        self._last_partition, self._last_key = partition, key
        return key

    def submit(self, partition: Mapping[str, Any] | None, batch: B) -> B:
        """Track ``batch`` behind the earlier batches of ``partition``. A batch without a partition or
        an offset (e.g. stdin) has nothing to commit and is not tracked."""
        if partition is None or batch.offset is None:
            return batch
        key = self.key(partition)
        queue = self._pending.get(key)
        if queue is None:
            queue = self._pending[key] = deque()
            self._partitions[key] = dict(partition)
        queue.append(batch)
        return batch

    def committable(self) -> dict[str, tuple[Mapping[str, Any], Mapping[str, Any]]]:
        """Pop every finished prefix; the latest committable (partition, offset) per partition key."""
        result: dict[str, tuple[Mapping[str, Any], Mapping[str, Any]]] = {}
        for key, queue in self._pending.items():
            latest: Mapping[str, Any] | None = None
            while queue and queue[0].pending <= 0:
                latest = queue.popleft().offset
            if latest is not None:
                result[key] = (self._partitions[key], latest)
        return result

    def settle_all(self) -> None:
        """Mark every tracked batch acknowledged: the producer confirmed it holds none of their records."""
        for queue in self._pending.values():
            for batch in queue:
                batch.pending = 0

    def outstanding(self) -> int:
        """Records handed to the producer and not yet acknowledged."""
        return sum(max(0, b.pending) for queue in self._pending.values() for b in queue)
