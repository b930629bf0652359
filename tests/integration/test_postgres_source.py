"""PostgresSourceConnector against a real PostgreSQL and broker, in standalone and distributed mode:
each mode picks up inserted (and, in the timestamp modes, updated) rows exactly once across a
worker restart; the Connect schema of every mapped type; config validation naming the bad key."""

from __future__ import annotations

import base64
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

from tests.integration.connect_modes import ConnectUnderTest
from tests.integration.postgres_checks import sql, topic_json
from tests.integration.standalone_harness import create_topic
from tests.postgres_cluster import PostgresServer

pytestmark = pytest.mark.integration

MODES = {
    "bulk": {},
    "incrementing": {"incrementing.column.name": "id"},
    "timestamp": {"timestamp.column.name": "updated"},
    "timestamp+incrementing": {"incrementing.column.name": "id", "timestamp.column.name": "updated"},
}
JSON_VALUES = {
    "value.converter": "org.apache.kafka.connect.json.JsonConverter",
    "value.converter.schemas.enable": "true",
}


def source_config(server: PostgresServer, table: str, prefix: str, mode: str) -> dict[str, str]:
    return {
        "connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector",
        "connection.url": server.jdbc_url,
        "connection.user": server.user,
        "connection.password": server.password,
        "table.include.list": table,
        "mode": mode,
        "topic.prefix": prefix,
        # bulk copies the whole table each round: one round per task start keeps the count exact.
        "poll.interval.ms": "3600000" if mode == "bulk" else "200",
        "batch.max.rows": "7",  # several batches per read: offsets move inside a read too
        "table.poll.interval.ms": "0",
        "tasks.max": "1",
        **MODES[mode],
        **JSON_VALUES,
    }


def insert_rows(server: PostgresServer, table: str, ids: range) -> None:
    # clock_timestamp(): each row its own time, as rows written one by one would have.
    statement = (
        f"INSERT INTO {table} (id, v, updated) SELECT i, 'v' || i, clock_timestamp() FROM unnest(%s) i"
    )
    sql(server, statement, (list(ids),))


def versions(values: list[Any]) -> Counter[tuple[int, str]]:
    return Counter((v["payload"]["id"], v["payload"]["v"]) for v in values)


def restart_workers(connect: ConnectUnderTest, names: list[str], configs: dict[str, dict[str, str]]) -> None:
    """Restart the worker(s) gracefully: the standalone process, or each distributed worker in turn
    (its tasks move to the other one and back)."""
    if connect.standalone is not None:
        connect.standalone.terminate()
        connect.standalone.start()
        for name in names:
            if connect.status(name) is None:  # connectors created over REST live as long as the process
                connect.create(name, configs[name])
    else:
        cluster = connect.cluster
        assert cluster is not None
        for worker in cluster.workers:
            cluster.terminate(worker)
            cluster.restart(worker)
    for name in names:
        connect.wait_state(name, "RUNNING", tasks=1, timeout=60)


def test_each_mode_copies_inserts_and_updates_exactly_once_across_a_restart(
    connect: ConnectUnderTest, postgres_server: PostgresServer, unique_name: str
) -> None:
    stem = unique_name.replace("-", "_").lower()
    configs: dict[str, dict[str, str]] = {}
    tables = {}
    for index, mode in enumerate(MODES):
        table = f"{stem}_{index}"
        tables[mode] = table
        sql(postgres_server, f"CREATE TABLE {table} (id int PRIMARY KEY, v text NOT NULL, "
            "updated timestamp(6) NOT NULL)")  # fmt: skip
        insert_rows(postgres_server, table, range(0, 20))
        create_topic(connect.bootstrap_servers, f"{unique_name}-{table}")
        configs[f"{unique_name}-{index}"] = source_config(postgres_server, table, f"{unique_name}-", mode)
    for name, config in configs.items():
        connect.create(name, config)
    names = list(configs)
    for mode, table in tables.items():
        topic = f"{unique_name}-{table}"
        first = versions(topic_json(connect.bootstrap_servers, topic, 20))
        assert first == Counter((i, f"v{i}") for i in range(20)), (
            f"{mode} ({connect.mode}): first copy {first}"
        )

    def change(table: str) -> None:
        insert_rows(postgres_server, table, range(20, 35))
        sql(
            postgres_server,
            f"UPDATE {table} SET v = v || '-u', updated = clock_timestamp() WHERE id % 5 = 0 AND id < 20",
        )

    change(tables["bulk"])  # bulk copies once per start: its changes must be there before the restart
    restart_workers(connect, names, configs)
    for mode, table in tables.items():
        if mode != "bulk":
            change(table)

    initial = [(i, f"v{i}") for i in range(20)]
    inserted = [(i, f"v{i}") for i in range(20, 35)]
    updated = [(i, f"v{i}-u") for i in range(0, 20, 5)]
    final_table = [(i, f"v{i}-u" if i % 5 == 0 and i < 20 else f"v{i}") for i in range(35)]
    for mode, table in tables.items():
        topic = f"{unique_name}-{table}"
        if mode == "bulk":
            # The first copy, then k >= 1 whole copies of the table as it was changed before the
            # restart (each worker start of a distributed task may copy once more).
            values = topic_json(connect.bootstrap_servers, topic, 20 + 35)
            seen = versions(values)
            copies = seen[(21, "v21")]
            expected = Counter(initial) + Counter({row: copies for row in final_table})
            assert copies >= 1 and seen == expected, (
                f"bulk ({connect.mode}): expected the first copy then whole copies; saw {seen}"
            )
            continue
        expected = Counter(initial + inserted + (updated if mode != "incrementing" else []))
        values = topic_json(connect.bootstrap_servers, topic, sum(expected.values()))
        seen = versions(values)
        assert seen == expected, (
            f"{mode} ({connect.mode}): expected each version once; "
            f"missing {expected - seen}, extra {seen - expected}"
        )
    for name in names:
        connect.request("DELETE", f"/connectors/{name}")


