"""What the connector asks PostgreSQL's catalog: tables and their keys, the slot, the publication."""

from __future__ import annotations

import re
from collections.abc import Sequence

import psycopg
from psycopg import sql

from connectd.api import ConnectError
from connectd.plugins.postgres_cdc.events import Column, TableInfo

_COLUMNS = """
SELECT a.attname, a.atttypid, a.atttypmod, NOT a.attnotnull,
       COALESCE(a.attnum = ANY(i.indkey), false)
FROM pg_attribute a
LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary
WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum
"""
_PK_ORDER = """
SELECT a.attname FROM pg_index i
JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) ON true
JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
WHERE i.indrelid = %s AND i.indisprimary ORDER BY k.n
"""
_USER_TABLES = """
SELECT c.oid, n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg_toast%%' AND NOT c.relispartition
ORDER BY n.nspname, c.relname
"""


class TableFilter:
    """Debezium's ``table.include.list`` / ``table.exclude.list``: regular expressions matched
    against the whole ``schema.table`` name; an empty include list includes every table."""

    def __init__(self, include: Sequence[str], exclude: Sequence[str]) -> None:
        self._include = [re.compile(p, re.IGNORECASE) for p in include if p]
        self._exclude = [re.compile(p, re.IGNORECASE) for p in exclude if p]

    def __call__(self, qualified: str) -> bool:
        if self._include and not any(p.fullmatch(qualified) for p in self._include):
            return False
        return not any(p.fullmatch(qualified) for p in self._exclude)


def table_info(conn: psycopg.Connection, oid: int, schema: str, name: str) -> TableInfo:
    columns = conn.execute(_COLUMNS, (oid,)).fetchall()
    key = tuple(row[0] for row in conn.execute(_PK_ORDER, (oid,)).fetchall())
    return TableInfo(schema, name, tuple(Column(r[0], r[1], r[2], r[3]) for r in columns), key)


def key_and_nullability(conn: psycopg.Connection, oid: int) -> tuple[tuple[str, ...], dict[str, bool]]:
    """A table's primary key columns and each column's nullability (what a Relation message lacks)."""
    nullable = {r[0]: r[3] for r in conn.execute(_COLUMNS, (oid,)).fetchall()}
    return tuple(r[0] for r in conn.execute(_PK_ORDER, (oid,)).fetchall()), nullable


def captured_tables(conn: psycopg.Connection, wanted: TableFilter) -> list[tuple[int, str, str]]:
    """(oid, schema, table) of every user table the filter keeps, in name order."""
    return [(r[0], r[1], r[2]) for r in conn.execute(_USER_TABLES).fetchall() if wanted(f"{r[1]}.{r[2]}")]


def slot_plugin(conn: psycopg.Connection, slot: str) -> str | None:
    """The output plugin of an existing slot, or None when there is no such slot."""
    row = conn.execute("SELECT plugin FROM pg_replication_slots WHERE slot_name = %s", (slot,)).fetchone()
    return None if row is None else str(row[0])


def ensure_publication(
    conn: psycopg.Connection, publication: str, mode: str, tables: Sequence[tuple[int, str, str]]
) -> None:
    """Create the publication if it is missing (``publication.autocreate.mode``): ``all_tables``
    publishes every table, ``filtered`` the captured ones; ``disabled`` requires it to exist. A
    ``filtered`` publication that exists is brought up to the captured tables, as Debezium does."""
    exists = conn.execute("SELECT 1 FROM pg_publication WHERE pubname = %s", (publication,)).fetchone()
    name = sql.Identifier(publication)
    listed = sql.SQL(", ").join(sql.Identifier(schema, table) for _, schema, table in tables)
    if exists is None:
        if mode == "disabled":
            raise ConnectError(
                f"publication {publication!r} does not exist and publication.autocreate.mode=disabled"
            )
        if mode == "all_tables":
            conn.execute(sql.SQL("CREATE PUBLICATION {} FOR ALL TABLES").format(name))
        elif not tables:
            raise ConnectError(
                f"table.include.list matches no table: cannot create publication {publication!r}"
            )
        else:
            conn.execute(sql.SQL("CREATE PUBLICATION {} FOR TABLE {}").format(name, listed))
    elif mode == "filtered" and tables:
        all_tables = conn.execute(
            "SELECT puballtables FROM pg_publication WHERE pubname = %s", (publication,)
        )
        row = all_tables.fetchone()
        if row is not None and not row[0]:
            conn.execute(sql.SQL("ALTER PUBLICATION {} SET TABLE {}").format(name, listed))
