"""The worker keys of metrics: Kafka's sample window, and connectd's switches and exporter port."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from connectd.api.config import ConfigDef, ConfigType, Importance, Range

ENABLED = "metrics.enabled"
PORT = "metrics.port"
STRIMZI_NAMES = "metrics.strimzi.names"
SAMPLE_WINDOW_MS = "metrics.sample.window.ms"
NUM_SAMPLES = "metrics.num.samples"


def define_metrics_keys(d: ConfigDef) -> None:
    low = Importance.LOW
    d.define(
        ENABLED,
        ConfigType.BOOLEAN,
        True,
        importance=low,
        documentation="Record task, connector and worker metrics (false: runners record nothing).",
    )
    d.define(
        PORT,
        ConfigType.INT,
        None,
        validator=Range.between(0, 65535),
        importance=low,
        documentation="Serve /metrics on this port too (the only place for the coordinator and the "
        "offset store; workers and the gateway also serve it on their REST listeners).",
    )
    d.define(
        STRIMZI_NAMES,
        ConfigType.BOOLEAN,
        False,
        importance=low,
        documentation="Also export Strimzi's JMX-exporter names (its Grafana dashboard and alerts).",
    )
    d.define(SAMPLE_WINDOW_MS, ConfigType.LONG, 30000, validator=Range.at_least(1), importance=low)
    d.define(NUM_SAMPLES, ConfigType.INT, 2, validator=Range.at_least(1), importance=low)


@dataclass(frozen=True, slots=True)
class MetricsSettings:
    enabled: bool = True
    window_s: float = 30.0
    samples: int = 2

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MetricsSettings:
        return cls(bool(config[ENABLED]), int(config[SAMPLE_WINDOW_MS]) / 1000, int(config[NUM_SAMPLES]))
