"""A prometheus_client Collector over the core's metric objects: nothing is recorded through
prometheus_client, a scrape reads the plain-Python values and names them (:mod:`.names`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from connectd.metrics.samples import Kind, Sample, SampleList
from services.metrics.names import Named, prometheus_series, strimzi_series


def _help(named: Named, sample: Sample) -> str:
    unit = " (in seconds)" if named.name.endswith("_seconds") and sample.attribute.endswith("-ms") else ""
    return f"Kafka Connect {sample.group} {sample.attribute}{unit}"


class ConnectCollector(Collector):
    """``read`` returns the groups of the moment (e.g. :meth:`WorkerMetrics.samples`)."""

    def __init__(self, read: Callable[[], list[SampleList]], strimzi_names: bool = False) -> None:
        self._read = read
        self._strimzi = strimzi_names

    def collect(self) -> Iterator[Metric]:
        families: dict[str, Metric] = {}
        for group in self._read():
            for sample in group:
                self._add(families, prometheus_series(sample), sample)
                if self._strimzi:
                    named = strimzi_series(sample)
                    if named is not None:
                        self._add(families, named, sample)
        yield from families.values()

    @staticmethod
    def _add(families: dict[str, Metric], named: Named, sample: Sample) -> None:
        family = families.get(named.name)
        if family is None:
            counter = named.kind is Kind.COUNTER
            # A counter family is named without its ``_total``, which its sample carries.
            base = named.name.removesuffix("_total") if counter else named.name
            family = families[named.name] = Metric(
                base, _help(named, sample), "counter" if counter else "gauge"
            )
        family.add_sample(named.name, dict(named.labels), named.value)
