"""Standalone file -> Kafka -> file throughput against raw confluent-kafka produce and consume.

All three runs use the same broker, the same 100-byte lines and the same machine, in one process
run, so the ratios compare across machines even when the absolute rates do not.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer
from confluent_kafka import TopicPartition as KafkaTopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from connectd.embedded_broker import free_port

REPO_ROOT = Path(__file__).resolve().parent.parent


def write_lines(path: Path, count: int) -> None:
    with open(path, "w", encoding="utf-8") as out:
        for i in range(count):
            out.write(f"line-{i:09d}-".ljust(99, "x") + "\n")


def create_topic(bootstrap: str, topic: str) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})  # must outlive the future
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(30)


def raw_produce(bootstrap: str, topic: str, source: Path) -> float:
    """Lines/s of a plain idempotent producer reading the same file (Connect's producer settings)."""
    create_topic(bootstrap, topic)
    producer = Producer(
        {"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all", "linger.ms": 5}
    )
    started = time.perf_counter()
    count = 0
    with open(source, "rb") as lines:
        for line in lines:
            while True:
                try:
                    producer.produce(topic, line.rstrip(b"\n"))
                    break
                except BufferError:
                    producer.poll(0.05)
            count += 1
    left = producer.flush(60)
    assert left == 0, f"{left} records not delivered"
    return count / (time.perf_counter() - started)


def raw_consume(bootstrap: str, topic: str, count: int, sink: Path) -> float:
    """Lines/s of a plain consumer writing the records to a file (no group join: assigned partition)."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"bench-{uuid.uuid4().hex[:6]}"})
    consumer.assign([KafkaTopicPartition(topic, 0, OFFSET_BEGINNING)])
    seen = 0
    started = time.perf_counter()
    with open(sink, "w", encoding="utf-8") as out:
        while seen < count:
            messages = [m for m in consumer.consume(500, 1.0) if not m.error()]
            out.write("".join(f"{m.value().decode()}\n" for m in messages))
            seen += len(messages)
    elapsed = time.perf_counter() - started
    consumer.close()
    return count / elapsed


def _line_count(path: Path) -> int:
    if not path.exists():
        return 0
    with open(path, "rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))


def standalone_pipeline(bootstrap: str, source: Path, count: int, workdir: Path) -> dict[str, float]:
    """Run ``connectd standalone`` as a process; time from tasks RUNNING to the last line in the sink."""
    topic = f"bench-pipeline-{uuid.uuid4().hex[:6]}"
    port = free_port()
    sink = workdir / "pipeline.sink.txt"
    (workdir / "worker.properties").write_text(
        f"bootstrap.servers={bootstrap}\nlisteners=http://127.0.0.1:{port}\n"
        f"offset.storage.file.filename={workdir / 'connect.offsets'}\n"
        "key.converter=org.apache.kafka.connect.storage.StringConverter\n"
        "value.converter=org.apache.kafka.connect.storage.StringConverter\n"
        "consumer.session.timeout.ms=1000\nconsumer.heartbeat.interval.ms=250\n"
    )
    (workdir / "sink.properties").write_text(
        f"name=bench-sink\nconnector.class=FileStreamSink\nfile={sink}\ntopics={topic}\n"
    )
    (workdir / "source.properties").write_text(
        f"name=bench-source\nconnector.class=FileStreamSource\nfile={source}\ntopic={topic}\n"
        "topic.creation.default.partitions=1\ntopic.creation.default.replication.factor=-1\n"
    )
    log = open(workdir / "connectd.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "services.cli", "standalone", "worker.properties", "sink.properties",
         "source.properties"],
        cwd=workdir, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )  # fmt: skip
    try:
        started = time.perf_counter()
        deadline = started + 600
        first: tuple[float, int] | None = None  # when lines first reached the sink, and how many
        while (seen := _line_count(sink)) < count:
            if process.poll() is not None or time.perf_counter() > deadline:
                raise RuntimeError(f"pipeline did not finish; see {workdir / 'connectd.log'}")
            if first is None and seen:
                first = (time.perf_counter(), seen)
            time.sleep(0.02)
        finished = time.perf_counter()
        elapsed = finished - started
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(60)
        log.close()
    assert first is not None
    # Steady state: from the first line in the sink to the last, without process start and group join.
    steady = (count - first[1]) / (finished - first[0])
    return {"elapsed_s": elapsed, "lines_per_s": steady, "with_startup_lines_per_s": count / elapsed}


def run(bootstrap: str, lines: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="connectd-bench-") as tmp:
        workdir = Path(tmp)
        source = workdir / "in.txt"
        write_lines(source, lines)
        raw_topic = f"bench-raw-{uuid.uuid4().hex[:6]}"
        produce_rate = raw_produce(bootstrap, raw_topic, source)
        consume_rate = raw_consume(bootstrap, raw_topic, lines, workdir / "raw.sink.txt")
        pipeline = standalone_pipeline(bootstrap, source, lines, workdir)
    return {
        "lines": lines,
        "line_bytes": 100,
        "raw_produce_lines_per_s": round(produce_rate),
        "raw_consume_lines_per_s": round(consume_rate),
        "pipeline_lines_per_s": round(pipeline["lines_per_s"]),
        "pipeline_elapsed_s_incl_startup": round(pipeline["elapsed_s"], 2),
        "pipeline_lines_per_s_incl_startup": round(pipeline["with_startup_lines_per_s"]),
        "ratio_vs_raw_produce": round(pipeline["lines_per_s"] / produce_rate, 3),
        "ratio_vs_raw_consume": round(pipeline["lines_per_s"] / consume_rate, 3),
        "ratio_vs_slower_raw_client": round(pipeline["lines_per_s"] / min(produce_rate, consume_rate), 3),
    }


if __name__ == "__main__":
    print(json.dumps(run(sys.argv[1], int(sys.argv[2])), indent=2))
