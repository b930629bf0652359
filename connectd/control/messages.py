"""Every control-plane message a REST or gRPC client reads, in Kafka Connect's wording where it has
one (its DistributedHerder's where its two herders differ), so both modes answer alike."""

from __future__ import annotations

from connectd.runtime.model import TaskId


def connector_not_found(name: str) -> str:
    return f"Connector {name} not found"


def connector_exists(name: str) -> str:
    return f"Connector {name} already exists"


def unknown_connector(name: str) -> str:
    return f"Unknown connector: {name}"


def unknown_connector_target(name: str) -> str:
    """Kafka's wording when a pause, resume or stop names no connector (no colon there)."""
    return f"Unknown connector {name}"


def unknown_task(task: TaskId) -> str:
    return f"Unknown task: {task}"


def no_connector_status(name: str) -> str:
    return f"No status found for connector {name}"


def no_task_status(task: TaskId) -> str:
    return f"No status found for task {task}"


def no_restart_status(name: str) -> str:
    return f"Status for connector {name} not found"


NO_OWNER = (
    "Cannot complete request momentarily: the instance is not assigned to a live worker, "
    "likely because a rebalance is underway"
)


def write_not_applied(what: str, timeout_ms: int) -> str:
    return (
        f"Request timed out: the config topic did not acknowledge {what} within {timeout_ms} ms. "
        "It was not applied and has been withdrawn; retry once Kafka is reachable"
    )


def fenced(task: TaskId, owner: str, epoch: int, newer: int) -> str:
    return f"fenced: task {task} moved to worker {owner} (epoch {newer} > {epoch}); stopping this copy"


def fenced_by_transaction(task: TaskId, transactional_id: str) -> str:
    return (
        f"fenced: a newer copy of task {task} took over transactional id {transactional_id} (its producer "
        "fenced this one); stopping this copy"
    )
