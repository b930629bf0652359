"""The control-plane protocol the REST gateway speaks to.

Standalone implements it in-process (:class:`connectd.runtime.standalone.StandaloneControlPlane`);
distributed mode implements it with gRPC clients of the coordinator and offset store. Methods raise
the domain errors of :mod:`connectd.errors`; entities come from :mod:`connectd.runtime.model`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from connectd.runtime.model import (
    ConnectorInfo,
    ConnectorStateInfo,
    PluginInfo,
    ServerInfo,
    TargetState,
    TaskInfo,
)


class ConnectControl(Protocol):
    def server_info(self) -> ServerInfo: ...

    def connector_names(self) -> list[str]: ...

    def connector_info(self, name: str) -> ConnectorInfo:
        """Raises NotFoundError ``Connector {name} not found``."""

    def connector_config(self, name: str) -> dict[str, str]: ...

    def connector_status(self, name: str) -> ConnectorStateInfo:
        """Raises NotFoundError ``No status found for connector {name}``."""

    def task_infos(self, name: str) -> list[TaskInfo]: ...

    def create_connector(
        self, name: str, config: Mapping[str, str], initial_state: TargetState = TargetState.STARTED
    ) -> ConnectorInfo:
        """Validate and create. AlreadyExistsError if it exists, BadRequestError if invalid."""

    def put_connector_config(self, name: str, config: Mapping[str, str]) -> tuple[bool, ConnectorInfo]:
        """Create or replace; returns (created, info)."""

    def delete_connector(self, name: str) -> None: ...

    def plugins(self, connectors_only: bool = True) -> list[PluginInfo]: ...

    def validate_config(self, plugin: str, config: Mapping[str, str | None]) -> dict[str, Any]:
        """Connect's ``ConfigInfos`` JSON for ``PUT /connector-plugins/{plugin}/config/validate``."""
