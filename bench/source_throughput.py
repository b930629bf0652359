"""1. Source throughput: FileStreamSource -> Kafka, against a plain producer sending the same file.

Both rates are measured alike, from the topic: lines / (the moment the last record can be read - the
create timestamp of the first record), so process start-up is left out and both count acknowledged
lines, not lines merely handed to the client library.

The cost of securing gRPC between roles (issue 13) is measured in the same run: the same source on a
one-worker distributed cluster, plaintext and then ``--secure`` (mutual TLS and the cluster token), the
worker committing its offsets to the offset store over gRPC every second.
"""

from __future__ import annotations

import time
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
    http_json,
    produce_all,
    producer_config,
    ratio,
    unique,
    write_lines,
)
from services.cluster_launcher import LocalCluster

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


# Every second, so that the run commits offsets over gRPC throughout (the default, 60 s, would commit
# only at the end of a run of a few seconds and leave TLS out of the measure).
DISTRIBUTED_FLUSH_MS = "1000"


def distributed_source(ctx: Context, source: Path, secure: bool) -> float:
    """Lines/s of the same FileStreamSource on a one-worker distributed cluster (no gateway), plaintext
    or with mutual TLS and the cluster token between the roles."""
    label = "secure" if secure else "plaintext"
    topic = unique(f"bench-source-distributed-{label}")
    create_topic(ctx.bootstrap, topic)
    cluster = LocalCluster(
        ctx.subdir(f"source-distributed-{label}"),
        group_id=unique(f"bench-source-{label}"),
        bootstrap_servers=ctx.bootstrap,
        settings={
            "offset.flush.interval.ms": DISTRIBUTED_FLUSH_MS,
            "key.converter": STRING_CONVERTER,
            "value.converter": STRING_CONVERTER,
        },
        with_gateway=False,
        secure=secure,
    )
    timeout = 60 + ctx.scale.lines / 2000
    try:
        cluster.start(workers=1)
        probe = DeliveryProbe(ctx.bootstrap, topic, ctx.scale.lines, timeout).start()
        config = {
            "connector.class": "FileStreamSource",
            "file": str(source),
            "topic": topic,
            "tasks.max": "1",
        }
        url = f"{cluster.rest_url}/connectors/bench-source-{label}/config"
        code, body = http_json(url, "PUT", config, context=cluster.rest_ssl_context)
        if code != 201:
            raise RuntimeError(f"creating the {label} source: HTTP {code} {body}")
        try:
            rate, _ = probe.rate()
        except TimeoutError as exc:
            raise RuntimeError(f"{exc}; worker log:\n{cluster.workers[0].log_tail()}") from None
        # One more flush interval: the commits of the end of the run go over gRPC too before the stop.
        time.sleep(int(DISTRIBUTED_FLUSH_MS) / 1000)
    finally:
        cluster.stop()
    return rate


def run(ctx: Context) -> list[Figure]:
    source = lines_file(ctx)
    baseline = raw_produce(ctx, source)
    ctx.log(f"  plain producer: {baseline:,.0f} lines/s")
    string_rate, topic = connectd_source(ctx, source, STRING_CONVERTER, "string")
    ctx.log(f"  connectd, StringConverter: {string_rate:,.0f} lines/s")
    ctx.shared["string_topic"] = topic
    json_rate, _ = connectd_source(ctx, source, JSON_CONVERTER, "json")
    ctx.log(f"  connectd, JsonConverter: {json_rate:,.0f} lines/s")
    plaintext_rate = distributed_source(ctx, source, secure=False)
    ctx.log(f"  connectd distributed, plaintext gRPC: {plaintext_rate:,.0f} lines/s")
    secure_rate = distributed_source(ctx, source, secure=True)
    ctx.log(f"  connectd distributed, mTLS + token: {secure_rate:,.0f} lines/s")
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
        Figure(
            "distributed, plaintext gRPC",
            round(plaintext_rate),
            "lines/s",
            note=f"one worker, StringConverter, offsets committed every {DISTRIBUTED_FLUSH_MS} ms",
        ),
        Figure("distributed, mTLS + token", round(secure_rate), "lines/s", note="connectd cluster --secure"),
        Figure(
            "ratio secure gRPC",
            ratio(secure_rate, plaintext_rate),
            "x",
            note="mTLS + token lines/s ÷ plaintext lines/s, same file, same run",
        ),
    ]
