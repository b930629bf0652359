"""The pure parts of the PostgreSQL connectors: URLs, type mapping, the source's SQL and offsets, the
sink's layouts and statements, config checks naming the bad key, and the docs' key tables."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from connectd.api import ConfigError, DataError, Schema, SchemaType, SinkRecord, struct_schema
from connectd.api.schema import DECIMAL_LOGICAL_NAME, TIMESTAMP_LOGICAL_NAME, decimal_schema
from connectd.plugins.postgres import PostgresSinkConnector, PostgresSourceConnector
from connectd.plugins.postgres import schema_mapping as sm
from connectd.plugins.postgres.connection import DRIVER_MISSING, conninfo
from connectd.plugins.postgres.record_rows import key_params, layout_of, value_params
from connectd.plugins.postgres.source_connector import check_unique_names, select_tables, split_tables
from connectd.plugins.postgres.sql_writer import (
    TableId,
    add_columns,
    create_table,
    table_for,
    write_statement,
)
from connectd.plugins.postgres.table_query import TableQuerier, TableSpec, offset_of, timestamp_of
from connectd.plugins.registry import PluginRegistry

REPO = Path(__file__).resolve().parents[2]


# --- connection.url -------------------------------------------------------------------------------


def test_jdbc_urls_become_libpq_conninfo() -> None:
    assert conninfo("jdbc:postgresql://db.example:6432/sales?ApplicationName=x&sslmode=require") == (
        "host='db.example' port='6432' dbname='sales' application_name='x' sslmode='require'"
    )
    assert conninfo("jdbc:postgresql://a,b:7/d?user=u", "v", "p'w") == (
        "host='a,b' port='5432,7' dbname='d' user='v' password='p\\'w'"
    )
    assert conninfo("jdbc:postgresql:sales") == "host='localhost' port='5432' dbname='sales'"
    assert conninfo("postgresql://u@h/d", None, "pw") == "dbname='postgresql://u@h/d' password='pw'"


@pytest.mark.parametrize("url", ["jdbc:mysql://h/d", "jdbc:postgresql://h:x/d", "h:5432"])
def test_a_bad_url_names_connection_url(url: str) -> None:
    with pytest.raises(ConfigError) as error:
        conninfo(url)
    assert error.value.name == "connection.url", str(error.value)


def test_a_missing_driver_names_the_extra() -> None:
    code = (
        "import sys; sys.modules['psycopg'] = None\n"
        "from connectd.plugins.postgres.connection import psycopg_module\n"
        "try:\n    psycopg_module()\nexcept Exception as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.strip() == DRIVER_MISSING and "connectd[postgres]" in DRIVER_MISSING, out


# --- types -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("oid", "precision", "scale", "mapping", "expected"),
    [
        (sm.INT2, None, None, "none", Schema(SchemaType.INT16)),
        (sm.INT4, None, None, "none", Schema(SchemaType.INT32)),
        (sm.INT8, None, None, "none", Schema(SchemaType.INT64)),
        (sm.FLOAT4, None, None, "none", Schema(SchemaType.FLOAT32)),
        (sm.BOOL, None, None, "none", Schema(SchemaType.BOOLEAN)),
        (sm.VARCHAR, None, None, "none", Schema(SchemaType.STRING)),
        (sm.BYTEA, None, None, "none", Schema(SchemaType.BYTES)),
        (sm.NUMERIC, 10, 2, "none", decimal_schema(2)),
        (sm.NUMERIC, 9, 0, "none", decimal_schema(0)),
        (sm.NUMERIC, 9, 0, "precision_only", Schema(SchemaType.INT32)),
        (sm.NUMERIC, 4, 0, "best_fit", Schema(SchemaType.INT16)),
        (sm.NUMERIC, 30, 0, "best_fit", decimal_schema(0)),
        (sm.NUMERIC, 10, 2, "best_fit", Schema(SchemaType.FLOAT64)),
        (sm.NUMERIC, 10, 2, "precision_only", decimal_schema(2)),
        (sm.NUMERIC, 30, 4, "best_fit_eager_double", Schema(SchemaType.FLOAT64)),
        (sm.NUMERIC, None, None, "none", Schema(SchemaType.STRING)),
        (2950, None, None, "none", Schema(SchemaType.STRING)),  # uuid
    ],
)
def test_column_schemas_follow_confluents_mapping(
    oid: int, precision: int | None, scale: int | None, mapping: str, expected: Schema
) -> None:
    column = sm.SourceColumn("c", oid, False, precision, scale)
    assert sm.column_schema(column, mapping) == expected


def test_row_values_are_connect_values() -> None:
    mapping = sm.row_mapping(
        "t",
        [
            sm.SourceColumn("price", sm.NUMERIC, True, 10, 2),
            sm.SourceColumn("at", sm.TIMESTAMP),
            sm.SourceColumn("raw", sm.BYTEA),
            sm.SourceColumn("doc", 3802),  # jsonb
        ],
    )
    value = mapping.value((Decimal("1.5"), datetime(2024, 1, 2, 3, 4, 5), memoryview(b"\x01"), {"a": [1]}))
    assert value == {
        "price": Decimal("1.50"),
        "at": datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
        "raw": b"\x01",
        "doc": '{"a": [1]}',
    }
    assert str(value["price"]) == "1.50"  # the schema's scale, exactly
    with pytest.raises(DataError, match="price"):
        mapping.value((Decimal("1.234"), None, None, None))


def test_sink_column_types() -> None:
    assert sm.sql_type("a", decimal_schema(2)) == "NUMERIC"
    assert sm.sql_type("a", Schema(SchemaType.INT8)) == "SMALLINT"
    assert sm.sql_type("a", Schema(SchemaType.INT64, name=TIMESTAMP_LOGICAL_NAME)) == "TIMESTAMP"
    assert sm.sql_type("a", Schema(SchemaType.MAP)) == "JSONB"
    assert sm.inferred_schema(Decimal(1)).name == DECIMAL_LOGICAL_NAME


# --- the source: offsets, SQL, tables ------------------------------------------------------------


def test_offsets_round_trip_to_the_microsecond() -> None:
    moment = datetime(2024, 2, 29, 1, 2, 3, 4567, tzinfo=UTC)
    offset = offset_of(moment, 42)
    assert offset == {"incrementing": 42, "timestamp": 1709168523004, "timestamp_nanos": 4567000}
    assert timestamp_of(offset) == moment
    assert timestamp_of({"timestamp": 1709168523004}) == moment.replace(microsecond=4000)  # no nanos: ms


def querier(mode: str, **state: object) -> TableQuerier:
    spec = TableSpec("p-t", {"table": "t"}, "public", "t")
    q = TableQuerier(spec, mode, "id", ["ts"], 1500, 10, "none", UTC)
    for key, value in state.items():
        setattr(q, key, value)
    return q


def test_each_mode_has_confluents_where_clause() -> None:
    at = datetime(2024, 1, 1, tzinfo=UTC)

    def text(q: TableQuerier) -> str:
        return q.statement()[0].as_string(None)

    assert text(querier("bulk")) == 'SELECT * FROM "public"."t"'
    assert text(querier("incrementing")) == 'SELECT * FROM "public"."t" WHERE "id" > %(inc)s ORDER BY "id"'
    assert querier("incrementing").statement()[1] == {"inc": -1}
    assert text(querier("timestamp", last_timestamp=at)) == (
        'SELECT * FROM "public"."t" WHERE "ts" < now() - make_interval(secs => %(delay)s) AND "ts" > %(ts)s '
        'ORDER BY "ts"'
    )
    both = querier("timestamp+incrementing", last_timestamp=at, last_incrementing=7)
    assert text(both) == (
        'SELECT * FROM "public"."t" WHERE "ts" < now() - make_interval(secs => %(delay)s) AND '
        '(("ts" = %(ts)s AND "id" > %(inc)s) OR "ts" > %(ts)s) ORDER BY "ts", "id"'
    )
    assert both.statement()[1] == {"delay": 1.5, "ts": at, "inc": 7}
    first = querier("timestamp+incrementing")  # no offset yet: every row old enough
    assert text(first).endswith('WHERE "ts" < now() - make_interval(secs => %(delay)s) ORDER BY "ts", "id"')


def test_tables_are_chosen_and_split() -> None:
    found = [("public", "a"), ("public", "b"), ("sales", "c"), ("sales", "d")]
    assert select_tables(found, ["a", "sales.c"], []) == [("public", "a"), ("sales", "c")]
    assert select_tables(found, [], ["b", "sales.d"]) == [("public", "a"), ("sales", "c")]
    assert split_tables(found, 3) == [[found[0], found[3]], [found[1]], [found[2]]]
    assert split_tables(found[:1], 5) == [[found[0]]]
    with pytest.raises(Exception, match="schema.pattern"):
        check_unique_names([("public", "a"), ("sales", "a")])


BASE = {"connection.url": "jdbc:postgresql://h/d", "topic.prefix": "p-"}


def errors(connector: object, config: dict[str, str]) -> dict[str, list[str]]:
    return {k: v.errors for k, v in connector.validate(config).items() if v.errors}  # type: ignore[attr-defined]


def test_source_validation_names_the_key_to_change() -> None:
    source = PostgresSourceConnector()
    assert errors(source, {**BASE, "mode": "bulk"}) == {}
    assert list(errors(source, {**BASE, "mode": "incrementing"})) == ["incrementing.column.name"]
    assert list(errors(source, {**BASE, "mode": "timestamp"})) == ["timestamp.column.name"]
    assert list(errors(source, {**BASE, "mode": "nope"})) == ["mode"]
    assert list(
        errors(source, {k: v for k, v in BASE.items() if k != "topic.prefix"} | {"mode": "bulk"})
    ) == ["topic.prefix"]
    both = {**BASE, "mode": "bulk", "table.include.list": "a", "table.exclude.list": "b"}
    assert list(errors(source, both)) == ["table.exclude.list"]
    assert list(errors(source, {**BASE, "mode": "bulk", "query": "SELECT 1", "table.whitelist": "a"})) == [
        "query"
    ]
    assert source.config_def().keys["connection.password"].type.value == "PASSWORD"


def test_sink_validation_names_the_key_to_change() -> None:
    sink = PostgresSinkConnector()
    base = {"connection.url": "jdbc:postgresql://h/d"}
    assert errors(sink, base) == {}
    assert list(errors(sink, {**base, "delete.enabled": "true", "pk.mode": "record_value"})) == [
        "delete.enabled"
    ]
    assert list(errors(sink, {**base, "insert.mode": "upsert"})) == ["pk.mode"]
    assert list(errors(sink, {**base, "pk.mode": "kafka", "pk.fields": "a,b"})) == ["pk.fields"]
    assert list(errors(sink, {**base, "insert.mode": "merge"})) == ["insert.mode"]


def test_confluents_class_names_are_aliases() -> None:
    registry = PluginRegistry.discover()
    for name, cls in (
        ("io.confluent.connect.jdbc.JdbcSourceConnector", PostgresSourceConnector),
        ("io.confluent.connect.jdbc.JdbcSinkConnector", PostgresSinkConnector),
        ("PostgresSource", PostgresSourceConnector),
        ("PostgresSinkConnector", PostgresSinkConnector),
    ):
        plugin = registry.find(name)
        assert plugin is not None and plugin.cls is cls, f"{name}: expected {cls.__name__}, found {plugin}"


# --- the sink: layouts and statements -------------------------------------------------------------

VALUE = struct_schema(
    "row", ("id", Schema(SchemaType.INT64)), ("name", Schema(SchemaType.STRING, optional=True))
)


def record(key: object = "k", value: object = None, key_schema: Schema | None = None) -> SinkRecord:
    return SinkRecord("orders", 2, 9, value, key, key_schema, VALUE if value is not None else None)


def test_layouts_of_each_pk_mode() -> None:
    row = {"id": 1, "name": "a"}
    kafka = layout_of(record(value=row), "kafka", [], [])
    assert (kafka.key_names, kafka.value_names) == (
        ["__connect_topic", "__connect_partition", "__connect_offset"],
        ["id", "name"],
    )
    assert key_params(record(value=row), kafka, "kafka") == ["orders", 2, 9]
    by_key = layout_of(record(value=row), "record_key", ["code"], [])
    assert (by_key.key_names, by_key.value_names) == (["code"], ["id", "name"])
    assert key_params(record(value=row), by_key, "record_key") + value_params(record(value=row), by_key) == [
        "k",
        1,
        "a",
    ]
    key_schema = struct_schema("k", ("a", Schema(SchemaType.INT32)), ("b", Schema(SchemaType.STRING)))
    struct_key = layout_of(record({"a": 1, "b": "x"}, row, key_schema), "record_key", ["b"], [])
    assert struct_key.key_names == ["b"]
    by_value = layout_of(record(value=row), "record_value", ["id"], [])
    assert (by_value.key_names, by_value.value_names) == (["id"], ["name"])
    only_name = layout_of(record(value=row), "none", [], ["name"])
    assert (only_name.key_names, only_name.value_names) == ([], ["name"])
    tombstone = layout_of(record(), "record_key", [], [])
    assert (tombstone.key_names, tombstone.value_names) == (["__connect_key"], [])
    schemaless = layout_of(SinkRecord("t", 0, 0, {"x": 1.5, "y": [1]}), "none", [], [])
    assert [(f.name, f.schema.type) for f in schemaless.value] == [
        ("x", SchemaType.FLOAT64),
        ("y", SchemaType.ARRAY),
    ]
    with pytest.raises(DataError, match="no key"):
        layout_of(record(None, row), "record_key", [], [])
    with pytest.raises(DataError, match="missing"):
        layout_of(record(value=row), "record_value", ["missing"], [])


def test_statements_and_ddl() -> None:
    table = table_for("sink_${topic}", "orders")
    assert table == TableId(None, "sink_orders") and TableId.parse("s.t") == TableId("s", "t")
    text = lambda composed: composed.as_string(None)  # noqa: E731
    assert text(write_statement("upsert", table, ["id"], ["name", "n"])[0]) == (
        'INSERT INTO "sink_orders" ("id", "name", "n") VALUES (%s, %s, %s) ON CONFLICT ("id") DO UPDATE SET '
        '"name" = EXCLUDED."name", "n" = EXCLUDED."n"'
    )
    assert text(write_statement("upsert", table, ["id"], [])[0]).endswith('ON CONFLICT ("id") DO NOTHING')
    update, key_first = write_statement("update", table, ["id"], ["name"])
    assert (text(update), key_first) == ('UPDATE "sink_orders" SET "name" = %s WHERE "id" = %s', False)
    key = (VALUE.fields[0],)
    assert text(create_table(table, key, VALUE.fields[1:])) == (
        'CREATE TABLE IF NOT EXISTS "sink_orders" ("id" BIGINT NOT NULL, "name" TEXT, PRIMARY KEY ("id"))'
    )
    assert text(add_columns(TableId("s", "t"), VALUE.fields[1:])) == (
        'ALTER TABLE "s"."t" ADD COLUMN IF NOT EXISTS "name" TEXT'
    )


def test_docs_key_tables_are_current() -> None:
    result = subprocess.run(
        [sys.executable, "docs/connectors/generate.py", "--check"], capture_output=True, text=True, cwd=REPO
    )
    assert result.returncode == 0, f"expected current key tables: {result.stderr}"
