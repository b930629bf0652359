"""Converters turn Connect data into the bytes stored in Kafka, and back."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
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

    def version(self) -> str:
        return "undefined"
