"""Active topics (KIP-558) in both modes: ``GET /connectors/{name}/topics`` and
``PUT /connectors/{name}/topics/reset``, with data flowing from a FileStreamSource to a FileStreamSink.

Kafka checks neither the connector's existence (an unknown name lists no topics, and resets with 202)
nor its state; it answers 403 when the worker's ``topic.tracking.*`` configs forbid it. The 403s are
a property of the process answering, so they are checked once, on standalone workers of their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.connect_modes import ConnectUnderTest, start_standalone
from tests.integration.rest_checks import expect, expect_error
from tests.integration.standalone_harness import append, create_topic, make_lines, read_lines, wait_for

pytestmark = pytest.mark.integration


def _topics(connect: ConnectUnderTest, name: str) -> tuple[int, Any]:
    return connect.request("GET", f"/connectors/{name}/topics")


def _listed(name: str, *topics: str) -> tuple[int, dict[str, Any]]:
    """The contract's 200 ActiveTopicsInfo (§3.7)."""
    return 200, {name: {"topics": list(topics)}}


def _wait_listed(connect: ConnectUnderTest, name: str, *topics: str) -> None:
    expected = _listed(name, *topics)
    wait_for(
        lambda: _topics(connect, name) == expected,
        30,
        f"{name} to list active topics {list(topics)} ({connect.mode})",
    )


def _reset(connect: ConnectUnderTest, name: str) -> None:
    body = expect(connect, "PUT", f"/connectors/{name}/topics/reset", 202)
    assert body is None, f"reset of {name} ({connect.mode}): expected no body, got {body}"


class _Pipeline:
    """A FileStreamSource appending lines to ``topic`` and a FileStreamSink writing them out."""

    def __init__(self, connect: ConnectUnderTest, tmp_path: Path, stem: str) -> None:
        self.connect = connect
        self.topic, self.source, self.sink = f"{stem}-data", f"{stem}-src", f"{stem}-sink"
        self.in_file, self.out_file = tmp_path / "in.txt", tmp_path / "out.txt"
        self.in_file.touch()
        self.sent = 0
        create_topic(connect.bootstrap_servers, self.topic)
        source = {"connector.class": "FileStreamSource", "file": str(self.in_file), "topic": self.topic}
        connect.create(self.source, source)
        sink = {"connector.class": "FileStreamSink", "file": str(self.out_file), "topics": self.topic}
        connect.create(self.sink, sink)
        for name in (self.source, self.sink):
            connect.wait_state(name, "RUNNING", tasks=1)

    def send(self, count: int) -> None:
        append(self.in_file, make_lines(count, start=self.sent))
        self.sent += count

    def flow(self, count: int = 20) -> None:
        """Append ``count`` lines and wait until the sink wrote every line so far."""
        self.send(count)
        expected = make_lines(self.sent)
        wait_for(lambda: read_lines(self.out_file) == expected, 60, f"{self.sent} lines in the sink file")


def test_source_and_sink_list_the_topic_once_data_flows(
    clean_connect: ConnectUnderTest, tmp_path: Path, unique_name: str
) -> None:
    pipeline = _Pipeline(clean_connect, tmp_path, unique_name)
    for name in (pipeline.source, pipeline.sink):
        seen = _topics(clean_connect, name)
        assert seen == _listed(name), f"{name}: expected no active topic before any record, saw {seen}"

    pipeline.flow()
    _wait_listed(clean_connect, pipeline.source, pipeline.topic)
    _wait_listed(clean_connect, pipeline.sink, pipeline.topic)


def test_reset_empties_the_list_and_topics_in_use_come_back(
    clean_connect: ConnectUnderTest, tmp_path: Path, unique_name: str
) -> None:
    pipeline = _Pipeline(clean_connect, tmp_path, unique_name)
    pipeline.flow()
    _wait_listed(clean_connect, pipeline.source, pipeline.topic)
    _wait_listed(clean_connect, pipeline.sink, pipeline.topic)

    _reset(clean_connect, pipeline.source)
    seen = _topics(clean_connect, pipeline.source)
    assert seen == _listed(pipeline.source), f"expected an empty list right after the reset, saw {seen}"
    seen = _topics(clean_connect, pipeline.sink)
    assert seen == _listed(pipeline.sink, pipeline.topic), f"the sink was not reset, yet saw {seen}"
    _reset(clean_connect, pipeline.sink)
    assert _topics(clean_connect, pipeline.sink) == _listed(pipeline.sink)

    # KIP-558: tasks that keep using a topic report it again. In distributed mode a worker learns of
    # the reset with its next heartbeat, so the data keeps flowing until both list the topic again.
    expected = {name: _listed(name, pipeline.topic) for name in (pipeline.source, pipeline.sink)}

    def listed_again() -> dict[str, Any] | None:
        seen = {name: _topics(clean_connect, name) for name in expected}
        if seen == expected:
            return seen
        pipeline.send(1)
        return None

    wait_for(listed_again, 30, f"the topic listed again while data flows ({clean_connect.mode})", 0.2)
    pipeline.flow(0)


