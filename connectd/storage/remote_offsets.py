"""A worker's offsets when another process holds them (the offset store role): commits are never
lost and never move backwards, whatever happens to the connection.

:class:`BufferedOffsetBackend` is the :class:`OffsetBackend` a distributed worker's tasks use, over a
small :class:`OffsetStorePort` (gRPC in production, anything in a test). A batch that cannot be
written (store down) is kept, merged with later commits of the same task copy (the newest offset of
a partition wins, so an older one can never overwrite it), and retried in the background with
backoff until the store takes it. A batch the store refuses because a newer copy of its task claimed
the task (FencedError) is dropped and handed to that copy's next commit, which stops it. Reads wait
out a short outage (a task starting while the store restarts), then fail.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

from connectd.errors import FencedError, UnavailableError
from connectd.storage.fencing import TaskClaim
from connectd.storage.offsets import Offset, OffsetBackend, Partition, canonical_json

log = logging.getLogger(__name__)

T = TypeVar("T")

# Partitions and offsets travel as Kafka Connect's JSON text; None as an offset is a tombstone.
Entries = Mapping[str, str | None]


class OffsetStorePort(Protocol):
    """The offset store's calls for one group. Each raises a domain error: UnavailableError when the
    store can't be reached (try again later), FencedError for a stale task copy."""

    def get(self, connector: str, partitions: Sequence[str]) -> dict[str, str | None]: ...

    def list(self, connector: str) -> dict[str, str]: ...

    def commit(self, connector: str, entries: Entries, claim: TaskClaim | None) -> None: ...

    def alter(self, connector: str, entries: Entries) -> None:
        """An administrative write (the REST offsets API), answered once durable."""
        ...

    def claim(self, claim: TaskClaim) -> None: ...

    def close(self) -> None: ...


class BufferedOffsetBackend(OffsetBackend):
    def __init__(
        self, port: OffsetStorePort, where: str, max_backoff_s: float = 5.0, read_patience_s: float = 60.0
    ) -> None:
        self._port = port
        self._where = where
        self._max_backoff = max_backoff_s
        self._read_patience = read_patience_s
        self._lock = threading.Lock()
        # (connector, task copy or None) -> partition JSON -> offset JSON, not yet accepted by the store.
        self._pending: dict[tuple[str, TaskClaim | None], dict[str, str | None]] = {}
        # Refusals a buffered commit met, for that copy's next commit to raise.
        self._fenced: dict[TaskClaim, FencedError] = {}
        # One flush at a time: two in flight could land out of order and move an offset backwards.
        self._flush_lock = threading.Lock()
        self._wake = threading.Event()
        self._closed = threading.Event()
        self._retrier = threading.Thread(target=self._retry_loop, name="offset-retry", daemon=True)

    def start(self) -> None:
        self._retrier.start()

    def stop(self) -> None:
        # One last attempt for anything buffered, then give up (it is logged, not silently dropped).
        self._flush_pending()
        if left := self.pending_count:
            log.error("%s unreachable at shutdown: %d source offsets not committed", self._where, left)
        self._closed.set()
        self._wake.set()
        self._port.close()

    @property
    def pending_count(self) -> int:
        with self._lock:
            return sum(len(p) for p in self._pending.values())

    # -- reads ---------------------------------------------------------------------------------------

    def _pending_of(self, connector: str) -> dict[str, str | None]:
        with self._lock:
            merged: dict[str, str | None] = {}
            for (name, _), batch in self._pending.items():
                if name == connector:
                    merged.update(batch)
            return merged

    def get(self, connector: str, partitions: Iterable[Partition]) -> list[dict[str, Any] | None]:
        keys = [canonical_json(p) for p in partitions]
        pending = self._pending_of(connector)
        stored = self._patient(lambda: self._port.get(connector, keys), "reading source offsets")
        return [_parsed(pending[k] if k in pending else stored.get(k)) for k in keys]

    def list(self, connector: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        merged: dict[str, str | None] = dict(
            self._patient(lambda: self._port.list(connector), "listing offsets")
        )
        merged.update(self._pending_of(connector))
        return [(json.loads(p), json.loads(o)) for p, o in merged.items() if o is not None]

    def _patient(self, call: Callable[[], T], what: str) -> T:
        delay = 0.1
        deadline = time.monotonic() + self._read_patience
        while True:
            try:
                return call()
            except UnavailableError as exc:
                if time.monotonic() >= deadline:
                    raise UnavailableError(f"{self._where} ({what}): {exc}") from None
            time.sleep(delay)
            delay = min(delay * 2, self._max_backoff)

    # -- writes --------------------------------------------------------------------------------------

    def claim(self, claim: TaskClaim) -> None:
        self._patient(lambda: self._port.claim(claim), f"claiming task {claim.task}")

    def check_fence(self, claim: TaskClaim, ask: bool = False) -> None:
        with self._lock:
            error = self._fenced.pop(claim, None)
        if error is not None:
            raise error
        if ask:
            with contextlib.suppress(UnavailableError):
                self._port.claim(claim)

    def write(
        self,
        connector: str,
        offsets: Sequence[tuple[Partition, Offset | None]],
        claim: TaskClaim | None = None,
    ) -> None:
        if not offsets:
            return
        with self._lock:
            batch = self._pending.setdefault((connector, claim), {})
            for partition, offset in offsets:
                batch[canonical_json(partition)] = None if offset is None else canonical_json(offset)
        if not self._flush_pending():
            self._wake.set()
        if claim is not None:
            self.check_fence(claim)

    def _flush_pending(self) -> bool:
        """Send every buffered batch; True when nothing is left pending."""
        with self._flush_lock:
            with self._lock:
                snapshot = {key: dict(batch) for key, batch in self._pending.items() if batch}
            for (connector, claim), batch in snapshot.items():
                try:
                    self._port.commit(connector, batch, claim)
                except UnavailableError:
                    log.warning(
                        "%s unavailable; %d offsets of %s buffered", self._where, len(batch), connector
                    )
                    return False
                except FencedError as exc:
                    assert claim is not None
                    with self._lock:
                        self._pending.pop((connector, claim), None)
                        self._fenced[claim] = exc
                    continue
                with self._lock:
                    current = self._pending.get((connector, claim), {})
                    for partition, offset in batch.items():
                        # Only drop what was sent; a newer offset that arrived meanwhile stays pending.
                        if current.get(partition, object()) == offset:
                            del current[partition]
            return True

    def _retry_loop(self) -> None:
        delay = 0.2
        while not self._closed.is_set():
            self._wake.wait()
            if self._closed.is_set():
                return
            try:
                if self._flush_pending():
                    self._wake.clear()
                    if self.pending_count:
                        self._wake.set()  # a write raced the clear
                    delay = 0.2
                    continue
            except Exception:
                log.exception("offset retry failed")
            self._closed.wait(delay)
            delay = min(delay * 2, self._max_backoff)


class AdminOffsets(BufferedOffsetBackend):
    """The offsets API's view of the store (the gateway's): a write returns only once the store holds
    it, or raises; nothing is buffered or retried later, since the REST caller is told the result.
    Not started: there is no background retry."""

    def write(
        self,
        connector: str,
        offsets: Sequence[tuple[Partition, Offset | None]],
        claim: TaskClaim | None = None,
    ) -> None:
        entries = {canonical_json(p): None if o is None else canonical_json(o) for p, o in offsets}
        self._patient(lambda: self._port.alter(connector, entries), "altering source offsets")


def _parsed(raw: str | None) -> dict[str, Any] | None:
    return json.loads(raw) if raw is not None else None
