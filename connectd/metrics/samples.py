"""One reading of one metric, in Kafka's terms: what an exporter names and renders."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Kind(Enum):
    COUNTER = "counter"  # only ever grows: Kafka's ``*-total`` attributes
    GAUGE = "gauge"
    # A string attribute (``status``, ``connector-class``): the text is the value, exported as a
    # gauge of 1 with the attribute as a label, as the JMX exporter renders them.
    TEXT = "text"


Labels = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Sample:
    group: str  # Kafka's metric group, e.g. ``source-task-metrics``
    attribute: str  # Kafka's attribute, e.g. ``source-record-poll-total``
    labels: Labels  # ``connector``, ``task``, ``worker``: those that apply
    value: float
    kind: Kind = Kind.GAUGE
    text: str = ""  # the value of a TEXT sample


class SampleList(list[Sample]):
    """Samples sharing one group and label set while they are added."""

    def __init__(self, group: str, labels: Labels) -> None:
        super().__init__()
        self.group, self.labels = group, labels

    def gauge(self, attribute: str, value: float) -> None:
        self.append(Sample(self.group, attribute, self.labels, float(value)))

    def counter(self, attribute: str, value: float) -> None:
        self.append(Sample(self.group, attribute, self.labels, float(value), Kind.COUNTER))

    def text(self, attribute: str, text: str) -> None:
        self.append(Sample(self.group, attribute, self.labels, 1.0, Kind.TEXT, text))
