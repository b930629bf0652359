"""Config and status stores in memory, and the Kafka Connect record formats both Kafka stores use."""

from __future__ import annotations

import logging

import pytest

from connectd.runtime.model import State, StateInfo, TargetState, TaskId
from connectd.storage.config_store import (
    ConfigSnapshot,
    ConfigStore,
    ConnectorConfigRecord,
    KafkaConfigStore,
    MemoryConfigStore,
    TargetStateRecord,
    TaskCommitRecord,
    TaskConfigRecord,
    decode_config_record,
    encode_connector_record,
    encode_remove_connector_records,
    encode_target_state_record,
    encode_task_config_records,
    replay_config_records,
)
from connectd.storage.kafka_log import Record
from connectd.storage.status_store import (
    ConnectorStatusRecord,
    KafkaStatusStore,
    MemoryStatusBackend,
    StatusSnapshot,
    StatusStore,
    TaskStatusRecord,
    decode_status_record,
    decode_status_value,
    encode_connector_status_record,
    encode_remove_connector_status_records,
    encode_status_value,
    encode_task_status_record,
    replay_status_records,
)

RUNNING = StateInfo(State.RUNNING, "w1:8083")
FAILED = StateInfo(State.FAILED, "w2:8083", trace="java.lang.Boom\n\tat X", version="1.2")


def test_implementations_satisfy_the_protocols() -> None:
    # Static check (mypy/pyright) that every implementation fits the interface the core uses.
    configs: list[ConfigStore] = [MemoryConfigStore(), KafkaConfigStore("localhost:1", "t")]
    statuses: list[StatusStore] = [MemoryStatusBackend(), KafkaStatusStore("localhost:1", "t")]
    assert len(configs) == len(statuses) == 2


# -- MemoryConfigStore -----------------------------------------------------------------------------


def test_memory_config_store_documented_behaviour() -> None:
    store = MemoryConfigStore()
    assert store.start() == ConfigSnapshot({}, {}, {}), "a new store must be empty"

    store.put_connector_config("a", {"connector.class": "A"})
    store.put_connector_config("b", {"connector.class": "B"}, TargetState.PAUSED)
    store.put_target_state("a", TargetState.STOPPED)
    store.put_task_configs("a", [{"t": "0"}, {"t": "1"}])
    store.put_task_configs("b", [])

    expected = ConfigSnapshot(
        connectors={"a": {"connector.class": "A"}, "b": {"connector.class": "B"}},
        target_states={"a": TargetState.STOPPED, "b": TargetState.PAUSED},
        task_configs={"a": [{"t": "0"}, {"t": "1"}], "b": []},
    )
    seen = store.snapshot()
    assert seen == expected, f"expected {expected}, saw {seen}"

    # Fewer tasks: the commit's count decides, older extra tasks disappear.
    store.put_task_configs("a", [{"t": "new"}])
    assert store.snapshot().task_configs["a"] == [{"t": "new"}], "a smaller commit must shrink the tasks"


def test_memory_config_store_remove_and_recreate() -> None:
    store = MemoryConfigStore()
    store.put_connector_config("a", {"k": "v"}, TargetState.PAUSED)
    store.put_task_configs("a", [{"t": "0"}])
    store.remove_connector("a")
    assert store.snapshot() == ConfigSnapshot({}, {}, {}), f"removal must erase all: {store.snapshot()}"

    store.put_connector_config("a", {"k": "v2"})
    seen = store.snapshot()
    expected = ConfigSnapshot({"a": {"k": "v2"}}, {"a": TargetState.STARTED}, {})
    assert seen == expected, f"a re-created connector must start fresh: expected {expected}, saw {seen}"


def test_memory_config_store_target_state_before_connector_applies_on_creation() -> None:
    store = MemoryConfigStore()
    store.put_target_state("later", TargetState.PAUSED)
    assert store.snapshot().target_states == {}, "a target state alone must not create a connector"
    store.put_connector_config("later", {"k": "v"})
    seen = store.snapshot().target_states
    assert seen == {"later": TargetState.PAUSED}, f"expected the earlier PAUSED to apply, saw {seen}"


