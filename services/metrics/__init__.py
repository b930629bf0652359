"""The Prometheus exporter of every role: the core's metrics named for Prometheus (and optionally as
Strimzi's JMX exporter names them), read at scrape time by a prometheus_client Collector."""
