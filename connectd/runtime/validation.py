"""The connector config validation pipeline behind ``config/validate``, create and update.

Order, as Kafka Connect runs it: connector class present and loadable; framework keys for the
connector's type and for each ``transforms``/``predicates`` alias; the sink rules (``topics`` xor
``topics.regex``, the DLQ topic not consumed, and in distributed mode a consumer group other than
the workers' group); the connector's own ``validate()``; converter sub-configs for converters the
config names; the client overrides against the worker's override policy. The result is Connect's
``ConfigInfos`` JSON, PASSWORD values shown as ``[hidden]``.

Placeholders (``${file:...}``) are resolved to validate, as Kafka does, on the worker that validates;
the result shows each value as written, and a resolved value quoted in an error as its placeholder.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from connectd.api.config import HIDDEN, ConfigKey, ConfigType, ConfigValue
from connectd.api.exactly_once import ConnectorTransactionBoundaries, ExactlyOnceSupport
from connectd.errors import BadRequestError
from connectd.plugins.registry import PluginRegistry, UnknownPluginError
from connectd.runtime import connector_config as cc
from connectd.runtime import log_scrubbing
from connectd.runtime.alias_configs import alias_def, check_alias_plugins
from connectd.runtime.client_override_policy import (
    OVERRIDE_PREFIXES,
    ClientOverridePolicy,
    is_sensitive_client_key,
)
from connectd.runtime.config_providers import ConfigProviders, Resolution


def _looks_secret(key: str) -> bool:
    """A key whose value is hidden where no config definition says its type: a client's secret
    setting, or a key that calls itself a password or secret."""
    last = key.rsplit(".", 1)[-1].lower()
    return is_sensitive_client_key(key) or "password" in last or "secret" in last


def java_map_string(config: Mapping[str, Any]) -> str:
    """``{k=v, k2=v2}``: how Kafka prints a config map in its messages (secrets as ``[hidden]``)."""
    return "{" + ", ".join(f"{k}={HIDDEN if _looks_secret(k) else v}" for k, v in config.items()) + "}"


class ConnectorConfigValidator:
    """``worker_group_id`` is the group of a distributed worker: a sink's consumer group may not be it.
    ``exactly_once_source``: the worker's ``exactly.once.source.support`` is ``enabled``.
    ``config_providers`` and ``client_policy``: the worker's (none, and Kafka's default ``All``)."""

    def __init__(
        self,
        registry: PluginRegistry,
        worker_group_id: str | None = None,
        exactly_once_source: bool = False,
        config_providers: ConfigProviders | None = None,
        client_policy: ClientOverridePolicy | None = None,
    ) -> None:
        self._registry = registry
        self._worker_group_id = worker_group_id
        self._exactly_once_source = exactly_once_source
        self._providers = config_providers or ConfigProviders()
        self._client_policy = client_policy or ClientOverridePolicy()

    def validate(self, config: Mapping[str, str | None]) -> dict[str, Any]:
        """``ConfigInfos`` for a config. Raises BadRequestError if the class is missing or unknown."""
        if not config.get(cc.CONNECTOR_CLASS):
            raise BadRequestError(f"Connector config {java_map_string(config)} contains no connector type")
        resolution = self._providers.resolve(config)
        infos = self._validate(resolution.values, resolution)
        return _as_written(infos, config, resolution)

    def _validate(self, config: Mapping[str, str | None], resolution: Resolution) -> dict[str, Any]:
        class_name = str(config.get(cc.CONNECTOR_CLASS))
        connector_cls = self._registry.connector_class(class_name)
        connector_type = self._registry.connector_type(class_name)
        connector = connector_cls()

        framework = cc.framework_def(connector_type, dict(config)).merged(alias_def(config, self._registry))
        framework_values = framework.validate(config)
        check_alias_plugins(config, self._registry, framework_values)
        if connector_type == "source":
            _check_exactly_once(connector, config, framework_values, self._exactly_once_source)
        if connector_type == "sink":
            _check_sink_topics(config, framework_values)
            _check_dead_letter_topic(config, framework_values)
            if self._worker_group_id:
                _check_consumer_group(config, framework_values, self._worker_group_id)
        for key in cc.CONVERTER_KEYS:
            if config.get(key):
                try:
                    self._registry.converter_class(str(config[key]), key)
                except UnknownPluginError as exc:
                    framework_values[key].add_error(str(exc))
        _check_client_overrides(config, framework_values, self._client_policy)

        entries: list[tuple[ConfigKey | None, ConfigValue]] = [
            (framework.keys.get(name), value) for name, value in framework_values.items()
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
        for name, messages in resolution.unknown_providers.items():
            found = next((v for _, v in entries if v.name == name), None)
            if found is None:
                found = ConfigValue(name, config.get(name))
                entries.append((None, found))
            for message in messages:
                found.add_error(message)
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


def _check_client_overrides(
    config: Mapping[str, str | None], values: dict[str, ConfigValue], policy: ClientOverridePolicy
) -> None:
    """Every client override is listed (as Kafka lists them), with the policy's refusals as errors."""
    refused = policy.check(config)
    for key, raw in config.items():
        if not key.startswith(OVERRIDE_PREFIXES):
            continue
        secret = ConfigType.PASSWORD if is_sensitive_client_key(key) else ConfigType.STRING
        value = values.setdefault(key, ConfigValue(key, raw, type=secret))
        if key in refused:
            value.add_error(refused[key])


