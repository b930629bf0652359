"""The seeds' own setup, as HPE Data Fabric (MapR) documents it: workers on one node with distinct
``rest.port``s (8083, 8084), every one answering the REST API, HPE's sample files unchanged (stream
paths as storage topics, ``internal.*`` converter keys), and connectors whose topic is a stream path.

Fixed ports (8083, 8084, Kafka's localhost:9092, the coordinator's 9190 and the offset store's 9191)
mean a private network namespace with its own broker: see tests/netns.py.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka.admin import AdminClient

from connectd.embedded_broker import resolve_broker_binary
from connectd.stream_paths import to_kafka
from tests.integration.standalone_harness import (
    REPO_ROOT,
    append,
    create_topic,
    http_request,
    make_lines,
    read_lines,
    wait_for,
)
from tests.netns import NetNamespace, unavailable_reason

pytestmark = pytest.mark.integration

HPE_DISTRIBUTED = "config/hpe/connect-distributed.properties"
HPE_STANDALONE = "config/hpe/connect-standalone.properties"
STREAM_TOPIC = "/apps/streams/s1:lines"
ENV = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}


@pytest.fixture
def namespace(tmp_path: Path) -> Iterator[NetNamespace]:
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    ns = NetNamespace("hpe")
    try:
        ns.popen(
            [resolve_broker_binary(), "broker", "--listener-url", "tcp://127.0.0.1:9092",
             "--advertised-listener-url", "tcp://localhost:9092", "--silent"],
            tmp_path / "broker.log",
        )  # fmt: skip
        yield ns
    finally:
        ns.close()
        for log in sorted(tmp_path.glob("*.log")):
            print(f"--- {log.name} ---\n" + "\n".join(log.read_text(errors="replace").splitlines()[-12:]))


def connectd(namespace: NetNamespace, log: Path, *args: str) -> subprocess.Popen[bytes]:
    return namespace.popen([sys.executable, "-m", "services.cli", *args], log, cwd=REPO_ROOT, env=ENV)


def rest_at(namespace: NetNamespace, port: int) -> Callable[..., tuple[int, Any]]:
    def call(method: str, path: str, body: Any = None) -> tuple[int, Any]:
        return namespace.call(lambda: http_request(f"http://127.0.0.1:{port}", method, path, body))

    return call


def answering(rest: Callable[..., tuple[int, Any]]) -> bool:
    try:
        return rest("GET", "/")[0] == 200
    except OSError:
        return False


def test_the_seeds_setup_two_workers_on_one_node_with_stream_paths(
    namespace: NetNamespace, tmp_path: Path
) -> None:
    connectd(namespace, tmp_path / "coordinator.log", "coordinator", HPE_DISTRIBUTED)
    connectd(namespace, tmp_path / "offset-store.log", "offset-store", HPE_DISTRIBUTED)
    worker1 = connectd(namespace, tmp_path / "worker-1.log", "worker", HPE_DISTRIBUTED)
    worker2 = connectd(
        namespace, tmp_path / "worker-2.log", "worker", HPE_DISTRIBUTED, "--set", "rest.port=8084"
    )
    rest1, rest2 = rest_at(namespace, 8083), rest_at(namespace, 8084)
    for rest, worker in ((rest1, worker1), (rest2, worker2)):
        wait_for(lambda r=rest, w=worker: w.poll() is None and answering(r), 60, "each worker's REST API")

    # A third worker on a port another one holds: one line naming the keys, at once.
    clash = connectd(namespace, tmp_path / "worker-clash.log", "worker", HPE_DISTRIBUTED)
    assert clash.wait(60) == 2, "a worker whose rest.port is taken must exit with code 2"
    # (The file's internal.* keys get their warnings first.)
    lines = [
        line
        for line in (tmp_path / "worker-clash.log").read_text().strip().splitlines()
        if " WARNING " not in line
    ]
    assert len(lines) == 1 and "rest.port" in lines[0] and "listeners" in lines[0], lines

    source, sink = tmp_path / "in.txt", tmp_path / "out.txt"
    source.touch()
    one_partition = {
        "topic.creation.default.partitions": "1",
        "topic.creation.default.replication.factor": "1",
    }
    connectors = {
        "hpe-source": {"connector.class": "FileStreamSource", "file": str(source), "topic": STREAM_TOPIC,
                       **one_partition},
        "hpe-sink": {"connector.class": "FileStreamSink", "file": str(sink), "topics": STREAM_TOPIC},
    }  # fmt: skip

    def create(name: str, config: dict[str, str]) -> tuple[int, Any] | None:
        code, body = rest2("POST", "/connectors", {"name": name, "config": config})
        return None if code == 503 else (code, body)  # 503 until the workers registered

    for name, config in connectors.items():  # created through worker 2, as the seeds submit them
        code, body = wait_for(lambda n=name, c=config: create(n, c), 30, f"creating {name} through worker 2")
        assert code == 201 and body["config"].get("topic", body["config"].get("topics")) == STREAM_TOPIC, body
    lines_in = make_lines(2000)
    append(source, lines_in)
    wait_for(lambda: read_lines(sink) == lines_in, 60, "every line through the stream path")

    def statuses() -> dict[str, Any] | None:
        out = {}
        for name in connectors:
            code, status = rest1("GET", f"/connectors/{name}/status")
            if code != 200 or [t["state"] for t in status["tasks"]] != ["RUNNING"]:
                return None
            out[name] = status
        return out

    seen = wait_for(statuses, 30, "both connectors RUNNING, seen through worker 1")
    host = socket.gethostname()
    workers = {t["worker_id"] for s in seen.values() for t in s["tasks"]}
    assert workers <= {f"{host}:8083", f"{host}:8084"} and workers, f"tasks name unknown workers: {workers}"
    print(f"\nstatus through worker 1: {[(n, s['tasks'][0]['worker_id']) for n, s in seen.items()]}")

    # Users see their own names; Kafka holds the mapped ones.
    assert rest1("GET", "/connectors/hpe-source/topics")[1] == {"hpe-source": {"topics": [STREAM_TOPIC]}}
    # The sink commits every offset.flush.interval.ms (10 s in HPE's file).
    offsets = wait_for(lambda: rest1("GET", "/connectors/hpe-sink/offsets")[1]["offsets"], 30, "sink offsets")
    assert all(o["partition"]["kafka_topic"] == STREAM_TOPIC for o in offsets), offsets
    kafka_topics = namespace.call(
        lambda: set(AdminClient({"bootstrap.servers": "localhost:9092"}).list_topics(timeout=10).topics)
    )
    storage = [f"/var/mapr/.__mapr_connect:{t}" for t in ("offsets", "configs", "status")]
    mapped = {to_kafka(t) for t in (STREAM_TOPIC, *storage)}
    assert mapped <= kafka_topics, (
        f"expected the mapped topics {sorted(mapped)} in Kafka, saw {sorted(kafka_topics)}"
    )
    print(f"storage topics in Kafka: {sorted(to_kafka(t) for t in storage)}")

    warnings = [
        line for line in (tmp_path / "worker-1.log").read_text().splitlines() if "has no effect" in line
    ]
    keys = sorted(line.split(" has no effect")[0].rsplit(" ", 1)[-1] for line in warnings)
    removed = ["internal.key.converter", "internal.value.converter"]
    assert keys == sorted([*removed, *(f"{k}.schemas.enable" for k in removed)]), warnings


def test_hpe_standalone_file_runs_unchanged(namespace: NetNamespace, tmp_path: Path) -> None:
    # HPE's file keeps offsets in /tmp/connect.offsets, as Kafka's does: a fresh one for this run.
    offsets = Path("/tmp/connect.offsets")
    saved = offsets.read_bytes() if offsets.exists() else None
    offsets.unlink(missing_ok=True)
    for name in ("connect-file-source.properties", "connect-file-sink.properties"):
        shutil.copy(REPO_ROOT / "config" / name, tmp_path / name)
    # As a Kafka broker would auto-create it (num.partitions=1), so that lines keep their order.
    namespace.call(lambda: create_topic("localhost:9092", "connect-test"))
    standalone = namespace.popen(
        [sys.executable, "-m", "services.cli", "standalone", str(REPO_ROOT / HPE_STANDALONE),
         "connect-file-source.properties", "connect-file-sink.properties"],
        tmp_path / "standalone.log", cwd=tmp_path, env=ENV,
    )  # fmt: skip
    try:
        rest = rest_at(namespace, 8083)
        wait_for(lambda: standalone.poll() is None and answering(rest), 60, "standalone's REST API on 8083")
        lines = make_lines(500)
        append(tmp_path / "test.txt", lines)
        wait_for(lambda: read_lines(tmp_path / "test.sink.txt") == lines, 60, "Kafka's sample pipeline")
    finally:
        standalone.terminate()
        standalone.wait(30)
        offsets.unlink(missing_ok=True)
        if saved is not None:
            offsets.write_bytes(saved)
