"""Connector and task statuses (``status.storage.topic``) in Kafka Connect's exact record format.

As Kafka Connect's ``KafkaStatusBackingStore`` writes them (schemaless internal JSON converter), so a
Java worker and existing tooling can read and share the topic:

* key ``status-connector-<name>`` or ``status-task-<name>-<n>`` (UTF-8);
* value ``{"state":"RUNNING","trace":null,"worker_id":"host:port","generation":N}``, plus
  ``"version"`` when the instance reported one; a tombstone (null value) removes the status;
* active topics (KIP-558): key ``status-topic-<topic>:connector-<name>``, value
  ``{"topic":{"name":..,"connector":..,"task":N,"discoverTimestamp":ms}}``; a tombstone forgets it.

Anything else unknown or malformed is skipped with a warning naming its key. Each key is
independent, so the topic can have many partitions: replay only needs each key's own order, which a
partition keeps.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from connectd.runtime.model import State, StateInfo, TaskId
from connectd.runtime.topic_tracking import TopicStatus
from connectd.storage.kafka_log import KafkaStoreError, KafkaTopicLog, Record, replay_records
from connectd.storage.memory_store import MemoryStore

log = logging.getLogger(__name__)

StatusStoreError = KafkaStoreError

CONNECTOR_STATUS_PREFIX = "status-connector-"
TASK_STATUS_PREFIX = "status-task-"
# Active-topic records (KIP-558): status-topic-<topic>:connector-<connector>.
TOPIC_STATUS_PREFIX = "status-topic-"
TOPIC_STATUS_SEPARATOR = ":connector-"

_TASK_SUFFIX = re.compile(r"-([0-9]+)\Z", re.ASCII)


@dataclass
class StatusSnapshot:
    """Latest reported states: connector name -> state, connector name -> task id -> state, and
    connector name -> topic -> its active-topic record."""

    connectors: dict[str, StateInfo]
    tasks: dict[str, dict[int, StateInfo]]
    topics: dict[str, dict[str, TopicStatus]] = field(default_factory=dict)


class StatusStore(Protocol):
    """The status store the coordinator core uses. Every write is durable once the call returns."""

    def start(self) -> StatusSnapshot: ...

    def stop(self) -> None: ...

    def snapshot(self) -> StatusSnapshot: ...

    def put_connector_status(self, name: str, state: StateInfo, generation: int) -> None: ...

    def put_task_status(self, task: TaskId, state: StateInfo, generation: int) -> None: ...

    def remove_connector(self, name: str, task_count: int) -> None:
        """Tombstones for the connector and its tasks ``0..task_count-1``."""
        ...

    def put_topic_status(self, status: TopicStatus) -> None: ...

    def remove_topic_statuses(self, connector: str, topics: Sequence[str]) -> None:
        """Tombstones for these active topics of the connector."""
        ...


# -- records -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConnectorStatusRecord:
    name: str
    state: StateInfo | None  # None: removed
    generation: int = -1


@dataclass(frozen=True, slots=True)
class TaskStatusRecord:
    task: TaskId
    state: StateInfo | None  # None: removed
    generation: int = -1


@dataclass(frozen=True, slots=True)
class TopicStatusRecord:
    connector: str
    topic: str
    status: TopicStatus | None  # None: removed


StatusRecord = ConnectorStatusRecord | TaskStatusRecord | TopicStatusRecord


def connector_status_key(name: str) -> bytes:
    return (CONNECTOR_STATUS_PREFIX + name).encode()


def task_status_key(task: TaskId) -> bytes:
    return f"{TASK_STATUS_PREFIX}{task.connector}-{task.task}".encode()


def encode_status_value(state: StateInfo, generation: int) -> bytes:
    # Java's field order (its status schema), compact like its JsonConverter.
    value: dict[str, Any] = {
        "state": state.state.value,
        "trace": state.trace,
        "worker_id": state.worker_id,
        "generation": generation,
    }
    if state.version is not None:
        value["version"] = state.version
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def decode_status_value(value: bytes) -> tuple[StateInfo, int]:
    """The state and generation of a status value; raises ValueError when malformed."""
    fields = json.loads(value)
    if not isinstance(fields, dict):
        raise ValueError(f"value is not a JSON object: {value[:200]!r}")
    state = fields.get("state")
    if not isinstance(state, str) or state not in State.__members__:
        raise ValueError(f"'state' must be one of {', '.join(State)}, got {state!r}")
    worker_id = fields.get("worker_id")
    if not isinstance(worker_id, str):
        raise ValueError(f"'worker_id' must be a string, got {worker_id!r}")
    generation = fields.get("generation")
    if not isinstance(generation, int) or isinstance(generation, bool):
        raise ValueError(f"'generation' must be an integer, got {generation!r}")
    trace = fields.get("trace")
    if trace is not None and not isinstance(trace, str):
        raise ValueError(f"'trace' must be a string or null, got {type(trace).__name__}")
    version = fields.get("version")
    if version is not None and not isinstance(version, str):
        raise ValueError(f"'version' must be a string or null, got {type(version).__name__}")
    return StateInfo(State(state), worker_id, trace=trace, version=version), generation


def encode_connector_status_record(name: str, state: StateInfo, generation: int) -> Record:
    return connector_status_key(name), encode_status_value(state, generation)


def encode_task_status_record(task: TaskId, state: StateInfo, generation: int) -> Record:
    return task_status_key(task), encode_status_value(state, generation)


def topic_status_key(connector: str, topic: str) -> bytes:
    return f"{TOPIC_STATUS_PREFIX}{topic}{TOPIC_STATUS_SEPARATOR}{connector}".encode()


def encode_topic_status_record(status: TopicStatus) -> Record:
    # Java's map {"topic": struct} with the struct's field order, compact like its JsonConverter.
    value = {
        "topic": {
            "name": status.topic,
            "connector": status.connector,
            "task": status.task,
            "discoverTimestamp": status.discover_timestamp,
        }
    }
    encoded = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
    return topic_status_key(status.connector, status.topic), encoded


def encode_remove_topic_status_records(connector: str, topics: Iterable[str]) -> list[Record]:
    return [(topic_status_key(connector, topic), None) for topic in topics]


def decode_topic_status_value(value: bytes) -> TopicStatus:
    """Raises ValueError when malformed."""
    outer = json.loads(value)
    inner = outer.get("topic") if isinstance(outer, dict) else None
    if not isinstance(inner, dict):
        raise ValueError(f"value is not a JSON object with a 'topic' object: {value[:200]!r}")
    for key, kind in (("name", str), ("connector", str), ("task", int), ("discoverTimestamp", int)):
        item = inner.get(key)
        if not isinstance(item, kind) or isinstance(item, bool):
            raise ValueError(f"'topic.{key}' must be {'a string' if kind is str else 'an integer'}")
    return TopicStatus(inner["name"], inner["connector"], inner["task"], inner["discoverTimestamp"])


def _decode_topic_status_record(text: str, value: bytes | None) -> TopicStatusRecord:
    topic, separator, connector = text[len(TOPIC_STATUS_PREFIX) :].partition(TOPIC_STATUS_SEPARATOR)
    if not separator or not topic or not connector:
        raise ValueError("topic status key is not status-topic-<topic>:connector-<connector>")
    return TopicStatusRecord(connector, topic, None if value is None else decode_topic_status_value(value))


def encode_remove_connector_status_records(name: str, task_count: int) -> list[Record]:
    records: list[Record] = [(connector_status_key(name), None)]
    records.extend((task_status_key(TaskId(name, i)), None) for i in range(task_count))
    return records


def decode_status_record(key: bytes, value: bytes | None) -> StatusRecord:
    """Parse one status-topic record; raises ValueError (with the reason) for anything malformed or
    unknown."""
    text = key.decode("utf-8")
    if text.startswith(CONNECTOR_STATUS_PREFIX):
        name = text[len(CONNECTOR_STATUS_PREFIX) :]
        if not name:
            raise ValueError("empty connector name")
        if value is None:
            return ConnectorStatusRecord(name, None)
        return ConnectorStatusRecord(name, *decode_status_value(value))
    if text.startswith(TASK_STATUS_PREFIX):
        match = _TASK_SUFFIX.search(text, len(TASK_STATUS_PREFIX))
        name = text[len(TASK_STATUS_PREFIX) : match.start()] if match is not None else ""
        if match is None or not name:
            raise ValueError("task status key is not status-task-<connector>-<task number>")
        task = TaskId(name, int(match.group(1)))
        if value is None:
            return TaskStatusRecord(task, None)
        return TaskStatusRecord(task, *decode_status_value(value))
    if text.startswith(TOPIC_STATUS_PREFIX):
        return _decode_topic_status_record(text, value)
    raise ValueError("unknown key")


# -- state ---------------------------------------------------------------------------------------------


def _copy(state: StateInfo) -> StateInfo:
    return dataclasses.replace(state)


class StatusState:
    """The status topic's meaning, built record by record. Not thread-safe."""

    def __init__(self) -> None:
        self._connectors: dict[str, StateInfo] = {}
        self._tasks: dict[str, dict[int, StateInfo]] = {}
        self._topics: dict[str, dict[str, TopicStatus]] = {}

    def apply(self, record: StatusRecord) -> None:
        match record:
            case ConnectorStatusRecord(name, state):
                self.put_connector(name, state)
            case TaskStatusRecord(task, state):
                self.put_task(task, state)
            case TopicStatusRecord(connector, topic, status):
                self.put_topic(connector, topic, status)

    def put_topic(self, connector: str, topic: str, status: TopicStatus | None) -> None:
        if status is not None:
            self._topics.setdefault(connector, {})[topic] = status
            return
        topics = self._topics.get(connector)
        if topics is not None:
            topics.pop(topic, None)
            if not topics:
                del self._topics[connector]

    def put_connector(self, name: str, state: StateInfo | None) -> None:
        if state is None:
            self._connectors.pop(name, None)
        else:
            self._connectors[name] = _copy(state)

    def put_task(self, task: TaskId, state: StateInfo | None) -> None:
        if state is not None:
            self._tasks.setdefault(task.connector, {})[task.task] = _copy(state)
            return
        tasks = self._tasks.get(task.connector)
        if tasks is not None:
            tasks.pop(task.task, None)
            if not tasks:
                del self._tasks[task.connector]

    def snapshot(self) -> StatusSnapshot:
        """A deep copy: callers may change it freely."""
        return StatusSnapshot(
            connectors={name: _copy(state) for name, state in self._connectors.items()},
            tasks={
                name: {task: _copy(state) for task, state in tasks.items()}
                for name, tasks in self._tasks.items()
            },
            topics={name: dict(topics) for name, topics in self._topics.items()},
        )