def test_deleting_a_connector_resets_its_topics(
    clean_connect: ConnectUnderTest, tmp_path: Path, unique_name: str
) -> None:
    pipeline = _Pipeline(clean_connect, tmp_path, unique_name)
    pipeline.flow()
    _wait_listed(clean_connect, pipeline.sink, pipeline.topic)

    code, body = clean_connect.request("DELETE", f"/connectors/{pipeline.sink}")
    assert code == 204, f"delete: expected 204, got {code} {body}"
    seen = _topics(clean_connect, pipeline.sink)
    assert seen == _listed(pipeline.sink), f"expected no topics for the deleted connector, saw {seen}"
    _wait_listed(clean_connect, pipeline.source, pipeline.topic)


def test_unknown_connector_lists_nothing_and_resets(clean_connect: ConnectUnderTest) -> None:
    # Kafka's resource does no existence check on either endpoint (contract §4.19, §4.20, §11.9).
    assert _topics(clean_connect, "no-such-connector") == _listed("no-such-connector")
    _reset(clean_connect, "no-such-connector")


def test_coordinator_restart_rebuilds_active_topics(
    clean_connect: ConnectUnderTest, tmp_path: Path, unique_name: str
) -> None:
    if clean_connect.cluster is None:
        pytest.skip("standalone keeps active topics in memory, as Kafka's standalone worker does")
    pipeline = _Pipeline(clean_connect, tmp_path, unique_name)
    pipeline.flow()
    _wait_listed(clean_connect, pipeline.source, pipeline.topic)
    _wait_listed(clean_connect, pipeline.sink, pipeline.topic)

    cluster = clean_connect.cluster
    coordinator = cluster.coordinator
    assert coordinator is not None
    code = cluster.terminate(coordinator)
    assert code == 0, f"expected the coordinator to exit 0 on SIGTERM, saw {code}"
    cluster.restart(coordinator)
    # No record flows after the restart, so the tasks report nothing new: the list can only come
    # from the status topic the restarted coordinator read back.
    _wait_listed(clean_connect, pipeline.source, pipeline.topic)
    _wait_listed(clean_connect, pipeline.sink, pipeline.topic)
    clean_connect.wait_state(pipeline.sink, "RUNNING", tasks=1)


# --- 403: topic.tracking.* of the process answering (standalone; the gateway's in distributed mode) ---


@pytest.fixture
def restricted_worker(
    request: pytest.FixtureRequest, bootstrap_servers: str, tmp_path: Path
) -> Iterator[ConnectUnderTest]:
    """A standalone worker of its own with the ``topic.tracking.*`` configs of the test's parameter."""
    worker = start_standalone(tmp_path, bootstrap_servers, extra=request.param)
    try:
        yield worker
    finally:
        worker.stop()


@pytest.mark.parametrize(
    ("restricted_worker", "get_error", "reset_error"),
    [
        ({"topic.tracking.enable": "false"}, "Topic tracking is disabled.", "Topic tracking is disabled."),
        (
            {"topic.tracking.enable": "false", "topic.tracking.allow.reset": "false"},
            "Topic tracking is disabled.",
            "Topic tracking is disabled.",
        ),
        ({"topic.tracking.allow.reset": "false"}, None, "Topic tracking reset is disabled."),
    ],
    indirect=["restricted_worker"],
    ids=["tracking-disabled", "both-disabled", "reset-disabled"],
)
def test_topic_tracking_configs_forbid(
    restricted_worker: ConnectUnderTest, get_error: str | None, reset_error: str
) -> None:
    if get_error is None:
        seen = _topics(restricted_worker, "any")
        assert seen == _listed("any"), f"expected the (empty) list, got {seen}"
    else:
        expect_error(restricted_worker, "GET", "/connectors/any/topics", 403, get_error)
    expect_error(restricted_worker, "PUT", "/connectors/any/topics/reset", 403, reset_error)
