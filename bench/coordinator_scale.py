"""6. Coordinator scale: C connectors x T tasks over W lightweight workers, the coordinator a real process.

The config topic is written first, in Kafka Connect's format, as a group that already ran would have
left it (connector configs, task configs, commits); the coordinator loads it when the first worker
registers. The workers are ``bench.lightweight_workers`` members (two processes of W/2 threads, to
fit 2 cores): real gRPC, real protocol, no tasks. Each reports every generation it acknowledged, with
its time; a rebalance lasts from the call that starts it (RegisterWorker of one more member,
LeaveGroup of one) to the last acknowledgement of the balanced assignment that follows.

* rebalance after a join / a leave; baseline: one ``assign()`` of the same units in this process,
  the pure assignment rule without I/O (the ratio is the protocol's and the coordinator's overhead);
* coordinator peak RSS (VmHWM, sampled from /proc over the whole benchmark);
* restart to ready: from starting a new coordinator process to it answering for every connector and
  its tasks (loaded from the config topic, once the first member is back); baseline: a fresh Python
  importing the coordinator module plus a plain consumer reading the config topic to its end.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import grpc
from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer
from confluent_kafka import TopicPartition as KafkaTopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from bench.common import (
    Context,
    Figure,
    RssSampler,
    child_env,
    ratio,
    rss_bytes,
    stop_process,
    unique,
    wait_until,
)
from bench.lightweight_workers import storage_topics, task_configs
from connectd.cluster.assignor import WorkAssignment, assign
from connectd.embedded_broker import free_port
from connectd.runtime.model import TaskId
from connectd.storage.config_store import encode_connector_record, encode_task_config_records
from connectd.v1 import cluster_admin_pb2, cluster_admin_pb2_grpc, connectors_pb2, connectors_pb2_grpc

NAME = "scale"
TITLE = "6. coordinator scale (lightweight workers over gRPC)"
IDLE_SOURCE = "idle_source.IdleSourceConnector"
_PROCESSES = 2
_QUIET_S = 0.5  # no acknowledgement for this long, and the group is balanced: the rebalance is over


@dataclass
class Member:
    generation: int = 0
    connectors: int = 0
    tasks: int = 0
    acked_at: float = 0.0


@dataclass
class Events:
    """What the lightweight processes report, gathered by reader threads."""

    members: dict[str, Member] = field(default_factory=dict)
    started: dict[str, float] = field(default_factory=dict)  # registering / leaving, by worker
    last_event: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def read(self, stream: object) -> None:
        for raw in stream:  # type: ignore[attr-defined]
            kind, worker, *rest = raw.decode().split()
            with self.lock:
                self.last_event = time.monotonic()
                if kind == "applied":
                    generation, connectors, tasks, at = (
                        int(rest[0]),
                        int(rest[1]),
                        int(rest[2]),
                        float(rest[3]),
                    )
                    self.members[worker] = Member(generation, connectors, tasks, at)
                elif kind in ("registering", "leaving"):
                    self.started[f"{kind} {worker}"] = float(rest[0])
                    if kind == "leaving":
                        self.members.pop(worker, None)

    def balanced(self, workers: int, connectors: int, tasks: int) -> bool:
        with self.lock:
            members = list(self.members.values())
        if len(members) != workers:
            return False
        for counts, total in (
            ([m.connectors for m in members], connectors),
            ([m.tasks for m in members], tasks),
        ):
            if sum(counts) != total or max(counts) - min(counts) > 1:
                return False
        return True

    def quiet_for(self) -> float:
        with self.lock:
            return time.monotonic() - self.last_event

    def last_ack(self) -> float:
        with self.lock:
            return max(m.acked_at for m in self.members.values())


def seed_config_topic(bootstrap: str, topic: str, connectors: int, tasks: int) -> list[str]:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, 1, 1, config={"cleanup.policy": "compact"})])[topic].result(30)
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "linger.ms": 20})
    names = [f"scale-{i:05d}" for i in range(connectors)]
    for name in names:
        config = {"connector.class": IDLE_SOURCE, "tasks.max": str(tasks), "name": name}
        for key, value in [
            encode_connector_record(name, config),
            *encode_task_config_records(name, task_configs(config)),
        ]:
            while True:
                try:
                    producer.produce(topic, key=key, value=value)
                    break
                except BufferError:
                    producer.poll(0.05)
    if producer.flush(60):
        raise RuntimeError(f"could not write the config topic {topic}")
    return names


class CoordinatorProcess:
    def __init__(self, workdir: Path, bootstrap: str, settings: dict[str, str]) -> None:
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        props = {
            "bootstrap.servers": bootstrap,
            "grpc.host": "127.0.0.1",
            "grpc.port": str(self.port),
            "config.storage.replication.factor": "-1",
            "status.storage.replication.factor": "-1",
            "offset.storage.replication.factor": "-1",
            **settings,
        }
        self.properties = workdir / "coordinator.properties"
        self.properties.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
        self.log_path = workdir / "coordinator.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> float:
        """Start the process; returns the perf_counter time it was started at."""
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child
        started = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "coordinator", str(self.properties)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=child_env(),
        )
        log.close()
        return started

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process, 30)


class Probe:
    def __init__(self, address: str, group_id: str) -> None:
        self.group_id = group_id
        self._channel = grpc.insecure_channel(address)
        self.admin = cluster_admin_pb2_grpc.ClusterAdminServiceStub(self._channel)
        self.stub = connectors_pb2_grpc.ConnectorServiceStub(self._channel)

    def close(self) -> None:
        self._channel.close()

    def settled(self) -> bool:
        """Every member has acknowledged the latest generation pushed to it."""
        group = self.admin.DescribeGroup(
            cluster_admin_pb2.DescribeGroupRequest(group_id=self.group_id), timeout=30
        )
        return all(m.applied_generation == m.generation for m in group.members)

    def assignment(self) -> dict[str, WorkAssignment]:
        group = self.admin.DescribeGroup(
            cluster_admin_pb2.DescribeGroupRequest(group_id=self.group_id), timeout=30
        )
        return {
            m.worker_id: WorkAssignment(
                frozenset(m.connectors), frozenset(TaskId(t.connector, t.task) for t in m.tasks)
            )
            for m in group.members
        }

    def ready(self, names: list[str], tasks: int) -> bool:
        try:
            listed = self.stub.ListConnectors(
                connectors_pb2.ListConnectorsRequest(group_id=self.group_id), timeout=5
            ).names
            info = self.stub.GetConnector(
                connectors_pb2.GetConnectorRequest(group_id=self.group_id, name=names[-1]), timeout=5
            ).connector
        except grpc.RpcError:
            return False
        return len(listed) == len(names) and len(info.tasks) == tasks


def wait_rebalanced(
    events: Events, probe: Probe, workers: int, connectors: int, tasks: int, timeout: float
) -> None:
    def done() -> bool:
        return (
            events.quiet_for() >= _QUIET_S and events.balanced(workers, connectors, tasks) and probe.settled()
        )

    wait_until(done, timeout, f"{workers} members with a balanced, acknowledged assignment", interval=0.1)


def assign_baseline(probe: Probe, joiner: str) -> float:
    """Seconds of one pure ``assign()`` of the group's units to its members plus one joiner."""
    current = probe.assignment()
    connectors = sorted({c for a in current.values() for c in a.connectors})
    tasks = sorted({t for a in current.values() for t in a.tasks})
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        assign([*current, joiner], connectors, tasks, current)
        best = min(best, time.perf_counter() - started)
    return best


