"""Config definitions: typed keys with defaults, docs, validators, groups and recommenders.

``ConfigDef.validate`` produces the entries of Kafka Connect's ``config/validate`` response, so a
plugin's definition is all the runtime needs to answer ``PUT /connector-plugins/{p}/config/validate``::

    CONFIG = (
        ConfigDef()
        .define("file", ConfigType.STRING, None, importance=Importance.HIGH, documentation="Input file")
        .define("batch.size", ConfigType.INT, 2000, validator=Range.at_least(1))
    )
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from connectd.api.errors import ConfigError, MissingConfigError


class ConfigType(StrEnum):
    BOOLEAN = "BOOLEAN"
    STRING = "STRING"
    INT = "INT"
    SHORT = "SHORT"
    LONG = "LONG"
    DOUBLE = "DOUBLE"
    LIST = "LIST"
    CLASS = "CLASS"
    PASSWORD = "PASSWORD"


class Importance(StrEnum):
    HIGH = "HIGH"
    MEDIUM = "MEDIUM"
    LOW = "LOW"


class Width(StrEnum):
    NONE = "NONE"
    SHORT = "SHORT"
    MEDIUM = "MEDIUM"
    LONG = "LONG"


class _NoDefault:
    def __repr__(self) -> str:
        return "NO_DEFAULT"


NO_DEFAULT: Any = _NoDefault()
"""Marks a key as required: it has no default value."""

HIDDEN = "[hidden]"

_INT_BOUNDS = {
    ConfigType.SHORT: (-(2**15), 2**15 - 1),
    ConfigType.INT: (-(2**31), 2**31 - 1),
    ConfigType.LONG: (-(2**63), 2**63 - 1),
}


class Password(str):
    """A secret value; rendered as ``[hidden]`` wherever configs are shown."""

    is_secret = True

    def __repr__(self) -> str:
        return f"Password({HIDDEN})"


Validator = Callable[[str, Any], None]
"""Called with (key name, parsed value); raises :class:`ConfigError` when the value is invalid."""


class Recommender(Protocol):
    def valid_values(self, name: str, parsed: Mapping[str, Any]) -> list[Any]: ...

    def visible(self, name: str, parsed: Mapping[str, Any]) -> bool: ...


# Java's String.trim(): every character up to U+0020, and no other (str.strip() would also take
# Unicode spaces such as U+0085, hiding them from the validators that refuse control characters).
_JAVA_TRIMMED = "".join(map(chr, range(0x21)))


def java_trim(text: str) -> str:
    return text.strip(_JAVA_TRIMMED)


def parse_value(name: str, type_: ConfigType, value: Any) -> Any:
    """Convert a raw (usually string) value to the key's type, or raise naming the key."""
    if value is None:
        return None
    text = java_trim(value) if isinstance(value, str) else value
    try:
        match type_:
            case ConfigType.BOOLEAN:
                if isinstance(text, bool):
                    return text
                if isinstance(text, str) and text.lower() in ("true", "false"):
                    return text.lower() == "true"
                raise ConfigError(name, value, "Expected value to be either true or false")
            case ConfigType.STRING:
                # Kafka trims string and password values (ConfigDef.parseType).
                return text if isinstance(text, str) else str(text)
            case ConfigType.PASSWORD:
                return Password(text) if isinstance(text, str) else Password(value)
            case ConfigType.CLASS:
                return text if isinstance(text, str) else f"{text.__module__}.{text.__qualname__}"
            case ConfigType.SHORT | ConfigType.INT | ConfigType.LONG:
                if isinstance(text, bool):
                    raise ValueError
                number = int(text)
                low, high = _INT_BOUNDS[type_]
                if not low <= number <= high:
                    raise ValueError
                return number
            case ConfigType.DOUBLE:
                return float(text)
            case ConfigType.LIST:
                if isinstance(text, list | tuple):
                    return [java_trim(str(v)) for v in text]
                return [] if text == "" else [java_trim(part) for part in str(text).split(",")]
    except ValueError:
        raise ConfigError(name, value, f"Not a number of type {type_.value}") from None
    raise ConfigError(name, value, f"Unknown type {type_}")


