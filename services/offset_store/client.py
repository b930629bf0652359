"""A worker's offset backend over the OffsetStoreService.

Commits are never lost and never move backwards: a batch that cannot be written (store down) is
kept, merged with later commits (the newest offset of a partition wins, so an older one can never
overwrite it), and retried in the background with backoff until the store takes it.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import grpc

from connectd.config import WorkerConfig
from connectd.errors import UnavailableError
from connectd.storage.offsets import Offset, OffsetBackend, Partition, canonical_json
from connectd.v1 import offset_store_pb2 as pb
from connectd.v1 import offset_store_pb2_grpc
from services.grpc_support import domain_error_from, open_channel

log = logging.getLogger(__name__)

T = TypeVar("T")
_RETRYABLE = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)


def offset_topic(config: WorkerConfig) -> pb.OffsetTopic:
    """Where a group keeps its source offsets, from the worker config of its workers and gateway."""
    return pb.OffsetTopic(
        group_id=config["group.id"] or "",
        name=config["offset.storage.topic"] or "",
        partitions=int(config["offset.storage.partitions"]),
        replication_factor=int(config["offset.storage.replication.factor"]),
    )


def offset_entry(partition_json: str, offset_json: str | None) -> pb.OffsetEntry:
    """An entry; a None offset leaves ``offset_json`` unset, a tombstone."""
    if offset_json is None:
        return pb.OffsetEntry(partition_json=partition_json)
    return pb.OffsetEntry(partition_json=partition_json, offset_json=offset_json)


class RemoteOffsetBackend(OffsetBackend):
    def __init__(
        self,
        address: str,
        topic: pb.OffsetTopic,
        timeout_s: float = 10.0,
        max_backoff_s: float = 5.0,
        read_patience_s: float = 60.0,
    ) -> None:
        self._address = address
        self._topic = topic
        self._timeout = timeout_s
        self._max_backoff = max_backoff_s
        self._read_patience = read_patience_s
        self._channel = open_channel(address)
        self._stub = offset_store_pb2_grpc.OffsetStoreServiceStub(self._channel)
        self._lock = threading.Lock()
        # connector -> partition JSON -> offset JSON (None: tombstone), not yet accepted by the store.
        self._pending: dict[str, dict[str, str | None]] = {}
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
        with self._lock:
            left = sum(len(p) for p in self._pending.values())
        if left:
            log.error(
                "offset store at %s unreachable at shutdown: %d source offsets not committed",
                self._address,
                left,
            )
        self._closed.set()
        self._wake.set()
        self._channel.close()

    @property
    def pending_count(self) -> int:
        with self._lock:
            return sum(len(p) for p in self._pending.values())

    # -- reads ---------------------------------------------------------------------------------------

    def get(self, connector: str, partitions: Iterable[Partition]) -> list[dict[str, Any] | None]:
        keys = [canonical_json(p) for p in partitions]
        with self._lock:
            pending = dict(self._pending.get(connector, {}))
        request = pb.GetOffsetsRequest(topic=self._topic, connector=connector, partition_jsons=keys)
        response = self._patient(self._stub.GetOffsets, request, "reading source offsets")
        stored = {
            e.partition_json: (e.offset_json if e.HasField("offset_json") else None) for e in response.entries
        }
        result: list[dict[str, Any] | None] = []
        for key in keys:
            raw = pending[key] if key in pending else stored.get(key)
            result.append(json.loads(raw) if raw is not None else None)
        return result

    def list(self, connector: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        response = self._patient(
            self._stub.ListOffsets,
            pb.ListOffsetsRequest(topic=self._topic, connector=connector),
            "listing offsets",
        )
        merged = {e.partition_json: e.offset_json for e in response.entries}
        with self._lock:
            merged.update(self._pending.get(connector, {}))
        return [(json.loads(p), json.loads(o)) for p, o in merged.items() if o is not None]

    def _patient(self, method: Callable[..., T], request: Any, what: str) -> T:
        """Reads wait out a short outage (a task starting while the store restarts), then fail."""
        delay = 0.1
        deadline = time.monotonic() + self._read_patience
        while True:
            try:
                return method(request, timeout=self._timeout)
            except grpc.RpcError as exc:
                if exc.code() not in _RETRYABLE or time.monotonic() >= deadline:  # type: ignore[attr-defined]
                    raise domain_error_from(exc, f"offset store at {self._address} ({what})") from None
            time.sleep(delay)
            delay = min(delay * 2, self._max_backoff)

    # -- writes --------------------------------------------------------------------------------------

    def write(self, connector: str, offsets: Sequence[tuple[Partition, Offset | None]]) -> None:
        if not offsets:
            return
        with self._lock:
            batch = self._pending.setdefault(connector, {})
            for partition, offset in offsets:
                batch[canonical_json(partition)] = None if offset is None else canonical_json(offset)
        if not self._flush_pending():
            self._wake.set()

    def _flush_pending(self) -> bool:
        """Send every buffered batch; True when nothing is left pending."""
        with self._flush_lock:
            return self._flush_pending_locked()

    def _flush_pending_locked(self) -> bool:
        with self._lock:
            snapshot = {c: dict(p) for c, p in self._pending.items() if p}
        for connector, batch in snapshot.items():
            entries = [offset_entry(p, o) for p, o in batch.items()]
            request = pb.CommitOffsetsRequest(topic=self._topic, connector=connector, entries=entries)
            try:
                self._stub.CommitOffsets(request, timeout=self._timeout)
            except grpc.RpcError as exc:
                if exc.code() in _RETRYABLE:  # type: ignore[attr-defined]
                    log.warning(
                        "offset store at %s unavailable; %d offsets of %s buffered for retry",
                        self._address,
                        len(batch),
                        connector,
                    )
                    return False
                raise domain_error_from(exc, f"offset store at {self._address}") from None
            with self._lock:
                current = self._pending.get(connector, {})
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
            except UnavailableError:
                pass
            except Exception:
                log.exception("offset retry failed")
            self._closed.wait(delay)
            delay = min(delay * 2, self._max_backoff)


class OffsetStoreAdmin(RemoteOffsetBackend):
    """The offsets API's view of the store (the gateway's): a write is an ``AlterOffsets`` call that
    returns only once the store holds it, or raises; nothing is buffered or retried later, since
    the REST caller is told the result. Not started: there is no background retry."""

    def write(self, connector: str, offsets: Sequence[tuple[Partition, Offset | None]]) -> None:
        entries = [
            offset_entry(canonical_json(partition), None if offset is None else canonical_json(offset))
            for partition, offset in offsets
        ]
        request = pb.AlterOffsetsRequest(topic=self._topic, connector=connector, entries=entries)
        self._patient(self._stub.AlterOffsets, request, "altering source offsets")
