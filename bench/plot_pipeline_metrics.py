"""``python bench/plot_pipeline_metrics.py [--seconds 20] [--output docs/img/pipeline-metrics.png]``:
run a real pipeline and plot what its ``/metrics`` said over time.

``connectd standalone`` on the embedded broker (as ``connectd quickstart``) with a FileStreamSource,
a FileStreamSink, and a second sink that reads the values as JSON with ``errors.tolerance=all`` and a
dead letter queue. A feeder appends lines in steady steps with two bursts, one line in ten not JSON.
``/metrics`` is scraped every 0.5 s; the plot shows records in and out, the sink's lag, and the
errors and DLQ writes. Needs the ``plot`` extra (matplotlib).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from connectd.embedded_broker import free_port

REPO = Path(__file__).resolve().parents[1]
OUTPUT = REPO / "docs" / "img" / "pipeline-metrics.png"
TOPIC = "plot-lines"
SERIES = {
    "in": ("kafka_connect_source_task_metrics_source_record_write_total", "src"),
    "out": ("kafka_connect_sink_task_metrics_sink_record_send_total", "sink"),
    "lag": ("kafka_connect_sink_task_metrics_sink_record_lag_max", "sink"),
    "errors": ("kafka_connect_task_error_metrics_total_record_errors", "json-sink"),
    "dlq": ("kafka_connect_task_error_metrics_deadletterqueue_produce_requests", "json-sink"),
}


def _request(url: str, method: str = "GET", body: object = None) -> bytes:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return bytes(response.read())


def _wait(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():  # type: ignore[operator]
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")


@dataclass
class Readings:
    times: list[float] = field(default_factory=list)
    values: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in SERIES})

    def add(self, at: float, text: str) -> None:
        found = {key: 0.0 for key in SERIES}
        wanted = {(name, connector): key for key, (name, connector) in SERIES.items()}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                key = wanted.get((sample.name, sample.labels.get("connector", "")))
                if key is not None:
                    found[key] = float(sample.value)
        self.times.append(at)
        for key, value in found.items():
            self.values[key].append(value)


def _feed(source: Path, stop: threading.Event, started: float) -> None:
    """200 lines every 0.1 s, and bursts of 60,000 at 5 s and 12 s; every tenth line is not JSON."""
    n = 0
    bursts = [5.0, 12.0]
    with open(source, "a", encoding="utf-8") as out:
        while not stop.wait(0.1):
            count = 200
            if bursts and time.monotonic() - started >= bursts[0]:
                bursts.pop(0)
                count = 60_000
            out.write("".join(f'{{"n": {i}}}\n' if i % 10 else f"line {i}\n" for i in range(n, n + count)))
            out.flush()
            n += count


def run_pipeline(workdir: Path, seconds: float) -> Readings:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    source, sink = workdir / "in.txt", workdir / "out.txt"
    source.touch()
    worker = workdir / "worker.properties"
    worker.write_text(
        f"listeners={url}\noffset.storage.file.filename={workdir / 'connect.offsets'}\n"
        "key.converter=org.apache.kafka.connect.storage.StringConverter\n"
        "value.converter=org.apache.kafka.connect.storage.StringConverter\n"
        "offset.flush.interval.ms=1000\n"
    )
    with open(workdir / "connectd.log", "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "standalone", str(worker)],
            cwd=workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
    stop = threading.Event()
    try:
        _wait(lambda: _request(f"{url}/connectors") is not None, 60, f"the REST API at {url}")
        connectors = {
            "src": {"connector.class": "FileStreamSource", "file": str(source), "topic": TOPIC},
            "sink": {"connector.class": "FileStreamSink", "file": str(sink), "topics": TOPIC},
            "json-sink": {
                "connector.class": "FileStreamSink",
                "file": str(workdir / "json.txt"),
                "topics": TOPIC,
                "value.converter": "JsonConverter",
                "value.converter.schemas.enable": "false",
                "errors.tolerance": "all",
                "errors.deadletterqueue.topic.name": f"{TOPIC}-dlq",
                "errors.deadletterqueue.topic.replication.factor": "-1",
            },
        }
        for name, config in connectors.items():
            _request(f"{url}/connectors", "POST", {"name": name, "config": {**config, "tasks.max": "1"}})
        for name in connectors:
            _wait(
                lambda name=name: b'"RUNNING"' in _request(f"{url}/connectors/{name}/status"),
                30,
                f"{name} RUNNING",
            )
        readings = Readings()
        started = time.monotonic()
        feeder = threading.Thread(target=_feed, args=(source, stop, started), daemon=True)
        feeder.start()
        next_scrape = started
        while (now := time.monotonic()) - started < seconds:
            readings.add(now - started, _request(f"{url}/metrics").decode())
            next_scrape += 0.5
            time.sleep(max(0.0, next_scrape - time.monotonic()))
        return readings
    finally:
        stop.set()
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(10)


def plot(readings: Readings, output: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t, v = readings.times, readings.values
    fig, (records, lag, errors) = plt.subplots(3, 1, figsize=(9, 9), sharex=True)
    records.plot(t, v["in"], label="records in (source-record-write-total, src)")
    records.plot(t, v["out"], label="records out (sink-record-send-total, sink)", linestyle="--")
    records.set_ylabel("records")
    records.legend(loc="upper left")
    records.set_title(
        "connectd standalone: FileStreamSource -> Kafka -> FileStreamSink, /metrics every 0.5 s"
    )
    lag.plot(t, v["lag"], color="tab:red", label="sink-record-lag-max (sink)")
    lag.set_ylabel("records behind")
    lag.legend(loc="upper left")
    errors.plot(t, v["errors"], color="tab:orange", label="total-record-errors (json-sink)")
    errors.plot(t, v["dlq"], color="tab:purple", linestyle="--", label="deadletterqueue-produce-requests")
    errors.set_ylabel("records")
    errors.set_xlabel("seconds")
    errors.legend(loc="upper left")
    for axes in (records, lag, errors):
        axes.grid(alpha=0.3)
    fig.tight_layout()
    output.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(output, dpi=100)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="connectd-plot-") as tmp:
        readings = run_pipeline(Path(tmp), args.seconds)
    plot(readings, args.output)
    last = {key: values[-1] for key, values in readings.values.items()}
    print(f"{len(readings.times)} scrapes; last readings {last}; written to {args.output}")


if __name__ == "__main__":
    main()
