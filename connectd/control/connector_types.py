"""``connector.class`` -> source or sink, from the plugins workers advertise: the one alias rule.

A connector class answers to its full name, its simple name and its simple name without
``Connector`` (Kafka's rule), plus the Java class names it declares as aliases.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from connectd.runtime.model import ConnectorType, PluginInfo


def connector_aliases(plugin: PluginInfo) -> tuple[str, ...]:
    simple = plugin.class_name.rsplit(".", 1)[-1]
    return (plugin.class_name, simple, simple.removesuffix("Connector"))


def connector_type_of(class_name: str, plugins: Iterable[PluginInfo]) -> ConnectorType:
    for plugin in plugins:
        if plugin.type in ("source", "sink") and class_name in connector_aliases(plugin):
            return ConnectorType(plugin.type)
    return ConnectorType.UNKNOWN


class ConnectorTypes:
    """Resolves ``connector.class`` against several workers' plugin lists (the first that knows it
    wins); rebuilt only when a list changed, since a status listing resolves one per connector."""

    def __init__(self) -> None:
        self._lists: tuple[Sequence[PluginInfo], ...] = ()
        self._types: dict[str, ConnectorType] = {}

    def resolve(self, class_name: str, plugin_lists: Sequence[Sequence[PluginInfo]]) -> ConnectorType:
        lists = tuple(plugin_lists)
        if len(lists) != len(self._lists) or any(a is not b for a, b in zip(lists, self._lists, strict=True)):
            types: dict[str, ConnectorType] = {}
            for plugins in lists:
                for plugin in plugins:
                    if plugin.type in ("source", "sink"):
                        for alias in connector_aliases(plugin):
                            types.setdefault(alias, ConnectorType(plugin.type))
            self._lists, self._types = lists, types
        return self._types.get(class_name, ConnectorType.UNKNOWN)
