"""Distributed mode's offset store (``offset.storage.topic``): a compacted Kafka topic.

Records use Kafka Connect's exact JSON format (see :mod:`connectd.storage.offsets`) and Java's key
partitioner (murmur2), so a Java Connect cluster and existing tooling can read and share the topic.
On start the whole topic is replayed into memory; writes go to Kafka first and reach memory only
once every record of the batch is acknowledged by all in-sync replicas. The topic also holds the
task fences (:mod:`connectd.storage.fencing`) under keys Java readers skip.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from connectd.storage.fencing import TaskClaim, TaskFences, decode_fence, encode_fence
from connectd.storage.kafka_log import KafkaStoreError, KafkaTopicLog, Record, replay_records
from connectd.storage.offsets import (
    Offset,
    OffsetBackend,
    Partition,
    decode_key,
    decode_value,
    encode_key,
    encode_value,
    list_connector_offsets,
    lookup_offsets,
)

log = logging.getLogger(__name__)
# A read to the end this recent serves a get too: a claim reads just before the task reads its offsets.
_FRESH_S = 0.1

OffsetStoreError = KafkaStoreError


class KafkaOffsetBackend(OffsetBackend):
    def __init__(
        self,
        bootstrap_servers: str,
        topic: str,
        partitions: int = 25,
        replication_factor: int = 3,
        client_config: Mapping[str, str] | None = None,
        topic_config: Mapping[str, str] | None = None,
        *,
        timeout: float = 30.0,
    ) -> None:
        self.topic = topic
        self._log = KafkaTopicLog(
            bootstrap_servers,
            topic,
            label="offsets",
            setting_prefix="offset.storage",
            partitions=partitions,
            replication_factor=replication_factor,
            client_config=client_config,
            topic_config=topic_config,
            timeout=timeout,
            # Exactly-once source tasks commit offsets in their own transactions, not through here.
            follow=True,
        )
        # Writes are serialized so the topic's order and the in-memory map's order always agree.
        self._write_lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._refreshed_at = 0.0  # when a read to the topic's end last finished (monotonic)
        self._offsets: dict[bytes, dict[str, Any]] = {}
        self._fences = TaskFences()

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> None:
        with self._write_lock:
            offsets: dict[bytes, dict[str, Any]] = {}
            fences = TaskFences()
            _apply_records(self._log.start(), self.topic, offsets, fences)
            with self._state_lock:
                self._offsets, self._fences = offsets, fences
        log.info("loaded %d source offsets from topic %s", len(offsets), self.topic)

    def stop(self) -> None:
        with self._write_lock:
            self._log.stop()

    # -- reads ---------------------------------------------------------------------------------------

    def get(self, connector: str, partitions: Iterable[Partition]) -> list[dict[str, Any] | None]:
        # Read to the topic's end first, as Java's store does: an exactly-once task asking for its own
        # offsets (the CDC task, to know how far it may confirm its slot) must see its transactions.
        # Not again right after a read (a task's claim reads to the end just before its offsets).
        try:
            if time.monotonic() - self._refreshed_at > _FRESH_S:
                self.refresh()
        except KafkaStoreError as exc:
            # What memory holds is older, never newer, than the topic: a late answer, not a wrong one.
            log.warning(
                "reading offsets topic %s to its end failed (%s): answering from memory", self.topic, exc
            )
        with self._state_lock:
            return lookup_offsets(self._offsets, connector, partitions)

    def list(self, connector: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        self.refresh()
        with self._state_lock:
            return list_connector_offsets(self._offsets, connector)

    def refresh(self) -> None:
        """Read what others wrote to the topic since (exactly-once source tasks' transactions)."""
        with self._write_lock:
            records = self._log.read_new()
            with self._state_lock:
                _apply_records(records, self.topic, self._offsets, self._fences)
            self._refreshed_at = time.monotonic()

    # -- writes --------------------------------------------------------------------------------------

    def claim(self, claim: TaskClaim) -> None:
        """Also reads the topic to its end first: the copy claiming reads its offsets next, and must
        see what an exactly-once copy before it committed in its own transactions."""
        self.refresh()
        with self._write_lock:
            self._send_fenced([], claim)

    def write(
        self,
        connector: str,
        offsets: Sequence[tuple[Partition, Offset | None]],
        claim: TaskClaim | None = None,
    ) -> None:
        if not offsets:
            return
        records = [(encode_key(connector, p), encode_value(o)) for p, o in offsets]
        with self._write_lock:
            self._send_fenced(records, claim)

    def _send_fenced(self, records: list[Record], claim: TaskClaim | None) -> None:
        """Under the write lock: refuse a stale ``claim``; a newer one's fence goes with the batch."""
        fence = encode_fence(claim) if claim is not None and self._fences.check(claim) else None
        if not records and fence is None:
            return
        self._log.send([fence, *records] if fence is not None else records)
        if fence is not None and claim is not None:
            self._fences.apply(claim)
        with self._state_lock:
            for key, value in records:
                # Decoded from the bytes sent, so memory holds exactly what a restart will read.
                offset = decode_value(value)
                if offset is None:
                    self._offsets.pop(key, None)
                else:
                    self._offsets[key] = offset


def _apply_records(
    records: Sequence[Record], topic: str, offsets: dict[bytes, dict[str, Any]], fences: TaskFences
) -> None:
    """Apply the topic's records, in order, to ``offsets`` and ``fences``."""

    def decode(raw_key: bytes, raw_value: bytes | None) -> tuple[bytes, dict[str, Any] | None] | TaskClaim:
        fence = decode_fence(json.loads(raw_key), json.loads(raw_value) if raw_value is not None else None)
        if fence is not None:
            return fence
        connector, partition = decode_key(raw_key)
        # Re-encode: a Java writer may order JSON fields differently, lookups use our canonical form.
        return encode_key(connector, partition), decode_value(raw_value)

    def apply(entry: tuple[bytes, dict[str, Any] | None] | TaskClaim) -> None:
        if isinstance(entry, TaskClaim):
            fences.apply(entry)
            return
        key, offset = entry
        if offset is None:
            offsets.pop(key, None)
        else:
            offsets[key] = offset

    replay_records(records, decode, apply, f"offsets topic {topic}", errors=(ValueError, TypeError))
