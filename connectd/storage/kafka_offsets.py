"""Distributed mode's offset store (``offset.storage.topic``): a compacted Kafka topic.

Records use Kafka Connect's exact JSON format (see :mod:`connectd.storage.offsets`) and Java's key
partitioner (murmur2), so a Java Connect cluster and existing tooling can read and share the topic.
On start the whole topic is replayed into memory; writes go to Kafka first and reach memory only
once every record of the batch is acknowledged by all in-sync replicas.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from connectd.storage.kafka_log import KafkaStoreError, KafkaTopicLog, Record
from connectd.storage.offsets import (
    Offset,
    OffsetBackend,
    Partition,
    decode_key,
    decode_value,
    encode_key,
    encode_value,
)

log = logging.getLogger(__name__)

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
        )
        # Writes are serialized so the topic's order and the in-memory map's order always agree.
        self._write_lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._offsets: dict[bytes, dict[str, Any]] = {}

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> None:
        with self._write_lock:
            offsets = _decode_all(self._log.start(), self.topic)
            with self._state_lock:
                self._offsets = offsets
        log.info("loaded %d source offsets from topic %s", len(offsets), self.topic)

    def stop(self) -> None:
        with self._write_lock:
            self._log.stop()

    # -- reads ---------------------------------------------------------------------------------------

    def get(self, connector: str, partitions: Iterable[Partition]) -> list[dict[str, Any] | None]:
        with self._state_lock:
            found = [self._offsets.get(encode_key(connector, p)) for p in partitions]
        return [dict(offset) if offset is not None else None for offset in found]

    def list(self, connector: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        with self._state_lock:
            items = list(self._offsets.items())
        result = []
        for key, offset in items:
            name, partition = decode_key(key)
            if name == connector:
                result.append((partition, dict(offset)))
        return result

    # -- writes --------------------------------------------------------------------------------------

    def write(self, connector: str, offsets: Sequence[tuple[Partition, Offset | None]]) -> None:
        if not offsets:
            return
        records = [(encode_key(connector, p), encode_value(o)) for p, o in offsets]
        with self._write_lock:
            self._log.send(records)
            with self._state_lock:
                for key, value in records:
                    # Decoded from the bytes sent, so memory holds exactly what a restart will read.
                    offset = decode_value(value)
                    if offset is None:
                        self._offsets.pop(key, None)
                    else:
                        self._offsets[key] = offset


def _decode_all(records: Sequence[Record], topic: str) -> dict[bytes, dict[str, Any]]:
    offsets: dict[bytes, dict[str, Any]] = {}
    for raw_key, raw_value in records:
        try:
            connector, partition = decode_key(raw_key)
            offset = decode_value(raw_value)
        except (ValueError, TypeError) as exc:
            # Foreign data must never stop the worker: say what was skipped and move on.
            log.warning("skipping record %r in offsets topic %s: %s", raw_key[:200], topic, exc)
            continue
        # Re-encode: a Java writer may order JSON fields differently, lookups use our canonical form.
        key = encode_key(connector, partition)
        if offset is None:
            offsets.pop(key, None)
        else:
            offsets[key] = offset
    return offsets
