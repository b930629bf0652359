"""The metrics of the roles that run no connectors, read from their core objects at scrape time:
the coordinator's groups and the offset store's backends. Not Kafka's groups (Kafka has no such
processes), named the same way (``coordinator-group-metrics``, ``offset-store-metrics``)."""

from __future__ import annotations

from collections.abc import Callable

from connectd.cluster.coordinator import Coordinator
from connectd.metrics.samples import SampleList


def coordinator_samples(coordinator: Coordinator) -> list[SampleList]:
    groups = []
    for group_id in coordinator.group_ids():
        try:
            group = coordinator.group(group_id)
        except Exception:
            continue  # closed meanwhile
        members = group.members()
        samples = SampleList("coordinator-group-metrics", (("group", group_id),))
        samples.gauge("member-count", sum(1 for m in members if m.live))
        samples.gauge("lost-member-count", sum(1 for m in members if not m.live))
        samples.gauge("connector-count", len(group.connector_names()))
        samples.gauge("generation", max((m.generation for m in members), default=0))
        groups.append(samples)
    return groups


def offset_store_samples(group_count: Callable[[], int]) -> list[SampleList]:
    samples = SampleList("offset-store-metrics", ())
    samples.gauge("group-count", group_count())
    return [samples]
