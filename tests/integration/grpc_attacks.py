"""The attacks of issue 13 on the gRPC roles, as a process outside the cluster would make them.

Each attack is one call (or a short sequence) on the coordinator, the offset store or the group
membership service, made through an :class:`Attacker`: a channel with the credentials it holds
(none, a client certificate, the cluster token, or both). Every outcome is a row of the table the
tests print: who, what, and the status code or what the call achieved.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import grpc

from connectd.v1 import (
    common_pb2,
    connectors_pb2,
    connectors_pb2_grpc,
    membership_pb2,
    membership_pb2_grpc,
    offset_store_pb2,
    offset_store_pb2_grpc,
)
from services.cluster_launcher import LocalCluster
from services.grpc_support import CHANNEL_OPTIONS
from services.security.grpc_credentials import GrpcSecurity

DEADLINE_S = 5.0
ROGUE_ADDRESS = "127.0.0.1:1"  # where the rogue "worker" claims to listen: nothing answers there


@dataclass
class Row:
    who: str
    what: str
    result: str
    # True: the attack achieved what it aimed at; None: not an attack (what stays open by design).
    succeeded: bool | None


@dataclass
class Table:
    title: str
    rows: list[Row] = field(default_factory=list)

    def add(self, who: str, what: str, result: str, succeeded: bool | None) -> Row:
        row = Row(who, what, result, succeeded)
        self.rows.append(row)
        return row

    def render(self) -> str:
        widths = [
            max(len(h), *(len(getattr(r, a)) for r in self.rows))
            for h, a in (("who", "who"), ("what", "what"), ("result", "result"))
        ]
        lines = [f"## {self.title}", ""]
        header = ("who", "what", "result", "attack")
        lines.append("| " + " | ".join(h.ljust(w) for h, w in zip(header, [*widths, 8], strict=True)) + " |")
        lines.append("|" + "|".join("-" * (w + 2) for w in [*widths, 8]) + "|")
        for r in self.rows:
            cells = (r.who, r.what, r.result, {True: "WORKS", False: "refused", None: "n/a"}[r.succeeded])
            lines.append(
                "| " + " | ".join(c.ljust(w) for c, w in zip(cells, [*widths, 8], strict=True)) + " |"
            )
        return "\n".join(lines)


def failure(exc: grpc.RpcError) -> str:
    code = exc.code()  # type: ignore[attr-defined]
    details = (exc.details() or "").replace("\n", " ")  # type: ignore[attr-defined]
    return f"{code.name}: {details[:90]}"


@dataclass
class Attacker:
    """A process with some credentials, calling the cluster's roles."""

    who: str
    cluster: LocalCluster
    # How its channels are made: None for plaintext without anything.
    credentials: grpc.ChannelCredentials | None

    def channel(self, port: int) -> grpc.Channel:
        address = f"127.0.0.1:{port}"
        if self.credentials is None:
            return grpc.insecure_channel(address, options=CHANNEL_OPTIONS)
        return grpc.secure_channel(address, self.credentials, options=CHANNEL_OPTIONS)

    def coordinator(self) -> grpc.Channel:
        assert self.cluster.coordinator is not None
        return self.channel(self.cluster.coordinator.port)

    def offset_store(self) -> grpc.Channel:
        assert self.cluster.offset_store is not None
        return self.channel(self.cluster.offset_store.port)


def attackers_of_a_secure_cluster(cluster: LocalCluster) -> list[Attacker]:
    """Outsiders of a secure cluster: no certificate; the client certificate without the token; the
    certificate with a wrong token."""
    assert cluster.certs is not None and cluster.security.tls is not None
    ca = cluster.certs.ca.read_bytes()
    with_cert = GrpcSecurity(cluster.security.tls)  # the client certificate the cluster's clients use
    wrong_token = GrpcSecurity(cluster.security.tls, "not-the-cluster-token-" + "0" * 16)
    return [
        Attacker("rogue, no client certificate", cluster, grpc.ssl_channel_credentials(root_certificates=ca)),
        Attacker("rogue, client cert, no token", cluster, with_cert.channel_credentials()),
        Attacker("rogue, client cert, wrong token", cluster, wrong_token.channel_credentials()),
    ]


def member(cluster: LocalCluster) -> Attacker:
    """A process holding what a role holds: a certificate of the cluster's CA and the token."""
    return Attacker("member (cert + token)", cluster, cluster.security.channel_credentials())


# --- the attacks -------------------------------------------------------------------------------------


