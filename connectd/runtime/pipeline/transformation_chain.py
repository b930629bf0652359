"""A connector's ``transforms`` chain, built from its config as Kafka builds it.

For each alias ``a`` of ``transforms``: the class in ``transforms.a.type``, configured with every
``transforms.a.*`` key minus the prefix (without ``predicate`` and ``negate``, which belong to the
stage). With ``transforms.a.predicate=p``, the stage runs only for records that
``predicates.p.type`` (configured with ``predicates.p.*``) matches, or, with ``negate=true``, only
for those it does not match.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from operator import is_not
from typing import Any

from connectd.api.config import ConfigType, parse_value
from connectd.api.errors import ConfigError
from connectd.api.transforms import Predicate, R, Transformation
from connectd.plugins.registry import PluginRegistry

TRANSFORMS = "transforms"
PREDICATES = "predicates"
PREDICATE = "predicate"
NEGATE = "negate"


@dataclass(frozen=True, slots=True)
class TransformationStage:
    alias: str
    transformation: Transformation
    predicate: Predicate | None = None
    negate: bool = False

    def applies_to(self, record: Any) -> bool:
        return self.predicate is None or self.predicate.test(record) != self.negate


class TransformationChain:
    """Applies each stage in order; a stage returning None drops the record (and ends the chain)."""

    def __init__(self, stages: list[TransformationStage]) -> None:
        self.stages = stages

    def __bool__(self) -> bool:
        return bool(self.stages)

    def apply(self, record: R, run: Callable[..., Any]) -> R | None:
        """``run(stage, operation, record)`` calls one step (under the error handler)."""
        for stage in self.stages:
            if stage.predicate is not None and not run(stage, stage.applies_to, record):
                continue
            record = run(stage, stage.transformation.apply, record)
            if record is None:
                return None
        return record

    def apply_batch(self, records: list[R], owned: bool = False) -> list[R | None]:
        """Each stage over the whole batch (one call per stage, not one chain walk per record); the
        result is aligned with ``records``, None where a stage dropped the record. ``owned``: the
        records are the runtime's own (a sink's, fresh from the converters), which lets
        :meth:`Transformation.apply_batch` set their fields in place."""
        out: list[Any] = records
        dropped = False
        for stage in self.stages:
            transformation, predicate, negate = stage.transformation, stage.predicate, stage.negate
            apply = transformation.apply
            if predicate is None and not dropped:
                before = out
                out = transformation.apply_batch(before, owned)
                # Still the runtime's own: what a transformation that keeps no reference returned,
                # when every record was either the runtime's already or is a new object.
                owned = transformation.fresh_records and (owned or all(map(is_not, out, before)))
            else:
                if predicate is None:
                    out = [None if r is None else apply(r) for r in out]
                else:
                    test = predicate.test
                    out = [r if r is None or test(r) == negate else apply(r) for r in out]
                owned = False
            # Records are always true: a false item is a record some stage dropped.
            dropped = dropped or not all(out)
        return out

    def close(self) -> None:
        closed: set[int] = set()
        for stage in self.stages:
            for plugin in (stage.transformation, stage.predicate):
                if plugin is not None and id(plugin) not in closed:
                    closed.add(id(plugin))
                    plugin.close()


def _sub_config(config: Mapping[str, str], prefix: str) -> dict[str, str]:
    return {k[len(prefix) :]: v for k, v in config.items() if k.startswith(prefix)}


def _aliases(config: Mapping[str, str], key: str) -> list[str]:
    return list(parse_value(key, ConfigType.LIST, config.get(key)) or [])


def build_chain(config: Mapping[str, str], registry: PluginRegistry) -> TransformationChain:
    """The chain a connector config describes; ConfigError for a config validation would refuse."""
    predicates: dict[str, Predicate] = {}
    for alias in _aliases(config, PREDICATES):
        prefix = f"{PREDICATES}.{alias}."
        predicate = _instance(registry, config, prefix, "predicate")
        predicate.configure(_sub_config(config, prefix))
        predicates[alias] = predicate
    stages = []
    for alias in _aliases(config, TRANSFORMS):
        prefix = f"{TRANSFORMS}.{alias}."
        transformation = _instance(registry, config, prefix, "transformation")
        sub = _sub_config(config, prefix)
        predicate_alias = sub.pop(PREDICATE, None)
        negate = sub.pop(NEGATE, None)
        transformation.configure(sub)
        predicate = None
        if predicate_alias is not None:
            predicate = predicates.get(predicate_alias)
            if predicate is None:
                raise ConfigError(prefix + PREDICATE, predicate_alias, undefined_predicate(predicate_alias))
        elif negate is not None:
            raise ConfigError(prefix + NEGATE, negate, negate_without_predicate(prefix))
        negated = (
            bool(parse_value(prefix + NEGATE, ConfigType.BOOLEAN, negate)) if negate is not None else False
        )
        stages.append(TransformationStage(alias, transformation, predicate, negated))
    return TransformationChain(stages)


def undefined_predicate(alias: str) -> str:
    return f"no predicate with alias '{alias}' is listed in '{PREDICATES}'"


def negate_without_predicate(prefix: str) -> str:
    return (
        f"Config '{prefix}{NEGATE}' was provided but there is no config '{prefix}{PREDICATE}' defining a "
        "predicate to be negated."
    )


def _instance(registry: PluginRegistry, config: Mapping[str, str], prefix: str, kind: str) -> Any:
    key = prefix + "type"
    name = config.get(key)
    if not name:
        raise ConfigError(key, None, "Missing required configuration")
    try:
        return registry.transform_class(name, kind)()
    except ConfigError:
        raise
    except Exception as exc:
        raise ConfigError(key, name, str(exc)) from exc
