"""4. Rebalance: N workers, C idle connectors x T tasks; a worker joins, then one is killed with -9.

* join: from the moment the coordinator lists the new member (its register) to a balanced
  assignment (every worker within one of an even share of connectors and of tasks) with every
  connector and task RUNNING on the worker the coordinator assigned it;
* failover: from ``kill -9`` to every unit the victim ran RUNNING on a survivor. The configured
  delay before the coordinator may move them (``session.timeout.ms`` from the victim's last
  heartbeat to declare it lost, then ``scheduled.rebalance.max.delay.ms``) is reported separately,
  and so is the time from the coordinator removing the victim (its log line) to all RUNNING;
* restarted in place: tasks whose worker kept them across the join or the kill, yet started again
  (from each worker's task start counts).

Baseline: the same cluster taking one new connector of T tasks from create to all RUNNING, timed
before the join. The ratios say how many such create-to-RUNNING round trips a rebalance costs.
Group settings are the product defaults (heartbeat 1 s, lease 5 s, rebalance delay 3 s) at full
scale; the tiny scale shortens them.
"""

from __future__ import annotations

import os
import re
import signal
import time
from datetime import datetime

from bench.cluster import (
    CoordinatorProbe,
    Unit,
    create_idle_connectors,
    is_balanced,
    local_cluster,
    task_starts,
    wait_all_running,
)
from bench.common import Context, Figure, ratio, wait_until
from services.cluster_launcher import LocalCluster

NAME = "rebalance"
TITLE = "4. rebalance (join, kill -9)"

FULL_SETTINGS = {
    "heartbeat.interval.ms": "1000",
    "session.timeout.ms": "5000",
    "scheduled.rebalance.max.delay.ms": "3000",
}
TINY_SETTINGS = {
    "heartbeat.interval.ms": "300",
    "session.timeout.ms": "1500",
    "scheduled.rebalance.max.delay.ms": "500",
}


def starts_by_worker(cluster: LocalCluster) -> dict[str, dict[Unit, int]]:
    return {w.worker_id: task_starts(w) for w in cluster.workers if w.alive()}


def restarted_in_place(
    before: dict[str, set[Unit]],
    after: dict[str, set[Unit]],
    starts_before: dict[str, dict[Unit, int]],
    starts_after: dict[str, dict[Unit, int]],
) -> list[str]:
    """Tasks a worker held before and after, whose start count on that worker went up."""
    restarted = []
    for worker, units in before.items():
        for unit in units & after.get(worker, set()):
            if unit.task is None:
                continue
            old, new = starts_before.get(worker, {}).get(unit, 0), starts_after.get(worker, {}).get(unit, 0)
            if new > old:
                restarted.append(f"{unit}@{worker}")
    return restarted


def removal_time(cluster: LocalCluster, worker_id: str) -> float:
    """Epoch seconds of the coordinator's "worker ... removed" log line for ``worker_id``."""
    assert cluster.coordinator is not None
    pattern = re.compile(r"^(\S+ \S+) .*worker " + re.escape(worker_id) + " removed")
    for line in cluster.coordinator.log_path.read_text(errors="replace").splitlines():
        match = pattern.match(line)
        if match:
            return datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S,%f").timestamp()
    raise RuntimeError(f"the coordinator never logged the removal of {worker_id}")