@dataclass
class Targets:
    """What the attacks aim at in the cluster under test."""

    group_id: str
    source: str  # its config holds a password
    secret: str
    sink: str
    victim: str  # a connector to delete
    attacker_file: Path
    storage: common_pb2.StorageTopics
    owner_id: str  # the worker running everything
    sink_config: dict[str, str]


def attempt(table: Table, who: str, what: str, call: Callable[[], tuple[str, bool | None]]) -> Row:
    """Run one attack: a row with what it achieved, or the status code that refused it."""
    try:
        result, succeeded = call()
    except grpc.RpcError as exc:
        result, succeeded = failure(exc), False
    return table.add(who, what, result, succeeded)


def read_password(attacker: Attacker, t: Targets) -> tuple[str, bool]:
    with attacker.coordinator() as channel:
        stub = connectors_pb2_grpc.ConnectorServiceStub(channel)
        response = stub.GetConnector(
            connectors_pb2.GetConnectorRequest(group_id=t.group_id, name=t.source), timeout=DEADLINE_S
        )
    config = dict(response.connector.config)
    leaked = t.secret in config.values()
    return ("OK, config read, password included" if leaked else f"OK, config {sorted(config)}"), leaked


def read_task_configs(attacker: Attacker, t: Targets) -> tuple[str, bool]:
    with attacker.coordinator() as channel:
        stub = connectors_pb2_grpc.ConnectorServiceStub(channel)
        response = stub.ListTasks(
            connectors_pb2.ListTasksRequest(group_id=t.group_id, name=t.source), timeout=DEADLINE_S
        )
    leaked = any(t.secret in task.config.values() for task in response.tasks)
    return f"OK, {len(response.tasks)} task configs read" + (", password included" if leaked else ""), True


def delete_connector(attacker: Attacker, t: Targets) -> tuple[str, bool]:
    with attacker.coordinator() as channel:
        stub = connectors_pb2_grpc.ConnectorServiceStub(channel)
        stub.DeleteConnector(
            connectors_pb2.DeleteConnectorRequest(group_id=t.group_id, name=t.victim), timeout=DEADLINE_S
        )
    return f"OK, {t.victim} deleted", True


ROGUE_PARTITION = {"filename": "/rogue"}


def alter_offsets(attacker: Attacker, t: Targets) -> tuple[str, bool]:
    topic = offset_store_pb2.OffsetTopic(group_id=t.group_id, name=t.storage.offset_topic)
    entry = offset_store_pb2.OffsetEntry(
        partition_json=json.dumps(ROGUE_PARTITION), offset_json=json.dumps({"position": 0})
    )
    with attacker.offset_store() as channel:
        stub = offset_store_pb2_grpc.OffsetStoreServiceStub(channel)
        stub.AlterOffsets(
            offset_store_pb2.AlterOffsetsRequest(topic=topic, connector=t.source, entries=[entry]),
            timeout=DEADLINE_S,
        )
    return "OK, offset written", True


def register(
    attacker: Attacker, t: Targets, worker_id: str, storage: common_pb2.StorageTopics | None = None
) -> str:
    """RegisterWorker; returns the session."""
    request = membership_pb2.RegisterWorkerRequest(
        group_id=t.group_id, worker_id=worker_id, address=ROGUE_ADDRESS, storage=storage or t.storage
    )
    with attacker.coordinator() as channel:
        stub = membership_pb2_grpc.GroupMembershipServiceStub(channel)
        return str(stub.RegisterWorker(request, timeout=DEADLINE_S).session)


def leave(attacker: Attacker, t: Targets, worker_id: str, session: str) -> None:
    with attacker.coordinator() as channel:
        membership_pb2_grpc.GroupMembershipServiceStub(channel).LeaveGroup(
            membership_pb2.LeaveGroupRequest(group_id=t.group_id, worker_id=worker_id, session=session),
            timeout=DEADLINE_S,
        )


def register_with_wrong_topics(attacker: Attacker, t: Targets) -> tuple[str, bool]:
    """The refusal used to name the group's topics, so that a second try was accepted."""
    wrong = common_pb2.StorageTopics(config_topic="guess-c", offset_topic="guess-o", status_topic="guess-s")
    try:
        register(attacker, t, "rogue-probe:1", wrong)
    except grpc.RpcError as exc:
        if exc.code() is not grpc.StatusCode.FAILED_PRECONDITION:  # type: ignore[attr-defined]
            raise  # refused before the coordinator looked at the topics
        details = exc.details() or ""  # type: ignore[attr-defined]
        named = [topic for topic in (t.storage.config_topic, t.storage.status_topic) if topic in details]
        if named:
            return f"{failure(exc)} (names the group's topics {named})", True
        return f"{exc.code().name}, the group's topics not named", False  # type: ignore[attr-defined]
    return "OK, registered with wrong topics", True


