"""5. REST latency: a bounded load on the gateway of a cluster with many connectors.

Requests leave on a fixed schedule (open loop: R per second, alternating between the two endpoints)
over a pool of keep-alive connections; each latency runs from the request's scheduled time, so a slow
answer delays nothing else and queueing is counted, not hidden. An error is anything but a 200 (or
no answer within 10 s). The baseline is the same load on ``GET /``, which touches no other role: the
ratios say how much the connector endpoints cost over the gateway's own round trip.

Memory: the gateway's RSS is sampled through both loads; its baseline is the same process's RSS just
before them (started, 200 connectors in its status view). The same mixed load then runs on a second
gateway of the group started with ``--processes 2``: latencies, and the memory of its three processes
(the supervisor and two forks) as the sum of their RSS and of their PSS (shared pages counted once).

The cost of TLS: one worker serves REST on an http and an https listener at once; the same load runs
on both in one schedule (requests alternate between them, so both see the same machine), and the
ratios are https over http. Keep-alive connections are opened before the clock starts, so those
figures are the cost of encryption per request; the handshake's is measured apart, as sequential
requests each on a new connection (what curl or a CLI pays).
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from bench.cluster import CoordinatorProbe, create_idle_connectors, local_cluster, wait_all_running
from bench.common import Context, Figure, cpu_seconds, http_json, percentile, ratio, rss_bytes, wait_until
from connectd.embedded_broker import free_port
from services.cluster_launcher import LocalCluster
from services.security.certs import make_cluster_certs

NAME = "rest"
TITLE = "5. REST latency (gateway under a bounded load)"
_CONNECTIONS = 32
_TIMEOUT_S = 10.0
_MB = 1024 * 1024


@dataclass
class Endpoint:
    label: str
    latencies: list[float] = field(default_factory=list)  # ms
    errors: int = 0
    sent: int = 0


Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


class HttpPool:
    """Minimal HTTP/1.1 GETs over a pool of keep-alive connections (asyncio streams); https with a
    ``context``."""

    def __init__(self, base_url: str, size: int, context: ssl.SSLContext | None = None) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self._size = size
        self._context = context
        self._idle: asyncio.Queue[Connection | None] = asyncio.Queue()

    async def start(self, connect: bool = False) -> None:
        """``connect``: open every connection now (a TLS handshake then costs no request)."""
        for _ in range(self._size):
            self._idle.put_nowait(await self.connect() if connect else None)  # else connected lazily

    async def connect(self) -> Connection:
        return await asyncio.open_connection(self.host, self.port, ssl=self._context)

    async def get(self, path: str) -> int:
        connection = await self._idle.get()
        try:
            if connection is None:
                connection = await self.connect()
            status = await self.request(connection, path)
        except BaseException:
            if connection is not None:
                connection[1].close()
            self._idle.put_nowait(None)
            raise
        self._idle.put_nowait(connection)
        return status

    async def request(self, connection: Connection, path: str) -> int:
        reader, writer = connection
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\nAccept: application/json\r\n\r\n".encode())
        await writer.drain()
        status_line = await reader.readline()
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        await reader.readexactly(length)
        return int(status_line.split()[1])

    async def close(self) -> None:
        while not self._idle.empty():
            connection = self._idle.get_nowait()
            if connection is not None:
                connection[1].close()


# The i-th request of a schedule: where it is counted, which pool sends it, and its path.
Schedule = Callable[[int], tuple[Endpoint, HttpPool, str]]


async def _load(
    base_url: str, rate: int, seconds: float, paths: list[Callable[[int], tuple[Endpoint, str]]]
) -> None:
    pool = HttpPool(base_url, _CONNECTIONS)
    await pool.start()

    def schedule(i: int) -> tuple[Endpoint, HttpPool, str]:
        endpoint, path = paths[i % len(paths)](i)
        return endpoint, pool, path

    await _run_schedule(rate, seconds, schedule)
    await pool.close()


async def _run_schedule(rate: int, seconds: float, schedule: Schedule) -> None:
    started = time.perf_counter()
    tasks = []

    async def one(i: int, scheduled: float) -> None:
        endpoint, pool, path = schedule(i)
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
    with local_cluster(ctx, NAME, 1, {}) as cluster:
        tls_worker = _add_tls_worker(ctx, cluster)
        probe = CoordinatorProbe(cluster)
        try:
            started = time.perf_counter()
            create_idle_connectors(cluster, names, 1)
            wait_all_running(probe, names, 1, 300)
            ctx.log(f"  {len(names)} connectors RUNNING in {time.perf_counter() - started:.1f} s")
        finally:
            probe.close()
        assert cluster.gateway is not None
        gateway_pid = cluster.gateway.pid
        idle_rss = _memory([gateway_pid])[0]
        root = Endpoint("GET /")
        with _peak_memory(gateway_pid) as memory:
            cpu = _cpu_seconds(gateway_pid)
            load(cluster.rest_url, scale.rest_rate, scale.rest_seconds, [lambda i: (root, "/")])
            root_cpu, cpu = _cpu_seconds(gateway_pid) - cpu, _cpu_seconds(gateway_pid)
            root_p99 = percentile(root.latencies or [float("nan")], 99)
            ctx.log(f"  GET /: p99 {root_p99:.1f} ms, {root.errors} errors")
            listing = Endpoint("GET /connectors?expand=status")
            status = Endpoint("GET /connectors/{name}/status")
            load(cluster.rest_url, scale.rest_rate, scale.rest_seconds, _mixed(listing, status, names))
            mixed_cpu = _cpu_seconds(gateway_pid) - cpu
        ctx.log(f"  gateway RSS: {idle_rss / _MB:.0f} MB idle, {memory.rss / _MB:.0f} MB peak under load")
        per_root = root_cpu * 1000 / max(1, root.sent)
        per_status = mixed_cpu * 1000 / max(1, listing.sent + status.sent)
        ctx.log(f"  gateway CPU per request: GET / {per_root:.2f} ms, status routes {per_status:.2f} ms")
        forked = _forked_gateway(ctx, cluster, names)
        tls = _tls_cost(ctx, tls_worker, names)
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
        Figure("gateway CPU per request: GET /", round(per_root, 2), "ms", note="its CPU time ÷ requests"),
        Figure(
            "gateway CPU per request: status routes",
            round(per_status, 2),
            "ms",
            note="the mixed load, both routes",
        ),
        Figure("gateway CPU ratio", ratio(per_status, per_root), "x", note="status routes ÷ GET /"),
        Figure("gateway RSS under load", round(memory.rss / _MB, 1), "MB", note="peak, sampled every 0.2 s"),
        Figure("gateway RSS idle", round(idle_rss / _MB, 1), "MB", note="the same process before the load"),
        Figure("gateway RSS ratio", ratio(memory.rss, idle_rss), "x", note="under load ÷ idle"),
        *forked,
        *tls,
    ]


def _mixed(
    listing: Endpoint, status: Endpoint, names: list[str]
) -> list[Callable[[int], tuple[Endpoint, str]]]:
    return [
        lambda i: (listing, "/connectors?expand=status"),
        lambda i: (status, f"/connectors/{names[(i // 2) % len(names)]}/status"),
    ]


# --- memory, and a gateway of two processes -------------------------------------------------------------


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (the forks of ``connectd gateway --processes``)."""
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        for children in Path(f"/proc/{current}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                todo += [int(child) for child in children.read_text().split()]
    return out


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of ``pid`` and its descendants so far."""
    total = 0.0
    for member in _tree(pid):
        with contextlib.suppress(OSError):
            total += cpu_seconds(member)
    return total


def _pss_bytes(pid: int) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    return 0


def _memory(pids: list[int]) -> tuple[int, int]:
    """(sum of RSS, sum of PSS) of ``pids``."""
    return sum(rss_bytes(pid) for pid in pids), sum(_pss_bytes(pid) for pid in pids)


@dataclass
class _Peak:
    rss: int = 0
    pss: int = 0


@contextlib.contextmanager
def _peak_memory(pid: int, interval: float = 0.2) -> Iterator[_Peak]:
    """The largest summed RSS and PSS of ``pid``'s process tree while the block runs."""
    peak, stop = _Peak(), threading.Event()

    def sample() -> None:
        while not stop.is_set():
            rss, pss = _memory(_tree(pid))
            peak.rss, peak.pss = max(peak.rss, rss), max(peak.pss, pss)
            stop.wait(interval)

    thread = threading.Thread(target=sample, name="rss", daemon=True)
    thread.start()
    try:
        yield peak
    finally:
        stop.set()
        thread.join(5)


def _forked_gateway(ctx: Context, cluster: LocalCluster, names: list[str]) -> list[Figure]:
    """The mixed load on a second gateway of the group, of two processes (``--processes 2``)."""
    first = cluster.gateway
    cluster.gateway_processes = 2
    second = cluster.start_gateway()
    cluster.gateway = first
    scale = ctx.scale
    url = f"http://127.0.0.1:{second.rest_port}"
    # Both forks' views hold every connector before the clock starts.
    wait_until(lambda: len(http_json(url + "/connectors?expand=status")[1] or {}) == len(names), 60, "views")
    listing = Endpoint("2 processes: GET /connectors?expand=status")
    status = Endpoint("2 processes: GET /connectors/{name}/status")
    with _peak_memory(second.pid) as memory:
        load(url, scale.rest_rate, scale.rest_seconds, _mixed(listing, status, names))
    processes = len(_tree(second.pid))
    for endpoint in (listing, status):
        ctx.log(
            f"  {endpoint.label}: p50 {percentile(endpoint.latencies or [0], 50):.1f} ms, "
            f"p99 {percentile(endpoint.latencies or [0], 99):.1f} ms, {endpoint.errors} errors"
        )
    ctx.log(
        f"  2 processes: RSS {memory.rss / _MB:.0f} MB, PSS {memory.pss / _MB:.0f} MB ({processes} processes)"
    )
    return [
        *endpoint_figures(listing, float("nan"), target=False),
        *endpoint_figures(status, float("nan"), target=False),
        Figure(
            "2 processes: RSS under load",
            round(memory.rss / _MB, 1),
            "MB",
            note=f"peak of the sum over its {processes} processes (supervisor and forks)",
        ),
        Figure(
            "2 processes: PSS under load",
            round(memory.pss / _MB, 1),
            "MB",
            note="the same, shared pages counted once",
        ),
    ]


# --- the cost of TLS ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TlsWorker:
    http_url: str
    https_url: str
    context: ssl.SSLContext


def _add_tls_worker(ctx: Context, cluster: LocalCluster) -> TlsWorker:
    """The group's second worker, serving REST on an http and an https listener (certificates from
    ``connectd certs``' code, PEM keystore under ``listeners.https.ssl.*``)."""
    certs = make_cluster_certs(ctx.subdir(NAME) / "certs")
    http_port, https_port = free_port(), free_port()
    worker = cluster.add_worker(
        extra={
            "listeners": f"http://127.0.0.1:{http_port},https://127.0.0.1:{https_port}",
            "listeners.https.ssl.keystore.type": "PEM",
            "listeners.https.ssl.keystore.location": str(certs.keystore("worker")),
        }
    )
    worker.rest_port = http_port
    http_url = f"http://127.0.0.1:{http_port}"
    wait_until(lambda: _answers(http_url), 60, f"the REST API of {worker.name}")
    return TlsWorker(http_url, f"https://127.0.0.1:{https_port}", ssl.create_default_context(cafile=certs.ca))


def _answers(url: str) -> bool:
    try:
        return http_json(url + "/", timeout=2)[0] == 200
    except OSError:
        return False


def _tls_cost(ctx: Context, worker: TlsWorker, names: list[str]) -> list[Figure]:
    scale = ctx.scale
    endpoints = {
        (scheme, what): Endpoint(f"TLS {what} over {scheme}")
        for scheme in ("http", "https")
        for what in ("GET /", "status")
    }
    handshakes: dict[str, list[float]] = {"http": [], "https": []}
    samples = max(10, scale.rest_rate // 2)

    async def measure() -> None:
        pools = {
            "http": HttpPool(worker.http_url, _CONNECTIONS // 2),
            "https": HttpPool(worker.https_url, _CONNECTIONS // 2, worker.context),
        }
        for pool in pools.values():
            await pool.start(connect=True)

        def schedule(i: int) -> tuple[Endpoint, HttpPool, str]:
            scheme, what = ("http", "https")[i % 2], ("GET /", "status")[(i // 2) % 2]
            path = "/" if what == "GET /" else f"/connectors/{names[(i // 4) % len(names)]}/status"
            return endpoints[(scheme, what)], pools[scheme], path

        await _run_schedule(scale.rest_rate, scale.rest_seconds, schedule)
        for pool in pools.values():
            await pool.close()
        # New connection per request, sequential, the two schemes interleaved.
        for _ in range(samples):
            for scheme, pool in pools.items():
                started = time.perf_counter()
                connection = await pool.connect()
                await pool.request(connection, "/")
                handshakes[scheme].append((time.perf_counter() - started) * 1000)
                connection[1].close()

    asyncio.run(measure())
    figures = []
    for what in ("GET /", "status"):
        http, https = endpoints[("http", what)], endpoints[("https", what)]
        http_lat, https_lat = http.latencies or [float("nan")], https.latencies or [float("nan")]
        p50 = percentile(http_lat, 50), percentile(https_lat, 50)
        p99 = percentile(http_lat, 99), percentile(https_lat, 99)
        label = "GET /" if what == "GET /" else "GET /connectors/{name}/status"
        ctx.log(f"  TLS {label}: p50 {p50[0]:.1f} -> {p50[1]:.1f} ms, p99 {p99[0]:.1f} -> {p99[1]:.1f} ms")
        figures += [
            Figure(f"TLS {label} p50 over https", round(p50[1], 1), "ms", note=f"over http: {p50[0]:.1f} ms"),
            Figure(f"TLS {label} p99 over https", round(p99[1], 1), "ms", note=f"over http: {p99[0]:.1f} ms"),
            Figure(f"TLS {label} ratio p50", ratio(p50[1], p50[0]), "x", note="https ÷ http, keep-alive"),
            Figure(f"TLS {label} ratio p99", ratio(p99[1], p99[0]), "x", note="https ÷ http, keep-alive"),
        ]
    errors = {
        scheme: sum(endpoints[(scheme, w)].errors for w in ("GET /", "status")) for scheme in handshakes
    }
    connect = {scheme: statistics.median(values) for scheme, values in handshakes.items()}
    ctx.log(f"  TLS new connection + GET /: median {connect['http']:.1f} -> {connect['https']:.1f} ms")
    return [
        *figures,
        Figure("TLS http errors", errors["http"], ""),
        Figure("TLS https errors", errors["https"], ""),
        Figure(
            "TLS new connection + GET / median over https",
            round(connect["https"], 2),
            "ms",
            note=f"over http: {connect['http']:.2f} ms; {samples} sequential requests each",
        ),
        Figure(
            "TLS new connection ratio",
            ratio(connect["https"], connect["http"]),
            "x",
            note="https ÷ http: the handshake's cost",
        ),
    ]
