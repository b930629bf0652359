"""PostgresSinkConnector against a real PostgreSQL and broker, in standalone and distributed mode: it
upserts 100,000 records, re-applies a redelivered batch without duplicates, evolves the table when a
field is added, and deletes a row on a tombstone."""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from typing import Any

import pytest
from confluent_kafka import Producer

from tests.integration.connect_modes import ConnectUnderTest
from tests.integration.postgres_checks import sql
from tests.integration.standalone_harness import create_topic, wait_for
from tests.postgres_cluster import PostgresServer

pytestmark = pytest.mark.integration

DECIMAL = "org.apache.kafka.connect.data.Decimal"
NAME = {"type": "string", "optional": False, "field": "name"}
N = {"type": "int64", "optional": False, "field": "n"}
PRICE = {
    "type": "bytes",
    "optional": True,
    "name": DECIMAL,
    "version": 1,
    "parameters": {"scale": "2"},
    "field": "price",
}
AT = {
    "type": "int64",
    "optional": True,
    "name": "org.apache.kafka.connect.data.Timestamp",
    "version": 1,
    "field": "at",
}
EXTRA = {"type": "string", "optional": True, "field": "extra"}


def envelope_prefix(*fields: dict[str, Any]) -> str:
    """JsonConverter's envelope up to the payload: the schema is the same for every record of a run."""
    schema = {"type": "struct", "optional": False, "name": "row", "fields": list(fields)}
    return '{"schema":' + json.dumps(schema, separators=(",", ":")) + ',"payload":'


def price(cents: int) -> str:
    """Connect's Decimal in JSON: the unscaled value's big-endian two's complement, base64."""
    return base64.b64encode(cents.to_bytes((cents.bit_length() + 8) // 8, "big", signed=True)).decode()


def sink_config(server: PostgresServer, topic: str) -> dict[str, str]:
    return {
        "connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector",
        "topics": topic,
        "tasks.max": "1",
        "connection.url": server.jdbc_url,
        "connection.user": server.user,
        "connection.password": server.password,
        "insert.mode": "upsert",
        "pk.mode": "record_key",
        "pk.fields": "id",
        "auto.create": "true",
        "auto.evolve": "true",
        "delete.enabled": "true",
        "table.name.format": "sink_${topic}",
        "batch.size": "5000",
        "key.converter": "org.apache.kafka.connect.storage.StringConverter",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "true",
    }


def produce(bootstrap_servers: str, topic: str, records: list[tuple[str, str | None]]) -> None:
    producer = Producer({"bootstrap.servers": bootstrap_servers, "linger.ms": 20, "batch.size": 1 << 20})
    for key, value in records:
        while True:
            try:
                producer.produce(topic, value, key)
                break
            except BufferError:  # the local queue is full: let deliveries drain it
                producer.poll(0.1)
    assert producer.flush(60) == 0, f"expected every record of {topic} delivered"


def row_records(ids: range, prefix: str) -> list[tuple[str, str | None]]:
    return [
        (
            str(i),
            f'{prefix}{{"name":"name-{i}","n":{i},"price":"{price(i * 7)}","at":{1_700_000_000_000 + i}}}}}',
        )
        for i in ids
    ]


def test_upserts_100k_then_reapplies_a_redelivered_batch(
    connect: ConnectUnderTest, postgres_server: PostgresServer, unique_name: str
) -> None:
    topic = unique_name.lower()
    table = f'"sink_{topic}"'
    create_topic(connect.bootstrap_servers, topic)
    prefix = envelope_prefix(NAME, N, PRICE, AT)
    produce(connect.bootstrap_servers, topic, row_records(range(100_000), prefix))
    name = f"{unique_name}-sink"
    connect.create(name, sink_config(postgres_server, topic))

    def count() -> int:
        try:
            return sql(postgres_server, f"SELECT count(*) FROM {table}")[0][0]
        except Exception:  # the table is created by the first put()
            return -1

    wait_for(lambda: count() == 100_000, 120, f"100000 rows in {table} ({connect.mode})")
    row = sql(postgres_server, f"SELECT id, name, n, price FROM {table} WHERE id = '99999'")
    assert row == [("99999", "name-99999", 99999, Decimal("6999.93"))], (
        f"expected record 99999's row, saw {row}"
    )

    # A redelivered batch (records 99,000 to 99,999 again, as after a crash before the offset commit)
    # is applied again, over rows changed meanwhile, and adds no row.
    sql(postgres_server, f"UPDATE {table} SET name = 'changed' WHERE n >= 99000")
    produce(connect.bootstrap_servers, topic, row_records(range(99_000, 100_000), prefix))
    wait_for(
        lambda: sql(postgres_server, f"SELECT count(*) FROM {table} WHERE name = 'changed'") == [(0,)],
        60,
        f"the redelivered batch re-applied to {table} ({connect.mode})",
    )
    assert count() == 100_000, f"expected 100000 rows after the redelivery, saw {count()}"
    status = connect.status(name)
    assert status is not None and status["tasks"][0]["state"] == "RUNNING", f"expected RUNNING, saw {status}"
    connect.request("DELETE", f"/connectors/{name}")


def test_evolves_the_table_and_deletes_on_a_tombstone(
    connect: ConnectUnderTest, postgres_server: PostgresServer, unique_name: str
) -> None:
    topic = unique_name.lower()
    table = f'"sink_{topic}"'
    create_topic(connect.bootstrap_servers, topic)
    name = f"{unique_name}-sink"
    connect.create(name, sink_config(postgres_server, topic))
    v1, v2 = envelope_prefix(NAME, N), envelope_prefix(NAME, N, EXTRA)
    produce(
        connect.bootstrap_servers,
        topic,
        [
            ("a", v1 + '{"name":"first","n":1}}'),
            ("b", v1 + '{"name":"second","n":2}}'),
            ("c", v2 + '{"name":"third","n":3,"extra":"added"}}'),
            ("a", None),  # a tombstone: row a goes
            ("b", v2 + '{"name":"second again","n":22,"extra":"later"}}'),
        ],
    )
    expected = [("b", "second again", 22, "later"), ("c", "third", 3, "added")]

    def rows() -> list[tuple[Any, ...]] | None:
        try:
            return sql(postgres_server, f"SELECT id, name, n, extra FROM {table} ORDER BY id")
        except Exception:  # no table, or no extra column yet
            return None

    wait_for(lambda: rows() == expected, 60, f"rows {expected} in {table} ({connect.mode})")
    columns = sql(
        postgres_server,
        "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
        "WHERE table_name = %s ORDER BY ordinal_position",
        (f"sink_{topic}",),
    )
    assert columns == [
        ("id", "text", "NO"),
        ("name", "text", "NO"),
        ("n", "bigint", "NO"),
        ("extra", "text", "YES"),
    ], f"expected the created then evolved columns, saw {columns}"
    connect.request("DELETE", f"/connectors/{name}")
