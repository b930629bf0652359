"""Config providers (Kafka's KIP-297): where ``${provider:path:key}`` placeholders get their values.

A worker names its providers (``config.providers=file,env``), gives each a class
(``config.providers.file.class``) and parameters (``config.providers.file.param.allowed.paths``). A
connector config then holds placeholders instead of secrets; they are stored and shown as written and
replaced by the provider's values only on the worker, when a connector or task starts.

A provider of secrets kept in a vault, in a few lines::

    from connectd.api import ConfigProvider

    class VaultConfigProvider(ConfigProvider):
        def configure(self, params):
            self.client = vault_client(params["url"], params["token"])

        def get(self, path, keys):
            secret = self.client.read(path)  # ${vault:secret/db:password}
            return {k: secret[k] for k in keys if k in secret}

``config.providers.vault.class`` then names it by its import path (``mypackage.VaultConfigProvider``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Set


class ConfigProvider(ABC):
    """Looks up values for placeholders; one instance per name in ``config.providers``, shared by every
    connector and task of the worker (and called from several threads)."""

    def configure(self, params: Mapping[str, str]) -> None:
        """Called once, with the ``config.providers.<name>.param.*`` keys, prefix removed. Raise
        :class:`~connectd.api.ConfigError` for an invalid parameter: the worker does not start."""

    @abstractmethod
    def get(self, path: str, keys: Set[str]) -> dict[str, str]:
        """The values of ``keys`` at ``path`` (``""`` when the placeholder has no path, as in
        ``${env:HOME}``). A key missing from the result stays unresolved: the connector or task that
        needs it fails to start, its error naming the placeholder. Raise to refuse the whole path;
        the message is shown in the error, so it must not contain a value."""

    def close(self) -> None:
        """Release what ``configure`` acquired; called when the worker stops."""
