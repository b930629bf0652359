"""The plugin list of ``GET /connector-plugins`` and the plugin check of ``.../config/validate``:
one rule for the standalone worker, a distributed worker's registration and the gateway."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from connectd.errors import BadRequestError
from connectd.plugins.registry import PluginRegistry
from connectd.runtime import connector_config as cc
from connectd.runtime.model import PluginInfo

_PLUGIN_ORDER = ("sink", "source", "converter", "header_converter", "transformation", "predicate")


def list_plugins(registry: PluginRegistry, connectors_only: bool) -> list[PluginInfo]:
    """Every plugin of a registry; converters are listed as header converters too, as Kafka does."""
    infos = [PluginInfo(p.class_name, p.type, p.version) for p in registry.plugins(("sink", "source"))]
    converters = registry.plugins(("converter",))
    infos += [PluginInfo(p.class_name, "converter", p.version) for p in converters]
    infos += [PluginInfo(p.class_name, "header_converter", p.version) for p in converters]
    infos += [
        PluginInfo(p.class_name, p.type, p.version) for p in registry.plugins(("transformation", "predicate"))
    ]
    return sort_plugins(infos, connectors_only)


def sort_plugins(plugins: Iterable[PluginInfo], connectors_only: bool) -> list[PluginInfo]:
    """Connect's order: sinks, sources, converters, header converters, transformations, predicates,
    each by class name."""
    wanted = _PLUGIN_ORDER[:2] if connectors_only else _PLUGIN_ORDER
    unique = {(p.type, p.class_name): p for p in plugins if p.type in wanted}
    return sorted(unique.values(), key=lambda p: (wanted.index(p.type), p.class_name))


def check_validate_request(plugin: str, config: Mapping[str, str | None]) -> None:
    """``PUT /connector-plugins/{plugin}/config/validate``: the body's class must match the path."""
    class_name = config.get(cc.CONNECTOR_CLASS)
    if not class_name:
        return
    body = class_name.removesuffix("Connector")
    path = plugin.removesuffix("Connector")
    if not body.endswith(path):
        raise BadRequestError(f"Included connector type {class_name} does not match request type {plugin}")
