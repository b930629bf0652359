"""The worker's config providers and the one resolver of ``${provider:path:key}`` placeholders.

Kafka's rules (``ConfigTransformer``, ``WorkerConfigTransformer``): the pattern is Kafka's; a worker
names its providers in ``config.providers`` and configures each with ``config.providers.<name>.class``
and ``config.providers.<name>.param.*``; placeholders in the worker's own config are resolved when it
starts; connector and task configs are stored and shown with their placeholders and resolved only on
the worker, when a connector or task starts (and, as Kafka does, to validate a config, the values
never leaving the worker).

One deliberate difference: where Kafka leaves a placeholder it cannot resolve as literal text (an
unknown provider, a missing key, a refused path), a connector or task fails to start with an error
naming the config key and the placeholder, never the value. Validation reports an unknown provider on
its key and otherwise behaves as Kafka's (what does not resolve is validated as written).
"""

from __future__ import annotations

import importlib
import logging
import re
from collections.abc import Mapping, Set
from dataclasses import dataclass, field

from connectd.api.config_provider import ConfigProvider
from connectd.api.errors import ConfigError, ConnectError
from connectd.runtime import log_scrubbing

log = logging.getLogger(__name__)

# Kafka's ConfigTransformer.DEFAULT_PATTERN: ${provider:[path:]key}.
PLACEHOLDER = re.compile(r"\$\{([^}]*?):(([^}]*?):)?([^}]*?)\}")
PROVIDERS_KEY = "config.providers"


def has_placeholder(value: str | None) -> bool:
    return value is not None and PLACEHOLDER.search(value) is not None


class UnresolvedConfigError(ConnectError):
    """Placeholders a connector or task needs did not resolve; the message names keys and placeholders."""


@dataclass(slots=True)
class Resolution:
    """A config with its placeholders replaced where they resolved.

    ``errors``: config key -> why its placeholders did not resolve (never a value). ``substitutions``:
    (placeholder, value) pairs, to scrub values from text that may quote them (traces, messages)."""

    values: dict[str, str | None]
    placeholder_keys: set[str] = field(default_factory=set)
    errors: dict[str, list[str]] = field(default_factory=dict)
    unknown_providers: dict[str, list[str]] = field(default_factory=dict)
    substitutions: list[tuple[str, str]] = field(default_factory=list)

    def scrub(self, text: str) -> str:
        """``text`` with every resolved value (of a useful length) replaced by its placeholder."""
        return log_scrubbing.scrub(text, self.substitutions)

    def check(self, failure: str) -> dict[str, str]:
        """The resolved config; raises :class:`UnresolvedConfigError` when any placeholder did not
        resolve, its message ``failure`` (``Cannot start task x-0``) followed by the reasons."""
        if self.errors:
            reasons = "; ".join(m for messages in self.errors.values() for m in messages)
            raise UnresolvedConfigError(f"{failure}: {reasons}")
        return {k: v for k, v in self.values.items() if v is not None}


class ConfigProviders:
    """The providers a worker's config names, by name (none: ``config.providers`` unset)."""

    def __init__(self, providers: Mapping[str, ConfigProvider] | None = None) -> None:
        self._providers = dict(providers or {})

    @property
    def names(self) -> list[str]:
        return list(self._providers)

    @classmethod
    def from_worker_config(cls, props: Mapping[str, str]) -> ConfigProviders:
        """Instantiate and configure the providers ``config.providers`` names. Raises
        :class:`ConfigError` naming the key at fault (an unknown class, a bad parameter)."""
        names = [n.strip() for n in (props.get(PROVIDERS_KEY) or "").split(",") if n.strip()]
        providers: dict[str, ConfigProvider] = {}
        for name in names:
            class_key = f"{PROVIDERS_KEY}.{name}.class"
            class_name = (props.get(class_key) or "").strip()
            if not class_name:
                raise ConfigError(class_key, None, f"config provider {name} is listed in {PROVIDERS_KEY}")
            provider = provider_class(class_key, class_name)()
            prefix = f"{PROVIDERS_KEY}.{name}.param."
            params = {k[len(prefix) :]: v for k, v in props.items() if k.startswith(prefix)}
            try:
                provider.configure(params)
            except ConfigError as exc:
                raise ConfigError(f"{prefix}{exc.name}", exc.value, exc.reason or str(exc)) from None
            providers[name] = provider
            log.info("config provider %s: %s", name, type(provider).__name__)
        return cls(providers)

    def close(self) -> None:
        for name, provider in self._providers.items():
            try:
                provider.close()
            except Exception:
                log.exception("config provider %s raised in close()", name)

    def resolve(self, config: Mapping[str, str | None], skip: Set[str] = frozenset()) -> Resolution:
        """Replace every placeholder that resolves; record, per key, why the others did not. Keys in
        ``skip`` are left as they are (the provider settings of a worker config)."""
        wanted: dict[tuple[str, str], set[str]] = {}
        result = Resolution(dict(config))
        for key, value in config.items():
            if value is None or key in skip:
                continue
            for match in PLACEHOLDER.finditer(value):
                result.placeholder_keys.add(key)
                provider, path, name = _parts(match)
                if provider in self._providers:
                    wanted.setdefault((provider, path), set()).add(name)
        found: dict[tuple[str, str], dict[str, str]] = {}
        refused: dict[tuple[str, str], str] = {}
        for (provider, path), names in wanted.items():
            try:
                found[(provider, path)] = dict(self._providers[provider].get(path, frozenset(names)))
            except Exception as exc:  # a provider's failure is the placeholder's error, not the worker's
                refused[(provider, path)] = str(exc) or type(exc).__name__
        for key in sorted(result.placeholder_keys):
            result.values[key] = self._replace(key, config[key] or "", found, refused, result)
        log_scrubbing.register(result.substitutions)
        return result

    def _replace(
        self,
        key: str,
        value: str,
        found: Mapping[tuple[str, str], Mapping[str, str]],
        refused: Mapping[tuple[str, str], str],
        result: Resolution,
    ) -> str:
        def one(match: re.Match[str]) -> str:
            placeholder = match.group(0)
            provider, path, name = _parts(match)
            if provider not in self._providers:
                configured = ",".join(self._providers) or "none"
                message = (
                    f"config key '{key}' refers to {placeholder}, but no config provider named '{provider}' "
                    f"is configured ({PROVIDERS_KEY}: {configured})"
                )
                result.unknown_providers.setdefault(key, []).append(message)
                result.errors.setdefault(key, []).append(message)
                return placeholder
            if (provider, path) in refused:
                reason = refused[(provider, path)]
            elif name in found.get((provider, path), {}):
                resolved = found[(provider, path)][name]
                result.substitutions.append((placeholder, resolved))
                return resolved
            else:
                reason = f"no key '{name}'" + (f" at {path}" if path else "")
            result.errors.setdefault(key, []).append(
                f"config key '{key}' refers to {placeholder}, which config provider '{provider}' could not "
                f"resolve: {reason}"
            )
            return placeholder

        return PLACEHOLDER.sub(one, value)


