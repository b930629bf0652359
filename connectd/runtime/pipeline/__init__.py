"""The record pipeline between a task and Kafka, as one object per task.

Source side: poll → transforms → converters → produce; sink side: consume → converters →
transforms → put. Every step runs under the connector's error handling (``errors.*``: retries,
tolerance, the error log and the dead letter queue), which knows the stage it failed in.
"""
