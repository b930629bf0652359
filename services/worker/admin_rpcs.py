"""The WorkerService calls behind the plugin and logger admin endpoints: thin adapters over the core.

Mixed into :class:`services.worker.server.WorkerServicer`, which sets ``_registry``.
"""

from __future__ import annotations

from typing import Any

import grpc

from connectd.plugins.registry import PluginRegistry
from connectd.runtime.logger_levels import process_loggers
from connectd.runtime.plugin_config import plugin_config_keys
from connectd.v1 import worker_pb2
from services import convert


class WorkerAdminRpcs:
    _registry: PluginRegistry

    def GetPluginConfig(self, request: Any, context: grpc.ServicerContext) -> Any:
        keys = plugin_config_keys(self._registry, request.plugin, request.version or None)
        return worker_pb2.GetPluginConfigResponse(keys=convert.config_key_infos_to_pb(keys))

    def SetLoggerLevel(self, request: Any, context: grpc.ServicerContext) -> Any:
        changed = process_loggers().set_level(request.logger, request.level or None)
        return worker_pb2.SetLoggerLevelResponse(changed_loggers=changed)

    def ListLoggerLevels(self, request: Any, context: grpc.ServicerContext) -> Any:
        levels = process_loggers().all_levels()
        return worker_pb2.ListLoggerLevelsResponse(loggers=convert.logger_levels_to_pb(levels))