def _parts(match: re.Match[str]) -> tuple[str, str, str]:
    """(provider, path, key) as Kafka's ConfigVariable reads them: no path is the empty path."""
    return match.group(1), match.group(3) or "", match.group(4)


def _short_names(cls: type) -> set[str]:
    simple = cls.__name__
    names = {simple.lower(), f"{cls.__module__}.{cls.__qualname__}".lower()}
    if simple.endswith("ConfigProvider") and len(simple) > len("ConfigProvider"):
        names.add(simple[: -len("ConfigProvider")].lower())
    return names | {alias.lower() for alias in getattr(cls, "aliases", ())}


def provider_class(key: str, class_name: str) -> type[ConfigProvider]:
    """A built-in provider by Kafka's class name or a short name (``FileConfigProvider``, ``File``,
    ``file``), else a ConfigProvider subclass by its Python import path."""
    # Imported here: the built-ins read properties files with connectd.config, which imports this module.
    from connectd.plugins.config_providers import BUILT_IN_PROVIDERS

    for cls in BUILT_IN_PROVIDERS:
        if class_name.lower() in _short_names(cls):
            return cls
    module_name, _, attribute = class_name.rpartition(".")
    loaded: object = None
    if module_name:
        try:
            loaded = getattr(importlib.import_module(module_name), attribute, None)
        except ImportError:
            loaded = None
    if isinstance(loaded, type) and issubclass(loaded, ConfigProvider):
        return loaded
    built_in = ", ".join(sorted(cls.aliases[0] for cls in BUILT_IN_PROVIDERS))  # type: ignore[attr-defined]
    raise ConfigError(
        key,
        class_name,
        f"Class {class_name} could not be found, or is not a ConfigProvider; "
        f"built-in providers are {built_in}",
    )


def reverse_transform(
    raw_connector_config: Mapping[str, str],
    resolution: Resolution,
    task_configs: list[dict[str, str]],
    secret_keys: Set[str] = frozenset(),
) -> list[dict[str, str]]:
    """Task configs as the connector generated them from resolved values, with the placeholders put
    back before they are stored (Kafka's ``AbstractHerder.reverseTransform``): a task config key the
    connector config holds with a placeholder gets the placeholder. Beyond Kafka, a value equal to the
    resolved value of one of ``secret_keys`` (the connector's PASSWORD keys) gets that key's
    placeholder, whatever key the connector copied it to. Both are lossless: the task resolves the
    same value when it starts."""
    secrets = {
        value: raw_connector_config[key]
        for key in secret_keys & resolution.placeholder_keys
        if (value := resolution.values.get(key)) and key in raw_connector_config
    }
    restored: list[dict[str, str]] = []
    for task_config in task_configs:
        config = dict(task_config)
        for key, value in task_config.items():
            if key in resolution.placeholder_keys and key in raw_connector_config:
                config[key] = raw_connector_config[key]
            elif value in secrets:
                config[key] = secrets[value]
        restored.append(config)
    return restored
