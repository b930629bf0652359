"""Error handling of the record pipeline: retries, tolerance, and who is told about a bad record.

Kafka's ``RetryWithToleranceOperator``, as one rule for both sides: a step that raises
:class:`RetriableError` is retried with exponential backoff (300 ms doubling, capped at
``errors.retry.delay.max.ms``) until ``errors.retry.timeout`` (0: never, -1: forever); a failure is
then reported to every reporter (error log, dead letter queue) and, with ``errors.tolerance=all``,
the record is skipped and the task runs on; with ``none`` the task fails with the stage and class in
its trace. Converter and transformation failures are tolerable; other stages (put, produce) only
through their own paths (:meth:`RecordErrorHandler.report_failed`).
"""

from __future__ import annotations

import logging
import random
import threading
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from connectd.api.errors import ConnectError, RetriableError
from connectd.api.records import SourceRecord

log = logging.getLogger(__name__)

T = TypeVar("T")
RETRY_DELAY_MIN_MS = 300


class Stage(StrEnum):
    """Where in the pipeline a record failed (``__connect.errors.stage``)."""

    KEY_CONVERTER = "KEY_CONVERTER"
    VALUE_CONVERTER = "VALUE_CONVERTER"
    HEADER_CONVERTER = "HEADER_CONVERTER"
    TRANSFORMATION = "TRANSFORMATION"
    TASK_PUT = "TASK_PUT"
    TASK_POLL = "TASK_POLL"
    KAFKA_PRODUCE = "KAFKA_PRODUCE"
    KAFKA_CONSUME = "KAFKA_CONSUME"


class ToleranceExceededError(ConnectError):
    """A record failed and ``errors.tolerance`` does not allow it: the task fails with this."""


class ConsumedMessage(Protocol):
    """What the sink side knows of a consumed record (a confluent-kafka ``Message``)."""

    def topic(self) -> str | None: ...
    def partition(self) -> int | None: ...
    def offset(self) -> int | None: ...
    def key(self) -> bytes | None: ...
    def value(self) -> bytes | None: ...
    def headers(self) -> list[tuple[str, bytes | None]] | None: ...
    def timestamp(self) -> tuple[int, int]: ...


@dataclass(slots=True)
class FailedRecord:
    """One failure, as the reporters see it. ``consumed``: the sink's original Kafka record (with the
    user's topic name in ``topic``); ``source_record``: the source's record as the task polled it."""

    stage: Stage
    executing_class: str
    error: BaseException
    task: str
    topic: str | None = None
    consumed: ConsumedMessage | None = None
    source_record: SourceRecord | None = None
    attempts: int = 1

    def where(self) -> str:
        """The record's coordinates, for messages."""
        if self.consumed is not None:
            return f"{self.topic}-{self.consumed.partition()} offset {self.consumed.offset()}"
        if self.source_record is not None:
            record = self.source_record
            return f"record for topic {record.topic} from {record.source_partition} at {record.source_offset}"
        return "unknown record"


class ErrorReporter(Protocol):
    def report(self, failure: FailedRecord) -> Future[None] | None:
        """Hand on a failure; a future when the hand-over completes later (a DLQ write)."""

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class ErrorHandlingSettings:
    """The ``errors.*`` keys of a connector config."""

    tolerate_all: bool = False
    retry_timeout_ms: int = 0
    retry_delay_max_ms: int = 60000
    log_enable: bool = False
    log_include_messages: bool = False
    dlq_topic: str = ""
    dlq_replication_factor: int = 3
    dlq_context_headers: bool = False

    @classmethod
    def of(cls, config: Mapping[str, str]) -> ErrorHandlingSettings:
        def flag(key: str) -> bool:
            return config.get(key, "false").strip().lower() == "true"

        return cls(
            tolerate_all=config.get("errors.tolerance", "none").strip().lower() == "all",
            retry_timeout_ms=int(config.get("errors.retry.timeout", "0")),
            retry_delay_max_ms=int(config.get("errors.retry.delay.max.ms", "60000")),
            log_enable=flag("errors.log.enable"),
            log_include_messages=flag("errors.log.include.messages"),
            dlq_topic=config.get("errors.deadletterqueue.topic.name", "").strip(),
            dlq_replication_factor=int(config.get("errors.deadletterqueue.topic.replication.factor", "3")),
            dlq_context_headers=flag("errors.deadletterqueue.context.headers.enable"),
        )

    @property
    def handles_errors(self) -> bool:
        """Whether a sink task gets an errant record reporter (Kafka: tolerance all or a DLQ)."""
        return self.tolerate_all or bool(self.dlq_topic)


@dataclass(slots=True)
class ErrorCounters:
    """Kafka's task-error-metrics, for this task."""

    total_record_failures: int = 0
    total_record_errors: int = 0
    total_records_skipped: int = 0
    total_retries: int = 0
    total_errors_logged: int = 0
    deadletterqueue_produce_requests: int = 0
    deadletterqueue_produce_failures: int = 0
    last_error_timestamp: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, **increments: int) -> None:
        with self._lock:
            for name, amount in increments.items():
                setattr(self, name, getattr(self, name) + amount)


