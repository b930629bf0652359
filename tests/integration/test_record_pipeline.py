"""The record pipeline end to end, in both modes: error tolerance and dead letter queues on the sink
and source sides, the errant record reporter, and a source transformation chain with predicates."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition

from tests.integration.connect_modes import ConnectUnderTest, file_sink_config
from tests.integration.standalone_harness import create_topic, read_lines, wait_for

RECORDS = 1000
CONTEXT_HEADERS = (
    "topic", "partition", "offset", "connector.name", "task.id", "stage", "class.name",
    "exception.class.name", "exception.message", "exception.stacktrace",
)  # fmt: skip
JSON_VALUES = {"value.converter": "JsonConverter", "value.converter.schemas.enable": "false"}
STRING_KEYS = {"key.converter": "StringConverter"}


def produce(
    bootstrap: str, topic: str, records: list[tuple[bytes, bytes, int, list[tuple[str, bytes]]]]
) -> None:
    producer = Producer({"bootstrap.servers": bootstrap})
    for key, value, timestamp, headers in records:
        producer.produce(topic, value, key, timestamp=timestamp, headers=headers)
    assert producer.flush(30) == 0, "the test producer could not deliver every record"


def consume_all(bootstrap: str, topic: str, count: int, timeout: float = 60) -> list[Any]:
    """Every record of partition 0 of ``topic`` (the topics here have one): waits for ``count``, then
    keeps reading for a second so that any record beyond them shows up too."""
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": f"check-{topic}", "enable.auto.commit": "false"}
    )
    consumer.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
    seen: list[Any] = []
    try:

        def enough() -> bool:
            seen.extend(m for m in consumer.consume(500, 0.2) if m.error() is None)
            return len(seen) >= count

        wait_for(enough, timeout, f"{count} records in {topic}")
        deadline = time.monotonic() + 1
        while time.monotonic() < deadline:
            seen.extend(m for m in consumer.consume(500, 0.2) if m.error() is None)
    finally:
        consumer.close()
    return seen


def bad_and_good(count: int) -> list[tuple[bytes, bytes, int, list[tuple[str, bytes]]]]:
    """Even ids valid JSON objects, odd ids malformed JSON; each with a key, timestamp and header."""
    records = []
    for i in range(count):
        value = json.dumps({"id": i, "ok": True}).encode() if i % 2 == 0 else b'{"id": %d, "broken' % i
        records.append((f"k{i}".encode(), value, 1_700_000_000_000 + i, [("origin", f"h{i}".encode())]))
    return records


@pytest.fixture
def topic(clean_connect: ConnectUnderTest, unique_name: str) -> Iterator[str]:
    name = f"{unique_name}-in"
    create_topic(clean_connect.bootstrap_servers, name)
    yield name


def test_tolerated_sink_writes_good_records_and_parks_bad_ones_in_the_dlq_with_every_header(
    clean_connect: ConnectUnderTest, topic: str, tmp_path: Path
) -> None:
    connect, dlq = clean_connect, f"{topic}-dlq"
    sent = bad_and_good(RECORDS)
    produce(connect.bootstrap_servers, topic, sent)
    sink = tmp_path / "out.txt"
    connect.create("dlq-sink", {
        **file_sink_config(sink, topic), **JSON_VALUES, **STRING_KEYS,
        "errors.tolerance": "all", "errors.log.enable": "true", "errors.log.include.messages": "true",
        "errors.deadletterqueue.topic.name": dlq, "errors.deadletterqueue.topic.replication.factor": "1",
        "errors.deadletterqueue.context.headers.enable": "true",
    })  # fmt: skip
    good = [f"{{id={i}, ok=true}}" for i in range(0, RECORDS, 2)]
    wait_for(
        lambda: len(read_lines(sink)) >= len(good),
        60,
        f"{len(good)} good records in the sink ({connect.mode})",
    )
    assert read_lines(sink) == good, (
        f"expected exactly the {len(good)} good records in order in {connect.mode}"
    )
    parked = consume_all(connect.bootstrap_servers, dlq, RECORDS // 2)
    assert len(parked) == RECORDS // 2, f"expected {RECORDS // 2} records in the DLQ, saw {len(parked)}"
    by_key = {m.key(): m for m in parked}
    for key, value, timestamp, headers in sent[1::2]:
        message = by_key[key]
        assert message.value() == value, f"the DLQ must hold the original bytes of {key!r}"
        assert message.timestamp()[1] == timestamp, f"the DLQ must keep the timestamp of {key!r}"
        got = dict(message.headers())
        assert got["origin"] == headers[0][1], f"the original header of {key!r} must be kept"
        missing = [h for h in CONTEXT_HEADERS if f"__connect.errors.{h}" not in got]
        assert not missing, f"context headers missing on {key!r}: {missing}"
        assert got["__connect.errors.topic"] == topic.encode()
        assert got["__connect.errors.offset"] == str(int(key[1:])).encode()
        assert got["__connect.errors.partition"] == b"0"
        assert got["__connect.errors.connector.name"] == b"dlq-sink"
        assert got["__connect.errors.task.id"] == b"0"
        assert got["__connect.errors.stage"] == b"VALUE_CONVERTER"
        assert got["__connect.errors.class.name"] == b"connectd.runtime.converters.JsonConverter"
        assert got["__connect.errors.exception.class.name"] == b"connectd.api.errors.DataError"
        assert b"Traceback" in got["__connect.errors.exception.stacktrace"]
    status = connect.status("dlq-sink")
    assert status is not None and status["tasks"][0]["state"] == "RUNNING", (
        f"the task keeps running: {status}"
    )


def test_untolerated_sink_fails_on_the_first_bad_record_with_the_stage_in_its_trace(
    clean_connect: ConnectUnderTest, topic: str, tmp_path: Path
) -> None:
    connect = clean_connect
    produce(connect.bootstrap_servers, topic, bad_and_good(4))
    connect.create(
        "strict-sink", {**file_sink_config(tmp_path / "out.txt", topic), **JSON_VALUES, **STRING_KEYS}
    )
    status = connect.wait_state("strict-sink", "RUNNING", tasks=1, task_state="FAILED", timeout=60)
    trace = status["tasks"][0]["trace"]
    assert "Tolerance exceeded in error handler" in trace and "stage VALUE_CONVERTER" in trace, trace
    assert f"{topic}-0 offset 1" in trace, f"the trace must name the record that failed: {trace}"


def test_errant_record_reporter_parks_what_the_task_refuses(
    clean_connect: ConnectUnderTest, topic: str, tmp_path: Path
) -> None:
    connect, dlq = clean_connect, f"{topic}-dlq"
    values = [{"id": i, "refuse": i % 3 == 0} for i in range(30)]
    produce(connect.bootstrap_servers, topic, [(b"k", json.dumps(v).encode(), 1, []) for v in values])
    out = tmp_path / "kept.txt"
    connect.create("refusing", {
        "connector.class": "RefusingSinkConnector", "topics": topic, "file": str(out), **JSON_VALUES,
        "errors.tolerance": "all", "errors.deadletterqueue.topic.name": dlq,
        "errors.deadletterqueue.topic.replication.factor": "1",
        "errors.deadletterqueue.context.headers.enable": "true",
    })  # fmt: skip
    kept = [str(v["id"]) for v in values if not v["refuse"]]
    wait_for(lambda: read_lines(out) == kept, 60, f"the kept records ({connect.mode})")
    parked = consume_all(connect.bootstrap_servers, dlq, 10)
    assert sorted(json.loads(m.value())["id"] for m in parked) == list(range(0, 30, 3))
    assert {dict(m.headers())["__connect.errors.stage"] for m in parked} == {b"TASK_PUT"}


def _script(path: Path, records: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


def test_source_chain_with_predicates_produces_exactly_the_expected_records(
    clean_connect: ConnectUnderTest, unique_name: str, tmp_path: Path
) -> None:
    connect, base = clean_connect, unique_name
    raw, other, routed = f"{base}-raw", f"{base}-other", f"{base}-orders"
    for name in (raw, other, routed):
        create_topic(connect.bootstrap_servers, name)
    script = tmp_path / "records.jsonl"
    specs = [{"topic": raw if i % 4 else other, "value": {"id": i, "amt": i * 10}} for i in range(40)]
    _script(script, specs)
    connect.create("chain", {
        "connector.class": "ScriptedSourceConnector", "records.file": str(script), **JSON_VALUES,
        "transforms": "insert,rename,route,keep",
        "transforms.insert.type": "org.apache.kafka.connect.transforms.InsertField$Value",
        "transforms.insert.static.field": "origin", "transforms.insert.static.value": "script",
        "transforms.rename.type": "org.apache.kafka.connect.transforms.ReplaceField$Value",
        "transforms.rename.renames": "amt:amount",
        "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
        "transforms.route.regex": "(.*)-raw", "transforms.route.replacement": "$1-orders",
        "transforms.route.predicate": "isRaw",
        "transforms.keep.type": "org.apache.kafka.connect.transforms.Filter",
        "transforms.keep.predicate": "isOrders", "transforms.keep.negate": "true",
        "predicates": "isRaw,isOrders",
        "predicates.isRaw.type": "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
        "predicates.isRaw.pattern": ".*-raw",
        "predicates.isOrders.type": "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
        "predicates.isOrders.pattern": ".*-orders",
    })  # fmt: skip
    expected = [{"id": i, "amount": i * 10, "origin": "script"} for i in range(40) if i % 4]
    got = consume_all(connect.bootstrap_servers, routed, len(expected))
    assert [json.loads(m.value()) for m in got] == expected, f"records on {routed} ({connect.mode})"
    for name in (raw, other):
        leftovers = consume_all(connect.bootstrap_servers, name, 0)
        assert leftovers == [], f"expected nothing on {name}, saw {len(leftovers)} records"


def test_source_dlq_parks_records_a_transform_rejects_with_their_source_position(
    clean_connect: ConnectUnderTest, unique_name: str, tmp_path: Path
) -> None:
    connect, out, dlq = clean_connect, f"{unique_name}-out", f"{unique_name}-dlq"
    create_topic(connect.bootstrap_servers, out)
    script = tmp_path / "records.jsonl"
    _script(
        script, [{"topic": out, "value": {"n": str(i) if i % 5 else f"not-a-number-{i}"}} for i in range(50)]
    )
    connect.create("casting", {
        "connector.class": "ScriptedSourceConnector", "records.file": str(script), **JSON_VALUES,
        "transforms": "cast", "transforms.cast.type": "org.apache.kafka.connect.transforms.Cast$Value",
        "transforms.cast.spec": "n:int32", "errors.tolerance": "all",
        "errors.deadletterqueue.topic.name": dlq, "errors.deadletterqueue.topic.replication.factor": "1",
        "errors.deadletterqueue.context.headers.enable": "true",
    })  # fmt: skip
    good = consume_all(connect.bootstrap_servers, out, 40)
    assert sorted(json.loads(m.value())["n"] for m in good) == [i for i in range(50) if i % 5]
    parked = consume_all(connect.bootstrap_servers, dlq, 10)
    lines = sorted(json.loads(dict(m.headers())["__connect.errors.source.offset"])["line"] for m in parked)
    assert lines == [i + 1 for i in range(0, 50, 5)], f"source offsets of the parked records: {lines}"
    assert {dict(m.headers())["__connect.errors.stage"] for m in parked} == {b"TRANSFORMATION"}
    partitions = {dict(m.headers())["__connect.errors.source.partition"] for m in parked}
    assert partitions == {json.dumps({"script": str(script)}, separators=(",", ":")).encode()}
