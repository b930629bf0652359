"""The REST status view: kept current from the coordinator's real status stream (an in-process gRPC
server over the coordinator core), answering from memory only when it is current, and making a
write's response wait until reads reflect it (read-your-writes); the routes fall back to the control
plane whenever the view cannot answer."""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, cast

import pytest
from fastapi.testclient import TestClient

from connectd.cluster.assignments import StorageTopics
from connectd.cluster.coordinator import Coordinator
from connectd.cluster.group import Group, GroupSettings
from connectd.runtime.control import ConnectControl
from connectd.runtime.model import ConnectorStateInfo, ServerInfo, State, StateInfo, TargetState
from connectd.storage.config_store import MemoryConfigStore
from connectd.storage.status_store import MemoryStatusBackend
from connectd.v1 import connectors_pb2, connectors_pb2_grpc
from gateway.app import create_app
from services.coordinator.connectors_servicer import ConnectorServicer
from services.coordinator.status_view import CoordinatorStatusView, WriteFence
from services.grpc_support import GrpcServer, open_channel
from services.security.grpc_credentials import PLAINTEXT

STORAGE = StorageTopics("configs", "offsets", "status")
SOURCE = {"connector.class": "test.Source", "tasks.max": "1"}


def wait_for(check: Callable[[], Any], timeout: float = 10) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.01)
    raise AssertionError("timed out")


class _Coordinator:
    def __init__(self) -> None:
        self.core = Coordinator(
            lambda _g, _s: (MemoryConfigStore(), MemoryStatusBackend()),
            cast(Any, None),  # no calls on workers here
            GroupSettings(lease_timeout_ms=60_000),
        )
        self.session = self.core.register("g", "w1", "w1:1", [], STORAGE).session
        self.stopping = threading.Event()
        self.server = GrpcServer("127.0.0.1", 0, security=PLAINTEXT, role="coordinator")
        self.server.add(
            connectors_pb2_grpc.add_ConnectorServiceServicer_to_server,
            ConnectorServicer(self.core, stopping=self.stopping),
            connectors_pb2.DESCRIPTOR.services_by_name["ConnectorService"].full_name,
        )
        self.server.start()
        self.channel = open_channel(f"127.0.0.1:{self.server.port}", PLAINTEXT)

    @property
    def group(self) -> Group:
        return self.core.group("g")

    def stop(self) -> None:
        self.stopping.set()
        self.server.stop(0.5)
        self.channel.close()
        self.core.close()


@pytest.fixture
def coordinator() -> Iterator[_Coordinator]:
    running = _Coordinator()
    yield running
    running.stop()


@pytest.fixture
def view(coordinator: _Coordinator) -> Iterator[CoordinatorStatusView]:
    coordinator.group.create_connector("c", SOURCE, TargetState.STARTED)
    started = CoordinatorStatusView(coordinator.channel, "g", 5.0, WriteFence())
    started.start()
    wait_for(lambda: started.status_json("c"))
    yield started
    started.close()


def test_the_view_answers_as_the_direct_calls(coordinator: _Coordinator, view: CoordinatorStatusView) -> None:
    group = coordinator.group
    group.create_connector("b", SOURCE, TargetState.PAUSED)
    asyncio.run(view.after_write())
    truth = {name: group.connector_status(name).to_dict() for name in group.connector_names()}
    assert json.loads(view.status_json("c") or b"") == truth["c"]
    assert json.loads(view.names_json() or b"") == ["b", "c"], "in name order, as ListConnectors"
    listing = view.status_listing_json() or b""
    assert json.loads(listing) == {name: {"status": status} for name, status in truth.items()}
    assert list(json.loads(listing)) == ["b", "c"]
    assert view.status_json("nope") is None, "an unknown name is the direct call's to answer (its 404)"


def test_a_write_is_visible_to_the_next_read(coordinator: _Coordinator, view: CoordinatorStatusView) -> None:
    group = coordinator.group
    for i in range(20):
        name = f"n{i}"
        group.create_connector(name, SOURCE, TargetState.STARTED)
        asyncio.run(view.after_write())
        assert view.status_json(name) is not None, f"{name}: created, then not in the view"
        group.set_target_state(name, TargetState.STOPPED)
        asyncio.run(view.after_write())
        assert view.status_json(name) is not None
        group.delete_connector(name)
        asyncio.run(view.after_write())
        assert view.status_json(name) is None and name not in json.loads(view.names_json() or b"")


