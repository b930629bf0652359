"""Active topics (KIP-558): the task-side tracker, the one record of the rules, the REST 403 settings,
the status-topic records in Kafka Connect's format, and the coordinator group rebuilding them."""

from __future__ import annotations

import json

import pytest

from connectd.cluster.assignments import StorageTopics
from connectd.cluster.group import Group, GroupSettings
from connectd.config import WorkerConfig
from connectd.errors import ForbiddenError
from connectd.runtime.model import TargetState, TaskId
from connectd.runtime.status import MemoryStatusStore
from connectd.runtime.topic_tracking import (
    RESET_DISABLED,
    TRACKING_DISABLED,
    ActiveTopics,
    TopicResetWatch,
    TopicStatus,
    TopicTracker,
    TopicTrackingSettings,
)
from connectd.storage.config_store import MemoryConfigStore
from connectd.storage.status_store import (
    MemoryStatusBackend,
    StatusSnapshot,
    TopicStatusRecord,
    decode_status_record,
    encode_remove_topic_status_records,
    encode_topic_status_record,
    replay_status_records,
)

ORDERS = TopicStatus("orders", "my-conn", 1, 1_700_000_000_000)
PAYMENTS = TopicStatus("payments", "my-conn", 0, 1_700_000_000_500)


# -- TopicTracker ------------------------------------------------------------------------------------


def test_tracker_reports_each_topic_once_until_it_forgets() -> None:
    reports: list[tuple[str, str, int]] = []
    tracker = TopicTracker(TaskId("c", 3), lambda *report: reports.append(report))
    for topic in ["a", "b", "a", "a", "b"]:
        tracker.record(topic)
    assert reports == [("c", "a", 3), ("c", "b", 3)], f"expected one report per topic, saw {reports}"

    tracker.forget()
    tracker.record("b")
    tracker.record("b")
    assert reports[2:] == [("c", "b", 3)], f"expected b reported again once after forget, saw {reports}"


def test_disabled_tracking_reports_nothing() -> None:
    reports: list[tuple[str, str, int]] = []
    tracker = TopicTrackingSettings(enabled=False).tracker(TaskId("c", 0), lambda *r: reports.append(r))
    tracker.record("a")
    assert reports == [], f"topic.tracking.enable=false must not report, saw {reports}"
    enabled = TopicTrackingSettings().tracker(TaskId("c", 0), lambda *r: reports.append(r))
    enabled.record("a")
    assert reports == [("c", "a", 0)], f"tracking is on by default, saw {reports}"


# -- ActiveTopics --------------------------------------------------------------------------------------


def test_first_report_of_a_topic_wins_and_topics_are_sorted() -> None:
    persisted: list[TopicStatus] = []
    topics = ActiveTopics(persist=persisted.append)
    assert topics.record(PAYMENTS) is True
    assert topics.record(ORDERS) is True
    later = TopicStatus("orders", "my-conn", 0, ORDERS.discover_timestamp + 99)
    assert topics.record(later) is False, "a topic the connector already has must not be recorded again"

    assert topics.topics("my-conn") == ["orders", "payments"], f"saw {topics.topics('my-conn')}"
    assert topics.statuses("my-conn") == [ORDERS, PAYMENTS], "the first report's task and time must stay"
    assert persisted == [PAYMENTS, ORDERS], f"expected each new topic persisted once, saw {persisted}"
    assert topics.topics("other") == [], "a connector that never reported has no topics"


def test_reset_forgets_a_connectors_topics_and_counts() -> None:
    removed: list[tuple[str, list[str]]] = []
    topics = ActiveTopics(
        {"my-conn": {"orders": ORDERS, "payments": PAYMENTS}, "x": {}},
        remove=lambda connector, names: removed.append((connector, names)),
    )
    other = TopicStatus("orders", "b", 0, 1)
    topics.record(other)
    assert topics.resets == 0

    topics.reset("my-conn")
    assert topics.topics("my-conn") == [], f"reset must empty the set, saw {topics.topics('my-conn')}"
    assert topics.topics("b") == ["orders"], "reset must not touch other connectors"
    assert removed == [("my-conn", ["orders", "payments"])], f"expected one removal, saw {removed}"
    assert topics.resets == 1

    topics.reset("unknown")
    assert removed == [("my-conn", ["orders", "payments"])], "nothing to remove for an unknown connector"
    assert topics.resets == 2, "every reset counts, so workers report again"
    assert topics.record(ORDERS) is True, "after a reset a topic is recorded again"