def render_value(type_: ConfigType, value: Any) -> str | None:
    """The string form Connect shows for a parsed value (lists joined, booleans lower-case)."""
    if value is None:
        return None
    if type_ is ConfigType.PASSWORD:
        return HIDDEN
    if type_ is ConfigType.BOOLEAN:
        return "true" if value else "false"
    if type_ is ConfigType.LIST:
        return ",".join(str(v) for v in value)
    return str(value)


@dataclass(slots=True)
class ConfigKey:
    name: str
    type: ConfigType
    default: Any = NO_DEFAULT
    validator: Validator | None = None
    importance: Importance = Importance.MEDIUM
    documentation: str = ""
    group: str | None = None
    order_in_group: int = -1
    width: Width = Width.NONE
    display_name: str | None = None
    dependents: tuple[str, ...] = ()
    recommender: Recommender | None = None

    @property
    def required(self) -> bool:
        return self.default is NO_DEFAULT

    def to_info(self) -> dict[str, Any]:
        """Connect's ``ConfigKeyInfo`` JSON entity."""
        default = None if self.required else render_value(self.type, self.default)
        return {
            "name": self.name,
            "type": self.type.value,
            "required": self.required,
            "default_value": default,
            "importance": self.importance.value,
            "documentation": self.documentation,
            "group": self.group,
            "order": self.order_in_group,
            "width": self.width.value,
            "display_name": self.display_name or self.name,
            "dependents": list(self.dependents),
        }


@dataclass(slots=True)
class ConfigValue:
    """One key's validation result: Connect's ``ConfigValueInfo`` entity."""

    name: str
    value: Any = None
    errors: list[str] = field(default_factory=list)
    recommended_values: list[Any] = field(default_factory=list)
    visible: bool = True
    type: ConfigType = ConfigType.STRING

    def add_error(self, message: str) -> None:
        self.errors.append(message)

    def to_info(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": render_value(self.type, self.value),
            "recommended_values": [str(v) for v in self.recommended_values],
            "errors": list(self.errors),
            "visible": self.visible,
        }


