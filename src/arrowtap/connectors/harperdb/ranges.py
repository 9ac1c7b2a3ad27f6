"""Ranges of a table's updated time: how the Dask read and sync split one table.

A table is cut at bounds ``b0 < b1 < ... < bn-1`` into the ranges ``[b0, b1)``,
..., ``[bn-2, bn-1)`` and ``[bn-1, +inf)`` of its updated time, each a partition
read in (updated time, primary key) order like a whole table, with the same
offsets. HarperDB stamps a changed row with a later time, so new and updated
rows land in the last range and the ranges before it, once read, are complete.
A sync therefore makes its bounds once, stores them in its checkpoint (a
``<table key>#plan`` section) and reuses them on every run: the partition keys
``<table key>@<i>``, hence the offsets, stay the same. The ranges before the
last are *closed*: the last page of one says it is complete, and a later run
sends no request for it.

The interior bounds cut the span from the earliest to the latest updated time
into ranges of equal width; a range's end is the greatest time below the
next bound (the double before it, or the millisecond before for a ``Date``).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from typing import Any

from arrowtap.connectors.harperdb.table_source import (
    HarperDBTableSource,
    TablePartition,
    iso_ms,
)
from arrowtap.connectors.harperdb.wire.client import SYSTEM
from arrowtap.connectors.harperdb.wire.layout import TableLayout
from arrowtap.errors import CheckpointError

__all__ = ["Bound", "decode_bounds", "encode_bounds", "plan_section", "range_partitions", "split"]

Bound = float | str
"""An updated time as it travels: float epoch ms, or a ``Date``'s ISO text."""

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MS = dt.timedelta(milliseconds=1)


def _ms(bound: Bound) -> float:
    if isinstance(bound, str):
        return (dt.datetime.fromisoformat(bound) - _EPOCH) // _MS
    return float(bound)


def _bound(ms: float, wire: str | None) -> Bound:
    return iso_ms(_EPOCH + int(ms) * _MS) if wire == "iso" else ms


def split(
    lo: Bound, first: Bound | None, last: Bound | None, n: int, wire: str | None
) -> list[Bound]:
    """The bounds of ``n`` ranges from ``lo``: equal widths between ``first`` and ``last``.

    ``lo`` starts the first range (``since``, or the epoch); ``first`` and
    ``last`` are the table's earliest and latest updated times (``None``: an
    empty table, one range). Fewer ranges come back when the span is too
    narrow to cut ``n`` times.

    Examples
    --------
    >>> split(0.0, 100.0, 200.0, 4, "ms")
    [0.0, 125.0, 150.0, 175.0]
    >>> split("1970-01-01T00:00:00.000Z", "2024-01-01T00:00:00.000Z",
    ...       "2024-01-01T00:00:00.002Z", 4, "iso")[1:]
    ['2024-01-01T00:00:00.001Z', '2024-01-01T00:00:00.002Z']
    """
    bounds = [lo]
    if first is None or last is None:
        return bounds
    start, end = max(_ms(lo), _ms(first)), _ms(last)
    for i in range(1, n):
        cut = start + (end - start) * i / n
        if wire == "iso":
            cut = math.ceil(cut)  # a Date has whole milliseconds
        # Past the earliest time (else the first range would hold no row), ascending.
        if max(start, _ms(bounds[-1])) < cut <= end:
            bounds.append(_bound(cut, wire))
    return bounds


def _before(bound: Bound) -> Bound:
    """The greatest updated time below ``bound``: a range's inclusive end."""
    if isinstance(bound, str):
        return iso_ms(dt.datetime.fromisoformat(bound) - _MS)
    return math.nextafter(bound, -math.inf)


def range_partitions(
    source: HarperDBTableSource, bounds: list[Bound], upper: Bound | None
) -> list[TablePartition]:
    """One partition per range of ``bounds``, the last one up to ``upper`` (the latest now).

    Examples
    --------
    >>> from arrowtap.connectors.harperdb.wire.canned import canned_client, canned_table
    >>> answers = canned_table([{"id": 1, "__updatedtime__": 5.0}])
    >>> source = HarperDBTableSource("http://h:9925", "db", "t", client=canned_client(answers))
    >>> [(p.key, p.since, p.upper, p.closed) for p in range_partitions(source, [0.0, 3.0], 5.0)]
    [('harperdb:db.t@0', 0.0, 2.9999999999999996, True), ('harperdb:db.t@1', 3.0, 5.0, False)]
    """
    layout = source.layout
    parts = []
    for i, lo in enumerate(bounds):
        end: Bound | None = upper
        if i + 1 < len(bounds):
            end = _before(bounds[i + 1])
            if upper is None or _ms(upper) < _ms(end):
                end = upper  # rows deleted since the bounds were made: no further
        closed = i + 1 < len(bounds)
        parts.append(TablePartition(f"{source.key}@{i}", layout, lo, end, closed))
    return parts


def plan_section(source: HarperDBTableSource) -> str:
    """The checkpoint section keeping a sync's bounds of the table.

    Examples
    --------
    >>> plan_section(HarperDBTableSource("http://h:9925", "db", "t"))
    'harperdb:db.t#plan'
    """
    return f"{source.key}#plan"


def encode_bounds(layout: TableLayout, bounds: list[Bound]) -> dict[str, Any]:
    """The JSON value of a plan section: the cursor, how it travels, the bounds.

    Examples
    --------
    >>> from arrowtap.connectors.harperdb.wire.layout import table_layout
    >>> describe = {"hash_attribute": "id", "attributes": [
    ...     {"attribute": "id"}, {"attribute": "__updatedtime__", "indexed": True}]}
    >>> encode_bounds(table_layout(describe, "db", "t"), [0.0, 5.5])
    {'cursor': '__updatedtime__', 'wire': 'ms', 'bounds': [0.0, 5.5]}
    """
    return {"cursor": layout.cursor, "wire": layout.cursor_wire, "bounds": list(bounds)}


def decode_bounds(value: Any, layout: TableLayout, section: str) -> list[Bound] | None:
    """The bounds a plan section holds (``None``: none yet), checked against the table.

    Raises
    ------
    CheckpointError
        The section is not a plan of this table's cursor (another program's, or
        the table was re-created with another updated-time attribute).

    Examples
    --------
    >>> from arrowtap.connectors.harperdb.wire.layout import table_layout
    >>> describe = {"hash_attribute": "id", "attributes": [
    ...     {"attribute": "id"}, {"attribute": "__updatedtime__", "indexed": True}]}
    >>> layout = table_layout(describe, "db", "t")
    >>> decode_bounds(encode_bounds(layout, [0.0, 5.5]), layout, "k#plan")
    [0.0, 5.5]
    """
    if value is None:
        return None
    kind = str if layout.cursor_wire == "iso" else (int, float)
    bounds = value.get("bounds") if isinstance(value, dict) else None
    if (
        not isinstance(value, dict)
        or value.get("cursor") != layout.cursor
        or value.get("wire") != layout.cursor_wire
        or not isinstance(bounds, list)
        or not bounds
        or not all(isinstance(b, kind) and not isinstance(b, bool) for b in bounds)
        or any(_ms(a) >= _ms(b) for a, b in itertools.pairwise(bounds))
    ):
        raise CheckpointError(
            f"{SYSTEM}: checkpoint section {section!r} is not a plan of ranges of"
            f" {layout.database}.{layout.table}'s {layout.cursor or 'updated time'}: {value!r}"
        )
    return list(bounds)
