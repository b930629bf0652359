"""Java ``SimpleDateFormat`` patterns, as TimestampConverter's ``format`` and TimestampRouter's
``timestamp.format`` take them, formatting and parsing in UTC with en-US symbols.

Kafka builds ``new SimpleDateFormat(pattern)`` with the UTC time zone, so this follows that class:
letters G y Y M L d D E u a H k K h m s S z Z X w W F with Java's count rules (``yy`` clips the year,
``MMM`` is a short month name, ``S`` is milliseconds, not a fraction), quoted literals and ``''``;
the Julian calendar before 15 October 1582 (Java's GregorianCalendar cutover); US weeks (Sunday
first, one day makes a first week); and the lenient parser: numbers may overflow into the next
field (month 13 is January next year), abutting numeric fields split by their counts
(``yyyyMMdd``), two-digit years land within 80 years before and 20 after now, and text after the
last field is ignored. Times are epoch milliseconds (a Java ``Date``), so any year formats.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

from connectd.api.errors import ConfigError

_LETTERS = "GyMdkHmsSEDFwWahKzZYuXL"
_NUMERIC = frozenset("yYdkHmsSDFwWhKu")  # fields a following field must not eat digits from
_DAY_MS = 86_400_000
_ERAS = ("BC", "AD")
_AM_PM = ("AM", "PM")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September")
_MONTHS += ("October", "November", "December")
_SHORT_MONTHS = tuple(m[:3] for m in _MONTHS)
_WEEKDAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
_SHORT_WEEKDAYS = tuple(d[:3] for d in _WEEKDAYS)
# Zone names the parser knows, as (offset, daylight saving) in minutes. Java searches its whole zone
# table; these are the usual abbreviations (standard, summer, hours) plus what formatting UTC gives.
_ZONES = dict.fromkeys(("UTC", "Coordinated Universal Time", "Greenwich Mean Time", "JST"), (0, 0))
_ZONES["JST"] = (540, 0)
for _std, _summer, _hours in (("WET", "WEST", 0), ("CET", "CEST", 1), ("EET", "EEST", 2), ("EST", "EDT", -5)):
    _ZONES[_std], _ZONES[_summer] = (_hours * 60, 0), (_hours * 60, 60)
for _std, _summer, _hours in (("CST", "CDT", -6), ("MST", "MDT", -7), ("PST", "PDT", -8)):
    _ZONES[_std], _ZONES[_summer] = (_hours * 60, 0), (_hours * 60, 60)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class DatePatternError(ValueError):
    """The pattern is not valid for SimpleDateFormat (Java's IllegalArgumentException text)."""


class DateParseError(ValueError):
    """The text does not match the pattern (Java's ParseException text)."""


# --- calendars (epoch days) ----------------------------------------------------------------------


def _greg_days(y: int, m: int, d: int) -> int:
    y -= m <= 2
    era, yoe = divmod(y, 400)
    doy = (153 * ((m + 9) % 12) + 2) // 5 + d - 1
    return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468


def _greg_date(days: int) -> tuple[int, int, int]:
    era, doe = divmod(days + 719468, 146097)
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    m = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (m <= 2), m, doy - (153 * mp + 2) // 5 + 1


def _jul_raw(y: int, m: int, d: int) -> int:
    y -= m <= 2
    return 365 * y + y // 4 + (153 * ((m + 9) % 12) + 2) // 5 + d - 1


_CUTOVER = _greg_days(1582, 10, 15)  # the first Gregorian day; the day before is Julian 1582-10-04
_JUL_SHIFT = _CUTOVER - _jul_raw(1582, 10, 5)


def _jul_days(y: int, m: int, d: int) -> int:
    return _jul_raw(y, m, d) + _JUL_SHIFT


def _jul_date(days: int) -> tuple[int, int, int]:
    z = days - _JUL_SHIFT
    y = (4 * z + 3) // 1461
    doy = z - (365 * y + y // 4)
    mp = (5 * doy + 2) // 153
    m = mp + 3 if mp < 10 else mp - 9
    return y + (m <= 2), m, doy - (153 * mp + 2) // 5 + 1


def _days(y: int, m: int, d: int) -> int:
    """Java's hybrid calendar: Gregorian from the cutover on, Julian before."""
    g = _greg_days(y, m, d)
    return g if g >= _CUTOVER else _jul_days(y, m, d)


def _date(days: int) -> tuple[int, int, int]:
    return _greg_date(days) if days >= _CUTOVER else _jul_date(days)


def _on_or_before(day: int, dow: int) -> int:
    """The day-of-week ``dow`` (1 = Sunday; any int, as Java's lenient maths) on or before ``day``."""
    return day - ((day + 4) % 7 - (dow - 1)) % 7


def _week_one(day1: int) -> int:
    """Start of the week holding ``day1``: with US rules (Sunday first, a first week may have one
    day) week 1 of a year or month is the one containing its first day."""
    return _on_or_before(day1, 1)


# --- patterns ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Field:
    letter: str
    count: int


_Token = str | _Field


def _compile(pattern: str) -> tuple[_Token, ...]:
    tokens: list[_Token] = []
    literal: list[str] = []
    quoted: list[str] | None = None
    letter, count = "", 0

    def flush_field() -> None:
        nonlocal letter, count
        if count:
            if letter == "X" and count >= 4:
                raise DatePatternError(f"invalid ISO 8601 format: length={count}")
            if literal:
                tokens.append("".join(literal))
                literal.clear()
            tokens.append(_Field(letter, count))
        letter, count = "", 0

    i = 0
    while i < len(pattern):
        c = pattern[i]
        i += 1
        if c == "'":
            if i < len(pattern) and pattern[i] == "'":  # '' is a quote, inside quotes or not
                i += 1
                flush_field()
                (literal if quoted is None else quoted).append("'")
            elif quoted is None:
                flush_field()
                quoted = []
            else:
                literal.extend(quoted)
                quoted = None
        elif quoted is not None:
            quoted.append(c)
        elif not ("a" <= c <= "z" or "A" <= c <= "Z"):
            flush_field()
            literal.append(c)
        elif c not in _LETTERS:
            raise DatePatternError(f"Illegal pattern character '{c}'")
        elif c == letter:
            count += 1
        else:
            flush_field()
            letter, count = c, 1
    if quoted is not None:
        raise DatePatternError("Unterminated quote")
    flush_field()
    if literal:
        tokens.append("".join(literal))
    return tuple(tokens)


def _pad(value: int, count: int) -> str:
    return ("-" if value < 0 else "") + str(abs(value)).zfill(count)


@dataclass(frozen=True, slots=True)
class _Fields:
    """The calendar fields of one instant, as Java's GregorianCalendar computes them in UTC."""

    year: int  # proleptic: 0 is 1 BC
    month: int
    day: int
    day_of_year: int
    dow: int  # 1 = Sunday
    week_of_year: int
    week_year: int
    week_of_month: int
    days_in_month: int  # days since the 1st: October 1582 skips ten
    ms_of_day: int

    @classmethod
    def of(cls, ms: int) -> _Fields:
        days, ms_of_day = divmod(ms, _DAY_MS)
        y, m, d = _date(days)
        jan1 = _days(y, 1, 1)
        week, week_year = (days - _week_one(jan1)) // 7 + 1, y
        if days >= _week_one(_days(y + 1, 1, 1)):
            week, week_year = 1, y + 1  # the week that holds next New Year's Day is its week 1
        first = _days(y, m, 1)
        wom = (days - _week_one(first)) // 7 + 1
        dow = (days + 4) % 7 + 1
        return cls(y, m, d, days - jan1 + 1, dow, week, week_year, wom, days - first, ms_of_day)


def _format_field(field: _Field, f: _Fields) -> str:
    n = field.count
    hour = f.ms_of_day // 3_600_000
    match field.letter:
        case "G":
            return _ERAS[f.year > 0]
        case "y" | "Y":
            year = f.week_year if field.letter == "Y" else (f.year if f.year > 0 else 1 - f.year)
            # Java's two-digit form keeps the sign: -350 is "-50"
            return ("-" if year < 0 else "") + _pad(abs(year) % 100, 2) if n == 2 else _pad(year, n)
        case "M" | "L":
            if n >= 3:
                return (_MONTHS if n >= 4 else _SHORT_MONTHS)[f.month - 1]
            return _pad(f.month, n)
        case "E":
            return (_WEEKDAYS if n >= 4 else _SHORT_WEEKDAYS)[f.dow - 1]
        case "a":
            return _AM_PM[hour >= 12]
        case "z":
            return "Coordinated Universal Time" if n >= 4 else "UTC"
        case "Z":
            return "+0000"
        case "X":
            return "Z"
    value = {
        "d": f.day,
        "k": hour or 24,
        "H": hour,
        "m": f.ms_of_day // 60_000 % 60,
        "s": f.ms_of_day // 1000 % 60,
        "S": f.ms_of_day % 1000,
        "D": f.day_of_year,
        "F": f.days_in_month // 7 + 1,
        "w": f.week_of_year,
        "W": f.week_of_month,
        "h": hour % 12 or 12,
        "K": hour % 12,
        "u": (f.dow + 5) % 7 + 1,
    }[field.letter]
    return _pad(value, n)


# --- parsing -------------------------------------------------------------------------------------


def _java_int(value: int) -> int:
    """``Number.intValue()`` of what DecimalFormat parsed: a long wraps, a larger double saturates."""
    if -(2**63) <= value < 2**63:
        return (value + 2**31) % 2**32 - 2**31
    return max(-(2**31), min(2**31 - 1, value))


class _Builder:
    """Java's CalendarBuilder: parsed fields with the order they were set in (later wins)."""

    def __init__(self) -> None:
        self.values: dict[str, int] = {}
        self.stamps: dict[str, int] = {}
        self._next = 1

    def set(self, name: str, value: int) -> None:
        self.values[name] = value
        self.stamps[name] = self._next
        self._next += 1

    def stamp(self, name: str) -> int:
        return self.stamps.get(name, 0)

    def both(self, a: str, b: str) -> int:
        """The stamp of a pair of fields, 0 unless both are set."""
        sa, sb = self.stamp(a), self.stamp(b)
        return 0 if not sa or not sb else max(sa, sb)

    def get(self, name: str, default: int = 0) -> int:
        return self.values.get(name, default)


def _read_int(text: str, pos: int, limit: int) -> tuple[int, int] | None:
    """DecimalFormat's integer parse: an optional minus and decimal digits, up to ``limit``."""
    end, i = min(limit, len(text)), pos
    negative = i < end and text[i] == "-"
    i += negative
    j = i
    while j < end and text[j].isdecimal():
        j += 1
    if j == i:
        return None
    value = int(text[i:j])
    return _java_int(-value if negative else value), j


def _match(text: str, start: int, names: tuple[str, ...]) -> tuple[int, int] | None:
    """The longest name matching at ``start``, ignoring case: (its index, the end position)."""
    best = None
    for index, name in enumerate(names):
        if (best is None or len(name) > len(names[best])) and text[start : start + len(name)].lower() == (
            name.lower()
        ):
            best = index
    return None if best is None else (best, start + len(names[best]))


def _numeric_zone(text: str, i: int, sign: int, count: int, colon: bool, b: _Builder) -> int:
    """``hh[[:]mm]`` after a sign: 'Z' and ``GMT+h:mm`` (count 0) or ``X``/``XX``/``XXX``."""
    digits = "0123456789"
    if i + 1 >= len(text) or text[i] not in digits:
        return -1
    hours, i = int(text[i]), i + 1
    if text[i] in digits:
        hours, i = hours * 10 + int(text[i]), i + 1
    elif count > 0 or not colon:
        return -1
    if hours > 23:
        return -1
    minutes = 0
    if count != 1:
        if colon:
            if i >= len(text) or text[i] != ":":
                return -1
            i += 1
        if i + 1 >= len(text) or text[i] not in digits or text[i + 1] not in digits:
            return -1
        minutes, i = int(text[i : i + 2]), i + 2
        if minutes > 59:
            return -1
    b.set("zone", sign * (hours * 60 + minutes) * 60_000)
    b.set("dst", 0)
    return i


def _parse_zone(text: str, start: int, pos: int, b: _Builder) -> int:
    c = text[pos]
    if c in "+-":
        return _numeric_zone(text, pos + 1, 1 if c == "+" else -1, 0, False, b)
    if c in "Gg" and text[start : start + 3].upper() == "GMT":
        pos = start + 3
        if pos < len(text) and text[pos] in "+-":
            return _numeric_zone(text, pos + 1, 1 if text[pos] == "+" else -1, 0, True, b)
        b.set("zone", 0)
        b.set("dst", 0)
        return pos
    names = tuple(_ZONES)
    found = _match(text, pos, names)
    if found is None:
        return -1
    offset, dst = _ZONES[names[found[0]]]
    b.set("zone", offset * 60_000)
    b.set("dst", dst * 60_000)
    return found[1]


_NAMES: dict[str, tuple[str, tuple[tuple[str, ...], ...], int]] = {
    "G": ("era", (_ERAS,), 0),
    "M": ("month", (_MONTHS, _SHORT_MONTHS), 0),
    "L": ("month", (_MONTHS, _SHORT_MONTHS), 0),
    "E": ("dow", (_WEEKDAYS, _SHORT_WEEKDAYS), 1),  # Calendar counts Sunday as 1
    "a": ("ampm", (_AM_PM,), 0),
}


def _century_start() -> tuple[int, int]:
    """Two-digit years land in the 100 years from 80 years ago: that instant and its year."""
    now = datetime.now(UTC)
    try:
        start = now.replace(year=now.year - 80)
    except ValueError:  # 29 February: Java's Calendar.add clamps to the 28th
        start = now.replace(year=now.year - 80, day=28)
    return to_millis(start), start.year


class JavaDateFormat:
    """One compiled pattern. ``format``/``parse`` use datetimes; ``*_millis`` epoch milliseconds."""

    __slots__ = ("_century_ms", "_century_year", "_tokens", "pattern")

    def __init__(self, pattern: str) -> None:
        """Raises :class:`DatePatternError` with Java's message for a pattern Java rejects."""
        self.pattern = pattern
        self._tokens = _compile(pattern)
        self._century_ms, self._century_year = _century_start()

    def format_millis(self, ms: int) -> str:
        fields = _Fields.of(ms)
        return "".join(t if isinstance(t, str) else _format_field(t, fields) for t in self._tokens)

    def format(self, when: datetime) -> str:
        return self.format_millis(to_millis(when))

    def parse(self, text: str) -> datetime:
        return from_millis(self.parse_millis(text))

    def parse_millis(self, text: str) -> int:
        """Raises :class:`DateParseError` (Java's "Unparseable date") when the text does not match."""
        b, pos, ambiguous = _Builder(), 0, False
        for i, token in enumerate(self._tokens):
            if isinstance(token, str):
                pos = pos + len(token) if text.startswith(token, pos) else -1
            else:
                following = self._tokens[i + 1] if i + 1 < len(self._tokens) else None
                obey = isinstance(following, _Field) and (
                    following.letter in _NUMERIC or (following.letter in "ML" and following.count <= 2)
                )
                pos, two_digit = self._parse_field(text, pos, token, obey, b)
                ambiguous = ambiguous or two_digit
            if pos < 0:
                break
        if pos <= 0:
            raise DateParseError(f'Unparseable date: "{text}"')
        ms = _resolve(b)
        if ambiguous and ms < self._century_ms:  # a two-digit year before the window: next century
            for name in ("year", "week_year"):
                if name in b.values:
                    b.values[name] += 100
            ms = _resolve(b)
        return ms

    def _parse_field(self, text: str, start: int, field: _Field, obey: bool, b: _Builder) -> tuple[int, bool]:
        """The position after ``field`` (-1 when it does not match) and whether it read an ambiguous
        two-digit year."""
        pos = start
        while pos < len(text) and text[pos] in " \t":
            pos += 1
        if pos >= len(text):
            return -1, False
        letter, count = field.letter, field.count
        if letter in "GEaMLzZX" and not (letter in "ML" and count <= 2):
            return self._parse_text(text, start, pos, field, b), False
        if obey and start + count > len(text):
            return -1, False
        read = _read_int(text, pos, start + count if obey else len(text))
        if read is None:
            return -1, False
        value, end = read
        ambiguous = False
        match letter:
            case "y" | "Y":
                if count <= 2 and end - pos == 2 and text[pos : pos + 2].isdigit():
                    ambiguous = value == self._century_year % 100
                    value += self._century_year // 100 * 100 + (
                        100 if value < self._century_year % 100 else 0
                    )
                b.set("year" if letter == "y" else "week_year", value)
            case "M" | "L":
                b.set("month", value - 1)
            case "k":
                b.set("hod", 0 if value == 24 else value)  # 24 is midnight
            case "h":
                b.set("hour", 0 if value == 12 else value)
            case "u":
                b.set("dow", (1 if value == 7 else value + 1) if 1 <= value <= 7 else value)
            case _:
                names = {"d": "dom", "H": "hod", "m": "minute", "s": "second", "S": "ms", "D": "doy"}
                names |= {"F": "dowim", "w": "woy", "W": "wom", "K": "hour"}
                b.set(names[letter], value)
        return end, ambiguous

    @staticmethod
    def _parse_text(text: str, start: int, pos: int, field: _Field, b: _Builder) -> int:
        letter = field.letter
        if letter in "zZ":
            return _parse_zone(text, start, pos, b)
        if letter == "X":
            if text[pos] == "Z":
                b.set("zone", 0)
                b.set("dst", 0)
                return pos + 1
            if text[pos] not in "+-":
                return -1
            sign = 1 if text[pos] == "+" else -1
            return _numeric_zone(text, pos + 1, sign, field.count, field.count == 3, b)
        # Java matches names from the field's own start, before the spaces numbers may skip.
        name, tables, shift = _NAMES[letter]
        for names in tables:
            found = _match(text, start, names)
            if found is not None:
                b.set(name, found[0] + shift)
                return found[1]
        return -1


def _resolve(b: _Builder) -> int:
    """Epoch milliseconds of the parsed fields, resolved as Java's lenient GregorianCalendar does:
    of conflicting fields the most recently parsed wins, out-of-range values roll over."""
    hod = b.stamp("hod")
    best = max(b.both("hour", "ampm"), hod) or max(b.stamp("hour"), b.stamp("ampm"))
    hours = b.get("hour") + 12 * b.get("ampm") if best and best != hod else b.get("hod")
    time_ms = ((hours * 60 + b.get("minute")) * 60 + b.get("second")) * 1000 + b.get("ms")
    day_shift, time_ms = divmod(time_ms, _DAY_MS)
    era = b.get("era", 1)
    compute: Callable[[Callable[[int, int, int], int]], int]
    if b.stamp("week_year") > b.stamp("year"):  # a week date: the famous YYYY-MM-dd trap
        year = b.get("week_year") if era else 1 - b.get("week_year")
        mode = "woy"
        compute = partial(_week_date, year, b.get("woy", 1), b.get("dow", 1))
    else:
        year = b.get("year", 1970) if era else 1 - b.get("year", 1970)
        mode, month, in_year = _date_mode(b), 1, year
        if mode in ("dom", "wom", "dowim"):
            in_year, month = year + b.get("month") // 12, b.get("month") % 12 + 1
        compute = partial(_date_in, mode, b, in_year, month)
    # Java picks the calendar by the year as parsed: Julian before 1582, and for days counted from
    # New Year in 1582; otherwise Gregorian unless that lands before the cutover.
    date = compute(_jul_days if year < 1582 or (year == 1582 and mode in ("doy", "woy")) else _greg_days)
    if date < _CUTOVER and year >= 1582:
        date = compute(_jul_days)
    ms = (date + day_shift) * _DAY_MS + time_ms - b.get("zone") - b.get("dst")
    return (ms + 2**63) % 2**64 - 2**63  # Java's long arithmetic wraps


def _week_date(year: int, week: int, dow: int, days: Callable[[int, int, int], int]) -> int:
    if not 1 <= dow <= 7:  # an out-of-range 'u' rolls into the neighbouring weeks, ISO-numbered
        if dow >= 8:
            week, dow = week + (dow - 1) // 7, (dow - 1) % 7 + 1
        else:
            while dow <= 0:
                dow, week = dow + 7, week - 1
        dow = 1 if dow == 7 else dow + 1
    return _week_one(days(year, 1, 1)) + (dow - 1) % 7 + 7 * (week - 1)


def _date_mode(b: _Builder) -> str:
    """Which fields name the day (Java's GregorianCalendar.selectFields)."""
    dom, doy = b.stamp("dom"), b.stamp("doy")
    wom, dowim, woy = b.both("wom", "dow"), b.both("dowim", "dow"), b.both("woy", "dow")
    best = max(dom, wom, dowim, doy, woy)
    if not best:
        wom, woy = b.stamp("wom"), b.stamp("woy")
        dowim = max(b.stamp("dowim"), b.stamp("dow"))
        best = max(wom, dowim, woy)
        if not best:
            best = dom = b.stamp("month")
    if best == dom:
        return "dom"
    in_month = (best == wom and b.stamp("wom") >= b.stamp("woy")) or (
        best == dowim and b.stamp("dowim") >= b.stamp("woy")
    )
    if in_month:
        if wom == dowim:
            return "wom" if b.stamp("wom") >= b.stamp("dowim") else "dowim"
        return "wom" if best == wom else "dowim"
    return "doy" if best == doy else "woy"


def _date_in(mode: str, b: _Builder, year: int, month: int, days: Callable[[int, int, int], int]) -> int:
    first = days(year, month, 1)
    dow = b.get("dow", 1)
    match mode:
        case "dom":
            return first + b.get("dom", 1) - 1
        case "wom":
            start = _on_or_before(_week_one(first) + 6, dow) if "dow" in b.values else _week_one(first)
            return start + 7 * (b.get("wom") - 1)
        case "dowim":
            nth = b.get("dowim", 1)
            if nth >= 0:
                return _on_or_before(first + 7 * nth - 1, dow)
            length = days(year + month // 12, month % 12 + 1, 1) - first
            return _on_or_before(first + length + 7 * (nth + 1) - 1, dow)
        case "doy":
            return first + b.get("doy") - 1
    start = _week_one(first)
    if "dow" in b.values and dow != 1:
        start = _on_or_before(start + 6, dow)
    return start + 7 * (b.get("woy") - 1)


# --- helpers -------------------------------------------------------------------------------------


def to_millis(when: datetime) -> int:
    """Epoch milliseconds of a datetime (a naive one is taken as UTC), truncated as Java's Date."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (when - _EPOCH) // timedelta(milliseconds=1)


def from_millis(ms: int) -> datetime:
    """The UTC datetime of epoch milliseconds; ValueError outside Python's years 1 to 9999."""
    try:
        return _EPOCH + timedelta(milliseconds=ms)
    except OverflowError as exc:
        raise ValueError(f"{ms} ms since the epoch is outside the years 1 to 9999") from exc


def compile_date_format(pattern: str, key: str) -> JavaDateFormat:
    """A compiled pattern, or ConfigError naming ``key`` (the config key holding it)."""
    try:
        return JavaDateFormat(pattern)
    except DatePatternError as exc:
        raise ConfigError(key, pattern, str(exc)) from None
