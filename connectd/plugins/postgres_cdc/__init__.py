"""Change-data capture from PostgreSQL (logical replication with pgoutput), in Debezium's event format."""

from connectd.plugins.postgres_cdc.connector import PostgresCdcSourceConnector

__all__ = ["PostgresCdcSourceConnector"]
