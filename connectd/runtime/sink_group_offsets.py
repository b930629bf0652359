"""The committed offsets of a sink connector's consumer group, read and changed with a Kafka admin
client (KIP-875). Failures raise :class:`ConnectdError` with Kafka Connect's messages (REST 500)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from confluent_kafka import ConsumerGroupState, ConsumerGroupTopicPartitions, KafkaError, KafkaException
from confluent_kafka import TopicPartition as KafkaTopicPartition
from confluent_kafka.admin import AdminClient

from connectd.api import TopicPartition
from connectd.errors import ConnectdError
from connectd.stream_paths import TopicNames

log = logging.getLogger(__name__)

# A group in one of these states has live members: only they may commit, and it must not be deleted.
_ACTIVE_STATES = frozenset(
    {
        ConsumerGroupState.STABLE,
        ConsumerGroupState.PREPARING_REBALANCING,
        ConsumerGroupState.COMPLETING_REBALANCING,
    }
)
# What a broker answers when members of the group are still alive.
_MEMBERS_ALIVE = frozenset(
    {KafkaError.UNKNOWN_MEMBER_ID, KafkaError.GROUP_SUBSCRIBED_TO_TOPIC, KafkaError.NON_EMPTY_GROUP}
)


def zombie_tasks_message(connector: str, verb: str) -> str:
    """Kafka's message when sink tasks still hold the group (``verb`` is ``alter`` or ``reset``)."""
    return (
        f"Failed to {verb} consumer group offsets for connector {connector} either because its tasks "
        f"haven't stopped completely yet or the connector was resumed before the request to {verb} its "
        "offsets could be successfully completed. If the connector is in a stopped state, this operation "
        "can be safely retried. If it doesn't eventually succeed, the Connect cluster may need to be "
        "restarted to get rid of the zombie sink tasks."
    )


def _error_code(exc: BaseException) -> Any:
    if isinstance(exc, KafkaException) and exc.args and isinstance(exc.args[0], KafkaError):
        return exc.args[0].code()
    return None


class ConsumerGroupOffsets:
    """The consumer group of one sink connector, over its own admin client."""

    def __init__(
        self,
        admin_config: Mapping[str, str],
        group: str,
        connector: str,
        timeout_s: float,
        topic_names: TopicNames | None = None,
    ) -> None:
        self.group = group
        # Offsets are shown and given by the user's topic names (stream paths: connectd.stream_paths).
        self._names = topic_names or TopicNames()
        self._connector = connector
        self._timeout = timeout_s
        self._admin_config = dict(admin_config)
        self._admin = AdminClient(self._admin_config)

    def _failure(self, exc: BaseException, failure: str, zombie_verb: str | None) -> ConnectdError:
        if zombie_verb is not None and _error_code(exc) in _MEMBERS_ALIVE:
            return ConnectdError(zombie_tasks_message(self._connector, zombie_verb))
        log.error("%s (group %s): %s", failure, self.group, exc)
        return ConnectdError(failure)

    def _call(self, futures: Mapping[str, Any], failure: str, zombie_verb: str | None = None) -> Any:
        """The group's result, or a ConnectdError with ``failure`` (or the zombie-tasks message)."""
        try:
            # request_timeout bounds the call; the extra second only guards against a lost callback.
            return futures[self.group].result(timeout=self._timeout + 1)
        except Exception as exc:
            raise self._failure(exc, failure, zombie_verb) from None

    def committed(self, failure: str) -> dict[TopicPartition, int]:
        """Every committed offset of the group; ``failure`` is the message if they cannot be read."""
        listed = self._call(
            self._admin.list_consumer_group_offsets(
                [ConsumerGroupTopicPartitions(self.group)], request_timeout=self._timeout
            ),
            failure,
        )
        return {
            TopicPartition(self._names.to_user(tp.topic), tp.partition): tp.offset
            for tp in listed.topic_partitions or []
            if tp.error is None and tp.offset >= 0
        }

    def _ensure_no_members(self, verb: str) -> None:
        # Kafka leaves this to the broker, which refuses changes to a group with members; not every
        # Kafka-protocol broker does (tansu deletes such a group), so the state is checked first.
        try:
            futures = self._admin.describe_consumer_groups([self.group], request_timeout=self._timeout)
            state = futures[self.group].result(timeout=self._timeout + 1).state
        except Exception as exc:
            log.info("cannot describe consumer group %s; the broker checks it: %s", self.group, exc)
            return
        if state in _ACTIVE_STATES:
            raise ConnectdError(zombie_tasks_message(self._connector, verb))

    def alter(self, offsets: Mapping[TopicPartition, int | None]) -> None:
        """Commit the non-None offsets; remove the committed offset of each None one."""
        if any(offset is not None and offset < 0 for offset in offsets.values()):
            # Kafka fails building the commit (``Invalid negative offset``) and reports this.
            raise ConnectdError(f"Failed to modify offsets for sink connector {self._connector}")
        self._ensure_no_members("alter")
        failure = f"Failed to alter consumer group offsets for connector {self._connector}"
        commit = {tp: offset for tp, offset in offsets.items() if offset is not None}
        removed = {tp for tp, offset in offsets.items() if offset is None}
        if removed:
            # The Python client has no per-partition offset delete (Kafka's OffsetDelete), so the
            # group is dropped and given back every offset that was not removed.
            kept = {tp: o for tp, o in self.committed(failure).items() if tp not in removed}
            self._delete_group(failure, "alter")
            commit = {**kept, **commit}
        if not commit:
            return
        request = ConsumerGroupTopicPartitions(
            self.group,
            [
                KafkaTopicPartition(self._names.to_kafka(tp.topic), tp.partition, o)
                for tp, o in commit.items()
            ],
        )
        try:
            futures = self._admin.alter_consumer_group_offsets([request], request_timeout=self._timeout)
            result = futures[self.group].result(timeout=self._timeout + 1)
        except Exception as exc:
            if _error_code(exc) != KafkaError._TRANSPORT:
                raise self._failure(exc, failure, "alter") from None
            # The commit is idempotent: sent once more on a new connection when the broker dropped
            # the first (tansu drops the first commit to a group it has just deleted).
            self._admin = AdminClient(self._admin_config)
            futures = self._admin.alter_consumer_group_offsets([request], request_timeout=self._timeout)
            result = self._call(futures, failure, "alter")
        errors = [tp.error for tp in result.topic_partitions or [] if tp.error is not None]
        if errors:
            log.error("%s (group %s): %s", failure, self.group, errors)
            raise ConnectdError(failure)

    def delete(self) -> None:
        """Delete the group and with it every committed offset (KIP-875 reset)."""
        self._ensure_no_members("reset")
        failure = f"Failed to reset consumer group offsets for sink connector {self._connector}"
        self._delete_group(failure, "reset")

    def _delete_group(self, failure: str, verb: str) -> None:
        futures = self._admin.delete_consumer_groups([self.group], request_timeout=self._timeout)
        try:
            futures[self.group].result(timeout=self._timeout + 1)
        except Exception as exc:
            if _error_code(exc) == KafkaError.GROUP_ID_NOT_FOUND:
                return  # idempotent: a group that is gone already is what was asked for
            raise self._failure(exc, failure, verb) from None
