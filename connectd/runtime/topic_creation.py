"""Creates a connector's topics before its clients first use them.

Two rules, in Kafka's order:

* KIP-158's groups: when the worker allows it (``topic.creation.enable``) and a source connector
  sets ``topic.creation.default.partitions`` and ``.replication.factor``, a topic it produces to is
  created with the settings of the first group, in ``topic.creation.groups`` order and then
  ``default``, whose ``include`` matches it and whose ``exclude`` does not.
* The broker's own auto-creation, done by connectd instead: with ``auto.create.topics.partitions``
  set on the worker, any other topic a producer or consumer of a connector would have the broker
  auto-create is created first with that many partitions. connectd sets it to 1 (Kafka's
  ``num.partitions`` default) when it runs on the embedded broker, which would auto-create 4 and so
  reorder a file's lines across partitions.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, NewTopic

from connectd.runtime import connector_config as cc

log = logging.getLogger(__name__)

AUTO_CREATE_PARTITIONS = "auto.create.topics.partitions"
# Replication factor -1: the broker's default.replication.factor, as for an auto-created topic.
_BROKER_DEFAULT_REPLICATION = -1


@dataclass(frozen=True, slots=True)
class TopicSpec:
    partitions: int
    replication_factor: int
    config: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _CreationGroup:
    """One KIP-158 group of a connector: ``default`` or one named in ``topic.creation.groups``."""

    spec: TopicSpec
    include: tuple[re.Pattern[str], ...]
    exclude: tuple[re.Pattern[str], ...]

    def matches(self, topic: str) -> bool:
        return any(p.fullmatch(topic) for p in self.include) and not any(
            p.fullmatch(topic) for p in self.exclude
        )

    @classmethod
    def of(cls, connector_config: Mapping[str, str], name: str = "default") -> _CreationGroup:
        prefix = f"topic.creation.{name}."
        reserved = {"partitions", "replication.factor", "include", "exclude"}
        extra = {
            k[len(prefix) :]: v
            for k, v in connector_config.items()
            if k.startswith(prefix) and k[len(prefix) :] not in reserved
        }
        # A named group's partitions and replication factor default to the default group's.
        default_partitions = connector_config[cc.TOPIC_CREATION_PARTITIONS]
        default_replication = connector_config[cc.TOPIC_CREATION_REPLICATION]
        partitions = connector_config.get(prefix + "partitions") or default_partitions
        replication = connector_config.get(prefix + "replication.factor") or default_replication
        return cls(
            TopicSpec(int(partitions), int(replication), extra),
            _patterns(connector_config.get(prefix + "include", ".*" if name == "default" else "")),
            _patterns(connector_config.get(prefix + "exclude", "")),
        )


class TopicCreator:
    def __init__(
        self,
        admin_config: Mapping[str, str],
        groups: tuple[_CreationGroup, ...] = (),
        auto_create: TopicSpec | None = None,
    ) -> None:
        self._admin = AdminClient(dict(admin_config))
        # Named groups in ``topic.creation.groups`` order, then the default group: the first match wins.
        self._groups = groups
        self._auto_create = auto_create
        self._known: set[str] = set()

    @classmethod
    def for_connector(
        cls,
        enabled: bool,
        admin_config: Mapping[str, str],
        connector_config: Mapping[str, str],
        auto_create_partitions: int | None = None,
    ) -> TopicCreator | None:
        """The creator of a source connector's topics; None when neither rule applies."""
        configured = cc.TOPIC_CREATION_PARTITIONS in connector_config and (
            cc.TOPIC_CREATION_REPLICATION in connector_config
        )
        groups: tuple[_CreationGroup, ...] = ()
        if enabled and configured:
            names = cc.creation_groups(connector_config)
            groups = (
                *(_CreationGroup.of(connector_config, n) for n in names),
                _CreationGroup.of(connector_config),
            )
        auto = auto_create_spec(auto_create_partitions)
        return cls(admin_config, groups, auto) if groups or auto is not None else None

    @classmethod
    def auto_creating(
        cls, admin_config: Mapping[str, str], auto_create_partitions: int | None
    ) -> TopicCreator | None:
        """Creates what the broker would auto-create (a sink's topics); None when the broker does."""
        auto = auto_create_spec(auto_create_partitions)
        return cls(admin_config, auto_create=auto) if auto is not None else None

    def _spec_for(self, topic: str) -> TopicSpec | None:
        for group in self._groups:
            if group.matches(topic):
                return group.spec
        return self._auto_create

    def ensure(self, topic: str, kafka_topic: str | None = None) -> None:
        """Create ``topic`` if a rule says so and it is missing. ``kafka_topic``: its name in Kafka, when
        that differs (a stream path, :mod:`connectd.stream_paths`); the rules match the user's name."""
        if topic in self._known:
            return
        spec = self._spec_for(topic)
        name = kafka_topic or topic
        # A metadata request naming the topic may auto-create it on the broker: list them all instead.
        if spec is not None and name not in self._admin.list_topics(timeout=10).topics:
            new = NewTopic(name, spec.partitions, spec.replication_factor, config=dict(spec.config))
            try:
                self._admin.create_topics([new])[name].result(30)
                log.info("created topic %s (%d partitions)", topic, spec.partitions)
            except KafkaException as exc:
                if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                    raise
        self._known.add(topic)


def auto_create_spec(partitions: int | None) -> TopicSpec | None:
    return None if partitions is None else TopicSpec(partitions, _BROKER_DEFAULT_REPLICATION)


def _patterns(value: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p.strip()) for p in value.split(",") if p.strip())