class SkipRecord(Exception):
    """Raised by :meth:`RecordErrorHandler.attempt` for a tolerated failure: drop this record."""


def class_name(obj: object) -> str:
    cls = obj if isinstance(obj, type) else type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


class RecordErrorHandler:
    """One task's error handling: ``attempt`` runs a step, retrying and reporting as configured."""

    def __init__(
        self,
        settings: ErrorHandlingSettings,
        task: str,
        reporters: Sequence[ErrorReporter] = (),
        counters: ErrorCounters | None = None,
        stopping: threading.Event | None = None,
    ) -> None:
        self.settings = settings
        self.task = task
        self.reporters = list(reporters)
        self.counters = counters or ErrorCounters()
        # Set when the task stops: a retry sleeping in backoff gives up at once.
        self._stopping = stopping or threading.Event()
        self._pending: list[Future[None]] = []
        self._pending_lock = threading.Lock()

    def bind_stop(self, stopping: threading.Event) -> None:
        """The task's stop signal: a retry waiting in backoff gives up when it is set."""
        self._stopping = stopping

    def attempt(
        self,
        stage: Stage,
        executing: object,
        operation: Callable[..., T],
        *args: Any,
        failure: Callable[[], FailedRecord] | None = None,
    ) -> T:
        """``operation(*args)``: its result, or, on failure, retried (RetriableError) and then either
        :class:`SkipRecord` (tolerated) or :class:`ToleranceExceededError` (not). ``failure`` builds
        the report's record context, only when something failed."""
        try:
            return operation(*args)
        except Exception as first:
            succeeded, outcome = self._retry(first, operation, args)
        if succeeded:
            return outcome  # type: ignore[no-any-return]
        report = failure() if failure is not None else FailedRecord(stage, "", outcome, self.task)
        report.stage, report.executing_class, report.error = stage, class_name(executing), outcome
        self.report_failed(report)
        raise SkipRecord from outcome

    def _retry(
        self, error: Exception, operation: Callable[..., Any], args: tuple[Any, ...]
    ) -> tuple[bool, Any]:
        """Retries a RetriableError within ``errors.retry.timeout``: ``(True, result)`` once a retry
        succeeds, else ``(False, the last error)``."""
        timeout = self.settings.retry_timeout_ms
        if not isinstance(error, RetriableError) or timeout == 0:
            return False, error
        deadline = time.monotonic() + timeout / 1000 if timeout > 0 else float("inf")
        attempt = 1
        while True:
            self.counters.add(total_record_failures=1)
            now = time.monotonic()
            if now >= deadline or self._stopping.is_set():
                return False, error
            delay_ms = RETRY_DELAY_MIN_MS << (attempt - 1)
            if delay_ms > self.settings.retry_delay_max_ms:
                delay_ms = random.randrange(max(1, self.settings.retry_delay_max_ms))
            self._stopping.wait(min(delay_ms / 1000, deadline - now))
            self.counters.add(total_retries=1)
            attempt += 1
            try:
                return True, operation(*args)
            except RetriableError as again:
                error = again
            except Exception as other:
                return False, other

    def report(self, report: FailedRecord) -> list[Future[None]]:
        """Tell every reporter; the futures of hand-overs (DLQ writes), also kept for
        :meth:`await_reports`."""
        futures = []
        for reporter in self.reporters:
            try:
                future = reporter.report(report)
            except Exception:
                log.exception("task %s: error reporter %s failed", self.task, class_name(reporter))
                continue
            if future is not None:
                futures.append(future)
        with self._pending_lock:
            self._pending.extend(futures)
        return futures

    def await_reports(self, timeout_s: float) -> None:
        """Before offsets are committed: every reported record is in the DLQ. Raises ConnectError
        when a write failed or did not finish in time (the offsets must then not move on)."""
        with self._pending_lock:
            pending, self._pending = self._pending, []
        if not pending:
            return
        for reporter in self.reporters:
            flush = getattr(reporter, "flush", None)
            if flush is not None:
                flush(timeout_s)
        for future in pending:
            try:
                future.result(timeout=0 if future.done() else timeout_s)
            except Exception as exc:
                raise ConnectError(
                    f"Encountered an error while awaiting an errant record future's completion: {exc}"
                ) from exc

    def report_failed(self, report: FailedRecord) -> list[Future[None]]:
        """A failure outside ``attempt`` (a produce, a task's errant record): counted and reported;
        raises ToleranceExceededError unless ``errors.tolerance=all``."""
        self.counters.add(total_record_failures=1, total_record_errors=1)
        self.counters.last_error_timestamp = int(time.time() * 1000)
        futures = self.report(report)
        if not self.settings.tolerate_all:
            raise ToleranceExceededError(
                f"Tolerance exceeded in error handler: stage {report.stage.value}, class "
                f"{report.executing_class}, {report.where()}: {type(report.error).__name__}: {report.error}"
            ) from report.error
        self.counters.add(total_records_skipped=1)
        return futures

    def close(self) -> None:
        for reporter in self.reporters:
            try:
                reporter.close()
            except Exception:
                log.exception("task %s: closing error reporter %s failed", self.task, class_name(reporter))


def stack_trace(error: BaseException) -> str:
    return "".join(traceback.format_exception(error))
