"""Standalone's offset store: one JSON file, rewritten atomically on every commit.

Write path: temp file in the same directory, flush + fsync, ``os.replace`` over the target, fsync of
the directory. A crash at any point leaves either the old or the new complete file, never a mix.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from connectd.storage.offsets import Offset, OffsetBackend, Partition, decode_key, encode_key

FORMAT_VERSION = 1


class OffsetFileError(RuntimeError):
    """The offsets file exists but cannot be read; never silently replaced."""


class FileOffsetBackend(OffsetBackend):
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._offsets: dict[bytes, dict[str, Any]] = {}

    def start(self) -> None:
        with self._lock:
            self._offsets = self._load()

    def _load(self) -> dict[bytes, dict[str, Any]]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise OffsetFileError(f"cannot read offsets file {self.path}: {exc.strerror}") from None
        try:
            doc = json.loads(text)
            entries = doc["offsets"]
            loaded: dict[bytes, dict[str, Any]] = {}
            for key, value in entries:
                connector, partition = decode_key(json.dumps(key).encode())
                loaded[encode_key(connector, partition)] = value
            return loaded
        except (ValueError, KeyError, TypeError) as exc:
            raise OffsetFileError(
                f"offsets file {self.path} is corrupt or not a connectd offsets file: {exc}"
            ) from None

    def stop(self) -> None:
        pass

    def get(self, connector: str, partitions: Iterable[Partition]) -> list[dict[str, Any] | None]:
        with self._lock:
            return [self._offsets.get(encode_key(connector, p)) for p in partitions]

    def write(self, connector: str, offsets: Sequence[tuple[Partition, Offset | None]]) -> None:
        with self._lock:
            updated = dict(self._offsets)
            for partition, offset in offsets:
                key = encode_key(connector, partition)
                if offset is None:
                    updated.pop(key, None)
                else:
                    updated[key] = dict(offset)
            self._persist(updated)
            self._offsets = updated

    def list(self, connector: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        with self._lock:
            items = [(decode_key(k), v) for k, v in self._offsets.items()]
        return [(partition, dict(value)) for (name, partition), value in items if name == connector]

    def _persist(self, offsets: dict[bytes, dict[str, Any]]) -> None:
        doc = {"version": FORMAT_VERSION, "offsets": [[json.loads(k), v] for k, v in offsets.items()]}
        directory = self.path.parent
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as tmp:
                json.dump(doc, tmp, separators=(",", ":"))
                tmp.flush()
                os.fsync(tmp.fileno())
            os.replace(tmp_name, self.path)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
