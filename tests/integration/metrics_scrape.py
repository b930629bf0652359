"""Reading a role's ``/metrics`` in tests: fetch, look series up by name and labels, lint with promtool."""

from __future__ import annotations

import shutil
import subprocess
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

PROMTOOL = shutil.which("promtool")


def scrape(url: str) -> str:
    with urllib.request.urlopen(f"{url}/metrics", timeout=10) as response:
        assert response.status == 200, f"GET {url}/metrics: expected 200, saw {response.status}"
        return response.read().decode()


def value(text: str, name: str, **labels: str) -> float | None:
    """The value of the series ``name`` whose labels include ``labels``; None when there is none."""
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return None


def promtool_problems(text: str) -> list[str]:
    """``promtool check metrics`` on ``text``: its complaints (none: clean). Skips without promtool."""
    if PROMTOOL is None:
        pytest.skip("promtool is not installed (Debian package prometheus; .ci/run installs it as root)")
    result = subprocess.run(
        [PROMTOOL, "check", "metrics"], input=text.encode(), capture_output=True, timeout=60, check=False
    )
    problems = [line for line in (result.stdout + result.stderr).decode().splitlines() if line.strip()]
    assert result.returncode in (0, 3), f"promtool could not parse the output: {problems}"
    return problems


def is_strimzi_name(problem: str) -> bool:
    """Strimzi's names keep Kafka's units and suffixes (``_ms``, ``_count``): promtool flags them, by
    design of its JMX exporter rules. Ours all have the group's ``_metrics_`` in them."""
    name = problem.split()[0]
    return name.startswith("kafka_connect_") and "_metrics_" not in name
