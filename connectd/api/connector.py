"""Connectors: the logical jobs. A connector reads its config and splits the work into tasks."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from connectd.api.config import ConfigDef, ConfigValue
from connectd.api.exactly_once import ConnectorTransactionBoundaries, ExactlyOnceSupport

if TYPE_CHECKING:
    from connectd.api.records import TopicPartition
    from connectd.api.task import SinkTask, SourceTask, Task


class ConnectorContext(Protocol):
    """What a running connector may ask of the runtime."""

    def request_task_reconfiguration(self) -> None:
        """Ask the runtime to call :meth:`Connector.task_configs` again (the inputs changed)."""

    def raise_error(self, error: Exception) -> None:
        """Fail the connector from a background thread of its own."""


class Connector(ABC):
    """Base of every connector. Subclass :class:`SourceConnector` or :class:`SinkConnector`."""

    #: Other names this plugin answers to in ``connector.class`` (e.g. Kafka's Java class name).
    aliases: tuple[str, ...] = ()

    context: ConnectorContext

    def initialize(self, context: ConnectorContext) -> None:
        self.context = context

    def version(self) -> str:
        return "undefined"

    @abstractmethod
    def config_def(self) -> ConfigDef:
        """The keys this connector understands (the framework adds its own common keys)."""

    def validate(self, config: Mapping[str, str]) -> dict[str, ConfigValue]:
        """Validate a config; override to add cross-key checks to the per-key ones."""
        return self.config_def().validate(config)

    @abstractmethod
    def start(self, config: Mapping[str, str]) -> None: ...

    @abstractmethod
    def task_class(self) -> type[Task]: ...

    @abstractmethod
    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        """At most ``max_tasks`` configs, one per task to run."""

    @abstractmethod
    def stop(self) -> None: ...


class SourceConnector(Connector):
    """Imports data from another system into Kafka."""

    @abstractmethod
    def task_class(self) -> type[SourceTask]: ...

    def alter_offsets(
        self, config: Mapping[str, str], offsets: Sequence[tuple[dict[str, Any], dict[str, Any] | None]]
    ) -> bool:
        """Called before the runtime alters or resets this connector's offsets (REST ``PATCH`` /
        ``DELETE /connectors/{name}/offsets``); a None offset is a reset of that partition.

        Return True once offsets this connector keeps outside Kafka Connect are updated too, or if it
        keeps none. Raise :class:`connectd.api.ConnectError` to reject the request (its message is
        the REST error), NotImplementedError if offsets of this connector can never be modified. The
        default, False, tells the user that offsets kept elsewhere need a manual change.
        """
        return False

    def exactly_once_support(self, config: Mapping[str, str]) -> ExactlyOnceSupport | None:
        """Can this connector deliver exactly once with ``config`` (checked when a connector with
        ``exactly.once.support=required`` is created)? None, the default: it does not say."""
        return None

    def can_define_transaction_boundaries(self, config: Mapping[str, str]) -> ConnectorTransactionBoundaries:
        """Can its tasks define their own transaction boundaries (``transaction.boundary=connector``)?"""
        return ConnectorTransactionBoundaries.UNSUPPORTED


class SinkConnector(Connector):
    """Exports data from Kafka topics (``topics`` or ``topics.regex``) to another system."""

    @abstractmethod
    def task_class(self) -> type[SinkTask]: ...

    def alter_offsets(self, config: Mapping[str, str], offsets: Mapping[TopicPartition, int | None]) -> bool:
        """Like :meth:`SourceConnector.alter_offsets`, for the consumer-group offsets of a sink
        connector: a None offset removes that topic partition's committed offset."""
        return False
