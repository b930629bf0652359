"""The pure parts of the REST request limits: settings, JSON depth, the connector-name rule and the
shortening of gRPC error messages (the limits in action are tested over sockets in
tests/integration/test_rest_request_limits.py and test_rest_head_limits.py)."""

from __future__ import annotations

import json

import pytest

from connectd.api.errors import ConfigError
from connectd.config import ConfigFileError, WorkerConfig
from connectd.connector_name import MAX_CONNECTOR_NAME_LENGTH, validate_connector_name
from gateway.dependencies import json_depth
from gateway.limits import DEFAULT_MAX_BODY_BYTES, RestLimits
from services.grpc_support import ERROR_MESSAGE_CHARS, shortened


def test_limits_default_without_a_config_and_read_their_two_settings() -> None:
    assert RestLimits.from_config(None) == RestLimits()
    assert RestLimits.from_config(WorkerConfig({})).max_body_bytes == DEFAULT_MAX_BODY_BYTES
    limits = RestLimits.from_config(
        WorkerConfig({"rest.request.max.bytes": "2048", "rest.request.header.timeout.ms": "250"})
    )
    assert (limits.max_body_bytes, limits.header_timeout_s) == (2048, 0.25), limits


@pytest.mark.parametrize(
    ("key", "value"),
    [("rest.request.max.bytes", "0"), ("rest.request.max.bytes", str(64 * 1024 * 1024)),
     ("rest.request.max.bytes", "lots"), ("rest.request.header.timeout.ms", "0")],
)  # fmt: skip
def test_an_invalid_setting_is_a_one_line_error_naming_it(key: str, value: str) -> None:
    with pytest.raises(ConfigFileError) as caught:
        WorkerConfig({key: value})
    assert key in str(caught.value) and "\n" not in str(caught.value), str(caught.value)


@pytest.mark.parametrize(
    ("text", "depth"),
    [("1", 0), ("[]", 1), ('{"a": {"b": [1, {}]}}', 4), ("[" * 500 + "]" * 500, 500), ("[[], [[[]]], 2]", 4)],
)
def test_json_depth_counts_arrays_and_objects_without_recursion(text: str, depth: int) -> None:
    assert json_depth(json.loads(text)) == depth


@pytest.mark.parametrize("name", ["a", "with spaces", "ünïcødé", "\U0001f600" * MAX_CONNECTOR_NAME_LENGTH])
def test_addressable_names_pass(name: str) -> None:
    validate_connector_name("name", name)


@pytest.mark.parametrize(
    ("name", "rule"),
    [("", "may not be empty"), ("a/b", "may not contain '/'"), ("a\x00b", "control sequences"),
     ("a\x9fb", "control sequences"), ("x" * (MAX_CONNECTOR_NAME_LENGTH + 1), "at most 1024 characters")],
)  # fmt: skip
def test_unaddressable_names_fail_naming_the_key_and_the_rule(name: str, rule: str) -> None:
    with pytest.raises(ConfigError) as caught:
        validate_connector_name("name", name)
    message = str(caught.value)
    assert "for configuration name" in message and rule in message, message
    assert len(message) < 300, f"an over-long name is quoted in full: {len(message)} characters"


def test_shortened_keeps_short_messages_and_both_ends_of_long_ones() -> None:
    assert shortened("short") == "short"
    long = "Connector config {" + "k=v, " * 10_000 + "} contains no connector type"
    cut = shortened(long)
    assert len(cut) < ERROR_MESSAGE_CHARS + 100, len(cut)
    assert cut.startswith("Connector config {") and cut.endswith("} contains no connector type"), cut[-80:]
    assert "characters left out" in cut
