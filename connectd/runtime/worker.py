"""The worker: runs connector instances and their tasks, each task on its own thread.

It knows nothing of where assignments come from: standalone's control plane calls it directly, a
distributed worker applies the coordinator's assignments through the same methods.
"""

from __future__ import annotations

import importlib
import logging
import threading
import traceback
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from connectd.api.config import HIDDEN, ConfigType
from connectd.api.connector import Connector, SinkConnector
from connectd.api.converter import Converter
from connectd.api.errors import ConnectError
from connectd.api.task import SinkTask, SourceTask, Task
from connectd.config import WorkerConfig
from connectd.metrics.settings import MetricsSettings
from connectd.metrics.task_metrics import TaskKind
from connectd.metrics.worker_metrics import MetricsStatusListener, WorkerMetrics
from connectd.plugins.registry import PluginRegistry
from connectd.runtime import client_configs, log_scrubbing
from connectd.runtime import connector_config as cc
from connectd.runtime.client_override_policy import is_sensitive_client_key
from connectd.runtime.config_providers import Resolution, reverse_transform
from connectd.runtime.log_context import log_context
from connectd.runtime.model import State, StateInfo, TargetState, TaskId
from connectd.runtime.pipeline.assembly import PipelineParts, sink_pipeline, source_pipeline
from connectd.runtime.sink_runner import SinkTaskRunner
from connectd.runtime.source_runner import SourceTaskRunner
from connectd.runtime.status import StatusListener
from connectd.runtime.task_runner import TaskRunner, stop_runners
from connectd.runtime.topic_creation import AUTO_CREATE_PARTITIONS, TopicCreator
from connectd.runtime.topic_tracking import TopicTrackingSettings
from connectd.runtime.transactional_source_runner import TransactionalSourceTaskRunner, TransactionBoundary
from connectd.storage.offsets import OffsetBackend

log = logging.getLogger(__name__)

TASK_CLASS = "task.class"


class _ConnectorContext:
    def __init__(self, worker: Worker, name: str, on_reconfigure: Callable[[str], None]) -> None:
        self._worker, self._name, self._on_reconfigure = worker, name, on_reconfigure

    def request_task_reconfiguration(self) -> None:
        self._on_reconfigure(self._name)

    def raise_error(self, error: Exception) -> None:
        self._worker.fail_connector(self._name, error)


def _password_keys(connector: Connector) -> set[str]:
    """The connector's PASSWORD keys: their values never go into stored task configs."""
    try:
        return {name for name, key in connector.config_def().keys.items() if key.type is ConfigType.PASSWORD}
    except Exception:
        return set()


def _hidden_values(connector: Connector | None, config: Mapping[str, str]) -> list[tuple[str, str]]:
    """(``[hidden]``, value) for the values of the connector's PASSWORD keys and of secret client
    settings: a plugin's exception or log line quoting one shows ``[hidden]``, as Kafka renders them."""
    keys = _password_keys(connector) if connector is not None else set()
    pairs = [(HIDDEN, v) for k, v in config.items() if v and (k in keys or is_sensitive_client_key(k))]
    log_scrubbing.register(pairs)
    return pairs


def _scrubber(*pairs: list[tuple[str, str]]) -> Callable[[str], str]:
    """Replaces resolved and secret values in a trace by their placeholders or ``[hidden]``."""
    every = [pair for group in pairs for pair in group]
    return lambda text: log_scrubbing.scrub(text, every)


def _load_class(qualified: str) -> type:
    module_name, _, class_name = qualified.rpartition(".")
    return getattr(importlib.import_module(module_name), class_name)


