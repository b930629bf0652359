"""The keys a connector config grows for each alias in ``transforms`` and ``predicates``.

As in Kafka Connect, every alias ``a`` of ``transforms`` gets a required ``transforms.a.type`` (the
transformation's class), then the implicit ``transforms.a.predicate`` and ``transforms.a.negate``,
then the class's own keys under the same prefix, all in group ``Transforms: a``; likewise for
``predicates`` (without the implicit keys). :func:`check_alias_plugins` then configures each
plugin whose keys are valid, so a value only its ``configure`` can judge is refused at validation,
not when a task starts.
"""

from __future__ import annotations

from collections.abc import Mapping

from connectd.api.config import ConfigDef, ConfigType, ConfigValue, Importance, Validator, Width, parse_value
from connectd.api.errors import ConfigError
from connectd.plugins.registry import PluginRegistry
from connectd.runtime import connector_config as cc
from connectd.runtime.pipeline.transformation_chain import (
    NEGATE,
    PREDICATE,
    PREDICATES,
    TRANSFORMS,
    negate_without_predicate,
    undefined_predicate,
)

# (list key, group, kind as Kafka names it, registry plugin type)
_ALIASED = (
    (TRANSFORMS, cc.TRANSFORMS_GROUP, "Transformation", "transformation"),
    (PREDICATES, cc.PREDICATES_GROUP, "Predicate", "predicate"),
)


def _aliases(config: Mapping[str, str | None], list_key: str) -> list[str]:
    try:
        return list(dict.fromkeys(parse_value(list_key, ConfigType.LIST, config.get(list_key)) or []))
    except ConfigError:
        return []  # reported on the list key itself


def _type_check(
    registry: PluginRegistry, plugin_type: str, config: Mapping[str, str | None], prefix: str
) -> Validator:
    def check(name: str, value: object) -> None:
        if plugin_type == "transformation" and prefix + NEGATE in config and prefix + PREDICATE not in config:
            raise ConfigError(name, value, negate_without_predicate(prefix))
        plugin = registry.find(str(value))
        if plugin is None or plugin.type != plugin_type:
            raise ConfigError(name, value, f"Class {value} could not be found.")

    return check


def _predicate_check(predicates: list[str]) -> Validator:
    def check(name: str, value: object) -> None:
        if value is not None and str(value) not in predicates:
            raise ConfigError(name, value, undefined_predicate(str(value)))

    return check


def alias_def(config: Mapping[str, str | None], registry: PluginRegistry) -> ConfigDef:
    """The keys of every alias ``config`` names (none when it names none)."""
    definition = ConfigDef()
    predicates = _aliases(config, PREDICATES)
    for list_key, group_name, kind, plugin_type in _ALIASED:
        for alias in _aliases(config, list_key):
            prefix = f"{list_key}.{alias}."
            group = f"{group_name}: {alias}"
            definition.define(
                prefix + "type",
                ConfigType.CLASS,
                validator=_type_check(registry, plugin_type, config, prefix),
                importance=Importance.HIGH,
                documentation=f"Class for the '{alias}' {kind.lower()}.",
                group=group,
                order_in_group=0,
                width=Width.LONG,
                display_name=f"{kind} type for {alias}",
            )
            plugin = registry.find(str(config.get(prefix + "type") or ""))
            if plugin is None or plugin.type != plugin_type:
                continue
            own = ConfigDef()
            if plugin_type == "transformation":
                own.define(
                    PREDICATE,
                    ConfigType.STRING,
                    None,
                    validator=_predicate_check(predicates),
                    importance=Importance.MEDIUM,
                    documentation=(
                        "The alias of a predicate used to determine whether to apply this transformation."
                    ),
                )
                own.define(
                    NEGATE,
                    ConfigType.BOOLEAN,
                    False,
                    importance=Importance.MEDIUM,
                    documentation="Whether the configured predicate should be negated.",
                )
            # The implicit keys mask a plugin's own keys of the same name, as in Kafka.
            own = own.merged(plugin.cls.config_def().without(PREDICATE, NEGATE))
            definition = definition.merged(own.embedded(prefix, group, 1))
    return definition


def check_alias_plugins(
    config: Mapping[str, str | None], registry: PluginRegistry, values: dict[str, ConfigValue]
) -> None:
    """Configure each transformation and predicate whose keys validated; a ConfigError from its
    ``configure`` is reported on the key it names (or on its ``type`` key)."""
    for list_key, _, _, plugin_type in _ALIASED:
        for alias in _aliases(config, list_key):
            prefix = f"{list_key}.{alias}."
            own = [v for name, v in values.items() if name.startswith(prefix)]
            if not own or any(v.errors for v in own):
                continue
            plugin = registry.find(str(config.get(prefix + "type") or ""))
            if plugin is None or plugin.type != plugin_type:
                continue
            sub = {k[len(prefix) :]: v for k, v in config.items() if k.startswith(prefix) and v is not None}
            sub.pop(PREDICATE, None)
            sub.pop(NEGATE, None)
            try:
                instance = plugin.cls()
                instance.configure(sub)
                instance.close()
            except ConfigError as exc:
                key = exc.name if exc.name in values else prefix + exc.name
                target = values.get(key) or values[prefix + "type"]
                target.add_error(str(exc))
            except Exception as exc:
                values[prefix + "type"].add_error(f"{type(exc).__name__}: {exc}")