def replay_status_records(records: Iterable[Record], topic: str = "status topic") -> StatusState:
    """Rebuild the state from records in topic order; malformed records are skipped with a warning."""
    state = StatusState()
    replay_records(records, decode_status_record, state.apply, f"status topic {topic}")
    return state


# -- stores --------------------------------------------------------------------------------------------


class MemoryStatusBackend(MemoryStore[StatusSnapshot]):
    """The status store in memory, with the Kafka store's semantics (for tests of the core)."""

    _state: StatusState

    def __init__(self) -> None:
        super().__init__(StatusState())

    def put_connector_status(self, name: str, state: StateInfo, generation: int) -> None:
        with self._lock:
            self._state.put_connector(name, state)

    def put_task_status(self, task: TaskId, state: StateInfo, generation: int) -> None:
        with self._lock:
            self._state.put_task(task, state)

    def remove_connector(self, name: str, task_count: int) -> None:
        with self._lock:
            self._state.put_connector(name, None)
            for i in range(task_count):
                self._state.put_task(TaskId(name, i), None)

    def put_topic_status(self, status: TopicStatus) -> None:
        with self._lock:
            self._state.put_topic(status.connector, status.topic, status)

    def remove_topic_statuses(self, connector: str, topics: Sequence[str]) -> None:
        with self._lock:
            for topic in topics:
                self._state.put_topic(connector, topic, None)


