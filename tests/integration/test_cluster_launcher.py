"""``connectd cluster`` as a user runs it, a real process with its own process group (a shell job):
a worker killed with ``kill -9`` is reported and restarted (or left down with ``--no-restart``, its
work moving to the survivor) while the REST API keeps answering; a Ctrl-C stops every role in
dependency order with no error logged and every acknowledged offset committed."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition
from grpc_health.v1 import health_pb2, health_pb2_grpc

from connectd.embedded_broker import free_port
from tests.integration.connect_modes import FAST_SETTINGS, file_sink_config, file_source_config
from tests.integration.standalone_harness import (
    REPO_ROOT,
    append,
    create_topic,
    http_request,
    make_lines,
    read_lines,
    wait_for,
)

pytestmark = pytest.mark.integration

IDLE = "lifecycle_plugins.IdleSourceConnector"


class Launcher:
    """``connectd cluster --workers 2`` on the test broker, stdout in a file, pids from its table."""

    def __init__(self, workdir: Path, bootstrap_servers: str, *flags: str, **settings: str) -> None:
        self.workdir = workdir
        self.rest_port = free_port()
        self.out_path = workdir / "launcher.out"
        sets = [a for k, v in {**FAST_SETTINGS, **settings}.items() for a in ("--set", f"{k}={v}")]
        with open(self.out_path, "wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "services.cli", "cluster", "--workers", "2", "--group-id",
                 f"g-{workdir.name}", "--rest-port", str(self.rest_port), "--workdir", str(workdir / "roles"),
                 "--bootstrap-servers", bootstrap_servers, *sets, *flags],
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
                start_new_session=True,  # its own process group, as a shell gives a job
            )  # fmt: skip
        wait_for(lambda: self._check_alive() and "REST API:" in self.output(), 90, "the launcher's REST URL")
        self.pids = {m[0]: int(m[1]) for m in re.findall(r"^(\S+)\s+pid (\d+)", self.output(), re.M)}
        # Each worker's REST port: its worker id in statuses is its REST address.
        rows = re.findall(r"^(\S+)\s+pid \d+\s+port \d+ rest (\d+)", self.output(), re.M)
        self.ports = {name: int(port) for name, port in rows}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rest_port}"

    def output(self) -> str:
        return self.out_path.read_text(errors="replace")

    def _check_alive(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"the launcher exited with {self.process.returncode}:\n{self.output()}")
        return True

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        return http_request(self.url, method, path, body)

    def worker_named(self, worker_id: str) -> str:
        """The launcher's name of the worker with this id (its REST address)."""
        port = int(worker_id.rsplit(":", 1)[1])
        return next(name for name, p in self.ports.items() if p == port)

    def logs(self) -> dict[str, str]:
        return {p.name: p.read_text(errors="replace") for p in sorted((self.workdir / "roles").glob("*.log"))}

    def close(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        # A launcher that failed to stop its children must not leave them running: by pid.
        for pid in self.pids.values():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        print(f"--- launcher output ---\n{self.output()[-3000:]}")


@pytest.fixture
def launch(tmp_path: Path, bootstrap_servers: str) -> Iterator[Any]:
    started: list[Launcher] = []

    def start(*flags: str, **settings: str) -> Launcher:
        launcher = Launcher(tmp_path, bootstrap_servers, *flags, **settings)
        started.append(launcher)
        return launcher

    try:
        yield start
    finally:
        for launcher in started:
            launcher.close()


class RestWatch:
    """Polls ``GET /connectors`` every 100 ms from a thread; records every answer that is not 200."""

    def __init__(self, launcher: Launcher) -> None:
        self.launcher, self.calls, self.failures = launcher, 0, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            try:
                code, body = self.launcher.request("GET", "/connectors")
            except OSError as exc:
                code, body = 0, str(exc)
            self.calls += 1
            if code != 200:
                self.failures.append((code, body))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)


def tasks_running(launcher: Launcher, name: str, count: int) -> dict[str, Any] | None:
    code, status = launcher.request("GET", f"/connectors/{name}/status")
    if code != 200 or len(status["tasks"]) != count:
        return None
    return status if all(t["state"] == "RUNNING" for t in status["tasks"]) else None


