"""The keys a connector config grows for each alias in ``transforms`` and ``predicates``.

As in Kafka Connect, every alias ``a`` of ``transforms`` gets a required ``transforms.a.type`` (the
transformation's class, in group ``Transforms: a``), and likewise for ``predicates``; a class that
is installed would add its own keys under the same prefix. connectd ships no transformations or
predicates yet, so a configured alias is reported as ``Class ... could not be found.``, which is
the truth: such a connector could not run.
"""

from __future__ import annotations

from collections.abc import Mapping

from connectd.api.config import ConfigDef, ConfigType, Importance, Validator, Width, parse_value
from connectd.api.errors import ConfigError
from connectd.plugins.registry import PluginRegistry
from connectd.runtime import connector_config as cc

# (list key, group, kind as Kafka names it, registry plugin type)
_ALIASED = (
    ("transforms", cc.TRANSFORMS_GROUP, "Transformation", "transformation"),
    ("predicates", cc.PREDICATES_GROUP, "Predicate", "predicate"),
)


def _plugin_class(registry: PluginRegistry, plugin_type: str) -> Validator:
    def check(name: str, value: object) -> None:
        plugin = registry.find(str(value))
        if plugin is None or plugin.type != plugin_type:
            raise ConfigError(name, value, f"Class {value} could not be found.")

    return check


def alias_def(config: Mapping[str, str | None], registry: PluginRegistry) -> ConfigDef:
    """The ``<list>.<alias>.type`` keys for the aliases ``config`` names (none when it names none)."""
    definition = ConfigDef()
    for list_key, group, kind, plugin_type in _ALIASED:
        try:
            aliases = parse_value(list_key, ConfigType.LIST, config.get(list_key)) or []
        except ConfigError:
            continue  # reported on the list key itself
        for alias in dict.fromkeys(aliases):
            definition.define(
                f"{list_key}.{alias}.type",
                ConfigType.CLASS,
                validator=_plugin_class(registry, plugin_type),
                importance=Importance.HIGH,
                documentation=f"Class for the '{alias}' {kind.lower()}.",
                group=f"{group}: {alias}",
                order_in_group=0,
                width=Width.LONG,
                display_name=f"{kind} type for {alias}",
            )
    return definition
