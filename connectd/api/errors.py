"""Exceptions plugins raise and the runtime understands."""

from __future__ import annotations


class ConnectError(Exception):
    """A failure in a connector, task or converter. Fails the task unless errors are tolerated."""


class RetriableError(ConnectError):
    """A transient failure: the runtime retries the call instead of failing the task."""


class DataError(ConnectError):
    """Data that cannot be converted (bad bytes, a value that does not match its schema)."""


class ConfigError(ConnectError):
    """A configuration value that is missing or invalid. ``name`` is the offending key."""

    def __init__(self, name: str, value: object = None, message: str | None = None) -> None:
        self.name = name
        self.value = value
        self.reason = message
        if message is None:
            text = f"Invalid configuration {name}"
        else:
            # A secret (a Password) is never spelled out, as Kafka prints it: [hidden].
            shown = "[hidden]" if getattr(value, "is_secret", False) else value
            text = f"Invalid value {shown} for configuration {name}: {message}"
        super().__init__(text)


class MissingConfigError(ConfigError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.reason = "Missing required configuration"
        self.args = (f'Missing required configuration "{name}" which has no default value.',)
