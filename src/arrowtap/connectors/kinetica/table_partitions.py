"""How a Kinetica table read is cut into partitions: the whole table, or ranges of a column.

A partition's key names the server, the table, the filter, the increasing column
and the range, so that a checkpoint follows one read and no other; a Dask read
gives each of its tasks one range of a column (:mod:`arrowtap.connectors.kinetica.dask`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from arrowtap.connectors._http import redact
from arrowtap.connectors.kinetica.wire.client import SYSTEM
from arrowtap.connectors.kinetica.wire.incremental import ordered_column
from arrowtap.errors import InvalidArgumentError
from arrowtap.io.contract import Partition

if TYPE_CHECKING:
    from arrowtap.connectors.kinetica.table_source import TableSource

__all__ = ["TablePartition", "open_range_partitions", "range_partitions", "table_partition"]

_KEY_MAX = 160
"""Bytes of a partition key kept as it is; a longer one ends in a digest."""


@dataclass(frozen=True)
class TablePartition(Partition):
    """The rows of a table matching ``where``, and within ``[lower, upper)`` of a column.

    ``lower`` and ``upper`` are wire values of ``range_column`` (``None``: unbounded);
    ``upper_closed`` makes the range ``[lower, upper]``.
    """

    where: str | None = None
    range_column: str | None = None
    lower: Any = None
    upper: Any = None
    upper_closed: bool = False


def table_partition(
    source: TableSource,
    where: str | None,
    column: str | None = None,
    lower: Any = None,
    upper: Any = None,
    closed: bool = False,
) -> TablePartition:
    """The partition of ``source``'s rows matching ``where`` (and in a range of ``column``).

    Examples
    --------
    >>> from arrowtap.connectors.kinetica.table_source import TableSource
    >>> table_partition(TableSource("http://h:9191", "t"), "x > 1").key
    'kinetica:http://h:9191:t:where=x > 1'
    """
    parts = [SYSTEM.lower(), redact(source.kinetica.url), source.table]
    parts += [f"by={source.increasing_column}"] if source.increasing_column else []
    parts += [f"where={where}"] if where else []
    parts += [f"{column}=[{lower},{upper}{']' if closed else ')'}"] if column else []
    key = ":".join(parts)
    if len(key.encode()) > _KEY_MAX:
        key = key[:120] + "~" + hashlib.sha256(key.encode()).hexdigest()[:32]
    return TablePartition(key, where, column, lower, upper, closed)


def range_partitions(
    source: TableSource, column: str, bounds: Sequence[Any], where: str | None = None
) -> list[TablePartition]:
    """One partition per range ``[bounds[i], bounds[i+1])`` of `column`, the last closed.

    `bounds` are wire values, ascending; rows whose `column` is null are in none.

    Examples
    --------
    >>> from arrowtap.testing.kinetica import FakeKinetica
    >>> from arrowtap.connectors.kinetica.table_source import TableSource
    >>> with FakeKinetica() as fake, TableSource(fake.url, "t") as source:
    ...     _ = fake.create_table("t", [("x", "long")])
    ...     parts = range_partitions(source, "x", [0, 5, 9])
    >>> [(p.lower, p.upper, p.upper_closed) for p in parts]
    [(0, 5, False), (5, 9, True)]
    """
    ordered_column(source.ktype, column, "partition column")
    if len(bounds) < 2:
        raise InvalidArgumentError(f"{SYSTEM}: partition bounds need at least two values")
    n = len(bounds) - 1
    return [
        table_partition(source, where, column, bounds[i], bounds[i + 1], i == n - 1)
        for i in range(n)
    ]


def open_range_partitions(
    source: TableSource, column: str, cuts: Sequence[Any], where: str | None = None
) -> list[TablePartition]:
    """Partitions ``(-inf, cuts[0])``, ``[cuts[0], cuts[1])``, ... ``[cuts[-1], +inf)``.

    Every non-null value of `column` lies in exactly one, now and after later
    inserts (new, larger values land in the last); `cuts` are wire values, ascending.

    Examples
    --------
    >>> from arrowtap.testing.kinetica import FakeKinetica
    >>> from arrowtap.connectors.kinetica.table_source import TableSource
    >>> with FakeKinetica() as fake, TableSource(fake.url, "t") as source:
    ...     _ = fake.create_table("t", [("x", "long")])
    ...     parts = open_range_partitions(source, "x", [5])
    >>> [(p.lower, p.upper) for p in parts]
    [(None, 5), (5, None)]
    """
    ordered_column(source.ktype, column, "partition column")
    edges = [None, *cuts, None]
    return [
        table_partition(source, where, column, edges[i], edges[i + 1])
        for i in range(len(edges) - 1)
    ]
