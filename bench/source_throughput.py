"""1. Source throughput: FileStreamSource -> Kafka, against a plain producer sending the same file.

Both rates are measured alike, from the topic: lines / (the moment the last record can be read - the
create timestamp of the first record), so process start-up is left out and both count acknowledged
lines, not lines merely handed to the client library.
"""

from __future__ import annotations

from pathlib import Path

from confluent_kafka import Producer

from bench.common import (
    JSON_CONVERTER,
    STRING_CONVERTER,
    Context,
    DeliveryProbe,
    Figure,
    Standalone,
    create_topic,
    file_values,
    produce_all,
    producer_config,
    ratio,
    unique,
    write_lines,
)

NAME = "source"
TITLE = "1. source throughput (FileStreamSource -> Kafka)"


def lines_file(ctx: Context) -> Path:
    """The run's file of ``scale.lines`` 100-byte lines, written once and shared by the benchmarks."""
    path = ctx.workdir / "lines.txt"
    if not path.exists():
        write_lines(path, ctx.scale.lines)
    return path


def raw_produce(ctx: Context, source: Path) -> float:
    topic = unique("bench-raw-produce")
    create_topic(ctx.bootstrap, topic)
    probe = DeliveryProbe(ctx.bootstrap, topic, ctx.scale.lines, 120).start()
    producer = Producer(producer_config(ctx.bootstrap))
    produce_all(producer, topic, file_values(source))
    left = producer.flush(120)
    if left:
        raise RuntimeError(f"{left} records not delivered by the plain producer")
    rate, _ = probe.rate()
    return rate


def connectd_source(
    ctx: Context, source: Path, converter: str, label: str, extra: dict[str, str] | None = None
) -> tuple[float, str]:
    """Lines/s of ``connectd standalone`` running one FileStreamSource task (with ``extra`` connector
    keys, e.g. transforms); returns the topic too."""
    topic = unique(f"bench-source-{label}")
    create_topic(ctx.bootstrap, topic)
    connector = {
        "name": f"bench-source-{label}",
        "connector.class": "FileStreamSource",
        "file": str(source),
        "topic": topic,
        "tasks.max": "1",
        "value.converter": converter,
        "value.converter.schemas.enable": "false",
        **(extra or {}),
    }
    timeout = 60 + ctx.scale.lines / 2000  # generous: a stuck run fails instead of hanging
    probe = DeliveryProbe(ctx.bootstrap, topic, ctx.scale.lines, timeout).start()
    with Standalone(ctx.subdir(f"source-{label}"), ctx.bootstrap, [connector]) as worker:
        try:
            rate, _ = probe.rate()
        except TimeoutError as exc:
            raise RuntimeError(f"{exc}; worker log:\n{worker.log_tail()}") from None
    return rate, topic


def run(ctx: Context) -> list[Figure]:
    source = lines_file(ctx)
    baseline = raw_produce(ctx, source)
    ctx.log(f"  plain producer: {baseline:,.0f} lines/s")
    string_rate, topic = connectd_source(ctx, source, STRING_CONVERTER, "string")
    ctx.log(f"  connectd, StringConverter: {string_rate:,.0f} lines/s")
    ctx.shared["string_topic"] = topic
    json_rate, _ = connectd_source(ctx, source, JSON_CONVERTER, "json")
    ctx.log(f"  connectd, JsonConverter: {json_rate:,.0f} lines/s")
    lines = ctx.scale.lines
    return [
        Figure("lines", lines, "lines", note="100-byte lines, one partition, tasks.max=1"),
        Figure(
            "plain producer", round(baseline), "lines/s", note="baseline: confluent-kafka Producer, same file"
        ),
        Figure("connectd StringConverter", round(string_rate), "lines/s"),
        Figure("connectd JsonConverter", round(json_rate), "lines/s", note="schemas.enable=false"),
        Figure(
            "ratio StringConverter",
            ratio(string_rate, baseline),
            "x",
            "≥ 0.6",
            "connectd lines/s ÷ plain producer lines/s",
        ),
        Figure(
            "ratio JsonConverter",
            ratio(json_rate, baseline),
            "x",
            note="connectd lines/s ÷ plain producer lines/s",
        ),
    ]
