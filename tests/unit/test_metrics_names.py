"""The Prometheus names of Kafka Connect's metrics (ours and Strimzi's), and Kafka's sampled stats."""

from __future__ import annotations

import math

from connectd.metrics.samples import Kind, Sample
from connectd.metrics.stats import SampledStat, StateClock
from services.metrics.names import prometheus_series, strimzi_series

TASK = (("connector", "c"), ("task", "0"), ("worker", "w:8083"))


def test_our_names_are_mechanical_with_seconds_and_current() -> None:
    poll = prometheus_series(Sample("source-task-metrics", "source-record-poll-total", TASK, 5, Kind.COUNTER))
    assert (poll.name, poll.kind, poll.value) == (
        "kafka_connect_source_task_metrics_source_record_poll_total", Kind.COUNTER, 5
    )  # fmt: skip
    time_ms = prometheus_series(Sample("sink-task-metrics", "put-batch-avg-time-ms", TASK, 250))
    assert (time_ms.name, time_ms.value) == (
        "kafka_connect_sink_task_metrics_put_batch_avg_time_seconds",
        0.25,
    )
    count = prometheus_series(Sample("connect-worker-metrics", "task-count", (("worker", "w"),), 3))
    assert count.name == "kafka_connect_connect_worker_metrics_task_count_current"
    status = prometheus_series(Sample("connector-task-metrics", "status", TASK, 1, Kind.TEXT, "failed"))
    assert status.name == "kafka_connect_connector_task_metrics_status"
    assert dict(status.labels)["status"] == "failed" and status.value == 1


def test_strimzi_names_follow_its_jmx_exporter_rules() -> None:
    poll = strimzi_series(Sample("source-task-metrics", "source-record-poll-total", TASK, 5, Kind.COUNTER))
    assert poll is not None and poll.name == "kafka_connect_source_task_source_record_poll_total"
    assert "worker" not in dict(poll.labels), "Strimzi's task series have connector and task labels only"
    lag = strimzi_series(Sample("sink-task-metrics", "put-batch-avg-time-ms", TASK, 250))
    assert lag is not None and (lag.name, lag.value) == ("kafka_connect_sink_task_put_batch_avg_time_ms", 250)
    status = strimzi_series(Sample("connector-metrics", "connector-class", TASK[:1], 1, Kind.TEXT, "X"))
    assert status is not None and status.name == "kafka_connect_connector_connector_class"
    assert dict(status.labels) == {"connector": "c", "connector_class": "X"}
    percentage = Sample("connector-task-metrics", "offset-commit-success-percentage", TASK, 100)
    assert strimzi_series(percentage) is None, "Strimzi's rules export no *-percentage attribute"
    worker = strimzi_series(
        Sample("connect-worker-metrics", "task-startup-attempts-total", (), 2, Kind.COUNTER)
    )
    assert worker is not None and (worker.name, worker.kind) == (
        "kafka_connect_worker_task_startup_attempts_total", Kind.COUNTER
    )  # fmt: skip
    rebalance = strimzi_series(Sample("connect-worker-rebalance-metrics", "rebalance-max-time-ms", (), 9))
    assert rebalance is not None and rebalance.name == "kafka_connect_worker_rebalance_rebalance_max_time_ms"


def test_sampled_stat_reads_over_the_live_windows() -> None:
    stat = SampledStat(window_s=10, samples=2, now=0)
    assert math.isnan(stat.avg(0)) and math.isnan(stat.max(0)), "no values: NaN, as Kafka's Avg and Max"
    stat.record(4, 1)
    stat.record(8, 2)
    assert (stat.avg(3), stat.max(3), stat.count(3)) == (6, 8, 2)
    assert stat.rate(5) == 12 / 10, "elapsed time counts at least samples - 1 full windows"
    stat.record(2, 12)  # the second window
    assert stat.max(15) == 8 and stat.count(15) == 3
    stat.record(1, 25)  # the first window is reused: its values fall out
    assert (stat.max(25), stat.count(25)) == (2, 2)
    assert stat.count(100) == 0, "every window expired"


def test_state_clock_ratios() -> None:
    clock = StateClock("running", 0)
    clock.change("paused", 30)
    assert clock.ratio("running", 40) == 0.75 and clock.ratio("paused", 40) == 0.25
