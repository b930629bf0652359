"""3. End-to-end latency: a line's write to the source file -> its appearance in the sink file.

Lines are written at a steady rate (a few every millisecond, flushed at once); each carries the
monotonic time at which it was written, and a reader tailing the sink file takes the difference when
the line appears. The baseline is the same measurement through plain clients: a producer sending the
stamped lines at the same rate with the same producer settings, and a consumer (assigned partition)
taking the difference when it receives them. The worker runs with its default flush settings
(``offset.flush.interval.ms`` 60000, producer ``linger.ms`` 5; the sink writes each batch through).

tansu, the embedded broker, answers a fetch only when ``fetch.wait.max.ms`` runs out, never as soon as
data arrives as Kafka does; on it both consumers (connectd's sink and the baseline's) use
``fetch.wait.max.ms=10`` instead of the 500 ms default, which on Kafka costs no latency.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from confluent_kafka import OFFSET_END, Consumer, Producer
from confluent_kafka import TopicPartition as KafkaTopicPartition

from bench.common import (
    LINE_BYTES,
    Context,
    Figure,
    Standalone,
    create_topic,
    percentile,
    producer_config,
    ratio,
    unique,
    wait_until,
)

NAME = "latency"
TITLE = "3. end-to-end latency (source file -> Kafka -> sink file)"
_TICK_S = 0.001
_WARMUP = "warmup"
TANSU_FETCH_WAIT_MS = "10"


def consumer_overrides(ctx: Context) -> dict[str, str]:
    return {"fetch.wait.max.ms": TANSU_FETCH_WAIT_MS} if ctx.embedded_broker else {}


def stamped_line(seq: int) -> bytes:
    return f"{seq:09d} {time.perf_counter_ns():020d} ".ljust(LINE_BYTES - 1, "x").encode() + b"\n"


def latency_of(line: bytes, now_ns: int) -> tuple[int, float] | None:
    """(sequence, milliseconds since it was stamped) of a stamped line; None for other lines."""
    parts = line.split(b" ", 2)
    if len(parts) < 3 or not parts[0].isdigit():
        return None
    return int(parts[0]), (now_ns - int(parts[1])) / 1e6


def paced(rate: int, seconds: float, emit: Callable[[int, int], None]) -> int:
    """Call ``emit(first_seq, count)`` every tick with the lines due by then; returns lines emitted."""
    total = int(rate * seconds)
    sent = 0
    started = time.perf_counter()
    while sent < total:
        due = min(total, int((time.perf_counter() - started) * rate) + 1)
        if due > sent:
            emit(sent, due - sent)
            sent = due
        time.sleep(_TICK_S)
    return sent


class SinkTail:
    """Reads a growing file on a thread; records the latency of each stamped line as it appears."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.latencies: dict[int, float] = {}
        self.other_lines = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sink-tail", daemon=True)

    def start(self) -> SinkTail:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self.path.exists() and not self._stop.is_set():
            time.sleep(_TICK_S)
        fd = os.open(self.path, os.O_RDONLY)
        pending = b""
        try:
            while not self._stop.is_set():
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    time.sleep(_TICK_S / 2)
                    continue
                now = time.perf_counter_ns()
                lines = (pending + chunk).split(b"\n")
                pending = lines.pop()
                for line in lines:
                    seen = latency_of(line, now)
                    if seen is None:
                        self.other_lines += 1
                    else:
                        self.latencies.setdefault(seen[0], seen[1])
        finally:
            os.close(fd)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)


