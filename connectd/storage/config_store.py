"""Connector and task configurations (``config.storage.topic``) in Kafka Connect's exact record format.

Keys are UTF-8 strings, values compact JSON objects, as Kafka Connect's ``KafkaConfigBackingStore``
writes them with its schemaless internal JSON converter, so a Java worker and existing tooling can
read and share the topic:

* ``connector-<name>`` -> ``{"properties":{...}}``; a tombstone (null value) deletes the connector.
* ``target-state-<name>`` -> ``{"state":"PAUSED","state.v2":"STOPPED"}``: ``state.v2`` holds the real
  state; ``state`` holds the same value except that STOPPED is written as PAUSED there, because workers
  older than Kafka 3.5 know no STOPPED. Readers take ``state.v2`` first, then ``state``. A tombstone
  removes it; a connector without a target state is STARTED.
* ``task-<name>-<n>`` -> ``{"properties":{...}}`` for task ``n``.
* ``commit-<name>`` -> ``{"tasks":N}``: task records become visible only once a commit naming all of
  tasks ``0..N-1`` is read. A commit whose task records are incomplete (lost to compaction or to a
  writer that died mid-way) marks the connector *inconsistent*: no task configs until the next commit.

Records Java writes for features connectd does not use (``session-key``, ``restart-connector-*``,
``tasks-fencing-*``, ``logger-cluster-*``) are read and ignored; anything else unknown or malformed is
skipped with a warning naming its key.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from connectd.control.connector_table import ConfigChange
from connectd.runtime.model import TargetState
from connectd.storage.kafka_log import KafkaStoreError, KafkaTopicLog, Record, replay_records
from connectd.storage.memory_store import MemoryStore

log = logging.getLogger(__name__)

ConfigStoreError = KafkaStoreError

CONNECTOR_PREFIX = "connector-"
TARGET_STATE_PREFIX = "target-state-"
TASK_PREFIX = "task-"
COMMIT_TASKS_PREFIX = "commit-"
# Written by Java workers for features connectd does not implement: valid, but not ours to interpret.
_JAVA_ONLY_PREFIXES = ("restart-connector-", "tasks-fencing-", "logger-cluster-")
_JAVA_ONLY_KEYS = ("session-key",)

_TASK_SUFFIX = re.compile(r"-([0-9]+)\Z", re.ASCII)


# -- snapshot ----------------------------------------------------------------------------------------


@dataclass
class ConfigSnapshot:
    """What the config topic says, as of one moment. Only connectors that exist appear anywhere.

    ``task_configs`` holds a connector's committed task configs (index = task id); a connector with no
    commit yet, or whose latest commit was incomplete (listed in ``inconsistent``), has no entry.
    """

    connectors: dict[str, dict[str, str]]
    target_states: dict[str, TargetState]
    task_configs: dict[str, list[dict[str, str]]]
    inconsistent: set[str] = field(default_factory=set)


class ConfigStore(Protocol):
    """The config store the coordinator core uses. Every write is durable once the call returns."""

    def start(self) -> ConfigSnapshot: ...

    def stop(self) -> None: ...

    def snapshot(self) -> ConfigSnapshot: ...

    def write(self, change: ConfigChange, timeout_s: float) -> None:
        """Persist ``change``: returns once the topic holds it; KafkaWriteTimeoutError when it is
        unconfirmed after ``timeout_s`` (it may still land: :meth:`withdraw` then), another
        KafkaStoreError when it was refused."""
        ...

    def withdraw(self, undo: ConfigChange) -> None:
        """Queue ``undo`` behind a write that timed out, without waiting: if that write lands late,
        this lands after it and the topic ends as if it never happened."""
        ...

    def put_connector_config(
        self, name: str, config: Mapping[str, str], target_state: TargetState | None = None
    ) -> None: ...

    def put_target_state(self, name: str, state: TargetState) -> None: ...

    def put_task_configs(self, name: str, configs: Sequence[Mapping[str, str]]) -> None: ...

    def remove_connector(self, name: str) -> None: ...


# -- records -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConnectorConfigRecord:
    name: str
    config: dict[str, str] | None  # None: the connector was deleted


@dataclass(frozen=True, slots=True)
class TargetStateRecord:
    name: str
    state: TargetState | None  # None: the target state was removed


@dataclass(frozen=True, slots=True)
class TaskConfigRecord:
    connector: str
    task: int
    config: dict[str, str]


@dataclass(frozen=True, slots=True)
class TaskCommitRecord:
    connector: str
    tasks: int


ConfigRecord = ConnectorConfigRecord | TargetStateRecord | TaskConfigRecord | TaskCommitRecord


def connector_key(name: str) -> bytes:
    return (CONNECTOR_PREFIX + name).encode()


def target_state_key(name: str) -> bytes:
    return (TARGET_STATE_PREFIX + name).encode()


def task_key(name: str, task: int) -> bytes:
    return f"{TASK_PREFIX}{name}-{task}".encode()


def commit_key(name: str) -> bytes:
    return (COMMIT_TASKS_PREFIX + name).encode()


def _dumps(value: Mapping[str, Any]) -> bytes:
    # Compact, like Java's JsonConverter; insertion order kept so configs read the way they were given.
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def encode_connector_record(name: str, config: Mapping[str, str]) -> Record:
    return connector_key(name), _dumps({"properties": dict(config)})


def encode_target_state_record(name: str, state: TargetState) -> Record:
    # Older workers don't support STOPPED: they read "state", where STOPPED falls back to PAUSED.
    legacy = TargetState.PAUSED if state is TargetState.STOPPED else state
    return target_state_key(name), _dumps({"state": legacy.value, "state.v2": state.value})


def encode_task_record(name: str, task: int, config: Mapping[str, str]) -> Record:
    return task_key(name, task), _dumps({"properties": dict(config)})


def encode_commit_record(name: str, tasks: int) -> Record:
    return commit_key(name), _dumps({"tasks": tasks})


def encode_task_config_records(name: str, configs: Sequence[Mapping[str, str]]) -> list[Record]:
    """Every task record, then the commit that makes them visible together."""
    records = [encode_task_record(name, i, config) for i, config in enumerate(configs)]
    records.append(encode_commit_record(name, len(configs)))
    return records


def encode_remove_connector_records(name: str) -> list[Record]:
    """Tombstones for the connector and its target state; task records stay, as with Java."""
    return [(connector_key(name), None), (target_state_key(name), None)]


def encode_change(change: ConfigChange) -> list[Record]:
    """The records of one change, in the order Kafka's herder writes them: the target state before
    the connector config it applies to, task configs last with their commit."""
    if change.delete:
        return encode_remove_connector_records(change.name)
    records: list[Record] = []
    if change.target is not None:
        records.append(encode_target_state_record(change.name, change.target))
    if change.config is not None:
        records.append(encode_connector_record(change.name, change.config))
    if change.task_configs is not None:
        records.extend(encode_task_config_records(change.name, change.task_configs))
    return records


def decode_config_record(key: bytes, value: bytes | None) -> ConfigRecord | None:
    """Parse one config-topic record; ``None`` for valid Java records connectd ignores.

    Raises ValueError (with the reason) for anything malformed or unknown.
    """
    text = key.decode("utf-8")
    # Java's order of checks: "target-state-" before "connector-", "task-" before "commit-".
    if text.startswith(TARGET_STATE_PREFIX):
        name = _name(text, TARGET_STATE_PREFIX)
        return TargetStateRecord(name, None if value is None else _decode_target_state(value))
    if text.startswith(CONNECTOR_PREFIX):
        name = _name(text, CONNECTOR_PREFIX)
        return ConnectorConfigRecord(name, None if value is None else _decode_properties(value))
    if text.startswith(TASK_PREFIX):
        match = _TASK_SUFFIX.search(text, len(TASK_PREFIX))
        if match is None:
            raise ValueError("task key does not end in -<task number>")
        name = _name(text[: match.start()], TASK_PREFIX)
        if value is None:
            raise ValueError("task config record has a null value")
        return TaskConfigRecord(name, int(match.group(1)), _decode_properties(value))
    if text.startswith(COMMIT_TASKS_PREFIX):
        name = _name(text, COMMIT_TASKS_PREFIX)
        if value is None:
            raise ValueError("task commit record has a null value")
        tasks = _decode_object(value).get("tasks")
        if not isinstance(tasks, int) or isinstance(tasks, bool) or tasks < 0:
            raise ValueError(f"'tasks' must be a non-negative integer, got {tasks!r}")
        return TaskCommitRecord(name, tasks)
    if text in _JAVA_ONLY_KEYS or text.startswith(_JAVA_ONLY_PREFIXES):
        return None
    raise ValueError("unknown key")


def _name(text: str, prefix: str) -> str:
    name = text[len(prefix) :]
    if not name:
        raise ValueError("empty connector name")
    return name


def _decode_object(value: bytes) -> dict[str, Any]:
    parsed = json.loads(value)
    if not isinstance(parsed, dict):
        raise ValueError(f"value is not a JSON object: {value[:200]!r}")
    return parsed


def _decode_properties(value: bytes) -> dict[str, str]:
    properties = _decode_object(value).get("properties")
    if not isinstance(properties, dict):
        raise ValueError(f"'properties' must be an object, got {type(properties).__name__}")
    config: dict[str, str] = {}
    for k, v in properties.items():
        if v is None:
            continue  # Java's schema allows null property values: the property is simply unset.
        if not isinstance(v, str):
            raise ValueError(f"property {k!r} is not a string: {v!r}")
        config[k] = v
    return config


def _decode_target_state(value: bytes) -> TargetState:
    fields = _decode_object(value)
    # "state.v2" first; a value this version does not know falls back on the compatible "state".
    for name in ("state.v2", "state"):
        raw = fields.get(name)
        if isinstance(raw, str) and raw in TargetState.__members__:
            return TargetState(raw)
    raise ValueError(f"no valid 'state.v2' or 'state': {value[:200]!r}")


# -- state ---------------------------------------------------------------------------------------------


class ConfigState:
    """The config topic's meaning, built record by record with Kafka Connect's rules. Not thread-safe."""

    def __init__(self) -> None:
        self._connectors: dict[str, dict[str, str]] = {}
        # Kept for names without a connector too: a target state may be written before its connector.
        self._target_states: dict[str, TargetState] = {}
        self._task_counts: dict[str, int] = {}
        self._committed: dict[str, dict[int, dict[str, str]]] = {}
        self._deferred: dict[str, dict[int, dict[str, str]]] = {}
        self._inconsistent: set[str] = set()

    def apply(self, record: ConfigRecord) -> None:
        match record:
            case ConnectorConfigRecord(name, config):
                self.put_connector(name, config)
            case TargetStateRecord(name, state):
                self.put_target_state(name, state)
            case TaskConfigRecord(connector, task, config):
                self.put_task_config(connector, task, config)
            case TaskCommitRecord(connector, tasks):
                self.commit_tasks(connector, tasks)

    def put_connector(self, name: str, config: Mapping[str, str] | None) -> None:
        if config is not None:
            self._connectors[name] = dict(config)
            return
        self._connectors.pop(name, None)
        self._task_counts.pop(name, None)
        self._committed.pop(name, None)
        self._deferred.pop(name, None)
        self._inconsistent.discard(name)

    def put_target_state(self, name: str, state: TargetState | None) -> None:
        if state is None:
            self._target_states.pop(name, None)
        else:
            self._target_states[name] = state

    def put_task_config(self, connector: str, task: int, config: Mapping[str, str]) -> None:
        """Buffered until the connector's next commit."""
        self._deferred.setdefault(connector, {})[task] = dict(config)

    def commit_tasks(self, connector: str, tasks: int) -> None:
        deferred = self._deferred.pop(connector, {})
        # Tasks beyond the count are fine (compaction keeps old ones); missing ones are not.
        if all(i in deferred for i in range(tasks)):
            self._committed.setdefault(connector, {}).update(deferred)
            self._inconsistent.discard(connector)
        else:
            missing = [i for i in range(tasks) if i not in deferred]
            log.warning(
                "commit of %d tasks for connector %s lacks task configs %s (lost to compaction or an "
                "interrupted write): its tasks stay unavailable until the next complete commit",
                tasks,
                connector,
                missing,
            )
            self._inconsistent.add(connector)
        self._task_counts[connector] = tasks

    def snapshot(self) -> ConfigSnapshot:
        """A deep copy: callers may change it freely."""
        task_configs: dict[str, list[dict[str, str]]] = {}
        for name, count in self._task_counts.items():
            if name in self._connectors and name not in self._inconsistent:
                committed = self._committed.get(name, {})
                task_configs[name] = [dict(committed[i]) for i in range(count)]
        return ConfigSnapshot(
            connectors={name: dict(config) for name, config in self._connectors.items()},
            target_states={
                name: self._target_states.get(name, TargetState.STARTED) for name in self._connectors
            },
            task_configs=task_configs,
            inconsistent=self._inconsistent & self._connectors.keys(),
        )


