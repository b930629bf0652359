"""The cost of recording metrics on the record path: the source and sink benchmarks with
``metrics.enabled=true`` (the default) and ``false``, as a ratio (goal >= 0.95).

Runs alternate (on, off, off, on, ...) and the median of the pairs' ratios is reported: on a shared
machine one run's rate moves with the load of the moment more than metrics move it."""

from __future__ import annotations

import statistics

from bench.common import Context, Figure, ratio
from bench.sink_throughput import connectd_sink, filled_topic
from bench.source_throughput import STRING_CONVERTER, connectd_source, lines_file

NAME = "metrics"
TITLE = "9. cost of metrics (source and sink, metrics.enabled on vs off)"
ROUNDS = {"full": 3, "tiny": 1}
OFF = {"metrics.enabled": "false"}


def _pairs(ctx: Context, run: object, what: str) -> tuple[list[float], list[float]]:
    """Rates with and without metrics, ``ROUNDS`` pairs, the first of a pair alternating."""
    on: list[float] = []
    off: list[float] = []
    for round_ in range(ROUNDS.get(ctx.scale.name, 1)):
        order = (True, False) if round_ % 2 == 0 else (False, True)
        for enabled in order:
            rate = run(enabled, round_)  # type: ignore[operator]
            (on if enabled else off).append(rate)
            ctx.log(f"  {what}, metrics {'on' if enabled else 'off'}: {rate:,.0f} lines/s")
    return on, off


def run(ctx: Context) -> list[Figure]:
    source = lines_file(ctx)

    def source_rate(enabled: bool, round_: int) -> float:
        label = f"metrics-{'on' if enabled else 'off'}-{round_}"
        return connectd_source(ctx, source, STRING_CONVERTER, label, settings=None if enabled else OFF)[0]

    topic = filled_topic(ctx)

    def sink_rate(enabled: bool, round_: int) -> float:
        label = f"sink-metrics-{'on' if enabled else 'off'}-{round_}"
        return connectd_sink(ctx, topic, label, settings=None if enabled else OFF)

    figures: list[Figure] = []
    for what, rate in (("source", source_rate), ("sink", sink_rate)):
        on, off = _pairs(ctx, rate, what)
        pair_ratios = [ratio(a, b) for a, b in zip(on, off, strict=True)]
        figures += [
            Figure(f"{what}, metrics on", round(statistics.median(on)), "lines/s"),
            Figure(
                f"{what}, metrics off", round(statistics.median(off)), "lines/s", note="metrics.enabled=false"
            ),
            Figure(
                f"{what} ratio",
                round(statistics.median(pair_ratios), 3),
                "x",
                "≥ 0.95",
                f"lines/s with ÷ without metrics, median of {len(pair_ratios)} pairs",
            ),
        ]
    return figures
