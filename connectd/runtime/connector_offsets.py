"""A connector's offsets (KIP-875): read them in any state, alter or reset them once it is STOPPED.

One implementation for both modes. The standalone control plane and the distributed gateway each
hold a :class:`ConnectorOffsetsManager` over their source-offset backend (the offsets file, or the
offset-store service) and their worker config; sink offsets are the connector's consumer group,
changed with an admin client. Messages are Kafka Connect 4.1's, word for word (ConnectorsResource,
the herders, ``Worker.modifyConnectorOffsets``, ``SinkUtils``, ``OffsetUtils``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from connectd.api import ConnectError, TopicPartition
from connectd.config import WorkerConfig
from connectd.errors import BadRequestError, ConnectdError
from connectd.plugins.registry import PluginRegistry
from connectd.runtime import client_configs
from connectd.runtime import connector_config as cc
from connectd.runtime.model import ConnectorInfo, ConnectorType, TargetState
from connectd.runtime.sink_group_offsets import ConsumerGroupOffsets
from connectd.storage.offsets import OffsetBackend, canonical_json

log = logging.getLogger(__name__)

KAFKA_TOPIC_KEY = "kafka_topic"
KAFKA_PARTITION_KEY = "kafka_partition"
KAFKA_OFFSET_KEY = "kafka_offset"

NO_OFFSETS_MESSAGE = "Partitions / offsets need to be provided for an alter offsets request"

_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)
_INTEGER_TEXT = re.compile(r"[+-]?[0-9]+")

SourceOffsets = list[tuple[dict[str, Any], dict[str, Any] | None]]


def not_stopped_message(name: str) -> str:
    return (
        "Connectors must be in the STOPPED state before their offsets can be modified. This can be done "
        f"for the specified connector by issuing a 'PUT' request to the '/connectors/{name}/stop' endpoint"
    )


def modified_message(connector_handled: bool, reset: bool) -> str:
    """The success message: definite when the connector's ``alter_offsets`` hook returned True."""
    done = "reset" if reset else "altered"
    if connector_handled:
        return f"The offsets for this connector have been {done} successfully"
    return (
        f"The Connect framework-managed offsets for this connector have been {done} successfully. "
        f"However, if this connector manages offsets externally, they will need to be manually {done} "
        "in the system that the connector uses."
    )


@dataclass(frozen=True, slots=True)
class ConnectorOffset:
    """One entry of ``{"offsets": [...]}``: a partition and its offset (None: none / erase it)."""

    partition: dict[str, Any] | None
    offset: dict[str, Any] | None

    def to_dict(self) -> dict[str, Any]:
        return {"partition": self.partition, "offset": self.offset}


def render_offsets(offsets: Iterable[ConnectorOffset]) -> dict[str, Any]:
    return {"offsets": [entry.to_dict() for entry in offsets]}


# --- the PATCH body ----------------------------------------------------------------------------------


def _object_or_null(value: Any, where: str) -> dict[str, Any] | None:
    if value is not None and not isinstance(value, dict):
        raise BadRequestError(f"Invalid request: {where} must be a JSON object or null")
    return value


def parse_alter_request(body: Any) -> list[ConnectorOffset]:
    """``{"offsets": [{"partition": {...}, "offset": {...} | null}, ...]}``, non-empty."""
    if not isinstance(body, dict):
        raise BadRequestError('Invalid request: the body must be a JSON object {"offsets": [...]}')
    unknown = sorted(set(body) - {"offsets"})
    if unknown:
        raise BadRequestError(f"Invalid request: unrecognized field(s) {', '.join(unknown)}")
    entries = body.get("offsets")
    if entries is None or entries == []:
        raise BadRequestError(NO_OFFSETS_MESSAGE)
    if not isinstance(entries, list):
        raise BadRequestError("Invalid request: offsets must be a JSON array")
    parsed = []
    for index, entry in enumerate(entries):
        where = f"offsets[{index}]"
        if not isinstance(entry, dict):
            raise BadRequestError(f'Invalid request: {where} must be a JSON object {{"partition", "offset"}}')
        unknown = sorted(set(entry) - {"partition", "offset"})
        if unknown:
            raise BadRequestError(f"Invalid request: unrecognized field(s) in {where}: {', '.join(unknown)}")
        parsed.append(
            ConnectorOffset(
                _object_or_null(entry.get("partition"), f"{where}.partition"),
                _object_or_null(entry.get("offset"), f"{where}.offset"),
            )
        )
    return parsed


# --- sink offsets: topic partitions of the consumer group --------------------------------------------