def test_memory_config_snapshot_is_a_copy() -> None:
    store = MemoryConfigStore()
    config = {"k": "v"}
    store.put_connector_config("a", config)
    tasks = [{"t": "0"}]
    store.put_task_configs("a", tasks)
    config["k"] = "changed by caller"
    tasks[0]["t"] = "changed by caller"

    snapshot = store.snapshot()
    snapshot.connectors["a"]["k"] = "mutated"
    snapshot.connectors["x"] = {}
    snapshot.target_states["a"] = TargetState.STOPPED
    snapshot.task_configs["a"][0]["t"] = "mutated"
    snapshot.task_configs["a"].append({})

    expected = ConfigSnapshot({"a": {"k": "v"}}, {"a": TargetState.STARTED}, {"a": [{"t": "0"}]})
    seen = store.snapshot()
    assert seen == expected, (
        f"neither inputs nor snapshots may alias the store: expected {expected}, saw {seen}"
    )


# -- config records --------------------------------------------------------------------------------


def test_config_records_use_kafka_connect_bytes() -> None:
    assert encode_connector_record("my-conn", {"a": "1", "b": "x"}) == (
        b"connector-my-conn",
        b'{"properties":{"a":"1","b":"x"}}',
    )
    assert encode_target_state_record("c", TargetState.PAUSED) == (
        b"target-state-c",
        b'{"state":"PAUSED","state.v2":"PAUSED"}',
    )
    # Java 3.5+ writes PAUSED in the legacy field for STOPPED: older workers know no STOPPED.
    assert encode_target_state_record("c", TargetState.STOPPED) == (
        b"target-state-c",
        b'{"state":"PAUSED","state.v2":"STOPPED"}',
    )
    assert encode_task_config_records("c", [{"t": "0"}, {"t": "1"}]) == [
        (b"task-c-0", b'{"properties":{"t":"0"}}'),
        (b"task-c-1", b'{"properties":{"t":"1"}}'),
        (b"commit-c", b'{"tasks":2}'),
    ]
    assert encode_task_config_records("c", []) == [(b"commit-c", b'{"tasks":0}')]
    assert encode_remove_connector_records("c") == [(b"connector-c", None), (b"target-state-c", None)]


@pytest.mark.parametrize(
    "record",
    [
        encode_connector_record("a-b-1", {"k": "v", "unicode": "é"}),
        encode_target_state_record("a", TargetState.STARTED),
        encode_target_state_record("a", TargetState.PAUSED),
        encode_target_state_record("a", TargetState.STOPPED),
        *encode_task_config_records("my-conn-7", [{"x": "1"}, {"y": "2"}]),
        *encode_remove_connector_records("a"),
    ],
)
def test_config_records_round_trip(record: Record) -> None:
    decoded = decode_config_record(*record)
    assert decoded is not None, f"expected {record} to decode"
    match decoded:
        case ConnectorConfigRecord(name, config):
            again = encode_connector_record(name, config) if config is not None else (record[0], None)
        case TargetStateRecord(name, state):
            again = encode_target_state_record(name, state) if state is not None else (record[0], None)
        case TaskConfigRecord(name, task, config):
            again = encode_task_config_records(name, [{}] * task + [config])[task]
        case TaskCommitRecord(name, tasks):
            again = encode_task_config_records(name, [{}] * tasks)[-1]
        case _:
            pytest.fail(f"unexpected record type {decoded!r}")
    assert again == record, f"expected {record} to re-encode identically, saw {again}"


def test_task_keys_split_on_the_last_dash() -> None:
    decoded = decode_config_record(b"task-my-conn-12-3", b'{"properties":{}}')
    assert decoded == TaskConfigRecord("my-conn-12", 3, {}), f"saw {decoded}"
    decoded = decode_config_record(b"task-trailing--0", b'{"properties":{}}')
    assert decoded == TaskConfigRecord("trailing-", 0, {}), f"saw {decoded}"


