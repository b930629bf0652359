"""deploy/grafana/connectd.json queries only series the exporter produces."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from prometheus_client import Histogram
from prometheus_client.registry import CollectorRegistry

from connectd.metrics.settings import MetricsSettings
from connectd.metrics.task_metrics import TaskKind
from connectd.metrics.worker_metrics import RebalanceMetrics, WorkerMetrics
from connectd.runtime.model import State, StateInfo, TaskId
from connectd.runtime.pipeline.errors import ErrorCounters
from services.metrics.collector import ConnectCollector

DASHBOARD = Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "connectd.json"
SERIES_NAME = re.compile(r"\b(?:kafka_connect|connectd)_[a-z0-9_]+")


def exported_names() -> set[str]:
    metrics = WorkerMetrics("w:8083", MetricsSettings())
    for task_id, kind in ((TaskId("src", 0), TaskKind.SOURCE), (TaskId("sink", 0), TaskKind.SINK)):
        task = metrics.new_task(task_id, kind)
        assert task is not None
        task.errors = ErrorCounters()
        metrics.task_added(task_id, task)
        metrics.task_state(task_id, StateInfo(State.FAILED, "w:8083"))
        metrics.connector_state(task_id.connector, StateInfo(State.RUNNING, "w:8083"))
    metrics.rebalance = RebalanceMetrics(metrics.settings, time.monotonic)
    registry = CollectorRegistry()
    registry.register(ConnectCollector(metrics.samples))
    rest = Histogram("connectd_rest_request_duration_seconds", "REST", ["route"], registry=registry)
    rest.labels("/connectors").observe(0.01)
    return {sample.name for family in registry.collect() for sample in family.samples}


def test_every_dashboard_query_names_an_exported_series() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    assert exprs, "the dashboard has no queries"
    exported = exported_names()
    unknown = sorted({name for expr in exprs for name in SERIES_NAME.findall(expr)} - exported)
    assert not unknown, f"queried but never exported: {unknown}"
