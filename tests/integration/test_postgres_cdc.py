"""PostgresCdcSourceConnector against a real PostgreSQL and a real broker, in both modes: a snapshot
row, then an insert, an update and a delete of every column type, in order; then ``kill -9`` of the
worker running the task mid-stream, with no change lost."""

from __future__ import annotations

import base64
import json
import threading
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer
from confluent_kafka import TopicPartition as KafkaTopicPartition

from tests.integration.connect_modes import ConnectUnderTest
from tests.integration.standalone_harness import create_topic, wait_for
from tests.postgres_cluster import PostgresServer

pytestmark = pytest.mark.timeout(240)

ALL_TYPES = """
CREATE TABLE {table} (
    id int4 PRIMARY KEY, i2 int2, i8 int8, num numeric(10, 2), vnum numeric, r real, d double precision,
    b boolean, t text, v varchar(20), by bytea, dt date, tm time, ts timestamp, tz timestamptz,
    u uuid, j json, jb jsonb
)"""
ROW = (
    "2, 7, 9000000000, 12.34, 3.14159, 1.25, 2.5, true, 'text', 'varchar', '\\x0102', '2024-01-02', "
    "'10:11:12.5', '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05+02', "
    "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{\"a\":1}', '{\"b\": [1, 2]}'"
)
EXPECTED_AFTER = {
    "id": 2, "i2": 7, "i8": 9000000000, "num": 12.34,
    # io.debezium.data.VariableScaleDecimal: scale and the unscaled value's big-endian bytes.
    "vnum": {"scale": 5, "value": base64.b64encode((314159).to_bytes(3, "big", signed=True)).decode()},
    "r": 1.25, "d": 2.5, "b": True, "t": "text", "v": "varchar", "by": base64.b64encode(b"\x01\x02").decode(),
    "dt": 19724,  # io.debezium.time.Date: days since the epoch
    "tm": 36_672_500_000,  # io.debezium.time.MicroTime
    "ts": 1_704_164_645_123_456,  # io.debezium.time.MicroTimestamp
    "tz": "2024-01-02T01:04:05Z",  # io.debezium.time.ZonedTimestamp, in UTC
    "u": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "j": '{"a":1}', "jb": '{"b": [1, 2]}',
}  # fmt: skip


def cdc_config(server: PostgresServer, prefix: str, table: str, slot: str) -> dict[str, str]:
    return {
        "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
        "tasks.max": "1",
        "database.hostname": server.host,
        "database.port": str(server.port),
        "database.user": server.user,
        "database.password": server.password,
        "database.dbname": server.dbname,
        "topic.prefix": prefix,
        "table.include.list": f"public\\.{table}",
        "slot.name": slot,
        "publication.name": f"pub_{slot}",
        "publication.autocreate.mode": "filtered",
        "plugin.name": "pgoutput",
        "snapshot.mode": "initial",
        "poll.interval.ms": "100",
        "key.converter": "org.apache.kafka.connect.json.JsonConverter",
        "key.converter.schemas.enable": "false",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "false",
        "value.converter.decimal.format": "NUMERIC",
    }


def names(connect: ConnectUnderTest, what: str) -> tuple[str, str, str, str]:
    """(connector, table, topic prefix, slot), unique per test and mode."""
    tag = f"{what}_{connect.mode[:4]}_{uuid.uuid4().hex[:6]}"
    return f"cdc-{tag}", f"t_{tag}", f"p_{tag}", f"s_{tag}"