def test_worker_reports_reach_the_view(coordinator: _Coordinator, view: CoordinatorStatusView) -> None:
    from connectd.cluster.coordinator_port import StatusUpdate

    coordinator.group.report(
        "w1", coordinator.session, [StatusUpdate("c", None, StateInfo(State.FAILED, "w1:1", "boom"), 1)]
    )
    wait_for(lambda: json.loads(view.status_json("c") or b"{}").get("connector", {}).get("state") == "FAILED")


def test_not_current_behind_the_write_fence(coordinator: _Coordinator) -> None:
    """A write on another process of the gateway raised the shared fence: until this view reaches that
    version, it answers nothing (the routes make the direct call)."""
    coordinator.group.create_connector("c", SOURCE, TargetState.STARTED)
    fence = WriteFence()
    view = CoordinatorStatusView(coordinator.channel, "g", 5.0, fence)
    view.start()
    try:
        wait_for(lambda: view.status_json("c"))
        fence.raise_to(coordinator.group.status_changes.version + 1)
        assert view.status_json("c") is None and view.status_listing_json() is None
        coordinator.group.set_target_state("c", TargetState.PAUSED)
        wait_for(lambda: view.status_json("c"))
    finally:
        view.close()


def test_not_current_once_the_stream_is_gone(coordinator: _Coordinator, view: CoordinatorStatusView) -> None:
    coordinator.stopping.set()  # the coordinator shuts down: its streams end
    coordinator.server.stop(0.5)
    wait_for(lambda: view.status_json("c") is None)
    assert view.names_json() is None


def test_the_fence_is_shared_by_forked_processes() -> None:
    fence = WriteFence(shared=True)
    pid = os.fork()
    if pid == 0:
        fence.raise_to(42)
        os._exit(0)
    os.waitpid(pid, 0)
    assert fence.version == 42
    fence.raise_to(7)
    assert fence.version == 42, "a fence is never lowered"


# --- the routes over a view ----------------------------------------------------------------------------


class _FakeView:
    def __init__(self) -> None:
        self.current = True
        self.writes = 0

    def status_json(self, name: str) -> bytes | None:
        return b'{"name":"%s","from":"view"}' % name.encode() if self.current else None

    def names_json(self) -> bytes | None:
        return b'["from-view"]' if self.current else None

    def status_listing_json(self) -> bytes | None:
        return b'{"from-view":{}}' if self.current else None

    async def after_write(self) -> None:
        self.writes += 1


class _Control:
    def server_info(self) -> ServerInfo:
        return ServerInfo("4.1.0", "connectd-test", None)

    def connector_status(self, name: str) -> ConnectorStateInfo:
        return ConnectorStateInfo(name, StateInfo(State.RUNNING, "direct"))

    def connector_names(self) -> list[str]:
        return ["direct"]

    def connector_statuses(self) -> dict[str, ConnectorStateInfo]:
        return {"direct": self.connector_status("direct")}

    def pause_connector(self, name: str) -> None:
        pass

    def delete_connector(self, name: str) -> None:
        from connectd.errors import NotFoundError

        raise NotFoundError(f"Connector {name} not found")


def test_routes_answer_from_a_current_view_else_directly() -> None:
    fake = _FakeView()
    client = TestClient(create_app(cast(ConnectControl, _Control()), status_view=fake))
    assert client.get("/connectors/x/status").json() == {"name": "x", "from": "view"}
    assert client.get("/connectors").json() == ["from-view"]
    assert client.get("/connectors?expand=status").json() == {"from-view": {}}
    response = client.get("/connectors?expand=status")
    assert response.headers["content-type"] == "application/json"
    fake.current = False
    assert client.get("/connectors/x/status").json()["connector"]["worker_id"] == "direct"
    assert client.get("/connectors").json() == ["direct"]
    assert list(client.get("/connectors?expand=status").json()) == ["direct"]


def test_every_write_waits_for_the_view_and_no_read_does() -> None:
    fake = _FakeView()
    client = TestClient(create_app(cast(ConnectControl, _Control()), status_view=fake))
    client.get("/connectors/x/status")
    client.get("/")
    assert fake.writes == 0
    assert client.put("/connectors/x/pause").status_code == 202
    assert fake.writes == 1
    assert client.delete("/connectors/x").status_code == 404
    assert fake.writes == 2, "a failed write waits too (it may have changed something)"
