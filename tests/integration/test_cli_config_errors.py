"""Every config mistake at startup is one line on stderr naming the key, and exit code 2: no
traceback, for standalone and for every role."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.standalone_harness import REPO_ROOT, write_properties

pytestmark = pytest.mark.integration

BAD_VALUES = {
    "listeners": "http://127.0.0.1:notaport",
    "rest.port": "-5",
    "grpc.port": "70000",
    "coordinator.address": "no-port-here",
    "admin.listeners": "https://127.0.0.1:notaport",
    "rest.advertised.listener": "ftp",
}


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "services.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )


@pytest.mark.parametrize("key", sorted(BAD_VALUES))
@pytest.mark.parametrize("role", ["standalone", "coordinator", "offset-store", "worker", "gateway"])
def test_a_bad_value_is_one_line_naming_the_key(role: str, key: str, tmp_path: Path) -> None:
    props = write_properties(
        tmp_path / "worker.properties",
        {"offset.storage.file.filename": str(tmp_path / "offsets"), "group.id": "g", key: BAD_VALUES[key]},
    )
    result = run_cli(role, str(props))
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, f"{role}: expected exit code 2, saw {result.returncode}: {result.stderr}"
    assert len(lines) == 1 and key in lines[0] and "Traceback" not in result.stderr, (
        f"{role}: expected one line naming {key}; saw:\n{result.stderr}"
    )
