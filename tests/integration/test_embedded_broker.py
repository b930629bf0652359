"""``connectd standalone`` with Kafka's sample files on its own embedded broker, as a first-time user
runs it: lines keep their order on a fresh topic, and the log says plainly that the broker's data
lives in memory only, and which connectors' data a restart on a fresh broker may have lost."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectd.embedded_broker import free_port
from tests.integration.standalone_harness import (
    REPO_ROOT,
    append,
    http_request,
    make_lines,
    read_lines,
    wait_for,
)

pytestmark = pytest.mark.integration

SAMPLES = ("connect-standalone.properties", "connect-file-source.properties", "connect-file-sink.properties")
MEMORY_ONLY = "keeps records in memory only"


class SampleStandalone:
    """``connectd standalone`` run in ``workdir`` on copies of config/'s sample files, the REST port
    moved to a free one (the only change: two test runs must not share 8083)."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        for name in SAMPLES:
            shutil.copy(REPO_ROOT / "config" / name, workdir / name)
        self.port = free_port()
        with open(workdir / SAMPLES[0], "a", encoding="utf-8") as worker_file:
            worker_file.write(f"\nlisteners=http://127.0.0.1:{self.port}\n")
        self.log_path = workdir / "connectd.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> SampleStandalone:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "services.cli", "standalone", *SAMPLES],
                cwd=self.workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
            )
        for name in ("local-file-source", "local-file-sink"):
            wait_for(lambda n=name: self._running(n), 60, f"{name} RUNNING (log: {self.log_path})")
        return self

    def _running(self, name: str) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"connectd exited with {self.process.returncode}:\n{self.log()}")
        try:
            code, status = http_request(self.url, "GET", f"/connectors/{name}/status")
        except OSError:
            return False
        return code == 200 and [t["state"] for t in status["tasks"]] == ["RUNNING"]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(30)

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


@pytest.fixture
def sample(tmp_path: Path) -> Iterator[SampleStandalone]:
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        pytest.skip("runs connectd's own embedded broker, not an external cluster")
    worker = SampleStandalone(tmp_path)
    try:
        yield worker
    finally:
        worker.close()
        print(f"--- {worker.log_path} ---\n{worker.log()[-4000:]}")


def test_lines_keep_their_order_on_a_fresh_topic(sample: SampleStandalone) -> None:
    sample.start()
    lines = make_lines(20_000)
    append(sample.workdir / "test.txt", lines)
    sink = sample.workdir / "test.sink.txt"
    got = wait_for(
        lambda: (out := read_lines(sink)) and len(out) >= len(lines) and out, 90, "20,000 lines in the sink"
    )
    if got != lines:
        first = next(i for i, (a, b) in enumerate(zip(got, lines, strict=False)) if a != b)
        raise AssertionError(
            f"expected the 20,000 lines in order; {len(got)} arrived, first difference at line {first}: "
            f"expected {lines[first]!r}, saw {got[first]!r}"
        )
    assert MEMORY_ONLY in sample.log(), "the startup log must say the embedded broker is memory-only"
    assert sample.stop() == 0

    # A restart finds the offsets file but a new, empty broker: it names what may have been lost.
    sample.start()
    warning = [line for line in sample.log().splitlines() if "starts empty" in line]
    assert warning and "local-file-source" in warning[-1], (
        f"expected a warning naming local-file-source after a restart on a fresh broker; saw {warning}"
    )
    assert sample.stop() == 0
