"""The sink's SQL: the table a topic maps to, CREATE TABLE and ALTER TABLE for auto.create and
auto.evolve, and the INSERT / upsert / UPDATE / DELETE statements of each insert mode. Every
identifier is quoted (psycopg.sql), so any table or field name is safe."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from connectd.api import ConnectError
from connectd.api.schema import Field
from connectd.plugins.postgres.schema_mapping import sql_type
from connectd.plugins.postgres.sink_config import AUTO_CREATE, AUTO_EVOLVE, INSERT, UPDATE, UPSERT

if TYPE_CHECKING:
    from psycopg import sql as sql_t


@dataclass(frozen=True, slots=True)
class TableId:
    schema: str | None
    name: str

    @classmethod
    def parse(cls, text: str) -> TableId:
        """``table`` or ``schema.table``; a name in double quotes keeps its dots."""
        if text.startswith('"') and text.endswith('"') and text.count('"') == 2:
            return cls(None, text[1:-1])
        schema, dot, name = text.partition(".")
        return cls(schema, name) if dot and schema and name else cls(None, text)

    def __str__(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name

    def identifier(self) -> sql_t.Identifier:
        from psycopg import sql

        return sql.Identifier(self.schema, self.name) if self.schema else sql.Identifier(self.name)


def table_for(table_format: str, topic: str) -> TableId:
    return TableId.parse(table_format.replace("${topic}", topic))


def _names(names: Sequence[str]) -> sql_t.Composable:
    from psycopg import sql

    return sql.SQL(", ").join(sql.Identifier(n) for n in names)


def create_table(table: TableId, key: Sequence[Field], value: Sequence[Field]) -> sql_t.Composable:
    from psycopg import sql

    columns = []
    for field in key:  # key columns are never NULL
        columns.append(
            sql.SQL("{} {} NOT NULL").format(
                sql.Identifier(field.name), sql.SQL(sql_type(field.name, field.schema))
            )
        )
    for field in value:
        null = sql.SQL("") if field.schema.optional else sql.SQL(" NOT NULL")
        columns.append(
            sql.SQL("{} {}{}").format(
                sql.Identifier(field.name), sql.SQL(sql_type(field.name, field.schema)), null
            )
        )
    if key:
        columns.append(sql.SQL("PRIMARY KEY ({})").format(_names([f.name for f in key])))
    return sql.SQL("CREATE TABLE IF NOT EXISTS {} ({})").format(
        table.identifier(), sql.SQL(", ").join(columns)
    )


def add_columns(table: TableId, fields: Sequence[Field]) -> sql_t.Composable:
    """New columns are nullable: rows already in the table have no value for them."""
    from psycopg import sql

    additions = [
        sql.SQL("ADD COLUMN IF NOT EXISTS {} {}").format(
            sql.Identifier(f.name), sql.SQL(sql_type(f.name, f.schema))
        )
        for f in fields
    ]
    return sql.SQL("ALTER TABLE {} {}").format(table.identifier(), sql.SQL(", ").join(additions))


def write_statement(
    mode: str, table: TableId, key: Sequence[str], value: Sequence[str]
) -> tuple[sql_t.Composable, bool]:
    """The statement of one row in ``insert.mode``, and whether its parameters are the key's then the
    value's (False: the value's then the key's, as UPDATE ... SET value WHERE key takes them)."""
    from psycopg import sql

    columns = [*key, *value]
    placeholders = sql.SQL(", ").join(sql.Placeholder() * len(columns))
    insert = sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
        table.identifier(), _names(columns), placeholders
    )
    if mode == INSERT:
        return insert, True
    if mode == UPSERT:
        if not value:
            return sql.SQL("{} ON CONFLICT ({}) DO NOTHING").format(insert, _names(key)), True
        updates = sql.SQL(", ").join(sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(n)) for n in value)
        return sql.SQL("{} ON CONFLICT ({}) DO UPDATE SET {}").format(insert, _names(key), updates), True
    if mode == UPDATE:
        if not value:
            raise ConnectError(f"insert.mode=update: records for {table} have no non-key fields to update")
        sets = sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(n)) for n in value)
        return sql.SQL("UPDATE {} SET {} WHERE {}").format(table.identifier(), sets, _key_match(key)), False
    raise ConnectError(f"Unknown insert.mode {mode}")


