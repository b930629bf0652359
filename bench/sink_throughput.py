"""2. Sink throughput: Kafka -> FileStreamSink, against a plain consumer writing the same file.

Both read the same topic of 100-byte lines (the one the source benchmark filled, or one filled here by
a plain producer); both rates run from the first line in the output file to the last, so consumer
start-up and the consumer-group join are left out.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import NamedTuple

from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer
from confluent_kafka import TopicPartition as KafkaTopicPartition

from bench.common import (
    Context,
    Figure,
    Standalone,
    create_topic,
    file_values,
    http_json,
    produce_all,
    producer_config,
    ratio,
    unique,
    wait_file_lines,
)
from bench.source_throughput import lines_file
from connectd.runtime.client_configs import FETCH_QUEUE_BACKOFF_MS

NAME = "sink"
TITLE = "2. sink throughput (Kafka -> FileStreamSink)"


class SinkRun(NamedTuple):
    rate: float  # lines/s, from the first lines in the file to the last
    cpu_s: float  # the worker's CPU seconds from the connector's creation to the last line


def filled_topic(ctx: Context) -> str:
    topic = ctx.shared.get("string_topic")
    if topic:
        return str(topic)
    topic = unique("bench-sink-input")
    create_topic(ctx.bootstrap, topic)
    producer = Producer(producer_config(ctx.bootstrap))
    produce_all(producer, topic, file_values(lines_file(ctx)))
    if producer.flush(120):
        raise RuntimeError("the plain producer could not fill the sink benchmark's topic")
    return topic


def raw_consume(ctx: Context, topic: str, sink: Path) -> float:
    """Lines/s of a plain consumer (assigned partition, no group join) writing each value as a line."""
    count = ctx.scale.lines
    consumer = Consumer(
        {
            "bootstrap.servers": ctx.bootstrap,
            "group.id": unique("bench-raw-consume"),
            # As connectd's sink consumers: no 1 s pause each time the fetch queue fills up.
            "fetch.queue.backoff.ms": FETCH_QUEUE_BACKOFF_MS,
        }
    )
    consumer.assign([KafkaTopicPartition(topic, 0, OFFSET_BEGINNING)])
    seen = 0
    first: tuple[float, int] | None = None
    deadline = time.monotonic() + 60 + count / 2000
    with open(sink, "w", encoding="utf-8") as out:
        while seen < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"plain consumer read {seen} of {count} records")
            messages = [m for m in consumer.consume(500, 0.5) if not m.error()]
            out.write("".join(f"{m.value().decode()}\n" for m in messages))
            out.flush()
            seen += len(messages)
            if messages and first is None:
                first = (time.perf_counter(), seen)
    last = time.perf_counter()
    consumer.close()
    assert first is not None
    # Like the connectd figure: from the first lines in the file to the last.
    return (count - first[1]) / max(last - first[0], 1e-6)


def connectd_sink(
    ctx: Context,
    topic: str,
    label: str = "sink",
    extra: dict[str, str] | None = None,
    settings: dict[str, str] | None = None,
) -> SinkRun:
    """Lines/s of ``connectd standalone`` running one FileStreamSink task (with ``extra`` connector
    keys and ``settings`` worker keys), created once the worker answers, so that its CPU time counts
    from the connector's creation to the last line."""
    workdir = ctx.subdir(label)
    sink = workdir / "sink.txt"
    connector = {
        "connector.class": "FileStreamSink",
        "file": str(sink),
        "topics": topic,
        "tasks.max": "1",
        **(extra or {}),
    }
    count = ctx.scale.lines
    with Standalone(workdir, ctx.bootstrap, [], settings) as worker:
        worker.wait_answering()
        cpu_before = worker.cpu_seconds()
        code, body = http_json(
            f"{worker.url}/connectors", "POST", {"name": f"bench-{label}", "config": connector}
        )
        if code != 201:
            raise RuntimeError(f"creating the {label} sink: HTTP {code} {body}")
        try:
            first, first_lines, last = wait_file_lines(sink, count, 60 + count / 2000, worker.alive)
        except TimeoutError as exc:
            raise RuntimeError(f"{exc}; worker log:\n{worker.log_tail()}") from None
        cpu = worker.cpu_seconds() - cpu_before
    # From the first lines in the file to the last: start-up and the group join are left out.
    return SinkRun((count - first_lines) / max(last - first, 1e-6), cpu)


# Each side reads 1M lines in 1-2 s, so one run's rate follows the machine's load of the moment:
# pairs back to back, the first of a pair alternating, medians.
ROUNDS = {"full": 3, "tiny": 1}


def run(ctx: Context) -> list[Figure]:
    topic = filled_topic(ctx)
    plain: list[SinkRun] = []
    ours: list[SinkRun] = []
    for round_ in range(ROUNDS.get(ctx.scale.name, 1)):
        for side in ("connectd", "plain") if round_ % 2 else ("plain", "connectd"):
            if side == "plain":
                started = time.process_time()  # nothing else runs in this process meanwhile
                rate = raw_consume(ctx, topic, ctx.subdir(f"sink-raw-{round_}") / "raw.sink.txt")
                plain.append(SinkRun(rate, time.process_time() - started))
                ctx.log(f"  plain consumer: {rate:,.0f} lines/s, {plain[-1].cpu_s:.2f} s CPU")
            else:
                ours.append(connectd_sink(ctx, topic, f"sink-{round_}"))
                ctx.log(
                    f"  connectd FileStreamSink: {ours[-1].rate:,.0f} lines/s, {ours[-1].cpu_s:.2f} s CPU"
                )
    pairs = list(zip(plain, ours, strict=True))
    rounds = f"median of {len(pairs)} pairs, the first of a pair alternating"
    return [
        Figure("lines", ctx.scale.lines, "lines", note="the source benchmark's StringConverter topic"),
        Figure(
            "plain consumer",
            round(statistics.median(p.rate for p in plain)),
            "lines/s",
            note=f"baseline: confluent-kafka Consumer writing a file; {rounds}",
        ),
        Figure(
            "connectd FileStreamSink",
            round(statistics.median(o.rate for o in ours)),
            "lines/s",
            note="StringConverter",
        ),
        Figure(
            "ratio",
            round(statistics.median(ratio(o.rate, p.rate) for p, o in pairs), 3),
            "x",
            "≥ 0.9",
            f"connectd lines/s ÷ plain consumer lines/s, {rounds}",
        ),
        Figure(
            "CPU ratio",
            round(statistics.median(ratio(p.cpu_s, o.cpu_s) for p, o in pairs), 3),
            "x",
            note="plain consumer process CPU ÷ connectd worker CPU for the same lines (the cost per line, "
            "which other processes' load does not move), median",
        ),
    ]
