"""Plugin version requirements as Kafka Connect 4.1 takes them (KIP-891): Maven version ranges.

``latest`` (or nothing) means any version; ``1.2.3`` means exactly that version; ``[1.0,2.0)``,
``(,1.5]`` and unions such as ``[1.0,1.2],[1.5,)`` are ranges, rendered back the way Maven prints
them (an exact version ``1.2.3`` prints as ``[1.2.3,1.2.3]``, as in Kafka's error messages).

Version ordering follows Maven's rules closely enough for plugin versions: numeric parts compare as
numbers, trailing zeros do not count (``1.0 == 1.0.0``), qualifiers order as alpha < beta <
milestone < rc < snapshot < release < sp, and a number sorts after any qualifier.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import total_ordering

LATEST = "latest"

# Maven's qualifier order; an unknown qualifier sorts after these, alphabetically.
_QUALIFIERS = {
    **dict.fromkeys(("alpha", "a"), 0),
    **dict.fromkeys(("beta", "b"), 1),
    **dict.fromkeys(("milestone", "m"), 2),
    **dict.fromkeys(("rc", "cr"), 3),
    "snapshot": 4,
    **dict.fromkeys(("", "ga", "final", "release"), 5),
    "sp": 6,
}
_TOKENS = re.compile(r"\d+|[a-zA-Z]+")


class InvalidVersionSpecError(ValueError):
    """A version requirement that is not a version or a well-formed range."""


def _items(version: str) -> list[int | str]:
    items: list[int | str] = [int(t) if t.isdigit() else t.lower() for t in _TOKENS.findall(version)]
    # Trailing "null" items do not count: 1.0 == 1 == 1.0.0 == 1-final.
    while items and items[-1] in (0, "", "ga", "final", "release"):
        items.pop()
    return items


def _compare_item(a: int | str | None, b: int | str | None) -> int:
    if a is None:
        a = 0 if isinstance(b, int) else ""
    if b is None:
        b = 0 if isinstance(a, int) else ""
    if isinstance(a, int) and isinstance(b, int):
        return (a > b) - (a < b)
    if isinstance(a, int):
        return 1
    if isinstance(b, int):
        return -1
    rank_a, rank_b = _QUALIFIERS.get(a, 7), _QUALIFIERS.get(b, 7)
    if rank_a != rank_b:
        return (rank_a > rank_b) - (rank_a < rank_b)
    return (a > b) - (a < b)


@total_ordering
@dataclass(frozen=True, slots=True, eq=False)
class Version:
    text: str

    def _compare(self, other: Version) -> int:
        mine, theirs = _items(self.text), _items(other.text)
        for i in range(max(len(mine), len(theirs))):
            result = _compare_item(mine[i] if i < len(mine) else None, theirs[i] if i < len(theirs) else None)
            if result:
                return result
        return 0

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Version) and self._compare(other) == 0

    def __lt__(self, other: Version) -> bool:
        return self._compare(other) < 0

    def __hash__(self) -> int:
        return hash(tuple(_items(self.text)))

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class Restriction:
    lower: Version | None
    lower_inclusive: bool
    upper: Version | None
    upper_inclusive: bool

    def contains(self, version: Version) -> bool:
        if self.lower is not None and (
            version < self.lower or (version == self.lower and not self.lower_inclusive)
        ):
            return False
        return self.upper is None or version < self.upper or (version == self.upper and self.upper_inclusive)

    def __str__(self) -> str:
        return (
            ("[" if self.lower_inclusive else "(")
            + (str(self.lower) if self.lower is not None else "")
            + ","
            + (str(self.upper) if self.upper is not None else "")
            + ("]" if self.upper_inclusive else ")")
        )


@dataclass(frozen=True, slots=True)
class VersionRange:
    restrictions: tuple[Restriction, ...]

    def contains(self, version: str) -> bool:
        parsed = Version(version)
        return any(r.contains(parsed) for r in self.restrictions)

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.restrictions)


def _restriction(spec: str, whole: str) -> Restriction:
    lower_inclusive, upper_inclusive = spec.startswith("["), spec.endswith("]")
    inner = spec[1:-1].strip()
    if "," not in inner:
        if not (lower_inclusive and upper_inclusive):
            raise InvalidVersionSpecError(f"Single version must be surrounded by []: {whole}")
        exact = Version(inner)
        return Restriction(exact, True, exact, True)
    low_text, high_text = (part.strip() for part in inner.split(",", 1))
    low = Version(low_text) if low_text else None
    high = Version(high_text) if high_text else None
    if (
        low is not None
        and high is not None
        and (high < low or (high == low and not (lower_inclusive and upper_inclusive)))
    ):
        raise InvalidVersionSpecError(f"Range defies version ordering: {whole}")
    return Restriction(low, lower_inclusive, high, upper_inclusive)


def _parse_ranges(spec: str) -> tuple[Restriction, ...]:
    restrictions: list[Restriction] = []
    rest = spec
    while rest.startswith(("[", "(")):
        ends = [i for i in (rest.find("]"), rest.find(")")) if i >= 0]
        if not ends:
            raise InvalidVersionSpecError(f"Unbounded range: {spec}")
        end = min(ends)
        restriction = _restriction(rest[: end + 1], spec)
        previous = restrictions[-1] if restrictions else None
        if previous is not None and (
            previous.upper is None or restriction.lower is None or restriction.lower < previous.upper
        ):
            raise InvalidVersionSpecError(f"Ranges overlap: {spec}")
        restrictions.append(restriction)
        rest = rest[end + 1 :].strip().removeprefix(",").strip()
    if rest:
        raise InvalidVersionSpecError(f"Only fully-qualified sets allowed in multiple set scenario: {spec}")
    return tuple(restrictions)


def version_requirement(spec: str | None) -> VersionRange | None:
    """None for ``latest`` or an empty spec (any version); a plain version is an exact requirement.

    Raises :class:`InvalidVersionSpecError` for a malformed range."""
    if spec is None or spec.strip() in ("", LATEST):
        return None
    spec = spec.strip()
    if not spec.startswith(("[", "(")):
        if any(c in spec for c in "[]()"):
            raise InvalidVersionSpecError(f"Unbounded range: {spec}")
        exact = Version(spec)
        return VersionRange((Restriction(exact, True, exact, True),))
    return VersionRange(_parse_ranges(spec))
