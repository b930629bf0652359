"""A config write the config topic does not acknowledge in time, with real processes: the broker is
frozen (SIGSTOP) under a distributed cluster. The write is answered 503, "not applied", in about the
coordinator's write timeout; status reads meanwhile answer at once; once the broker is back the old
config still stands, in the running coordinator and in one restarted from the topic."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectd.embedded_broker import EmbeddedBroker
from services.cluster_launcher import LocalCluster
from tests.integration.cluster_harness import FAST, rest
from tests.integration.standalone_harness import PLUGIN_DIR, wait_for

pytestmark = pytest.mark.integration

IDLE = "lifecycle_plugins.IdleSourceConnector"
# The coordinator waits half of request.timeout.ms for the config topic.
SETTINGS = {**FAST, "plugin.path": str(PLUGIN_DIR), "request.timeout.ms": "4000"}


@pytest.fixture
def frozen_broker_cluster(tmp_path: Path) -> Iterator[tuple[LocalCluster, EmbeddedBroker]]:
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        pytest.skip("freezes its own embedded broker; an external cluster can't be frozen from here")
    broker = EmbeddedBroker(log_path=tmp_path / "broker.log").start()
    servers = broker.bootstrap_servers
    cluster = LocalCluster(tmp_path / "cluster", group_id="g-frozen", bootstrap_servers=servers,
                           settings=SETTINGS)  # fmt: skip
    try:
        yield cluster.start(workers=1), broker
    finally:
        if broker.pid is not None:
            os.kill(broker.pid, signal.SIGCONT)
        cluster.stop()
        broker.stop()
        for process in cluster.processes:
            print(f"--- {process.name} ---\n{process.log_tail(15)}")


def test_an_unacknowledged_write_is_answered_not_applied_and_never_applies(
    frozen_broker_cluster: tuple[LocalCluster, EmbeddedBroker],
) -> None:
    cluster, broker = frozen_broker_cluster
    config = {"connector.class": IDLE, "tasks.max": "1"}
    assert rest(cluster, "POST", "/connectors", {"name": "extra", "config": config})[0] == 201
    wait_for(lambda: rest(cluster, "GET", "/connectors/extra/status")[1]["tasks"], 30, "extra's task")

    assert broker.pid is not None
    os.kill(broker.pid, signal.SIGSTOP)
    started = time.monotonic()
    code, body = rest(cluster, "PUT", "/connectors/extra/config", {**config, "tasks.max": "3"})
    answered = time.monotonic() - started
    assert code == 503 and "not applied" in body["message"], f"expected 503 not applied, saw {code} {body}"
    assert answered < 4, f"the write was answered after {answered:.1f}s, past the gateway's deadline"

    started = time.monotonic()
    code, _ = rest(cluster, "GET", "/connectors/extra/status")
    took = time.monotonic() - started
    assert code == 200 and took < 1, f"status during the stall: {code} after {took:.2f}s"

    os.kill(broker.pid, signal.SIGCONT)  # what the coordinator had queued (the write, its undo) lands
    wait_for(
        lambda: rest(cluster, "GET", "/connectors/extra/config")[0] == 200, 30, "the API after the stall"
    )
    assert rest(cluster, "GET", "/connectors/extra/config")[1]["tasks.max"] == "1", (
        "the withdrawn write applied"
    )

    assert cluster.coordinator is not None
    cluster.terminate(cluster.coordinator)
    cluster.restart(cluster.coordinator)
    seen = wait_for(
        lambda: (r := rest(cluster, "GET", "/connectors/extra/config"))[0] == 200 and r[1], 30,
        "the config from a restarted coordinator",
    )  # fmt: skip
    assert seen["tasks.max"] == "1", (
        f"a coordinator rebuilt from the topic applied the withdrawn write: {seen}"
    )
