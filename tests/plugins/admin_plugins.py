"""Test plugins of the plugin and admin endpoints: a versioned sink with a secret, a source whose start
waits for a file (to hold a worker busy, or still starting, for as long as a test needs)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path

from connectd.api import (
    ConfigDef,
    ConfigType,
    Importance,
    SinkConnector,
    SinkRecord,
    SinkTask,
    SourceConnector,
    SourceRecord,
    SourceTask,
)
from connectd.api.errors import ConfigError

SECRET_SINK_VERSION = "2.5.0"


def _long_enough(name: str, value: object) -> None:
    if value is not None and len(str(value)) < 8:
        raise ConfigError(name, value, "Password must be at least 8 characters")


class SecretSinkTask(SinkTask):
    def start(self, config: Mapping[str, str]) -> None:
        pass

    def put(self, records: list[SinkRecord]) -> None:
        pass

    def stop(self) -> None:
        pass


class SecretSinkConnector(SinkConnector):
    """Reports a version and has a PASSWORD key whose validator rejects short values."""

    def version(self) -> str:
        return SECRET_SINK_VERSION

    def config_def(self) -> ConfigDef:
        return (
            ConfigDef()
            .define(
                "secret",
                ConfigType.PASSWORD,
                validator=_long_enough,
                importance=Importance.HIGH,
                documentation="A secret the sink needs.",
            )
            .define("endpoint", ConfigType.STRING, "http://localhost", documentation="Where to write.")
        )

    def start(self, config: Mapping[str, str]) -> None:
        self.config = dict(config)

    def task_class(self) -> type[SecretSinkTask]:
        return SecretSinkTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        return [dict(self.config)]

    def stop(self) -> None:
        pass


class IdleSourceTask(SourceTask):
    def start(self, config: Mapping[str, str]) -> None:
        pass

    def poll(self) -> list[SourceRecord] | None:
        time.sleep(0.1)
        return None

    def stop(self) -> None:
        pass


class GatedSourceConnector(SourceConnector):
    """``start`` creates the file ``entered`` (if set), then returns once the file ``gate`` exists
    (failing after ``gate.timeout.ms``)."""

    def config_def(self) -> ConfigDef:
        return (
            ConfigDef()
            .define("gate", ConfigType.STRING, documentation="The file whose existence lets start() return.")
            .define("gate.timeout.ms", ConfigType.LONG, 60000)
            .define("entered", ConfigType.STRING, None, documentation="A file start() creates on entry.")
        )

    def start(self, config: Mapping[str, str]) -> None:
        parsed = self.config_def().parse(config)
        if parsed["entered"]:
            Path(parsed["entered"]).touch()
        gate = Path(parsed["gate"])
        deadline = time.monotonic() + parsed["gate.timeout.ms"] / 1000
        while not gate.exists():
            if time.monotonic() > deadline:
                raise TimeoutError(f"gate {gate} did not open")
            time.sleep(0.05)
        self.config = dict(config)

    def task_class(self) -> type[IdleSourceTask]:
        return IdleSourceTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        return [dict(self.config)]

    def stop(self) -> None:
        pass
