"""Test plugin for the offsets API: a source connector whose offsets may never be modified."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

from connectd.api import ConfigDef, SourceConnector, SourceRecord, SourceTask


class NothingTask(SourceTask):
    def start(self, config: Mapping[str, str]) -> None:
        self._stopped = threading.Event()

    def poll(self) -> list[SourceRecord] | None:
        self._stopped.wait(0.05)
        return None

    def stop(self) -> None:
        self._stopped.set()


class FixedOffsetsSourceConnector(SourceConnector):
    """Refuses every alter and reset of its offsets, as a connector that cannot support them does."""

    def config_def(self) -> ConfigDef:
        return ConfigDef()

    def start(self, config: Mapping[str, str]) -> None:
        self.config = dict(config)

    def stop(self) -> None:
        pass

    def task_class(self) -> type[NothingTask]:
        return NothingTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        return [dict(self.config)]

    def alter_offsets(
        self, config: Mapping[str, str], offsets: Sequence[tuple[dict[str, Any], dict[str, Any] | None]]
    ) -> bool:
        raise NotImplementedError("offsets of this connector live in a system it cannot change")