class KafkaStatusStore:
    """The status store on a compacted Kafka topic shared with Java workers.

    Writes go to Kafka first and reach memory only once acknowledged, decoded from the bytes sent.
    """

    def __init__(
        self,
        bootstrap_servers: str,
        topic: str,
        partitions: int = 5,
        replication_factor: int = 3,
        client_config: Mapping[str, str] | None = None,
        topic_config: Mapping[str, str] | None = None,
        *,
        timeout: float = 30.0,
    ) -> None:
        self.topic = topic
        self._log = KafkaTopicLog(
            bootstrap_servers,
            topic,
            label="status",
            setting_prefix="status.storage",
            partitions=partitions,
            replication_factor=replication_factor,
            client_config=client_config,
            topic_config=topic_config,
            timeout=timeout,
        )
        self._write_lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._state = StatusState()

    def start(self) -> StatusSnapshot:
        with self._write_lock:
            state = replay_status_records(self._log.start(), self.topic)
            with self._state_lock:
                self._state = state
                snapshot = state.snapshot()
        log.info(
            "loaded %d connector and %d task statuses and %d active topics from status topic %s",
            len(snapshot.connectors),
            sum(len(tasks) for tasks in snapshot.tasks.values()),
            sum(len(topics) for topics in snapshot.topics.values()),
            self.topic,
        )
        return snapshot

    def stop(self) -> None:
        with self._write_lock:
            self._log.stop()

    def snapshot(self) -> StatusSnapshot:
        with self._state_lock:
            return self._state.snapshot()

    def put_connector_status(self, name: str, state: StateInfo, generation: int) -> None:
        self._write([encode_connector_status_record(name, state, generation)])

    def put_task_status(self, task: TaskId, state: StateInfo, generation: int) -> None:
        self._write([encode_task_status_record(task, state, generation)])

    def remove_connector(self, name: str, task_count: int) -> None:
        self._write(encode_remove_connector_status_records(name, task_count))

    def put_topic_status(self, status: TopicStatus) -> None:
        self._write([encode_topic_status_record(status)])

    def remove_topic_statuses(self, connector: str, topics: Sequence[str]) -> None:
        self._write(encode_remove_topic_status_records(connector, topics))

    def _write(self, records: Sequence[Record]) -> None:
        # Decoded before sending: a record we could not read back must never reach the topic.
        decoded = [decode_status_record(key, value) for key, value in records]
        with self._write_lock:
            self._log.send(records)
            with self._state_lock:
                for record in decoded:
                    self._state.apply(record)
