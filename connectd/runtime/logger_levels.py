"""``/admin/loggers``: read and change this process's logger levels with Kafka Connect's semantics.

Kafka's log4j level names map onto Python logging levels: ``ALL`` 1, ``TRACE`` 5, ``DEBUG`` 10,
``INFO`` 20, ``WARN`` 30, ``ERROR`` 40, ``FATAL`` 50 (CRITICAL) and ``OFF`` 100 (above any record, so
nothing is emitted). The root logger is called ``root`` (``""`` is accepted too, as in Kafka 4.x).

Setting a level on a namespace sets it explicitly on the namespace's logger (created when absent)
and on every existing descendant logger, and reports the ones whose level actually changed, sorted,
with ``last_modified`` (epoch ms) recorded for them. Levels set this way last until the process
exits. Python's logging is process-wide, so there is one :class:`ProcessLoggers` per process.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from connectd.errors import BadRequestError, NotFoundError

log = logging.getLogger(__name__)

ROOT_LOGGER = "root"

KAFKA_LEVELS: dict[str, int] = {
    "OFF": 100,
    "FATAL": logging.CRITICAL,
    "ERROR": logging.ERROR,
    "WARN": logging.WARNING,
    "INFO": logging.INFO,
    "DEBUG": logging.DEBUG,
    "TRACE": 5,
    "ALL": 1,
}


class LoggerScope(StrEnum):
    WORKER = "worker"
    CLUSTER = "cluster"


def logger_scope(value: str | None) -> LoggerScope:
    """``?scope=``: case-insensitive; absent or unknown means ``worker``, as in Kafka."""
    if value is not None and value.strip().lower() == LoggerScope.CLUSTER.value:
        return LoggerScope.CLUSTER
    return LoggerScope.WORKER


def require_level(level: Any) -> str:
    """The canonical Kafka level name of a ``PUT /admin/loggers/{logger}`` body's ``level``."""
    if level is None:
        raise BadRequestError("Desired 'level' parameter was not specified in request.")
    canonical = str(level).strip().upper()
    if canonical not in KAFKA_LEVELS:
        # Kafka answers 404 here, not 400.
        raise NotFoundError(f"invalid log level '{level}'.")
    return canonical


def kafka_level_name(python_level: int) -> str:
    """The Kafka name of a Python level: the highest Kafka level not above it."""
    for name, number in KAFKA_LEVELS.items():  # ordered from OFF down to ALL
        if python_level >= number:
            return name
    return "ALL"


@dataclass(frozen=True, slots=True)
class LoggerLevel:
    level: str
    last_modified: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"level": self.level, "last_modified": self.last_modified}


def _is_root(name: str) -> bool:
    return name == "" or name.lower() == ROOT_LOGGER


class ProcessLoggers:
    """The logger levels of this process, with the time each was last changed through the API."""

    def __init__(self, clock: Callable[[], int] = lambda: int(time.time() * 1000)) -> None:
        self._clock = clock
        self._last_modified: dict[str, int] = {}

    @staticmethod
    def _existing() -> dict[str, logging.Logger]:
        # Placeholders stand for namespaces no logger was created for: they do not exist yet.
        return {
            name: logger
            for name, logger in list(logging.Logger.manager.loggerDict.items())
            if isinstance(logger, logging.Logger)
        }

    def _level_of(self, name: str, logger: logging.Logger) -> LoggerLevel:
        return LoggerLevel(kafka_level_name(logger.getEffectiveLevel()), self._last_modified.get(name))

    def all_levels(self) -> dict[str, LoggerLevel]:
        """The root logger and every logger with a level of its own, by name; loggers that are OFF
        are left out, as Kafka 4.x does."""
        levels = {ROOT_LOGGER: self._level_of(ROOT_LOGGER, logging.getLogger())}
        for name, logger in self._existing().items():
            if logger.level != logging.NOTSET:
                levels[name] = self._level_of(name, logger)
        return {name: levels[name] for name in sorted(levels) if levels[name].level != "OFF"}

    def level(self, name: str) -> LoggerLevel:
        """The logger's level (inherited when it has none of its own); NotFoundError if no such
        logger exists (reading never creates one)."""
        if _is_root(name):
            return self._level_of(ROOT_LOGGER, logging.getLogger())
        logger = self._existing().get(name)
        if logger is None:
            raise NotFoundError(f"Logger {name} not found.")
        return self._level_of(name, logger)

    def set_level(self, namespace: str, level: str, at: int | None = None) -> list[str]:
        """Set ``level`` on ``namespace`` and its existing descendants; the names whose level changed.
        ``at``: the change's time (epoch ms) when it was made elsewhere first (another process of
        the same gateway), else now."""
        canonical = require_level(level)
        log.info("Setting level of namespace %s and children to %s", namespace or ROOT_LOGGER, canonical)
        if canonical == "TRACE":
            logging.addLevelName(KAFKA_LEVELS["TRACE"], "TRACE")
        existing = self._existing()
        if _is_root(namespace):
            targets = {ROOT_LOGGER: logging.getLogger(), **existing}
        else:
            targets = {
                name: logger
                for name, logger in existing.items()
                if name == namespace or name.startswith(namespace + ".")
            }
            targets.setdefault(namespace, logging.getLogger(namespace))
        # Read every old level first: setting a parent changes what its children inherit.
        before = {name: kafka_level_name(logger.getEffectiveLevel()) for name, logger in targets.items()}
        now = self._clock() if at is None else at
        changed = []
        for name, logger in targets.items():
            logger.setLevel(KAFKA_LEVELS[canonical])
            if before[name] != canonical:
                self._last_modified[name] = now
                changed.append(name)
        return sorted(changed)


@functools.cache
def process_loggers() -> ProcessLoggers:
    """This process's loggers (created on first use)."""
    return ProcessLoggers()


class LoggerAdmin:
    """The ``/admin/loggers`` part of a control plane.

    Reads and ``scope=worker`` act on the loggers of the process serving the request. ``scope=cluster``
    also calls :meth:`_set_cluster_logger_level`, which reaches the rest of the cluster: nothing more
    for a standalone worker; the coordinator and every worker of the group in distributed mode."""

    def logger_levels(self) -> dict[str, LoggerLevel]:
        return process_loggers().all_levels()

    def logger_level(self, logger: str) -> LoggerLevel:
        return process_loggers().level(logger)

    def set_logger_level(self, logger: str, level: Any, scope: str | None = None) -> list[str]:
        canonical = require_level(level)
        affected = process_loggers().set_level(logger, canonical)
        if logger_scope(scope) is LoggerScope.CLUSTER:
            self._set_cluster_logger_level(logger, canonical)
        return affected

    def _set_cluster_logger_level(self, logger: str, level: str) -> None:
        """Apply a cluster-scope level beyond this process (a standalone worker is the whole cluster)."""
