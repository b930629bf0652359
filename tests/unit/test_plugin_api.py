"""The plugin API is a curated, stable surface: adding to it is deliberate, removing breaks plugins."""

import connectd.api

STABLE_NAMES = {
    "ConfigDef",
    "ConfigError",
    "ConfigKey",
    "ConfigProvider",
    "ConfigType",
    "ConfigValue",
    "ConnectError",
    "Connector",
    "ConnectorContext",
    "ConnectorTransactionBoundaries",
    "Converter",
    "DataError",
    "ExactlyOnceSupport",
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
    "ValidString",
    "Width",
    "non_empty_string",
    "non_empty_string_without_control_chars",
    "non_null",
    "struct_schema",
    "date_schema",
    "decimal_schema",
    "time_schema",
    "timestamp_schema",
    "new_record",
    "ConnectRecord",
    "ErrantRecordReporter",
    "Predicate",
    "Transformation",
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


def test_new_record_copies_every_field_and_changes_only_those_named() -> None:
    import dataclasses

    from connectd.api import STRING_SCHEMA, Header, SinkRecord, SourceRecord, new_record

    source = SourceRecord(
        "t", "v", "k", {"p": 1}, {"o": 2}, 3, STRING_SCHEMA, STRING_SCHEMA, 4, [Header("h", 1)]
    )
    sink = SinkRecord("t", 1, 2, "v", "k", STRING_SCHEMA, STRING_SCHEMA, 3, [Header("h", 1)])
    for record in (source, sink):
        assert new_record(record) == record and new_record(record) is not record
        for field in dataclasses.fields(record):
            changed = new_record(record, **{field.name: "changed"})
            assert changed == dataclasses.replace(record, **{field.name: "changed"}), field.name
        try:
            new_record(record, nope=1)
        except TypeError as exc:
            assert "nope" in str(exc)
        else:
            raise AssertionError("expected a TypeError for an unknown field")
