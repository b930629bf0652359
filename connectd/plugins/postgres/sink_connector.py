"""PostgresSinkConnector: ``tasks.max`` identical tasks sharing the topics' partitions."""

from __future__ import annotations

from collections.abc import Mapping

from connectd.api import ConfigDef, ConfigError, ConfigValue, SinkConnector, TopicPartition
from connectd.connector_version import BUILTIN_VERSION
from connectd.plugins.postgres.sink_config import cross_check, sink_config_def
from connectd.plugins.postgres.sink_task import PostgresSinkTask


class PostgresSinkConnector(SinkConnector):
    aliases = ("io.confluent.connect.jdbc.JdbcSinkConnector",)

    def version(self) -> str:
        return BUILTIN_VERSION

    def config_def(self) -> ConfigDef:
        return sink_config_def()

    def validate(self, config: Mapping[str, str]) -> dict[str, ConfigValue]:
        results = super().validate(config)
        cross_check(config, results)
        return results

    def start(self, config: Mapping[str, str]) -> None:
        results = self.validate(config)
        for name, result in results.items():
            if result.errors:
                raise ConfigError(name, config.get(name), "; ".join(result.errors))
        self._config = dict(config)

    def task_class(self) -> type[PostgresSinkTask]:
        return PostgresSinkTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        return [dict(self._config) for _ in range(max_tasks)]

    def alter_offsets(self, config: Mapping[str, str], offsets: Mapping[TopicPartition, int | None]) -> bool:
        return True  # the consumer group's offsets are all there is

    def stop(self) -> None:
        pass