def _key_match(key: Sequence[str]) -> sql_t.Composable:
    from psycopg import sql

    return sql.SQL(" AND ").join(sql.SQL("{} = %s").format(sql.Identifier(n)) for n in key)


def delete_statement(table: TableId, key: Sequence[str]) -> sql_t.Composable:
    from psycopg import sql

    return sql.SQL("DELETE FROM {} WHERE {}").format(table.identifier(), _key_match(key))


def table_columns(conn: Any, table: TableId) -> dict[str, bool] | None:
    """The table's columns (name -> nullable), or None when there is no such table."""
    rows = conn.execute(
        "SELECT a.attname, NOT a.attnotnull FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = %s "
        "AND n.nspname = COALESCE(%s, current_schema()) AND a.attnum > 0 AND NOT a.attisdropped "
        "AND c.relkind IN ('r', 'p', 'v', 'f')",
        (table.name, table.schema),
    ).fetchall()
    return {name: nullable for name, nullable in rows} or None


def missing_table(table: TableId) -> ConnectError:
    return ConnectError(
        f"Table {table} is missing and {AUTO_CREATE} is disabled: create it or set {AUTO_CREATE}=true"
    )


def missing_columns(table: TableId, names: Sequence[str]) -> ConnectError:
    return ConnectError(
        f"Table {table} is missing columns {list(names)} and {AUTO_EVOLVE} is disabled: add them or set "
        f"{AUTO_EVOLVE}=true"
    )


# --- COPY: the bulk path of insert and upsert runs -------------------------------------------------

STAGE_ORDER = "connectd_seq"


def copy_into(table: TableId | str, names: Sequence[str]) -> sql_t.Composable:
    from psycopg import sql

    target = table.identifier() if isinstance(table, TableId) else sql.Identifier(table)
    return sql.SQL("COPY {} ({}) FROM STDIN").format(target, _names(names))


def create_stage(stage: str, table: TableId, names: Sequence[str]) -> sql_t.Composable:
    """A temporary table with the run's columns (types from the target, no constraints) and the
    record order; dropped when the put's transaction ends."""
    from psycopg import sql

    return sql.SQL(
        "CREATE TEMP TABLE {stage} ON COMMIT DROP AS SELECT {cols}, 0 AS {seq} FROM {table} WITH NO DATA"
    ).format(
        stage=sql.Identifier(stage),
        cols=_names(names),
        seq=sql.Identifier(STAGE_ORDER),
        table=table.identifier(),
    )


def upsert_from_stage(
    stage: str, table: TableId, key: Sequence[str], value: Sequence[str]
) -> sql_t.Composable:
    """The staged rows into the table, the last record of each key winning (as the statements one by
    one in record order would leave it)."""
    from psycopg import sql

    columns = [*key, *value]
    if value:
        updates = sql.SQL(", ").join(sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(n)) for n in value)
        conflict = sql.SQL("DO UPDATE SET {}").format(updates)
    else:
        conflict = sql.SQL("DO NOTHING")
    return sql.SQL(
        "INSERT INTO {table} ({cols}) SELECT DISTINCT ON ({key}) {cols} FROM {stage} "
        "ORDER BY {key}, {seq} DESC ON CONFLICT ({key}) {conflict}"
    ).format(
        table=table.identifier(),
        cols=_names(columns),
        key=_names(key),
        stage=sql.Identifier(stage),
        seq=sql.Identifier(STAGE_ORDER),
        conflict=conflict,
    )
