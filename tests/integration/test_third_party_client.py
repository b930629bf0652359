"""A third-party Kafka Connect client, unchanged, against the gateway in both modes: the ``kc`` command
of ``kafka-connect-py`` (a test dependency) drives a connector through its whole life.

``kc`` prints an HTTP error instead of failing (exit status 0), so every call here parses its output:
a command that should print JSON must print JSON, one that should print nothing must print nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.integration.connect_modes import ConnectUnderTest

pytestmark = pytest.mark.integration

KC = Path(sys.executable).with_name("kc")


def kc(connect: ConnectUnderTest, *args: str) -> Any:
    """Run ``kc --url <gateway> args...``: its JSON output, or None when it printed nothing."""
    assert KC.exists(), f"expected the kc command of kafka-connect-py at {KC} (pip install -e '.[test]')"
    result = subprocess.run(
        [str(KC), "--url", connect.url, *args], capture_output=True, text=True, timeout=60, check=False
    )
    command = f"kc {' '.join(args)} ({connect.mode})"
    assert result.returncode == 0, f"{command}: exit {result.returncode}\n{result.stdout}{result.stderr}"
    out = result.stdout.strip()
    if not out:
        return None
    try:
        parsed = json.loads(out)
    except ValueError:
        raise AssertionError(f"{command}: expected JSON or nothing, kc printed:\n{out}") from None
    # Some kc commands print the gateway's error body as they received it.
    assert not (isinstance(parsed, dict) and "error_code" in parsed), f"{command}: the gateway refused: {out}"
    return parsed


def kc_state(connect: ConnectUnderTest, name: str) -> tuple[str, list[str]]:
    status = kc(connect, "status", name)
    return status["connector"]["state"], [t["state"] for t in status["tasks"]]


def wait_kc_state(connect: ConnectUnderTest, name: str, state: str) -> None:
    """Wait over plain HTTP (one kc process per poll is slow), then check what kc reports."""
    connect.wait_state(name, state, tasks=1)
    assert kc_state(connect, name) == (state, [state]), f"kc status {name} ({connect.mode})"


def test_kc_drives_a_connector_through_its_life(clean_connect: ConnectUnderTest, unique_name: str) -> None:
    connect = clean_connect
    name = unique_name
    source_file = connect.workdir / f"{name}.in.txt"
    source_file.touch()
    config = {
        "connector.class": "FileStreamSource",
        "file": str(source_file),
        "topic": f"t-{name}",
        "topic.creation.default.partitions": "1",
        "topic.creation.default.replication.factor": "-1",
    }

    info = kc(connect, "info")
    assert info["version"] == "4.1.0", f"kc info: {info}"

    created = kc(connect, "create", "--config-data", json.dumps({"name": name, "config": config}))
    assert created["name"] == name and created["config"] == {**config, "name": name}, f"kc create: {created}"
    assert kc(connect, "list") == [name]
    wait_kc_state(connect, name, "RUNNING")
    listed = kc(connect, "list", "--expand", "status", "--state", "RUNNING")
    assert list(listed) == [name] and listed[name]["status"]["name"] == name, f"kc list -e status: {listed}"

    assert kc(connect, "config", name) == {**config, "name": name}
    assert kc(connect, "get", name)["type"] == "source"
    updated = kc(connect, "update", name, "--config-data", json.dumps({**config, "batch.size": "7"}))
    assert updated["config"]["batch.size"] == "7", f"kc update: {updated}"
    wait_kc_state(connect, name, "RUNNING")
    [task] = kc(connect, "list-tasks", name)
    assert task["id"] == {"connector": name, "task": 0}, f"kc list-tasks: {task}"
    assert kc(connect, "task-status", name, "0")["state"] == "RUNNING"

    assert kc(connect, "pause", name) is None
    wait_kc_state(connect, name, "PAUSED")
    assert kc(connect, "resume", name) is None
    wait_kc_state(connect, name, "RUNNING")

    # kc prints the connector's status after a restart; without flags the gateway answers 204.
    assert kc(connect, "restart", name)["name"] == name
    wait_kc_state(connect, name, "RUNNING")
    restarted = kc(connect, "restart", name, "--include-tasks")
    assert restarted["name"] == name, f"kc restart --include-tasks: {restarted}"
    wait_kc_state(connect, name, "RUNNING")
    assert kc(connect, "restart-task", name, "0") is None
    wait_kc_state(connect, name, "RUNNING")

    plugins = kc(connect, "list-plugins")
    assert any(p["class"].endswith("FileStreamSourceConnector") for p in plugins), (
        f"kc list-plugins: {plugins}"
    )

    assert kc(connect, "delete", name) is None
    assert kc(connect, "list") == []
