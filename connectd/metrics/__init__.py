"""Kafka Connect's metrics, recorded in the core as plain Python objects (no exporter here).

The runners record once per ``poll()`` / ``put()`` batch, never per record; an exporter in the
adapters reads the objects at scrape time (:meth:`WorkerMetrics.samples`) and names them.
Groups and attributes are Kafka's: ``connector-metrics``, ``connector-task-metrics``,
``source-task-metrics``, ``sink-task-metrics``, ``task-error-metrics``, ``connect-worker-metrics``,
``connect-worker-rebalance-metrics`` and ``connect-coordinator-metrics``.
"""