def test_java_written_config_json_is_read() -> None:
    cases: list[tuple[bytes, bytes | None, object]] = [
        (
            b"connector-j",
            b'{ "properties" : { "tasks.max" : "2", "connector.class" : "X", "unset": null } }',
            ConnectorConfigRecord("j", {"tasks.max": "2", "connector.class": "X"}),
        ),
        # Written by a worker older than 3.5: no state.v2.
        (b"target-state-j", b'{"state": "PAUSED"}', TargetStateRecord("j", TargetState.PAUSED)),
        # Field order does not matter; state.v2 wins over the legacy field.
        (
            b"target-state-j",
            b'{"state.v2":"STOPPED",  "state":"PAUSED"}',
            TargetStateRecord("j", TargetState.STOPPED),
        ),
        # A state.v2 this version does not know falls back on the compatible legacy field.
        (
            b"target-state-j",
            b'{"state":"PAUSED","state.v2":"HIBERNATING"}',
            TargetStateRecord("j", TargetState.PAUSED),
        ),
        (b"commit-j", b'{ "tasks" : 3 }', TaskCommitRecord("j", 3)),
        (b"task-j-0", b'{"properties":{}}', TaskConfigRecord("j", 0, {})),
        # Valid Java records for features connectd does not use.
        (b"session-key", b'{"key":"abc=","algorithm":"HmacSHA256","creation-timestamp":1}', None),
        (b"restart-connector-j", b'{"include-tasks":true,"only-failed":false}', None),
        (b"tasks-fencing-j", b'{"task-count":2}', None),
        (b"logger-cluster-org.apache", b'{"level":"DEBUG"}', None),
    ]
    for key, value, expected in cases:
        seen = decode_config_record(key, value)
        assert seen == expected, f"{key!r}={value!r}: expected {expected}, saw {seen}"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        (b"unknown-thing", b"{}"),
        (b"\xff\xfe", b"{}"),
        (b"connector-", b'{"properties":{}}'),
        (b"connector-x", b"not json"),
        (b"connector-x", b"[1]"),
        (b"connector-x", b'{"props":{}}'),
        (b"connector-x", b'{"properties":{"n":1}}'),
        (b"target-state-x", b'{"state":"SLEEPING"}'),
        (b"target-state-x", b'{"state.v2":5}'),
        (b"task-x", b'{"properties":{}}'),
        (b"task-x-y", b'{"properties":{}}'),
        (b"task-x-0", None),
        (b"commit-x", None),
        (b"commit-x", b'{"tasks":"2"}'),
        (b"commit-x", b'{"tasks":-1}'),
        (b"commit-x", b'{"tasks":true}'),
    ],
)
def test_invalid_config_records_raise_value_error(key: bytes, value: bytes | None) -> None:
    with pytest.raises(ValueError):
        decode_config_record(key, value)


def records(*groups: Record | list[Record]) -> list[Record]:
    out: list[Record] = []
    for group in groups:
        out.extend(group if isinstance(group, list) else [group])
    return out


def test_replay_commits_tasks_only_when_complete(caplog: pytest.LogCaptureFixture) -> None:
    log = records(
        encode_connector_record("a", {"k": "v"}),
        encode_task_config_records("a", [{"t": "old0"}, {"t": "old1"}]),
        # A newer generation whose commit never came: invisible.
        (b"task-a-0", b'{"properties":{"t":"uncommitted"}}'),
        encode_connector_record("b", {"k": "v"}),
        # Compaction lost task-b-1: the commit is incomplete, so b has no tasks ("inconsistent").
        (b"task-b-0", b'{"properties":{"t":"0"}}'),
        (b"commit-b", b'{"tasks":2}'),
        encode_connector_record("c", {"k": "v"}),
        # Tasks without any commit.
        (b"task-c-0", b'{"properties":{"t":"0"}}'),
    )
    with caplog.at_level(logging.WARNING):
        snapshot = replay_config_records(log).snapshot()
    assert snapshot.task_configs == {"a": [{"t": "old0"}, {"t": "old1"}]}, f"saw {snapshot.task_configs}"
    assert snapshot.inconsistent == {"b"}, f"expected b inconsistent, saw {snapshot.inconsistent}"
    warned = [r.getMessage() for r in caplog.records if "connector b" in r.getMessage()]
    assert warned, f"expected a warning about b's incomplete commit, saw {caplog.messages}"

    # A later complete commit repairs b; extra task records beyond the count are harmless.
    log += records(
        (b"task-b-0", b'{"properties":{"t":"0"}}'),
        (b"task-b-1", b'{"properties":{"t":"1"}}'),
        (b"task-b-2", b'{"properties":{"t":"stale"}}'),
        (b"commit-b", b'{"tasks":2}'),
    )
    snapshot = replay_config_records(log).snapshot()
    assert snapshot.task_configs["b"] == [{"t": "0"}, {"t": "1"}], f"saw {snapshot.task_configs}"
    assert snapshot.inconsistent == set(), f"expected b repaired, saw {snapshot.inconsistent}"


