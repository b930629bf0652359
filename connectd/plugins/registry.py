"""Finds connector, converter, transformation and predicate plugins and resolves the names configs
use for them.

Sources: the ``connectd.plugins`` entry-point group (the built-ins register there too) and the
directories of ``plugin.path``, whose Python modules and packages are imported and scanned. A plugin
answers to its full name (``module.Class``), its class name, its class name minus the
``Connector``/``Converter`` suffix, and every name in its ``aliases`` (Kafka's Java class names), as
long as the short forms are unambiguous.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import logging
import pkgutil
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from connectd.api.connector import Connector, SinkConnector, SourceConnector
from connectd.api.converter import Converter
from connectd.api.transforms import Predicate, Transformation
from connectd.errors import BadRequestError

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "connectd.plugins"
_SUFFIXES = ("Connector", "Converter")


@dataclass(frozen=True, slots=True)
class Plugin:
    cls: type
    class_name: str
    type: str  # source | sink | converter | transformation | predicate

    @property
    def version(self) -> str:
        try:
            return str(self.cls().version())
        except Exception:  # a plugin whose constructor fails still lists, without a version
            return "undefined"


class UnknownPluginError(BadRequestError):
    """No installed plugin answers to a name."""


def _plugin_type(cls: type) -> str | None:
    if not inspect.isclass(cls) or inspect.isabstract(cls):
        return None
    if issubclass(cls, SourceConnector):
        return "source"
    if issubclass(cls, SinkConnector):
        return "sink"
    if issubclass(cls, Converter):
        return "converter"
    if issubclass(cls, Transformation):
        return "transformation"
    if issubclass(cls, Predicate):
        return "predicate"
    return None


def _short_names(name: str) -> set[str]:
    simple = name.rsplit(".", 1)[-1].rsplit(":", 1)[-1]
    names = {simple}
    for suffix in _SUFFIXES:
        if simple.endswith(suffix) and len(simple) > len(suffix):
            names.add(simple[: -len(suffix)])
    return names


class PluginRegistry:
    def __init__(self) -> None:
        self._plugins: dict[str, Plugin] = {}
        self._aliases: dict[str, str] = {}

    @classmethod
    def discover(cls, plugin_path: Iterable[str] = ()) -> PluginRegistry:
        registry = cls()
        for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            try:
                loaded = entry_point.load()
                if isinstance(loaded, ModuleType):
                    registry.register_package(loaded)
                else:
                    registry.register(loaded)
            except Exception:
                log.exception("cannot load plugin entry point %s", entry_point.value)
        for directory in plugin_path:
            registry.scan_directory(Path(directory))
        return registry

    def scan_directory(self, directory: Path) -> None:
        """Import every module and package in ``directory`` and register the plugins they define."""
        if not directory.is_dir():
            log.warning("plugin.path entry %s is not a directory; skipped", directory)
            return
        if str(directory) not in sys.path:
            sys.path.insert(0, str(directory))
        for child in sorted(directory.iterdir()):
            if child.name.startswith(("_", ".")):
                continue
            if child.suffix == ".py":
                module_name = child.stem
            elif child.is_dir() and (child / "__init__.py").exists():
                module_name = child.name
            else:
                continue
            try:
                module = importlib.import_module(module_name)
            except Exception:
                log.exception("cannot import plugin module %s from %s", module_name, directory)
                continue
            self._register_module(module)

    def register_package(self, package: ModuleType) -> None:
        """Every plugin defined in a package's modules (an entry point may name a whole package)."""
        self._register_module(package)
        for info in pkgutil.walk_packages(getattr(package, "__path__", []), f"{package.__name__}."):
            module = importlib.import_module(info.name)
            for _, obj in inspect.getmembers(module, inspect.isclass):
                if obj.__module__ == module.__name__ and _plugin_type(obj):
                    self.register(obj)

    def _register_module(self, module: ModuleType) -> None:
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if obj.__module__.split(".")[0] == module.__name__.split(".")[0] and _plugin_type(obj):
                self.register(obj)

    def register(self, cls: type) -> None:
        kind = _plugin_type(cls)
        if kind is None:
            raise TypeError(f"{cls!r} is not a concrete Connector, Converter, Transformation or Predicate")
        class_name = f"{cls.__module__}.{cls.__qualname__}"
        self._plugins[class_name] = Plugin(cls, class_name, kind)
        self._rebuild_aliases()

    def _rebuild_aliases(self) -> None:
        claims: dict[str, set[str]] = {}
        for plugin in self._plugins.values():
            names = {plugin.class_name, *_short_names(plugin.class_name)}
            for alias in getattr(plugin.cls, "aliases", ()):
                names |= {alias, *_short_names(alias)}
            for name in names:
                claims.setdefault(name, set()).add(plugin.class_name)
        # Full names always resolve; a short name only when exactly one plugin claims it.
        self._aliases = {name: next(iter(owners)) for name, owners in claims.items() if len(owners) == 1}
        for class_name in self._plugins:
            self._aliases[class_name] = class_name

    def plugins(self, types: Iterable[str] | None = None) -> list[Plugin]:
        wanted = set(types) if types is not None else None
        return sorted(
            (p for p in self._plugins.values() if wanted is None or p.type in wanted),
            key=lambda p: (p.type, p.class_name),
        )

    def find(self, name: str) -> Plugin | None:
        class_name = self._aliases.get(name.strip())
        return self._plugins.get(class_name) if class_name else None

    def connector_class(self, name: str) -> type[Connector]:
        plugin = self.find(name)
        if plugin is None or plugin.type not in ("source", "sink"):
            available = ", ".join(p.class_name for p in self.plugins(("sink", "source")))
            raise UnknownPluginError(
                f"Failed to find any class that implements Connector and which name matches {name}, "
                f"available connectors are: {available}; check the value of connector.class"
            )
        return plugin.cls

    def converter_class(self, name: str, key: str = "converter") -> type[Converter]:
        plugin = self.find(name)
        if plugin is None or plugin.type != "converter":
            available = ", ".join(p.class_name for p in self.plugins(("converter",)))
            raise UnknownPluginError(
                f"Invalid value {name} for configuration {key}: Class {name} could not be found; "
                f"available converters are: {available}"
            )
        return plugin.cls

    def transform_class(self, name: str, kind: str) -> type:
        """The Transformation (``kind="transformation"``) or Predicate class a ``type`` key names."""
        plugin = self.find(name)
        if plugin is None or plugin.type != kind:
            raise UnknownPluginError(f"Class {name} could not be found.")
        return plugin.cls

    def connector_type(self, name: str) -> str:
        """``source``, ``sink`` or ``unknown`` for a ``connector.class`` value."""
        plugin = self.find(name)
        return plugin.type if plugin is not None and plugin.type in ("source", "sink") else "unknown"
