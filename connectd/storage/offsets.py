"""The source-offset store interface and Kafka Connect's JSON wire format for offsets.

Keys and values use the format Kafka Connect writes to ``offset.storage.topic``, so existing tooling
can read them: key ``["<connector>",{<source partition>}]``, value ``{<source offset>}``, both compact
JSON; a null value (tombstone) erases the partition's offset.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from connectd.storage.fencing import TaskClaim

Partition = Mapping[str, Any]
Offset = Mapping[str, Any]


def canonical_json(value: Any) -> str:
    """Compact JSON with sorted keys: one text per value, so equal partitions compare equal."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def encode_key(connector: str, partition: Partition) -> bytes:
    return canonical_json([connector, partition]).encode()


def encode_value(offset: Offset | None) -> bytes | None:
    if offset is None:
        return None
    return canonical_json(offset).encode()


def decode_key(data: bytes) -> tuple[str, dict[str, Any]]:
    """Parse a stored key; raises ValueError for anything not shaped ``[str, object]``."""
    parsed = json.loads(data)
    if (
        not isinstance(parsed, list)
        or len(parsed) != 2
        or not isinstance(parsed[0], str)
        or not isinstance(parsed[1], dict)
    ):
        raise ValueError(f"not a Connect offset key: {data[:200]!r}")
    return parsed[0], parsed[1]


def decode_value(data: bytes | None) -> dict[str, Any] | None:
    if data is None:
        return None
    parsed = json.loads(data)
    if parsed is not None and not isinstance(parsed, dict):
        raise ValueError(f"not a Connect offset value: {data[:200]!r}")
    return parsed


def lookup_offsets(
    stored: Mapping[bytes, dict[str, Any]], connector: str, partitions: Iterable[Partition]
) -> list[dict[str, Any] | None]:
    """The offsets of ``partitions`` in a map keyed by :func:`encode_key`; copies, so a caller
    mutating a result cannot change the committed map."""
    found = [stored.get(encode_key(connector, p)) for p in partitions]
    return [dict(offset) if offset is not None else None for offset in found]


def list_connector_offsets(
    stored: Mapping[bytes, dict[str, Any]], connector: str
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Every (partition, offset) of ``connector`` in a map keyed by :func:`encode_key`."""
    result = []
    for key, offset in list(stored.items()):
        name, partition = decode_key(key)
        if name == connector:
            result.append((partition, dict(offset)))
    return result


class OffsetBackend(ABC):
    """Where source offsets live. Implementations must make :meth:`write` atomic per batch."""

    @abstractmethod
    def start(self) -> None:
        """Open the store and load what it holds."""

    @abstractmethod
    def stop(self) -> None: ...

    @abstractmethod
    def get(self, connector: str, partitions: Iterable[Partition]) -> list[dict[str, Any] | None]:
        """The committed offsets of ``partitions``, in order (None where there is none)."""

    @abstractmethod
    def write(
        self,
        connector: str,
        offsets: Sequence[tuple[Partition, Offset | None]],
        claim: TaskClaim | None = None,
    ) -> None:
        """Commit a batch of offsets durably; a None offset erases that partition. ``claim``: the task
        copy committing, refused with FencedError when a newer copy of the task claimed it."""

    def claim(self, claim: TaskClaim) -> None:
        """A task copy starts: from now on commits of older copies are refused (FencedError here if a
        newer copy claimed the task already). A store one process owns (a file) fences nothing."""

    def check_fence(self, claim: TaskClaim, ask: bool = False) -> None:
        """Raise the FencedError a buffered commit of ``claim``'s copy met after its write returned
        (a backend that retries writes in the background); with ``ask``, also ask the store once
        whether a newer copy claimed the task (a copy with nothing to commit still learns it was
        fenced). An unreachable store answers nothing: no error."""

    @abstractmethod
    def list(self, connector: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """Every (partition, offset) the connector has committed."""


class ConnectorOffsetReader:
    """The read-only view a source task receives (:class:`connectd.api.OffsetReader`)."""

    def __init__(self, backend: OffsetBackend, connector: str) -> None:
        self._backend = backend
        self._connector = connector

    def offset(self, partition: Partition) -> dict[str, Any] | None:
        return self._backend.get(self._connector, [partition])[0]

    def offsets(self, partitions: Iterable[Partition]) -> list[dict[str, Any] | None]:
        return self._backend.get(self._connector, list(partitions))
