"""What every benchmark shares: the run context, figures, the broker, lines, raw clients, processes.

Every figure that depends on machine speed is paired with a baseline measured in the same run on the
same broker, and reported as a ratio, so results compare across machines even when absolute rates do
not. Processes started here are tracked by pid and stopped by pid.
"""

from __future__ import annotations

import json
import math
import os
import signal
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from confluent_kafka import Consumer, KafkaError, Producer
from confluent_kafka import TopicPartition as KafkaTopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from connectd.embedded_broker import EmbeddedBroker, free_port

REPO_ROOT = Path(__file__).resolve().parent.parent
PLUGIN_DIR = Path(__file__).resolve().parent / "plugins"
LINE_BYTES = 100
STRING_CONVERTER = "org.apache.kafka.connect.storage.StringConverter"
JSON_CONVERTER = "org.apache.kafka.connect.json.JsonConverter"
# tansu completes a consumer-group join after about half of session.timeout.ms; shorter sessions
# risk a rebalance mid-run on a busy machine.
EMBEDDED_CONSUMER = {"consumer.session.timeout.ms": "2000", "consumer.heartbeat.interval.ms": "500"}


# --- sizes --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    """How big each benchmark runs. ``full`` is the issue's sizes; ``tiny`` keeps every code path."""

    name: str
    lines: int  # throughput: lines of 100 bytes
    latency_rate: int  # lines/s written to the source file
    latency_seconds: float
    rebalance_workers: int
    rebalance_connectors: int
    rebalance_tasks: int  # per connector
    rest_connectors: int
    rest_rate: int  # requests/s
    rest_seconds: float
    scale_connectors: int
    scale_tasks: int  # per connector
    scale_workers: int
    memory_tasks: tuple[int, ...]  # idle source tasks per worker, one run each


SCALES = {
    "full": Scale("full", 1_000_000, 5000, 20.0, 3, 20, 4, 200, 200, 20.0, 1000, 10, 50, (1, 10, 100)),
    "tiny": Scale("tiny", 5000, 2000, 1.5, 2, 3, 2, 4, 40, 1.0, 12, 3, 4, (1, 4, 8)),
}


# --- figures ------------------------------------------------------------------------------------------


@dataclass
class Figure:
    """One reported number. ``target`` is the issue's goal (``"≥ 0.6"``, ``"< 100"``) or empty."""

    name: str
    value: float | int
    unit: str = ""
    target: str = ""
    note: str = ""  # what a ratio compares, or how a figure was measured
    met: bool | None = field(default=None)

    def __post_init__(self) -> None:
        if self.target and self.met is None:
            self.met = _meets(self.value, self.target)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in ("", None)}


def _meets(value: float, target: str) -> bool:
    op, _, bound = target.partition(" ")
    limit = float(bound)
    return {
        "<": value < limit,
        "≤": value <= limit,
        ">": value > limit,
        "≥": value >= limit,
        "=": value == limit,
    }[op]


def ratio(value: float, baseline: float) -> float:
    return round(value / baseline, 3) if baseline else math.inf


@dataclass
class Context:
    """What a benchmark gets: the broker, its sizes and a scratch directory of its own."""

    bootstrap: str
    scale: Scale
    workdir: Path
    embedded_broker: bool
    log: Callable[[str], None] = print
    # Results one benchmark leaves for a later one (the source topic the sink benchmark reads).
    shared: dict[str, Any] = field(default_factory=dict)

    def subdir(self, name: str) -> Path:
        path = self.workdir / name
        path.mkdir(parents=True, exist_ok=True)
        return path


@contextmanager
def broker(workdir: Path) -> Iterator[tuple[str, bool]]:
    """``KAFKA_BOOTSTRAP_SERVERS`` when set, else an embedded tansu broker for the whole run."""
    external = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if external:
        yield external, False
        return
    with EmbeddedBroker(log_path=workdir / "broker.log") as embedded:
        yield embedded.bootstrap_servers, True


# --- statistics and timing ----------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty sequence."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def wait_until(condition: Callable[[], Any], timeout: float, what: str, interval: float = 0.02) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = condition()
        if last:
            return last
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}; last seen: {last!r}")


def rss_bytes(pid: int, field_name: str = "VmRSS") -> int:
    """A /proc/<pid>/status memory field in bytes (VmRSS now, VmHWM the peak so far); 0 once gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1]) * 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


class RssSampler:
    """Samples a process's RSS on a thread; ``peak`` is the largest seen (or its VmHWM, if larger)."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid = pid
        self.peak = 0
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"rss-{pid}", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_bytes(self.pid), rss_bytes(self.pid, "VmHWM"))
            self._stop.wait(self._interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)