class Worker:
    def __init__(
        self,
        worker_id: str,
        config: WorkerConfig,
        registry: PluginRegistry,
        offsets: OffsetBackend,
        statuses: StatusListener,
    ) -> None:
        self.worker_id = worker_id
        self.config = config
        self.registry = registry
        self.offsets = offsets
        self.metrics = WorkerMetrics(worker_id, MetricsSettings.from_config(config))
        # Every transition is recorded in the metrics on its way to the status store.
        self._statuses = MetricsStatusListener(statuses, self.metrics)
        self.topic_tracking = TopicTrackingSettings.from_config(config)
        self.config_providers = config.config_providers
        self.client_policy = config.client_override_policy
        self._lock = threading.RLock()
        # Each running connector with its config as stored (placeholders kept), as resolved, and what
        # hides the resolved and secret values in its traces.
        self._connectors: dict[str, tuple[Connector, dict[str, str], Resolution, Callable[[str], str]]] = {}
        # Connectors that failed here: they change target state only through a restart, as in Kafka.
        self._failed: set[str] = set()
        self._tasks: dict[TaskId, TaskRunner] = {}
        self.task_starts: dict[TaskId, int] = {}

    # --- connectors ------------------------------------------------------------------------------

    def _connector_state(self, name: str, state: State, trace: str | None = None, version: str = "") -> None:
        with self._lock:
            (self._failed.add if state is State.FAILED else self._failed.discard)(name)
        self._statuses.connector_state(name, StateInfo(state, self.worker_id, trace, version or None))

    def start_connector(
        self,
        name: str,
        config: Mapping[str, str],
        on_reconfigure: Callable[[str], None],
        target: TargetState = TargetState.STARTED,
    ) -> bool:
        """Instantiate and start a connector; a failure is reported as FAILED, never raised. A PAUSED or
        STOPPED target only reports that state: like Kafka, a paused connector has no live instance.
        Returns True when the connector runs (its task configs can be generated)."""
        # The connector's start (and what its plugin logs meanwhile) names it in JSON logs.
        with log_context(connector=name, worker=self.worker_id):
            return self._start_connector(name, config, on_reconfigure, target)

    def _start_connector(
        self,
        name: str,
        config: Mapping[str, str],
        on_reconfigure: Callable[[str], None],
        target: TargetState,
    ) -> bool:
        if target is not TargetState.STARTED:
            self._connector_state(name, State.PAUSED if target is TargetState.PAUSED else State.STOPPED)
            return False
        connector: Connector | None = None
        # Placeholders resolve here, on the worker, and only the connector instance sees the values.
        resolution = self.config_providers.resolve(config)
        hidden: list[tuple[str, str]] = []
        try:
            resolved = resolution.check(f"Cannot start connector {name}")
            connector = self.registry.connector_class(resolved[cc.CONNECTOR_CLASS])()
            self._describe(name, connector)
            hidden = _hidden_values(connector, resolved)
            connector.initialize(_ConnectorContext(self, name, on_reconfigure))
            connector.start(resolved)
        except Exception:
            trace = _scrubber(resolution.substitutions, hidden)(traceback.format_exc())
            log.error("connector %s failed to start: %s", name, trace.strip().splitlines()[-1])
            self.metrics.connector_startups.record(False)
            self._connector_state(name, State.FAILED, trace, connector.version() if connector else "")
            return False
        self.metrics.connector_startups.record(True)
        with self._lock:
            self._connectors[name] = (
                connector,
                dict(config),
                resolution,
                _scrubber(resolution.substitutions, hidden),
            )
        log.info("connector %s running", name)
        self._connector_state(name, State.RUNNING, version=connector.version())
        return True

    def fail_connector(self, name: str, error: BaseException) -> None:
        with self._lock:
            entry = self._connectors.get(name)
        scrub = entry[3] if entry is not None else str
        trace = scrub("".join(traceback.format_exception(error)))
        log.error("connector %s failed: %s", name, scrub(str(error)))
        self._connector_state(name, State.FAILED, trace)

    def connector_task_configs(self, name: str) -> list[dict[str, str]]:
        """Ask the connector for task configs, bounded by ``tasks.max`` (raises, and reports FAILED)."""
        with self._lock:
            connector, config, resolution, _ = self._connectors[name]
        try:
            max_tasks = int(config.get(cc.TASKS_MAX, "1"))
            configs = connector.task_configs(max_tasks)
            enforce = config.get(cc.TASKS_MAX_ENFORCE, "true").strip().lower() != "false"
            if len(configs) > max_tasks and enforce:
                raise ConnectError(
                    f"The connector {name} has generated {len(configs)} tasks, which is greater than "
                    f"{max_tasks}, the maximum number of tasks it is configured to create."
                )
        except Exception as exc:
            with self._lock:
                current = self._connectors.get(name)
            # An instance stopped meanwhile (paused, restarted) may fail on the way out: not a failure.
            if current is not None and current[0] is connector:
                self.fail_connector(name, exc)
            raise
        task_cls = connector.task_class()
        task_class_name = f"{task_cls.__module__}.{task_cls.__qualname__}"
        result: list[dict[str, str]] = []
        for task_config in configs:
            task_config = {str(k): str(v) for k, v in task_config.items()}
            task_config[TASK_CLASS] = task_class_name
            if isinstance(connector, SinkConnector):
                for key in (cc.TOPICS, cc.TOPICS_REGEX):
                    if config.get(key):
                        task_config.setdefault(key, config[key])
            result.append(task_config)
        # Stored and shown as written: the connector generated them from resolved values.
        return reverse_transform(config, resolution, result, _password_keys(connector))

    def _describe(self, name: str, connector: Connector) -> None:
        kind = "sink" if isinstance(connector, SinkConnector) else "source"
        cls = type(connector)
        try:
            version = connector.version()
        except Exception:
            version = ""
        self.metrics.connector_described(name, f"{cls.__module__}.{cls.__qualname__}", kind, version)

    def stop_connector(self, name: str) -> None:
        self.metrics.connector_removed(name)
        with self._lock:
            self._failed.discard(name)
            entry = self._connectors.pop(name, None)
        if entry is None:
            return
        try:
            entry[0].stop()
        except Exception:
            log.exception("connector %s raised in stop()", name)
        log.info("connector %s stopped", name)

    def transition_connector(
        self,
        name: str,
        config: Mapping[str, str],
        target: TargetState,
        on_reconfigure: Callable[[str], None],
    ) -> bool:
        """Move a connector instance to a new target state (its tasks follow through
        ``set_tasks_target``, wherever they run). Returns True when it runs again: regenerate its
        task configs."""
        with self._lock:
            failed = name in self._failed
        if failed:
            log.warning("connector %s stays FAILED: only a restart moves it to %s", name, target.value)
            return False
        self.stop_connector(name)
        return self.start_connector(name, config, on_reconfigure, target)

    def is_running(self, name: str) -> bool:
        with self._lock:
            return name in self._connectors

    # --- tasks -----------------------------------------------------------------------------------

    def _converter(self, connector_config: Mapping[str, str], key: str, is_key: bool) -> Converter:
        if connector_config.get(key):
            class_name = connector_config[key]
            props = {k[len(key) + 1 :]: v for k, v in connector_config.items() if k.startswith(key + ".")}
        else:
            class_name = str(self.config[key])
            props = self.config.with_prefix(key + ".")
        converter = self.registry.converter_class(class_name, key)()
        converter.configure(props, is_key)
        return converter

    def start_task(
        self,
        task_id: TaskId,
        connector_config: Mapping[str, str],
        task_config: Mapping[str, str],
        target: TargetState = TargetState.STARTED,
        epoch: int = 0,
    ) -> None:
        """Start one task on its own thread in its connector's target state: idle from the start
        when PAUSED, not at all when STOPPED. A failure to build it is reported as FAILED. ``epoch``:
        this copy's (a distributed worker's assignment says; the offset store fences older copies)."""
        with log_context(connector=task_id.connector, task=task_id.task, worker=self.worker_id):
            self._start_task(task_id, connector_config, task_config, target, epoch)

    def _start_task(
        self,
        task_id: TaskId,
        connector_config: Mapping[str, str],
        task_config: Mapping[str, str],
        target: TargetState,
        epoch: int,
    ) -> None:
        if target is TargetState.STOPPED:
            return
        # Placeholders resolve here, on the worker: only this task's objects see the values.
        connector_resolution = self.config_providers.resolve(connector_config)
        task_resolution = self.config_providers.resolve(task_config)
        substitutions = connector_resolution.substitutions + task_resolution.substitutions
        scrub = _scrubber(substitutions)
        try:
            resolved_connector = connector_resolution.check(f"Cannot start task {task_id}")
            resolved_task = task_resolution.check(f"Cannot start task {task_id}")
            scrub = _scrubber(substitutions, self._task_hidden_values(resolved_connector, resolved_task))
            # Validation refused these already; a config written to the config topic directly was not.
            self.client_policy.enforce(resolved_connector)
            runner = self._build_runner(task_id, resolved_connector, resolved_task, epoch)
            runner.redact = scrub
            if target is TargetState.PAUSED:
                runner.pause()
        except Exception:
            trace = scrub(traceback.format_exc())
            log.error("task %s failed to start: %s", task_id, trace.strip().splitlines()[-1])
            self.metrics.task_startups.record(False)
            self._statuses.task_state(task_id, StateInfo(State.FAILED, self.worker_id, trace))
            return
        self.metrics.task_startups.record(True)
        self.metrics.task_added(task_id, runner.metrics)
        with self._lock:
            self._tasks[task_id] = runner
            self.task_starts[task_id] = self.task_starts.get(task_id, 0) + 1
        runner.start()

    def _task_hidden_values(
        self, connector_config: Mapping[str, str], task_config: Mapping[str, str]
    ) -> list[tuple[str, str]]:
        try:
            connector: Connector | None = self.registry.connector_class(
                connector_config[cc.CONNECTOR_CLASS]
            )()
        except Exception:
            connector = None  # the task fails to build anyway, or runs without a known connector class
        return _hidden_values(connector, {**connector_config, **task_config})

    def _build_runner(
        self, task_id: TaskId, connector_config: Mapping[str, str], task_config: Mapping[str, str], epoch: int
    ) -> TaskRunner:
        task_cls = _load_class(task_config[TASK_CLASS])
        task: Task = task_cls()
        client_id = f"connector-{task_id}"
        parts = PipelineParts(
            connector=task_id.connector,
            task_number=task_id.task,
            connector_config=connector_config,
            registry=self.registry,
            key_converter=self._converter(connector_config, cc.KEY_CONVERTER, True),
            value_converter=self._converter(connector_config, cc.VALUE_CONVERTER, False),
            header_converter=self._converter(connector_config, cc.HEADER_CONVERTER, False),
            producer_config=client_configs.producer_config(self.config, connector_config, client_id),
            admin_config=client_configs.admin_config(self.config, connector_config),
            topic_names=self.config.topic_names,
        )
        common = {
            "worker_id": self.worker_id,
            "statuses": self._statuses,
            "offset_flush_interval_ms": int(self.config["offset.flush.interval.ms"]),
            "active_topics": self.topic_tracking.tracker(task_id, self._report_topic),
            "metrics": self.metrics.new_task(
                task_id, TaskKind.SOURCE if isinstance(task, SourceTask) else TaskKind.SINK
            ),
        }
        if isinstance(task, SourceTask):
            creator = TopicCreator.for_connector(
                bool(self.config["topic.creation.enable"]),
                parts.admin_config,
                connector_config,
                self.config[AUTO_CREATE_PARTITIONS],
            )
            source: dict[str, Any] = {
                "producer_config": parts.producer_config,
                "pipeline": source_pipeline(parts),
                "offsets": self.offsets,
                "offset_flush_timeout_ms": int(self.config["offset.flush.timeout.ms"]),
                "topic_creator": creator,
                "epoch": epoch,
                **common,
            }
            if self.config.exactly_once_source:
                interval = connector_config.get(cc.TRANSACTION_BOUNDARY_INTERVAL)
                boundary = connector_config.get(cc.TRANSACTION_BOUNDARY, "poll").lower()
                return TransactionalSourceTaskRunner(
                    task_id,
                    task,
                    task_config,
                    # Kafka's name: a new copy of the task, anywhere, fences the old one by it.
                    transactional_id=f"{self.config['group.id']}-{task_id.connector}-{task_id.task}",
                    offsets_topic=self.config.topic_names.to_kafka(str(self.config["offset.storage.topic"])),
                    boundary=TransactionBoundary(boundary),
                    boundary_interval_ms=int(interval) if interval else None,
                    **source,
                )
            return SourceTaskRunner(task_id, task, task_config, **source)
        if isinstance(task, SinkTask):
            pipeline, errant_reporter = sink_pipeline(parts, task_config[TASK_CLASS])
            return SinkTaskRunner(
                task_id,
                task,
                task_config,
                consumer_config=client_configs.consumer_config(
                    self.config, connector_config, task_id.connector, client_id
                ),
                pipeline=pipeline,
                errant_record_reporter=errant_reporter,
                batch_size=client_configs.max_poll_records(self.config, connector_config),
                offset_flush_timeout_ms=int(self.config["offset.flush.timeout.ms"]),
                topic_creator=TopicCreator.auto_creating(
                    parts.admin_config, self.config[AUTO_CREATE_PARTITIONS]
                ),
                topic_names=self.config.topic_names,
                **common,
            )
        raise ConnectError(f"{task_config[TASK_CLASS]} is neither a SourceTask nor a SinkTask")

    def _report_topic(self, connector: str, topic: str, task: int) -> None:
        """A task's newly used topic, by the user's name for it (not the mapped stream path)."""
        self._statuses.topic_active(connector, self.config.topic_names.to_user(topic), task)

    def stop_tasks(self, task_ids: Iterable[TaskId]) -> list[TaskId]:
        """Stop tasks in parallel within ``task.shutdown.graceful.timeout.ms``; returns abandoned ids."""
        with self._lock:
            runners = [r for r in (self._tasks.pop(t, None) for t in task_ids) if r is not None]
        for runner in runners:
            self.metrics.task_removed(runner.task_id)
        if not runners:
            return []
        return stop_runners(runners, int(self.config["task.shutdown.graceful.timeout.ms"]) / 1000)

    def set_tasks_target(self, task_ids: Iterable[TaskId], target: TargetState) -> None:
        """Pause or resume running tasks in place (STOPPED tasks are stopped by their owner)."""
        if target is TargetState.STOPPED:
            return
        with self._lock:
            runners = [r for r in (self._tasks.get(t) for t in task_ids) if r is not None]
        for runner in runners:
            runner.pause() if target is TargetState.PAUSED else runner.resume()

    def forget_active_topics(self, connector: str | None = None) -> None:
        """After active topics were reset: the tasks (of ``connector``, or all) report each topic again
        on its next use."""
        with self._lock:
            runners = [r for t, r in self._tasks.items() if connector is None or t.connector == connector]
        for runner in runners:
            runner.active_topics.forget()

    def task_ids(self, connector: str | None = None) -> list[TaskId]:
        with self._lock:
            return sorted(t for t in self._tasks if connector is None or t.connector == connector)

    def runner(self, task_id: TaskId) -> TaskRunner | None:
        with self._lock:
            return self._tasks.get(task_id)

    def stop(self) -> None:
        """Stop every task (final offset flush included), then every connector, then the config
        providers."""
        self.stop_tasks(self.task_ids())
        with self._lock:
            names = list(self._connectors)
        for name in names:
            self.stop_connector(name)
        self.config_providers.close()
