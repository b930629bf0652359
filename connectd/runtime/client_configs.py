"""Kafka client configs for connector producers and consumers.

Layering, as in Kafka Connect: our defaults, then the worker's ``producer.``/``consumer.``/``admin.``
keys, then the connector's ``producer.override.``/``consumer.override.``/``admin.override.`` keys.
Java-only client keys that librdkafka does not know (serializers, ...) are dropped.
"""

from __future__ import annotations

from collections.abc import Mapping

from connectd.config import WorkerConfig

# Keys a Java Kafka client takes that have no librdkafka meaning; configs written for Kafka Connect
# carry them, so they are ignored instead of failing the client.
_JAVA_ONLY_KEYS = frozenset(
    {
        "key.serializer",
        "value.serializer",
        "key.deserializer",
        "value.deserializer",
        "interceptor.classes",
        "max.poll.records",
        "buffer.memory",
        "max.block.ms",
        "default.api.timeout.ms",
        "partition.assignment.strategy",
        "retry.backoff.max.ms",
    }
)


FETCH_QUEUE_BACKOFF_MS = "50"


def _clean(config: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in config.items() if k not in _JAVA_ONLY_KEYS}


def _connector_overrides(connector_config: Mapping[str, str], prefix: str) -> dict[str, str]:
    return {k[len(prefix) :]: v for k, v in connector_config.items() if k.startswith(prefix)}


def producer_config(
    worker: WorkerConfig, connector_config: Mapping[str, str], client_id: str
) -> dict[str, str]:
    config = {
        "bootstrap.servers": worker.bootstrap_servers or "",
        "client.id": client_id,
        # Ordering and no loss per partition: what Connect's acks=all + max.in.flight=1 buys in Java.
        "enable.idempotence": "true",
        "acks": "all",
        "linger.ms": "5",
    }
    config.update(worker.with_prefix("producer."))
    config.update(_connector_overrides(connector_config, "producer.override."))
    return _clean(config)


def consumer_config(
    worker: WorkerConfig, connector_config: Mapping[str, str], connector: str, client_id: str
) -> dict[str, str]:
    config = {
        "bootstrap.servers": worker.bootstrap_servers or "",
        "client.id": client_id,
        "group.id": f"connect-{connector}",
        "enable.auto.commit": "false",
        "auto.offset.reset": "earliest",
        "enable.partition.eof": "false",
        # librdkafka otherwise waits 5 minutes before it looks again for a subscribed topic that did
        # not exist yet (the source creating it a moment later) or a new match of ``topics.regex``.
        "topic.metadata.refresh.interval.ms": "3000",
        # librdkafka stops fetching for 1 s once its queue is full; a task that drains the queue
        # faster then waits for records (Java's consumer has no such pause): about half the time.
        "fetch.queue.backoff.ms": FETCH_QUEUE_BACKOFF_MS,
    }
    config.update(worker.with_prefix("consumer."))
    config.update(_connector_overrides(connector_config, "consumer.override."))
    return _clean(config)


def admin_config(worker: WorkerConfig, connector_config: Mapping[str, str] | None = None) -> dict[str, str]:
    config = {"bootstrap.servers": worker.bootstrap_servers or ""}
    config.update(worker.with_prefix("admin."))
    if connector_config:
        config.update(_connector_overrides(connector_config, "admin.override."))
    return _clean(config)


def max_poll_records(worker: WorkerConfig, connector_config: Mapping[str, str]) -> int:
    """Batch size handed to ``SinkTask.put``: ``max.poll.records`` as the Java consumer knows it."""
    raw = connector_config.get("consumer.override.max.poll.records") or worker.originals.get(
        "consumer.max.poll.records", "500"
    )
    try:
        return max(1, int(raw))
    except ValueError:
        return 500