def _as_written(
    infos: dict[str, Any], config: Mapping[str, str | None], resolution: Resolution
) -> dict[str, Any]:
    """The validation result of the resolved config, shown for the config as written: each value with
    its placeholders, and a resolved value quoted in a message as its placeholder."""
    if not resolution.placeholder_keys:
        return infos
    for entry in infos["configs"]:
        value = entry["value"]
        if value is None:
            continue
        if value["name"] in resolution.placeholder_keys and value["value"] not in (None, HIDDEN):
            value["value"] = config.get(value["name"])
        value["errors"] = [resolution.scrub(e) for e in value["errors"]]
        value["recommended_values"] = [resolution.scrub(v) for v in value["recommended_values"]]
    return infos


def _check_exactly_once(
    connector: Any, config: Mapping[str, str | None], values: dict[str, ConfigValue], worker_enabled: bool
) -> None:
    """KIP-618's preflight checks of a source connector, with Kafka's messages."""
    clean = {k: v for k, v in config.items() if v is not None}
    if (config.get(cc.OFFSETS_STORAGE_TOPIC) or "").strip():
        values[cc.OFFSETS_STORAGE_TOPIC].add_error(
            "connectd keeps every source connector's offsets in the worker's offset.storage.topic; "
            "a separate offsets topic per connector is not supported"
        )
    required = (config.get(cc.EXACTLY_ONCE_SUPPORT) or "").strip().lower() == "required"
    if required and not worker_enabled:
        values[cc.EXACTLY_ONCE_SUPPORT].add_error(
            "This worker does not have exactly-once source support enabled."
        )
    elif required:
        support = connector.exactly_once_support(clean)
        if support is None:
            values[cc.EXACTLY_ONCE_SUPPORT].add_error(
                "The connector does not implement the API required for preflight validation of exactly-once "
                "source support. Please consult the documentation for the connector to determine whether it "
                "supports exactly-once guarantees, and then consider reconfiguring the connector to use the "
                'value "requested" for this property (which will disable this preflight check and allow the '
                "connector to be created)."
            )
        elif support is not ExactlyOnceSupport.SUPPORTED:
            values[cc.EXACTLY_ONCE_SUPPORT].add_error(
                "The connector does not support exactly-once semantics with the provided configuration."
            )
    boundary = (config.get(cc.TRANSACTION_BOUNDARY) or "").strip().lower()
    boundaries = connector.can_define_transaction_boundaries(clean) if boundary == "connector" else None
    if worker_enabled and boundaries not in (None, ConnectorTransactionBoundaries.SUPPORTED):
        values[cc.TRANSACTION_BOUNDARY].add_error(
            "The connector does not support connector-defined transaction boundaries with the given "
            "configuration. Please reconfigure it to use a different transaction boundary definition."
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


def _check_dead_letter_topic(config: Mapping[str, str | None], values: dict[str, ConfigValue]) -> None:
    """A sink may not consume its own dead letter queue."""
    dlq = (config.get(cc.DLQ_TOPIC) or "").strip()
    if not dlq:
        return
    topics_value = config.get(cc.TOPICS) or ""
    topics = [t.strip() for t in topics_value.split(",") if t.strip()]
    if dlq in topics:
        values[cc.TOPICS].add_error(
            f"The DLQ topic '{dlq}' may not be included in the list of topics "
            f"('{cc.TOPICS}=[{', '.join(topics)}]') consumed by the connector"
        )
    regex = config.get(cc.TOPICS_REGEX) or ""
    if regex.strip():
        try:
            matched = re.fullmatch(regex, dlq) is not None
        except re.error:
            return  # the invalid regex is reported on topics.regex itself
        if matched:
            values[cc.TOPICS_REGEX].add_error(
                f"The DLQ topic '{dlq}' may not be matched by the regex for the topics "
                f"('{cc.TOPICS_REGEX}={regex}') consumed by the connector"
            )


def _check_consumer_group(
    config: Mapping[str, str | None], values: dict[str, ConfigValue], worker_group_id: str
) -> None:
    """Distributed mode: a sink's consumer group (``connect-{name}`` unless overridden) may not be the
    workers' own group."""
    override = config.get(cc.CONSUMER_GROUP_OVERRIDE)
    if override is not None:
        if override == worker_group_id:
            key = cc.CONSUMER_GROUP_OVERRIDE
            value = values.setdefault(key, ConfigValue(key, override))
            value.add_error(
                f"Consumer group {override} conflicts with Connect worker group {worker_group_id}"
            )
        return
    name = values[cc.NAME].value
    if name is not None and f"connect-{name}" == worker_group_id:
        values[cc.NAME].add_error(
            f"Consumer group for sink connector named {name} conflicts with Connect worker group "
            f"{worker_group_id}"
        )


def _config_infos(class_name: str, entries: list[tuple[ConfigKey | None, ConfigValue]]) -> dict[str, Any]:
    groups: list[str] = []
    configs: list[dict[str, Any]] = []
    error_count = 0
    for definition, value in entries:
        if definition is not None and definition.group and definition.group not in groups:
            groups.append(definition.group)
        if definition is not None:
            value.type = definition.type
        if value.type is ConfigType.PASSWORD and value.value is not None:
            # A plugin's message may quote a secret it was given as plain text: shown as [hidden].
            secret = [(HIDDEN, str(value.value))]
            value.errors = [log_scrubbing.scrub(e, secret) for e in value.errors]
        error_count += len(value.errors)
        configs.append({"definition": definition.to_info() if definition else None, "value": value.to_info()})
    return {"name": class_name, "error_count": error_count, "groups": groups, "configs": configs}