def connectd_latency(ctx: Context) -> tuple[list[float], int]:
    """Latencies (ms) through ``connectd standalone`` with a source and a sink, and lines written."""
    workdir = ctx.subdir("latency")
    topic = unique("bench-latency")
    create_topic(ctx.bootstrap, topic)
    source, sink = workdir / "source.txt", workdir / "sink.txt"
    source.touch()
    connectors = [
        {
            "name": "latency-source",
            "connector.class": "FileStreamSource",
            "file": str(source),
            "topic": topic,
        },
        {"name": "latency-sink", "connector.class": "FileStreamSink", "file": str(sink), "topics": topic},
    ]
    settings = {f"consumer.{k}": v for k, v in consumer_overrides(ctx).items()}
    with (
        Standalone(workdir, ctx.bootstrap, connectors, settings) as worker,
        open(source, "ab", buffering=0) as out,
    ):
        tail = SinkTail(sink).start()
        try:
            # Until a line makes the whole trip, the sink's consumer has not joined its group yet.
            def warm() -> bool:
                out.write(f"{_WARMUP}\n".encode())
                return tail.other_lines > 0 or not worker.alive()

            wait_until(warm, 60, "a first line through the pipeline", interval=0.1)
            if not worker.alive():
                raise RuntimeError(f"worker exited:\n{worker.log_tail()}")
            time.sleep(0.5)  # let the warm-up lines drain

            def emit(first: int, count: int) -> None:
                out.write(b"".join(stamped_line(first + i) for i in range(count)))

            written = paced(ctx.scale.latency_rate, ctx.scale.latency_seconds, emit)
            wait_until(lambda: len(tail.latencies) >= written, 30, f"all {written} lines in the sink")
        finally:
            tail.stop()
    return list(tail.latencies.values()), written


def raw_latency(ctx: Context) -> tuple[list[float], int]:
    """The same measurement through a plain producer and a plain consumer."""
    topic = unique("bench-latency-raw")
    create_topic(ctx.bootstrap, topic)
    latencies: dict[int, float] = {}
    stop = threading.Event()
    consumer = Consumer(
        {"bootstrap.servers": ctx.bootstrap, "group.id": unique("bench-latency"), **consumer_overrides(ctx)}
    )
    consumer.assign([KafkaTopicPartition(topic, 0, OFFSET_END)])

    def consume() -> None:
        while not stop.is_set():
            for message in consumer.consume(500, 0.05):
                if message.error() is None:
                    seen = latency_of(message.value(), time.perf_counter_ns())
                    if seen is not None:
                        latencies.setdefault(seen[0], seen[1])

    reader = threading.Thread(target=consume, name="raw-latency-consumer", daemon=True)
    producer = Producer(producer_config(ctx.bootstrap))
    try:
        # Warm up like the connectd run: the producer has its id and connection, the consumer its
        # position (OFFSET_END resolved), before the first measured line.
        producer.produce(topic, _WARMUP.encode())
        producer.flush(30)
        consumer.consume(1, 1.0)
        reader.start()
        time.sleep(0.5)

        def emit(first: int, count: int) -> None:
            for i in range(count):
                producer.produce(topic, stamped_line(first + i).rstrip(b"\n"))
            producer.poll(0)

        written = paced(ctx.scale.latency_rate, ctx.scale.latency_seconds, emit)
        producer.flush(30)
        wait_until(lambda: len(latencies) >= written, 30, f"all {written} records consumed")
    finally:
        stop.set()
        reader.join(5)
        consumer.close()
    return list(latencies.values()), written


def run(ctx: Context) -> list[Figure]:
    raw, raw_written = raw_latency(ctx)
    raw50, raw99 = percentile(raw, 50), percentile(raw, 99)
    ctx.log(f"  plain clients: p50 {raw50:.1f} ms, p99 {raw99:.1f} ms")
    measured, written = connectd_latency(ctx)
    p50, p99 = percentile(measured, 50), percentile(measured, 99)
    ctx.log(f"  connectd: p50 {p50:.1f} ms, p99 {p99:.1f} ms over {len(measured)} lines")
    rate = ctx.scale.latency_rate
    return [
        Figure("rate", rate, "lines/s", note=f"for {ctx.scale.latency_seconds:.0f} s; worker flush defaults"),
        Figure("lines measured", len(measured), "lines", note=f"of {written} written"),
        Figure("p50", round(p50, 1), "ms"),
        Figure("p99", round(p99, 1), "ms", "< 100"),
        Figure("max", round(max(measured), 1), "ms"),
        Figure("plain clients p50", round(raw50, 1), "ms", note="baseline: producer -> consumer"),
        Figure("plain clients p99", round(raw99, 1), "ms", note=f"{len(raw)} of {raw_written} lines"),
        Figure("ratio p50", ratio(p50, raw50), "x", note="connectd p50 ÷ plain clients p50"),
        Figure("ratio p99", ratio(p99, raw99), "x", note="connectd p99 ÷ plain clients p99"),
    ]