def _java_text(value: Any) -> str:
    """How Kafka's messages print a JSON value (``String.valueOf`` of what Jackson parsed)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_java_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_java_text(v) for v in value) + "]"
    return str(value)


def _parse_integer(value: Any, bounds: tuple[int, int]) -> int | None:
    """Java's ``parseInt``/``parseLong`` of the value's text: JSON numbers and numeric strings."""
    text = _java_text(value)
    if not _INTEGER_TEXT.fullmatch(text):
        return None
    number = int(text)
    return number if bounds[0] <= number <= bounds[1] else None


def parse_sink_offsets(offsets: Iterable[ConnectorOffset]) -> dict[TopicPartition, int | None]:
    """Kafka's sink format and its 400s; later entries for the same partition win."""
    parsed: dict[TopicPartition, int | None] = {}
    for entry in offsets:
        partition = entry.partition
        if partition is None:
            raise BadRequestError("The partition for a sink connector offset cannot be null or missing")
        if KAFKA_TOPIC_KEY not in partition or KAFKA_PARTITION_KEY not in partition:
            raise BadRequestError(
                "The partition for a sink connector offset must contain the keys "
                f"'{KAFKA_TOPIC_KEY}' and '{KAFKA_PARTITION_KEY}'"
            )
        if partition[KAFKA_TOPIC_KEY] is None:
            raise BadRequestError("Kafka topic names must be valid strings and may not be null")
        raw_partition = partition[KAFKA_PARTITION_KEY]
        if raw_partition is None:
            raise BadRequestError("Kafka partitions must be valid numbers and may not be null")
        number = _parse_integer(raw_partition, _INT32)
        if number is None:
            raise BadRequestError(
                "Failed to parse the following Kafka partition value in the provided offsets: "
                f"'{_java_text(raw_partition)}'. Partition values for sink connectors need to be integers."
            )
        topic_partition = TopicPartition(_java_text(partition[KAFKA_TOPIC_KEY]), number)
        if entry.offset is None:
            parsed[topic_partition] = None
            continue
        if KAFKA_OFFSET_KEY not in entry.offset:
            raise BadRequestError(
                "The offset for a sink connector should either be null or contain the key "
                f"'{KAFKA_OFFSET_KEY}'"
            )
        raw_offset = entry.offset[KAFKA_OFFSET_KEY]
        offset = _parse_integer(raw_offset, _INT64)
        if offset is None:
            raise BadRequestError(
                "Failed to parse the following Kafka offset value in the provided offsets: "
                f"'{_java_text(raw_offset)}'. Offset values for sink connectors need to be integers."
            )
        parsed[topic_partition] = offset
    return parsed


def _sink_entries(committed: Mapping[TopicPartition, int]) -> list[ConnectorOffset]:
    return [
        ConnectorOffset({KAFKA_TOPIC_KEY: tp.topic, KAFKA_PARTITION_KEY: tp.partition}, {KAFKA_OFFSET_KEY: o})
        for tp, o in sorted(committed.items())
    ]


# --- source offsets: the connector's own maps ----------------------------------------------------------


def _check_primitive_values(data: Mapping[str, Any] | None) -> None:
    # OffsetUtils.validateFormat: offsets are flat maps of primitives (Kafka reports this as a 500).
    for key, value in (data or {}).items():
        if isinstance(value, dict | list):
            kind = "MAP" if isinstance(value, dict) else "ARRAY"
            raise ConnectdError(
                f"Offsets may only contain primitive types as values, but field {key} contains {kind}"
            )


def parse_source_offsets(offsets: Iterable[ConnectorOffset]) -> SourceOffsets:
    """(partition, offset) pairs, one per partition (later entries win), values checked."""
    parsed: dict[str, tuple[dict[str, Any], dict[str, Any] | None]] = {}
    for entry in offsets:
        if entry.partition is None:
            # Kafka would store it under a null key no task can read; refuse it instead.
            raise BadRequestError("The partition for a source connector offset cannot be null or missing")
        _check_primitive_values(entry.partition)
        _check_primitive_values(entry.offset)
        parsed[canonical_json(entry.partition)] = (entry.partition, entry.offset)
    return list(parsed.values())


# --- the manager ------------------------------------------------------------------------------------


class ConnectorLookup(Protocol):
    """What the manager asks of a control plane about a connector."""

    def connector_info(self, name: str) -> ConnectorInfo:
        """NotFoundError ``Connector {name} not found``."""

    def connector_target_state(self, name: str) -> TargetState: ...