def test_reset_watch_forgets_on_any_change() -> None:
    calls: list[int] = []
    watch = TopicResetWatch(lambda: calls.append(1))
    for resets in [0, 0, 1, 1, 3, 0]:
        watch.observe(resets)
    assert len(calls) == 3, f"expected forgets at 1, 3 and back to 0 (a new coordinator), saw {len(calls)}"


def test_standalone_status_store_keeps_topics_until_deletion() -> None:
    store = MemoryStatusStore()
    store.topic_active("my-conn", "orders", 0)
    store.topic_active("my-conn", "orders", 1)
    [status] = store.topics.statuses("my-conn")
    assert (status.topic, status.task) == ("orders", 0), f"expected task 0's first report, saw {status}"
    store.remove("my-conn")
    assert store.topics.topics("my-conn") == [], "deleting a connector resets its active topics"


# -- settings and the REST 403s ------------------------------------------------------------------------


def test_settings_come_from_the_worker_config_with_kafka_defaults() -> None:
    assert TopicTrackingSettings.from_config(WorkerConfig({})) == TopicTrackingSettings(True, True)
    config = WorkerConfig({"topic.tracking.enable": "false", "topic.tracking.allow.reset": "false"})
    assert TopicTrackingSettings.from_config(config) == TopicTrackingSettings(False, False)


@pytest.mark.parametrize(
    ("settings", "read", "reset"),
    [
        (TopicTrackingSettings(True, True), None, None),
        (TopicTrackingSettings(True, False), None, RESET_DISABLED),
        # Kafka checks tracking first: disabled tracking wins over a disabled reset.
        (TopicTrackingSettings(False, True), TRACKING_DISABLED, TRACKING_DISABLED),
        (TopicTrackingSettings(False, False), TRACKING_DISABLED, TRACKING_DISABLED),
    ],
)
def test_forbidden_messages(settings: TopicTrackingSettings, read: str | None, reset: str | None) -> None:
    for check, expected in ((settings.check_enabled, read), (settings.check_reset_allowed, reset)):
        if expected is None:
            check()
            continue
        with pytest.raises(ForbiddenError) as raised:
            check()
        assert raised.value.message == expected, f"expected {expected!r}, saw {raised.value.message!r}"
    assert TRACKING_DISABLED == "Topic tracking is disabled."
    assert RESET_DISABLED == "Topic tracking reset is disabled."


# -- status-topic records --------------------------------------------------------------------------------


def test_topic_records_use_kafka_connect_bytes() -> None:
    key, value = encode_topic_status_record(ORDERS)
    assert key == b"status-topic-orders:connector-my-conn", f"saw key {key!r}"
    expected = b'{"topic":{"name":"orders","connector":"my-conn","task":1,"discoverTimestamp":1700000000000}}'
    assert value == expected, f"expected {expected!r}, saw {value!r}"
    tombstones = encode_remove_topic_status_records("my-conn", ["orders", "payments"])
    assert tombstones == [
        (b"status-topic-orders:connector-my-conn", None),
        (b"status-topic-payments:connector-my-conn", None),
    ], f"saw {tombstones}"


def test_topic_records_round_trip_and_java_json_is_read() -> None:
    assert decode_status_record(*encode_topic_status_record(ORDERS)) == TopicStatusRecord(
        "my-conn", "orders", ORDERS
    )
    [tombstone] = encode_remove_topic_status_records("a:b-c", ["t.1"])
    assert decode_status_record(*tombstone) == TopicStatusRecord("a:b-c", "t.1", None), (
        "a connector name with ':' and '-' must survive: the key splits at the first ':connector-'"
    )
    java = json.dumps(
        {"topic": {"name": "t", "connector": "j", "task": 2, "discoverTimestamp": 5}}, indent=1
    ).encode()
    seen = decode_status_record(b"status-topic-t:connector-j", java)
    assert seen == TopicStatusRecord("j", "t", TopicStatus("t", "j", 2, 5)), f"saw {seen}"


