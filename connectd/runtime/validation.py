"""The connector config validation pipeline behind ``config/validate``, create and update.

Order, as Kafka Connect runs it: connector class present and loadable; framework keys for the
connector's type; the sink ``topics``/``topics.regex`` rule; the connector's own ``validate()``;
converter sub-configs for converters the config names. The result is Connect's ``ConfigInfos`` JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectd.api.config import ConfigDef, ConfigKey, ConfigValue
from connectd.errors import BadRequestError, NotFoundError
from connectd.plugins.registry import PluginRegistry, UnknownPluginError
from connectd.runtime import connector_config as cc


def java_map_string(config: Mapping[str, Any]) -> str:
    """``{k=v, k2=v2}``: how Kafka prints a config map in its messages."""
    return "{" + ", ".join(f"{k}={v}" for k, v in config.items()) + "}"


class ConnectorConfigValidator:
    def __init__(self, registry: PluginRegistry) -> None:
        self._registry = registry

    def validate(self, config: Mapping[str, str | None]) -> dict[str, Any]:
        """``ConfigInfos`` for a config. Raises BadRequestError if the class is missing or unknown."""
        class_name = config.get(cc.CONNECTOR_CLASS)
        if not class_name:
            raise BadRequestError(f"Connector config {java_map_string(config)} contains no connector type")
        connector_cls = self._registry.connector_class(class_name)
        connector_type = self._registry.connector_type(class_name)
        connector = connector_cls()

        framework = cc.framework_def(connector_type, dict(config))
        framework_values = framework.validate(config)
        if connector_type == "sink":
            _check_sink_topics(config, framework_values)
        for key in cc.CONVERTER_KEYS:
            if config.get(key):
                try:
                    self._registry.converter_class(str(config[key]), key)
                except UnknownPluginError as exc:
                    framework_values[key].add_error(str(exc))

        entries: list[tuple[ConfigKey | None, ConfigValue]] = [
            (framework.keys[name], value) for name, value in framework_values.items()
        ]
        plugin_def = connector.config_def()
        plugin_values = connector.validate({k: v for k, v in config.items()})
        framework_names = set(framework.keys)
        for name, value in plugin_values.items():
            definition = plugin_def.keys.get(name)
            if name in framework_names:
                # The plugin's definition wins on a clash (as in Kafka): replace the framework entry.
                entries = [(definition or k, value) if k and k.name == name else (k, v) for k, v in entries]
                continue
            entries.append((definition, value))
        for key in cc.CONVERTER_KEYS:
            entries.extend(self._converter_entries(key, config))
        for name, raw in config.items():
            # Unknown keys are not echoed, except ones sent as JSON null (Kafka reports those).
            if raw is None and all(v.name != name for _, v in entries):
                value = ConfigValue(name)
                value.add_error("Null value can not be supplied as the configuration value.")
                entries.append((None, value))
        return _config_infos(class_name, entries)

    def _converter_entries(
        self, key: str, config: Mapping[str, str | None]
    ) -> list[tuple[ConfigKey | None, ConfigValue]]:
        class_name = config.get(key)
        if not class_name:
            return []
        try:
            converter = self._registry.converter_class(class_name, key)
        except UnknownPluginError:
            return []  # reported on the framework entry of ``key``
        prefix = f"{key}."
        definition = converter.config_def().with_prefix(prefix)
        values = definition.validate({k: v for k, v in config.items() if k.startswith(prefix)})
        return [(definition.keys[name], value) for name, value in values.items()]

    def ensure_valid(self, config: Mapping[str, str | None]) -> None:
        """Raise the 400 Kafka gives on create/update, listing every error."""
        raise_if_invalid(self.validate(config))


def config_errors(infos: Mapping[str, Any]) -> list[str]:
    """Every error message of a ``ConfigInfos`` result, in response order (empty when valid)."""
    return [e for entry in infos["configs"] if entry["value"] for e in entry["value"]["errors"]]


def raise_if_invalid(infos: Mapping[str, Any]) -> None:
    """The 400 Kafka gives on create/update, listing every error of a ``ConfigInfos`` result."""
    errors = config_errors(infos)
    if errors:
        raise BadRequestError(
            f"Connector configuration is invalid and contains the following {len(errors)} error(s):\n"
            + "".join(f"{e}\n" for e in errors)
            + "You can also find the above list of errors at the endpoint "
            "`/connector-plugins/{connectorType}/config/validate`"
        )


def _check_sink_topics(config: Mapping[str, str | None], values: dict[str, ConfigValue]) -> None:
    has_topics = bool((config.get(cc.TOPICS) or "").strip())
    has_regex = bool((config.get(cc.TOPICS_REGEX) or "").strip())
    if has_topics and has_regex:
        message = "topics and topics.regex are mutually exclusive options, but both are set."
    elif not has_topics and not has_regex:
        message = "Must configure one of topics or topics.regex"
    else:
        return
    values[cc.TOPICS].add_error(message)
    values[cc.TOPICS_REGEX].add_error(message)


def _config_infos(class_name: str, entries: list[tuple[ConfigKey | None, ConfigValue]]) -> dict[str, Any]:
    groups: list[str] = []
    configs: list[dict[str, Any]] = []
    error_count = 0
    for definition, value in entries:
        if definition is not None and definition.group and definition.group not in groups:
            groups.append(definition.group)
        if definition is not None:
            value.type = definition.type
        error_count += len(value.errors)
        configs.append({"definition": definition.to_info() if definition else None, "value": value.to_info()})
    return {"name": class_name, "error_count": error_count, "groups": groups, "configs": configs}


def plugin_config_keys(registry: PluginRegistry, plugin: str) -> list[dict[str, Any]]:
    """``GET /connector-plugins/{plugin}/config``: the plugin's keys, then the framework's."""
    found = registry.find(plugin)
    if found is None:
        raise NotFoundError(f"Unknown plugin {plugin}.")
    if found.type in ("source", "sink"):
        definition: ConfigDef = found.cls().config_def().merged(cc.framework_def(found.type))
    else:
        definition = found.cls.config_def()
    return [key.to_info() for key in definition.keys.values()]
