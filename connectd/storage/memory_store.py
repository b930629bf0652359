"""The shell of the in-memory config and status stores (for tests of the core): one lock around a
state object, no I/O to start or stop."""

from __future__ import annotations

import threading
from typing import Generic, Protocol, TypeVar

SnapshotT = TypeVar("SnapshotT", covariant=True)
Snap = TypeVar("Snap")


class _Snapshotting(Protocol[SnapshotT]):
    def snapshot(self) -> SnapshotT: ...


class MemoryStore(Generic[Snap]):
    def __init__(self, state: _Snapshotting[Snap]) -> None:
        self._lock = threading.Lock()
        self._state = state

    def start(self) -> Snap:
        return self.snapshot()

    def stop(self) -> None:
        pass

    def snapshot(self) -> Snap:
        with self._lock:
            return self._state.snapshot()
