"""5. REST latency: a bounded load on the gateway of a cluster with many connectors.

Requests leave on a fixed schedule (open loop: R per second, alternating between the two endpoints)
over a pool of keep-alive connections; each latency runs from the request's scheduled time, so a slow
answer delays nothing else and queueing is counted, not hidden. An error is anything but a 200 (or
no answer within 10 s). The baseline is the same load on ``GET /``, which touches no other role: the
ratios say how much the connector endpoints cost over the gateway's own round trip.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bench.cluster import CoordinatorProbe, create_idle_connectors, local_cluster, wait_all_running
from bench.common import Context, Figure, percentile, ratio

NAME = "rest"
TITLE = "5. REST latency (gateway under a bounded load)"
_CONNECTIONS = 32
_TIMEOUT_S = 10.0


@dataclass
class Endpoint:
    label: str
    latencies: list[float] = field(default_factory=list)  # ms
    errors: int = 0
    sent: int = 0


class HttpPool:
    """Minimal HTTP/1.1 GETs over a pool of keep-alive connections (asyncio streams)."""

    def __init__(self, base_url: str, size: int) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self._size = size
        self._idle: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter] | None] = asyncio.Queue()

    async def start(self) -> None:
        for _ in range(self._size):
            self._idle.put_nowait(None)  # connected lazily

    async def get(self, path: str) -> int:
        connection = await self._idle.get()
        try:
            if connection is None:
                connection = await asyncio.open_connection(self.host, self.port)
            reader, writer = connection
            writer.write(
                f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\nAccept: application/json\r\n\r\n".encode()
            )
            await writer.drain()
            status_line = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            await reader.readexactly(length)
            status = int(status_line.split()[1])
        except BaseException:
            if connection is not None:
                connection[1].close()
            self._idle.put_nowait(None)
            raise
        self._idle.put_nowait(connection)
        return status

    async def close(self) -> None:
        while not self._idle.empty():
            connection = self._idle.get_nowait()
            if connection is not None:
                connection[1].close()


async def _load(
    base_url: str, rate: int, seconds: float, paths: list[Callable[[int], tuple[Endpoint, str]]]
) -> None:
    pool = HttpPool(base_url, _CONNECTIONS)
    await pool.start()
    started = time.perf_counter()
    tasks = []

    async def one(i: int, scheduled: float) -> None:
        endpoint, path = paths[i % len(paths)](i)
        endpoint.sent += 1
        try:
            status = await asyncio.wait_for(pool.get(path), _TIMEOUT_S)
        except (TimeoutError, OSError, ValueError, IndexError, asyncio.IncompleteReadError):
            endpoint.errors += 1
            return
        endpoint.latencies.append((time.perf_counter() - scheduled) * 1000)
        if status != 200:
            endpoint.errors += 1

    for i in range(int(rate * seconds)):
        scheduled = started + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, scheduled)))
    await asyncio.gather(*tasks)
    await pool.close()


def load(
    base_url: str, rate: int, seconds: float, paths: list[Callable[[int], tuple[Endpoint, str]]]
) -> None:
    asyncio.run(_load(base_url, rate, seconds, paths))


def endpoint_figures(endpoint: Endpoint, baseline_p99: float, target: bool) -> list[Figure]:
    values = endpoint.latencies or [float("nan")]
    p99 = percentile(values, 99)
    return [
        Figure(f"{endpoint.label} p50", round(percentile(values, 50), 1), "ms"),
        Figure(f"{endpoint.label} p99", round(p99, 1), "ms", "< 50" if target else ""),
        Figure(f"{endpoint.label} max", round(max(values), 1), "ms"),
        Figure(
            f"{endpoint.label} errors",
            endpoint.errors,
            "",
            "= 0" if target else "",
            note=f"of {endpoint.sent} requests",
        ),
    ] + (
        [Figure(f"{endpoint.label} ratio p99", ratio(p99, baseline_p99), "x", note="p99 ÷ GET / p99")]
        if target
        else []
    )


def run(ctx: Context) -> list[Figure]:
    scale = ctx.scale
    names = [f"rest-{i:04d}" for i in range(scale.rest_connectors)]
    with local_cluster(ctx, NAME, 2, {}) as cluster:
        probe = CoordinatorProbe(cluster)
        try:
            started = time.perf_counter()
            create_idle_connectors(cluster, names, 1)
            wait_all_running(probe, names, 1, 300)
            ctx.log(f"  {len(names)} connectors RUNNING in {time.perf_counter() - started:.1f} s")
        finally:
            probe.close()
        root = Endpoint("GET /")
        load(cluster.rest_url, scale.rest_rate, scale.rest_seconds, [lambda i: (root, "/")])
        root_p99 = percentile(root.latencies or [float("nan")], 99)
        ctx.log(f"  GET /: p99 {root_p99:.1f} ms, {root.errors} errors")
        listing = Endpoint("GET /connectors?expand=status")
        status = Endpoint("GET /connectors/{name}/status")
        paths: list[Callable[[int], tuple[Endpoint, str]]] = [
            lambda i: (listing, "/connectors?expand=status"),
            lambda i: (status, f"/connectors/{names[(i // 2) % len(names)]}/status"),
        ]
        load(cluster.rest_url, scale.rest_rate, scale.rest_seconds, paths)
    for endpoint in (listing, status):
        ctx.log(
            f"  {endpoint.label}: p50 {percentile(endpoint.latencies or [0], 50):.1f} ms, "
            f"p99 {percentile(endpoint.latencies or [0], 99):.1f} ms, {endpoint.errors} errors"
        )
    return [
        Figure(
            "load",
            scale.rest_rate,
            "req/s",
            note=f"{scale.rest_seconds:.0f} s, both endpoints alternating; {len(names)} connectors x 1 task",
        ),
        *endpoint_figures(root, root_p99, target=False),
        *endpoint_figures(listing, root_p99, target=True),
        *endpoint_figures(status, root_p99, target=True),
    ]
