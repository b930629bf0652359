"""``connectd standalone`` with ``log.format=json``: every line of its log is a JSON object, and the
task's lines name the connector and the task as fields."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.standalone_harness import StandaloneWorker, wait_for, write_properties

pytestmark = pytest.mark.integration


def test_standalone_logs_one_json_object_per_line(
    tmp_path: Path, bootstrap_servers: str, unique_name: str
) -> None:
    source_file = tmp_path / "in.txt"
    source_file.write_text("a line\n")
    source = write_properties(
        tmp_path / "source.properties",
        {
            "name": "src",
            "connector.class": "FileStreamSource",
            "file": str(source_file),
            "topic": f"t-{unique_name}",
            "topic.creation.default.partitions": "1",
            "topic.creation.default.replication.factor": "-1",
        },
    )
    worker = StandaloneWorker(tmp_path, bootstrap_servers, {"log.format": "json"})
    try:
        worker.start(source)
        worker.wait_running("src")

        def task_running() -> dict | None:
            entries = [json.loads(line) for line in worker.log_path.read_text().splitlines()]
            return next((e for e in entries if e["message"] == "task src-0 running"), None)

        entry = wait_for(task_running, 30, "the task's 'running' line")
        assert (entry["connector"], entry["task"]) == ("src", 0)
        assert entry["role"] == "standalone" and entry["worker"] == f"127.0.0.1:{worker.port}"
        assert worker.terminate() == 0
        entries = [json.loads(line) for line in worker.log_path.read_text().splitlines()]
        assert {"ts", "level", "logger", "role", "process", "message"} <= set(entries[0])
        assert any(e.get("connector") == "src" and "task" not in e for e in entries), "the connector's start"
    finally:
        worker.close()
