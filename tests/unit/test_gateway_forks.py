"""What the forks of ``connectd gateway --processes N`` share: a logger level set through one of them
holds on the others as soon as they answer ``/admin/loggers``, in the order the changes were made."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable, Iterator

import pytest

from connectd.runtime.logger_levels import process_loggers
from services.gateway_forks import SharedLoggerLevels


@pytest.fixture
def shared() -> Iterator[SharedLoggerLevels]:
    levels = SharedLoggerLevels()
    yield levels
    levels.close()


def _in_another_process(action: Callable[[], None]) -> None:
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            action()
            code = 0
        finally:
            os._exit(code)
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0


def _set(shared: SharedLoggerLevels, namespace: str, level: str, at: int) -> None:
    """What ForkedCoordinatorControl.set_logger_level does in the process that answers the PUT."""
    with shared.lock:
        shared.catch_up_locked()
        process_loggers().set_level(namespace, level, at)
        shared.record_locked(namespace, level, at)


def test_a_level_set_in_one_process_holds_in_the_others(shared: SharedLoggerLevels) -> None:
    namespace = f"connectd.test.{uuid.uuid4().hex[:8]}"
    child = f"{namespace}.child"
    logging.getLogger(child)  # exists in every process, as a module's logger would
    _in_another_process(lambda: _set(shared, namespace, "ERROR", 1000))
    _in_another_process(lambda: _set(shared, child, "DEBUG", 2000))
    assert logging.getLogger(namespace).level == logging.NOTSET, "applied before anyone asked"
    shared.catch_up()
    assert process_loggers().level(namespace).level == "ERROR"
    assert process_loggers().level(namespace).last_modified == 1000, "the time it was made, not applied"
    assert process_loggers().level(child).level == "DEBUG", "replayed in the order the changes were made"
    # A later change of the parent namespace covers the child again, wherever it was made.
    _in_another_process(lambda: _set(shared, namespace, "WARN", 3000))
    shared.catch_up()
    assert process_loggers().level(child).level == "WARN"


def test_nothing_to_apply_reads_shared_memory_only(shared: SharedLoggerLevels) -> None:
    shared.catch_up()
    os.unlink(shared._path)  # no file read when the sequence did not move
    shared.catch_up()
