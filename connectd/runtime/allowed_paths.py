"""Which local paths a config may make the worker read: Kafka's ``allowed.paths`` (KIP-993).

Used by the file and directory config providers (their ``allowed.paths`` parameter) and by the client
override guard (``connector.client.config.allowed.paths``). A path is allowed when, once ``.`` and
``..`` are normalized away, it lies under one of the allowed paths (component-wise: ``/etc/secrets``
does not allow ``/etc/secrets-old``). Beyond Kafka, which compares normalized paths only, the path
with its symbolic links resolved must lie under an allowed path with its own links resolved, so a
link inside an allowed directory cannot lead out of it (Kubernetes secret volumes, whose links stay
inside the mounted directory, work unchanged).
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterable

from connectd.api.errors import ConfigError


def _within(path: str, base: str) -> bool:
    return path == base or path.startswith(base.rstrip("/") + "/")


class AllowedPaths:
    """``None`` (no ``allowed.paths`` given) allows every path, as in Kafka; an empty list none."""

    def __init__(self, paths: Iterable[str] | None) -> None:
        self.paths: tuple[str, ...] | None = None if paths is None else tuple(paths)

    @classmethod
    def parse(cls, key: str, value: str | None) -> AllowedPaths:
        """Kafka's rules for the config value: comma-separated, each absolute and existing; unset or
        empty allows everything. Raises :class:`ConfigError` naming ``key``."""
        if value is None or not value.strip():
            return cls(None)
        return cls(cls.checked(key, value.split(",")))

    @staticmethod
    def checked(key: str, entries: Iterable[str]) -> list[str]:
        paths: list[str] = []
        for entry in entries:
            entry = entry.strip()
            if not entry:
                continue
            normalized = posixpath.normpath(entry)
            if not posixpath.isabs(normalized):
                raise ConfigError(key, entry, f"Path {normalized} is not absolute")
            if not os.path.exists(normalized):
                raise ConfigError(key, entry, f"Path {normalized} does not exist")
            paths.append(normalized)
        return paths

    @property
    def restricted(self) -> bool:
        return self.paths is not None

    def allows(self, path: str) -> str | None:
        """The normalized path when it may be read, else None."""
        normalized = posixpath.normpath(path) if path else path
        if self.paths is None:
            return normalized
        if not normalized or not posixpath.isabs(normalized):
            return None
        if not any(_within(normalized, allowed) for allowed in self.paths):
            return None
        real = os.path.realpath(normalized)
        if not any(_within(real, os.path.realpath(allowed)) for allowed in self.paths):
            return None
        return normalized

    def describe(self) -> str:
        return "every path" if self.paths is None else ",".join(self.paths) or "(none)"