class ConfigDef:
    """An ordered set of :class:`ConfigKey` definitions."""

    def __init__(self, keys: Iterable[ConfigKey] = ()) -> None:
        self._keys: dict[str, ConfigKey] = {}
        for key in keys:
            self._keys[key.name] = key

    def define(
        self,
        name: str,
        type: ConfigType,
        default: Any = NO_DEFAULT,
        *,
        validator: Validator | None = None,
        importance: Importance = Importance.MEDIUM,
        documentation: str = "",
        group: str | None = None,
        order_in_group: int = -1,
        width: Width = Width.NONE,
        display_name: str | None = None,
        dependents: Sequence[str] = (),
        recommender: Recommender | None = None,
    ) -> ConfigDef:
        if name in self._keys:
            raise ValueError(f"Configuration {name} is defined twice.")
        self._keys[name] = ConfigKey(
            name,
            type,
            default,
            validator,
            importance,
            documentation,
            group,
            order_in_group,
            width,
            display_name,
            tuple(dependents),
            recommender,
        )
        return self

    @property
    def keys(self) -> dict[str, ConfigKey]:
        return dict(self._keys)

    def names(self) -> list[str]:
        return list(self._keys)

    def merged(self, other: ConfigDef) -> ConfigDef:
        """A new definition with ``other``'s keys added; on a clash this definition's key wins."""
        merged = ConfigDef(self._keys.values())
        for name, key in other._keys.items():
            merged._keys.setdefault(name, key)
        return merged

    def with_prefix(self, prefix: str) -> ConfigDef:
        """The same keys renamed ``prefix + name`` (used for converter sub-configs)."""
        return ConfigDef(
            ConfigKey(**{**{s: getattr(k, s) for s in ConfigKey.__slots__}, "name": prefix + k.name})
            for k in self._keys.values()
        )

    def embedded(self, prefix: str, group: str, first_order: int) -> ConfigDef:
        """The keys renamed ``prefix + name``, in ``group`` and numbered from ``first_order`` (how a
        connector config shows each transformation's and predicate's own keys)."""
        return ConfigDef(
            ConfigKey(
                **{
                    **{s: getattr(k, s) for s in ConfigKey.__slots__},
                    "name": prefix + k.name,
                    "group": group,
                    "order_in_group": first_order + i,
                }
            )
            for i, k in enumerate(self._keys.values())
        )

    def without(self, *names: str) -> ConfigDef:
        return ConfigDef(k for n, k in self._keys.items() if n not in names)

    def parse(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """Typed values for every defined key; raises :class:`ConfigError` naming the first bad key."""
        parsed: dict[str, Any] = {}
        for name, key in self._keys.items():
            if name in props and props[name] is not None:
                value = parse_value(name, key.type, props[name])
            elif key.required:
                raise MissingConfigError(name)
            else:
                value = key.default
            if key.validator is not None and (value is not None or name in props):
                key.validator(name, value)
            parsed[name] = value
        return parsed

    def validate(self, props: Mapping[str, Any]) -> dict[str, ConfigValue]:
        """Validate every key without stopping at the first error."""
        results: dict[str, ConfigValue] = {}
        parsed: dict[str, Any] = {}
        for name, key in self._keys.items():
            result = ConfigValue(name, type=key.type)
            results[name] = result
            raw = props.get(name)
            try:
                if name in props and raw is None:
                    result.add_error("Null value can not be supplied as the configuration value.")
                    continue
                if raw is not None:
                    value = parse_value(name, key.type, raw)
                elif key.required:
                    raise MissingConfigError(name)
                else:
                    value = key.default
                result.value = value
                parsed[name] = value
                if key.validator is not None and (value is not None or name in props):
                    key.validator(name, value)
            except ConfigError as exc:
                result.add_error(str(exc))
        for name, key in self._keys.items():
            if key.recommender is None:
                continue
            try:
                results[name].recommended_values = list(key.recommender.valid_values(name, parsed))
                results[name].visible = bool(key.recommender.visible(name, parsed))
            except ConfigError as exc:
                results[name].add_error(str(exc))
        return results


# --- validators --------------------------------------------------------------------------------


class Range:
    """Numeric bounds, inclusive."""

    def __init__(self, low: float | None, high: float | None) -> None:
        self.low, self.high = low, high

    @classmethod
    def at_least(cls, low: float) -> Range:
        return cls(low, None)

    @classmethod
    def between(cls, low: float, high: float) -> Range:
        return cls(low, high)

    def __call__(self, name: str, value: Any) -> None:
        if value is None:
            raise ConfigError(name, value, "Value must be non-null")
        if self.low is not None and value < self.low:
            raise ConfigError(name, value, f"Value must be at least {self.low}")
        if self.high is not None and value > self.high:
            raise ConfigError(name, value, f"Value must be no more than {self.high}")

    def __str__(self) -> str:
        if self.high is None:
            return f"[{self.low},...]"
        return f"[{self.low},...,{self.high}]"


class ValidString:
    """One of a fixed set of strings (``case_sensitive=False`` compares lower-cased)."""

    def __init__(self, *allowed: str, case_sensitive: bool = True) -> None:
        self.allowed = allowed
        self.case_sensitive = case_sensitive

    def __call__(self, name: str, value: Any) -> None:
        if self.case_sensitive:
            ok = value in self.allowed
            message = f"String must be one of: {', '.join(self.allowed)}"
        else:
            ok = isinstance(value, str) and value.lower() in {a.lower() for a in self.allowed}
            message = f"String must be one of (case insensitive): {', '.join(self.allowed)}"
        if not ok:
            raise ConfigError(name, value, message)


def non_empty_string(name: str, value: Any) -> None:
    if value is None or str(value) == "":
        raise ConfigError(name, value, "String must be non-empty")


def non_empty_string_without_control_chars(name: str, value: Any) -> None:
    """Connect's rule for connector names."""
    if value is None or str(value) == "":
        raise ConfigError(name, value, "String may not be empty")
    codes = [str(ord(c)) for c in str(value) if ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F]
    if codes:
        raise ConfigError(
            name,
            value,
            f"String may not contain control sequences but had the following ASCII chars: {', '.join(codes)}",
        )


def non_null(name: str, value: Any) -> None:
    if value is None:
        raise ConfigError(name, value, "Value must be non-null")
