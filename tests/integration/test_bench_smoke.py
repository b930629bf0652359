"""Every benchmark of ``python -m bench`` at its tiny scale, so none of them rots.

Benchmarks are not tests: nothing here checks a timing. Each run must produce its figures, with
numbers present and sane (positive rates, counts that match, no errors, no task restarted in place).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from bench.__main__ import BENCHMARKS, run_benchmarks, table

pytestmark = pytest.mark.integration

# Figures that must be exactly zero whatever the machine: correctness counts, not timings.
ZERO = {
    "restarted without owner change",
    "GET / errors",
    "GET /connectors?expand=status errors",
    "GET /connectors/{name}/status errors",
    "2 processes: GET /connectors?expand=status errors",
    "2 processes: GET /connectors/{name}/status errors",
    "TLS http errors",
    "TLS https errors",
}
# Figures that may be zero (a count of errors or restarts, an idle baseline's fraction of a ms).
MAY_BE_ZERO = ZERO | {"assign() alone"}


def figures_of(result: dict[str, Any]) -> dict[str, float]:
    assert "error" not in result, f"{result['title']} failed: {result['error']}"
    return {f["name"]: f["value"] for f in result["figures"]}


@pytest.mark.parametrize("name", list(BENCHMARKS))
def test_benchmark_runs_at_tiny_scale(name: str, bootstrap_servers: str, tmp_path: Path) -> None:
    results = run_benchmarks([name], "tiny", tmp_path, log=print, bootstrap=bootstrap_servers)
    figures = figures_of(results[name])
    print(table(results))
    assert figures, f"{name} reported no figures"
    for figure, value in figures.items():
        assert isinstance(value, int | float) and math.isfinite(value), f"{name}: {figure} = {value!r}"
        if figure in ZERO:
            assert value == 0, f"{name}: {figure} = {value}, expected 0"
        elif figure not in MAY_BE_ZERO and "removal" not in figure:
            assert value > 0, f"{name}: {figure} = {value}, expected a positive number"
    if name == "latency":
        assert figures["lines measured"] > 0
    if name == "rest":
        assert not any(f.endswith("errors") and v for f, v in figures.items())