def restart_baseline(bootstrap: str, topic: str) -> float:
    """A fresh interpreter importing the coordinator, plus a plain consumer reading the config topic."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", "import services.coordinator.server"], check=True, env=child_env(), timeout=120
    )
    imports = time.perf_counter() - started
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": unique("bench-replay"), "enable.auto.commit": False}
    )
    try:
        started = time.perf_counter()
        low, high = consumer.get_watermark_offsets(KafkaTopicPartition(topic, 0), timeout=30, cached=False)
        consumer.assign([KafkaTopicPartition(topic, 0, OFFSET_BEGINNING)])
        position = low
        while position < high:
            for message in consumer.consume(500, 0.5):
                if message.error() is None:
                    position = max(position, message.offset() + 1)
            # tansu's high watermark may stop at the last batch's first record: what is buffered is all.
            if not consumer.consume(1, 0.2) and position >= high - 1:
                break
        replay = time.perf_counter() - started
    finally:
        consumer.close()
    return imports + replay


def run(ctx: Context) -> list[Figure]:
    scale = ctx.scale
    connectors, tasks_per, workers = scale.scale_connectors, scale.scale_tasks, scale.scale_workers
    total_tasks = connectors * tasks_per
    full = scale.name == "full"
    heartbeat_ms = "1000" if full else "300"
    settings = {
        "heartbeat.interval.ms": heartbeat_ms,
        "session.timeout.ms": "5000" if full else "1500",
        "scheduled.rebalance.max.delay.ms": "3000" if full else "500",
    }
    workdir = ctx.subdir(NAME)
    group_id = unique("bench-scale")
    config_topic = storage_topics(group_id).config_topic
    started = time.perf_counter()
    names = seed_config_topic(ctx.bootstrap, config_topic, connectors, tasks_per)
    seeded_s = time.perf_counter() - started
    ctx.log(f"  config topic: {connectors} connectors x {tasks_per} tasks in {seeded_s:.1f} s")

    coordinator = CoordinatorProcess(workdir, ctx.bootstrap, settings)
    coordinator.start()
    wait_until(lambda: _listening(coordinator.port), 60, "the coordinator's port")
    events = Events()
    helpers: list[subprocess.Popen[bytes]] = []
    probe = Probe(coordinator.address, group_id)
    ids = [f"lw-{i:03d}" for i in range(workers + 1)]
    try:
        with RssSampler(coordinator.pid) as rss:
            for p in range(_PROCESSES):
                command = ["-m", "bench.lightweight_workers", coordinator.address, group_id, heartbeat_ms]
                with open(workdir / f"members-{p}.log", "ab") as log:
                    helper = subprocess.Popen(
                        [sys.executable, *command, *ids[p:workers:_PROCESSES]],
                        stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE,
                        stderr=log,
                        env=child_env(),
                    )
                helpers.append(helper)
                threading.Thread(target=events.read, args=(helper.stdout,), daemon=True).start()
            started = time.perf_counter()
            wait_rebalanced(events, probe, workers, connectors, total_tasks, 300)
            ctx.log(f"  {workers} members registered and assigned in {time.perf_counter() - started:.1f} s")

            # --- join ---
            joiner = ids[workers]
            baseline_s = assign_baseline(probe, joiner)
            _command(helpers[0], f"join {joiner}")
            wait_rebalanced(events, probe, workers + 1, connectors, total_tasks, 300)
            join_s = events.last_ack() - events.started[f"registering {joiner}"]
            ctx.log(
                f"  rebalance after a join: {join_s * 1000:.0f} ms (assign(): {baseline_s * 1000:.0f} ms)"
            )

            # --- leave ---
            leaver = ids[0]
            _command(helpers[0], f"leave {leaver}")
            wait_rebalanced(events, probe, workers, connectors, total_tasks, 300)
            leave_s = events.last_ack() - events.started[f"leaving {leaver}"]
            ctx.log(f"  rebalance after a leave: {leave_s * 1000:.0f} ms")
            peak = max(rss.peak, rss_bytes(coordinator.pid, "VmHWM"))
        ctx.log(f"  coordinator peak RSS {peak / 2**20:.0f} MB")

        # --- restart ---
        coordinator.stop()
        restarted = coordinator.start()
        wait_until(lambda: probe.ready(names, tasks_per), 120, "the restarted coordinator to answer", 0.02)
        restart_s = time.perf_counter() - restarted
        wait_rebalanced(events, probe, workers, connectors, total_tasks, 300)
        back_s = time.perf_counter() - restarted
        ctx.log(f"  restart to ready: {restart_s:.2f} s; every member back and settled: {back_s:.2f} s")
        restart_base_s = restart_baseline(ctx.bootstrap, config_topic)
    finally:
        probe.close()
        for helper in helpers:
            _command(helper, "quit")
        for helper in helpers:
            stop_process(helper, 20)  # type: ignore[arg-type]
        coordinator.stop()
    return [
        Figure(
            "setup",
            workers,
            "workers",
            note=f"{connectors} connectors x {tasks_per} tasks, heartbeat {heartbeat_ms} ms",
        ),
        Figure("rebalance after a join", round(join_s * 1000), "ms", "< 500"),
        Figure("rebalance after a leave", round(leave_s * 1000), "ms", "< 500"),
        Figure(
            "assign() alone", round(baseline_s * 1000, 1), "ms", note="baseline: the pure rule, in-process"
        ),
        Figure("ratio join", ratio(join_s, baseline_s), "x", note="join rebalance ÷ assign()"),
        Figure("ratio leave", ratio(leave_s, baseline_s), "x", note="leave rebalance ÷ assign()"),
        Figure("coordinator peak RSS", round(peak / 2**20), "MB", "< 300"),
        Figure("restart to ready", round(restart_s, 2), "s", "< 5", note="new process -> answers for all"),
        Figure("restart to all members settled", round(back_s, 2), "s"),
        Figure(
            "restart baseline",
            round(restart_base_s, 2),
            "s",
            note="python import + plain replay of the topic",
        ),
        Figure("ratio restart", ratio(restart_s, restart_base_s), "x", note="restart ÷ baseline"),
    ]


def _listening(port: int) -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _command(helper: subprocess.Popen[bytes], line: str) -> None:
    if helper.poll() is None and helper.stdin is not None:
        try:
            helper.stdin.write(f"{line}\n".encode())
            helper.stdin.flush()
        except BrokenPipeError:
            pass
