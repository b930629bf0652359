"""The connector plugin API: everything a plugin author imports, from this one module.

A source connector in a few lines::

    from connectd.api import ConfigDef, ConfigType, SourceConnector, SourceRecord, SourceTask

    class CounterTask(SourceTask):
        def start(self, config): self.n = (self.context.offset_reader.offset({"c": 1}) or {}).get("n", 0)
        def poll(self):
            self.n += 1
            return [SourceRecord("counts", str(self.n),
                                 source_partition={"c": 1}, source_offset={"n": self.n})]
        def stop(self): pass

    class CounterConnector(SourceConnector):
        def config_def(self): return ConfigDef().define("topic", ConfigType.STRING)
        def start(self, config): self.config = dict(config)
        def task_class(self): return CounterTask
        def task_configs(self, max_tasks): return [self.config]
        def stop(self): pass

Register it under the ``connectd.plugins`` entry-point group, or drop the file in a ``plugin.path``
directory. Transformations and predicates (:class:`Transformation`, :class:`Predicate`) are found
the same way; a worker's config providers (:class:`ConfigProvider`) are named in its
config. The names below are the stable surface; a test checks the list.
"""

from connectd.api.config import (
    HIDDEN,
    NO_DEFAULT,
    ConfigDef,
    ConfigKey,
    ConfigType,
    ConfigValue,
    Importance,
    Password,
    Range,
    Recommender,
    ValidString,
    Width,
    non_empty_string,
    non_empty_string_without_control_chars,
    non_null,
)
from connectd.api.config_provider import ConfigProvider
from connectd.api.connector import Connector, ConnectorContext, SinkConnector, SourceConnector
from connectd.api.converter import Converter
from connectd.api.errors import ConfigError, ConnectError, DataError, MissingConfigError, RetriableError
from connectd.api.exactly_once import ConnectorTransactionBoundaries, ExactlyOnceSupport, TransactionContext
from connectd.api.records import (
    Header,
    RecordMetadata,
    SinkRecord,
    SinkRecordBatch,
    SourceRecord,
    SourceRecordBatch,
    TopicPartition,
)
from connectd.api.schema import (
    BOOLEAN_SCHEMA,
    BYTES_SCHEMA,
    FLOAT64_SCHEMA,
    INT32_SCHEMA,
    INT64_SCHEMA,
    OPTIONAL_BYTES_SCHEMA,
    OPTIONAL_INT64_SCHEMA,
    OPTIONAL_STRING_SCHEMA,
    STRING_SCHEMA,
    Field,
    Schema,
    SchemaAndValue,
    SchemaType,
    date_schema,
    decimal_schema,
    struct_schema,
    time_schema,
    timestamp_schema,
)
from connectd.api.task import (
    ErrantRecordReporter,
    OffsetReader,
    SinkTask,
    SinkTaskContext,
    SourceTask,
    SourceTaskContext,
    Task,
)
from connectd.api.transforms import ConnectRecord, Predicate, Transformation, new_record

__all__ = [
    "BOOLEAN_SCHEMA",
    "BYTES_SCHEMA",
    "FLOAT64_SCHEMA",
    "HIDDEN",
    "INT32_SCHEMA",
    "INT64_SCHEMA",
    "NO_DEFAULT",
    "OPTIONAL_BYTES_SCHEMA",
    "OPTIONAL_INT64_SCHEMA",
    "OPTIONAL_STRING_SCHEMA",
    "STRING_SCHEMA",
    "ConfigDef",
    "ConfigError",
    "ConfigKey",
    "ConfigProvider",
    "ConfigType",
    "ConfigValue",
    "ConnectError",
    "ConnectRecord",
    "Connector",
    "ConnectorContext",
    "ConnectorTransactionBoundaries",
    "Converter",
    "DataError",
    "ErrantRecordReporter",
    "ExactlyOnceSupport",
    "Field",
    "Header",
    "Importance",
    "MissingConfigError",
    "OffsetReader",
    "Password",
    "Predicate",
    "Range",
    "Recommender",
    "RecordMetadata",
    "RetriableError",
    "Schema",
    "SchemaAndValue",
    "SchemaType",
    "SinkConnector",
    "SinkRecord",
    "SinkRecordBatch",
    "SinkTask",
    "SinkTaskContext",
    "SourceConnector",
    "SourceRecord",
    "SourceRecordBatch",
    "SourceTask",
    "SourceTaskContext",
    "Task",
    "TopicPartition",
    "TransactionContext",
    "Transformation",
    "ValidString",
    "Width",
    "date_schema",
    "decimal_schema",
    "new_record",
    "non_empty_string",
    "non_empty_string_without_control_chars",
    "non_null",
    "struct_schema",
    "time_schema",
    "timestamp_schema",
]