# --- lines and topics ---------------------------------------------------------------------------------


def numbered_line(i: int) -> str:
    """Line ``i`` of the throughput file: exactly 100 bytes with its newline."""
    return f"line-{i:09d}-".ljust(LINE_BYTES - 1, "x") + "\n"


def write_lines(path: Path, count: int) -> None:
    with open(path, "w", encoding="utf-8") as out:
        for start in range(0, count, 10_000):
            out.write("".join(numbered_line(i) for i in range(start, min(count, start + 10_000))))


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def create_topic(bootstrap: str, topic: str, partitions: int = 1) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})  # must outlive the future
    admin.create_topics([NewTopic(topic, partitions, 1)])[topic].result(30)


def producer_config(bootstrap: str) -> dict[str, Any]:
    """Connect's source producer settings (idempotent, acks=all, linger.ms=5)."""
    return {"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all", "linger.ms": 5}


def produce_all(producer: Producer, topic: str, values: Iterator[bytes]) -> int:
    count = 0
    for value in values:
        while True:
            try:
                producer.produce(topic, value)
                break
            except BufferError:
                producer.poll(0.05)
        count += 1
    return count


def file_values(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as lines:
        for line in lines:
            yield line.rstrip(b"\n")


def record_at(bootstrap: str, topic: str, offset: int, timeout: float) -> tuple[int, float]:
    """(create timestamp ms, wall time seen) of the record at ``offset`` of partition 0, once it exists.

    The fetch wait is short (50 ms), so the wall time is close to its acknowledgement.
    """
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": unique("bench-probe"),
            "enable.auto.commit": False,
            "fetch.wait.max.ms": 50,
        }
    )
    try:
        consumer.assign([KafkaTopicPartition(topic, 0, offset)])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = consumer.poll(0.1)
            if message is None:
                continue
            error = message.error()
            if error is not None:
                if error.code() == KafkaError._PARTITION_EOF:
                    continue
                raise RuntimeError(f"reading {topic}@{offset}: {error}")
            if message.offset() == offset:
                return message.timestamp()[1], time.time()
    finally:
        consumer.close()
    raise TimeoutError(f"record {offset} of {topic} did not appear within {timeout:.0f}s")


