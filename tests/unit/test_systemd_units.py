"""The systemd units in deploy/systemd parse (``systemd-analyze verify``; skipped where it is missing)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

UNITS = Path(__file__).resolve().parents[2] / "deploy" / "systemd"


def test_every_unit_verifies(tmp_path: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed (Debian: systemd); the units are not checked")
    units = sorted(UNITS.glob("*.service"))
    assert {u.name for u in units} >= {
        "connectd-coordinator.service",
        "connectd-offset-store.service",
        "connectd-worker@.service",
        "connectd-gateway.service",
        "connectd-standalone.service",
    }
    for unit in units:
        # A template verifies as an instance of it: the worker on REST port 8083.
        target = tmp_path / unit.name.replace("@.", "@8083.")
        shutil.copy(unit, target)
        result = subprocess.run(["systemd-analyze", "verify", str(target)], capture_output=True, text=True)
        problems = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
        assert result.returncode == 0 and not problems, f"{unit.name}: {problems}"
        text = unit.read_text()
        assert "Restart=on-failure" in text and "/etc/connectd/" in text, (
            f"{unit.name}: no restart or no config"
        )
