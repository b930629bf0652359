"""Framework-defined connector keys (common, sink, source), as Kafka Connect defines them."""

from __future__ import annotations

import re
from collections.abc import Mapping

from connectd.api.config import (
    ConfigDef,
    ConfigType,
    Importance,
    Range,
    ValidString,
    Width,
)
from connectd.api.errors import ConfigError
from connectd.connector_name import validate_connector_name

COMMON_GROUP = "Common"
TRANSFORMS_GROUP = "Transforms"
PREDICATES_GROUP = "Predicates"
ERROR_GROUP = "Error Handling"
TOPIC_CREATION_GROUP = "Topic Creation"
EXACTLY_ONCE_GROUP = "Exactly Once Support"
OFFSETS_GROUP = "Offsets Topic"

NAME = "name"
CONNECTOR_CLASS = "connector.class"
TASKS_MAX = "tasks.max"
TASKS_MAX_ENFORCE = "tasks.max.enforce"
KEY_CONVERTER = "key.converter"
VALUE_CONVERTER = "value.converter"
HEADER_CONVERTER = "header.converter"
TOPICS = "topics"
TOPICS_REGEX = "topics.regex"
DLQ_TOPIC = "errors.deadletterqueue.topic.name"
CONSUMER_GROUP_OVERRIDE = "consumer.override.group.id"
TOPIC_CREATION_PREFIX = "topic.creation."
EXACTLY_ONCE_SUPPORT = "exactly.once.support"
TRANSACTION_BOUNDARY = "transaction.boundary"
TRANSACTION_BOUNDARY_INTERVAL = "transaction.boundary.interval.ms"
OFFSETS_STORAGE_TOPIC = "offsets.storage.topic"
TOPIC_CREATION_PARTITIONS = "topic.creation.default.partitions"
TOPIC_CREATION_REPLICATION = "topic.creation.default.replication.factor"

CONVERTER_KEYS = (KEY_CONVERTER, VALUE_CONVERTER, HEADER_CONVERTER)


