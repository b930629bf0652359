"""1. Source throughput: FileStreamSource -> Kafka, against a plain producer sending the same file.

Both rates are measured alike, from the topic: lines / (the moment the last record can be read - the
create timestamp of the first record), so process start-up is left out and both count acknowledged
lines, not lines merely handed to the client library.

The cost of securing gRPC between roles (issue 13) is measured in the same run: the same source on a
one-worker distributed cluster, plaintext and then ``--secure`` (mutual TLS and the cluster token), the
worker committing its offsets to the offset store over gRPC every second.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

from bench.common import (
    JSON_CONVERTER,
    STRING_CONVERTER,
    Context,
    DeliveryProbe,
    Figure,
    child_env,
    cpu_seconds,
    create_topic,
    http_json,
    measure_source,
    ratio,
    unique,
    wait_until,
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


class SourceRun(NamedTuple):
    rate: float  # lines/s, from the topic
    topic: str
    cpu_s: float  # CPU seconds of the producing process (all its threads) while it produced the file


def raw_produce(ctx: Context, source: Path) -> SourceRun:
    """The plain producer in a child process of its own, so that its CPU time is its own."""
    topic = unique("bench-raw-produce")
    create_topic(ctx.bootstrap, topic)
    probe = DeliveryProbe(ctx.bootstrap, topic, ctx.scale.lines, 120).start()
    done = subprocess.run(
        [sys.executable, "-m", "bench.plain_producer", ctx.bootstrap, topic, str(source)],
        capture_output=True,
        text=True,
        timeout=300,
        env=child_env(),
    )
    if done.returncode != 0:
        raise RuntimeError(f"the plain producer failed: {done.stderr[-2000:]}")
    rate, _ = probe.rate()
    return SourceRun(rate, topic, float(done.stdout.split()[-1]))


def connectd_source(
    ctx: Context,
    source: Path,
    converter: str,
    label: str,
    extra: dict[str, str] | None = None,
    settings: dict[str, str] | None = None,
) -> SourceRun:
    """Lines/s of ``connectd standalone`` running one FileStreamSource task (with ``extra`` connector
    keys, e.g. transforms, and ``settings`` worker keys), created once the worker answers, so that
    its CPU time counts from the connector's creation to the last record."""
    topic = unique(f"bench-source-{label}")
    create_topic(ctx.bootstrap, topic)
    connector = {
        "connector.class": "FileStreamSource",
        "file": str(source),
        "topic": topic,
        "tasks.max": "1",
        "value.converter": converter,
        "value.converter.schemas.enable": "false",
        **(extra or {}),
    }
    timeout = 60 + ctx.scale.lines / 2000  # generous: a stuck run fails instead of hanging
    rate, cpu = measure_source(ctx, f"source-{label}", connector, topic, ctx.scale.lines, timeout, settings)
    return SourceRun(rate, topic, cpu)


# Every second, so that the run commits offsets over gRPC throughout (the default, 60 s, would commit
# only at the end of a run of a few seconds and leave TLS out of the measure).
DISTRIBUTED_FLUSH_MS = "1000"
# Plaintext and secure run in pairs, back to back, the first of a pair alternating: on a shared machine
# one pair's ratio moves by ±20% with the load of the moment, the median of the pairs' ratios less.
DISTRIBUTED_ROUNDS = {"full": 3, "tiny": 1}


def distributed_source(ctx: Context, source: Path, secure: bool, round_: int) -> tuple[float, float]:
    """(lines/s, the worker's CPU seconds meanwhile) of the same FileStreamSource on a one-worker
    distributed cluster (no gateway), plaintext or with mutual TLS and the cluster token between roles."""
    label = f"{'secure' if secure else 'plaintext'}-{round_}"
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
        worker = cluster.workers[0]
        probe = DeliveryProbe(ctx.bootstrap, topic, ctx.scale.lines, timeout).start()
        config = {
            "connector.class": "FileStreamSource",
            "file": str(source),
            "topic": topic,
            "tasks.max": "1",
        }
        url = f"{cluster.rest_url}/connectors/bench-source-{label}/config"
        cpu_before = cpu_seconds(worker.pid)
        # The worker may not have joined its group yet (503: no live worker to validate the config).
        code, body = wait_until(
            lambda: (
                (answer := http_json(url, "PUT", config, context=cluster.rest_ssl_context))[0] != 503
                and answer
            ),
            30,
            "a worker of the group to validate the config",
        )
        if code != 201:
            raise RuntimeError(f"creating the {label} source: HTTP {code} {body}")
        try:
            rate, _ = probe.rate()
        except TimeoutError as exc:
            raise RuntimeError(f"{exc}; worker log:\n{worker.log_tail()}") from None
        cpu = cpu_seconds(worker.pid) - cpu_before
    finally:
        cluster.stop()
    return rate, cpu


