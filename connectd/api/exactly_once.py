"""Exactly-once source support (Kafka's KIP-618): what a source connector can promise, and how a task
defines its own transaction boundaries."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from connectd.api.records import SourceRecord


class ExactlyOnceSupport(StrEnum):
    """Whether a source connector, with a given config, can deliver each record exactly once: its
    offsets must let a restarted task resume at exactly the next record."""

    SUPPORTED = "SUPPORTED"
    UNSUPPORTED = "UNSUPPORTED"


class ConnectorTransactionBoundaries(StrEnum):
    """Whether a source connector's tasks can define transaction boundaries
    (``transaction.boundary=connector``) through their :class:`TransactionContext`."""

    SUPPORTED = "SUPPORTED"
    UNSUPPORTED = "UNSUPPORTED"


class TransactionContext(Protocol):
    """Given to source tasks (``context.transaction_context``) when ``transaction.boundary=connector``:
    the task says where transactions end. Requests take effect after the current ``poll()`` batch
    has been sent (or, with ``record``, once that record has been)."""

    def commit_transaction(self, record: SourceRecord | None = None) -> None: ...

    def abort_transaction(self, record: SourceRecord | None = None) -> None: ...
