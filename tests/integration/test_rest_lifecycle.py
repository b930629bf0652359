"""Lifecycle routes in both modes: pause, resume, stop, restarts (KIP-745), task status, PATCH config,
``initial_state`` and ``tasks.max`` changes — with data where the behaviour is about data."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.integration.connect_modes import ConnectUnderTest, start_file_pipeline
from tests.integration.standalone_harness import append, make_lines, read_lines, wait_for

pytestmark = pytest.mark.integration

IDLE = "lifecycle_plugins.IdleSourceConnector"


def _assert_unchanged(what: str, read: Any, expected: Any, window_s: float = 1.5) -> None:
    """Asserting that nothing happens needs an observation window; it fails at the first change."""
    deadline = time.monotonic() + window_s
    while time.monotonic() < deadline:
        seen = read()
        assert seen == expected, f"{what}: expected it to stay {expected!r} while paused, saw {seen!r}"
        time.sleep(0.1)


def test_pause_stops_data_and_resume_loses_nothing(
    clean_connect: ConnectUnderTest, tmp_path: Path, unique_name: str
) -> None:
    connect = clean_connect
    source_file, sink_file = start_file_pipeline(connect, tmp_path, unique_name, make_lines(200))
    src, sink = f"{unique_name}-src", f"{unique_name}-sink"

    # Source paused: nothing is read from the file, nothing reaches the sink.
    code, body = connect.request("PUT", f"/connectors/{src}/pause")
    assert (code, body) == (202, None), f"pause: expected 202 with no body, got {code} {body}"
    status = connect.wait_state(src, "PAUSED", tasks=1)
    assert status["tasks"][0]["state"] == "PAUSED", status
    second = make_lines(300, start=200)
    append(source_file, second)
    _assert_unchanged("sink file while the source is paused", lambda: len(read_lines(sink_file)), 200)
    assert connect.request("PUT", f"/connectors/{src}/pause")[0] == 202, "pause is idempotent"

    # Sink paused, source resumed: records reach the topic but are not delivered.
    assert connect.request("PUT", f"/connectors/{sink}/pause")[0] == 202
    connect.wait_state(sink, "PAUSED", tasks=1)
    assert connect.request("PUT", f"/connectors/{src}/resume")[0] == 202
    connect.wait_state(src, "RUNNING", tasks=1)
    _assert_unchanged("sink file while the sink is paused", lambda: len(read_lines(sink_file)), 200)

    assert connect.request("PUT", f"/connectors/{sink}/resume")[0] == 202
    connect.wait_state(sink, "RUNNING", tasks=1)
    expected = make_lines(500)
    wait_for(lambda: read_lines(sink_file) == expected, 60, "all 500 lines, in order, once each")


def test_stop_clears_tasks_and_resume_regenerates_them(
    clean_connect: ConnectUnderTest, tmp_path: Path, unique_name: str
) -> None:
    connect = clean_connect
    name = f"{unique_name}-idle"
    connect.create(name, {"connector.class": IDLE, "tasks.max": "2"})
    connect.wait_state(name, "RUNNING", tasks=2)

    code, body = connect.request("PUT", f"/connectors/{name}/stop")
    assert (code, body) == (204, None), f"stop: expected 204, got {code} {body}"
    status = connect.wait_state(name, "STOPPED", tasks=0)
    assert status["tasks"] == [], status
    assert connect.request("GET", f"/connectors/{name}/tasks") == (200, [])
    assert connect.request("PUT", f"/connectors/{name}/stop")[0] == 204, "stop is idempotent"

    assert connect.request("PUT", f"/connectors/{name}/resume")[0] == 202
    connect.wait_state(name, "RUNNING", tasks=2)
    code, tasks = connect.request("GET", f"/connectors/{name}/tasks")
    assert code == 200 and [t["id"]["task"] for t in tasks] == [0, 1], tasks


def test_initial_states(clean_connect: ConnectUnderTest, unique_name: str) -> None:
    connect = clean_connect
    stopped, paused = f"{unique_name}-stopped", f"{unique_name}-paused"
    connect.create(stopped, {"connector.class": IDLE, "tasks.max": "1"}, initial_state="STOPPED")
    connect.create(paused, {"connector.class": IDLE, "tasks.max": "1"}, initial_state="paused")
    connect.wait_state(stopped, "STOPPED", tasks=0)
    connect.wait_state(paused, "PAUSED", tasks=0)
    assert connect.request("GET", f"/connectors/{stopped}/tasks") == (200, [])
    assert connect.request("PUT", f"/connectors/{stopped}/resume")[0] == 202
    connect.wait_state(stopped, "RUNNING", tasks=1)
    assert connect.request("PUT", f"/connectors/{paused}/resume")[0] == 202
    connect.wait_state(paused, "RUNNING", tasks=1)


def test_restart_of_a_failed_task_brings_it_back(
    clean_connect: ConnectUnderTest, tmp_path: Path, unique_name: str
) -> None:
    connect = clean_connect
    marker = tmp_path / "fail-now"
    marker.touch()
    name = f"{unique_name}-flaky"
    connect.create(name, {"connector.class": IDLE, "tasks.max": "2", "fail.marker": str(marker)})
    status = connect.wait_state(name, "RUNNING", tasks=2, task_state="FAILED")
    assert all("failing on purpose" in t["trace"] for t in status["tasks"]), status

    # A FAILED task is never restarted unasked, not even once the cause is gone.
    marker.unlink()
    _assert_unchanged(
        "task states after the cause went away",
        lambda: [t["state"] for t in (connect.status(name) or {"tasks": []})["tasks"]],
        ["FAILED", "FAILED"],
    )

    code, body = connect.request("POST", f"/connectors/{name}/tasks/0/restart")
    assert (code, body) == (204, None), f"task restart: expected 204, got {code} {body}"
    code, task = wait_for(
        lambda: (
            (r := connect.request("GET", f"/connectors/{name}/tasks/0/status"))[1]["state"] == "RUNNING" and r
        ),
        30,
        "task 0 RUNNING after its restart",
    )
    assert code == 200 and task["id"] == 0 and task["worker_id"], task

    code, snapshot = connect.request("POST", f"/connectors/{name}/restart?includeTasks=true&onlyFailed=true")
    assert code == 202, f"restart with flags: expected 202, got {code} {snapshot}"
    assert snapshot["connector"]["state"] == "RUNNING", f"only failed instances restart: {snapshot}"
    assert [t["state"] for t in snapshot["tasks"]] == ["RUNNING", "RESTARTING"], snapshot
    connect.wait_state(name, "RUNNING", tasks=2)

    # Nothing failed: still 202, the snapshot unchanged.
    code, snapshot = connect.request("POST", f"/connectors/{name}/restart?includeTasks=TRUE&onlyFailed=true")
    assert code == 202 and {t["state"] for t in snapshot["tasks"]} == {"RUNNING"}, snapshot
    code, snapshot = connect.request("POST", f"/connectors/{name}/restart?includeTasks=true")
    assert code == 202 and snapshot["connector"]["state"] == "RESTARTING", snapshot
    assert {t["state"] for t in snapshot["tasks"]} == {"RESTARTING"}, snapshot
    connect.wait_state(name, "RUNNING", tasks=2)
    assert connect.request("POST", f"/connectors/{name}/restart") == (204, None)
    assert connect.request("POST", f"/connectors/{name}/restart?includeTasks=yes") == (204, None)
    connect.wait_state(name, "RUNNING", tasks=2)


def test_patch_config_merges_and_lowers_tasks_max(clean_connect: ConnectUnderTest, unique_name: str) -> None:
    connect = clean_connect
    name = f"{unique_name}-patched"
    connect.create(name, {"connector.class": IDLE, "tasks.max": "3", "fail.marker": "/nonexistent"})
    connect.wait_state(name, "RUNNING", tasks=3)

    code, info = connect.request(
        "PATCH", f"/connectors/{name}/config", {"tasks.max": "1", "fail.marker": None}
    )
    assert code == 200, f"PATCH: expected 200, got {code} {info}"
    assert info["config"] == {"connector.class": IDLE, "tasks.max": "1", "name": name}, info
    connect.wait_state(name, "RUNNING", tasks=1)
    assert connect.request("GET", f"/connectors/{name}/config")[1] == info["config"]

    code, body = connect.request("PATCH", f"/connectors/{name}/config", {"tasks.max": "0"})
    assert code == 400 and "tasks.max" in body["message"], f"expected 400 naming tasks.max, got {code} {body}"
    assert connect.request("GET", f"/connectors/{name}/config")[1]["tasks.max"] == "1", (
        "a bad PATCH changes nothing"
    )


def test_tasks_max_enforce(clean_connect: ConnectUnderTest, unique_name: str) -> None:
    connect = clean_connect
    strict, lenient = f"{unique_name}-strict", f"{unique_name}-lenient"
    connect.create(strict, {"connector.class": IDLE, "tasks.max": "1", "task.count": "2"})
    status = wait_for(
        lambda: (s := connect.status(strict)) and s["connector"]["state"] == "FAILED" and s,
        30,
        f"{strict} FAILED for generating too many tasks",
    )
    assert "greater than 1" in status["connector"]["trace"], status
    connect.create(
        lenient, {"connector.class": IDLE, "tasks.max": "1", "task.count": "2", "tasks.max.enforce": "false"}
    )
    connect.wait_state(lenient, "RUNNING", tasks=2)


@pytest.mark.parametrize(
    ("method", "path", "message"),
    [
        ("PUT", "/connectors/nope/pause", "Unknown connector nope"),
        ("PUT", "/connectors/nope/resume", "Unknown connector nope"),
        ("PUT", "/connectors/nope/stop", "Unknown connector nope"),
        ("GET", "/connectors/nope/tasks/0/status", "No status found for task nope-0"),
        ("PATCH", "/connectors/nope/config", "Connector nope not found"),
        ("GET", "/connectors/nope/tasks/abc/status", "HTTP 404 Not Found"),
        ("POST", "/connectors/nope/tasks/abc/restart", "HTTP 404 Not Found"),
    ],
)
def test_unknown_connector_404s(connect: ConnectUnderTest, method: str, path: str, message: str) -> None:
    body = {"tasks.max": "1"} if method == "PATCH" else None
    code, error = connect.request(method, path, body)
    assert (code, error) == (404, {"error_code": 404, "message": message}), (
        f"{method} {path}: got {code} {error}"
    )


def test_restart_404s_are_the_same_in_both_modes(clean_connect: ConnectUnderTest, unique_name: str) -> None:
    """One rule set: both modes answer with Kafka's (DistributedHerder's) messages."""
    connect = clean_connect
    code, error = connect.request("POST", "/connectors/nope/restart")
    assert (code, error["message"]) == (404, "Unknown connector: nope"), error
    code, error = connect.request("POST", "/connectors/nope/tasks/0/restart")
    assert (code, error["message"]) == (404, "Unknown connector: nope"), error

    name = f"{unique_name}-one"
    connect.create(name, {"connector.class": IDLE, "tasks.max": "1"})
    connect.wait_state(name, "RUNNING", tasks=1)
    code, error = connect.request("POST", f"/connectors/{name}/tasks/7/restart")
    assert (code, error["message"]) == (404, f"Unknown task: {name}-7"), error
    code, error = connect.request("GET", f"/connectors/{name}/tasks/7/status")
    assert (code, error["message"]) == (404, f"No status found for task {name}-7"), error


def test_file_sink_runs_tasks_max_tasks(
    clean_connect: ConnectUnderTest, tmp_path: Path, unique_name: str
) -> None:
    """Like Kafka's FileStreamSinkConnector: ``tasks.max`` tasks share the partitions and one file."""
    from confluent_kafka import Producer

    from tests.integration.connect_modes import file_sink_config
    from tests.integration.standalone_harness import create_topic

    connect = clean_connect
    topic, sink_file = f"{unique_name}-topic", tmp_path / "out.txt"
    create_topic(connect.bootstrap_servers, topic, partitions=3)
    lines = make_lines(3000)
    producer = Producer({"bootstrap.servers": connect.bootstrap_servers})
    for i, line in enumerate(lines):
        producer.produce(topic, line.encode(), partition=i % 3)
    assert producer.flush(30) == 0, "the test's producer could not deliver every line"

    name = f"{unique_name}-sink"
    connect.create(name, {**file_sink_config(sink_file, topic), "tasks.max": "3"})
    connect.wait_state(name, "RUNNING", tasks=3)
    got = wait_for(
        lambda: (out := read_lines(sink_file)) and len(out) >= len(lines) and out, 60, "3,000 lines"
    )
    assert sorted(got) == lines, (
        f"expected each of the 3,000 lines once and whole; saw {len(got)} lines, "
        f"{len(set(got) - set(lines))} not among those sent"
    )