def _topic_value(**fields: object) -> bytes:
    """A topic-status value with some fields replaced (None drops the field)."""
    inner = {"name": "t", "connector": "c", "task": 0, "discoverTimestamp": 1, **fields}
    return json.dumps({"topic": {k: v for k, v in inner.items() if v is not None}}).encode()


@pytest.mark.parametrize(
    ("key", "value"),
    [
        (b"status-topic-t", None),
        (b"status-topic-:connector-c", None),
        (b"status-topic-t:connector-", None),
        (b"status-topic-t:connector-c", b"[]"),
        (b"status-topic-t:connector-c", b'{"topic":"t"}'),
        (b"status-topic-t:connector-c", _topic_value(task="0")),
        (b"status-topic-t:connector-c", _topic_value(task=True)),
        (b"status-topic-t:connector-c", _topic_value(discoverTimestamp=None)),
    ],
)
def test_invalid_topic_records_raise_value_error(key: bytes, value: bytes | None) -> None:
    with pytest.raises(ValueError):
        decode_status_record(key, value)


def test_replay_rebuilds_active_topics_with_tombstones() -> None:
    state = replay_status_records(
        [
            encode_topic_status_record(ORDERS),
            encode_topic_status_record(PAYMENTS),
            *encode_remove_topic_status_records("my-conn", ["orders"]),
            encode_topic_status_record(TopicStatus("orders", "b", 0, 1)),
        ]
    )
    expected = {"my-conn": {"payments": PAYMENTS}, "b": {"orders": TopicStatus("orders", "b", 0, 1)}}
    assert state.snapshot().topics == expected, f"expected {expected}, saw {state.snapshot().topics}"


def test_memory_status_backend_keeps_topics() -> None:
    store = MemoryStatusBackend()
    store.put_topic_status(ORDERS)
    store.put_topic_status(PAYMENTS)
    store.remove_topic_statuses("my-conn", ["payments", "never-there"])
    expected = StatusSnapshot({}, {}, {"my-conn": {"orders": ORDERS}})
    assert store.snapshot() == expected, f"expected {expected}, saw {store.snapshot()}"
    store.snapshot().topics["my-conn"]["x"] = PAYMENTS
    assert store.snapshot() == expected, "a snapshot must not alias the store"


# -- the coordinator's group -------------------------------------------------------------------------------


STORAGE = StorageTopics("configs", "offsets", "status")


def _group(configs: MemoryConfigStore, statuses: MemoryStatusBackend) -> Group:
    return Group("g", STORAGE, configs, statuses, GroupSettings(), lambda _w, _a: None, 0.0)


def test_group_persists_rebuilds_and_resets_active_topics() -> None:
    configs, statuses = MemoryConfigStore(), MemoryStatusBackend()
    group = _group(configs, statuses)
    session = group.register("w1", "w1", [], STORAGE, [], {}, 0.0)
    group.create_connector("my-conn", {"connector.class": "FileStreamSource"}, TargetState.STARTED)
    group.submit_task_configs("w1", session, "my-conn", [{}, {}])  # w1 runs my-conn, then its tasks
    group.report("w1", session, [], [ORDERS, TopicStatus("late", "deleted-conn", 0, 1)])
    group.flush_status_writes()
    assert statuses.snapshot().topics == {"my-conn": {"orders": ORDERS}}, (
        f"expected only the existing connector's topic persisted, saw {statuses.snapshot().topics}"
    )

    restarted = _group(configs, statuses)
    seen = restarted.active_topics.topics("my-conn")
    assert seen == ["orders"], f"a restarted coordinator must rebuild active topics, saw {seen}"

    restarted.delete_connector("my-conn")
    restarted.flush_status_writes()
    assert restarted.active_topics.topics("my-conn") == [], "deleting a connector resets its topics"
    assert statuses.snapshot().topics == {}, f"expected tombstones, saw {statuses.snapshot().topics}"
    assert restarted.active_topics.resets == 1, "the deletion must tell workers to report again"
