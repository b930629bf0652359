"""CDC -> Kafka: PostgresCdcSourceConnector streaming a backlog of committed inserts into a topic,
against the server's own read of the same changes (``pg_logical_slot_get_binary_changes`` on a second
slot: decoding and transfer, no Kafka), measured in the same run.

The changes are written before the connector starts (its slot created first, ``snapshot.mode=never``),
so the rate is the stream's, not the writer's: changes / (the moment the last record can be read - the
create timestamp of the first record), as in the source benchmark.
"""

from __future__ import annotations

import time

from bench.common import (
    JSON_CONVERTER,
    Context,
    Figure,
    create_topic,
    measure_source,
    ratio,
    unique,
)

NAME = "postgres_cdc"
TITLE = "11. CDC -> Kafka (PostgresCdcSourceConnector, changes/s)"
_ROWS_PER_TX = 10


def _changes(ctx: Context) -> int:
    return max(2000, ctx.scale.lines // 10)


def run(ctx: Context) -> list[Figure]:
    import psycopg

    from connectd.local_postgres import MISSING_REASON, LocalPostgres, find_bin_dir

    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise RuntimeError(MISSING_REASON)
    cluster = LocalPostgres(bin_dir)
    server = cluster.start()
    try:
        count = _changes(ctx)
        with psycopg.connect(server.url, autocommit=True) as conn:
            conn.execute("CREATE TABLE bench (id int PRIMARY KEY, v text, n numeric(10,2), ts timestamptz)")
            conn.execute("CREATE PUBLICATION bench_pub FOR TABLE bench")
            for slot in ("bench_cdc", "bench_base"):
                conn.execute("SELECT pg_create_logical_replication_slot(%s, 'pgoutput')", (slot,))
            for start in range(0, count, _ROWS_PER_TX):
                with conn.transaction():
                    conn.cursor().executemany(
                        "INSERT INTO bench VALUES (%s, %s, %s, now())",
                        [
                            (i, f"row-{i:09d}", i / 100)
                            for i in range(start, min(start + _ROWS_PER_TX, count))
                        ],
                    )
            started = time.perf_counter()
            rows = conn.execute(
                "SELECT count(*) FROM pg_logical_slot_get_binary_changes('bench_base', NULL, NULL,"
                " 'proto_version', '1', 'publication_names', 'bench_pub')"
            ).fetchone()
            baseline = count / (time.perf_counter() - started)
        ctx.log(
            f"  pg_logical_slot_get_binary_changes: {baseline:,.0f} changes/s"
            f" ({rows[0] if rows else 0} messages)"
        )
        topic = f"{unique('bench-cdc')}.public.bench"
        create_topic(ctx.bootstrap, topic)
        connector = {
            "connector.class": "PostgresCdcSourceConnector",
            "database.hostname": server.host,
            "database.port": str(server.port),
            "database.user": server.user,
            "database.password": server.password,
            "database.dbname": server.dbname,
            "topic.prefix": topic.removesuffix(".public.bench"),
            "table.include.list": "public.bench",
            "slot.name": "bench_cdc",
            "publication.name": "bench_pub",
            "snapshot.mode": "never",
            "key.converter": JSON_CONVERTER,
            "key.converter.schemas.enable": "false",
            "value.converter": JSON_CONVERTER,
            "value.converter.schemas.enable": "false",
        }
        rate, _ = measure_source(ctx, "bench-cdc", connector, topic, count, 60 + count / 500)
        ctx.log(f"  connectd CDC: {rate:,.0f} changes/s")
    finally:
        cluster.stop()
    return [
        Figure("changes", count, "changes", note=f"inserts of 4 columns, {_ROWS_PER_TX} per transaction"),
        Figure(
            "slot read", round(baseline), "changes/s", note="baseline: pg_logical_slot_get_binary_changes"
        ),
        Figure("CDC -> Kafka", round(rate), "changes/s", note="JsonConverter, schemas.enable=false"),
        Figure(
            "ratio CDC", ratio(rate, baseline), "x", note="connectd changes/s ÷ server slot read changes/s"
        ),
    ]
