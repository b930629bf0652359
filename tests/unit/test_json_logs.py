"""``log.format=json``: one JSON object per record, with the context's ids, scrubbed like the text format."""

from __future__ import annotations

import io
import json
import logging
import re
import threading
from collections.abc import Iterator

import pytest

from connectd.config import WorkerConfig
from connectd.runtime import log_context, log_scrubbing
from connectd.runtime.log_context import LogContextFilter
from connectd.runtime.log_scrubbing import ResolvedValueFilter
from services.logs import JsonFormatter

SECRET = "s3cr3t-value-xyz"


@pytest.fixture
def capture() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger whose handler is configured as ``configure_logging`` does for json."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(LogContextFilter())
    handler.addFilter(ResolvedValueFilter())
    handler.setFormatter(JsonFormatter("worker", "8083"))
    logger = logging.getLogger("connectd.test.json")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    log_context.set_defaults(worker="127.0.0.1:8083", group="g1")
    try:
        yield logger, stream
    finally:
        log_context.set_defaults()
        logger.handlers.clear()


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_fields(capture: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = capture
    logger.info("task %s running", "src-0")
    [entry] = lines(stream)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", entry["ts"])
    assert entry["level"] == "INFO"
    assert entry["logger"] == "connectd.test.json"
    assert entry["role"] == "worker"
    assert entry["process"] == "8083"
    assert entry["message"] == "task src-0 running"
    assert entry["worker"] == "127.0.0.1:8083" and entry["group"] == "g1"
    assert "connector" not in entry and "task" not in entry and "trace" not in entry


def test_context_ids_stay_on_their_thread(capture: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = capture
    with log_context.log_context(connector="src", task=0):
        logger.info("inside")
        # A thread started meanwhile does not inherit the ids: a context is per thread.
        thread = threading.Thread(target=lambda: logger.info("other thread"))
        thread.start()
        thread.join()
    logger.info("outside")
    inside, other, outside = lines(stream)
    assert (inside["connector"], inside["task"]) == ("src", 0)
    assert "connector" not in other and "connector" not in outside


def test_trace_scrubbing_non_ascii_and_one_line_per_record(
    capture: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = capture
    log_scrubbing.register([("${file:/s.properties:password}", SECRET)])
    try:
        raise ValueError(f"bad password {SECRET}")
    except ValueError:
        logger.exception("connector ünïcødé ✓ failed with %s\nsecond line", SECRET)
    assert len(stream.getvalue().splitlines()) == 1
    [entry] = lines(stream)
    assert SECRET not in stream.getvalue()
    assert entry["message"] == "connector ünïcødé ✓ failed with ${file:/s.properties:password}\nsecond line"
    assert entry["trace"].startswith("Traceback")
    assert "ValueError: bad password ${file:/s.properties:password}" in entry["trace"]
    assert entry["level"] == "ERROR"


def test_log_format_is_validated() -> None:
    assert WorkerConfig({})["log.format"] == "text"
    assert WorkerConfig({"log.format": "json"})["log.format"] == "json"
    with pytest.raises(ValueError, match="log.format"):
        WorkerConfig({"log.format": "xml"})