def create_idle(launcher: Launcher, name: str) -> None:
    body = {"name": name, "config": {"connector.class": IDLE, "tasks.max": "2"}}
    code, body = launcher.request("POST", "/connectors", body)
    assert code == 201, f"creating {name}: expected 201, saw {code} {body}"


def kill_a_task_owner(launcher: Launcher, name: str) -> tuple[str, int]:
    status = wait_for(lambda: tasks_running(launcher, name, 2), 30, f"{name}'s 2 tasks RUNNING")
    victim = launcher.worker_named(status["tasks"][0]["worker_id"])
    os.kill(launcher.pids[victim], signal.SIGKILL)
    return victim, launcher.pids[victim]


def test_no_restart_leaves_the_dead_worker_down_and_its_work_moves(launch: Any, unique_name: str) -> None:
    launcher = launch("--no-restart")
    name = f"{unique_name}-idle"
    create_idle(launcher, name)
    watch = RestWatch(launcher)
    victim, pid = kill_a_task_owner(launcher, name)
    wait_for(lambda: f"{victim} (pid {pid}) was killed by SIGKILL; left down" in launcher.output(), 10,
             f"the launcher reporting {victim}'s death")  # fmt: skip
    dead_port = launcher.ports[victim]
    moved = wait_for(
        lambda: (
            (s := tasks_running(launcher, name, 2))
            and all(not t["worker_id"].endswith(f":{dead_port}") for t in s["tasks"])
            and s
        ),
        30,
        f"{name}'s tasks RUNNING on the surviving worker",
    )
    watch.stop()
    assert launcher.process.poll() is None, f"the launcher exited:\n{launcher.output()}"
    assert "restarted" not in launcher.output(), "--no-restart must leave the dead worker down"
    assert watch.calls >= 5 and not watch.failures, (
        f"expected GET /connectors to answer 200 throughout; {len(watch.failures)} of {watch.calls} "
        f"failed: {watch.failures[:3]}"
    )
    print(f"tasks after the kill: {[t['worker_id'] for t in moved['tasks']]}")


def test_a_killed_worker_is_reported_and_restarted(launch: Any, unique_name: str) -> None:
    launcher = launch()
    name = f"{unique_name}-idle"
    create_idle(launcher, name)
    watch = RestWatch(launcher)
    victim, pid = kill_a_task_owner(launcher, name)
    restarted = wait_for(
        lambda: re.search(rf"^{victim} restarted: pid (\d+)$", launcher.output(), re.M), 20,
        f"the launcher restarting {victim}",
    )  # fmt: skip
    assert f"{victim} (pid {pid}) was killed by SIGKILL; restarting in 1.0 s" in launcher.output()
    new_pid = int(restarted.group(1))
    launcher.pids[f"{victim}-restarted"] = new_pid
    assert new_pid != pid
    os.kill(new_pid, 0)  # raises if the new process is gone
    wait_for(lambda: tasks_running(launcher, name, 2), 30, f"{name}'s tasks RUNNING after the restart")
    watch.stop()
    assert watch.calls >= 5 and not watch.failures, (
        f"expected GET /connectors to answer 200 throughout; {len(watch.failures)} of {watch.calls} "
        f"failed: {watch.failures[:3]}"
    )


def committed_source_position(bootstrap_servers: str, topic: str, connector: str) -> int | None:
    """The last ``position`` the offset topic holds for ``connector`` (read to its end)."""
    consumer = Consumer({"bootstrap.servers": bootstrap_servers, "group.id": f"probe-{topic}",
                         "auto.offset.reset": "earliest", "enable.auto.commit": "false"})  # fmt: skip
    position = None
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
        idle = 0
        while idle < 20:
            message = consumer.poll(0.25)
            if message is None or message.error():
                idle += 1
                continue
            idle = 0
            key = json.loads(message.key())
            # Fence records (connectd's task epochs) have object keys; Connect's offsets have lists.
            if isinstance(key, list) and key[0] == connector and message.value() is not None:
                position = json.loads(message.value())["position"]
    finally:
        consumer.close()
    return position