def run(ctx: Context) -> list[Figure]:
    scale = ctx.scale
    settings = FULL_SETTINGS if scale.name == "full" else TINY_SETTINGS
    workers, tasks = scale.rebalance_workers, scale.rebalance_tasks
    names = [f"idle-{i:03d}" for i in range(scale.rebalance_connectors)]
    total_tasks = len(names) * tasks
    with local_cluster(ctx, NAME, workers, settings) as cluster:
        probe = CoordinatorProbe(cluster)
        try:
            create_idle_connectors(cluster, names[:-1], tasks)
            wait_all_running(probe, names[:-1], tasks, 120)
            # Baseline: one more connector, from create to every task RUNNING.
            started = time.perf_counter()
            create_idle_connectors(cluster, names[-1:], tasks)
            wait_all_running(probe, names, tasks, 60)
            create_s = time.perf_counter() - started
            ctx.log(f"  create one connector ({tasks} tasks) to RUNNING: {create_s:.2f} s")
            wait_until(
                lambda: is_balanced(probe.assignment(), workers, len(names), total_tasks), 60, "balance"
            )

            # --- join ---
            before, starts_before = probe.assignment(), starts_by_worker(cluster)
            joiner = cluster.add_worker(wait=False)
            joined = wait_until(lambda: len(probe.assignment()) == workers + 1, 60, "the new member", 0.01)
            registered = time.perf_counter()

            def settled() -> dict[Unit, str] | None:
                assignment = probe.assignment()
                if not is_balanced(assignment, workers + 1, len(names), total_tasks):
                    return None
                where = probe.running_on(names)
                owner = {u: w for w, units in assignment.items() for u in units}
                return where if where is not None and where == owner else None

            wait_until(settled, 120, "a balanced, all-RUNNING assignment after the join", 0.02)
            join_s = time.perf_counter() - registered
            after = probe.assignment()
            restarted = restarted_in_place(before, after, starts_before, starts_by_worker(cluster))
            moved = sum(len(units - after.get(w, set())) for w, units in before.items())
            ctx.log(f"  join: {join_s:.2f} s, {moved} units moved, {len(restarted)} restarted in place")
            assert joined and joiner.alive()

            # --- kill -9 ---
            victim = next(w for w in cluster.workers if w is not joiner and w.alive())
            victim_id = victim.worker_id
            lost = after[victim_id]
            before, starts_before = after, starts_by_worker(cluster)
            killed = time.perf_counter()
            killed_wall = time.time()
            os.kill(victim.pid, signal.SIGKILL)
            victim.process.wait(10)

            def moved_away() -> bool:
                where = probe.running_on(names)
                return where is not None and all(where[u] != victim_id for u in lost)

            wait_until(moved_away, 120, f"the units of {victim_id} RUNNING elsewhere", 0.02)
            failover_s = time.perf_counter() - killed
            after_removal_s = failover_s - (removal_time(cluster, victim_id) - killed_wall)
            after = probe.assignment()
            del starts_before[victim_id]
            restarted_kill = restarted_in_place(before, after, starts_before, starts_by_worker(cluster))
            ctx.log(
                f"  kill -9: {failover_s:.2f} s for {len(lost)} units, "
                f"{len(restarted_kill)} restarted in place"
            )
        finally:
            probe.close()
    delay_ms = int(settings["session.timeout.ms"]) + int(settings["scheduled.rebalance.max.delay.ms"])
    return [
        Figure(
            "setup",
            workers,
            "workers",
            note=f"{len(names)} connectors x {tasks} tasks; heartbeat {settings['heartbeat.interval.ms']} ms",
        ),
        Figure("create one connector to RUNNING", round(create_s, 3), "s", note=f"baseline: {tasks} tasks"),
        Figure("join to balanced all-RUNNING", round(join_s, 3), "s", note=f"{moved} units moved"),
        Figure("kill -9 to RUNNING elsewhere", round(failover_s, 3), "s", note=f"{len(lost)} units"),
        Figure(
            "configured delay",
            delay_ms,
            "ms",
            note="session.timeout.ms + scheduled.rebalance.max.delay.ms",
        ),
        Figure(
            "removal to RUNNING elsewhere",
            round(after_removal_s, 3),
            "s",
            note="from the coordinator's removal of the victim (its log)",
        ),
        Figure("restarted without owner change", len(restarted) + len(restarted_kill), "tasks", "= 0"),
        Figure("ratio join", ratio(join_s, create_s), "x", note="join ÷ create-one-connector"),
        Figure(
            "ratio removal to RUNNING", ratio(after_removal_s, create_s), "x", note="÷ create-one-connector"
        ),
    ]
