"""The rules of Kafka Connect's control plane, written once for both modes: the connector table,
the status of a connector, and every message a user reads. Standalone and the coordinator differ
only in how they wire these (direct calls, or persisted and assigned), never in their answers."""