def test_replay_removal_hides_tasks_and_target_state() -> None:
    log = records(
        encode_target_state_record("a", TargetState.PAUSED),
        encode_connector_record("a", {"k": "v"}),
        encode_task_config_records("a", [{"t": "0"}]),
        encode_remove_connector_records("a"),
    )
    assert replay_config_records(log).snapshot() == ConfigSnapshot({}, {}, {}), "a must be gone"
    # Task records remain in the topic (Java leaves them); re-creating must not revive them.
    log += records(encode_connector_record("a", {"k": "new"}))
    seen = replay_config_records(log).snapshot()
    assert seen == ConfigSnapshot({"a": {"k": "new"}}, {"a": TargetState.STARTED}, {}), f"saw {seen}"


def test_replay_commit_before_connector_record_survives_compaction() -> None:
    # After compaction, a reconfigured connector's record can follow its tasks' commit.
    log = records(
        encode_task_config_records("a", [{"t": "0"}]),
        encode_connector_record("a", {"k": "v2"}),
    )
    seen = replay_config_records(log).snapshot().task_configs
    assert seen == {"a": [{"t": "0"}]}, f"expected the committed tasks kept, saw {seen}"


def test_replay_skips_invalid_records_with_warning_naming_the_key(caplog: pytest.LogCaptureFixture) -> None:
    log = records(
        (b"connector-good", b'{"properties":{"k":"v"}}'),
        (b"connector-bad", b"{not json"),
        (b"mystery-key", b"{}"),
        (b"session-key", b'{"key":"abc=","algorithm":"HmacSHA256","creation-timestamp":1}'),
    )
    with caplog.at_level(logging.WARNING):
        snapshot = replay_config_records(log, "topic-x").snapshot()
    assert snapshot.connectors == {"good": {"k": "v"}}, f"saw {snapshot.connectors}"
    skipped = [m for m in caplog.messages if m.startswith("skipping record")]
    assert len(skipped) == 2, f"expected 2 skip warnings, saw {skipped}"
    assert "connector-bad" in skipped[0] and "topic-x" in skipped[0], f"key/topic not named: {skipped}"
    assert "mystery-key" in skipped[1], f"key not named: {skipped}"


# -- MemoryStatusBackend ---------------------------------------------------------------------------


def test_memory_status_backend_documented_behaviour() -> None:
    store = MemoryStatusBackend()
    assert store.start() == StatusSnapshot({}, {}), "a new store must be empty"
    store.put_connector_status("a", RUNNING, 1)
    store.put_task_status(TaskId("a", 0), RUNNING, 1)
    store.put_task_status(TaskId("a", 1), FAILED, 1)
    store.put_connector_status("b", FAILED, 2)
    store.put_task_status(TaskId("b", 0), RUNNING, 2)

    expected = StatusSnapshot({"a": RUNNING, "b": FAILED}, {"a": {0: RUNNING, 1: FAILED}, "b": {0: RUNNING}})
    assert store.snapshot() == expected, f"expected {expected}, saw {store.snapshot()}"

    store.remove_connector("a", 2)
    expected = StatusSnapshot({"b": FAILED}, {"b": {0: RUNNING}})
    assert store.snapshot() == expected, f"expected a removed: {expected}, saw {store.snapshot()}"


def test_memory_status_snapshot_is_a_copy() -> None:
    store = MemoryStatusBackend()
    state = StateInfo(State.RUNNING, "w1:8083")
    store.put_connector_status("a", state, 0)
    store.put_task_status(TaskId("a", 0), state, 0)
    state.state = State.FAILED

    snapshot = store.snapshot()
    snapshot.connectors["a"].state = State.PAUSED
    snapshot.tasks["a"][0].worker_id = "mutated"
    snapshot.tasks["a"][1] = FAILED
    snapshot.connectors["z"] = FAILED

    expected = StatusSnapshot({"a": RUNNING}, {"a": {0: RUNNING}})
    seen = store.snapshot()
    assert seen == expected, (
        f"neither inputs nor snapshots may alias the store: expected {expected}, saw {seen}"
    )


