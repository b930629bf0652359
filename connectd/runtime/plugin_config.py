"""``GET /connector-plugins/{plugin}/config``: a plugin's config definition, as Kafka Connect 4.1 gives it.

Checks run in Kafka's order: the ``version`` requirement must parse (400 ``Invalid version
specification``), the plugin must be installed (404 ``Unknown plugin``) in a matching version (400
naming the available one), and be of a kind that has a config definition (400 ``Invalid plugin
class``). Connectors list their own keys first, then the framework's source or sink keys (the
plugin's definition wins on a clash); converters list only their own keys.
"""

from __future__ import annotations

import inspect
import sys
from typing import Any

from connectd.api.config import ConfigDef
from connectd.errors import BadRequestError, NotFoundError
from connectd.plugins.registry import PluginRegistry
from connectd.plugins.version_range import InvalidVersionSpecError, version_requirement
from connectd.runtime import connector_config as cc

PLUGIN_KINDS = "sink, source, converter, header_converter, transformation, predicate"


def plugin_config_keys(
    registry: PluginRegistry, plugin: str, version: str | None = None
) -> list[dict[str, Any]]:
    """Connect's ``ConfigKeyInfo`` list for ``plugin`` (a class name or alias)."""
    try:
        wanted = version_requirement(version)
    except InvalidVersionSpecError:
        raise BadRequestError(f"Invalid version specification: {version}") from None
    found = registry.find(plugin)
    if found is None:
        if _loaded_class(plugin):
            raise BadRequestError(f"Invalid plugin class {plugin}. Valid types are {PLUGIN_KINDS}.")
        raise NotFoundError(f"Unknown plugin {plugin}.")
    if wanted is not None and not wanted.contains(found.version):
        raise BadRequestError(
            f"Plugin {found.class_name} not found that matches the version range {wanted}, "
            f"available versions: [{found.version}]"
        )
    if found.type in ("source", "sink"):
        definition: ConfigDef = found.cls().config_def().merged(cc.framework_def(found.type))
    else:
        definition = found.cls.config_def()
    return [key.to_info() for key in definition.keys.values()]


def _loaded_class(name: str) -> bool:
    """Whether ``name`` is ``module.Class`` of a module this process already imported.

    Kafka answers 400 for a loadable class that is not a plugin. Only already-imported modules are
    looked at: a REST request must never make the worker import (and so run) arbitrary modules."""
    module_name, _, attribute = name.strip().rpartition(".")
    module = sys.modules.get(module_name) if module_name else None
    return module is not None and inspect.isclass(getattr(module, attribute, None))
