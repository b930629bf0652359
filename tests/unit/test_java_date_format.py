"""Java SimpleDateFormat patterns in Python: formatting and (lenient) parsing in UTC.

The expected strings and epoch milliseconds below were produced by ``java.text.SimpleDateFormat``
(US locale, UTC) for the same pattern and input.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectd.api.errors import ConfigError
from connectd.transforms.java_date_format import (
    DateParseError,
    DatePatternError,
    JavaDateFormat,
    compile_date_format,
    from_millis,
    to_millis,
)

FORMATTED = [
    ("yyyyMMdd", 1483425001864, "20170103"),
    ("yyyy-MM-dd'T'HH:mm:ss.SSSZ", 1483425001864, "2017-01-03T06:30:01.864+0000"),
    ("yyyy-MM-dd HH:mm:ss.SSSXXX", 1483425001864, "2017-01-03 06:30:01.864Z"),
    ("yyyy MM dd HH mm ss SSS z", 86401234, "1970 01 02 00 00 01 234 UTC"),
    ("EEE, d MMM yyyy HH:mm:ss Z", 1483425001864, "Tue, 3 Jan 2017 06:30:01 +0000"),
    ("EEEE, MMMM dd, yy G", -1, "Wednesday, December 31, 69 AD"),
    ("h:mm a, zzzz", 1483464601864, "5:30 PM, Coordinated Universal Time"),
    ("'o''clock' ''h'' k K", 0, "o'clock '12' 24 0"),
    ("yyyy-MM-dd G", -12219292800001, "1582-10-04 AD"),  # the last Julian day
    ("yyyy-MM-dd G", -12219292800000, "1582-10-15 AD"),  # the first Gregorian day
    ("yyyy-MM-dd G", -62198755200000, "0002-01-03 BC"),
    ("YYYY-'W'ww-u D F W", 1735516800000, "2025-W01-1 365 5 5"),  # 2024-12-30 is in 2025's week 1
    ("YYYY-'W'ww-u D F W", 1704067200000, "2024-W01-1 1 1 1"),
    ("y yy yyy yyyyy", 253402300799999, "9999 99 9999 09999"),
    ("S SS SSSS SSSSSS", 5, "5 05 0005 000005"),  # S counts milliseconds, not a fraction
    ("X XX XXX", 1483425001864, "Z Z Z"),
    ("LLL LLLL M", 1483425001864, "Jan January 1"),
]

PARSED = [
    ("yyyyMMdd", "20170103", 1483401600000),  # abutting numeric fields split by their counts
    ("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2017-01-03T06:30:01.864+01:00", 1483421401864),
    ("yyyy-MM-dd'T'HH:mm:ss.SSSZ", "2017-01-03T06:30:01.864-0800", 1483453801864),
    ("yyyy MM dd HH mm ss SSS z", "1970 01 02 00 00 01 234 UTC", 86401234),
    ("yyyy-MM-dd HH:mm:ss z", "2017-01-03 06:30:01 GMT+05:30", 1483405201000),
    ("yyyy-MM-dd HH:mm:ss z", "2017-01-03 06:30:01 PST", 1483453801000),
    ("EEE, d MMM yyyy HH:mm:ss Z", "tue, 3 JAN 2017 06:30:01 +0000", 1483425001000),  # names ignore case
    ("YYYY-MM-dd", "2018-05-20", 1514678400000),  # Java's week-year trap: 2017-12-31
    ("yyyy-MM-dd", "2024-13-32", 1738368000000),  # lenient: rolls into 2025-02-01
    ("yyyy-MM-dd", "2024-02-30 trailing text", 1709251200000),  # text after the pattern is ignored
    ("yyyy-MM-dd HH:mm", "2024-01-01 24:30", 1704155400000),
    ("HH:mm", "25:61", 93660000),
    ("yy-MM-dd", "99-03-15", 921456000000),
    ("yy-MM-dd", "24-03-15", 1710460800000),
    ("yyyy-MM-dd", "1582-10-10", -12218860800000),  # a day the cutover skipped
    ("yyyy-MM-dd", "0001-01-01", -62135769600000),  # Julian
    ("MMMM d, yyyy G", "March 5, 44 BC", -63518860800000),
    ("h:mm a", "12:15 AM", 900000),
    ("hh 'o''clock' a", "07 o'clock PM", 68400000),
    ("yyyy.DDD", "2024.366", 1735603200000),
    ("yyyy-MM-dd", " 2024- 3- 7", 1709769600000),  # numbers skip leading spaces
    ("yyyyMMddHHmmss", "20240307123456", 1709814896000),
    ("yyyy-MM-dd HH:mm:ss X", "2024-03-07 12:00:00 Z", 1709812800000),
    ("EEE HH:mm", "Mon 10:00", 381600000),  # a weekday alone: the first Monday of January 1970
]

UNPARSEABLE = [
    ("yyyy-MM-dd", "2024/03/07"),
    ("yyyy-MM-dd", ""),
    ("yyyy-MM-dd", "2024-03"),
    ("yyyy-MM-dd HH:mm:ss XX", "2024-03-07 12:00:00 +05"),  # XX needs hhmm
]


@pytest.mark.parametrize(("pattern", "millis", "expected"), FORMATTED)
def test_formats_as_java(pattern: str, millis: int, expected: str) -> None:
    got = JavaDateFormat(pattern).format_millis(millis)
    assert got == expected, f"expected {pattern!r} of {millis} to format as Java's {expected!r}, got {got!r}"


@pytest.mark.parametrize(("pattern", "text", "expected"), PARSED)
def test_parses_as_java(pattern: str, text: str, expected: int) -> None:
    got = JavaDateFormat(pattern).parse_millis(text)
    assert got == expected, f"expected {text!r} with {pattern!r} to parse as Java's {expected}, got {got}"


@pytest.mark.parametrize(("pattern", "text"), UNPARSEABLE)
def test_unparseable_text_raises_javas_message(pattern: str, text: str) -> None:
    with pytest.raises(DateParseError) as raised:
        JavaDateFormat(pattern).parse_millis(text)
    assert str(raised.value) == f'Unparseable date: "{text}"', f"expected Java's message, got {raised.value}"


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("bad-format", "Illegal pattern character 'b'"),
        ("yyyy-MM-dd'T", "Unterminated quote"),
        ("XXXX", "invalid ISO 8601 format: length=4"),
        ("yyyy-MM-dd q", "Illegal pattern character 'q'"),
    ],
)
def test_invalid_patterns_raise_javas_message(pattern: str, message: str) -> None:
    with pytest.raises(DatePatternError) as raised:
        JavaDateFormat(pattern)
    assert str(raised.value) == message, f"expected {message!r}, got {raised.value}"


def test_compile_names_the_config_key() -> None:
    with pytest.raises(ConfigError) as raised:
        compile_date_format("yyyy-bb", "timestamp.format")
    assert raised.value.name == "timestamp.format", f"expected the key named, got {raised.value.name}"
    assert "Illegal pattern character 'b'" in str(raised.value), f"expected Java's reason, got {raised.value}"


def test_non_ascii_letters_and_punctuation_are_literals() -> None:
    got = JavaDateFormat("yyyy年MM月dd日 [é]").format_millis(1483425001864)
    assert got == "2017年01月03日 [é]", f"expected literals kept, got {got!r}"


def test_datetime_api_uses_utc_and_truncates_to_milliseconds() -> None:
    fmt = JavaDateFormat("yyyy-MM-dd HH:mm:ss.SSS")
    when = datetime(2024, 3, 7, 12, 0, 0, 123999, tzinfo=UTC)
    assert fmt.format(when) == "2024-03-07 12:00:00.123", "expected milliseconds, truncated"
    assert fmt.parse("2024-03-07 12:00:00.123") == datetime(2024, 3, 7, 12, 0, 0, 123000, tzinfo=UTC)
    assert fmt.format(datetime(2024, 3, 7)) == "2024-03-07 00:00:00.000", "expected a naive datetime as UTC"


def test_years_outside_python_datetimes_still_work_in_millis() -> None:
    fmt = JavaDateFormat("yyyy-MM-dd G")
    millis = fmt.parse_millis("12345-06-07 AD")
    assert fmt.format_millis(millis) == "12345-06-07 AD", "expected a five-digit year to round-trip"
    with pytest.raises(ValueError):
        from_millis(millis)


# --- round trips ---------------------------------------------------------------------------------

ROUND_TRIP_PATTERNS = [
    "yyyy-MM-dd'T'HH:mm:ss.SSSZ",
    "yyyy-MM-dd HH:mm:ss.SSSXXX",
    "yyyy MM dd HH mm ss SSS z",
    "yyyyMMddHHmmssSSS",
    "EEE, d MMM yyyy HH:mm:ss.SSS zzzz",
    "yyyy-DDD hh:mm:ss.SSS a",
    "dd MMMM yyyy kk:mm:ss.SSS",
    "yyyy-MM-dd'T'HH:mm:ss.SSSX",
]
# Years 1000 to 9999 AD: four-digit years without an era round-trip.
MILLIS = st.integers(min_value=-30610224000000, max_value=253402300799999)


@given(pattern=st.sampled_from(ROUND_TRIP_PATTERNS), millis=MILLIS)
def test_full_patterns_round_trip(pattern: str, millis: int) -> None:
    fmt = JavaDateFormat(pattern)
    text = fmt.format_millis(millis)
    assert fmt.parse_millis(text) == millis, f"expected {text!r} ({pattern}) to parse back to {millis}"


@given(millis=st.integers(min_value=-(10**15), max_value=10**15))
def test_era_patterns_round_trip_any_year(millis: int) -> None:
    fmt = JavaDateFormat("G yyyy-MM-dd HH:mm:ss.SSS")
    text = fmt.format_millis(millis)
    assert fmt.parse_millis(text) == millis, f"expected {text!r} to parse back to {millis} across eras"


@given(millis=MILLIS)
def test_date_patterns_round_trip_to_midnight(millis: int) -> None:
    fmt = JavaDateFormat("yyyyMMdd")
    midnight = millis - millis % 86_400_000
    assert fmt.parse_millis(fmt.format_millis(millis)) == midnight, "expected the day's midnight back"


@given(
    when=st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31), timezones=st.just(UTC))
)
def test_datetime_round_trip_keeps_milliseconds(when: datetime) -> None:
    fmt = JavaDateFormat("G yyyy-MM-dd'T'HH:mm:ss.SSS")
    expected = when.replace(microsecond=when.microsecond // 1000 * 1000)
    assert from_millis(fmt.parse_millis(fmt.format(when))) == expected, f"expected {expected} back"
    assert to_millis(expected) == to_millis(when), "expected to_millis to drop the microseconds"
