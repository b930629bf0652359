"""Distributed mode through faults of the services, mid-stream: the coordinator and the offset store
stop and come back while a FileStreamSource -> FileStreamSink pipeline keeps moving lines."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import pytest

from connectd.storage.offsets import canonical_json
from connectd.v1 import offset_store_pb2, offset_store_pb2_grpc
from services.cluster_launcher import LocalCluster
from tests.integration.cluster_harness import (
    all_running,
    describe_group,
    rest,
    running_cluster,
    task_starts,
    worker_by_id,
)
from tests.integration.standalone_harness import append, create_topic, make_lines, read_lines, wait_for

pytestmark = pytest.mark.integration

LINE_BYTES = 100  # make_lines' default width, newline included
BATCH = 2_000
# The source's name sorts first: when the restarted worker returns, the assignor hands it back the
# source task, never the sink's. A sink consumer moving between workers risks tansu's stuck join.
SOURCE, SINK = "file-in", "file-out"
TASKS = {SOURCE: 1, SINK: 1}


@pytest.fixture
def cluster(tmp_path: Path, bootstrap_servers: str, unique_name: str) -> Iterator[LocalCluster]:
    with running_cluster(tmp_path / "cluster", bootstrap_servers, f"g-{unique_name}", workers=2) as local:
        yield local


def start_pipeline(cluster: LocalCluster, tmp_path: Path, topic: str) -> tuple[Path, Path]:
    """One FileStreamSource (one task) into ``topic`` and one FileStreamSink out of it, all RUNNING."""
    create_topic(cluster.bootstrap_servers or "", topic, partitions=1)
    source_file, sink_file = tmp_path / "in.txt", tmp_path / "out.txt"
    source_file.touch()
    for name, config in (
        (SOURCE, {"connector.class": "FileStreamSource", "file": str(source_file), "topic": topic}),
        (SINK, {"connector.class": "FileStreamSink", "file": str(sink_file), "topics": topic}),
    ):
        code, body = rest(cluster, "PUT", f"/connectors/{name}/config", {**config, "tasks.max": "1"})
        assert code == 201, f"expected 201 creating {name}, saw {code}: {body}"
    wait_for(lambda: all_running(cluster, list(TASKS), TASKS), 60, f"{SOURCE} and {SINK} RUNNING")
    return source_file, sink_file


def stream(path: Path, lines: list[str]) -> None:
    """Append in batches, as a live file grows."""
    for start in range(0, len(lines), BATCH):
        append(path, lines[start : start + BATCH])


def line_count(path: Path) -> int:
    """Lines in a file of fixed-width lines, without reading it."""
    return path.stat().st_size // LINE_BYTES if path.exists() else 0


def wait_sink(sink_file: Path, count: int, what: str, timeout: float = 60) -> int:
    return wait_for(lambda: (n := line_count(sink_file)) >= count and n, timeout, what, interval=0.1)


def assert_delivered_in_order(sink_file: Path, lines: list[str]) -> list[str]:
    got = wait_for(
        lambda: set(lines) <= set(out := read_lines(sink_file)) and out,
        60,
        f"all {len(lines)} lines in the sink file",
        interval=0.5,
    )
    first = list(dict.fromkeys(got))
    mismatch = next((i for i, (a, b) in enumerate(zip(first, lines, strict=False)) if a != b), None)
    assert first == lines, (
        f"expected the {len(lines)} source lines in order, saw {len(first)} distinct lines "
        f"(first out of place at index {mismatch})"
    )
    return got


def worker_of(cluster: LocalCluster, unit: str) -> str:
    return wait_for(
        lambda: next((w for w, units in describe_group(cluster).items() if unit in units), None),
        30,
        f"the worker assigned {unit}",
    )


# --- the coordinator -------------------------------------------------------------------------------


def test_coordinator_restart_mid_stream(cluster: LocalCluster, tmp_path: Path, unique_name: str) -> None:
    source_file, sink_file = start_pipeline(cluster, tmp_path, f"t-{unique_name}")
    lines = make_lines(40_000)
    stream(source_file, lines[:10_000])
    # Data flows end to end (the sink's consumer joined its group) before anything changes.
    wait_sink(sink_file, 1_000, "the first lines in the sink file")
    configs = {name: rest(cluster, "GET", f"/connectors/{name}/config") for name in TASKS}
    statuses = all_running(cluster, list(TASKS), TASKS)
    assert statuses is not None, f"expected {SOURCE} and {SINK} RUNNING before the outage"
    group = describe_group(cluster)
    starts = {w.name: task_starts(w) for w in cluster.workers}
    assert sorted(k for s in starts.values() for k in s) == [f"{SOURCE}-0", f"{SINK}-0"], (
        f"expected one source and one sink task across the workers, saw {starts}"
    )

    coordinator = cluster.coordinator
    assert coordinator is not None
    stream(source_file, lines[10_000:20_000])
    delivered_at_stop = line_count(sink_file)
    stopped_at = time.monotonic()
    code = cluster.terminate(coordinator)
    assert code == 0, f"expected the coordinator to exit 0 on SIGTERM, saw {code}"
    stop_s = time.monotonic() - stopped_at
    # Lines appended while the coordinator is down reach the sink while it is still down.
    stream(source_file, lines[20_000:30_000])
    wait_sink(sink_file, 30_000, "the lines appended during the coordinator outage")
    assert not coordinator.alive(), "expected the coordinator to stay down while lines were checked"
    delivered_during = line_count(sink_file) - delivered_at_stop
    restarting_at = time.monotonic()
    cluster.restart(coordinator)
    outage_s = time.monotonic() - stopped_at
    restart_s = time.monotonic() - restarting_at
    stream(source_file, lines[30_000:])

    # Configs and statuses come back from the config and status topics.
    for name, before in configs.items():
        after = wait_for(
            lambda name=name: (got := rest(cluster, "GET", f"/connectors/{name}/config"))[0] == 200 and got,
            30,
            f"GET /connectors/{name}/config after the restart",
        )
        assert after == before, f"expected config of {name} {before} after the restart, saw {after}"
    restored = wait_for(lambda: all_running(cluster, list(TASKS), TASKS), 30, "all RUNNING after the restart")
    owners = {n: [t["worker_id"] for t in s["tasks"]] for n, s in restored.items()}
    assert owners == {n: [t["worker_id"] for t in s["tasks"]] for n, s in statuses.items()}, (
        f"expected tasks on the same workers as before the outage ({statuses}), saw {restored}"
    )
    # Both workers registered again, each with what it ran before, and no task restarted.
    wait_for(lambda: describe_group(cluster) == group, 30, f"both workers back with their work {group}")
    starts_after = {w.name: task_starts(w) for w in cluster.workers}
    assert starts_after == starts, (
        f"expected task start counts {starts} across the outage, saw {starts_after}"
    )

    got = assert_delivered_in_order(sink_file, lines)
    print(
        f"coordinator outage {outage_s:.2f}s (SIGTERM to exit {stop_s:.2f}s, restart to listening "
        f"{restart_s:.2f}s): {delivered_during} lines delivered during it ({delivered_at_stop} before); "
        f"{len(got)} sink lines for {len(lines)} source lines"
    )


# --- the offset store ------------------------------------------------------------------------------


@dataclass
class OffsetSampler:
    """Reads the committed source offset through the offset store's gRPC API, every ``interval_s``."""

    cluster: LocalCluster
    connector: str
    partition: dict[str, Any]
    interval_s: float = 0.05
    phase: str = "before"
    samples: list[tuple[str, int]] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="offset-sampler", daemon=True)

    def read(self) -> int | None:
        """The committed ``position``; None when none is committed; raises grpc.RpcError when down."""
        assert self.cluster.offset_store is not None
        topic = offset_store_pb2.OffsetTopic(
            group_id=self.cluster.group_id, name=self.cluster.common()["offset.storage.topic"]
        )
        request = offset_store_pb2.GetOffsetsRequest(
            topic=topic, connector=self.connector, partition_jsons=[canonical_json(self.partition)]
        )
        # A fresh channel each time: no reconnect backoff hides the moment the store is back.
        with grpc.insecure_channel(f"127.0.0.1:{self.cluster.offset_store.port}") as channel:
            stub = offset_store_pb2_grpc.OffsetStoreServiceStub(channel)
            entry = stub.GetOffsets(request, timeout=10).entries[0]
        if not entry.HasField("offset_json"):
            return None
        return int(json.loads(entry.offset_json)["position"])

    def _run(self) -> None:
        while not self._stop.is_set():
            phase = self.phase
            try:
                position = self.read()
            except grpc.RpcError:
                self.failures[phase] = self.failures.get(phase, 0) + 1
            else:
                if position is not None:
                    self.samples.append((phase, position))
            self._stop.wait(self.interval_s)

    def latest(self, phase: str | None = None) -> int | None:
        seen = [p for ph, p in self.samples if phase is None or ph == phase]
        return seen[-1] if seen else None

    def __enter__(self) -> OffsetSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(15)


