"""PostgresCdcSourceConnector's keys: validation names the bad key; Debezium's class name finds it."""

from __future__ import annotations

from connectd.api import ExactlyOnceSupport
from connectd.plugins.postgres_cdc import PostgresCdcSourceConnector
from connectd.plugins.postgres_cdc.config import CdcSettings, config_def
from connectd.plugins.registry import PluginRegistry

REQUIRED = {
    "database.hostname": "db",
    "database.user": "u",
    "database.dbname": "inventory",
    "topic.prefix": "srv",
}


def errors(config: dict[str, str]) -> dict[str, list[str]]:
    results = PostgresCdcSourceConnector().validate(config)
    return {name: value.errors for name, value in results.items() if value.errors}


def test_defaults_are_debeziums() -> None:
    settings = CdcSettings.parse(REQUIRED)
    assert (settings.slot, settings.publication, settings.publication_mode) == (
        "debezium",
        "dbz_publication",
        "all_tables",
    )
    assert settings.snapshot and settings.tombstones and settings.conninfo["port"] == 5432
    assert config_def().keys["database.password"].type.value == "PASSWORD"
    assert not errors(REQUIRED)


def test_bad_values_name_their_key() -> None:
    assert list(errors({**REQUIRED, "plugin.name": "decoderbufs"})) == ["plugin.name"]
    assert "only the pgoutput" in errors({**REQUIRED, "plugin.name": "wal2json"})["plugin.name"][0].lower()
    assert list(errors({**REQUIRED, "snapshot.mode": "always"})) == ["snapshot.mode"]
    assert list(errors({**REQUIRED, "slot.name": "Bad-Slot"})) == ["slot.name"]
    missing = errors({k: v for k, v in REQUIRED.items() if k != "topic.prefix"})
    assert list(missing) == ["topic.prefix"], missing


def test_found_by_debezium_class_name_and_runs_one_task() -> None:
    registry = PluginRegistry.discover()
    plugin = registry.find("io.debezium.connector.postgresql.PostgresConnector")
    assert plugin is not None and plugin.cls is PostgresCdcSourceConnector
    connector = PostgresCdcSourceConnector()
    connector.start(REQUIRED)
    assert connector.task_configs(4) == [REQUIRED]
    assert connector.exactly_once_support(REQUIRED) is ExactlyOnceSupport.SUPPORTED
