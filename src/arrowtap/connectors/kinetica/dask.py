"""Kinetica on Dask: a table or a query split by ranges of a column, a table synced by ranges.

Each Dask partition is one range of a column (:mod:`.ranges`), read on a worker with
its own connection: a table with a filter on the column, a query
(:mod:`.dask_sql`) as a subquery cut to the range. A Dask sync runs the shared
runner per range of the increasing column, the ranges kept in the checkpoint from
the first run on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from arrowtap.checkpoint import CheckpointLike
from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.kinetica import ranges
from arrowtap.connectors.kinetica._arguments import (
    MAX_PAGE_SIZE,
    MAX_PARTITIONS,
    check_connection,
    check_count,
    check_dask_read,
    check_name,
    check_names,
)
from arrowtap.connectors.kinetica._checks import check_where, need_increasing_column
from arrowtap.connectors.kinetica.dask_sql import read_kinetica_sql
from arrowtap.connectors.kinetica.table import plan_kinetica
from arrowtap.connectors.kinetica.table_partitions import open_range_partitions, range_partitions
from arrowtap.connectors.kinetica.table_source import DEFAULT_PAGE_SIZE, TableSource
from arrowtap.connectors.kinetica.wire.incremental import ordered_column
from arrowtap.io import job
from arrowtap.io.contract import Plan
from arrowtap.io.dask import from_plan, sync_groups
from arrowtap.io.sync import SyncSummary

# read_kinetica_sql lives in .dask_sql; the facade and the registry find it here.
__all__ = ["read_kinetica", "read_kinetica_sql", "sync_kinetica"]


def read_kinetica(
    url: str,
    table: str,
    *,
    partition_column: str,
    columns: Sequence[str] | None = None,
    where: str | None = None,
    npartitions: int | None = None,
    divisions: Sequence[Any] | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    username: str | None = None,
    password: str | None = None,
    token: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
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
    connection = (username, password, token, client, retry)
    check_dask_read(url, npartitions, divisions, page_size, *connection)
    check_name("table", table)
    check_name("partition_column", partition_column)
    columns = check_names("columns", columns)
    check_where(where)
    if columns is not None and partition_column not in columns:
        columns = [partition_column, *columns]
    plan = plan_kinetica(
        url, table, columns=columns, where=where, page_size=page_size, username=username,
        password=password, token=token, client=client, retry=retry,
    )  # fmt: skip
    planner: TableSource = plan.source  # type: ignore[assignment]
    col = ordered_column(planner.ktype, partition_column, "partition column")
    try:
        if divisions is not None:
            bounds = ranges.user_bounds(col, divisions)
        else:
            found = planner.column_range(partition_column, where)
            bounds = [0, 0] if found is None else ranges.split(*found, npartitions or 1, col)
    finally:
        planner.close()
    reader = _worker_source(planner)
    parts = range_partitions(reader, partition_column, bounds, where)
    return from_plan(
        Plan(reader, parts, plan.checkpoint_name),
        [[p] for p in parts],
        index=partition_column,
        sort_by=(partition_column,),
        divisions=ranges.index_values(col, bounds),
    )


def _worker_source(planner: TableSource) -> TableSource:
    # What the workers read with: the planner's settings and type, without its client.
    state = planner.__getstate__()
    return TableSource(**state)  # type: ignore[arg-type]


def sync_kinetica(
    url: str,
    table: str,
    *,
    to: job.SyncTarget,
    increasing_column: str | None = None,
    checkpoint: CheckpointLike | None = None,
    wait: float | None = None,
    schema_contract: str = "evolve",
    columns: Sequence[str] | None = None,
    where: str | None = None,
    tie_breaker: str | None = None,
    npartitions: int = 8,
    max_concurrency: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
    username: str | None = None,
    password: str | None = None,
    token: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> SyncSummary:
    """Sync a Kinetica table into a Parquet dataset with Dask: one task per range of its column.

    The increasing column's values are cut into ranges ``(-inf, c1), [c1, c2), ...
    [ck, +inf)`` (new rows land in the last); each task syncs one as
    :func:`arrowtap.sync_kinetica` syncs a table: a page durable, then its offset
    committed to the checkpoint every worker shares. The cuts are chosen on the
    first run that finds rows (``npartitions`` equal ranges between the smallest
    and largest value) and kept in the checkpoint, so every later run has the same
    ranges and resumes each from its offsets. A range before the last, once read
    to its end, is complete for good (its offset says so): later runs send it no
    request, so the column's values must only grow (a row inserted later below the
    last cut is never read). Run it again after a worker or the client died: only
    the ranges not committed whole are asked again. Do not sync one table into one
    dataset both this way and with :func:`arrowtap.sync_kinetica`.

    Parameters
    ----------
    url, table, to, increasing_column, columns, where, tie_breaker, page_size, retry
        As in :func:`arrowtap.sync_kinetica`; ``increasing_column`` is required.
    checkpoint : str or os.PathLike, optional
        An SQLite file on a file system every worker shares, or a
        ``harperdb+http(s)://`` URL; default ``<to>.checkpoint.sqlite``.
    wait : float, optional
        Seconds to wait while another sync holds the destination (the lease of
        its checkpoint); ``None`` or ``0`` fails at once with
        :class:`~arrowtap.errors.DestinationHeldError` naming the holder.
    schema_contract : {"evolve", "freeze", "discard_value", "discard_row"}
        What a change of the source's columns does to the destination (see
        :mod:`arrowtap.io.drift`): a new column added (default), refused with
        :class:`~arrowtap.errors.SchemaDriftError` before anything is written, or its
        values or rows dropped; the summary reports every change found.
    npartitions : int
        Ranges (tasks) on the first run; later runs keep the first run's ranges.
        Above 1, the column must be a number or a timestamp.
    max_concurrency : int
        Ranges a task syncs at once.
    client : httpx.Client, optional
        Used only on the client, to plan; workers make their own.

    Returns
    -------
    SyncSummary
        What every task committed.

    Examples
    --------
    >>> import tempfile, pyarrow.parquet as pq
    >>> from arrowtap.testing.kinetica import FakeKinetica
    >>> out = tempfile.mkdtemp()
    >>> with FakeKinetica() as fake:
    ...     _ = fake.create_table("t", [("id", "long"), ("x", "double")])
    ...     fake.insert("t", [{"id": i, "x": i / 4} for i in range(100)])
    ...     first = sync_kinetica(fake.url, "t", to=out, increasing_column="id", npartitions=4)
    ...     fake.insert("t", [{"id": 100, "x": 25.0}])
    ...     second = sync_kinetica(fake.url, "t", to=out, increasing_column="id", npartitions=4)
    >>> first.rows, len(first.partitions), second.rows, pq.read_table(out).num_rows
    (100, 4, 1, 101)
    """
    check_connection(url, username, password, token, client, retry)
    check_name("table", table)
    job.check_sync(
        to,
        checkpoint,
        None,
        max_concurrency,
        workers=True,
        wait=wait,
        schema_contract=schema_contract,
    )
    column = need_increasing_column(increasing_column, "a sync")
    check_names("columns", columns)
    check_where(where)
    check_name("tie_breaker", tie_breaker, optional=True)
    n = check_count("npartitions", npartitions, MAX_PARTITIONS)
    check_count("page_size", page_size, MAX_PAGE_SIZE)
    location = job.checkpoint_location(to, checkpoint)
    job.prepare(to)  # the directory (beside it the default checkpoint) exists
    plan = plan_kinetica(
        url, table, columns=columns, where=where, increasing_column=column,
        tie_breaker=tie_breaker, page_size=page_size, username=username, password=password,
        token=token, client=client, retry=retry,
    )  # fmt: skip
    planner: TableSource = plan.source  # type: ignore[assignment]
    col = ordered_column(planner.ktype, column, "increasing column")

    def choose() -> list[Any] | None:
        found = planner.column_range(column, where)
        if found is None:
            return None  # nothing to split yet: the next run chooses
        return ranges.split(*found, n, col)[1:-1] if n > 1 else []

    try:
        key = plan.partitions[0].key + "#plan"
        cuts = ranges.stored_cuts(location, plan.checkpoint_name, key, choose)
    finally:
        planner.close()
    worker = _worker_source(planner)
    parts = [] if cuts is None else open_range_partitions(worker, column, cuts, where)
    return sync_groups(
        Plan(worker, parts, plan.checkpoint_name),
        [[p] for p in parts],
        to=to,
        checkpoint=location,
        max_concurrency=max_concurrency,
        wait=wait,
        schema_contract=schema_contract,
    )