def replay_config_records(records: Iterable[Record], topic: str = "config topic") -> ConfigState:
    """Rebuild the state from records in topic order; malformed records are skipped with a warning."""
    state = ConfigState()
    replay_records(records, decode_config_record, state.apply, f"config topic {topic}")
    return state


# -- stores --------------------------------------------------------------------------------------------


class MemoryConfigStore(MemoryStore[ConfigSnapshot]):
    """The config store in memory, with the Kafka store's exact semantics (for tests of the core)."""

    _state: ConfigState

    def __init__(self) -> None:
        super().__init__(ConfigState())

    def put_connector_config(
        self, name: str, config: Mapping[str, str], target_state: TargetState | None = None
    ) -> None:
        with self._lock:
            if target_state is not None:
                self._state.put_target_state(name, target_state)
            self._state.put_connector(name, config)

    def put_target_state(self, name: str, state: TargetState) -> None:
        with self._lock:
            self._state.put_target_state(name, state)

    def put_task_configs(self, name: str, configs: Sequence[Mapping[str, str]]) -> None:
        with self._lock:
            for task, config in enumerate(configs):
                self._state.put_task_config(name, task, config)
            self._state.commit_tasks(name, len(configs))

    def remove_connector(self, name: str) -> None:
        with self._lock:
            self._state.put_connector(name, None)
            self._state.put_target_state(name, None)

    def write(self, change: ConfigChange, timeout_s: float = 0) -> None:
        self._apply_change(change)

    def withdraw(self, undo: ConfigChange) -> None:
        self._apply_change(undo)

    def _apply_change(self, change: ConfigChange) -> None:
        with self._lock:
            for key, value in encode_change(change):
                record = decode_config_record(key, value)
                if record is not None:
                    self._state.apply(record)