def _common() -> ConfigDef:
    d = ConfigDef()
    high, low = Importance.HIGH, Importance.LOW
    d.define(
        NAME,
        ConfigType.STRING,
        validator=validate_connector_name,
        importance=high,
        documentation="Globally unique name to use for this connector.",
        group=COMMON_GROUP,
        order_in_group=1,
        width=Width.MEDIUM,
        display_name="Connector name",
    )
    d.define(
        CONNECTOR_CLASS,
        ConfigType.STRING,
        importance=high,
        documentation="Name or alias of the class for this connector.",
        group=COMMON_GROUP,
        order_in_group=2,
        width=Width.LONG,
        display_name="Connector class",
    )
    d.define(
        TASKS_MAX,
        ConfigType.INT,
        1,
        validator=Range.at_least(1),
        importance=high,
        documentation="Maximum number of tasks to use for this connector.",
        group=COMMON_GROUP,
        order_in_group=3,
        width=Width.SHORT,
        display_name="Tasks max",
    )
    d.define(
        TASKS_MAX_ENFORCE,
        ConfigType.BOOLEAN,
        True,
        importance=low,
        documentation="(Deprecated) Whether to fail a connector that generates more tasks than tasks.max.",
        group=COMMON_GROUP,
        order_in_group=4,
        width=Width.SHORT,
        display_name="Enforce tasks max",
    )
    d.define(
        KEY_CONVERTER,
        ConfigType.CLASS,
        None,
        importance=low,
        documentation="Converter class for record keys; overrides the worker's key.converter.",
        group=COMMON_GROUP,
        order_in_group=5,
        width=Width.SHORT,
        display_name="Key converter class",
    )
    d.define(
        VALUE_CONVERTER,
        ConfigType.CLASS,
        None,
        importance=low,
        documentation="Converter class for record values; overrides the worker's value.converter.",
        group=COMMON_GROUP,
        order_in_group=6,
        width=Width.SHORT,
        display_name="Value converter class",
    )
    d.define(
        HEADER_CONVERTER,
        ConfigType.CLASS,
        None,
        importance=low,
        documentation="Converter class for record headers; overrides the worker's header.converter.",
        group=COMMON_GROUP,
        order_in_group=7,
        width=Width.SHORT,
        display_name="Header converter class",
    )
    d.define(
        "config.action.reload",
        ConfigType.STRING,
        "restart",
        validator=ValidString("none", "restart", case_sensitive=False),
        importance=low,
        documentation="What to do when a config provider's values change: none or restart.",
        group=COMMON_GROUP,
        order_in_group=8,
        width=Width.MEDIUM,
        display_name="Reload Action",
    )
    d.define(
        "transforms",
        ConfigType.LIST,
        [],
        validator=unique_aliases,
        importance=low,
        documentation="Aliases for the transformations to be applied to records.",
        group=TRANSFORMS_GROUP,
        order_in_group=1,
        width=Width.LONG,
        display_name="Transforms",
    )
    d.define(
        "predicates",
        ConfigType.LIST,
        [],
        validator=unique_aliases,
        importance=low,
        documentation="Aliases for the predicates used by transformations.",
        group=PREDICATES_GROUP,
        order_in_group=1,
        width=Width.LONG,
        display_name="Predicates",
    )
    d.define(
        "errors.retry.timeout",
        ConfigType.LONG,
        0,
        importance=low,
        documentation="Maximum duration in milliseconds that a failed operation will be retried; "
        "-1 means infinite.",
        group=ERROR_GROUP,
        order_in_group=1,
        width=Width.MEDIUM,
        display_name="Retry Timeout for Errors",
    )
    d.define(
        "errors.retry.delay.max.ms",
        ConfigType.LONG,
        60000,
        importance=low,
        documentation="Maximum duration in milliseconds between consecutive retry attempts.",
        group=ERROR_GROUP,
        order_in_group=2,
        width=Width.MEDIUM,
        display_name="Maximum Delay Between Retries for Errors",
    )
    d.define(
        "errors.tolerance",
        ConfigType.STRING,
        "none",
        validator=ValidString("none", "all"),
        importance=Importance.MEDIUM,
        documentation="Behavior for tolerating errors during connector operation: none or all.",
        group=ERROR_GROUP,
        order_in_group=3,
        width=Width.SHORT,
        display_name="Error Tolerance",
    )
    d.define(
        "errors.log.enable",
        ConfigType.BOOLEAN,
        False,
        importance=Importance.MEDIUM,
        documentation="Log the details of every error and failed operation.",
        group=ERROR_GROUP,
        order_in_group=4,
        width=Width.SHORT,
        display_name="Log Errors",
    )
    d.define(
        "errors.log.include.messages",
        ConfigType.BOOLEAN,
        False,
        importance=Importance.MEDIUM,
        documentation="Include the failed record in the error log.",
        group=ERROR_GROUP,
        order_in_group=5,
        width=Width.SHORT,
        display_name="Log Error Details",
    )
    return d


def _sink_only() -> ConfigDef:
    d = ConfigDef()
    d.define(
        TOPICS,
        ConfigType.LIST,
        [],
        importance=Importance.HIGH,
        documentation="List of topics to consume, separated by commas",
        group=COMMON_GROUP,
        order_in_group=4,
        width=Width.LONG,
        display_name="Topics",
    )
    d.define(
        TOPICS_REGEX,
        ConfigType.STRING,
        "",
        validator=_regex,
        importance=Importance.HIGH,
        documentation="Regular expression giving topics to consume.",
        group=COMMON_GROUP,
        order_in_group=4,
        width=Width.LONG,
        display_name="Topics regex",
    )
    return d


def _dead_letter_queue() -> ConfigDef:
    """Kafka's sink DLQ keys; connectd reads them for source connectors too."""
    d = ConfigDef()
    d.define(
        DLQ_TOPIC,
        ConfigType.STRING,
        "",
        importance=Importance.MEDIUM,
        documentation="The name of the topic to be used as the dead letter queue (DLQ).",
        group=ERROR_GROUP,
        order_in_group=6,
        width=Width.MEDIUM,
        display_name="Dead Letter Queue Topic Name",
    )
    d.define(
        "errors.deadletterqueue.topic.replication.factor",
        ConfigType.SHORT,
        3,
        importance=Importance.MEDIUM,
        documentation="Replication factor used to create the DLQ topic.",
        group=ERROR_GROUP,
        order_in_group=7,
        width=Width.MEDIUM,
        display_name="Dead Letter Queue Topic Replication Factor",
    )
    d.define(
        "errors.deadletterqueue.context.headers.enable",
        ConfigType.BOOLEAN,
        False,
        importance=Importance.MEDIUM,
        documentation="Add error context headers to DLQ records.",
        group=ERROR_GROUP,
        order_in_group=8,
        width=Width.MEDIUM,
        display_name="Enable Error Context Headers",
    )
    return d


