"""Items from the wire, from boto3 and from arrowtap, brought to one comparable form.

Timestamps become integer nanoseconds, enums plain strings, absent members
``None`` (at every depth, as Arrow structs have every field).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

import pyarrow as pa

from arrowtap.connectors.finspace.wire.model import listing, shape


def wire_ns(value: Any) -> int:
    """Exact ns of a wire timestamp as the fake renders it (a float)."""
    return int(Decimal(repr(value)) * 10**9)


def boto_ns(value: dt.datetime) -> int:
    """ns of what boto3 returns: an aware datetime, exact to the microsecond."""
    delta = value - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return (delta.days * 86_400 + delta.seconds) * 10**9 + delta.microseconds * 1000


def _fill(shape_name: str, value: Any, ts: Callable[[Any], int]) -> Any:
    if value is None:
        return None
    spec = shape(shape_name)
    if spec["type"] == "timestamp":
        return ts(value)
    if spec["type"] == "list":
        return [_fill(spec["member"]["shape"], v, ts) for v in value]
    if spec["type"] == "structure":
        return {k: _fill(m["shape"], value.get(k), ts) for k, m in spec["members"].items()}
    return value


def expected_rows(
    operation: str, items: Iterable[dict[str, Any]], ts: Callable[[Any], int] = wire_ns
) -> list[dict[str, Any]]:
    """Rows of ``items`` (wire JSON or boto3 dicts) in the form of :func:`table_rows`."""
    item_shape = listing(operation).item_shape
    return [_fill(item_shape, item, ts) for item in items]


def table_rows(table: pa.Table | pa.RecordBatch) -> list[dict[str, Any]]:
    """Rows of an arrowtap table with timestamps as ns and enums as strings."""
    columns = {}
    for name, column in zip(table.schema.names, table.columns, strict=True):
        if pa.types.is_dictionary(column.type):
            column = column.cast(pa.string())
        elif pa.types.is_timestamp(column.type):
            column = column.cast(pa.int64())
        columns[name] = column
    return pa.table(columns).to_pylist()


def round_to_us(rows: list[dict[str, Any]], columns: Iterable[str]) -> list[dict[str, Any]]:
    """Round ns timestamps half-even to the microsecond, as ``datetime.fromtimestamp`` does."""
    out = []
    for row in rows:
        row = dict(row)
        for name in columns:
            if row[name] is not None:
                us, rest = divmod(row[name], 1000)
                us += rest > 500 or (rest == 500 and us % 2 == 1)
                row[name] = us * 1000
        out.append(row)
    return out