class KafkaConfigStore:
    """The config store on a compacted, single-partition Kafka topic shared with Java workers.

    Writes go to Kafka first and reach memory only once every record of the batch is acknowledged;
    memory is updated from the bytes sent, so it always equals what a restart will replay.
    """

    def __init__(
        self,
        bootstrap_servers: str,
        topic: str,
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
            label="config",
            setting_prefix="config.storage",
            # One partition: task commits rely on the topic's total order.
            partitions=1,
            replication_factor=replication_factor,
            client_config=client_config,
            topic_config=topic_config,
            timeout=timeout,
        )
        # Writes are serialized so the topic's order and memory's order always agree; reads only
        # take the state lock, so they never wait behind a slow write.
        self._write_lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._state = ConfigState()

    def start(self) -> ConfigSnapshot:
        with self._write_lock:
            state = replay_config_records(self._log.start(), self.topic)
            with self._state_lock:
                self._state = state
                snapshot = state.snapshot()
        log.info("loaded %d connector configs from config topic %s", len(snapshot.connectors), self.topic)
        return snapshot

    def stop(self) -> None:
        with self._write_lock:
            self._log.stop()

    def snapshot(self) -> ConfigSnapshot:
        with self._state_lock:
            return self._state.snapshot()

    def put_connector_config(
        self, name: str, config: Mapping[str, str], target_state: TargetState | None = None
    ) -> None:
        records = [encode_target_state_record(name, target_state)] if target_state is not None else []
        records.append(encode_connector_record(name, config))
        self._write(records)

    def put_target_state(self, name: str, state: TargetState) -> None:
        self._write([encode_target_state_record(name, state)])

    def put_task_configs(self, name: str, configs: Sequence[Mapping[str, str]]) -> None:
        self._write(encode_task_config_records(name, configs))

    def remove_connector(self, name: str) -> None:
        self._write(encode_remove_connector_records(name))

    def write(self, change: ConfigChange, timeout_s: float) -> None:
        self._write(encode_change(change), timeout_s)

    def withdraw(self, undo: ConfigChange) -> None:
        records = encode_change(undo)
        decoded = [decode_config_record(key, value) for key, value in records]
        with self._write_lock:
            self._log.send_nowait(records)
            self._apply(decoded)

    def _write(self, records: Sequence[Record], timeout_s: float | None = None) -> None:
        # Decoded before sending: a record we could not read back must never reach the topic.
        decoded = [decode_config_record(key, value) for key, value in records]
        with self._write_lock:
            self._log.send(records, timeout_s)
            self._apply(decoded)

    def _apply(self, records: Sequence[ConfigRecord | None]) -> None:
        with self._state_lock:
            for record in records:
                if record is not None:
                    self._state.apply(record)
