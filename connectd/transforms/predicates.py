"""Kafka's built-in predicates: TopicNameMatches, HasHeaderKey and RecordIsTombstone.

A transformation runs only for records its predicate matches (``transforms.<alias>.predicate``), or
only for the others with ``negate=true``; with Filter this drops records conditionally.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from connectd.api.config import ConfigDef, ConfigType, Importance, non_empty_string
from connectd.api.errors import ConfigError
from connectd.api.transforms import ConnectRecord, Predicate
from connectd.connector_version import BUILTIN_VERSION
from connectd.transforms.regex_router import compile_java_regex, regex_validator

PATTERN = "pattern"
NAME = "name"


def _non_empty_regex(name: str, value: Any) -> None:
    """Kafka's ``CompositeValidator.of(new NonEmptyString(), new RegexValidator())``."""
    non_empty_string(name, value)
    regex_validator(name, value)


class TopicNameMatches(Predicate):
    """A predicate which is true for records with a topic name that matches the configured regular
    expression."""

    aliases = ("org.apache.kafka.connect.transforms.predicates.TopicNameMatches",)

    @classmethod
    def config_def(cls) -> ConfigDef:
        return ConfigDef().define(
            PATTERN,
            ConfigType.STRING,
            validator=_non_empty_regex,
            importance=Importance.MEDIUM,
            documentation="A Java regular expression for matching against the name of a record's topic.",
        )

    def configure(self, config: Mapping[str, str]) -> None:
        text = self._text = self.config_def().parse(config)[PATTERN]
        try:
            self._pattern = compile_java_regex(text)
        except re.error as exc:  # the validator has already refused it; kept for Kafka's message
            raise ConfigError(
                PATTERN, text, f"entry must be a Java-compatible regular expression: {exc}"
            ) from None

    def test(self, record: ConnectRecord) -> bool:
        return record.topic is not None and self._pattern.fullmatch(record.topic) is not None

    def version(self) -> str:
        return BUILTIN_VERSION

    def __repr__(self) -> str:
        return f"TopicNameMatches{{pattern={getattr(self, '_text', None)}}}"


class HasHeaderKey(Predicate):
    """A predicate which is true for records with at least one header with the configured name."""

    aliases = ("org.apache.kafka.connect.transforms.predicates.HasHeaderKey",)

    @classmethod
    def config_def(cls) -> ConfigDef:
        return ConfigDef().define(
            NAME,
            ConfigType.STRING,
            validator=non_empty_string,
            importance=Importance.MEDIUM,
            documentation="The header name.",
        )

    def configure(self, config: Mapping[str, str]) -> None:
        self._name: str = self.config_def().parse(config)[NAME]

    def test(self, record: ConnectRecord) -> bool:
        return any(header.key == self._name for header in record.headers)

    def version(self) -> str:
        return BUILTIN_VERSION

    def __repr__(self) -> str:
        return f"HasHeaderKey{{name='{getattr(self, '_name', None)}'}}"


class RecordIsTombstone(Predicate):
    """A predicate which is true for records which are tombstones (i.e. have null value)."""

    aliases = ("org.apache.kafka.connect.transforms.predicates.RecordIsTombstone",)

    def test(self, record: ConnectRecord) -> bool:
        return record.value is None

    def version(self) -> str:
        return BUILTIN_VERSION

    def __repr__(self) -> str:
        return "RecordIsTombstone{}"
