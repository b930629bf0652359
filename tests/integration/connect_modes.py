"""One REST test, two deployments: the same Connect REST API served by a standalone worker and by a
distributed cluster (coordinator, offset store, two workers and the gateway, all real processes).

Test modules use the ``connect`` fixture (see ``tests/integration/conftest.py``): it is parametrized
over both modes and module-scoped, so each route-group module starts each deployment once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from services.cluster_launcher import LocalCluster
from tests.integration.cluster_harness import FAST
from tests.integration.standalone_harness import (
    PLUGIN_DIR,
    StandaloneWorker,
    append,
    create_topic,
    http_request,
    read_lines,
    wait_for,
)

# The distributed tests' fast settings, plus the test plugins (a task that fails on demand, ...).
FAST_SETTINGS = {**FAST, "plugin.path": str(PLUGIN_DIR)}

MODES = ("standalone", "distributed")


@dataclass
class ConnectUnderTest:
    """A running deployment and its REST base URL; ``mode`` is ``standalone`` or ``distributed``."""

    mode: str
    url: str
    bootstrap_servers: str
    workdir: Path
    stop: Callable[[], None] = field(repr=False)
    cluster: LocalCluster | None = None
    standalone: StandaloneWorker | None = None

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        return http_request(self.url, method, path, body)

    def status(self, name: str) -> dict[str, Any] | None:
        code, body = self.request("GET", f"/connectors/{name}/status")
        return body if code == 200 else None

    def wait_state(
        self, name: str, connector: str, tasks: int | None = None, task_state: str | None = None,
        timeout: float = 30,
    ) -> dict[str, Any]:  # fmt: skip
        """Wait until the connector is in ``connector`` state with ``tasks`` tasks all in ``task_state``."""
        want_task = task_state or connector

        def reached() -> dict[str, Any] | None:
            status = self.status(name)
            if status is None or status["connector"]["state"] != connector:
                return None
            if tasks is not None and len(status["tasks"]) != tasks:
                return None
            return status if all(t["state"] == want_task for t in status["tasks"]) else None

        return wait_for(
            reached, timeout, f"{name} {connector} with {tasks} task(s) {want_task} ({self.mode})"
        )

    def create(self, name: str, config: dict[str, str], **body: Any) -> dict[str, Any]:
        code, info = self.request("POST", "/connectors", {"name": name, "config": config, **body})
        assert code == 201, f"creating {name} in {self.mode}: expected 201, got {code} {info}"
        return info

    def delete_all(self) -> None:
        """Leave the deployment empty for the next test of the module."""
        code, names = self.request("GET", "/connectors")
        assert code == 200, names
        for name in names:
            self.request("DELETE", f"/connectors/{quote(name, safe='')}")
        wait_for(lambda: self.request("GET", "/connectors")[1] == [], 30, f"no connectors left ({self.mode})")


def start_standalone(
    workdir: Path, bootstrap_servers: str, extra: dict[str, str] | None = None
) -> ConnectUnderTest:
    worker = StandaloneWorker(workdir, bootstrap_servers, {**FAST_SETTINGS, **(extra or {})}).start()

    def stop() -> None:
        worker.terminate()
        worker.close()

    return ConnectUnderTest("standalone", worker.url, bootstrap_servers, workdir, stop, standalone=worker)


def start_distributed(
    workdir: Path,
    bootstrap_servers: str,
    group_id: str,
    workers: int = 2,
    extra: dict[str, str] | None = None,
) -> ConnectUnderTest:
    cluster = LocalCluster(
        workdir,
        group_id=group_id,
        bootstrap_servers=bootstrap_servers,
        settings={**FAST_SETTINGS, **(extra or {})},
        # Two gateway processes: every REST test also checks read-your-writes across them (a write
        # answered by one, the next read by either).
        gateway_processes=2,
    ).start(workers=workers)

    def stop() -> None:
        cluster.stop()
        for process in cluster.processes:
            # Captured by pytest and shown only when a test of the module failed.
            print(f"--- {process.name} (pid {process.pid}) ---\n{process.log_tail(25)}")

    return ConnectUnderTest(
        "distributed", cluster.rest_url, bootstrap_servers, workdir, stop, cluster=cluster
    )


def file_source_config(path: Path | None, topic: str) -> dict[str, str]:
    """FileStreamSource reading ``path`` (stdin when None) into ``topic``."""
    config = {"connector.class": "FileStreamSource", "topic": topic, "tasks.max": "1"}
    return {**config, "file": str(path)} if path is not None else config


def file_sink_config(path: Path, topic: str) -> dict[str, str]:
    return {"connector.class": "FileStreamSink", "file": str(path), "topics": topic, "tasks.max": "1"}


def start_file_pipeline(
    connect: ConnectUnderTest, tmp_path: Path, prefix: str, lines: list[str]
) -> tuple[Path, Path]:
    """``{prefix}-src`` (FileStreamSource) -> ``{prefix}-topic`` (one partition, so the sink file
    keeps the order) -> ``{prefix}-sink`` (FileStreamSink), both RUNNING, ``lines`` in the sink file.
    Returns the source and sink files."""
    source_file, sink_file = tmp_path / "in.txt", tmp_path / "out.txt"
    source_file.touch()
    topic = f"{prefix}-topic"
    create_topic(connect.bootstrap_servers, topic)
    connect.create(f"{prefix}-src", file_source_config(source_file, topic))
    connect.create(f"{prefix}-sink", file_sink_config(sink_file, topic))
    connect.wait_state(f"{prefix}-src", "RUNNING", tasks=1)
    connect.wait_state(f"{prefix}-sink", "RUNNING", tasks=1)
    append(source_file, lines)
    wait_for(lambda: read_lines(sink_file) == lines, 60, f"the first lines in the sink file ({connect.mode})")
    return source_file, sink_file
