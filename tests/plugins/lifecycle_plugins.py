"""Test plugins for lifecycle tests: tasks that fail while a marker file exists, and idle connectors
that create as many tasks as asked (or more, to exercise ``tasks.max.enforce``)."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping

from connectd.api import ConfigDef, ConfigType, SourceConnector, SourceRecord, SourceTask


class IdleSourceTask(SourceTask):
    """Produces nothing; fails on poll while the file named by ``fail.marker`` exists."""

    def start(self, config: Mapping[str, str]) -> None:
        self._marker = config.get("fail.marker", "")
        self._stopped = threading.Event()

    def poll(self) -> list[SourceRecord] | None:
        if self._marker and os.path.exists(self._marker):
            raise RuntimeError(f"failing on purpose while {self._marker} exists")
        self._stopped.wait(0.05)
        return None

    def stop(self) -> None:
        self._stopped.set()


class IdleSourceConnector(SourceConnector):
    """``tasks.max`` tasks, or ``task.count`` when set (which may exceed ``tasks.max``)."""

    def config_def(self) -> ConfigDef:
        return (
            ConfigDef().define("fail.marker", ConfigType.STRING, "").define("task.count", ConfigType.INT, -1)
        )

    def start(self, config: Mapping[str, str]) -> None:
        self.config = dict(config)

    def stop(self) -> None:
        pass

    def task_class(self) -> type[IdleSourceTask]:
        return IdleSourceTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        count = int(self.config.get("task.count", "-1"))
        return [dict(self.config) for _ in range(count if count >= 0 else max_tasks)]
