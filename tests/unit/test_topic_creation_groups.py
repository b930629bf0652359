"""KIP-158 named topic-creation groups: the first group (in ``topic.creation.groups`` order, then
``default``) whose include matches and exclude does not decides a new topic's settings."""

from __future__ import annotations

from connectd.plugins.registry import PluginRegistry
from connectd.runtime.topic_creation import TopicCreator, TopicSpec
from connectd.runtime.validation import ConnectorConfigValidator, config_errors

CONFIG = {
    "connector.class": "FileStreamSource",
    "name": "src",
    "topic": "t",
    "topic.creation.groups": "compacted,busy",
    "topic.creation.default.partitions": "1",
    "topic.creation.default.replication.factor": "-1",
    "topic.creation.compacted.include": "state-.*",
    "topic.creation.compacted.cleanup.policy": "compact",
    "topic.creation.busy.include": "busy-.*,state-busy",
    "topic.creation.busy.exclude": "busy-quiet",
    "topic.creation.busy.partitions": "8",
}


def spec(topic: str) -> TopicSpec | None:
    creator = TopicCreator.for_connector(True, {"bootstrap.servers": "127.0.0.1:1"}, CONFIG)
    assert creator is not None
    return creator._spec_for(topic)


def test_first_matching_group_wins_and_inherits_the_default_groups_settings() -> None:
    assert spec("state-x") == TopicSpec(1, -1, {"cleanup.policy": "compact"}), "the compacted group"
    assert spec("state-busy") == TopicSpec(1, -1, {"cleanup.policy": "compact"}), "listed first, so it wins"
    assert spec("busy-1") == TopicSpec(8, -1, {}), "busy: own partitions, default's replication factor"
    assert spec("busy-quiet") == TopicSpec(1, -1, {}), "excluded from busy: the default group"
    assert spec("other") == TopicSpec(1, -1, {}), "no named group: the default group"


def test_group_keys_are_validated() -> None:
    registry = PluginRegistry.discover()
    bad = {**CONFIG, "topic.creation.busy.partitions": "0", "topic.creation.busy.include": "(oops"}
    errors = config_errors(ConnectorConfigValidator(registry).validate(bad))
    assert any(
        e.startswith("Invalid value 0 for configuration topic.creation.busy.partitions") for e in errors
    ), errors
    assert any("topic.creation.busy.include" in e and "Syntax error" in e for e in errors), errors
    assert config_errors(ConnectorConfigValidator(registry).validate(CONFIG)) == []