def test_ctrl_c_stops_in_order_with_no_error_and_every_offset_committed(
    launch: Any, bootstrap_servers: str, tmp_path: Path, unique_name: str
) -> None:
    # Offsets and sink commits only at the final flush: the stop itself must commit them.
    launcher = launch(**{"offset.flush.interval.ms": "600000"})
    topic = f"{unique_name}-topic"
    create_topic(bootstrap_servers, topic)
    source_file, sink_file = tmp_path / "in.txt", tmp_path / "out.txt"
    source_file.touch()
    for name, config in (
        ("src", file_source_config(source_file, topic)),
        (f"{unique_name}-sink", file_sink_config(sink_file, topic)),
    ):
        assert launcher.request("POST", "/connectors", {"name": name, "config": config})[0] == 201
    lines = make_lines(2000)
    append(source_file, lines)
    wait_for(lambda: read_lines(sink_file) == lines, 60, "the 2,000 lines in the sink file")

    os.killpg(launcher.process.pid, signal.SIGINT)  # what Ctrl-C at the terminal does to the job
    assert launcher.process.wait(60) == 0, f"the launcher's exit code; output:\n{launcher.output()}"
    for name, text in launcher.logs().items():
        errors = [line for line in text.splitlines() if " ERROR " in line or "Traceback" in line]
        assert not errors, f"expected no error in {name} after a Ctrl-C; saw:\n" + "\n".join(errors[:5])
    group = f"g-{tmp_path.name}"
    position = committed_source_position(bootstrap_servers, f"{group}-offsets", "src")
    assert position == source_file.stat().st_size, (
        f"expected the source's committed position at the end of the file ({source_file.stat().st_size}), "
        f"saw {position}"
    )
    consumer = Consumer({"bootstrap.servers": bootstrap_servers, "group.id": f"connect-{unique_name}-sink"})
    try:
        committed = consumer.committed([TopicPartition(topic, 0)], timeout=10)[0].offset
    finally:
        consumer.close()
    assert committed == len(lines), f"expected the sink's committed offset {len(lines)}, saw {committed}"


def test_secure_starts_every_role_with_mutual_tls_and_the_token(launch: Any, unique_name: str) -> None:
    launcher = launch("--secure")
    out = launcher.output()
    certs = launcher.workdir / "roles" / "certs"
    assert f"CA, certificates and token in {certs}" in out, f"expected where the certificates are:\n{out}"
    for name in ("ca.pem", "cluster.token", "secure.properties", "worker.keystore.pem"):
        assert (certs / name).exists(), f"expected {name} in {certs}"
    url = re.search(r"^REST API: (\S+)", out, re.M)
    assert url, out
    # HTTPS when this build's REST serves TLS (and curl is told how to trust it); else the launcher says so.
    https = url.group(1).startswith("https://")
    assert (
        (f"curl --cacert {certs / 'ca.pem'} https://localhost:" in out)
        if https
        else "note: REST answered" in out
    )
    context = ssl.create_default_context(cafile=str(certs / "ca.pem")) if https else None
    name = f"{unique_name}-idle"
    body = {"name": name, "config": {"connector.class": IDLE, "tasks.max": "2"}}
    code, created = http_request(url.group(1), "POST", "/connectors", body, context=context)
    assert code == 201, f"creating {name}: expected 201, saw {code} {created}"
    wait_for(
        lambda: (
            (r := http_request(url.group(1), "GET", f"/connectors/{name}/status", None, context=context))[0]
            == 200
            and [t["state"] for t in r[1]["tasks"]] == ["RUNNING", "RUNNING"]
        ),
        30,
        f"{name}'s 2 tasks RUNNING",
    )
    logs = launcher.logs()
    for role in ("coordinator.log", "offset-store.log", "worker-1.log", "worker-2.log"):
        assert "TLS (client certificates required), cluster token required" in logs[role], (
            f"expected {role} to say it requires client certificates and the token:\n{logs[role][-2000:]}"
        )
    port = int(re.search(r"^coordinator\s+pid \d+\s+port (\d+)", out, re.M).group(1))  # type: ignore[union-attr]
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel, pytest.raises(grpc.RpcError) as refused:
        health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
    assert refused.value.code() is grpc.StatusCode.UNAVAILABLE, "a plaintext client reached the coordinator"
