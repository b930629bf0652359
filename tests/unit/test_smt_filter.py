"""Filter drops every record; with a predicate it drops only the matching ones (Kafka's docs example)."""

from __future__ import annotations

import pytest

from connectd.api.records import SinkRecord, SourceRecord
from connectd.connector_version import BUILTIN_VERSION
from connectd.plugins.registry import PluginRegistry
from connectd.transforms.filter import Filter


def test_filter_drops_every_record() -> None:
    smt = Filter()
    smt.configure({})
    for record in (SourceRecord("t", "v"), SinkRecord("t", 0, 5, None)):
        assert smt.apply(record) is None, f"expected {record!r} to be dropped"
    assert smt.config_def().names() == [], "expected Filter to have no config keys"
    assert smt.version() == BUILTIN_VERSION, "expected the built-in version"


def test_filter_answers_to_kafkas_class_name() -> None:
    found = PluginRegistry.discover().find("org.apache.kafka.connect.transforms.Filter")
    assert found is not None and found.cls is Filter, "expected Kafka's class name to resolve to Filter"


def test_documented_example_drops_topic_foo_and_extracts_field_except_on_bar() -> None:
    """Kafka's docs: Filter with TopicNameMatches 'foo', ExtractField$Key negated on topic 'bar'."""
    chain_module = pytest.importorskip("connectd.runtime.pipeline.transformation_chain")
    config = {
        "transforms": "Filter,Extract",
        "transforms.Filter.type": "org.apache.kafka.connect.transforms.Filter",
        "transforms.Filter.predicate": "IsFoo",
        "transforms.Extract.type": "org.apache.kafka.connect.transforms.ExtractField$Key",
        "transforms.Extract.field": "other_field",
        "transforms.Extract.predicate": "IsBar",
        "transforms.Extract.negate": "true",
        "predicates": "IsFoo,IsBar",
        "predicates.IsFoo.type": "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
        "predicates.IsFoo.pattern": "foo",
        "predicates.IsBar.type": "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
        "predicates.IsBar.pattern": "bar",
    }
    chain = chain_module.build_chain(config, PluginRegistry.discover())

    def run(record: SourceRecord) -> SourceRecord | None:
        return chain.apply(record, lambda stage, operation, r: operation(r))

    key = {"other_field": 42}
    assert run(SourceRecord("foo", "v", key=key)) is None, "expected records of topic foo to be dropped"
    bar = run(SourceRecord("bar", "v", key=key))
    assert bar is not None and bar.key == key, "expected topic bar to keep its whole key"
    baz = run(SourceRecord("baz", "v", key=key))
    assert baz is not None and baz.key == 42, "expected other topics to get the extracted field as key"
