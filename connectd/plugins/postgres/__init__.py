"""PostgreSQL connectors that take the keys of Confluent's JDBC connectors.

``PostgresSourceConnector`` copies tables (or a query) into Kafka in bulk, incrementing, timestamp
or timestamp+incrementing mode; ``PostgresSinkConnector`` writes topics into tables with insert,
upsert or update, creating and evolving tables from the records' schemas. Both need the driver of
the ``connectd[postgres]`` extra (psycopg 3), imported only when a connector or task starts.
"""

from connectd.plugins.postgres.sink_connector import PostgresSinkConnector, PostgresSinkTask
from connectd.plugins.postgres.source_connector import PostgresSourceConnector, PostgresSourceTask

__all__ = ["PostgresSinkConnector", "PostgresSinkTask", "PostgresSourceConnector", "PostgresSourceTask"]
