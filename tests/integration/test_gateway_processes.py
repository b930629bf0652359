"""``connectd gateway --processes N``: N forks answer on one port; one that dies is started again while
the others keep answering; SIGTERM stops them all. (Read-your-writes across the forks is checked by
every two-mode REST test: their distributed gateway has two processes.)"""

from __future__ import annotations

import os
import signal
import time
import uuid
from pathlib import Path

import pytest

from services.cluster_launcher import LocalCluster
from tests.integration.cluster_harness import FAST, rest
from tests.integration.standalone_harness import wait_for

pytestmark = pytest.mark.integration


def forks(pid: int) -> set[int]:
    children: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        children |= {int(child) for child in (task / "children").read_text().split()}
    return children


def test_forks_share_the_port_and_are_restarted(bootstrap_servers: str, tmp_path: Path) -> None:
    cluster = LocalCluster(
        tmp_path, group_id=f"g-forks-{uuid.uuid4().hex[:8]}", bootstrap_servers=bootstrap_servers,
        settings=FAST, gateway_processes=2,
    )  # fmt: skip
    try:
        cluster.start(workers=1)
        assert cluster.gateway is not None
        supervisor = cluster.gateway.pid
        first = wait_for(lambda: len(forks(supervisor)) == 2 and forks(supervisor), 30, "two forks")
        config = {"connector.class": "FileStreamSource", "file": str(tmp_path / "in.txt"), "topic": "forks"}
        assert rest(cluster, "PUT", "/connectors/f/config", config)[0] == 201
        victim = min(first)
        os.kill(victim, signal.SIGKILL)
        # The other fork answers meanwhile (each request here is a new connection).
        for _ in range(20):
            assert rest(cluster, "GET", "/connectors/f/status")[0] == 200
        wait_for(lambda: len(forks(supervisor)) == 2 and victim not in forks(supervisor), 30, "a new fork")
        assert f"(pid {victim}) was killed by SIGKILL; restarting" in cluster.gateway.log_tail(50)
        assert rest(cluster, "GET", "/connectors")[1] == ["f"]
        survivors = forks(supervisor)
        assert cluster.terminate(cluster.gateway, 30) == 0
        time.sleep(0.5)
        assert not any(Path(f"/proc/{pid}").exists() for pid in survivors), "a fork outlived the gateway"
    finally:
        cluster.stop()