def _source_only() -> ConfigDef:
    d = ConfigDef()
    d.define(
        "topic.creation.groups",
        ConfigType.LIST,
        [],
        importance=Importance.LOW,
        documentation="Groups of configurations for topics created by source connectors",
        group=TOPIC_CREATION_GROUP,
        order_in_group=1,
        width=Width.LONG,
        display_name="Topic Creation Groups",
    )
    d.define(
        EXACTLY_ONCE_SUPPORT,
        ConfigType.STRING,
        "requested",
        validator=ValidString("requested", "required", case_sensitive=False),
        importance=Importance.MEDIUM,
        documentation="Whether exactly-once guarantees are required for this connector.",
        group=EXACTLY_ONCE_GROUP,
        order_in_group=1,
        width=Width.SHORT,
        display_name="Exactly once support",
    )
    d.define(
        TRANSACTION_BOUNDARY,
        ConfigType.STRING,
        "poll",
        validator=ValidString("poll", "interval", "connector", case_sensitive=False),
        importance=Importance.MEDIUM,
        documentation="With exactly-once source support: a transaction per poll() batch, per "
        "transaction.boundary.interval.ms, or as the connector's tasks define them.",
        group=EXACTLY_ONCE_GROUP,
        order_in_group=2,
        width=Width.SHORT,
        display_name="Transaction Boundary",
    )
    d.define(
        TRANSACTION_BOUNDARY_INTERVAL,
        ConfigType.LONG,
        None,
        validator=lambda name, value: value is None or Range.at_least(0)(name, value),
        importance=Importance.LOW,
        documentation="With transaction.boundary=interval: how long a transaction lasts (default: the "
        "worker's offset.flush.interval.ms).",
        group=EXACTLY_ONCE_GROUP,
        order_in_group=3,
        width=Width.SHORT,
        display_name="Transaction boundary interval",
    )
    d.define(
        OFFSETS_STORAGE_TOPIC,
        ConfigType.STRING,
        None,
        importance=Importance.LOW,
        documentation="The name of a separate offsets topic to use for this connector.",
        group=OFFSETS_GROUP,
        order_in_group=1,
        width=Width.LONG,
        display_name="Offsets topic",
    )
    return d


def _topic_creation_default() -> ConfigDef:
    d = ConfigDef()
    d.define(
        TOPIC_CREATION_REPLICATION,
        ConfigType.SHORT,
        validator=_replication_factor,
        importance=Importance.LOW,
        documentation="Replication factor of topics created by this connector (-1: broker default).",
        group=TOPIC_CREATION_GROUP,
        order_in_group=2,
        display_name="Replication Factor",
    )
    d.define(
        TOPIC_CREATION_PARTITIONS,
        ConfigType.INT,
        validator=_partitions,
        importance=Importance.LOW,
        documentation="Partition count of topics created by this connector (-1: broker default).",
        group=TOPIC_CREATION_GROUP,
        order_in_group=3,
        display_name="Partition Count",
    )
    d.define(
        "topic.creation.default.include",
        ConfigType.LIST,
        [".*"],
        importance=Importance.LOW,
        documentation="Regular expressions of topics the default creation settings apply to.",
        group=TOPIC_CREATION_GROUP,
        order_in_group=4,
        display_name="Inclusion Topic Pattern",
    )
    d.define(
        "topic.creation.default.exclude",
        ConfigType.LIST,
        [],
        importance=Importance.LOW,
        documentation="Regular expressions of topics excluded from creation.",
        group=TOPIC_CREATION_GROUP,
        order_in_group=5,
        display_name="Exclusion Topic Pattern",
    )
    return d


