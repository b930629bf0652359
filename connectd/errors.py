"""Domain errors of the runtime. Adapters map them to HTTP (gateway) and gRPC status codes in one
place each; nothing here knows about either."""

from __future__ import annotations


class ConnectdError(Exception):
    """Base of the runtime's domain errors; ``str(error)`` is the user-facing message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFoundError(ConnectdError):
    """An unknown connector, task or plugin."""


class AlreadyExistsError(ConnectdError):
    """Creating something that exists."""


class BadRequestError(ConnectdError):
    """The request itself is wrong: invalid config, name mismatch, missing connector class."""


class PayloadTooLargeError(ConnectdError):
    """Too large to accept or to store (e.g. a connector config over the config topic's record limit)."""


class ConflictError(ConnectdError):
    """Not possible right now because of a concurrent change (e.g. a rebalance)."""


class ForbiddenError(ConnectdError):
    """Refused by configuration (e.g. topic tracking disabled)."""


class UnavailableError(ConnectdError):
    """A role this request needs is unreachable."""


class OperationTimeoutError(ConnectdError):
    """The operation did not finish within its deadline."""


class FailedPreconditionError(ConnectdError):
    """Refused because of the system's state: e.g. a worker whose storage topics differ from its group's."""


class FencedError(FailedPreconditionError):
    """A stale copy of a task (its worker frozen, cut off, or late to hear of a move) tried to commit:
    a newer copy runs elsewhere. The copy must stop; retrying can never succeed."""
