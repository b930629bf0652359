"""Fencing by epoch: the store refuses a stale task copy's claims and commits, and a worker's buffered
backend hands a refusal that a background retry met to that copy's next commit."""

from __future__ import annotations

import threading

import pytest

from connectd.errors import FencedError, UnavailableError
from connectd.runtime.model import TaskId
from connectd.storage.fencing import TaskClaim, TaskFences, decode_fence, encode_fence
from connectd.storage.remote_offsets import BufferedOffsetBackend, Entries

TASK = TaskId("src", 0)
OLD = TaskClaim(TASK, 5, "w1:1")
NEW = TaskClaim(TASK, 9, "w2:2")


def test_the_newest_claim_wins_and_older_ones_are_refused_naming_the_owner() -> None:
    fences = TaskFences()
    assert fences.check(OLD)
    fences.apply(OLD)
    assert not fences.check(OLD), "the same copy again does not move the fence"
    assert fences.check(NEW)
    fences.apply(NEW)
    with pytest.raises(FencedError) as refused:
        fences.check(OLD)
    assert str(refused.value) == "fenced: task src-0 moved to worker w2:2 (epoch 9 > 5); stopping this copy"


def test_fence_records_round_trip_and_other_keys_are_not_fences() -> None:
    import json

    key, value = encode_fence(NEW)
    assert decode_fence(json.loads(key), json.loads(value)) == NEW
    assert decode_fence(["src", {"filename": "a"}], {"position": 1}) is None


class MemoryStore:
    """An offset store in memory with the same fencing rule; ``down`` makes it unreachable."""

    def __init__(self) -> None:
        self.offsets: dict[tuple[str, str], str] = {}
        self.fences = TaskFences()
        self.down = threading.Event()

    def _up(self) -> None:
        if self.down.is_set():
            raise UnavailableError("offset store down")

    def get(self, connector: str, partitions: list[str]) -> dict[str, str | None]:
        self._up()
        return {p: self.offsets.get((connector, p)) for p in partitions}

    def list(self, connector: str) -> dict[str, str]:
        self._up()
        return {p: o for (c, p), o in self.offsets.items() if c == connector}

    def commit(self, connector: str, entries: Entries, claim: TaskClaim | None) -> None:
        self._up()
        if claim is not None and self.fences.check(claim):
            self.fences.apply(claim)
        for partition, offset in entries.items():
            if offset is not None:
                self.offsets[(connector, partition)] = offset

    def alter(self, connector: str, entries: Entries) -> None:
        self.commit(connector, entries, None)

    def claim(self, claim: TaskClaim) -> None:
        self.commit("", {}, claim)

    def close(self) -> None:
        pass


def test_a_stale_copy_is_refused_at_once_and_never_moves_an_offset_back() -> None:
    store = MemoryStore()
    backend = BufferedOffsetBackend(store, "memory store", max_backoff_s=0.01, read_patience_s=0.5)
    backend.claim(OLD)
    backend.write("src", [({"f": "a"}, {"position": 100})], OLD)
    backend.claim(NEW)  # the task moved: the new copy claims before reading
    backend.write("src", [({"f": "a"}, {"position": 300})], NEW)
    with pytest.raises(FencedError):
        backend.write("src", [({"f": "a"}, {"position": 200})], OLD)
    assert backend.get("src", [{"f": "a"}]) == [{"position": 300}]


def test_a_refusal_met_by_a_background_retry_stops_the_copy_at_its_next_commit() -> None:
    store = MemoryStore()
    backend = BufferedOffsetBackend(store, "memory store", max_backoff_s=0.01, read_patience_s=0.5)
    backend.start()
    try:
        backend.claim(OLD)
        store.down.set()
        backend.write("src", [({"f": "a"}, {"position": 200})], OLD)  # buffered: the store is down
        assert backend.pending_count == 1
        store.fences.apply(NEW)  # meanwhile the task moved, and its new copy claimed it
        store.offsets[("src", '{"f":"a"}')] = '{"position":300}'
        store.down.clear()
        deadline = threading.Event()
        for _ in range(200):
            if backend.pending_count == 0:
                break
            deadline.wait(0.01)
        assert backend.pending_count == 0, "the refused batch must be dropped, not retried forever"
        with pytest.raises(FencedError):
            backend.check_fence(OLD)
        assert store.offsets[("src", '{"f":"a"}')] == '{"position":300}', "the stale offset was written"
    finally:
        backend.stop()
