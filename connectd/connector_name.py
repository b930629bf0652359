"""The rule for connector names, written once for both modes.

Kafka's rule (not empty, no ISO control characters) plus two of connectd's, so that every connector
created stays reachable at ``/connectors/{name}``: no ``/`` (servers decode ``%2F`` before routing,
so such a connector could be created but never read or deleted) and at most
:data:`MAX_CONNECTOR_NAME_LENGTH` characters (its URLs stay under the REST API's URL limit).
"""

from __future__ import annotations

from connectd.api.config import non_empty_string_without_control_chars
from connectd.api.errors import ConfigError

MAX_CONNECTOR_NAME_LENGTH = 1024
_SHOWN = 60  # characters of an over-long name quoted in the message


def validate_connector_name(key: str, value: object) -> None:
    """A config validator for ``name``: raises :class:`ConfigError` naming the key and the rule."""
    non_empty_string_without_control_chars(key, value)
    text = str(value)
    if "/" in text:
        raise ConfigError(
            key, value, "Connector names may not contain '/' (such a connector could not be addressed by URL)"
        )
    if len(text) > MAX_CONNECTOR_NAME_LENGTH:
        raise ConfigError(
            key,
            f"{text[:_SHOWN]}...",
            f"Connector names may be at most {MAX_CONNECTOR_NAME_LENGTH} characters long, not {len(text)}",
        )
