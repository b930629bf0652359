"""``connectd quickstart``: Kafka's file quickstart, runnable anywhere.

Starts ``connectd standalone`` with the sample files of ``config/`` as a real process (embedded broker,
FileStreamSource -> Kafka -> FileStreamSink), appends lines to the source file while it runs, prints
each line as it arrives in the sink file, shows the status the REST API reports, then stops the worker
with SIGTERM (final offset flush) and shows the committed offset.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from connectd.embedded_broker import free_port

_FILES = ("connect-standalone.properties", "connect-file-source.properties", "connect-file-sink.properties")
_DEADLINE_S = 120.0


def _port_free(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _get_json(url: str) -> object:
    with urllib.request.urlopen(url, timeout=2) as response:
        return json.loads(response.read())


def run_quickstart(lines: int, config_dir: str) -> int:
    source_dir = Path(config_dir)
    missing = [name for name in _FILES if not (source_dir / name).is_file()]
    if missing:
        print(
            f"connectd quickstart: {', '.join(missing)} not found in {source_dir.resolve()}", file=sys.stderr
        )
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="connectd-quickstart-"))
    for name in _FILES:
        shutil.copy(source_dir / name, workdir / name)
    port = 8083 if _port_free(8083) else free_port()
    with open(workdir / _FILES[0], "a", encoding="utf-8") as worker_file:
        worker_file.write(
            f"\n# quickstart: REST port chosen at run time\nlisteners=http://127.0.0.1:{port}\n"
        )
    log_path = workdir / "connectd.log"
    print(f"work dir   {workdir}")
    print(f"command    connectd standalone {' '.join(_FILES)}")
    print(f"log        {log_path}")
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "standalone", *_FILES],
            cwd=workdir,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        )
    print(f"worker     pid {process.pid}, REST API http://127.0.0.1:{port}")
    print("broker     embedded (tansu), memory only: records no sink has read are lost when the worker")
    print("           stops; set bootstrap.servers in connect-standalone.properties for durable data")
    try:
        return _feed_and_watch(workdir, port, lines, process, log_path)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _feed_and_watch(
    workdir: Path, port: int, lines: int, process: subprocess.Popen[bytes], log_path: Path
) -> int:
    source, sink = workdir / "test.txt", workdir / "test.sink.txt"
    expected = [f"hello from connectd, line {i}" for i in range(1, lines + 1)]
    fed = 0
    seen: list[str] = []
    deadline = time.monotonic() + _DEADLINE_S
    started = time.monotonic()
    shown_status = False
    print(f"\nappending {lines} lines to test.txt; lines arriving in test.sink.txt:")
    while len(seen) < lines and time.monotonic() < deadline:
        if process.poll() is not None:
            print(f"\nthe worker exited with code {process.returncode}; last log lines:", file=sys.stderr)
            print("\n".join(log_path.read_text(errors="replace").splitlines()[-15:]), file=sys.stderr)
            return 1
        if fed < lines:
            with open(source, "a", encoding="utf-8") as out:
                batch = expected[fed : fed + 2]
                out.write("".join(f"{line}\n" for line in batch))
            fed += len(batch)
        if sink.exists():
            arrived = sink.read_text(encoding="utf-8").splitlines()
            for line in arrived[len(seen) :]:
                print(f"  sink <- {line}")
            seen = arrived
        if not shown_status and seen:
            shown_status = _show_status(port)
        time.sleep(0.1)
    elapsed = time.monotonic() - started
    ok = seen[:lines] == expected
    print(f"\n{len(seen)} of {lines} lines arrived in order in {elapsed:.1f}s: {'OK' if ok else 'MISMATCH'}")
    process.send_signal(signal.SIGTERM)
    process.wait(30)
    offsets = workdir / "connect.offsets"
    if offsets.exists():
        print(f"stopped gracefully; committed source offsets ({offsets.name}): {offsets.read_text().strip()}")
    return 0 if ok else 1


def _show_status(port: int) -> bool:
    try:
        status = _get_json(f"http://127.0.0.1:{port}/connectors?expand=status")
    except OSError:
        return False
    assert isinstance(status, dict)
    print("  (REST) GET /connectors?expand=status ->")
    for name, entry in sorted(status.items()):
        state = entry["status"]
        tasks = ", ".join(f"task {t['id']} {t['state']}" for t in state["tasks"])
        print(f"         {name}: {state['type']} connector {state['connector']['state']}; {tasks}")
    return True
