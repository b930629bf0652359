"""The REST API of a running standalone worker: create/delete while running, refused configs, failures."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.standalone_harness import StandaloneWorker, read_lines, wait_for

pytestmark = pytest.mark.integration


@pytest.fixture
def worker(tmp_path: Path, bootstrap_servers: str) -> Iterator[StandaloneWorker]:
    w = StandaloneWorker(tmp_path, bootstrap_servers)
    try:
        yield w.start()
    finally:
        w.close()


def source_config(tmp_path: Path, topic: str, **extra: str) -> dict[str, str]:
    path = tmp_path / "in.txt"
    path.touch()
    return {
        "connector.class": "FileStreamSource",
        "file": str(path),
        "topic": topic,
        "topic.creation.default.partitions": "1",
        "topic.creation.default.replication.factor": "-1",
        **extra,
    }


def test_create_and_delete_connectors_while_running(
    worker: StandaloneWorker, tmp_path: Path, unique_name: str
) -> None:
    topic = f"t-{unique_name}"
    code, body = worker.request(
        "POST", "/connectors", {"name": "src", "config": source_config(tmp_path, topic)}
    )
    assert code == 201, f"expected 201, saw {code}: {body}"
    assert body["name"] == "src" and body["type"] == "source" and body["config"]["name"] == "src"
    sink_file = tmp_path / "out.txt"
    sink = {"connector.class": "FileStreamSink", "file": str(sink_file), "topics": topic}
    code, body = worker.request("PUT", "/connectors/sink/config", sink)
    assert code == 201, f"expected 201 from PUT of a new connector, saw {code}: {body}"
    worker.wait_running("src")
    worker.wait_running("sink")
    (tmp_path / "in.txt").write_text("a\nb\nc\n")
    wait_for(lambda: read_lines(sink_file) == ["a", "b", "c"], 30, "3 lines in the sink file")

    code, body = worker.request("GET", "/connectors/src/tasks")
    assert code == 200 and body[0]["id"] == {"connector": "src", "task": 0}, body
    assert body[0]["config"]["task.class"].endswith("FileStreamSourceTask"), body

    code, body = worker.request("DELETE", "/connectors/src")
    assert (code, body) == (204, None), f"expected 204 with no body, saw {code} {body}"
    code, body = worker.request("GET", "/connectors/src")
    assert (code, body) == (404, {"error_code": 404, "message": "Connector src not found"})
    code, body = worker.request("GET", "/connectors")
    assert (code, body) == (200, ["sink"])
    assert worker.status("sink")["connector"]["state"] == "RUNNING"


@pytest.mark.parametrize(
    ("change", "named_key"),
    [
        ({"connector.class": "NoSuchConnector"}, "connector.class"),
        ({"topic": None}, "topic"),
        ({"batch.size": "abc"}, "batch.size"),
        ({"tasks.max": "0"}, "tasks.max"),
    ],
    ids=["unknown-class", "missing-required-key", "bad-value", "tasks-max-zero"],
)
def test_invalid_config_is_refused_and_running_connectors_untouched(
    worker: StandaloneWorker, tmp_path: Path, unique_name: str, change: dict, named_key: str
) -> None:
    topic = f"t-{unique_name}"
    code, _ = worker.request(
        "POST", "/connectors", {"name": "good", "config": source_config(tmp_path, topic)}
    )
    assert code == 201
    before = worker.wait_running("good")

    bad = {k: v for k, v in {**source_config(tmp_path, topic), **change}.items() if v is not None}
    code, body = worker.request("POST", "/connectors", {"name": "bad", "config": bad})
    assert code == 400, f"expected 400, saw {code}: {body}"
    assert body["error_code"] == 400 and named_key in body["message"], (
        f"expected a message naming {named_key!r}, saw {body['message']!r}"
    )
    assert worker.request("GET", "/connectors")[1] == ["good"]
    assert worker.status("good") == before, "the running connector changed after a refused create"


def test_failing_task_is_failed_with_trace_and_worker_survives(
    worker: StandaloneWorker, tmp_path: Path, unique_name: str
) -> None:
    code, _ = worker.request(
        "POST", "/connectors", {"name": "ok", "config": source_config(tmp_path, f"t-{unique_name}")}
    )
    assert code == 201
    code, body = worker.request(
        "POST",
        "/connectors",
        {"name": "boom", "config": {"connector.class": "FailingSourceConnector", "mode": "fail"}},
    )
    assert code == 201, body

    def failed() -> dict | None:
        status = worker.status("boom")
        return status if status and status["tasks"] and status["tasks"][0]["state"] == "FAILED" else None

    status = wait_for(failed, 30, "task boom-0 FAILED")
    assert "boom: this task fails on purpose" in status["tasks"][0]["trace"], status
    assert "Traceback" in status["tasks"][0]["trace"]
    worker.wait_running("ok")


def test_task_that_ignores_stop_is_abandoned(worker: StandaloneWorker) -> None:
    code, body = worker.request(
        "POST",
        "/connectors",
        {"name": "hang", "config": {"connector.class": "FailingSourceConnector", "mode": "hang"}},
    )
    assert code == 201, body
    worker.wait_running("hang")
    started = time.monotonic()
    code, _ = worker.request("DELETE", "/connectors/hang")
    elapsed = time.monotonic() - started
    assert code == 204
    # task.shutdown.graceful.timeout.ms is 3000 in the harness.
    assert elapsed < 15, f"expected the delete to return after the graceful timeout, took {elapsed:.1f}s"
    assert "abandoning" in worker.log_tail(200), "expected the abandoned task to be reported in the log"


def raw_request(
    worker: StandaloneWorker, method: str, path: str, body: bytes, content_type: str
) -> tuple[int, dict[str, str], Any]:
    req = urllib.request.Request(worker.url + path, data=body, method=method)
    req.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, dict(response.headers), json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), json.loads(exc.read() or b"null")


def test_http_conventions(worker: StandaloneWorker, tmp_path: Path, unique_name: str) -> None:
    body = json.dumps({"name": "conv", "config": source_config(tmp_path, f"t-{unique_name}")}).encode()
    code, headers, created = raw_request(worker, "POST", "/connectors", body, "application/json")
    assert code == 201, f"expected 201, saw {code}: {created}"
    assert headers["location"] == f"{worker.url}/connectors/conv", f"Location header: {headers}"

    code, _, dup = raw_request(worker, "POST", "/connectors", body, "application/json")
    assert (code, dup) == (409, {"error_code": 409, "message": "Connector conv already exists"})

    code, _, error = raw_request(worker, "POST", "/connectors", body, "text/plain")
    assert code == 415 and error["error_code"] == 415, f"expected 415 for text/plain, saw {code} {error}"

    code, _, error = raw_request(worker, "POST", "/connectors", b"{not json", "application/json")
    assert code == 400 and error["error_code"] == 400, f"expected 400 for malformed JSON, saw {code} {error}"

    code, error = worker.request("DELETE", "/connector-plugins")
    assert (code, error["error_code"]) == (405, 405), f"expected 405 with an error body, saw {code} {error}"
    code, error = worker.request("GET", "/no/such/route")
    assert (code, error["error_code"]) == (404, 404), f"expected 404 with an error body, saw {code} {error}"

    code, status = worker.request("GET", "/connectors/nope/status")
    assert (code, status) == (404, {"error_code": 404, "message": "No status found for connector nope"})

    code, listing = worker.request("GET", "/connectors?expand=status&expand=info")
    assert code == 200 and set(listing["conv"]) == {"status", "info"}, f"expanded listing: {listing}"
    assert listing["conv"]["info"]["config"]["name"] == "conv"
