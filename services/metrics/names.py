"""Prometheus names of Kafka Connect's metrics.

Ours are mechanical: ``kafka_connect_<group>_<attribute>``, dashes to underscores, so
``source-task-metrics`` / ``source-record-poll-total`` is ``kafka_connect_source_task_metrics_source_
record_poll_total``. Two adjustments keep ``promtool check metrics`` clean: an attribute in
milliseconds (``-ms``) is exported in seconds (``_seconds``), and a gauge ending in ``-count`` gets
``_current`` appended (``_count`` is reserved for histograms and summaries). A text attribute
(``status``, ``connector-class``) is a gauge of 1 with the text in a label named after it.

Strimzi's names are those its JMX exporter rules (``kafka-connect-metrics.yaml``) give the same
MBeans: the group loses ``-metrics`` (``connect-worker`` becomes ``worker``), values stay in their
Kafka units, and only the attributes its rules match are exported, with the labels they set."""

from __future__ import annotations

import re
from dataclasses import dataclass

from connectd.metrics.samples import Kind, Sample

_TASK_GROUPS = frozenset(
    {"connector-task-metrics", "source-task-metrics", "sink-task-metrics", "task-error-metrics"}
)
# The gauge attributes of task groups that Strimzi's rule matches (the others it does not export).
_STRIMZI_TASK_GAUGE = re.compile(
    r".+-(count|ms|ratio|seq-no|rate|max|avg|failures|requests|timestamp|logged|errors|retries|skipped)"
)


def _underscored(text: str) -> str:
    return text.replace("-", "_")


@dataclass(frozen=True, slots=True)
class Named:
    """A sample as one exported series: family name, type, labels and value."""

    name: str
    kind: Kind  # COUNTER or GAUGE (a TEXT sample becomes a GAUGE of 1)
    labels: tuple[tuple[str, str], ...]
    value: float


def prometheus_series(sample: Sample) -> Named:
    name = f"kafka_connect_{_underscored(sample.group)}_{_underscored(sample.attribute)}"
    value = sample.value
    labels = sample.labels
    if sample.kind is Kind.TEXT:
        return Named(name, Kind.GAUGE, (*labels, (_underscored(sample.attribute), sample.text)), 1.0)
    if name.endswith("_ms"):
        name, value = name[: -len("_ms")] + "_seconds", value / 1000
    elif name.endswith("_count") and sample.kind is Kind.GAUGE:
        name += "_current"
    return Named(name, sample.kind, labels, value)


def strimzi_series(sample: Sample) -> Named | None:
    """The series Strimzi's rules make of this MBean attribute, or None when they export none."""
    group, attribute = sample.group, sample.attribute
    labels = tuple((k, v) for k, v in sample.labels if k != "worker")
    attr = _underscored(attribute)
    if group == "connector-metrics":
        return Named(f"kafka_connect_connector_{attr}", Kind.GAUGE, (*labels, (attr, sample.text)), 1.0)
    if group in _TASK_GROUPS:
        prefix = f"kafka_connect_{_underscored(group.removesuffix('-metrics'))}"
        if group == "connector-task-metrics" and attribute == "status":
            return Named(f"{prefix}_status", Kind.GAUGE, (*labels, ("status", sample.text)), 1.0)
        if attribute.endswith("-total"):
            return Named(f"{prefix}_{attr}", Kind.COUNTER, labels, sample.value)
        if _STRIMZI_TASK_GAUGE.fullmatch(attribute):
            return Named(f"{prefix}_{attr}", Kind.GAUGE, labels, sample.value)
        return None
    prefix = {
        "connect-worker-metrics": "kafka_connect_worker",
        "connect-worker-rebalance-metrics": "kafka_connect_worker_rebalance",
        "connect-coordinator-metrics": "kafka_connect_coordinator",
    }.get(group)
    if prefix is None:
        return None
    per_connector = any(k == "connector" for k, _ in labels)
    kind = Kind.COUNTER if attribute.endswith("-total") and not per_connector else Kind.GAUGE
    return Named(f"{prefix}_{attr}", kind, labels, sample.value)