def test_offset_store_restart_mid_stream(cluster: LocalCluster, tmp_path: Path, unique_name: str) -> None:
    source_file, sink_file = start_pipeline(cluster, tmp_path, f"t-{unique_name}")
    lines = make_lines(45_000)
    store = cluster.offset_store
    assert store is not None

    with OffsetSampler(cluster, SOURCE, {"filename": str(source_file)}) as sampler:
        stream(source_file, lines[:10_000])
        wait_sink(sink_file, 1_000, "the first lines in the sink file")
        wait_for(
            lambda: len(sampler.samples) >= 5 and sampler.samples,
            30,
            "a few committed source offsets read before the outage",
        )
        # Stopped while a batch is on its way: its commits cannot land until the store is back.
        stream(source_file, lines[10_000:20_000])
        sampler.phase = "during"
        stopped_at = time.monotonic()
        code = cluster.terminate(store)
        assert code == 0, f"expected the offset store to exit 0 on SIGTERM, saw {code}"
        last_before = sampler.latest("before")
        delivered_at_stop = line_count(sink_file)
        # The source keeps producing while its offset commits cannot land.
        stream(source_file, lines[20_000:30_000])
        wait_sink(sink_file, 30_000, "the lines appended during the offset store outage")
        assert not store.alive(), "expected the offset store to stay down while lines were checked"
        delivered_during = line_count(sink_file) - delivered_at_stop
        cluster.restart(store)
        sampler.phase = "after"
        outage_s = time.monotonic() - stopped_at
        # The commits buffered during the outage land with no new data: the client retries them.
        outage_end = source_file.stat().st_size
        wait_for(
            lambda: sampler.latest("after") == outage_end,
            30,
            f"the offsets buffered during the outage committed ({outage_end})",
        )
        retried_s = time.monotonic() - stopped_at - outage_s
        stream(source_file, lines[30_000:40_000])
        end = source_file.stat().st_size
        wait_for(
            lambda: sampler.latest("after") == end, 30, f"the committed offset at the file's end ({end})"
        )

        # Restart the worker running the source task: the task resumes at the committed offset.
        sampler.phase = "worker restart"
        task = f"{SOURCE}-0"
        victim_id = worker_of(cluster, task)
        victim = worker_by_id(cluster, victim_id)
        code = cluster.terminate(victim)
        assert code == 0, f"expected {victim.name} to exit 0 on SIGTERM, saw {code}"
        cluster.restart(victim)
        # The survivor ran the task meanwhile; the rebalance on the return hands it back.
        wait_for(
            lambda: task in describe_group(cluster).get(victim_id, set()),
            30,
            f"{task} back on the restarted {victim.name}",
        )
        wait_for(lambda: all_running(cluster, list(TASKS), TASKS), 30, "all RUNNING after the worker restart")
        restarted_starts = task_starts(victim)
        assert restarted_starts == {task: 1}, (
            f"expected the restarted {victim.name} to run {task} (started once), saw {restarted_starts}"
        )
        stream(source_file, lines[40_000:])
        final = source_file.stat().st_size
        wait_for(
            lambda: sampler.latest("worker restart") == final,
            30,
            f"the committed offset at the file's new end ({final})",
        )

    positions = [p for _, p in sampler.samples]
    first_after = next(p for phase, p in sampler.samples if phase == "after")
    regressions = [(a, b) for a, b in itertools.pairwise(positions) if b < a]
    assert not regressions, f"expected committed offsets never to move back, saw drops {regressions[:5]}"
    assert last_before is not None and first_after >= last_before, (
        f"expected the first offset after the restart ({first_after}) >= the last before ({last_before})"
    )
    assert sampler.failures.get("during"), "expected offset reads to fail while the offset store was down"
    got = assert_delivered_in_order(sink_file, lines)
    repeated = len(got) - len(set(got))
    assert repeated == 0, (
        f"expected each of the {len(lines)} lines once in the sink (the restarted source task resumes at "
        f"the committed offset {end}, it does not read the file again), saw {repeated} repeated lines"
    )
    print(
        f"offset store outage {outage_s:.2f}s: {delivered_during} lines delivered during it, their "
        f"offsets committed {retried_s:.2f}s after the restart; "
        f"{len(positions)} offset samples (by phase {Counter(ph for ph, _ in sampler.samples)}), "
        f"last before {last_before}, first after {first_after}, file end {end}; read failures "
        f"{sampler.failures}; {victim.name} restarted and runs {task} again; final offset {final}, "
        f"{len(got)} sink lines"
    )