class DeliveryProbe:
    """Waits on a thread for the last of ``count`` records of a topic; ``rate`` once all arrived.

    The rate runs from the first record's create timestamp (its ``produce()`` call) to the moment the
    last record can be read, i.e. acknowledged lines per second, measured alike for every producer.
    """

    def __init__(self, bootstrap: str, topic: str, count: int, timeout: float) -> None:
        self._args = (bootstrap, topic, count, timeout)
        self._seen: float | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="delivery-probe", daemon=True)

    def _run(self) -> None:
        bootstrap, topic, count, timeout = self._args
        try:
            self._seen = record_at(bootstrap, topic, count - 1, timeout)[1]
        except BaseException as exc:
            self._error = exc

    def start(self) -> DeliveryProbe:
        self._thread.start()
        return self

    def rate(self) -> tuple[float, float]:
        """(lines/s, seconds); waits for the last record."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._seen is not None
        bootstrap, topic, count, _ = self._args
        first_ms, _ = record_at(bootstrap, topic, 0, 30)
        seconds = max(0.001, self._seen - first_ms / 1000)
        return count / seconds, seconds


def file_lines(path: Path) -> int:
    """Lines in a file of fixed 100-byte lines, from its size (no read)."""
    try:
        return path.stat().st_size // LINE_BYTES
    except FileNotFoundError:
        return 0


def wait_count(
    seen_now: Callable[[], int],
    count: int,
    timeout: float,
    alive: Callable[[], bool],
    what: str,
    interval: float = 0.005,
) -> tuple[float, int, float]:
    """(when, how many) ``seen_now()`` first counted some, and when it counted all ``count``
    (perf_counter times). All of them at the first sight (a small run): the last look that saw none
    stands for the first."""
    first: tuple[float, int] | None = None
    deadline = time.perf_counter() + timeout
    empty_seen = time.perf_counter()
    while (seen := seen_now()) < count:
        now = time.perf_counter()
        if not seen:
            empty_seen = now
        if first is None and seen:
            first = (now, seen)
        if now > deadline or not alive():
            raise TimeoutError(f"{what} has {seen} of {count} after {timeout:.0f}s")
        time.sleep(interval)
    last = time.perf_counter()
    if first is None:
        first = (empty_seen, 0)
    return first[0], first[1], last


def wait_file_lines(
    path: Path, count: int, timeout: float, alive: Callable[[], bool]
) -> tuple[float, int, float]:
    """:func:`wait_count` over the lines of ``path``."""
    return wait_count(lambda: file_lines(path), count, timeout, alive, f"{path} (lines)")


# --- processes ----------------------------------------------------------------------------------------


def child_env() -> dict[str, str]:
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": f"{REPO_ROOT}{os.pathsep}{path}" if path else str(REPO_ROOT)}


def write_properties(path: Path, props: Mapping[str, str]) -> Path:
    path.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
    return path


class Standalone:
    """``connectd standalone`` as a child process, stopped by pid."""

    def __init__(
        self,
        workdir: Path,
        bootstrap: str,
        connectors: Sequence[Mapping[str, str]],
        settings: Mapping[str, str] | None = None,
    ) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        worker = {
            "bootstrap.servers": bootstrap,
            "listeners": self.url,
            "offset.storage.file.filename": str(workdir / "connect.offsets"),
            "key.converter": STRING_CONVERTER,
            "value.converter": STRING_CONVERTER,
            **EMBEDDED_CONSUMER,
            **(settings or {}),
        }
        files = [str(write_properties(workdir / "worker.properties", worker))]
        for connector in connectors:
            files.append(str(write_properties(workdir / f"{connector['name']}.properties", connector)))
        self.log_path = workdir / "connectd.log"
        log = open(self.log_path, "wb")  # noqa: SIM115 - handed to the child
        self.process = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "standalone", *files],
            cwd=workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=child_env(),
        )
        log.close()

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def wait_answering(self, timeout: float = 60) -> None:
        """Until its REST API answers (connectors can then be created through it)."""

        def answering() -> bool:
            if not self.alive():
                raise RuntimeError(f"connectd standalone exited; log:\n{self.log_tail()}")
            try:
                return http_json(f"{self.url}/", timeout=2)[0] == 200
            except OSError:
                return False

        wait_until(answering, timeout, f"the REST API of {self.url}")

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pid)

    def create(self, name: str, config: Mapping[str, str]) -> None:
        """``POST /connectors``; anything but 201 fails the benchmark with the worker's answer."""
        code, body = http_json(f"{self.url}/connectors", "POST", {"name": name, "config": dict(config)})
        if code != 201:
            raise RuntimeError(f"creating {name}: HTTP {code} {body}")

    def stop(self, timeout: float = 30) -> None:
        stop_process(self.process, timeout)

    def log_tail(self, lines: int = 20) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def __enter__(self) -> Standalone:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def measure_source(
    ctx: Context,
    label: str,
    connector: Mapping[str, str],
    topic: str,
    count: int,
    timeout: float,
    settings: Mapping[str, str] | None = None,
) -> tuple[float, float]:
    """(records/s into ``topic``, the worker's CPU seconds) of one source connector on a fresh
    ``connectd standalone``, created once the worker answers: the CPU time counts from the
    connector's creation to its last record, and the rate from its first record to its last."""
    probe = DeliveryProbe(ctx.bootstrap, topic, count, timeout).start()
    with Standalone(ctx.subdir(label), ctx.bootstrap, [], settings) as worker:
        worker.wait_answering()
        cpu_before = worker.cpu_seconds()
        worker.create(label, connector)
        try:
            rate, _ = probe.rate()
        except TimeoutError as exc:
            raise RuntimeError(f"{exc}; worker log:\n{worker.log_tail()}") from None
        return rate, worker.cpu_seconds() - cpu_before


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far, all its threads (Linux /proc): it accrues only while
    the process runs, so it tells a cost from other processes' load better than a rate does."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stop_process(process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """SIGTERM by pid, SIGKILL if it does not exit in time."""
    if process.poll() is not None:
        return
    os.kill(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)


def http_json(
    url: str,
    method: str = "GET",
    body: Any = None,
    timeout: float = 30,
    context: ssl.SSLContext | None = None,
) -> tuple[int, Any]:
    """``context``: what an https URL is trusted by (a secure LocalCluster's ``rest_ssl_context``)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        return exc.code, json.loads(raw) if raw else None
