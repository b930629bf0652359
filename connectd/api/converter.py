"""Converters turn Connect data into the bytes stored in Kafka, and back."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any

from connectd.api.config import ConfigDef
from connectd.api.schema import Schema, SchemaAndValue


class Converter(ABC):
    """Configured once per connector for keys (``is_key``) and once for values."""

    aliases: tuple[str, ...] = ()

    @classmethod
    def config_def(cls) -> ConfigDef:
        return ConfigDef()

    def configure(self, config: Mapping[str, str], is_key: bool) -> None:
        """``config`` holds the ``key.converter.``/``value.converter.`` sub-configs, prefix removed."""

    @abstractmethod
    def from_connect(self, topic: str, schema: Schema | None, value: Any) -> bytes | None: ...

    @abstractmethod
    def to_connect(self, topic: str, data: bytes | None) -> SchemaAndValue: ...

    def from_connect_batch(
        self, topic: str, schema: Schema | None, values: Sequence[Any]
    ) -> list[bytes | None]:
        """``from_connect`` of each value, all of one topic and schema (the runtime converts a polled
        batch at once). Override it when a batch converts faster than its values one by one."""
        return [self.from_connect(topic, schema, value) for value in values]

    def to_connect_batch(
        self, topic: str, data: Sequence[bytes | None]
    ) -> tuple[list[Schema | None], list[Any]]:
        """``to_connect`` of each message of ``topic`` (a consumed batch), as the schemas and the
        values. Override it when a batch converts faster than its messages one by one."""
        converted = [self.to_connect(topic, raw) for raw in data]
        return [c.schema for c in converted], [c.value for c in converted]

    def version(self) -> str:
        return "undefined"
