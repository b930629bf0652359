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
            return lookup_offsets(self._offsets, connector, partitions)

    def list(self, connector: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        with self._state_lock:
            return list_connector_offsets(self._offsets, connector)

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

    def decode(raw_key: bytes, raw_value: bytes | None) -> tuple[bytes, dict[str, Any] | None]:
        connector, partition = decode_key(raw_key)
        # Re-encode: a Java writer may order JSON fields differently, lookups use our canonical form.
        return encode_key(connector, partition), decode_value(raw_value)

    def apply(entry: tuple[bytes, dict[str, Any] | None]) -> None:
        key, offset = entry
        if offset is None:
            offsets.pop(key, None)
        else:
            offsets[key] = offset

    replay_records(records, decode, apply, f"offsets topic {topic}", errors=(ValueError, TypeError))
    return offsets
