"""Filter: drop every record (Kafka's ``Filter``); meant to run behind a predicate."""

from __future__ import annotations

from connectd.api.transforms import R
from connectd.transforms.builtin import BuiltinTransformation


class Filter(BuiltinTransformation):
    """Drops all records, filtering them from subsequent transformations in the chain. This is intended
    to be used conditionally to filter out records matching (or not matching) a particular Predicate."""

    aliases = ("org.apache.kafka.connect.transforms.Filter",)

    def apply(self, record: R) -> R | None:
        return None