def sql(server: PostgresServer, *statements: str) -> None:
    with psycopg.connect(server.url, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def consume(bootstrap_servers: str, topic: str, done: Any, timeout: float, what: str) -> list[tuple]:
    """(key, value) pairs of ``topic`` from the start, JSON-decoded, until ``done(pairs)``."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap_servers,
            "group.id": f"check-{uuid.uuid4().hex}",
            "enable.auto.commit": False,
            "session.timeout.ms": 1000,
        }
    )
    consumer.assign([KafkaTopicPartition(topic, 0, OFFSET_BEGINNING)])
    pairs: list[tuple] = []

    def more() -> bool:
        for m in consumer.consume(1000, 0.3):
            assert m.error() is None, f"expected no consumer error, saw {m.error()}"
            value = m.value()
            pairs.append((json.loads(m.key()) if m.key() else None, json.loads(value) if value else None))
        return done(pairs)

    try:
        wait_for(more, timeout, f"{what} in {topic}")
    finally:
        consumer.close()
    return pairs


def test_snapshot_then_insert_update_delete_of_every_type(
    connect: ConnectUnderTest, postgres_server: PostgresServer
) -> None:
    name, table, prefix, slot = names(connect, "types")
    topic = f"{prefix}.public.{table}"
    sql(postgres_server, ALL_TYPES.format(table=table), f"INSERT INTO {table} (id, t) VALUES (1, 'before')")
    create_topic(connect.bootstrap_servers, topic)
    connect.create(name, {**cdc_config(postgres_server, prefix, table, slot), "slot.drop.on.stop": "true"})
    connect.wait_state(name, "RUNNING", tasks=1)
    consume(connect.bootstrap_servers, topic, lambda p: len(p) >= 1, 30, "the snapshot row")
    sql(
        postgres_server,
        f"INSERT INTO {table} VALUES ({ROW})",
        f"UPDATE {table} SET t = 'changed', i8 = -1 WHERE id = 2",
        f"DELETE FROM {table} WHERE id = 2",
    )
    pairs = consume(connect.bootstrap_servers, topic, lambda p: len(p) >= 5, 30, "5 events")
    ops = [(key, value["op"] if value else None) for key, value in pairs]
    expected_ops = [({"id": 1}, "r"), ({"id": 2}, "c"), ({"id": 2}, "u"), ({"id": 2}, "d"), ({"id": 2}, None)]
    assert ops == expected_ops, f"expected (key, op) {expected_ops}, saw {ops}"
    snapshot, created, updated, deleted, _ = (value for _, value in pairs)
    assert snapshot["source"]["snapshot"] == "last" and snapshot["after"]["t"] == "before", snapshot
    assert created["after"] == EXPECTED_AFTER, f"expected after {EXPECTED_AFTER}, saw {created['after']}"
    assert created["before"] is None, created
    assert updated["after"] == {**EXPECTED_AFTER, "t": "changed", "i8": -1}, updated["after"]
    assert deleted["before"]["id"] == 2 and deleted["after"] is None, deleted
    source = created["source"]
    assert {k: source[k] for k in ("connector", "name", "db", "schema", "table", "snapshot")} == {
        "connector": "postgresql", "name": prefix, "db": postgres_server.dbname, "schema": "public",
        "table": table, "snapshot": "false",
    }, source  # fmt: skip
    assert isinstance(source["lsn"], int) and isinstance(source["txId"], int), source
    assert source["lsn"] < updated["source"]["lsn"] < deleted["source"]["lsn"], "LSNs not increasing"
    assert isinstance(created["ts_ms"], int), created


def _slot_confirmed(server: PostgresServer, slot: str) -> int:
    with psycopg.connect(server.url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT confirmed_flush_lsn - '0/0'::pg_lsn FROM pg_replication_slots WHERE slot_name = %s",
            (slot,),
        ).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def _row_count(server: PostgresServer, table: str) -> int:
    with psycopg.connect(server.url, autocommit=True) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # type: ignore[index]


def _insert_rows(server: PostgresServer, table: str, ids: range, per_tx: int) -> None:
    with psycopg.connect(server.url, autocommit=True) as conn:
        for start in range(ids.start, ids.stop, per_tx):
            with conn.transaction():
                for i in range(start, min(start + per_tx, ids.stop)):
                    conn.execute(f"INSERT INTO {table} (id, v) VALUES (%s, %s)", (i, i * 10))


def _kill_task_worker(connect: ConnectUnderTest, name: str, config: dict[str, str], workdir: Path) -> None:
    """kill -9 the process running the task, and bring the deployment back."""
    if connect.standalone is not None:
        connect.standalone.kill()
        props = workdir / f"{name}.properties"
        props.write_text("".join(f"{k}={v}\n" for k, v in {"name": name, **config}.items()))
        connect.standalone.start(props)
        return
    assert connect.cluster is not None
    status = connect.status(name)
    assert status is not None, f"expected a status of {name}"
    owner = status["tasks"][0]["worker_id"]
    victim = next(w for w in connect.cluster.workers if w.worker_id == owner)
    connect.cluster.kill(victim)
    connect.cluster.restart(victim)  # the task fails over to the other worker meanwhile


def test_kill_9_mid_stream_loses_no_change(
    connect: ConnectUnderTest, postgres_server: PostgresServer, tmp_path: Path
) -> None:
    name, table, prefix, slot = names(connect, "kill")
    topic = f"{prefix}.public.{table}"
    sql(postgres_server, f"CREATE TABLE {table} (id int PRIMARY KEY, v int)")
    create_topic(connect.bootstrap_servers, topic)
    config = cdc_config(postgres_server, prefix, table, slot)
    connect.create(name, config)
    connect.wait_state(name, "RUNNING", tasks=1)
    _insert_rows(postgres_server, table, range(0, 400), per_tx=7)
    # Acknowledged, committed and confirmed: the slot moved past the slot's creation point.
    created_at = _slot_confirmed(postgres_server, slot)
    consume(connect.bootstrap_servers, topic, lambda p: len(p) >= 400, 60, "the first 400 inserts")
    wait_for(lambda: _slot_confirmed(postgres_server, slot) > created_at, 30, f"slot {slot} confirmed")
    # Mid-stream: rows are being written while the worker dies, more after it died.
    writer = threading.Thread(target=_insert_rows, args=(postgres_server, table, range(400, 1400), 7))
    writer.start()
    wait_for(lambda: _row_count(postgres_server, table) >= 500, 30, "the writer under way")
    _kill_task_worker(connect, name, config, tmp_path)
    writer.join(60)
    _insert_rows(postgres_server, table, range(1400, 1600), per_tx=7)
    expected = set(range(1600))
    pairs = consume(
        connect.bootstrap_servers,
        topic,
        lambda p: expected <= {v["after"]["id"] for _, v in p if v},
        90,
        "every insert after the kill",
    )
    ids = [value["after"]["id"] for _, value in pairs if value]
    lost = expected - set(ids)
    duplicated = len(ids) - len(set(ids))
    print(f"kill -9 ({connect.mode}): {len(ids)} events, {len(lost)} lost, {duplicated} duplicated")
    assert not lost, f"expected no change lost, {len(lost)} were: {sorted(lost)[:10]}"
    first_seen = list(dict.fromkeys(ids))
    assert first_seen == sorted(first_seen), "expected first deliveries in commit order"
    assert all(value["after"]["v"] == value["after"]["id"] * 10 for _, value in pairs if value)
    code, _ = connect.request("DELETE", f"/connectors/{name}")
    assert code == 204, f"expected 204 deleting {name}, saw {code}"
    wait_for(lambda: connect.status(name) is None, 30, f"{name} deleted")
    wait_for(lambda: _drop_slot(postgres_server, slot), 30, f"slot {slot} dropped")


def _drop_slot(server: PostgresServer, slot: str) -> bool:
    try:
        sql(server, f"SELECT pg_drop_replication_slot('{slot}')")
    except psycopg.errors.ObjectInUse:
        return False  # its walsender is still on its way out
    return True
