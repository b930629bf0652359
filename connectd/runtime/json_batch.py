"""Compact JSON text for a whole batch of values of one schema, column by column.

The JsonConverter's per-value path builds a JSON tree and encodes it (a few microseconds a record).
For the batches most sources send, plain primitives and flat structs of them, the text can be made
for the whole batch with each column encoded by one C call (``map``) and each record assembled by
one ``%`` format; the result is the same text ``json.dumps(tree, separators=(",", ":"))`` gives.
Anything else (nulls, defaults, logical types, nested containers, non-finite floats) is left to the
per-value path.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from itertools import repeat
from json.encoder import encode_basestring_ascii
from typing import Any

from connectd.api.schema import Schema, SchemaType
from connectd.runtime.json_logical import KINDS

_Column = Callable[[list[Any]], list[str] | None]


def _strings(column: list[Any]) -> list[str] | None:
    return list(map(encode_basestring_ascii, column)) if set(map(type, column)) == {str} else None


def _ints(column: list[Any]) -> list[str] | None:
    return list(map(int.__repr__, column)) if set(map(type, column)) == {int} else None


def _floats(column: list[Any]) -> list[str] | None:
    if set(map(type, column)) != {float} or not all(map(math.isfinite, column)):
        return None  # NaN and the infinities have their own spelling
    return list(map(float.__repr__, column))


def _booleans(column: list[Any]) -> list[str] | None:
    if set(map(type, column)) != {bool}:
        return None
    return ["true" if b else "false" for b in column]


# The schema types whose values are written as their Python type's JSON, by the exact Python type.
_COLUMNS: dict[SchemaType, _Column] = {
    SchemaType.STRING: _strings,
    SchemaType.INT8: _ints,
    SchemaType.INT16: _ints,
    SchemaType.INT32: _ints,
    SchemaType.INT64: _ints,
    SchemaType.FLOAT32: _floats,
    SchemaType.FLOAT64: _floats,
    SchemaType.BOOLEAN: _booleans,
}


def _column_writer(schema: Schema) -> _Column | None:
    return _COLUMNS.get(schema.type) if schema.name is None else None


def json_texts(schema: Schema, values: Sequence[Any]) -> list[str] | None:
    """The JSON text of each value, or None when the batch needs the per-value rules (the caller
    then converts value by value)."""
    if not values:
        return None
    column = list(values)
    if schema.type is not SchemaType.STRUCT:
        write = _column_writer(schema)
        return write(column) if write is not None else None
    if schema.name in KINDS or set(map(type, column)) != {dict}:
        return None  # a logical type, or a null (or a map) to check value by value
    writers = [_column_writer(f.schema) for f in schema.fields]
    if not writers or None in writers:
        return None
    columns = []
    for field, write in zip(schema.fields, writers, strict=True):
        assert write is not None
        texts = write(list(map(dict.get, column, repeat(field.name))))
        if texts is None:
            return None
        columns.append(texts)
    template = "{" + ",".join(f"{encode_basestring_ascii(f.name)}:%s" for f in schema.fields) + "}"
    return [template % row for row in zip(*columns, strict=True)]