def secure_grpc_cost(ctx: Context, source: Path) -> list[Figure]:
    """Plaintext and secure in turns; medians of the rates and CPU times, and of the pairs' ratios."""
    pairs = []
    for round_ in range(DISTRIBUTED_ROUNDS.get(ctx.scale.name, 1)):
        # Which goes first alternates: a later run meets a broker holding more records.
        first_secure = round_ % 2 == 1
        first = distributed_source(ctx, source, secure=first_secure, round_=round_)
        second = distributed_source(ctx, source, secure=not first_secure, round_=round_)
        plain, secure = (second, first) if first_secure else (first, second)
        ctx.log(
            f"  connectd distributed, round {round_ + 1}: plaintext {plain[0]:,.0f} lines/s "
            f"({plain[1]:.1f} s CPU), mTLS + token {secure[0]:,.0f} lines/s ({secure[1]:.1f} s CPU)"
        )
        pairs.append((plain, secure))
    rounds = f"median of {len(pairs)} rounds, plaintext and secure in turns"
    per_million = 1_000_000 / ctx.scale.lines
    return [
        Figure(
            "distributed, plaintext gRPC",
            round(statistics.median(p[0] for p, _ in pairs)),
            "lines/s",
            note=f"one worker, StringConverter, offsets committed every {DISTRIBUTED_FLUSH_MS} ms; {rounds}",
        ),
        Figure(
            "distributed, mTLS + token",
            round(statistics.median(s[0] for _, s in pairs)),
            "lines/s",
            note=f"connectd cluster --secure; {rounds}",
        ),
        Figure(
            "ratio secure gRPC",
            round(statistics.median(s[0] / p[0] for p, s in pairs), 3),
            "x",
            note="mTLS + token lines/s ÷ plaintext lines/s of the same round, median",
        ),
        Figure(
            "worker CPU, plaintext",
            round(statistics.median(p[1] for p, _ in pairs) * per_million, 2),
            "s per 1M lines",
            note="the worker process's CPU time from the connector's creation to the last record, median",
        ),
        Figure(
            "worker CPU, mTLS + token",
            round(statistics.median(s[1] for _, s in pairs) * per_million, 2),
            "s per 1M lines",
        ),
        Figure(
            "ratio secure gRPC, worker CPU",
            round(statistics.median(s[1] / p[1] for p, s in pairs), 3),
            "x",
            note="mTLS + token CPU ÷ plaintext CPU of the same round, median (CPU time ignores others' load)",
        ),
    ]


def run(ctx: Context) -> list[Figure]:
    source = lines_file(ctx)
    plain = raw_produce(ctx, source)
    baseline = plain.rate
    ctx.log(f"  plain producer: {baseline:,.0f} lines/s, {plain.cpu_s:.2f} s CPU")
    string = connectd_source(ctx, source, STRING_CONVERTER, "string")
    string_rate = string.rate
    ctx.log(f"  connectd, StringConverter: {string_rate:,.0f} lines/s, worker {string.cpu_s:.2f} s CPU")
    ctx.shared["string_topic"] = string.topic
    json = connectd_source(ctx, source, JSON_CONVERTER, "json")
    json_rate = json.rate
    ctx.log(f"  connectd, JsonConverter: {json_rate:,.0f} lines/s, worker {json.cpu_s:.2f} s CPU")
    grpc_cost = secure_grpc_cost(ctx, source)
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
            "CPU ratio StringConverter",
            ratio(plain.cpu_s, string.cpu_s),
            "x",
            note=(
                f"plain producer process CPU ({plain.cpu_s:.2f} s) ÷ connectd worker CPU "
                f"({string.cpu_s:.2f} s) for the same file: the cost per line, which other processes' "
                "load does not move"
            ),
        ),
        *grpc_cost,
    ]
