"""A Kinetica table on Dask: ranges of a column, one Dask partition each."""

from __future__ import annotations

import itertools
from typing import Any

import httpx
import pandas as pd

from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.kinetica.table_source import TableSource
from arrowtap.connectors.kinetica.wire.incremental import ordered_column, to_wire
from arrowtap.connectors.kinetica.wire.types import KineticaColumn, KineticaType
from arrowtap.connectors.kinetica.wire.values import wire_to_arrow
from arrowtap.errors import InvalidArgumentError
from arrowtap.io.contract import Plan
from arrowtap.io.dask import from_plan
from arrowtap.io.frames import to_pandas
from arrowtap.io.inputs import to_ns

__all__ = ["kinetica_frame", "read_kinetica"]


def _split(lo: Any, hi: Any, n: int, col: KineticaColumn) -> list[Any]:
    """`n` ranges of about equal width from `lo` to `hi` (wire values), as n + 1 bounds."""
    if col.base in ("int", "long"):
        bounds = [lo + (hi - lo) * i // n for i in range(n)] + [hi]
    elif col.base in ("float", "double"):
        bounds = [lo + (hi - lo) * i / n for i in range(n)] + [hi]
    else:
        raise InvalidArgumentError(
            f"Kinetica: npartitions needs a numeric or timestamp partition column; "
            f"give divisions= for {col.name!r} ({col.type_name})"
        )
    return sorted(set(bounds)) if hi > lo else [lo, hi]


def _user_bound(col: KineticaColumn, value: Any) -> Any:
    if col.kind == "timestamp" and isinstance(value, str | int) and not isinstance(value, bool):
        value = pd.Timestamp(to_ns(value, "division"), tz="UTC")
    return to_wire(col, value)


def _index_values(col: KineticaColumn, bounds: list[Any]) -> list[Any]:
    plain = KineticaColumn(col.name, col.base, tuple(p for p in col.properties if p != "nullable"))
    batch = wire_to_arrow({col.name: bounds}, KineticaType((plain,)))
    return list(to_pandas(batch)[col.name].tolist())


def kinetica_frame(
    url: str,
    table: str,
    columns: list[str] | None,
    where: str | None,
    *,
    partition_column: str,
    npartitions: int | None,
    divisions: list[Any] | None,
    page_size: int,
    username: str | None,
    password: str | None,
    token: str | None,
    retry: RetryPolicy | None,
    client: httpx.Client | None,
) -> Any:
    """The Dask DataFrame of :func:`arrowtap.dask.read_kinetica` (its arguments, checked here).

    Examples
    --------
    >>> from arrowtap.testing.kinetica import FakeKinetica
    >>> with FakeKinetica() as fake:
    ...     _ = fake.create_table("t", [("x", "double")])
    ...     ddf = kinetica_frame(fake.url, "t", None, None, partition_column="x", npartitions=2,
    ...                          divisions=None, page_size=10, username=None, password=None,
    ...                          token=None, retry=None, client=None)
    ...     ddf.npartitions, len(ddf.compute())
    (1, 0)
    """
    if (npartitions is None) == (divisions is None):
        raise InvalidArgumentError("Kinetica: give exactly one of npartitions and divisions")
    if npartitions is not None and (
        isinstance(npartitions, bool) or not isinstance(npartitions, int) or npartitions < 1
    ):
        raise InvalidArgumentError(f"npartitions must be a positive int, got {npartitions!r}")
    if columns is not None and partition_column not in columns:
        columns = [partition_column, *columns]

    def source(**extra: Any) -> TableSource:
        return TableSource(
            url,
            table,
            columns,
            page_size=page_size,
            username=username,
            password=password,
            token=token,
            retry=retry,
            **extra,
        )

    with source(client=client) as planner:
        ktype = planner.ktype
        col = ordered_column(ktype, partition_column, "partition column")
        if divisions is not None:
            bounds = [_user_bound(col, d) for d in divisions]
            if len(bounds) < 2 or any(a >= b for a, b in itertools.pairwise(bounds)):
                raise InvalidArgumentError(
                    "Kinetica: divisions must be at least two ascending values"
                )
        else:
            found = planner.column_range(partition_column, where)
            bounds = [0, 0] if found is None else _split(*found, npartitions or 1, col)
    reader = source(table_type=ktype)
    parts = reader.range_partitions(partition_column, bounds, where)
    return from_plan(
        Plan(reader, parts, "kinetica"),
        [[p] for p in parts],
        index=partition_column,
        sort_by=(partition_column,),
        divisions=_index_values(col, bounds),
    )


def read_kinetica(
    url: str,
    table: str,
    columns: list[str] | None = None,
    where: str | None = None,
    *,
    partition_column: str,
    npartitions: int | None = None,
    divisions: list[Any] | None = None,
    page_size: int = 50_000,
    username: str | None = None,
    password: str | None = None,
    token: str | None = None,
    retry: RetryPolicy | None = None,
    client: httpx.Client | None = None,
) -> Any:
    """A Kinetica table as a Dask DataFrame indexed by a column, with known divisions.

    Each Dask partition reads one range of ``partition_column`` on a worker
    (``/get/records`` with a filter ``lo <= column < hi``, the last range closed),
    sorted by it. Rows whose ``partition_column`` is null are in no partition.

    Parameters
    ----------
    url, table, columns, where, page_size, username, password, token, retry
        As in :func:`arrowtap.read_kinetica`.
    partition_column : str
        The column to split on and index by: a number, a timestamp, or (with
        ``divisions``) a date, time, datetime or string column.
    npartitions : int, optional
        Split its range (asked of the server: smallest and largest value) into this
        many equal ranges. Numbers and timestamps only.
    divisions : list, optional
        The range bounds yourself, ascending (e.g. pandas Timestamps for a timestamp
        column); ``len(divisions) - 1`` partitions.
    client : httpx.Client, optional
        Used only on the client, to plan; workers make their own.

    Returns
    -------
    dask.dataframe.DataFrame
        The columns of :func:`arrowtap.read_kinetica`, indexed by ``partition_column``.

    Examples
    --------
    >>> from arrowtap.testing.kinetica import FakeKinetica
    >>> with FakeKinetica() as fake:
    ...     _ = fake.create_table("t", [("id", "long"), ("x", "double")])
    ...     fake.insert("t", [{"id": i, "x": i / 4} for i in range(100)])
    ...     ddf = read_kinetica(fake.url, "t", partition_column="id", npartitions=4)
    ...     n = len(ddf.compute())
    >>> ddf.npartitions, ddf.divisions[:2], n
    (4, (0, 24), 100)
    """
    return kinetica_frame(
        url,
        table,
        columns,
        where,
        partition_column=partition_column,
        npartitions=npartitions,
        divisions=divisions,
        page_size=page_size,
        username=username,
        password=password,
        token=token,
        retry=retry,
        client=client,
    )
