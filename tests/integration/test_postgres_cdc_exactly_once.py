"""PostgresCdcSourceConnector under exactly-once (``exactly.once.source.support=enabled``): a two-worker
cluster, a writer inserting rows while the worker running the CDC task is killed with ``kill -9``; the
task moves to the other worker and a ``read_committed`` consumer sees every change exactly once.

A change is identified by its row key, its op and its LSN. The counts (changes, lost, duplicated) are
printed for the record."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer
from confluent_kafka import TopicPartition as KafkaTopicPartition

from tests.integration.connect_modes import ConnectUnderTest, start_distributed
from tests.integration.standalone_harness import create_topic, wait_for
from tests.integration.test_postgres_cdc import (
    _drop_slot,
    _insert_rows,
    _row_count,
    _slot_confirmed,
    cdc_config,
    sql,
)
from tests.postgres_cluster import PostgresServer

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

EXACTLY_ONCE = {"exactly.once.source.support": "enabled"}


@pytest.fixture
def eos_connect(tmp_path: Path, bootstrap_servers: str, unique_name: str) -> Iterator[ConnectUnderTest]:
    connect = start_distributed(tmp_path / "cluster", bootstrap_servers, unique_name, extra=EXACTLY_ONCE)
    try:
        yield connect
    finally:
        connect.stop()


def _current_lsn(server: PostgresServer) -> int:
    with psycopg.connect(server.url, autocommit=True) as conn:
        return int(conn.execute("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn").fetchone()[0])  # type: ignore[index]


def read_committed(bootstrap_servers: str, topic: str, done: Any, timeout: float) -> list[dict[str, Any]]:
    """Every value of the one-partition ``topic`` from the start (``isolation.level=read_committed``),
    JSON-decoded (tombstones left out), until ``done(values)`` and then 2 s with nothing more."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap_servers,
            "group.id": f"check-{uuid.uuid4().hex}",
            "enable.auto.commit": False,
            "isolation.level": "read_committed",
        }
    )
    consumer.assign([KafkaTopicPartition(topic, 0, OFFSET_BEGINNING)])
    values: list[dict[str, Any]] = []
    idle_since = time.monotonic()

    def settled() -> bool:
        nonlocal idle_since
        batch = consumer.consume(1000, 0.3)
        for m in batch:
            assert m.error() is None, f"expected no consumer error, saw {m.error()}"
            if m.value():
                values.append(json.loads(m.value()))
        if batch:
            idle_since = time.monotonic()
        return done(values) and time.monotonic() - idle_since >= 2

    try:
        wait_for(settled, timeout, f"every change in {topic}, then nothing more")
    finally:
        consumer.close()
    return values


def test_kill_9_mid_stream_exactly_once_no_loss_no_duplicate(
    eos_connect: ConnectUnderTest, postgres_server: PostgresServer
) -> None:
    connect = eos_connect
    assert connect.cluster is not None
    tag = f"eos_{uuid.uuid4().hex[:6]}"
    name, table, prefix, slot = f"cdc-{tag}", f"t_{tag}", f"p_{tag}", f"s_{tag}"
    topic = f"{prefix}.public.{table}"
    sql(postgres_server, f"CREATE TABLE {table} (id int PRIMARY KEY, v int)")
    create_topic(connect.bootstrap_servers, topic)
    config = {**cdc_config(postgres_server, prefix, table, slot), "exactly.once.support": "required"}
    connect.create(name, config)
    status = connect.wait_state(name, "RUNNING", tasks=1)
    _insert_rows(postgres_server, table, range(0, 400), per_tx=7)
    created_at = _slot_confirmed(postgres_server, slot)
    read_committed(connect.bootstrap_servers, topic, lambda v: len(v) >= 400, 30)
    # The task reads its committed offset back (its own transactions) to confirm the slot.
    wait_for(lambda: _slot_confirmed(postgres_server, slot) > created_at, 30, f"slot {slot} confirmed")
    # Mid-stream: rows are being written while the worker dies, more after it died.
    writer = threading.Thread(target=_insert_rows, args=(postgres_server, table, range(400, 1400), 7))
    writer.start()
    try:
        wait_for(lambda: _row_count(postgres_server, table) >= 500, 30, "the writer under way")
        status = connect.status(name) or status
        owner = status["tasks"][0]["worker_id"]
        victim = next(w for w in connect.cluster.workers if w.worker_id == owner)
        connect.cluster.kill(victim)
        killed_at = time.monotonic()
    finally:
        writer.join(60)

    def moved() -> bool:
        s = connect.status(name)
        return bool(s and s["tasks"] and s["tasks"][0]["state"] == "RUNNING"
                    and s["tasks"][0]["worker_id"] != owner)  # fmt: skip

    wait_for(moved, 30, f"the task of {name} RUNNING on a worker other than {owner}")
    failover_s = time.monotonic() - killed_at
    _insert_rows(postgres_server, table, range(1400, 1600), per_tx=7)
    written_to = _current_lsn(postgres_server)
    expected = set(range(1600))
    values = read_committed(
        connect.bootstrap_servers, topic, lambda v: expected <= {x["after"]["id"] for x in v}, 60
    )
    changes = Counter((v["after"]["id"], v["op"], v["source"]["lsn"]) for v in values)
    lost = expected - {key[0] for key in changes}
    duplicated = sum(n - 1 for n in changes.values())
    print(
        f"\nkill -9, exactly once: {len(values)} events read_committed, {len(changes)} distinct changes, "
        f"{len(lost)} lost, {duplicated} duplicated; the task ran again {failover_s:.1f} s after the kill"
    )
    assert not lost, f"expected no change lost, {len(lost)} were: {sorted(lost)[:10]}"
    assert duplicated == 0, (
        f"expected no change twice, saw {duplicated}: {sorted(k for k, n in changes.items() if n > 1)[:10]}"
    )
    ids = [v["after"]["id"] for v in values]
    assert ids == sorted(ids), "expected the changes in commit order"
    # The new owner confirms the slot from its own transactions' offsets too: no WAL held back.
    wait_for(
        lambda: _slot_confirmed(postgres_server, slot) >= written_to,
        30,
        f"slot {slot} confirmed past the last insert",
    )
    code, _ = connect.request("DELETE", f"/connectors/{name}")
    assert code == 204, f"expected 204 deleting {name}, saw {code}"
    wait_for(lambda: connect.status(name) is None, 30, f"{name} deleted")
    wait_for(lambda: _drop_slot(postgres_server, slot), 30, f"slot {slot} dropped")
