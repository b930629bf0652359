"""The cost of recording metrics on the record path: the source and sink benchmarks with
``metrics.enabled=true`` (the default) and ``false``, as ratios (goal >= 0.95).

Runs alternate (on, off, off, on, ...) and the medians of the pairs' ratios are reported: on a shared
machine one run's rate moves with the load of the moment more than metrics move it. The worker's CPU
time for the same lines is the steadier measure of a cost per line: it accrues only while the worker
runs."""

from __future__ import annotations

import statistics
from collections.abc import Callable

from bench.common import Context, Figure, ratio
from bench.sink_throughput import connectd_sink, filled_topic
from bench.source_throughput import STRING_CONVERTER, connectd_source, lines_file

NAME = "metrics"
TITLE = "9. cost of metrics (source and sink, metrics.enabled on vs off)"
ROUNDS = {"full": 3, "tiny": 1}
OFF = {"metrics.enabled": "false"}
Run = tuple[float, float]  # lines/s, worker CPU seconds


def _pairs(ctx: Context, run: Callable[[bool, int], Run], what: str) -> tuple[list[Run], list[Run]]:
    """Runs with and without metrics, ``ROUNDS`` pairs, the first of a pair alternating."""
    on: list[Run] = []
    off: list[Run] = []
    for round_ in range(ROUNDS.get(ctx.scale.name, 1)):
        order = (True, False) if round_ % 2 == 0 else (False, True)
        for enabled in order:
            rate, cpu = run(enabled, round_)
            (on if enabled else off).append((rate, cpu))
            ctx.log(f"  {what}, metrics {'on' if enabled else 'off'}: {rate:,.0f} lines/s, {cpu:.2f} s CPU")
    return on, off


def run(ctx: Context) -> list[Figure]:
    source = lines_file(ctx)

    def source_run(enabled: bool, round_: int) -> Run:
        label = f"metrics-{'on' if enabled else 'off'}-{round_}"
        result = connectd_source(ctx, source, STRING_CONVERTER, label, settings=None if enabled else OFF)
        return result.rate, result.cpu_s

    topic = filled_topic(ctx)

    def sink_run(enabled: bool, round_: int) -> Run:
        label = f"sink-metrics-{'on' if enabled else 'off'}-{round_}"
        result = connectd_sink(ctx, topic, label, settings=None if enabled else OFF)
        return result.rate, result.cpu_s

    figures: list[Figure] = []
    for what, one_run in (("source", source_run), ("sink", sink_run)):
        on, off = _pairs(ctx, one_run, what)
        pairs = list(zip(on, off, strict=True))
        rate_ratios = [ratio(a[0], b[0]) for a, b in pairs]
        cpu_ratios = [ratio(b[1], a[1]) for a, b in pairs]
        figures += [
            Figure(f"{what}, metrics on", round(statistics.median(r for r, _ in on)), "lines/s"),
            Figure(
                f"{what}, metrics off",
                round(statistics.median(r for r, _ in off)),
                "lines/s",
                note="metrics.enabled=false",
            ),
            Figure(
                f"{what} ratio",
                round(statistics.median(rate_ratios), 3),
                "x",
                note=f"lines/s with ÷ without metrics, median of {len(pairs)} pairs",
            ),
            Figure(
                f"{what} CPU ratio",
                round(statistics.median(cpu_ratios), 3),
                "x",
                "≥ 0.95",
                f"worker CPU without ÷ with metrics for the same lines, median of {len(pairs)} pairs",
            ),
        ]
    return figures
