"""What the forked processes of one gateway (``connectd gateway --processes N``) share beyond the
listeners: the logger levels set through ``/admin/loggers``.

Logger levels are the one piece of REST state a process keeps for itself (Python's logging is
process-wide). A gateway of N processes is one REST endpoint to its users, so a level set through any
of them holds for all: each change is recorded, under one lock, in a file all of them read, with a
sequence number in shared memory; before a process answers any ``/admin/loggers`` request it applies
the changes it has not seen, so a read after a write (on any process) reflects it. The file keeps
the latest change per namespace; replaying those in sequence order gives every logger the level of
the latest change of a namespace that contains it, as replaying every change would.
"""

from __future__ import annotations

import ctypes
import json
import multiprocessing
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from connectd.runtime.logger_levels import (
    LoggerLevel,
    LoggerScope,
    logger_scope,
    process_loggers,
    require_level,
)
from services.coordinator.client import CoordinatorControl
from services.coordinator.status_view import WriteFence


class ForkShared:
    """Everything the forks of one gateway share, created before forking."""

    def __init__(self) -> None:
        # Read-your-writes of statuses across the forks (see services.coordinator.status_view).
        self.fence = WriteFence(shared=True)
        self.loggers = SharedLoggerLevels()

    def close(self) -> None:
        self.loggers.close()


class SharedLoggerLevels:
    """Created before forking; each process keeps its own count of the changes it applied."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("fork")
        self.lock: Any = context.Lock()
        self._sequence: Any = context.RawValue(ctypes.c_uint64, 0)
        descriptor, name = tempfile.mkstemp(prefix="connectd-gateway-loggers-", suffix=".json")
        os.close(descriptor)
        self._path = Path(name)
        self._path.write_text("{}")
        self._applied = 0

    def close(self) -> None:
        """In the process that created it, once every fork is gone."""
        self._path.unlink(missing_ok=True)

    def _entries(self) -> dict[str, list[Any]]:
        """namespace -> [level, epoch ms, sequence]."""
        return json.loads(self._path.read_text())

    def catch_up_locked(self) -> None:
        """Apply the changes other processes recorded since this one last looked (lock held)."""
        sequence = int(self._sequence.value)
        if sequence == self._applied:
            return
        news = [(entry[2], name, entry[0], entry[1]) for name, entry in self._entries().items()]
        for number, name, level, at in sorted(news):
            if number > self._applied:
                process_loggers().set_level(name, level, at)
        self._applied = sequence

    def catch_up(self) -> None:
        if int(self._sequence.value) != self._applied:  # one shared-memory read when nothing changed
            with self.lock:
                self.catch_up_locked()

    def record_locked(self, namespace: str, level: str, at: int) -> None:
        """Record a change this process just applied (lock held, caught up before applying it)."""
        entries = self._entries()
        sequence = int(self._sequence.value) + 1
        entries[namespace] = [level, at, sequence]
        scratch = self._path.with_suffix(".tmp")
        scratch.write_text(json.dumps(entries))
        scratch.replace(self._path)  # a reader never sees half a file
        self._sequence.value = sequence
        self._applied = sequence


class ForkedCoordinatorControl(CoordinatorControl):
    """The control plane of one forked gateway process: its logger levels follow its siblings'."""

    def __init__(self, *args: Any, loggers: SharedLoggerLevels, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._loggers = loggers

    def logger_levels(self) -> dict[str, LoggerLevel]:
        self._loggers.catch_up()
        return super().logger_levels()

    def logger_level(self, logger: str) -> LoggerLevel:
        self._loggers.catch_up()
        return super().logger_level(logger)

    def set_logger_level(self, logger: str, level: Any, scope: str | None = None) -> list[str]:
        canonical = require_level(level)
        at = int(time.time() * 1000)
        # Serialized across the processes: each applies every change in one order.
        with self._loggers.lock:
            self._loggers.catch_up_locked()
            affected = process_loggers().set_level(logger, canonical, at)
            self._loggers.record_locked(logger, canonical, at)
        # The rest of the cluster, outside the lock (it waits on other processes).
        if logger_scope(scope) is LoggerScope.CLUSTER:
            self._set_cluster_logger_level(logger, canonical)
        return affected
