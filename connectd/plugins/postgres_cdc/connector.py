"""PostgresCdcSourceConnector: Debezium's PostgreSQL connector (pgoutput), as one connectd source task."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from connectd.api import ConfigDef, ConfigValue, ConnectError, ExactlyOnceSupport, SourceConnector
from connectd.connector_version import BUILTIN_VERSION
from connectd.plugins.postgres.connection import psycopg_module
from connectd.plugins.postgres_cdc.config import config_def

if TYPE_CHECKING:
    from connectd.plugins.postgres_cdc.task import PostgresCdcSourceTask


class PostgresCdcSourceConnector(SourceConnector):
    aliases = ("io.debezium.connector.postgresql.PostgresConnector",)

    def version(self) -> str:
        return BUILTIN_VERSION

    def config_def(self) -> ConfigDef:
        return config_def()

    def validate(self, config: Mapping[str, str]) -> dict[str, ConfigValue]:
        results = super().validate(config)
        try:
            psycopg_module()
        except ConnectError as exc:
            results["database.hostname"].add_error(str(exc))
        return results

    def start(self, config: Mapping[str, str]) -> None:
        psycopg_module()
        config_def().parse(config)  # a bad key fails the connector, naming the key
        self._config = dict(config)

    def task_class(self) -> type[PostgresCdcSourceTask]:
        psycopg_module()
        from connectd.plugins.postgres_cdc.task import PostgresCdcSourceTask

        return PostgresCdcSourceTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        # One slot is one ordered stream: a single task, whatever tasks.max allows (as Debezium).
        return [dict(self._config)]

    def exactly_once_support(self, config: Mapping[str, str]) -> ExactlyOnceSupport:
        # An offset names one change exactly (commit LSN, record number): a restart resumes just after it.
        return ExactlyOnceSupport.SUPPORTED

    def alter_offsets(
        self, config: Mapping[str, str], offsets: Sequence[tuple[dict[str, Any], dict[str, Any] | None]]
    ) -> bool:
        for _, offset in offsets:
            if offset is not None and "lsn_commit" not in offset and not offset.get("snapshot"):
                raise ConnectError(
                    "A PostgreSQL CDC offset holds lsn_commit (and event), or snapshot progress"
                )
        # The slot is not moved: a reset replays from what it last confirmed.
        return True

    def stop(self) -> None:
        pass
