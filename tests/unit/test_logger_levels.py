"""``/admin/loggers`` core: Kafka level names over Python logging, namespaces, last_modified."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator

import pytest

from connectd.errors import BadRequestError, NotFoundError
from connectd.runtime.logger_levels import (
    KAFKA_LEVELS,
    LoggerScope,
    ProcessLoggers,
    kafka_level_name,
    logger_scope,
    require_level,
)


@pytest.fixture
def namespace() -> Iterator[str]:
    """A fresh logger namespace with two existing descendants; levels reset afterwards."""
    name = f"test-{uuid.uuid4().hex[:8]}"
    loggers = [logging.getLogger(n) for n in (name, f"{name}.a", f"{name}.a.b", f"{name}x")]
    yield name
    for logger in loggers:
        logger.setLevel(logging.NOTSET)


def test_kafka_level_names_map_both_ways() -> None:
    for name, number in KAFKA_LEVELS.items():
        assert kafka_level_name(number) == name
    assert kafka_level_name(25) == "INFO" and kafka_level_name(0) == "ALL"
    assert require_level("warn") == "WARN" and require_level(" Trace ") == "TRACE"


def test_missing_and_unknown_levels_are_refused_as_kafka_does() -> None:
    with pytest.raises(BadRequestError, match=r"^Desired 'level' parameter was not specified in request\.$"):
        require_level(None)
    with pytest.raises(NotFoundError, match=r"^invalid log level 'LOUD'\.$"):
        require_level("LOUD")


def test_scope_defaults_to_worker() -> None:
    assert logger_scope("CLUSTER") is LoggerScope.CLUSTER
    assert logger_scope(None) is logger_scope("worker") is logger_scope("galaxy") is LoggerScope.WORKER


def test_set_level_reports_changed_descendants_only(namespace: str) -> None:
    loggers = ProcessLoggers(clock=lambda: 1234)
    logging.getLogger(f"{namespace}.a.b").setLevel(logging.DEBUG)
    changed = loggers.set_level(namespace, "DEBUG")
    # .a.b already was DEBUG; "{namespace}x" is not a descendant.
    assert changed == [namespace, f"{namespace}.a"], changed
    assert loggers.level(f"{namespace}.a").to_dict() == {"level": "DEBUG", "last_modified": 1234}
    assert loggers.level(f"{namespace}.a.b").to_dict() == {"level": "DEBUG", "last_modified": None}
    assert loggers.level(f"{namespace}x").level == kafka_level_name(logging.getLogger().getEffectiveLevel())
    assert loggers.set_level(namespace, "debug") == [], "setting the same level again changes nothing"


def test_set_level_creates_the_namespace_logger(namespace: str) -> None:
    fresh = f"{namespace}.new.child"
    assert ProcessLoggers().set_level(fresh, "ERROR") == [fresh]
    assert logging.getLogger(fresh).level == logging.ERROR


def test_reads_never_create_loggers(namespace: str) -> None:
    missing = f"{namespace}.missing"
    with pytest.raises(NotFoundError, match=rf"^Logger {missing} not found\.$"):
        ProcessLoggers().level(missing)
    assert missing not in logging.Logger.manager.loggerDict


def test_all_levels_lists_root_and_explicit_levels_sorted(namespace: str) -> None:
    loggers = ProcessLoggers(clock=lambda: 7)
    loggers.set_level(f"{namespace}.a", "ERROR")
    loggers.set_level(f"{namespace}x", "OFF")
    levels = loggers.all_levels()
    assert list(levels) == sorted(levels) and "root" in levels, list(levels)
    assert levels[f"{namespace}.a"].to_dict() == {"level": "ERROR", "last_modified": 7}
    assert namespace not in levels, "a logger without a level of its own is not listed"
    assert f"{namespace}x" not in levels, "OFF loggers are left out, as in Kafka 4.x"


def test_root_is_addressed_as_root_in_any_case() -> None:
    root = logging.getLogger()
    saved = root.level
    try:
        loggers = ProcessLoggers(clock=lambda: 99)
        changed = loggers.set_level("ROOT", "ERROR")
        assert "root" in changed and root.level == logging.ERROR, changed
        assert loggers.level("Root").to_dict() == {"level": "ERROR", "last_modified": 99}
    finally:
        for logger in [root, *logging.Logger.manager.loggerDict.values()]:
            if isinstance(logger, logging.Logger):
                logger.setLevel(logging.NOTSET)
        root.setLevel(saved)
