"""RegexRouter renames matching topics with Java regex and replacement syntax (Kafka's RegexRouterTest
cases, the documented example, and Java's replaceFirst corner cases)."""

from __future__ import annotations

import pytest

from connectd.api import ConfigError, DataError
from connectd.api.records import Header, SinkRecord
from connectd.transforms.regex_router import RegexRouter


def route(regex: str, replacement: str, topic: str) -> str:
    smt = RegexRouter()
    smt.configure({"regex": regex, "replacement": replacement})
    result = smt.apply(SinkRecord(topic, 0, 0, None))
    smt.close()
    return result.topic


@pytest.mark.parametrize(
    ("regex", "replacement", "topic", "expected"),
    [
        ("foo", "bar", "foo", "bar"),  # static replacement
        ("foo", "bar", "orig", "orig"),  # no match: unchanged
        ("(.*)", "$1", "orig", "orig"),  # identity
        ("(.*)", "prefix-$1", "orig", "prefix-orig"),
        ("(.*)", "$1-suffix", "orig", "orig-suffix"),
        (r"(.*)-(\d\d\d\d\d\d\d\d)", "$1", "index-20160117", "index"),  # slice
        # A common use: keep the table part of a server.database.table topic.
        ("([^.]+)\\.([^.]+)\\.([^.]+)", "$3", "dbserver1.inventory.customers", "customers"),
        ("foo", "bar", "foofoo", "foofoo"),  # the whole topic must match, not a part of it
        ("(?<db>\\w+)-(?<table>\\w+)", "${table}_${db}", "sales-orders", "orders_sales"),  # named groups
        ("(a)(b)?", "$1$2", "a", "a"),  # a group that took no part adds nothing
        ("(x)", "$11", "x", "x1"),  # $11 is group 1 then '1': there is no group 11
        ("(x)", "\\$1", "x", "$1"),  # an escaped $ is literal
        ("\\Qa.b\\E", "c", "a.b", "c"),  # Java's \Q...\E quoting
        ("\\Qa.b\\E", "c", "axb", "axb"),
        ("\\p{Alpha}+", "letters", "abc", "letters"),
        ("\\d+", "digits", "\u0661\u0662", "\u0661\u0662"),  # \d is ASCII only, as in Java
    ],
)
def test_routes_like_kafka(regex: str, replacement: str, topic: str, expected: str) -> None:
    assert route(regex, replacement, topic) == expected, f"expected {topic!r} -> {expected!r}"


def test_replace_first_replaces_the_first_match_only() -> None:
    # matches() needs all of "ab" (second alternative) but replaceFirst finds "a" first, as Java does.
    assert route("a|ab", "X", "ab") == "Xb", "expected Java's replaceFirst semantics"


def test_other_record_fields_are_kept() -> None:
    smt = RegexRouter()
    smt.configure({"regex": "(.*)", "replacement": "new-$1"})
    original = SinkRecord("t", 3, 7, "v", key="k", timestamp=5, headers=[Header("h", 1)])
    result = smt.apply(original)
    assert (result.topic, original.topic) == ("new-t", "t"), "expected a renamed copy and the input untouched"
    assert (result.partition, result.offset, result.key, result.value, result.timestamp, result.headers) == (
        3, 7, "k", "v", 5, [Header("h", 1)]
    ), "expected everything but the topic kept"  # fmt: skip


@pytest.mark.parametrize(
    ("replacement", "message"),
    [
        ("$2", "No group 2"),
        ("$", "Illegal group reference: group index is missing"),
        ("$x", "Illegal group reference"),
        ("x\\", "character to be escaped is missing"),
        ("${nope}", "No group with name {nope}"),
        ("${1a}", "capturing group name {1a} starts with digit character"),
        ("${a", "named capturing group is missing trailing '}'"),
        ("${}", "named capturing group has 0 length name"),
    ],
)
def test_bad_replacement_fails_matching_records_with_javas_message(replacement: str, message: str) -> None:
    smt = RegexRouter()
    smt.configure({"regex": "(a)", "replacement": replacement})
    assert smt.apply(SinkRecord("b", 0, 0, None)).topic == "b", "expected a non-matching topic to pass"
    with pytest.raises(DataError) as error:
        smt.apply(SinkRecord("a", 0, 0, None))
    assert str(error.value) == message, f"expected {message!r}, got {error.value}"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            {"regex": "(unclosed", "replacement": "x"},
            "Invalid value (unclosed for configuration regex: Invalid regex:",
        ),
        ({"replacement": "x"}, 'Missing required configuration "regex" which has no default value.'),
        ({"regex": "x"}, 'Missing required configuration "replacement" which has no default value.'),
    ],
)
def test_bad_config_is_refused(config: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as error:
        RegexRouter().configure(config)
    assert str(error.value).startswith(message), f"expected {message!r}, got {error.value}"
