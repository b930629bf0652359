"""Creates a source connector's topics before the first record is sent (KIP-158's default group).

Enabled when the worker allows it (``topic.creation.enable``) and the connector sets
``topic.creation.default.partitions`` and ``topic.creation.default.replication.factor``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, NewTopic

from connectd.runtime import connector_config as cc

log = logging.getLogger(__name__)


class TopicCreator:
    def __init__(self, admin_config: Mapping[str, str], connector_config: Mapping[str, str]) -> None:
        self._admin = AdminClient(dict(admin_config))
        self._partitions = int(connector_config[cc.TOPIC_CREATION_PARTITIONS])
        self._replication = int(connector_config[cc.TOPIC_CREATION_REPLICATION])
        self._include = _patterns(connector_config.get("topic.creation.default.include", ".*"))
        self._exclude = _patterns(connector_config.get("topic.creation.default.exclude", ""))
        prefix = "topic.creation.default."
        reserved = {"partitions", "replication.factor", "include", "exclude"}
        self._topic_config = {
            k[len(prefix) :]: v
            for k, v in connector_config.items()
            if k.startswith(prefix) and k[len(prefix) :] not in reserved
        }
        self._known: set[str] = set()

    @classmethod
    def for_connector(
        cls, enabled: bool, admin_config: Mapping[str, str], connector_config: Mapping[str, str]
    ) -> TopicCreator | None:
        configured = cc.TOPIC_CREATION_PARTITIONS in connector_config and (
            cc.TOPIC_CREATION_REPLICATION in connector_config
        )
        return cls(admin_config, connector_config) if enabled and configured else None

    def ensure(self, topic: str) -> None:
        if topic in self._known:
            return
        if not any(p.fullmatch(topic) for p in self._include) or any(
            p.fullmatch(topic) for p in self._exclude
        ):
            self._known.add(topic)
            return
        # A metadata request naming the topic may auto-create it on the broker: list them all instead.
        if topic not in self._admin.list_topics(timeout=10).topics:
            new = NewTopic(topic, self._partitions, self._replication, config=self._topic_config)
            try:
                self._admin.create_topics([new])[topic].result(30)
                log.info("created topic %s (%d partitions)", topic, self._partitions)
            except KafkaException as exc:
                if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                    raise
        self._known.add(topic)


def _patterns(value: str) -> list[re.Pattern[str]]:
    return [re.compile(p.strip()) for p in value.split(",") if p.strip()]