def test_schema_of_each_type(
    connect: ConnectUnderTest, postgres_server: PostgresServer, unique_name: str
) -> None:
    table = unique_name.replace("-", "_").lower()
    sql(postgres_server, f"""CREATE TABLE {table} (
        id bigserial PRIMARY KEY, small int2 NOT NULL, whole int4, big int8, price numeric(10, 2),
        ratio float4, precise float8, flag bool, label varchar(20), body text, raw bytea, day date,
        at_time time, stamp timestamp, stamp_tz timestamptz, free numeric, uid uuid)""")  # fmt: skip
    sql(postgres_server, f"""INSERT INTO {table} (small, whole, big, price, ratio, precise, flag, label, body,
        raw, day, at_time, stamp, stamp_tz, free, uid) VALUES (1, 2, 3, 12.34, 0.5, 0.25, true, 'l', 'b',
        '\\x0102', '2024-02-29', '01:02:03.004', '2024-02-29 01:02:03.004', '2024-02-29 01:02:03.004+00',
        1.000000001, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11')""")  # fmt: skip
    name = f"{unique_name}-types"
    config = {**source_config(postgres_server, table, "types-", "incrementing"), "name": name}
    create_topic(connect.bootstrap_servers, f"types-{table}")
    connect.create(name, config)
    try:
        [record] = topic_json(connect.bootstrap_servers, f"types-{table}", 1)
    finally:
        connect.request("DELETE", f"/connectors/{name}")
    fields = {f["field"]: f for f in record["schema"]["fields"]}
    kinds = {name: (f["type"], f.get("name"), f["optional"]) for name, f in fields.items()}
    decimal, date, time_, stamp = (
        "org.apache.kafka.connect.data." + n for n in ("Decimal", "Date", "Time", "Timestamp")
    )
    expected = {
        "id": ("int64", None, False), "small": ("int16", None, False), "whole": ("int32", None, True),
        "big": ("int64", None, True), "price": ("bytes", decimal, True), "ratio": ("float", None, True),
        "precise": ("double", None, True), "flag": ("boolean", None, True), "label": ("string", None, True),
        "body": ("string", None, True), "raw": ("bytes", None, True), "day": ("int32", date, True),
        "at_time": ("int32", time_, True), "stamp": ("int64", stamp, True),
        "stamp_tz": ("int64", stamp, True), "free": ("string", None, True), "uid": ("string", None, True),
    }  # fmt: skip
    assert kinds == expected, f"expected schemas {expected}, saw {kinds}"
    assert fields["price"]["parameters"]["scale"] == "2", fields["price"]
    assert record["schema"]["name"] == table, record["schema"]
    payload = record["payload"]
    unscaled = int.from_bytes(base64.b64decode(payload["price"]), "big", signed=True)
    assert Decimal(unscaled).scaleb(-2) == Decimal("12.34"), payload["price"]
    millis = 1709168523004  # 2024-02-29T01:02:03.004Z
    assert (payload["day"], payload["at_time"], payload["stamp"], payload["stamp_tz"]) == (
        19782,
        3723004,
        millis,
        millis,
    ), payload
    assert (payload["free"], payload["raw"], payload["small"]) == ("1.000000001", "AQI=", 1), payload


def test_validation_names_the_bad_key(connect: ConnectUnderTest, postgres_server: PostgresServer) -> None:
    config = {
        "connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector",
        "connection.url": postgres_server.jdbc_url,
        "connection.password": "secret",
        "mode": "timestamp+incrementing",
        "timestamp.column.name": "updated",
        "topic.prefix": "x-",
        "name": "v",
    }
    code, body = connect.request("PUT", "/connector-plugins/JdbcSourceConnector/config/validate", config)
    assert code == 200, body
    errors = {c["value"]["name"]: c["value"]["errors"] for c in body["configs"] if c["value"]["errors"]}
    assert list(errors) == ["incrementing.column.name"], (
        f"expected one error on incrementing.column.name: {errors}"
    )
    password = next(c for c in body["configs"] if c["definition"]["name"] == "connection.password")
    assert (password["definition"]["type"], password["value"]["value"]) == ("PASSWORD", "[hidden]"), password
    code, body = connect.request(
        "PUT", "/connector-plugins/JdbcSourceConnector/config/validate",
        {**config, "connection.url": "jdbc:mysql://localhost/db", "incrementing.column.name": "id"},
    )  # fmt: skip
    errors = {c["value"]["name"]: c["value"]["errors"] for c in body["configs"] if c["value"]["errors"]}
    assert list(errors) == ["connection.url"], f"expected one error on connection.url: {errors}"
