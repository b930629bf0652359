"""Stores behind small interfaces: source offsets (file, Kafka topic); configs and statuses later."""