class ConnectorOffsetsManager:
    """Reads, alters and resets connectors' offsets for one worker config and offset backend."""

    def __init__(
        self, worker_config: WorkerConfig, source_offsets: OffsetBackend, registry: PluginRegistry
    ) -> None:
        self._worker_config = worker_config
        self._source_offsets = source_offsets
        self._registry = registry
        self._timeout_s = int(worker_config["request.timeout.ms"]) / 1000

    def offsets(self, connectors: ConnectorLookup, name: str) -> dict[str, Any]:
        """``GET /connectors/{name}/offsets``, in any state."""
        info = connectors.connector_info(name)
        if self._type(info) is ConnectorType.SINK:
            failure = f"Failed to retrieve consumer group offsets for sink connector {name}"
            return render_offsets(_sink_entries(self._group(info).committed(failure)))
        stored = sorted(self._source_offsets.list(name), key=lambda item: canonical_json(item[0]))
        return render_offsets(ConnectorOffset(partition, offset) for partition, offset in stored)

    def alter(self, connectors: ConnectorLookup, name: str, offsets: Sequence[ConnectorOffset]) -> str:
        """``PATCH /connectors/{name}/offsets``; returns the success message."""
        info = self._modifiable(connectors, name)
        if self._type(info) is ConnectorType.SINK:
            sink_offsets = parse_sink_offsets(offsets)
            handled = self._hook(info, ConnectorType.SINK, sink_offsets)
            self._group(info).alter(sink_offsets)
        else:
            source_offsets = parse_source_offsets(offsets)
            handled = self._hook(info, ConnectorType.SOURCE, source_offsets)
            self._source_offsets.write(name, source_offsets)
        return modified_message(handled, reset=False)

    def reset(self, connectors: ConnectorLookup, name: str) -> str:
        """``DELETE /connectors/{name}/offsets``; returns the success message."""
        info = self._modifiable(connectors, name)
        if self._type(info) is ConnectorType.SINK:
            group = self._group(info)
            failure = f"Failed to list offsets prior to resetting offsets for sink connector {name}"
            handled = self._hook(info, ConnectorType.SINK, dict.fromkeys(group.committed(failure)))
            group.delete()
        else:
            erased: SourceOffsets = [(partition, None) for partition, _ in self._source_offsets.list(name)]
            handled = self._hook(info, ConnectorType.SOURCE, erased)
            if erased:
                self._source_offsets.write(name, erased)
        return modified_message(handled, reset=True)

    # --- helpers ------------------------------------------------------------------------------------

    def _modifiable(self, connectors: ConnectorLookup, name: str) -> ConnectorInfo:
        info = connectors.connector_info(name)
        # Kafka's herders: target STOPPED and no task configs left (stop clears them first).
        if connectors.connector_target_state(name) is not TargetState.STOPPED or info.tasks:
            raise BadRequestError(not_stopped_message(name))
        return info

    def _type(self, info: ConnectorInfo) -> ConnectorType:
        if info.type is not ConnectorType.UNKNOWN:
            return info.type
        # The control plane may not know the plugin (no live worker has it): ask the local registry.
        class_name = info.config.get(cc.CONNECTOR_CLASS, "")
        self._registry.connector_class(class_name)  # raises Kafka's unknown-class message
        return ConnectorType(self._registry.connector_type(class_name))

    def _resolved(self, info: ConnectorInfo) -> dict[str, str]:
        """The connector config with its placeholders resolved (as Kafka's herder hands it to
        ``alter_offsets`` and to the admin client), its client overrides held to the worker's policy."""
        try:
            config = self._worker_config.config_providers.resolve(info.config).check(
                f"Cannot modify or read the offsets of connector {info.name}"
            )
            self._worker_config.client_override_policy.enforce(config)
        except ConnectError as exc:
            raise ConnectdError(str(exc)) from None
        return config

    def _group(self, info: ConnectorInfo) -> ConsumerGroupOffsets:
        config = self._resolved(info)
        group = client_configs.consumer_config(self._worker_config, config, info.name, "")["group.id"]
        admin = client_configs.admin_config(self._worker_config, config)
        return ConsumerGroupOffsets(admin, group, info.name, self._timeout_s, self._worker_config.topic_names)

    def _hook(self, info: ConnectorInfo, kind: ConnectorType, offsets: Any) -> bool:
        """The connector's ``alter_offsets`` (a None offset is a reset): True if it took care of
        offsets it keeps outside the framework."""
        plugin = self._registry.find(info.config.get(cc.CONNECTOR_CLASS, ""))
        if plugin is None or plugin.type != kind.value:
            # Distributed: the gateway calls the hook with its own plugin.path; without the plugin
            # the framework's offsets are still changed and the message says so.
            log.warning("connector %s: plugin not installed here; alter_offsets not called", info.name)
            return False
        config = self._resolved(info)
        try:
            return bool(plugin.cls().alter_offsets(config, offsets))
        except NotImplementedError:
            raise ConnectdError(
                f"Failed to modify offsets for connector {info.name} because it doesn't support external "
                "modification of offsets"
            ) from None
        except ConnectError as exc:
            raise ConnectdError(str(exc)) from None
        except Exception:
            log.exception("connector %s: alter_offsets failed", info.name)
            raise ConnectdError(f"Failed to modify offsets for {kind.value} connector {info.name}") from None
