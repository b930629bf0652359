"""One task's metrics: Kafka's connector-task-metrics, source-task-metrics or sink-task-metrics, and
task-error-metrics (the pipeline's :class:`ErrorCounters`, read as they are).

The runner calls the ``record_*`` methods once per batch with the batch's size and times; values
that exist anyway (records in flight, assigned partitions) are read at scrape time through
``probes``, so the hot path never pays for them."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from enum import Enum

from connectd.metrics.samples import Labels, SampleList
from connectd.metrics.settings import MetricsSettings
from connectd.metrics.stats import SampledStat, StateClock
from connectd.runtime.pipeline.errors import ErrorCounters

_ERROR_ATTRIBUTES = (
    "total-record-failures",
    "total-record-errors",
    "total-records-skipped",
    "total-retries",
    "total-errors-logged",
    "deadletterqueue-produce-requests",
    "deadletterqueue-produce-failures",
    "last-error-timestamp",
)


class TaskKind(Enum):
    SOURCE = "source"
    SINK = "sink"


class TaskMetrics:
    """Written by the task's thread, read by scrapes: plain attributes, no locks (a scrape may see
    one batch more or less, never a torn value)."""

    def __init__(
        self,
        kind: TaskKind,
        labels: Labels,
        settings: MetricsSettings,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        now = clock()
        self.kind = kind
        self.labels = labels
        self.clock = clock
        window, samples = settings.window_s, settings.samples

        def stat() -> SampledStat:
            return SampledStat(window, samples, now)

        self.states = StateClock("unassigned", now)
        self.batch_size = stat()
        self.commit_time_ms = stat()
        self.commit_success = stat()  # 1 per successful commit, 0 per failed one: avg = success share
        self.errors: ErrorCounters | None = None
        # Scrape-time readings by attribute name, set by the runner (e.g. records in flight).
        self.probes: dict[str, Callable[[], float]] = {}
        # source: polled and written; sink: read and sent (put)
        self.taken_total = 0
        self.taken = stat()
        self.handed_total = 0
        self.handed = stat()
        self.batch_time_ms = stat()
        # sink only
        self.commit_seq_no = 0
        self.commit_completions_total = 0
        self.commit_completions = stat()
        self.commit_skips_total = 0
        self.commit_skips = stat()
        self.partition_lag: dict[tuple[str, int], int] = {}

    # --- recorded by the runner, once per batch or commit ------------------------------------------

    def record_batch(self, taken: int, started: float, ended: float) -> None:
        """A source's ``poll()`` that returned ``taken`` records, from ``started`` to ``ended``."""
        self.record_taken(taken, ended)
        self.record_batch_time(started, ended)

    def record_batch_time(self, started: float, ended: float) -> None:
        """The time of one ``poll()`` (source) or ``put()`` (sink)."""
        self.batch_time_ms.record((ended - started) * 1000, ended)

    def record_taken(self, taken: int, now: float) -> None:
        """Records polled (source) or read from Kafka (sink, before conversion)."""
        self.taken_total += taken
        self.taken.record(taken, now)
        self.batch_size.record(taken, now)

    def record_handed(self, count: int, now: float) -> None:
        """Records written to Kafka (source) or put to the task (sink) after the transforms."""
        self.handed_total += count
        self.handed.record(count, now)

    def record_commit(self, succeeded: bool, started: float, ended: float) -> None:
        self.commit_success.record(1.0 if succeeded else 0.0, ended)
        if succeeded:
            self.commit_time_ms.record((ended - started) * 1000, ended)
            self.commit_seq_no += 1
            self.commit_completions_total += 1
            self.commit_completions.record(1, ended)

    def record_commit_skipped(self, now: float) -> None:
        self.commit_skips_total += 1
        self.commit_skips.record(1, now)

    def state_changed(self, state: str) -> None:
        self.states.change(state, self.clock())

    # --- read at scrape time -----------------------------------------------------------------------

    def samples(self) -> list[SampleList]:
        now = self.clock()
        task = SampleList("connector-task-metrics", self.labels)
        task.text("status", self.states.state)
        task.gauge("running-ratio", self.states.ratio("running", now))
        task.gauge("pause-ratio", self.states.ratio("paused", now))
        task.gauge("batch-size-avg", self.batch_size.avg(now))
        task.gauge("batch-size-max", self.batch_size.max(now))
        task.gauge("offset-commit-avg-time-ms", self.commit_time_ms.avg(now))
        task.gauge("offset-commit-max-time-ms", self.commit_time_ms.max(now))
        share = self.commit_success.avg(now)
        task.gauge("offset-commit-success-percentage", share * 100 if not math.isnan(share) else 0.0)
        task.gauge("offset-commit-failure-percentage", (1 - share) * 100 if not math.isnan(share) else 0.0)
        groups = [task, self._source(now) if self.kind is TaskKind.SOURCE else self._sink(now)]
        if self.errors is not None:
            errors = SampleList("task-error-metrics", self.labels)
            for attribute in _ERROR_ATTRIBUTES:
                errors.gauge(attribute, getattr(self.errors, attribute.replace("-", "_")))
            groups.append(errors)
        return groups

    def _probe(self, attribute: str) -> float:
        probe = self.probes.get(attribute)
        if probe is None:
            return 0.0
        try:
            return float(probe())
        except RuntimeError:  # a collection changed under the read (the task thread moved on)
            return math.nan

    def _source(self, now: float) -> SampleList:
        group = SampleList("source-task-metrics", self.labels)
        group.counter("source-record-poll-total", self.taken_total)
        group.gauge("source-record-poll-rate", self.taken.rate(now))
        group.counter("source-record-write-total", self.handed_total)
        group.gauge("source-record-write-rate", self.handed.rate(now))
        group.gauge("poll-batch-avg-time-ms", self.batch_time_ms.avg(now))
        group.gauge("poll-batch-max-time-ms", self.batch_time_ms.max(now))
        group.gauge("source-record-active-count", self._probe("source-record-active-count"))
        return group

    def _sink(self, now: float) -> SampleList:
        group = SampleList("sink-task-metrics", self.labels)
        group.counter("sink-record-read-total", self.taken_total)
        group.gauge("sink-record-read-rate", self.taken.rate(now))
        group.counter("sink-record-send-total", self.handed_total)
        group.gauge("sink-record-send-rate", self.handed.rate(now))
        group.gauge("put-batch-avg-time-ms", self.batch_time_ms.avg(now))
        group.gauge("put-batch-max-time-ms", self.batch_time_ms.max(now))
        group.gauge("partition-count", self._probe("partition-count"))
        group.gauge("offset-commit-seq-no", self.commit_seq_no)
        group.counter("offset-commit-completion-total", self.commit_completions_total)
        group.gauge("offset-commit-completion-rate", self.commit_completions.rate(now))
        group.counter("offset-commit-skip-total", self.commit_skips_total)
        group.gauge("offset-commit-skip-rate", self.commit_skips.rate(now))
        lags = list(self.partition_lag.values())
        group.gauge("sink-record-lag-max", max(lags) if lags else 0.0)
        return group
