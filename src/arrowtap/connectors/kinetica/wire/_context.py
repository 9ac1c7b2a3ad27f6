"""What the Kinetica value converters share: wire types, errors naming column, row and value."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from arrowtap.connectors.kinetica.wire.types import KineticaColumn
from arrowtap.errors import ArrowtapError

WIRE = {
    "int": pa.int32(),
    "long": pa.int64(),
    "float": pa.float32(),
    "double": pa.float64(),
    "string": pa.string(),
    "bytes": pa.binary(),
}
"""The Arrow type of each Avro base type's wire values."""

_HEX = r"[0-9a-fA-F]"
UUID_RE = rf"^{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}$"
_FAILURES = (pa.ArrowException, ValueError, TypeError, OverflowError)


class Context:
    """Raises `error` (InvalidArgumentError or DecodeError) naming the column, row and value."""

    def __init__(self, column: KineticaColumn, error: type[ArrowtapError]) -> None:
        self.column = column
        self.error = error

    def fail(self, message: str) -> ArrowtapError:
        col = self.column
        return self.error(f"Kinetica column {col.name!r} ({col.type_name}): {message}")

    def bad_row(self, values: Any, row: int, reason: str) -> ArrowtapError:
        return self.fail(f"row {row}: {_show(values, row)} {reason}")

    def check(self, values: Any, bad: pa.Array, reason: Callable[[int], str] | str) -> None:
        """Raise for the first row where the boolean array `bad` is true."""
        if pc.any(bad).as_py():
            row = pc.index(bad, True).as_py()
            raise self.bad_row(values, row, reason(row) if callable(reason) else reason)

    def check_nulls(self, values: pa.Array) -> None:
        """Raise for the first null unless the column is nullable."""
        if not self.column.nullable and values.null_count:
            row = pc.index(values.is_null(), True).as_py()
            raise self.fail(f"row {row} is null, but the column is not nullable")

    def apply(self, values: Any, fn: Callable[[Any], Any], reason: str) -> Any:
        """``fn(values)``, or the row whose value makes it fail, found by bisection."""
        try:
            return fn(values)
        except _FAILURES as exc:
            lo, hi = 0, len(values)
            while hi - lo > 1:
                mid = (lo + hi) // 2
                try:
                    fn(_part(values, lo, mid))
                    lo = mid
                except _FAILURES:
                    hi = mid
            if hi - lo == 1 and _fails(fn, _part(values, lo, hi)):
                raise self.bad_row(values, lo, reason) from exc
            raise self.fail(f"{reason}: {exc}") from exc

    def cast(self, values: pa.Array, target: pa.DataType, reason: str) -> pa.Array:
        return self.apply(values, lambda a: pc.cast(a, target), reason)


def _part(values: Any, lo: int, hi: int) -> Any:
    if isinstance(values, pa.Array) and pa.types.is_nested(values.type):
        # A slice of a list array keeps all its items, and casts check them all.
        return values.take(pa.array(range(lo, hi), pa.int64()))
    return values[lo:hi]


def _fails(fn: Callable[[Any], Any], values: Any) -> bool:
    try:
        fn(values)
    except _FAILURES:
        return True
    return False


def _show(values: Any, row: int) -> str:
    if isinstance(values, pa.Array):
        scalar = values[row]
        temporal = pa.types.is_temporal(values.type)
        text = str(scalar) if temporal and scalar.is_valid else repr(scalar.as_py())
    else:
        text = repr(values[row])
    return text if len(text) <= 80 else text[:77] + "..."


def with_nulls(out: pa.Array, like: pa.Array) -> pa.Array:
    """`out` with nulls where `like` has them."""
    if not like.null_count:
        return out
    return pc.if_else(like.is_null(), pa.scalar(None, out.type), out)


def contiguous(arr: pa.Array) -> bytes | memoryview:
    """The bytes of all values of a string or binary array, back to back."""
    if not len(arr):
        return b""
    _, offsets_buffer, data = arr.buffers()
    offsets = np.frombuffer(offsets_buffer, np.int32)[arr.offset : arr.offset + len(arr) + 1]
    return memoryview(data)[offsets[0] : offsets[-1]] if data is not None else b""
