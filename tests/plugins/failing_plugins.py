"""Test plugins found through plugin.path: a task that fails, and a task that ignores stop()."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping

from connectd.api import ConfigDef, ConfigType, SourceConnector, SourceRecord, SourceTask


class FailingSourceTask(SourceTask):
    def start(self, config: Mapping[str, str]) -> None:
        self.mode = config.get("mode", "fail")
        self._stop = threading.Event()

    def poll(self) -> list[SourceRecord] | None:
        if self.mode == "fail":
            raise RuntimeError("boom: this task fails on purpose")
        # mode == "hang": ignore stop() entirely.
        time.sleep(3600)
        return None

    def stop(self) -> None:
        pass


class FailingSourceConnector(SourceConnector):
    def config_def(self) -> ConfigDef:
        return ConfigDef().define("mode", ConfigType.STRING, "fail")

    def start(self, config: Mapping[str, str]) -> None:
        self.config = dict(config)

    def task_class(self) -> type[FailingSourceTask]:
        return FailingSourceTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        return [dict(self.config)]

    def stop(self) -> None:
        pass
