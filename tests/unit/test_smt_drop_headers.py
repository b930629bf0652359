"""DropHeaders removes every header with a configured name (Kafka's DropHeadersTest cases)."""

from __future__ import annotations

import pytest

from connectd.api import ConfigError
from connectd.api.records import Header, SourceRecord
from connectd.api.schema import STRING_SCHEMA
from connectd.transforms.drop_headers import DropHeaders


def drop(*names: str) -> DropHeaders:
    smt = DropHeaders()
    smt.configure({"headers": ",".join(names)})
    return smt


def record(headers: list[Header]) -> SourceRecord:
    return SourceRecord(
        "topic", "value", key="key", source_partition={"foo": "bar"}, source_offset={"baz": "quxx"},
        partition=0, timestamp=0, headers=headers,
    )  # fmt: skip


EXISTING = Header("existing", "existing-value", STRING_SCHEMA)


@pytest.mark.parametrize(
    "dropped",
    [
        [Header("to-drop", "existing-value", STRING_SCHEMA)],
        [Header("to-drop", "existing-value", STRING_SCHEMA), Header("to-drop", "other-value", STRING_SCHEMA)],
        [],
    ],
    ids=["one", "several-with-same-name", "none-present"],
)
def test_drops_every_header_with_the_name_and_keeps_the_rest(dropped: list[Header]) -> None:
    headers = [EXISTING, *dropped]
    original = record(headers)
    result = drop("to-drop").apply(original)
    assert result.headers == [EXISTING], f"expected only the 'existing' header left, got {result.headers}"
    assert original.headers == headers, "expected the input record's headers untouched"
    for attribute in ("topic", "partition", "key", "value", "timestamp", "source_partition", "source_offset"):
        assert getattr(result, attribute) == getattr(original, attribute), f"expected {attribute} unchanged"


def test_drops_several_names() -> None:
    headers = [Header("a", 1), Header("b", 2), Header("c", 3), Header("a", 4)]
    result = drop("a", "c").apply(record(headers))
    assert result.headers == [Header("b", 2)], f"expected only header b left, got {result.headers}"


@pytest.mark.parametrize("config", [{"headers": ""}, {}])
def test_config_rejects_an_empty_or_missing_list(config: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match="headers"):
        DropHeaders().configure(config)


def test_empty_list_message_is_kafkas() -> None:
    with pytest.raises(ConfigError) as error:
        DropHeaders().configure({"headers": ""})
    assert str(error.value) == "Invalid value [] for configuration headers: Empty list", (
        f"expected Kafka's NonEmptyListValidator message, got {error.value}"
    )
