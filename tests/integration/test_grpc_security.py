"""Issue 13 between roles: what a process outside the cluster can do over gRPC, on a plaintext
cluster and on one started like ``connectd cluster --secure`` (mutual TLS and the cluster token).

On the plaintext cluster every attack of the issue works, except the ones the member sessions close
(a worker id alone no longer speaks for its worker: the rogue must take the registration over). On the
secure cluster a rogue without the client certificate fails the TLS handshake, and one with the
certificate but without the token is UNAUTHENTICATED, for every call but the health check; a member
holding both is still refused reports and task configs about work it does not run. The real cluster
keeps working throughout. Each test prints its table (who, what, result) and writes it to
``attacks.md`` in its tmp dir.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from connectd.v1 import common_pb2
from services.cluster_launcher import LocalCluster
from tests.integration.cluster_harness import FAST, rest, running_cluster
from tests.integration.connect_modes import file_sink_config, file_source_config
from tests.integration.grpc_attacks import (
    ROGUE_PARTITION,
    Attacker,
    Table,
    Targets,
    attackers_of_a_secure_cluster,
    attempt,
    health_and_reflection,
    leave,
    member,
    outsider_attacks,
    register,
    register_with_wrong_topics,
    report_as,
    submit_as,
)
from tests.integration.standalone_harness import append, make_lines, read_lines, wait_for

pytestmark = pytest.mark.integration


# The lines keep their order on their way to the sink.
ONE_PARTITION = {"topic.creation.default.partitions": "1", "topic.creation.default.replication.factor": "1"}


@dataclass
class Deployment:
    cluster: LocalCluster
    targets: Targets
    source_file: Path
    sink_file: Path
    lines: list[str]

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        return rest(self.cluster, method, path, body)

    def flows(self, count: int) -> None:
        """``count`` new lines appended to the source reach the sink file."""
        new = make_lines(count, start=len(self.lines))
        self.lines += new
        append(self.source_file, new)
        wait_for(
            lambda: read_lines(self.sink_file) == self.lines, 60, f"all {len(self.lines)} lines in the sink"
        )


def _deploy(cluster: LocalCluster, workdir: Path, name: str) -> Deployment:
    topic = f"t-{name}"
    source_file, sink_file, victim_file = workdir / "in.txt", workdir / "out.txt", workdir / "victim.txt"
    for path in (source_file, victim_file):
        path.touch()
    secret = f"s3cret-{name}"
    sink_config = file_sink_config(sink_file, topic)
    connectors = {
        f"src-{name}": {
            **file_source_config(source_file, topic),
            **ONE_PARTITION,
            "connection.password": secret,
        },
        f"sink-{name}": sink_config,
        f"victim-{name}": file_source_config(victim_file, f"t-victim-{name}"),
    }
    deployment = Deployment(
        cluster,
        Targets(
            group_id=cluster.group_id,
            source=f"src-{name}",
            secret=secret,
            sink=f"sink-{name}",
            victim=f"victim-{name}",
            attacker_file=workdir / "attacker-chosen.txt",
            storage=common_pb2.StorageTopics(
                config_topic=f"{cluster.group_id}-configs",
                offset_topic=f"{cluster.group_id}-offsets",
                status_topic=f"{cluster.group_id}-status",
            ),
            owner_id=cluster.workers[0].worker_id,
            sink_config=sink_config,
        ),
        source_file,
        sink_file,
        [],
    )
    for connector, config in connectors.items():
        code, body = deployment.call("PUT", f"/connectors/{connector}/config", config)
        assert code == 201, f"expected 201 creating {connector}, saw {code}: {body}"
    for connector in connectors:
        wait_for(lambda c=connector: _running(deployment, c), 30, f"{connector} and its task RUNNING")
    # What the rogue submits is the sink's real task config (it can read it) with another file.
    code, tasks = deployment.call("GET", f"/connectors/{deployment.targets.sink}/tasks")
    assert code == 200 and len(tasks) == 1, f"expected the sink's one task, saw {code}: {tasks}"
    deployment.targets.sink_config = tasks[0]["config"]
    deployment.flows(20)
    return deployment


def _running(deployment: Deployment, name: str) -> bool:
    code, status = deployment.call("GET", f"/connectors/{name}/status")
    states = [status["connector"]["state"], *(t["state"] for t in status["tasks"])] if code == 200 else []
    return len(states) == 2 and set(states) == {"RUNNING"}


def _task_state(deployment: Deployment, name: str) -> str | None:
    code, status = deployment.call("GET", f"/connectors/{name}/status")
    return status["tasks"][0]["state"] if code == 200 and status["tasks"] else None


def _task_state_soon(deployment: Deployment, name: str, expected: str, timeout: float = 10) -> str | None:
    """The task's state once it is ``expected`` (the gateway's view follows the coordinator's stream,
    so a report made over gRPC shows a moment later), or the last seen when it never is."""
    deadline = time.monotonic() + timeout
    state = _task_state(deployment, name)
    while state != expected and time.monotonic() < deadline:
        time.sleep(0.05)
        state = _task_state(deployment, name)
    return state


def _offset_partitions(deployment: Deployment) -> list[Any]:
    code, body = deployment.call("GET", f"/connectors/{deployment.targets.source}/offsets")
    assert code == 200, f"expected the source's offsets, saw {code}: {body}"
    return [o["partition"] for o in body["offsets"]]


def _emit(table: Table, tmp_path: Path) -> None:
    text = table.render()
    (tmp_path / "attacks.md").write_text(text + "\n")
    print(f"\n{text}\n(written to {tmp_path / 'attacks.md'})")


@pytest.fixture
def deployment(
    request: pytest.FixtureRequest, tmp_path: Path, bootstrap_servers: str, unique_name: str
) -> Iterator[Deployment]:
    secure = request.param == "secure"
    with running_cluster(
        tmp_path / "cluster", bootstrap_servers, f"g-{unique_name}", workers=1, secure=secure
    ) as cluster:
        yield _deploy(cluster, tmp_path, unique_name[-8:])


@pytest.mark.parametrize("deployment", ["plaintext"], indirect=True)
def test_on_a_plaintext_cluster_the_attacks_work(deployment: Deployment, tmp_path: Path) -> None:
    t = deployment.targets
    table = Table("plaintext cluster (no grpc.ssl, no token): a process with no credentials")
    rogue = Attacker("rogue, no credentials", deployment.cluster, None)
    rows = {what: attempt(table, rogue.who, what, call) for what, call in outsider_attacks(rogue, t)}
    deployment.flows(10)  # the rogue member left and the work came back: records flow again
    # A worker id alone no longer speaks for its worker; taking its registration over still works.
    session = register(rogue, t, t.owner_id)
    takeover = "RegisterWorker as the owner (takeover), then "
    reported = attempt(
        table, rogue.who, takeover + "ReportStatus FAILED", lambda: report_as(rogue, t, t.owner_id, session)
    )
    seen_state = _task_state_soon(deployment, t.source, "FAILED")
    submitted = attempt(
        table,
        rogue.who,
        takeover + "SubmitTaskConfigs",
        lambda: submit_as(rogue, t, t.owner_id, session, t.sink_config),
    )
    new = make_lines(10, start=10_000)
    append(deployment.source_file, new)
    wait_for(lambda: set(new) <= set(read_lines(t.attacker_file)), 60, "the lines in the attacker's file")
    table.add(rogue.who, "  ... and the real worker", f"wrote records into {t.attacker_file.name}", True)
    _emit(table, tmp_path)

    works = [
        "GetConnector (config with a password)",
        "ListTasks (task configs)",
        f"DeleteConnector {t.victim}",
        "AlterOffsets (offset store)",
        "RegisterWorker + WatchAssignments",
    ]
    for what in works:
        assert rows[what].succeeded, (
            f"expected {what} to work on a plaintext cluster, saw {rows[what].result}"
        )
    assert deployment.call("GET", f"/connectors/{t.victim}")[0] == 404, f"expected {t.victim} deleted"
    assert ROGUE_PARTITION in _offset_partitions(deployment), "expected the rogue's offset in the store"
    assert reported.succeeded and submitted.succeeded, f"the takeover: {reported}, {submitted}"
    assert seen_state == "FAILED", f"expected the rogue's FAILED for {t.source}-0 recorded, saw {seen_state}"
    # What this change closes even in plaintext: the refusal names no topic, a worker id is no session.
    probe = rows["RegisterWorker, wrong storage topics"]
    assert not probe.succeeded and "FAILED_PRECONDITION" in probe.result, f"expected a bare refusal: {probe}"
    for what in (
        f"ReportStatus FAILED for {t.source}-0 as its owner",
        f"SubmitTaskConfigs for {t.sink} as its owner",
    ):
        assert rows[what].result.startswith("NOT_FOUND"), (
            f"expected {what} without a session refused: {rows[what]}"
        )


@pytest.mark.parametrize("deployment", ["secure"], indirect=True)
def test_on_a_secure_cluster_outsiders_are_refused_and_it_keeps_working(
    deployment: Deployment, tmp_path: Path
) -> None:
    t = deployment.targets
    cluster = deployment.cluster
    table = Table("secure cluster (connectd cluster --secure: mutual TLS + cluster token)")
    unexpected = []
    for attacker in attackers_of_a_secure_cluster(cluster):
        handshake = "no client certificate" in attacker.who
        for what, call in [*outsider_attacks(attacker, t), *health_and_reflection(attacker)]:
            row = attempt(table, attacker.who, what, call)
            if handshake:
                expected = "UNAVAILABLE"  # the TLS handshake fails: no call reaches a service
            elif what.startswith("Health"):
                expected = "OK, SERVING"
            else:
                expected = "UNAUTHENTICATED: unauthenticated"
            if not row.result.startswith(expected) or row.succeeded:
                unexpected.append(f"{attacker.who} / {what}: expected {expected}, saw {row.result}")

    # A member (certificate and token) is trusted with the admin API, but not with others' work.
    insider = member(cluster)
    probe = attempt(
        table,
        insider.who,
        "RegisterWorker, wrong storage topics",
        lambda: register_with_wrong_topics(insider, t),
    )
    no_session = attempt(
        table,
        insider.who,
        f"ReportStatus FAILED for {t.source}-0 as its owner, no session",
        lambda: report_as(insider, t, t.owner_id, ""),
    )
    foreign_report, foreign_submit = _as_another_member(deployment, insider, table)
    _emit(table, tmp_path)

    assert not unexpected, "\n".join(unexpected)
    assert probe.result == "FAILED_PRECONDITION, the group's topics not named", probe
    assert no_session.result.startswith("NOT_FOUND"), no_session
    assert foreign_report.result.startswith("PERMISSION_DENIED"), foreign_report
    assert foreign_submit.result.startswith("PERMISSION_DENIED"), foreign_submit
    # The cluster is intact and keeps working.
    assert deployment.call("GET", f"/connectors/{t.victim}")[0] == 200, f"{t.victim} must still exist"
    assert ROGUE_PARTITION not in _offset_partitions(deployment), "a refused AlterOffsets wrote an offset"
    assert _task_state(deployment, t.source) == "RUNNING", "a refused report changed a status"
    assert not t.attacker_file.exists(), "a refused SubmitTaskConfigs redirected the sink"
    deployment.flows(50)


def _as_another_member(deployment: Deployment, insider: Attacker, table: Table) -> tuple[Any, Any]:
    """A member registered under its own id reports on, and submits task configs for, work of the real
    worker. The real worker is paused meanwhile (SIGSTOP, by pid), well within its lease: it cannot
    acknowledge a generation, so none of its work can move to the new member, which never has it."""
    t = deployment.targets
    owner = deployment.cluster.workers[0]
    lease_s = int(FAST["session.timeout.ms"]) / 1000
    worker_id = "member-worker:1"
    started = time.monotonic()
    os.kill(owner.pid, signal.SIGSTOP)
    try:
        session = register(insider, t, worker_id)
        who = f"{insider.who}, registered as {worker_id}"
        report = attempt(
            table,
            who,
            f"ReportStatus FAILED for {t.source}-0 (not its own)",
            lambda: report_as(insider, t, worker_id, session),
        )
        submit = attempt(
            table,
            who,
            f"SubmitTaskConfigs for {t.sink} (not its own)",
            lambda: submit_as(insider, t, worker_id, session, t.sink_config),
        )
        leave(insider, t, worker_id, session)
    finally:
        os.kill(owner.pid, signal.SIGCONT)
    took = time.monotonic() - started
    assert took < lease_s / 2, f"the member's calls took {took:.2f}s of the owner's {lease_s:.0f}s lease"
    return report, submit
