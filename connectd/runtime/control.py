"""The control-plane protocol the REST gateway speaks to.

Standalone implements it in-process (:class:`connectd.runtime.standalone.StandaloneControlPlane`);
distributed mode implements it with gRPC clients of the coordinator and offset store. Methods raise
the domain errors of :mod:`connectd.errors`; entities come from :mod:`connectd.runtime.model`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from connectd.runtime.connector_offsets import ConnectorOffset
from connectd.runtime.health import WorkerStatus
from connectd.runtime.logger_levels import LoggerLevel
from connectd.runtime.model import (
    ConnectorInfo,
    ConnectorStateInfo,
    PluginInfo,
    ServerInfo,
    StateInfo,
    TargetState,
    TaskId,
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

    def connector_statuses(self) -> dict[str, ConnectorStateInfo]:
        """Every connector that has a status, by name, in one call (``GET /connectors?expand=status``)."""

    def task_infos(self, name: str) -> list[TaskInfo]: ...

    def create_connector(
        self, name: str, config: Mapping[str, str], initial_state: TargetState = TargetState.STARTED
    ) -> ConnectorInfo:
        """Validate and create. AlreadyExistsError if it exists, BadRequestError if invalid."""

    def put_connector_config(self, name: str, config: Mapping[str, str]) -> tuple[bool, ConnectorInfo]:
        """Create or replace; returns (created, info)."""

    def delete_connector(self, name: str) -> None: ...

    # --- lifecycle (target states, restarts) --------------------------------------------------------

    def patch_connector_config(self, name: str, patch: Mapping[str, str | None]) -> ConnectorInfo:
        """Merge into the stored config (None removes a key), validate, store. NotFoundError if absent."""

    def connector_target_state(self, name: str) -> TargetState:
        """NotFoundError ``Connector {name} not found``."""

    def pause_connector(self, name: str) -> None:
        """Target PAUSED: connector and tasks stay assigned but idle. NotFoundError ``Unknown connector``."""

    def resume_connector(self, name: str) -> None:
        """Target STARTED, from PAUSED or STOPPED."""

    def stop_connector(self, name: str) -> None:
        """Target STOPPED: tasks torn down and their configs cleared."""

    def restart_connector(
        self, name: str, include_tasks: bool = False, only_failed: bool = False
    ) -> ConnectorStateInfo:
        """Restart per KIP-745; returns the status snapshot with RESTARTING for what is restarted."""

    def restart_task(self, task: TaskId) -> None: ...

    def task_status(self, task: TaskId) -> StateInfo:
        """NotFoundError ``No status found for task {name}-{id}``."""

    # --- active topics (KIP-558) --------------------------------------------------------------------

    def active_topics(self, name: str) -> list[str]:
        """Topics the connector's tasks used since creation or the last reset, sorted; empty for an
        unknown connector (no existence check, as in Kafka). ForbiddenError when tracking is disabled."""

    def reset_active_topics(self, name: str) -> None:
        """Forget them; tasks report each topic again on its next use. ForbiddenError when tracking or
        reset is disabled (by the config of the process answering)."""

    # --- offsets (KIP-875), rules in connectd.runtime.connector_offsets -----------------------------

    def connector_offsets(self, name: str) -> dict[str, Any]:
        """``{"offsets": [{"partition", "offset"}]}``, in any state. NotFoundError if unknown."""

    def alter_connector_offsets(self, name: str, offsets: Sequence[ConnectorOffset]) -> str:
        """Alter a STOPPED connector's offsets (BadRequestError otherwise); returns the success message."""

    def reset_connector_offsets(self, name: str) -> str:
        """Erase a STOPPED connector's offsets (BadRequestError otherwise); returns the success message."""

    def plugins(self, connectors_only: bool = True) -> list[PluginInfo]: ...

    def validate_config(self, plugin: str, config: Mapping[str, str | None]) -> dict[str, Any]:
        """Connect's ``ConfigInfos`` JSON for ``PUT /connector-plugins/{plugin}/config/validate``."""

    # --- plugin config, health, loggers (rules in plugin_config, health, logger_levels) ------------

    def plugin_config(self, plugin: str, version: str | None = None) -> list[dict[str, Any]]:
        """Connect's ``ConfigKeyInfo`` list. NotFoundError ``Unknown plugin {plugin}.``; BadRequestError
        for a malformed or unmatched ``version`` and for a class that is not a plugin."""

    def health(self) -> WorkerStatus:
        """``healthy``, ``starting`` or ``unhealthy``, within a bounded deadline."""

    def logger_levels(self) -> dict[str, LoggerLevel]:
        """The answering process's loggers that have a level of their own, and ``root``."""

    def logger_level(self, logger: str) -> LoggerLevel:
        """NotFoundError ``Logger {logger} not found.``"""

    def set_logger_level(self, logger: str, level: Any, scope: str | None = None) -> list[str]:
        """Set ``level`` on ``logger`` and its descendants; ``scope=cluster`` reaches every process of
        the cluster. Returns the names whose level changed in the answering process."""