# -- status records --------------------------------------------------------------------------------


def test_status_records_use_kafka_connect_bytes() -> None:
    assert encode_connector_status_record("my-conn", RUNNING, 3) == (
        b"status-connector-my-conn",
        b'{"state":"RUNNING","trace":null,"worker_id":"w1:8083","generation":3}',
    )
    assert encode_task_status_record(TaskId("my-conn", 2), FAILED, 4) == (
        b"status-task-my-conn-2",
        b'{"state":"FAILED","trace":"java.lang.Boom\\n\\tat X","worker_id":"w2:8083","generation":4,'
        b'"version":"1.2"}',
    )
    assert encode_remove_connector_status_records("c", 2) == [
        (b"status-connector-c", None),
        (b"status-task-c-0", None),
        (b"status-task-c-1", None),
    ]


@pytest.mark.parametrize("state", [RUNNING, FAILED, StateInfo(State.UNASSIGNED, "w:1", trace="")])
def test_status_values_round_trip(state: StateInfo) -> None:
    assert decode_status_value(encode_status_value(state, 7)) == (state, 7), "round trip must be exact"


def test_status_records_round_trip() -> None:
    cases: list[tuple[Record, object]] = [
        (encode_connector_status_record("a-1", RUNNING, 1), ConnectorStatusRecord("a-1", RUNNING, 1)),
        (
            encode_task_status_record(TaskId("a-1", 5), FAILED, 2),
            TaskStatusRecord(TaskId("a-1", 5), FAILED, 2),
        ),
        *[
            (rec, expected)
            for rec, expected in zip(
                encode_remove_connector_status_records("a", 1),
                [ConnectorStatusRecord("a", None), TaskStatusRecord(TaskId("a", 0), None)],
                strict=True,
            )
        ],
    ]
    for record, expected in cases:
        seen = decode_status_record(*record)
        assert seen == expected, f"{record}: expected {expected}, saw {seen}"


def test_java_written_status_json_is_read() -> None:
    value = b'{ "worker_id" : "10.0.0.1:8083", "generation" : 12, "state" : "PAUSED", "trace" : null }'
    seen = decode_status_record(b"status-task-j-0", value)
    expected = TaskStatusRecord(TaskId("j", 0), StateInfo(State.PAUSED, "10.0.0.1:8083"), 12)
    assert seen == expected, f"expected {expected}, saw {seen}"
    # Java's active-topic records are read too (tests/unit/test_active_topics.py has their cases).


@pytest.mark.parametrize(
    ("key", "value"),
    [
        (b"status-worker-x", b"{}"),
        (b"status-connector-", None),
        (b"status-task-x", None),
        (b"status-task--0", None),
        (b"status-connector-x", b"nope"),
        (b"status-connector-x", b'{"state":"DESTROYED","worker_id":"w","generation":1}'),
        (b"status-connector-x", b'{"state":"RUNNING","generation":1}'),
        (b"status-connector-x", b'{"state":"RUNNING","worker_id":"w"}'),
        (b"status-connector-x", b'{"state":"RUNNING","worker_id":"w","generation":1,"trace":3}'),
    ],
)
def test_invalid_status_records_raise_value_error(key: bytes, value: bytes | None) -> None:
    with pytest.raises(ValueError):
        decode_status_record(key, value)


def test_status_replay_applies_tombstones_and_skips_invalid(caplog: pytest.LogCaptureFixture) -> None:
    log = records(
        encode_connector_status_record("a", RUNNING, 1),
        encode_task_status_record(TaskId("a", 0), RUNNING, 1),
        encode_task_status_record(TaskId("a", 1), RUNNING, 1),
        (b"status-task-a-1", None),
        (b"status-connector-a", b"garbage"),
        encode_connector_status_record("b", FAILED, 1),
        (b"status-connector-b", None),
    )
    with caplog.at_level(logging.WARNING):
        seen = replay_status_records(log).snapshot()
    expected = StatusSnapshot({"a": RUNNING}, {"a": {0: RUNNING}})
    assert seen == expected, f"expected {expected}, saw {seen}"
    skipped = [m for m in caplog.messages if m.startswith("skipping record")]
    assert len(skipped) == 1 and "status-connector-a" in skipped[0], f"saw {skipped}"
