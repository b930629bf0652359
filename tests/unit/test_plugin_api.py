"""The plugin API is a curated, stable surface: adding to it is deliberate, removing breaks plugins."""

import connectd.api

STABLE_NAMES = {
    "ConfigDef",
    "ConfigError",
    "ConfigKey",
    "ConfigType",
    "ConfigValue",
    "ConnectError",
    "Connector",
    "ConnectorContext",
    "Converter",
    "DataError",
    "Field",
    "Header",
    "Importance",
    "MissingConfigError",
    "OffsetReader",
    "Password",
    "Range",
    "RecordMetadata",
    "Recommender",
    "RetriableError",
    "Schema",
    "SchemaAndValue",
    "SchemaType",
    "SinkConnector",
    "SinkRecord",
    "SinkTask",
    "SinkTaskContext",
    "SourceConnector",
    "SourceRecord",
    "SourceTask",
    "SourceTaskContext",
    "Task",
    "TopicPartition",
    "ValidString",
    "Width",
    "non_empty_string",
    "non_empty_string_without_control_chars",
    "non_null",
    "struct_schema",
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
}


def test_public_surface_is_exactly_the_curated_list() -> None:
    assert set(connectd.api.__all__) == STABLE_NAMES
    for name in STABLE_NAMES:
        assert hasattr(connectd.api, name), f"connectd.api.{name} is listed but missing"
