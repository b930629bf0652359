"""A test plugin for config providers: a sink whose task proves it received its secret resolved."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from connectd.api import ConfigDef, ConfigType, Importance, SinkConnector, SinkRecord, SinkTask


class SecretEchoSinkTask(SinkTask):
    """Appends ``<secret> <record value>`` to ``file`` for every record."""

    def start(self, config: Mapping[str, str]) -> None:
        self._secret = config["secret"]
        self._path = Path(config["file"])

    def put(self, records: list[SinkRecord]) -> None:
        with self._path.open("a", encoding="utf-8") as out:
            out.write("".join(f"{self._secret} {record.value}\n" for record in records))

    def stop(self) -> None:
        pass


class SecretEchoSinkConnector(SinkConnector):
    """Hands its whole config to its task, plus a copy of the secret under another key (as connectors
    that derive task settings do): the stored task config must hold the placeholder in both."""

    def config_def(self) -> ConfigDef:
        return (
            ConfigDef()
            .define("secret", ConfigType.PASSWORD, importance=Importance.HIGH, documentation="A secret.")
            .define("file", ConfigType.STRING, documentation="Where the task writes.")
        )

    def start(self, config: Mapping[str, str]) -> None:
        self.config = dict(config)

    def task_class(self) -> type[SecretEchoSinkTask]:
        return SecretEchoSinkTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        return [{**self.config, "secret.copy": self.config["secret"]}]

    def stop(self) -> None:
        pass
