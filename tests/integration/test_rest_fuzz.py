"""Fuzzing the live gateway from its own ``/openapi.json`` with schemathesis, in both modes.

A client mistake must never be a 5xx (500 is for real internal failures), so the only check is
``not_a_server_error``. The run is bounded: a few examples per operation, one schemathesis worker,
a fixed seed so a failure can be replayed with the command printed in the assertion.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.connect_modes import ConnectUnderTest

pytestmark = pytest.mark.integration

SCHEMATHESIS = Path(sys.executable).with_name("st")
MAX_EXAMPLES = 8
SEED = 20251123


def test_no_server_error_for_any_generated_request(clean_connect: ConnectUnderTest) -> None:
    connect = clean_connect
    assert SCHEMATHESIS.exists(), f"expected schemathesis' st at {SCHEMATHESIS} (pip install -e '.[test]')"
    command = [
        str(SCHEMATHESIS), "run", f"{connect.url}/openapi.json",
        "--checks", "not_a_server_error",
        "--phases", "examples,coverage,fuzzing",
        "--max-examples", str(MAX_EXAMPLES),
        "--seed", str(SEED),
        "--workers", "1",
        "--request-timeout", "30",
        "--no-shrink",
        "--report", "junit",
        "--report-dir", str(connect.workdir / "schemathesis"),
    ]  # fmt: skip
    # Generated configs may name files: keep them in the test's own directory.
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=240, check=False, cwd=connect.workdir
    )
    output = (result.stdout + result.stderr).strip()
    print(output[-4000:])  # the summary: shown with -rP, or when the test fails
    assert result.returncode == 0, (
        f"expected no 5xx from the {connect.mode} gateway; schemathesis exited {result.returncode}.\n"
        f"Replay: {' '.join(command)}\n{output[-8000:]}"
    )
