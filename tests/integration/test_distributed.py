"""Distributed mode through the launcher: every role a real process, real gRPC, the real broker."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.cluster_launcher import LocalCluster
from tests.integration.cluster_harness import (
    FAST,
    all_running,
    describe_group,
    rest,
    running_cluster,
    task_starts,
    worker_by_id,
)
from tests.integration.standalone_harness import (
    append,
    create_topic,
    make_lines,
    read_lines,
    wait_for,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def cluster(tmp_path: Path, bootstrap_servers: str, unique_name: str) -> Iterator[LocalCluster]:
    with running_cluster(tmp_path / "cluster", bootstrap_servers, f"g-{unique_name}", workers=2) as local:
        yield local


def create_pipeline(cluster: LocalCluster, tmp_path: Path, topic: str, sink: str) -> tuple[Path, Path]:
    """Three sources (more units than workers, so a joining worker takes some over), then the sink.

    The sink comes last, once the sources settled: tansu loses a consumer-group join when the
    member before it leaves mid-join, which an immediate move of a brand-new sink task would do.
    """
    create_topic(cluster.bootstrap_servers or "", topic, partitions=1)
    for name in ("src", "src-b", "src-c"):
        path = tmp_path / f"{name}.txt"
        path.touch()
        config = {"connector.class": "FileStreamSource", "file": str(path), "topic": topic, "tasks.max": "2"}
        code, body = rest(cluster, "PUT", f"/connectors/{name}/config", config)
        assert code == 201, f"expected 201 creating {name}, saw {code}: {body}"
    sources = {"src": 1, "src-b": 1, "src-c": 1}
    wait_for(lambda: all_running(cluster, list(sources), sources), 60, "the three sources RUNNING")
    sink_file = tmp_path / "out.txt"
    code, body = rest(
        cluster,
        "POST",
        "/connectors",
        {
            "name": sink,
            "config": {
                "connector.class": "FileStreamSink",
                "file": str(sink_file),
                "topics": topic,
                "tasks.max": "1",
            },
        },
    )
    assert code == 201, f"expected 201 creating sink, saw {code}: {body}"
    return tmp_path / "src.txt", sink_file


def test_pipeline_rebalance_and_failover(cluster: LocalCluster, tmp_path: Path, unique_name: str) -> None:
    # A sink name of its own: its consumer group (connect-<name>) is not shared with other tests' sinks
    # on the same broker, where a member left behind by a killed worker would stall the join.
    sink = f"sink-{unique_name}"
    source_file, sink_file = create_pipeline(cluster, tmp_path, f"t-{unique_name}", sink)
    tasks = {"src": 1, sink: 1, "src-b": 1, "src-c": 1}
    names = list(tasks)
    wait_for(lambda: all_running(cluster, names, tasks), 60, "every connector and task RUNNING")
    lines = make_lines(100_000)
    append(source_file, lines[:50_000])
    # Data flowing end to end (the sink's consumer has joined its group) before the membership changes.
    wait_for(lambda: len(read_lines(sink_file)) >= 1000, 60, "the first lines in the sink file")

    # A third worker joins: the assignment rebalances and no task that kept its worker restarts.
    before = describe_group(cluster)
    joined_at = time.monotonic()
    third = cluster.add_worker()
    after = wait_for(
        lambda: (group := describe_group(cluster)) and len(group) == 3 and all(group.values()) and group,
        30,
        "3 workers, each with work",
    )
    wait_for(lambda: all_running(cluster, names, tasks), 30, "all RUNNING after the join")
    balanced_s = time.monotonic() - joined_at
    restarted = []
    for worker_id, units in before.items():
        kept = units & after.get(worker_id, set())
        starts = task_starts(worker_by_id(cluster, worker_id))
        restarted += [f"{u}@{worker_id}:{starts[u]}" for u in kept if u in starts and starts[u] != 1]
    assert not restarted, (
        f"tasks that kept their worker were restarted: {restarted} (before {before}, after {after})"
    )
    moved = sum(len(units - after.get(w, set())) for w, units in before.items())
    print(f"join to balanced all-RUNNING: {balanced_s:.2f}s; units moved: {moved}")

    # kill -9 the worker running the source task, mid-stream: its work moves, no line is lost.
    group = describe_group(cluster)
    victim_id = next(w for w, units in group.items() if "src-0" in units)
    victim = worker_by_id(cluster, victim_id)
    append(source_file, lines[50_000:])
    killed_at = time.monotonic()
    cluster.kill(victim)
    wait_for(
        lambda: (
            (s := all_running(cluster, ["src", sink], tasks))
            and all(t["worker_id"] != victim_id for st in s.values() for t in st["tasks"])
        ),
        30,
        f"every task RUNNING on a survivor after kill -9 of {victim_id}",
    )
    failover_s = time.monotonic() - killed_at
    delay_ms = FAST["scheduled.rebalance.max.delay.ms"]
    print(f"kill -9 to RUNNING elsewhere: {failover_s:.2f}s (rebalance delay {delay_ms} ms)")
    got = wait_for(
        lambda: set(lines) <= set(out := read_lines(sink_file)) and out,
        120,
        "all 100,000 lines in the sink file",
    )
    assert list(dict.fromkeys(got)) == lines, (
        "sink lines (first occurrences) are not the source lines in order"
    )
    assert third.alive()


def test_mismatched_storage_topics_are_refused(cluster: LocalCluster) -> None:
    worker = cluster.add_worker(wait=False, extra={"offset.storage.topic": "some-other-offsets"})
    code = worker.process.wait(60)
    log = worker.log_tail(10)
    assert code != 0, f"expected the mismatched worker to exit with an error, it exited {code}"
    # The worker learns which of its keys differ, never the group's topic (issue 13: a rogue used to
    # read it from the refusal); the coordinator's log names both for the operator.
    assert "offset.storage.topic='some-other-offsets' differs" in log, f"expected its key named, saw:\n{log}"
    assert f"{cluster.group_id}-offsets" not in log, f"the refusal names the group's topic:\n{log}"
    assert cluster.coordinator is not None
    coordinator_log = cluster.coordinator.log_tail(50)
    assert f"but the group uses '{cluster.group_id}-offsets'" in coordinator_log, (
        f"expected the coordinator's log to name the group's topic, saw:\n{coordinator_log}"
    )
    cluster.processes.remove(worker)
    cluster.workers.remove(worker)


def test_groups_are_isolated(cluster: LocalCluster, tmp_path: Path) -> None:
    other = LocalCluster(
        tmp_path / "other",
        group_id=f"{cluster.group_id}-b",
        bootstrap_servers=cluster.bootstrap_servers,
        settings=FAST,
    )
    # The second group shares the first group's coordinator and offset store.
    other.coordinator, other.offset_store = cluster.coordinator, cluster.offset_store
    try:
        other.add_worker()
        other.start_gateway()
        source = tmp_path / "a.txt"
        source.touch()
        config = {"connector.class": "FileStreamSource", "file": str(source), "topic": "iso-a"}
        assert rest(cluster, "PUT", "/connectors/only-in-a/config", config)[0] == 201
        wait_for(lambda: rest(other, "GET", "/connectors") == (200, []), 30, "group b lists no connectors")
        assert rest(other, "GET", "/connectors/only-in-a")[0] == 404
        assert rest(cluster, "GET", "/connectors")[1] == ["only-in-a"]
    finally:
        # Only group b's own worker and gateway: the shared services belong to the fixture.
        other.stop()


def test_unreachable_coordinator_is_503_not_a_hang(cluster: LocalCluster) -> None:
    assert cluster.coordinator is not None
    cluster.kill(cluster.coordinator)
    started = time.monotonic()
    # The gateway's status view answers until it notices its stream is gone (milliseconds after a
    # kill: the connection closes), then every read goes to the coordinator, and fails fast.
    code, body = wait_for(
        lambda: (answer := rest(cluster, "GET", "/connectors"))[0] != 200 and answer, 15, "a non-200 answer"
    )
    elapsed = time.monotonic() - started
    assert code == 503 and body["error_code"] == 503 and "coordinator" in body["message"], (
        f"saw {code} {body}"
    )
    assert elapsed < 15, f"expected a bounded answer, took {elapsed:.1f}s"
