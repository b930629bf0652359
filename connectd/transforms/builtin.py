"""What every built-in SMT shares: its version, a schema cache cleared on close, and a side."""

from __future__ import annotations

from abc import abstractmethod

from connectd.api.transforms import Transformation
from connectd.connector_version import BUILTIN_VERSION
from connectd.transforms.field_path import SchemaCache
from connectd.transforms.sides import Side


class BuiltinTransformation(Transformation):
    """A built-in SMT: versioned with the runtime; ``_cache`` (set in ``configure``) is freed on close."""

    _cache: SchemaCache | None = None

    def close(self) -> None:
        if self._cache is not None:
            self._cache.clear()

    def version(self) -> str:
        return BUILTIN_VERSION


class SidedTransformation(BuiltinTransformation):
    """The shared half of an SMT's ``$Key`` and ``$Value`` variants: ``side`` picks the record's part."""

    @property
    @abstractmethod
    def side(self) -> Side: ...
