"""A source connector for benchmarks that need connectors but no data: its tasks poll nothing.

Loaded through the worker's ``plugin.path`` (this directory). ``tasks.max`` tasks, each one idle
until stopped, so rebalance and REST benchmarks measure the control plane, not a data path.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

from connectd.api import ConfigDef, ConfigType, Importance, SourceConnector, SourceRecord, SourceTask

VERSION = "1.0.0"
_IDLE_POLL_S = 1.0


class IdleSourceTask(SourceTask):
    def version(self) -> str:
        return VERSION

    def start(self, config: Mapping[str, str]) -> None:
        self._stopped = threading.Event()

    def poll(self) -> list[SourceRecord] | None:
        self._stopped.wait(_IDLE_POLL_S)
        return None

    def stop(self) -> None:
        self._stopped.set()


class IdleSourceConnector(SourceConnector):
    def version(self) -> str:
        return VERSION

    def config_def(self) -> ConfigDef:
        return ConfigDef().define(
            "topic", ConfigType.STRING, "bench-idle", importance=Importance.LOW, documentation="Never written"
        )

    def start(self, config: Mapping[str, str]) -> None:
        self._config = {"topic": config.get("topic", "bench-idle")}

    def task_class(self) -> type[IdleSourceTask]:
        return IdleSourceTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        return [{**self._config, "task.index": str(i)} for i in range(max_tasks)]

    def stop(self) -> None:
        pass
