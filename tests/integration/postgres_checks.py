"""Helpers of the PostgreSQL connector tests: SQL against the test server, and reading a topic to its end."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import psycopg
from confluent_kafka import OFFSET_BEGINNING, Consumer
from confluent_kafka import TopicPartition as KafkaTopicPartition

from tests.postgres_cluster import PostgresServer


def sql(server: PostgresServer, statement: str, params: Any = None) -> list[tuple[Any, ...]]:
    """Run one statement (autocommit) and return its rows (none for a statement without a result)."""
    with psycopg.connect(server.url, autocommit=True) as conn:
        cursor = conn.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def topic_json(bootstrap_servers: str, topic: str, at_least: int, timeout: float = 60) -> list[Any]:
    """Every value of ``topic`` (partition 0) parsed as JSON, once at least ``at_least`` arrived and a
    further half second brought nothing more."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap_servers,
            "group.id": f"check-{uuid.uuid4().hex}",
            "enable.auto.commit": False,
        }
    )
    consumer.assign([KafkaTopicPartition(topic, 0, OFFSET_BEGINNING)])
    values: list[Any] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            batch = [m for m in consumer.consume(10_000, 0.5) if m.error() is None]
            values.extend(json.loads(m.value()) if m.value() is not None else None for m in batch)
            if len(values) >= at_least and not batch:
                return values
    finally:
        consumer.close()
    payloads = [v.get("payload", v) if isinstance(v, dict) else v for v in values]
    raise AssertionError(
        f"expected at least {at_least} records in {topic} within {timeout}s, saw {len(values)}: {payloads}"[
            :3000
        ]
    )
