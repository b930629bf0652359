"""Kafka's three built-in config providers, with Kafka's parameters and lookups.

- ``FileConfigProvider``: ``${file:/path/to/file.properties:key}``, a key of a Java properties file.
- ``DirectoryConfigProvider``: ``${dir:/path/to/dir:name}``, the whole content of the file ``name`` in
  the directory (Kubernetes secret volumes), unstripped as in Kafka.
- ``EnvVarConfigProvider``: ``${env:VAR}`` (or ``${env::VAR}``), an environment variable of the worker,
  read once when the provider is configured.

File and directory take ``allowed.paths`` (KIP-993, see :mod:`connectd.runtime.allowed_paths`), the
environment ``allowlist.pattern`` (a regular expression a variable's whole name must match; default
every variable). Where Kafka logs a refused path and resolves nothing, these raise with the reason, so
the error of the task that needed the value says why.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Set
from pathlib import Path

from connectd.api.config_provider import ConfigProvider
from connectd.api.errors import ConfigError, ConnectError
from connectd.config import parse_properties
from connectd.runtime.allowed_paths import AllowedPaths

ALLOWED_PATHS = "allowed.paths"
ALLOWLIST_PATTERN = "allowlist.pattern"


class _PathProvider(ConfigProvider):
    def __init__(self) -> None:
        self._allowed: AllowedPaths | None = None

    def configure(self, params: Mapping[str, str]) -> None:
        self._allowed = AllowedPaths.parse(ALLOWED_PATHS, params.get(ALLOWED_PATHS))

    def _checked(self, path: str) -> Path:
        if self._allowed is None:
            raise ConnectError("The provider has not been configured yet.")
        allowed = self._allowed.allows(path)
        if allowed is None:
            raise ConnectError(f"the path {path} is not allowed ({ALLOWED_PATHS}={self._allowed.describe()})")
        return Path(allowed)


class FileConfigProvider(_PathProvider):
    aliases = ("org.apache.kafka.common.config.provider.FileConfigProvider", "file")

    def get(self, path: str, keys: Set[str]) -> dict[str, str]:
        if not path:
            return {}
        file = self._checked(path)
        try:
            text = file.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConnectError(f"Could not read properties from file {path}: {exc.strerror}") from None
        properties = parse_properties(text)
        return {key: properties[key] for key in keys if key in properties}


class DirectoryConfigProvider(_PathProvider):
    aliases = ("org.apache.kafka.common.config.provider.DirectoryConfigProvider", "dir", "directory")

    def get(self, path: str, keys: Set[str]) -> dict[str, str]:
        if not path:
            return {}
        directory = self._checked(path)
        if not directory.is_dir():
            raise ConnectError(f"The path {path} is not a directory")
        values: dict[str, str] = {}
        for key in keys:
            # Kafka matches keys against the names of the directory's regular files: a key is never a
            # path, so "../x" or "a/b" find nothing.
            if not key or "/" in key or key in (".", ".."):
                continue
            file = directory / key
            if not file.is_file() or self._allowed is None or self._allowed.allows(str(file)) is None:
                continue
            try:
                values[key] = file.read_text(encoding="utf-8")
            except OSError as exc:
                raise ConnectError(f"Could not read file {file} for property {key}: {exc.strerror}") from None
        return values


class EnvVarConfigProvider(ConfigProvider):
    aliases = ("org.apache.kafka.common.config.provider.EnvVarConfigProvider", "env")

    def __init__(self, environment: Mapping[str, str] | None = None) -> None:
        self._environment = dict(os.environ if environment is None else environment)
        self._visible: dict[str, str] | None = None

    def configure(self, params: Mapping[str, str]) -> None:
        raw = params.get(ALLOWLIST_PATTERN)
        try:
            pattern = re.compile(".*" if raw is None else raw)
        except re.error as exc:
            raise ConfigError(ALLOWLIST_PATTERN, raw, f"Invalid regular expression: {exc}") from None
        self._visible = {k: v for k, v in self._environment.items() if pattern.fullmatch(k)}

    def get(self, path: str, keys: Set[str]) -> dict[str, str]:
        if self._visible is None:
            raise ConnectError("The provider has not been configured yet.")
        if path:
            raise ConnectError(f"Path is not supported for EnvVarConfigProvider, invalid value '{path}'")
        return {key: self._visible[key] for key in keys if key in self._visible}


BUILT_IN_PROVIDERS: tuple[type[ConfigProvider], ...] = (
    FileConfigProvider,
    DirectoryConfigProvider,
    EnvVarConfigProvider,
)
