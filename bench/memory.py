"""8. Worker memory: the RSS of ``connectd standalone`` running 1, 10 and 100 idle source tasks.

Each task is a FileStreamSource on an empty file of its own (a task with its producer, polling and
finding nothing). The worker is started afresh for each count, every task must report RUNNING, and the
RSS is then sampled for a few seconds (the median counts). The cost of a task is the slope of the
least-squares line through (tasks, RSS); the baseline is the same worker with no connector at all.
"""

from __future__ import annotations

import statistics
import time

from bench.common import Context, Figure, Standalone, http_json, rss_bytes, unique, wait_until

NAME = "memory"
TITLE = "8. worker memory (RSS with idle source tasks)"
_SETTLE_S = 2.0
_SAMPLES = 10
MB = 1024 * 1024


def _all_running(url: str, count: int) -> bool:
    status, body = http_json(f"{url}/connectors?expand=status", timeout=10)
    if status != 200 or not isinstance(body, dict) or len(body) != count:
        return False
    for entry in body.values():
        state = entry["status"]
        tasks = state.get("tasks") or []
        if state["connector"]["state"] != "RUNNING" or not tasks:
            return False
        if any(task["state"] != "RUNNING" for task in tasks):
            return False
    return True


def worker_rss(ctx: Context, tasks: int) -> float:
    """The median RSS (bytes) of a standalone worker running ``tasks`` idle FileStreamSource tasks."""
    workdir = ctx.subdir(f"memory-{tasks}")
    connectors = []
    for i in range(tasks):
        empty = workdir / f"empty-{i}.txt"
        empty.touch()
        connectors.append(
            {
                "name": f"idle-{i}",
                "connector.class": "FileStreamSource",
                "file": str(empty),
                "topic": unique("bench-idle"),
                "tasks.max": "1",
            }
        )
    with Standalone(workdir, ctx.bootstrap, connectors) as worker:
        try:
            wait_until(lambda: worker.alive() and _up(worker.url), 60, "the worker's REST API")
            if tasks:
                wait_until(lambda: _all_running(worker.url, tasks), 60 + tasks, f"{tasks} tasks RUNNING")
        except TimeoutError as exc:
            raise RuntimeError(f"{exc}; worker log:\n{worker.log_tail()}") from None
        time.sleep(_SETTLE_S)
        samples = []
        for _ in range(_SAMPLES):
            samples.append(rss_bytes(worker.pid))
            time.sleep(0.2)
    return statistics.median(samples)


def _up(url: str) -> bool:
    try:
        return http_json(f"{url}/", timeout=2)[0] == 200
    except OSError:
        return False


def slope(points: list[tuple[int, float]]) -> float:
    """The least-squares slope of ``points`` (x, y)."""
    mean_x = statistics.fmean(x for x, _ in points)
    mean_y = statistics.fmean(y for _, y in points)
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread


def run(ctx: Context) -> list[Figure]:
    baseline = worker_rss(ctx, 0)
    ctx.log(f"  no connector: {baseline / MB:.1f} MB")
    points = []
    for tasks in ctx.scale.memory_tasks:
        rss = worker_rss(ctx, tasks)
        points.append((tasks, rss))
        ctx.log(f"  {tasks} idle tasks: {rss / MB:.1f} MB")
    per_task = slope(points) / MB
    figures = [Figure("no connector", round(baseline / MB, 1), "MB", note="baseline: the same worker, idle")]
    figures += [
        Figure(
            f"{tasks} idle task{'' if tasks == 1 else 's'}",
            round(rss / MB, 1),
            "MB",
            note="FileStreamSource, empty file",
        )
        for tasks, rss in points
    ]
    figures.append(
        Figure("per task", round(per_task, 2), "MB", "< 5", "least-squares slope of RSS over the task counts")
    )
    return figures
