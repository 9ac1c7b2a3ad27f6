"""Kinetica queries on Dask: the result of a SQL query split by ranges of a numeric column.

Each Dask partition runs the query as a subquery cut to one range of the column, on a
worker with its own connection; the client runs it only to plan (its schema, and its
smallest and largest value of the column).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx
import pyarrow as pa

from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.kinetica import ranges
from arrowtap.connectors.kinetica._arguments import check_dask_read, check_name, check_names
from arrowtap.connectors.kinetica.sql import CHECKPOINT_NAME as SQL_CHECKPOINT
from arrowtap.connectors.kinetica.sql_source import SqlSource
from arrowtap.connectors.kinetica.table_source import DEFAULT_PAGE_SIZE
from arrowtap.connectors.kinetica.wire.client import SYSTEM
from arrowtap.connectors.kinetica.wire.incremental import column_name, ordered_column
from arrowtap.connectors.kinetica.wire.schema import from_arrow_schema
from arrowtap.connectors.kinetica.wire.types import KineticaColumn
from arrowtap.errors import InvalidArgumentError, InvalidTypeError
from arrowtap.io.contract import Plan
from arrowtap.io.dask import from_plan

__all__ = ["read_kinetica_sql"]

_NUMERIC = ("int", "int8", "int16", "long", "float", "double")


def read_kinetica_sql(
    url: str,
    sql: str,
    *,
    partition_column: str,
    columns: Sequence[str] | None = None,
    npartitions: int | None = None,
    divisions: Sequence[Any] | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    username: str | None = None,
    password: str | None = None,
    token: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> Any:
    """The result of a SQL query as a Dask DataFrame, split by ranges of a numeric column.

    Each Dask partition runs the query as a subquery cut to one range of
    ``partition_column`` (``SELECT * FROM (<sql>) AS arrowtap_range WHERE
    <column> >= lo AND <column> < hi``, the last range closed) on a worker, paged
    through a paging table of its own, and sorts it by the column. Rows whose
    ``partition_column`` is null are in no partition. The query runs once per
    partition, plus on the client: once for the schema (``LIMIT 0``) and, with
    ``npartitions``, twice for the smallest and largest value.

    Parameters
    ----------
    url, sql, page_size, username, password, token, retry
        As in :func:`arrowtap.read_kinetica_sql`.
    partition_column : str
        A result column of integer or floating-point type to split on and index by.
    columns : list of str, optional
        Only these result columns, in this order (``partition_column`` is the
        index whether named or not).
    npartitions : int, optional
        Split its range (smallest to largest value) into this many equal ranges.
    divisions : list, optional
        The range bounds yourself, ascending; ``len(divisions) - 1`` partitions.
    client : httpx.Client, optional
        Used only on the client, to plan; workers make their own.

    Returns
    -------
    dask.dataframe.DataFrame
        The result's columns, indexed by ``partition_column``.

    Examples
    --------
    >>> from arrowtap.testing.kinetica import FakeKinetica
    >>> with FakeKinetica() as fake:
    ...     _ = fake.create_table("t", [("id", "long"), ("x", "double")])
    ...     fake.insert("t", [{"id": i, "x": i / 4} for i in range(100)])
    ...     ddf = read_kinetica_sql(fake.url, "SELECT id, x FROM t WHERE x < 20",
    ...                             partition_column="id", npartitions=4)
    ...     n = len(ddf.compute())
    >>> ddf.npartitions, ddf.divisions, n
    (4, (0, 19, 39, 59, 79), 80)
    """
    connection = (username, password, token, client, retry)
    check_dask_read(url, npartitions, divisions, page_size, *connection)
    check_name("partition_column", partition_column)
    column_name(partition_column)
    columns = check_names("columns", columns)
    if columns is not None and partition_column not in columns:
        columns = [partition_column, *columns]
    inner = _inner(sql)
    settings: dict[str, Any] = {
        "page_size": page_size, "username": username, "password": password, "token": token,
        "retry": retry,
    }  # fmt: skip
    # The schema of the result, from an empty one: no rows travel.
    empty = f"SELECT * FROM ({inner}) AS arrowtap_range LIMIT 0"
    with SqlSource(url, empty, client=client, **settings) as probe:
        schema = probe.schema
        list(probe.read(probe.partition()))  # the read clears the probe's paging table
    col = ordered_column(from_arrow_schema(schema), partition_column, "partition column")
    if col.kind not in _NUMERIC:
        raise InvalidArgumentError(
            f"{SYSTEM}: partition_column {partition_column!r} ({col.type_name}) must be of an "
            "integer or floating-point type to cut a query's result"
        )
    if divisions is not None:
        bounds = ranges.user_bounds(col, divisions)
    else:
        lo, hi = (_end(url, inner, col, end, schema, client, settings) for end in ("ASC", "DESC"))
        usable = lo is not None and hi is not None
        bounds = ranges.split(lo, hi, npartitions or 1, col) if usable else [0, 0]
    source = SqlSource(url, inner, known_schema=schema, **settings)
    n = len(bounds) - 1
    parts = [source.range_partition(col, bounds[i], bounds[i + 1], i == n - 1) for i in range(n)]
    return from_plan(
        Plan(source, parts, SQL_CHECKPOINT, snapshot=True, columns=columns),
        [[p] for p in parts],
        index=partition_column,
        sort_by=(partition_column,),
        divisions=ranges.index_values(col, bounds),
    )


def _inner(sql: object) -> str:
    """The statement to run as a subquery: without the ``;`` that may end it."""
    if not isinstance(sql, str):
        raise InvalidTypeError(f"{SYSTEM}: sql must be a str statement, not {sql!r}")
    inner = sql.strip().rstrip(";").strip()
    if not inner:
        raise InvalidArgumentError(f"{SYSTEM}: sql must be a non-empty statement, not {sql!r}")
    return inner


def _end(
    url: str,
    inner: str,
    col: KineticaColumn,
    order: str,
    schema: pa.Schema,
    client: httpx.Client | None,
    settings: dict[str, Any],
) -> Any:
    """The smallest (``ASC``) or largest (``DESC``) value of `col` in the result, if any."""
    statement = (
        f"SELECT * FROM ({inner}) AS arrowtap_range WHERE {col.name} IS NOT NULL "
        f"ORDER BY {col.name} {order} LIMIT 1"
    )
    with SqlSource(
        url, statement, known_schema=schema, client=client, **{**settings, "page_size": 1}
    ) as source:
        batches = [page.batch for page in source.read(source.partition())]
    values = pa.Table.from_batches(batches, schema).column(col.name)
    return values[0].as_py() if len(values) else None
