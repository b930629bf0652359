"""DropHeaders: remove every header with one of the configured names (Kafka's ``DropHeaders``)."""

from __future__ import annotations

from collections.abc import Mapping

from connectd.api.config import ConfigDef, ConfigType, Importance
from connectd.api.transforms import R, new_record
from connectd.transforms.builtin import BuiltinTransformation
from connectd.transforms.field_path import non_empty_list

HEADERS = "headers"


class DropHeaders(BuiltinTransformation):
    """Removes one or more headers from each record."""

    aliases = ("org.apache.kafka.connect.transforms.DropHeaders",)

    @classmethod
    def config_def(cls) -> ConfigDef:
        return ConfigDef().define(
            HEADERS,
            ConfigType.LIST,
            validator=non_empty_list,
            importance=Importance.HIGH,
            documentation="The name of the headers to be removed.",
        )

    def configure(self, config: Mapping[str, str]) -> None:
        self._names = frozenset(self.config_def().parse(config)[HEADERS])

    def apply(self, record: R) -> R:
        # A new list either way: the input record's headers are never touched.
        kept = [header for header in record.headers if header.key not in self._names]
        return new_record(record, headers=kept)
