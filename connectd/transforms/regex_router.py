"""RegexRouter: rename a record's topic with a Java regex and replacement (Kafka's ``RegexRouter``).

A topic the regex matches as a whole is renamed to the first match's replacement, as Java's
``Matcher.matches()`` then ``replaceFirst(replacement)`` do; other topics pass unchanged. Java's
regex and replacement syntax are read here too (``$1``, ``${name}``, ``\\$``, ``(?<name>...)``,
``\\Q...\\E``, ASCII ``\\d``/``\\w``/``\\s`` and the ASCII ``\\p{Alpha}``-style classes), so configs
written for Kafka keep working. The regex helpers serve TopicNameMatches too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from connectd.api.config import ConfigDef, ConfigType, Importance
from connectd.api.errors import ConfigError, DataError
from connectd.api.transforms import R, new_record
from connectd.transforms.builtin import BuiltinTransformation

REGEX = "regex"
REPLACEMENT = "replacement"

# Java's ASCII POSIX classes, as the inside of a Python character class.
_POSIX_CLASSES = {
    "Lower": "a-z",
    "Upper": "A-Z",
    "ASCII": "\\x00-\\x7f",
    "Alpha": "a-zA-Z",
    "Digit": "0-9",
    "Alnum": "a-zA-Z0-9",
    "Punct": re.escape("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"),
    "Graph": "!-~",
    "Print": " -~",
    "Blank": " \\t",
    "Cntrl": "\\x00-\\x1f\\x7f",
    "XDigit": "0-9a-fA-F",
    "Space": " \\t\\n\\x0b\\f\\r",
}
_POSIX = re.compile(r"\\([pP])\{(?:Is)?(\w+)\}")


def _translate(pattern: str) -> str:
    """Java regex syntax that Python's ``re`` spells differently, rewritten; the rest is shared."""
    out: list[str] = []
    i, in_class = 0, 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            if nxt == "Q":  # \Q...\E quotes everything in between
                end = pattern.find("\\E", i + 2)
                end = len(pattern) if end < 0 else end
                out.append(re.escape(pattern[i + 2 : end]))
                i = end + 2
                continue
            posix = _POSIX.match(pattern, i)
            if posix and posix.group(2) in _POSIX_CLASSES:
                inside = _POSIX_CLASSES[posix.group(2)]
                negate = "^" if posix.group(1) == "P" else ""
                out.append(inside if in_class and not negate else f"[{negate}{inside}]")
                i = posix.end()
                continue
            named_ref = re.match(r"\\k<([A-Za-z][A-Za-z0-9]*)>", pattern[i:])
            if named_ref:
                out.append(f"(?P={named_ref.group(1)})")
                i += named_ref.end()
                continue
            # \z is Python's \Z; Java's \Z also allows one final line terminator.
            out.append({"z": "\\Z", "Z": "(?=\\n?\\Z)"}.get(nxt, c + nxt))
            i += 2
            continue
        if c == "[":
            in_class += 1
        elif c == "]" and in_class:
            in_class -= 1
        elif c == "(" and not in_class and re.match(r"\(\?<[A-Za-z]", pattern[i:]):
            out.append("(?P<")  # a named group; (?<= and (?<! are lookbehinds in both
            i += 3
            continue
        out.append(c)
        i += 1
    return "".join(out)


def compile_java_regex(pattern: str) -> re.Pattern[str]:
    """Compile a Java regex; ``re.error`` when Python cannot read it. ASCII classes, as Java's."""
    return re.compile(_translate(pattern), re.ASCII)


def regex_validator(name: str, value: Any) -> None:
    """Kafka's ``RegexValidator``."""
    try:
        compile_java_regex(str(value))
    except (re.error, TypeError) as exc:
        raise ConfigError(name, value, f"Invalid regex: {exc}") from None


def _parse_replacement(text: str, regex: re.Pattern[str]) -> list[str | int]:
    """Java's replacement syntax as literal strings and group numbers; raises ValueError with the
    message Java's ``Matcher`` gives for the same mistake."""
    parts: list[str | int] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            if i + 1 == len(text):
                raise ValueError("character to be escaped is missing")
            parts.append(text[i + 1])
            i += 2
        elif c != "$":
            parts.append(c)
            i += 1
        elif i + 1 == len(text):
            raise ValueError("Illegal group reference: group index is missing")
        elif text[i + 1] == "{":
            name = re.match(r"[A-Za-z0-9]*", text[i + 2 :])
            gname = name.group() if name else ""
            end = i + 2 + len(gname)
            if not gname:
                raise ValueError("named capturing group has 0 length name")
            if end >= len(text) or text[end] != "}":
                raise ValueError("named capturing group is missing trailing '}'")
            if gname[0].isdigit():
                raise ValueError(f"capturing group name {{{gname}}} starts with digit character")
            if gname not in regex.groupindex:
                raise ValueError(f"No group with name {{{gname}}}")
            parts.append(regex.groupindex[gname])
            i = end + 1
        elif not "0" <= text[i + 1] <= "9":
            raise ValueError("Illegal group reference")
        else:
            # The first digit is always a group; later digits join while the group exists.
            number, i = int(text[i + 1]), i + 2
            while i < len(text) and "0" <= text[i] <= "9" and number * 10 + int(text[i]) <= regex.groups:
                number, i = number * 10 + int(text[i]), i + 1
            if number > regex.groups:
                raise ValueError(f"No group {number}")
            parts.append(number)
    return parts


class RegexRouter(BuiltinTransformation):
    """Update the record topic using the configured regular expression and replacement string."""

    aliases = ("org.apache.kafka.connect.transforms.RegexRouter",)

    @classmethod
    def config_def(cls) -> ConfigDef:
        return (
            ConfigDef()
            .define(
                REGEX,
                ConfigType.STRING,
                validator=regex_validator,
                importance=Importance.HIGH,
                documentation="Regular expression to use for matching.",
            )
            .define(
                REPLACEMENT,
                ConfigType.STRING,
                importance=Importance.HIGH,
                documentation="Replacement string.",
            )
        )

    def configure(self, config: Mapping[str, str]) -> None:
        parsed = self.config_def().parse(config)
        self._regex = compile_java_regex(parsed[REGEX])
        # Java reads the replacement only once a topic matches; so does apply(), through these.
        self._parts: list[str | int] = []
        self._replacement_error: str | None = None
        try:
            self._parts = _parse_replacement(parsed[REPLACEMENT], self._regex)
        except ValueError as exc:
            self._replacement_error = str(exc)

    def apply(self, record: R) -> R:
        topic = record.topic
        if self._regex.fullmatch(topic) is None:
            return record
        if self._replacement_error is not None:
            raise DataError(self._replacement_error)
        # replaceFirst searches again from the start: the first match need not be the whole topic.
        first = self._regex.search(topic)
        assert first is not None  # a full match exists, so a first match does
        expanded = "".join(p if isinstance(p, str) else first.group(p) or "" for p in self._parts)
        return new_record(record, topic=topic[: first.start()] + expanded + topic[first.end() :])
