"""Test plugins for the record pipeline: a source that emits the records a JSON-lines file scripts,
and a sink that reports records it is told to refuse through the errant record reporter."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from pathlib import Path

from connectd.api import (
    ConfigDef,
    ConfigType,
    Header,
    SinkConnector,
    SinkRecord,
    SinkTask,
    SourceConnector,
    SourceRecord,
    SourceTask,
)


class ScriptedSourceTask(SourceTask):
    """Each line of ``records.file`` is ``{"topic", "value", "key"?, "headers"?}``: one record, with
    source partition ``{"script": file}`` and offset ``{"line": n}``; a restart resumes after the last
    committed line. Values are plain JSON (schemaless maps, strings, numbers)."""

    def start(self, config: Mapping[str, str]) -> None:
        self._path = config["records.file"]
        self._partition = {"script": self._path}
        committed = self.context.offset_reader.offset(self._partition)
        self._next = committed["line"] if committed else 0
        self._stopped = threading.Event()

    def poll(self) -> list[SourceRecord] | None:
        lines = Path(self._path).read_text().splitlines()
        if self._next >= len(lines):
            self._stopped.wait(0.1)
            return None
        records = []
        for number in range(self._next, len(lines)):
            spec = json.loads(lines[number])
            records.append(
                SourceRecord(
                    spec["topic"],
                    spec["value"],
                    key=spec.get("key"),
                    source_partition=self._partition,
                    source_offset={"line": number + 1},
                    headers=[Header(k, v) for k, v in spec.get("headers", {}).items()],
                )
            )
        self._next = len(lines)
        return records

    def stop(self) -> None:
        self._stopped.set()


class ScriptedSourceConnector(SourceConnector):
    def config_def(self) -> ConfigDef:
        return ConfigDef().define("records.file", ConfigType.STRING)

    def start(self, config: Mapping[str, str]) -> None:
        self.config = dict(config)

    def task_class(self) -> type[ScriptedSourceTask]:
        return ScriptedSourceTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        return [dict(self.config)]

    def stop(self) -> None:
        pass


class RefusingSinkTask(SinkTask):
    """Writes each value's ``id`` to ``file``; a value with ``"refuse": true`` is reported as errant."""

    def start(self, config: Mapping[str, str]) -> None:
        self._file = config["file"]

    def put(self, records: list[SinkRecord]) -> None:
        reporter = self.context.errant_record_reporter
        kept = []
        for record in records:
            if isinstance(record.value, dict) and record.value.get("refuse"):
                if reporter is None:
                    raise ValueError(f"refused record {record.value} and no errant record reporter")
                reporter.report(record, ValueError(f"refused record {record.value.get('id')}"))
            else:
                kept.append(record)
        with open(self._file, "a", encoding="utf-8") as out:
            out.write(
                "".join(f"{r.value.get('id') if isinstance(r.value, dict) else r.value}\n" for r in kept)
            )

    def stop(self) -> None:
        pass


class RefusingSinkConnector(SinkConnector):
    def config_def(self) -> ConfigDef:
        return ConfigDef().define("file", ConfigType.STRING)

    def start(self, config: Mapping[str, str]) -> None:
        self.config = dict(config)

    def task_class(self) -> type[RefusingSinkTask]:
        return RefusingSinkTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        return [dict(self.config)]

    def stop(self) -> None:
        pass
