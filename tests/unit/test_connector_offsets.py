"""The offsets API's rules without a network: body parsing, Kafka's sink and source checks and
messages, the STOPPED rule, and source offsets kept in a real offsets file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from connectd.api import TopicPartition
from connectd.config import WorkerConfig
from connectd.errors import BadRequestError, ConnectdError, NotFoundError
from connectd.plugins.registry import PluginRegistry
from connectd.runtime.connector_offsets import (
    NO_OFFSETS_MESSAGE,
    ConnectorOffset,
    ConnectorOffsetsManager,
    modified_message,
    not_stopped_message,
    parse_alter_request,
    parse_sink_offsets,
    parse_source_offsets,
)
from connectd.runtime.model import ConnectorInfo, ConnectorType, TargetState, TaskId
from connectd.storage.file_offsets import FileOffsetBackend


def _raises(error: type[Exception], call: Any, *args: Any) -> str:
    with pytest.raises(error) as caught:
        call(*args)
    return str(caught.value)


@pytest.mark.parametrize("body", [{}, {"offsets": None}, {"offsets": []}])
def test_an_alter_request_needs_offsets(body: dict[str, Any]) -> None:
    assert _raises(BadRequestError, parse_alter_request, body) == NO_OFFSETS_MESSAGE


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ([], "the body must be a JSON object"),
        ({"offsets": [], "extra": 1}, "unrecognized field(s) extra"),
        ({"offsets": "wrong"}, "offsets must be a JSON array"),
        ({"offsets": [3]}, "offsets[0] must be a JSON object"),
        ({"offsets": [{"partition": {}, "offset": {}, "x": 1}]}, "unrecognized field(s) in offsets[0]: x"),
        (
            {"offsets": [{"partition": "p", "offset": None}]},
            "offsets[0].partition must be a JSON object or null",
        ),
    ],
)
def test_malformed_alter_requests_name_the_problem(body: Any, expected: str) -> None:
    message = _raises(BadRequestError, parse_alter_request, body)
    assert message.startswith("Invalid request") and expected in message, (
        f"expected {expected!r} in {message!r}"
    )


def test_an_alter_request_keeps_null_offsets() -> None:
    body = {"offsets": [{"partition": {"a": 1}, "offset": None}, {"partition": {"a": 2}, "offset": {"o": 3}}]}
    assert parse_alter_request(body) == [ConnectorOffset({"a": 1}, None), ConnectorOffset({"a": 2}, {"o": 3})]


def _sink(partition: Any, offset: Any = None) -> list[ConnectorOffset]:
    return [ConnectorOffset(partition, offset)]


def test_sink_offsets_accept_numbers_and_numeric_strings_later_entries_winning() -> None:
    offsets = [
        ConnectorOffset({"kafka_topic": "t", "kafka_partition": "0"}, {"kafka_offset": "+7"}),
        ConnectorOffset({"kafka_topic": "t", "kafka_partition": 1}, None),
        ConnectorOffset({"kafka_topic": "t", "kafka_partition": 0}, {"kafka_offset": 9}),
    ]
    assert parse_sink_offsets(offsets) == {TopicPartition("t", 0): 9, TopicPartition("t", 1): None}


@pytest.mark.parametrize(
    ("value", "shown"), [("abc", "abc"), (1.5, "1.5"), (True, "true"), (2**31, "2147483648"), (" 1", " 1")]
)
def test_sink_partitions_must_be_int32(value: Any, shown: str) -> None:
    message = _raises(
        BadRequestError, parse_sink_offsets, _sink({"kafka_topic": "t", "kafka_partition": value})
    )
    assert message == (
        f"Failed to parse the following Kafka partition value in the provided offsets: '{shown}'. "
        "Partition values for sink connectors need to be integers."
    )


@pytest.mark.parametrize(("value", "shown"), [("x1", "x1"), (2**63, str(2**63)), ({"a": 1}, "{a=1}")])
def test_sink_offsets_must_be_int64(value: Any, shown: str) -> None:
    entry = _sink({"kafka_topic": "t", "kafka_partition": 0}, {"kafka_offset": value})
    assert _raises(BadRequestError, parse_sink_offsets, entry) == (
        f"Failed to parse the following Kafka offset value in the provided offsets: '{shown}'. "
        "Offset values for sink connectors need to be integers."
    )


def test_source_offsets_are_flat_maps_of_primitives_one_per_partition() -> None:
    offsets = [ConnectorOffset({"f": "a"}, {"p": 1}), ConnectorOffset({"f": "a"}, {"p": 2})]
    assert parse_source_offsets(offsets) == [({"f": "a"}, {"p": 2})]
    nested = [ConnectorOffset({"f": "a"}, {"p": [1]})]
    assert _raises(ConnectdError, parse_source_offsets, nested) == (
        "Offsets may only contain primitive types as values, but field p contains ARRAY"
    )
    assert "cannot be null or missing" in _raises(
        BadRequestError, parse_source_offsets, [ConnectorOffset(None, {})]
    )


def test_success_messages_are_kafkas() -> None:
    assert modified_message(True, reset=True) == "The offsets for this connector have been reset successfully"
    assert modified_message(False, reset=False) == (
        "The Connect framework-managed offsets for this connector have been altered successfully. "
        "However, if this connector manages offsets externally, they will need to be manually altered "
        "in the system that the connector uses."
    )


class _Connectors:
    """A control plane holding one connector: what the manager looks up."""

    def __init__(self, info: ConnectorInfo, target: TargetState) -> None:
        self.info, self.target = info, target

    def connector_info(self, name: str) -> ConnectorInfo:
        if name != self.info.name:
            raise NotFoundError(f"Connector {name} not found")
        return self.info

    def connector_target_state(self, name: str) -> TargetState:
        return self.target


@pytest.fixture
def source_offsets(tmp_path: Path) -> FileOffsetBackend:
    backend = FileOffsetBackend(tmp_path / "connect.offsets")
    backend.start()
    return backend


def _manager(backend: FileOffsetBackend) -> ConnectorOffsetsManager:
    return ConnectorOffsetsManager(WorkerConfig({}), backend, PluginRegistry.discover([]))


def test_source_offsets_change_only_when_stopped_with_no_tasks(
    source_offsets: FileOffsetBackend, tmp_path: Path
) -> None:
    config = {"connector.class": "FileStreamSource", "file": str(tmp_path / "in.txt"), "topic": "t"}
    connectors = _Connectors(
        ConnectorInfo("src", config, [TaskId("src", 0)], ConnectorType.SOURCE), TargetState.PAUSED
    )
    manager = _manager(source_offsets)
    entry = ConnectorOffset({"filename": config["file"]}, {"position": 10})
    for target, tasks in (
        (TargetState.PAUSED, [TaskId("src", 0)]),
        (TargetState.STOPPED, [TaskId("src", 0)]),
    ):
        connectors.target, connectors.info.tasks = target, tasks
        assert _raises(BadRequestError, manager.alter, connectors, "src", [entry]) == not_stopped_message(
            "src"
        )
        assert _raises(BadRequestError, manager.reset, connectors, "src") == not_stopped_message("src")
    connectors.info.tasks = []
    assert manager.alter(connectors, "src", [entry]) == modified_message(True, reset=False)
    assert source_offsets.list("src") == [({"filename": config["file"]}, {"position": 10})]
    assert manager.offsets(connectors, "src") == {"offsets": [entry.to_dict()]}
    assert manager.reset(connectors, "src") == modified_message(True, reset=True)
    assert manager.offsets(connectors, "src") == {"offsets": []}
    assert _raises(NotFoundError, manager.offsets, connectors, "other") == "Connector other not found"


def test_a_plugin_not_installed_here_gets_the_framework_message(source_offsets: FileOffsetBackend) -> None:
    info = ConnectorInfo("ext", {"connector.class": "com.example.Elsewhere"}, [], ConnectorType.SOURCE)
    connectors = _Connectors(info, TargetState.STOPPED)
    message = _manager(source_offsets).alter(connectors, "ext", [ConnectorOffset({"k": "v"}, {"o": 1})])
    assert message == modified_message(False, reset=False)
    assert source_offsets.list("ext") == [({"k": "v"}, {"o": 1})]


def test_the_offsets_api_hands_plugins_and_clients_resolved_configs(
    source_offsets: FileOffsetBackend,
) -> None:
    config = {"connector.class": "FileStreamSource", "file": "${vault:kv:in}", "topic": "t"}
    connectors = _Connectors(ConnectorInfo("src", config, [], ConnectorType.SOURCE), TargetState.STOPPED)
    manager = ConnectorOffsetsManager(WorkerConfig({}), source_offsets, PluginRegistry.discover())
    message = _raises(ConnectdError, manager.reset, connectors, "src")
    assert message.startswith(
        "Cannot modify or read the offsets of connector src: config key 'file' refers to ${vault:kv:in}"
    ), message
