"""A sink connector's consumer group through the admin client, against the real broker: changes are
refused while a member is alive (zombie sink tasks), and alter / erase / delete work once it left."""

from __future__ import annotations

import time

import pytest
from confluent_kafka import Consumer

from connectd.api import TopicPartition
from connectd.errors import ConnectdError
from connectd.runtime.sink_group_offsets import ConsumerGroupOffsets, zombie_tasks_message
from tests.conftest import TEST_SESSION_TIMEOUT_MS
from tests.integration.standalone_harness import create_topic

pytestmark = pytest.mark.integration


def _member(bootstrap_servers: str, group: str, topic: str) -> Consumer:
    """A consumer of ``group`` that holds its partition (it joined the group)."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap_servers,
            "group.id": group,
            "session.timeout.ms": str(TEST_SESSION_TIMEOUT_MS),
            "heartbeat.interval.ms": "250",
            "enable.auto.commit": "false",
        }
    )
    consumer.subscribe([topic])
    deadline = time.monotonic() + 30
    while not consumer.assignment():
        assert time.monotonic() < deadline, f"expected consumer of {group} to join within 30s, it did not"
        consumer.poll(0.1)
    return consumer


def test_group_changes_wait_for_its_members_to_leave(bootstrap_servers: str, unique_name: str) -> None:
    topic, group = f"{unique_name}-t", f"connect-{unique_name}"
    create_topic(bootstrap_servers, topic)
    offsets = ConsumerGroupOffsets({"bootstrap.servers": bootstrap_servers}, group, unique_name, 10)
    partition = TopicPartition(topic, 0)

    consumer = _member(bootstrap_servers, group, topic)
    try:
        for verb, change in (("reset", offsets.delete), ("alter", lambda: offsets.alter({partition: 3}))):
            with pytest.raises(ConnectdError) as refused:
                change()
            assert str(refused.value) == zombie_tasks_message(unique_name, verb), (
                f"{verb} with a live member: expected the zombie-tasks message, got {refused.value}"
            )
    finally:
        consumer.close()

    offsets.alter({partition: 3})
    seen = offsets.committed("list")
    assert seen == {partition: 3}, f"after alter: expected offset 3 committed, saw {seen}"
    offsets.alter({partition: None})
    seen = offsets.committed("list")
    assert seen == {}, f"after erasing the partition: expected no offsets, saw {seen}"
    offsets.alter({partition: 5})
    offsets.delete()
    offsets.delete()  # idempotent
    seen = offsets.committed("list")
    assert seen == {}, f"after delete: expected no offsets, saw {seen}"
