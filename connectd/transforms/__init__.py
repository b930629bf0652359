"""Kafka Connect's built-in single message transforms and predicates, one module each.

The package is one ``connectd.plugins`` entry point: the registry imports every module in it and
registers each concrete Transformation and Predicate it defines, under Kafka's class names too
(``org.apache.kafka.connect.transforms.InsertField$Value``).
"""
