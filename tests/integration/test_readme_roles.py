"""The README's per-role commands, run exactly as written (``connectd`` is this checkout's CLI), each
role from the sample ``config/connect-distributed.properties`` as it ships.

They use fixed ports (Kafka at localhost:9092, the coordinator on 9190, the offset store on 9191,
the workers' REST API on 8083 and 8084, the gateway's on 8080), so they run in a private network
namespace with its own broker there: nothing else on the machine can hold those ports, and the test
holds none of the machine's.
"""

from __future__ import annotations

import os
import re
import shlex
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connectd.embedded_broker import resolve_broker_binary
from tests.integration.standalone_harness import (
    REPO_ROOT,
    append,
    http_request,
    make_lines,
    read_lines,
    wait_for,
)
from tests.netns import NetNamespace, unavailable_reason

pytestmark = pytest.mark.integration


def readme_role_commands() -> list[list[str]]:
    """The ``connectd <role> ...`` lines of the README's first sh block under "Distributed mode"."""
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Distributed mode") :]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "README: no sh block under ## Distributed mode"
    lines = [shlex.split(line) for line in block.group(1).splitlines() if line.startswith("connectd ")]
    roles = [line[1] for line in lines]
    assert {"coordinator", "offset-store", "worker", "gateway"} <= set(roles), roles
    return lines


@pytest.fixture
def namespace(tmp_path: Path) -> Iterator[NetNamespace]:
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    ns = NetNamespace("readme")
    try:
        yield ns
    finally:
        ns.close()
        for log in sorted(tmp_path.glob("*.log")):
            print(f"--- {log.name} ---\n" + "\n".join(log.read_text(errors="replace").splitlines()[-15:]))


def test_readme_role_commands_run_as_written(namespace: NetNamespace, tmp_path: Path) -> None:
    broker = resolve_broker_binary()
    namespace.popen(
        [broker, "broker", "--listener-url", "tcp://127.0.0.1:9092",
         "--advertised-listener-url", "tcp://localhost:9092", "--silent"],
        tmp_path / "broker.log",
    )  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    for i, command in enumerate(readme_role_commands()):
        assert command[0] == "connectd"
        log = tmp_path / f"{i}-{command[1]}.log"
        namespace.popen([sys.executable, "-m", "services.cli", *command[1:]], log, cwd=REPO_ROOT, env=env)

    def rest(method: str, path: str, body: Any = None) -> tuple[int, Any]:
        return namespace.call(lambda: http_request("http://127.0.0.1:8083", method, path, body))

    def answering() -> bool:
        for process in namespace.processes:
            assert process.poll() is None, f"{process.args} exited with {process.returncode}"
        try:
            return rest("GET", "/")[0] == 200
        except OSError:
            return False

    wait_for(answering, 60, "the first worker's REST API on 8083")

    # The gateway answers the same API (it starts on its own schedule: wait for it too).
    def gateway_answer() -> tuple[int, Any] | None:
        try:
            return namespace.call(lambda: http_request("http://127.0.0.1:8080", "GET", "/connectors"))
        except OSError:
            return None

    gateway = wait_for(gateway_answer, 60, "the gateway's REST API on 8080")
    assert gateway[0] == 200, f"the gateway on 8080: {gateway}"
    source, sink = tmp_path / "in.txt", tmp_path / "out.txt"
    source.touch()
    topic = {"topic.creation.default.partitions": "1", "topic.creation.default.replication.factor": "1"}
    connectors = {
        "readme-source": {"connector.class": "FileStreamSource", "file": str(source), "topic": "readme",
                          **topic},
        "readme-sink": {"connector.class": "FileStreamSink", "file": str(sink), "topics": "readme"},
    }  # fmt: skip
    for name, config in connectors.items():
        code, body = wait_for(
            lambda n=name, c=config: (
                (r := rest("POST", "/connectors", {"name": n, "config": c}))[0] != 503 and r
            ),
            30,
            f"creating {name} (503 until the workers registered)",
        )
        assert code == 201, f"creating {name}: expected 201, saw {code} {body}"
    lines = make_lines(500)
    append(source, lines)
    wait_for(lambda: read_lines(sink) == lines, 60, "the 500 lines in the sink file")

    def owners() -> set[str] | None:
        found: set[str] = set()
        for name in connectors:
            code, status = rest("GET", f"/connectors/{name}/status")
            if code != 200 or [t["state"] for t in status["tasks"]] != ["RUNNING"]:
                return None
            found |= {status["connector"]["worker_id"], *(t["worker_id"] for t in status["tasks"])}
        return found if len(found) == 2 else None

    seen = wait_for(owners, 30, "the connectors and tasks spread over both workers")
    host = socket.gethostname()
    assert seen == {f"{host}:8083", f"{host}:8084"}, f"expected the README's two workers, saw {seen}"
