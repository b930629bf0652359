"""9. PostgreSQL connectors: table -> Kafka (PostgresSource) and Kafka -> table (PostgresSink).

Baselines from the same run on the same PostgreSQL: a plain ``COPY (SELECT ...) TO STDOUT`` read of
the table with psycopg, and a plain batched INSERT (psycopg ``executemany``, 5,000 rows a
transaction) of the same rows. The source rate runs from the first record's timestamp to the moment
the last can be read; the sink rate from the first rows in the target table to the last, so worker
start-up and the consumer-group join are left out of both.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bench.common import (
    JSON_CONVERTER,
    Context,
    Figure,
    Standalone,
    create_topic,
    measure_source,
    ratio,
    unique,
    wait_count,
)
from connectd.local_postgres import LocalPostgres, PostgresServer, find_bin_dir

NAME = "postgres"
TITLE = "10. PostgreSQL source and sink (table <-> Kafka)"
_BATCH = 5000
_COLUMNS = (
    "id bigint PRIMARY KEY, name text NOT NULL, n bigint NOT NULL, price numeric(12, 2), updated timestamp"
)


def rows_for(ctx: Context) -> int:
    return max(1000, ctx.scale.lines // 5)  # rows of about 60 bytes: a fifth of the lines benchmark


@contextmanager
def postgres(ctx: Context) -> Iterator[PostgresServer]:
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise RuntimeError(
            "PostgreSQL server binaries not found: install postgresql-15 (apt-get install postgresql-15)"
        )
    cluster = LocalPostgres(bin_dir)
    try:
        yield cluster.start()
    finally:
        cluster.stop()


def connect(server: PostgresServer) -> Any:
    import psycopg

    return psycopg.connect(server.url, autocommit=True)


def fill(server: PostgresServer, table: str, count: int) -> None:
    with connect(server) as conn:
        conn.execute(f"CREATE TABLE {table} ({_COLUMNS})")
        conn.execute(
            f"INSERT INTO {table} SELECT i, 'name-' || i, i * 3, i * 0.01, "
            "timestamp '2024-01-01' + i * interval '1 second' FROM generate_series(0, %s) i",
            (count - 1,),
        )
        conn.execute(f"ANALYZE {table}")


def copy_read(server: PostgresServer, table: str, count: int) -> float:
    """Rows/s of a plain COPY of the table to the client."""
    with connect(server) as conn:
        started = time.perf_counter()
        rows = 0
        with conn.cursor().copy(f"COPY (SELECT * FROM {table}) TO STDOUT") as copy:
            for _ in copy.rows():
                rows += 1
        elapsed = time.perf_counter() - started
    assert rows == count, f"COPY read {rows} of {count} rows"
    return count / max(elapsed, 1e-6)


def plain_insert(server: PostgresServer, source: str, target: str, count: int) -> float:
    """Rows/s of batched executemany INSERTs of the rows (read beforehand, outside the timing)."""
    with connect(server) as conn:
        rows = conn.execute(f"SELECT * FROM {source} ORDER BY id").fetchall()
        conn.execute(f"CREATE TABLE {target} ({_COLUMNS})")
        started = time.perf_counter()
        with conn.cursor() as cursor:
            for start in range(0, len(rows), _BATCH):
                with conn.transaction():
                    cursor.executemany(
                        f"INSERT INTO {target} (id, name, n, price, updated) VALUES (%s, %s, %s, %s, %s)",
                        rows[start : start + _BATCH],
                    )
        elapsed = time.perf_counter() - started
    assert len(rows) == count
    return count / max(elapsed, 1e-6)


def connection_keys(server: PostgresServer) -> dict[str, str]:
    return {
        "connection.url": server.jdbc_url,
        "connection.user": server.user,
        "connection.password": server.password,
    }


def connectd_source(ctx: Context, server: PostgresServer, table: str, count: int) -> tuple[float, str]:
    prefix = unique("bench-pg-") + "-"
    topic = prefix + table
    create_topic(ctx.bootstrap, topic)
    connector = {
        "connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector",
        **connection_keys(server),
        "table.include.list": table,
        "mode": "incrementing",
        "incrementing.column.name": "id",
        "topic.prefix": prefix,
        "batch.max.rows": str(_BATCH),
        "poll.interval.ms": "1000",
        "value.converter": JSON_CONVERTER,
        "value.converter.schemas.enable": "true",
    }
    rate, _ = measure_source(ctx, "bench-pg-source", connector, topic, count, 60 + count / 1000)
    return rate, topic


def table_count(conn: Any, table: str) -> int:
    try:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    except Exception:  # not created yet
        return 0


def connectd_sink(
    ctx: Context, server: PostgresServer, topic: str, table: str, count: int, mode: str
) -> float:
    connector = {
        "name": f"bench-pg-sink-{mode}",
        "connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector",
        **connection_keys(server),
        "topics": topic,
        "table.name.format": table,
        "insert.mode": mode,
        "pk.mode": "record_value" if mode == "upsert" else "none",
        "pk.fields": "id" if mode == "upsert" else "",
        "auto.create": "true",
        "batch.size": str(_BATCH),
        "value.converter": JSON_CONVERTER,
        "value.converter.schemas.enable": "true",
    }
    # One connection for the counting, polled every 50 ms: the measurement's own load stays small.
    with (
        Standalone(ctx.subdir(f"pg-sink-{mode}"), ctx.bootstrap, [connector]) as worker,
        connect(server) as conn,
    ):
        try:
            start, done, last = wait_count(
                lambda: table_count(conn, table),
                count,
                60 + count / 500,
                worker.alive,
                f"{table} (rows)",
                0.05,
            )
        except TimeoutError as exc:
            raise RuntimeError(f"{exc}; worker log:\n{worker.log_tail()}") from None
    return (count - done) / max(last - start, 1e-6)


def run(ctx: Context) -> list[Figure]:
    count = rows_for(ctx)
    with postgres(ctx) as server:
        fill(server, "bench_rows", count)
        copy_rate = copy_read(server, "bench_rows", count)
        ctx.log(f"  COPY TO STDOUT: {copy_rate:,.0f} rows/s")
        source_rate, topic = connectd_source(ctx, server, "bench_rows", count)
        ctx.log(f"  connectd PostgresSource: {source_rate:,.0f} rows/s")
        insert_rate = plain_insert(server, "bench_rows", "bench_plain_insert", count)
        ctx.log(f"  plain executemany INSERT: {insert_rate:,.0f} rows/s")
        sink_rate = connectd_sink(ctx, server, topic, "bench_sink_insert", count, "insert")
        ctx.log(f"  connectd PostgresSink (insert): {sink_rate:,.0f} rows/s")
        upsert_rate = connectd_sink(ctx, server, topic, "bench_sink_upsert", count, "upsert")
        ctx.log(f"  connectd PostgresSink (upsert): {upsert_rate:,.0f} rows/s")
    return [
        Figure(
            "rows",
            count,
            "rows",
            note="id bigint, name text, n bigint, price numeric(12,2), updated timestamp",
        ),
        Figure("COPY TO STDOUT", round(copy_rate), "rows/s", note="baseline: psycopg COPY (SELECT *) read"),
        Figure(
            "connectd PostgresSource", round(source_rate), "rows/s", note="incrementing mode, JsonConverter"
        ),
        Figure(
            "source ratio", ratio(source_rate, copy_rate), "x", note="PostgresSource rows/s ÷ COPY rows/s"
        ),
        Figure(
            "plain INSERT",
            round(insert_rate),
            "rows/s",
            note="baseline: executemany, 5000 rows a transaction",
        ),
        Figure("connectd PostgresSink insert", round(sink_rate), "rows/s", note="insert.mode=insert"),
        Figure(
            "sink ratio", ratio(sink_rate, insert_rate), "x", note="PostgresSink rows/s ÷ plain INSERT rows/s"
        ),
        Figure(
            "connectd PostgresSink upsert", round(upsert_rate), "rows/s", note="insert.mode=upsert, pk id"
        ),
        Figure(
            "upsert ratio",
            ratio(upsert_rate, insert_rate),
            "x",
            note="PostgresSink upsert ÷ plain INSERT rows/s",
        ),
    ]