def topic_creation_group_def(group: str) -> ConfigDef:
    """KIP-158's keys of a group named in ``topic.creation.groups``; its partitions and replication
    factor default to the default group's."""
    prefix = f"topic.creation.{group}."
    d = ConfigDef()
    for order, (key, type_, default, validator, doc, display) in enumerate(
        (
            ("include", ConfigType.LIST, [], _regex_list,
             "Regular expressions of the topics this group's settings apply to.",
             "Inclusion Topic Pattern for"),
            ("exclude", ConfigType.LIST, [], _regex_list,
             "Regular expressions of topics excluded from this group (exclusion wins).",
             "Exclusion Topic Pattern for"),
            ("replication.factor", ConfigType.SHORT, None, _replication_factor_or_none,
             "Replication factor of this group's topics (default: the default group's).",
             "Replication Factor for Topics in"),
            ("partitions", ConfigType.INT, None, _partitions_or_none,
             "Partition count of this group's topics (default: the default group's).",
             "Partition Count for Topics in"),
        ),
        start=1,
    ):  # fmt: skip
        d.define(
            prefix + key, type_, default, validator=validator, importance=Importance.LOW, documentation=doc,
            group=group, order_in_group=order, width=Width.LONG, display_name=f"{display} {group}",
        )  # fmt: skip
    return d


def _regex_list(name: str, value: object) -> None:
    for pattern in value if isinstance(value, list) else []:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(name, value, f"Syntax error in regular expression: {exc}") from None


def _replication_factor_or_none(name: str, value: object) -> None:
    if value is not None:
        _replication_factor(name, value)


def _partitions_or_none(name: str, value: object) -> None:
    if value is not None:
        _partitions(name, value)


def unique_aliases(name: str, value: object) -> None:
    """``transforms``/``predicates``: each alias once (Kafka prints the list as ``[a, a]``)."""
    aliases = list(value) if isinstance(value, list) else []
    if len(aliases) != len(set(aliases)):
        raise ConfigError(name, f"[{', '.join(aliases)}]", "Duplicate alias provided.")


def _regex(name: str, value: object) -> None:
    try:
        re.compile(str(value or ""))
    except re.error as exc:
        raise ConfigError(name, value, f"Invalid regex: {exc}") from None


def _replication_factor(name: str, value: object) -> None:
    if not isinstance(value, int) or (value < 1 and value != -1):
        raise ConfigError(
            name,
            value,
            "Replication factor must be positive and not larger than the "
            "number of brokers in the Kafka cluster, or -1 to use the broker's default",
        )


def _partitions(name: str, value: object) -> None:
    if not isinstance(value, int) or (value < 1 and value != -1):
        raise ConfigError(
            name, value, "Number of partitions must be positive, or -1 to use the broker's default"
        )


COMMON_DEF = _common()
SINK_DEF = COMMON_DEF.merged(_sink_only()).merged(_dead_letter_queue())
SOURCE_DEF = COMMON_DEF.merged(_dead_letter_queue()).merged(_source_only())
TOPIC_CREATION_DEF = _topic_creation_default()


def framework_def(connector_type: str, config: dict[str, str | None] | None = None) -> ConfigDef:
    """The framework keys for a connector type; topic-creation keys appear once any is configured."""
    if connector_type == "sink":
        return SINK_DEF
    if connector_type == "source":
        if config and any(
            k.startswith(TOPIC_CREATION_PREFIX) and k != "topic.creation.groups" for k in config
        ):
            definition = SOURCE_DEF.merged(TOPIC_CREATION_DEF)
            for group in creation_groups(config):
                definition = definition.merged(topic_creation_group_def(group))
            return definition
        return SOURCE_DEF
    return COMMON_DEF


def creation_groups(config: Mapping[str, str | None]) -> list[str]:
    """The named groups of ``topic.creation.groups``, in order (``default`` is implicit)."""
    raw = config.get("topic.creation.groups") or ""
    return [g for g in dict.fromkeys(s.strip() for s in raw.split(",")) if g and g != "default"]


def with_name(config: Mapping[str, str], name: str) -> dict[str, str]:
    """Stored configs always hold ``name``: the URL's (or body's) name unless the config has one."""
    return {**config, NAME: config.get(NAME, name)}


def merge_config_patch(stored: Mapping[str, str], patch: Mapping[str, str | None]) -> dict[str, str]:
    """``PATCH /connectors/{name}/config``: a value sets a key, null removes it; ``name`` stays."""
    merged = dict(stored)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    if NAME in stored:
        merged.setdefault(NAME, stored[NAME])
    return merged
