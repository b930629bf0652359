"""Standalone's offset store (``offset.storage.file.filename``): one JSON file, rewritten atomically.

Every commit rewrites the whole map: temp file in the same directory, flush + fsync, ``os.replace``
over the target, fsync of the directory. A crash at any point leaves either the old or the new
complete file, never a mix. The file is meant to be readable by a person::

    {"version": 1, "offsets": [
    [["conn",{"filename":"a.txt"}],{"position":42}]
    ]}
"""

from __future__ import annotations

import glob
import json
import logging
import os
import tempfile
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from connectd.storage.fencing import TaskClaim
from connectd.storage.offsets import (
    Offset,
    OffsetBackend,
    Partition,
    canonical_json,
    decode_key,
    decode_value,
    encode_key,
    list_connector_offsets,
    lookup_offsets,
)

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
_TEMP_SUFFIX = ".tmp"


class OffsetFileError(RuntimeError):
    """The offsets file exists but cannot be read; it is never silently replaced."""


class FileOffsetBackend(OffsetBackend):
    """Offsets in memory, keyed by :func:`encode_key` bytes, persisted to ``path`` on every write."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._offsets: dict[bytes, dict[str, Any]] = {}

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> None:
        with self._lock:
            self._offsets = self._load()
            self._remove_stale_temp_files()

    def stop(self) -> None:
        # Every write is already durable; nothing is buffered.
        pass

    # -- reads ---------------------------------------------------------------------------------------

    def get(self, connector: str, partitions: Iterable[Partition]) -> list[dict[str, Any] | None]:
        with self._lock:
            return lookup_offsets(self._offsets, connector, partitions)

    def list(self, connector: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        with self._lock:
            return list_connector_offsets(self._offsets, connector)

    def connectors(self) -> list[str]:
        """The connectors that have committed offsets, sorted."""
        with self._lock:
            return sorted({decode_key(key)[0] for key in self._offsets})

    # -- writes --------------------------------------------------------------------------------------

    def write(
        self,
        connector: str,
        offsets: Sequence[tuple[Partition, Offset | None]],
        claim: TaskClaim | None = None,
    ) -> None:
        with self._lock:
            updated = dict(self._offsets)
            for partition, offset in offsets:
                key = encode_key(connector, partition)
                if offset is None:
                    updated.pop(key, None)
                else:
                    updated[key] = dict(offset)
            # Memory changes only once the file holds the batch: a failed write changes nothing.
            self._persist(updated)
            self._offsets = updated

    # -- file format ---------------------------------------------------------------------------------

    def _load(self) -> dict[bytes, dict[str, Any]]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise OffsetFileError(f"cannot read offsets file {self.path}: {exc.strerror}") from exc
        try:
            return self._parse(raw)
        except (ValueError, TypeError, KeyError) as exc:
            raise OffsetFileError(
                f"offsets file {self.path} is corrupt or not a connectd offsets file ({exc}); "
                "refusing to start rather than lose committed offsets: repair or move the file"
            ) from exc

    def _parse(self, raw: bytes) -> dict[bytes, dict[str, Any]]:
        doc = json.loads(raw)
        if not isinstance(doc, dict) or "offsets" not in doc:
            raise ValueError('expected an object with "version" and "offsets"')
        if doc.get("version") != FORMAT_VERSION:
            raise ValueError(f"unsupported format version {doc.get('version')!r}, expected {FORMAT_VERSION}")
        entries = doc["offsets"]
        if not isinstance(entries, list):
            raise ValueError('"offsets" is not a list')
        loaded: dict[bytes, dict[str, Any]] = {}
        for index, entry in enumerate(entries):
            if not isinstance(entry, list) or len(entry) != 2:
                raise ValueError(f"entry {index} is not a [key, value] pair")
            # Round trip through the wire helpers so the file is held to the topic's exact format.
            connector, partition = decode_key(canonical_json(entry[0]).encode())
            offset = decode_value(canonical_json(entry[1]).encode())
            if offset is None:
                raise ValueError(f"entry {index} has a null offset")
            loaded[encode_key(connector, partition)] = offset
        return loaded

    def _render(self, offsets: dict[bytes, dict[str, Any]]) -> bytes:
        # One entry a line, sorted: readable and diffable by a person.
        lines = [f"[{key.decode()},{canonical_json(offsets[key])}]" for key in sorted(offsets)]
        body = ",\n".join(lines)
        return f'{{"version": {FORMAT_VERSION}, "offsets": [\n{body}\n]}}\n'.encode()

    # -- atomic replace ------------------------------------------------------------------------------

    def _persist(self, offsets: dict[bytes, dict[str, Any]]) -> None:
        data = self._render(offsets)
        directory = self.path.parent
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=_TEMP_SUFFIX, dir=directory)
        try:
            with os.fdopen(fd, "wb") as tmp:
                tmp.write(data)
                tmp.flush()
                os.fsync(tmp.fileno())
            os.replace(tmp_name, self.path)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        self._fsync_directory(directory)

    @staticmethod
    def _fsync_directory(directory: Path) -> None:
        # The rename itself is only durable once the directory entry is on disk.
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def _remove_stale_temp_files(self) -> None:
        # Temp files left by a crash mid-write are incomplete by definition; the target is intact.
        directory = self.path.parent
        if not directory.is_dir():
            return
        for stale in directory.glob(f"{glob.escape(f'.{self.path.name}.')}*{_TEMP_SUFFIX}"):
            try:
                stale.unlink()
                log.info("removed a temp file left by an interrupted offsets write: %s", stale)
            except OSError as exc:
                log.warning("cannot remove stale offsets temp file %s: %s", stale, exc)