def register_and_watch(attacker: Attacker, t: Targets) -> tuple[str, bool]:
    worker_id = "rogue-worker:1"
    session = register(attacker, t, worker_id)
    request = membership_pb2.WatchAssignmentsRequest(
        group_id=t.group_id, worker_id=worker_id, session=session
    )
    with attacker.coordinator() as channel:
        stream = membership_pb2_grpc.GroupMembershipServiceStub(channel).WatchAssignments(
            request, timeout=DEADLINE_S
        )
        first = next(iter(stream))
        stream.cancel()
    leave(attacker, t, worker_id, session)
    return f"OK, a member; assignment generation {first.generation} received", True


def _failed_report(t: Targets, worker_id: str, session: str) -> membership_pb2.ReportStatusRequest:
    update = membership_pb2.StatusUpdate(
        connector=t.source,
        task=0,
        state=common_pb2.StateInfo(state=common_pb2.STATE_FAILED, worker_id=worker_id, trace="rogue report"),
        generation=1,
    )
    return membership_pb2.ReportStatusRequest(
        group_id=t.group_id, worker_id=worker_id, updates=[update], session=session
    )


def report_as(attacker: Attacker, t: Targets, worker_id: str, session: str) -> tuple[str, bool]:
    with attacker.coordinator() as channel:
        membership_pb2_grpc.GroupMembershipServiceStub(channel).ReportStatus(
            _failed_report(t, worker_id, session), timeout=DEADLINE_S
        )
    return f"OK, {t.source}-0 reported FAILED", True


def submit_as(
    attacker: Attacker, t: Targets, worker_id: str, session: str, sink_config: dict[str, str]
) -> tuple[str, bool]:
    config = {**sink_config, "file": str(t.attacker_file)}
    request = membership_pb2.SubmitTaskConfigsRequest(
        group_id=t.group_id,
        worker_id=worker_id,
        connector=t.sink,
        tasks=[membership_pb2.TaskConfig(config=config)],
        session=session,
    )
    with attacker.coordinator() as channel:
        membership_pb2_grpc.GroupMembershipServiceStub(channel).SubmitTaskConfigs(request, timeout=DEADLINE_S)
    return f"OK, {t.sink}'s task now writes {t.attacker_file.name}", True


def outsider_attacks(attacker: Attacker, t: Targets) -> Iterator[tuple[str, Callable[[], tuple[str, bool]]]]:
    """Every attack an outsider makes, as (what, call)."""
    yield "GetConnector (config with a password)", lambda: read_password(attacker, t)
    yield "ListTasks (task configs)", lambda: read_task_configs(attacker, t)
    yield f"DeleteConnector {t.victim}", lambda: delete_connector(attacker, t)
    yield "AlterOffsets (offset store)", lambda: alter_offsets(attacker, t)
    yield "RegisterWorker, wrong storage topics", lambda: register_with_wrong_topics(attacker, t)
    yield "RegisterWorker + WatchAssignments", lambda: register_and_watch(attacker, t)
    yield f"ReportStatus FAILED for {t.source}-0 as its owner", lambda: report_as(attacker, t, t.owner_id, "")
    yield (
        f"SubmitTaskConfigs for {t.sink} as its owner",
        lambda: submit_as(attacker, t, t.owner_id, "", t.sink_config),
    )


def health_and_reflection(
    attacker: Attacker,
) -> Iterator[tuple[str, Callable[[], tuple[str, bool | None]]]]:
    """What a caller without the token still reaches: the health check, and not reflection."""
    from grpc_health.v1 import health_pb2, health_pb2_grpc
    from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

    def check() -> tuple[str, bool | None]:
        with attacker.coordinator() as channel:
            response = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(), timeout=DEADLINE_S
            )
        return f"OK, {health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)}", None

    def reflect() -> tuple[str, bool | None]:
        request = reflection_pb2.ServerReflectionRequest(list_services="")
        with attacker.coordinator() as channel:
            stub = reflection_pb2_grpc.ServerReflectionStub(channel)
            answer = next(iter(stub.ServerReflectionInfo(iter([request]), timeout=DEADLINE_S)))
        return f"OK, {len(answer.list_services_response.service)} services listed", True

    yield "Health Check (no token needed)", check
    yield "server reflection (list services)", reflect
