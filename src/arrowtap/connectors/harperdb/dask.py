"""A HarperDB table on Dask: ranges of its updated time, one Dask partition (or task) each.

See :mod:`~arrowtap.connectors.harperdb.ranges` for how a table is cut. A read
cuts it anew each time; a sync cuts it on its first run that finds rows and
keeps the cut in its checkpoint for every later run.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from arrowtap import _checks as checks
from arrowtap.checkpoint import CheckpointLike
from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.harperdb._checks import check_table_read
from arrowtap.connectors.harperdb.ranges import (
    decode_bounds,
    encode_bounds,
    plan_section,
    range_partitions,
    split,
)
from arrowtap.connectors.harperdb.table_plan import CHECKPOINT_NAME
from arrowtap.connectors.harperdb.table_source import (
    DEFAULT_PAGE_SIZE,
    HarperDBTableSource,
    earliest,
)
from arrowtap.connectors.harperdb.wire.client import SYSTEM
from arrowtap.connectors.harperdb.wire.layout import SchemaLike
from arrowtap.io import job, offsets
from arrowtap.io.contract import Plan
from arrowtap.io.dask import from_plan, sync_groups
from arrowtap.io.inputs import TimeLike, TimeUnit
from arrowtap.io.sync import SyncSummary

__all__ = ["read_harperdb", "sync_harperdb"]


def _npartitions(npartitions: object) -> int:
    return checks.positive_int(
        "npartitions", npartitions, maximum=checks.MAX_PARTITIONS, system=SYSTEM
    )


def read_harperdb(
    url: str,
    database: str,
    table: str,
    *,
    columns: Sequence[str] | None = None,
    since: TimeLike | None = None,
    unit: TimeUnit | None = None,
    npartitions: int = 8,
    page_size: int = DEFAULT_PAGE_SIZE,
    schema: SchemaLike | None = None,
    username: str | None = None,
    password: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> Any:
    """A HarperDB table as a Dask DataFrame, one partition per range of its updated time.

    The span from the earliest to the latest updated time (asked now, like the
    upper bound of :func:`arrowtap.read_harperdb`) is cut into ``npartitions``
    ranges of equal width; each Dask partition reads its range on a worker, in
    (updated time, primary key) order. The columns and dtypes are exactly those
    of :func:`arrowtap.read_harperdb`, for full and empty partitions alike. A
    table without an indexed updated time is one partition, read whole.

    Parameters
    ----------
    url, database, table, columns, since, page_size, schema, username, password, retry
        As in :func:`arrowtap.read_harperdb`.
    npartitions : int
        Ranges to cut (fewer when the span is too narrow).
    client : httpx.Client, optional
        Used to plan, and by tasks run in this process (Dask's threaded
        scheduler); tasks in other processes open their own.

    Returns
    -------
    dask.dataframe.DataFrame
        Without an index (its rows are numbered within each partition).

    Examples
    --------
    >>> from arrowtap.connectors.harperdb.wire.canned import canned_client, canned_table
    >>> answers = canned_table([{"id": i, "__updatedtime__": float(i)} for i in range(10)])
    >>> ddf = read_harperdb("http://h:9925", "shop", "items", npartitions=3,
    ...                     client=canned_client(answers))
    >>> ddf.npartitions, sorted(ddf.compute()["id"].tolist()) == [str(i) for i in range(10)]
    (3, True)
    """
    n = _npartitions(npartitions)
    since_ns = check_table_read(
        url, database, table, columns=columns, since=since, unit=unit, page_size=page_size,
        schema=schema,
        username=username, password=password, client=client, retry=retry,
    )  # fmt: skip
    source = HarperDBTableSource(
        url,
        database,
        table,
        columns=columns,
        schema=schema,
        page_size=page_size,
        username=username,
        password=password,
        client=client,
        retry=retry,
    )
    try:
        if source.layout.cursor is None:
            parts = [source.partition(since_ns)]  # refuses since: there are no times
        else:
            lo = earliest(source.layout) if since_ns is None else source.wire_time(since_ns)
            upper = source.edge(last=True)
            first = source.edge(last=False)
            cut = split(lo, first, upper, n, source.layout.cursor_wire)
            parts = range_partitions(source, cut, upper)
    finally:
        source.close()  # each task opens its own copy
    return from_plan(Plan(source, parts, CHECKPOINT_NAME), [[part] for part in parts])


def sync_harperdb(
    url: str,
    database: str,
    table: str,
    *,
    to: job.SyncTarget,
    checkpoint: CheckpointLike | None = None,
    wait: float | None = None,
    schema_contract: str = "evolve",
    columns: Sequence[str] | None = None,
    since: TimeLike | None = None,
    unit: TimeUnit | None = None,
    npartitions: int = 8,
    max_concurrency: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
    schema: SchemaLike | None = None,
    username: str | None = None,
    password: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> SyncSummary:
    """Sync a HarperDB table into a Parquet dataset with Dask: one task per range of updated time.

    Each task syncs its range as :func:`arrowtap.sync_harperdb` syncs a table:
    a page is made durable, then the range's offset is committed to the
    checkpoint every worker shares. The ranges are cut on the first run that
    finds rows and kept in the checkpoint (section
    ``harperdb:<database>.<table>#plan``): every later run reuses them, so new
    and updated rows land in the last range, and a run again after a worker or
    the client died reads only what was not committed. The graph is computed on
    the current Dask scheduler.

    Parameters
    ----------
    url, database, table, to, columns, page_size, schema, username, password, retry
        As in :func:`arrowtap.sync_harperdb`. Do not mix this sync and
        :func:`arrowtap.sync_harperdb` in one dataset: their partitions differ.
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
    since : datetime, pandas.Timestamp, str or int, optional
        Where the first range starts, on the run that cuts the ranges.
    unit : {"s", "ms", "us", "ns"}, optional
        The unit of an integer ``since``, which needs one (as ``pandas.to_datetime``).
    npartitions : int
        Ranges to cut, on the run that cuts them; later runs keep theirs.
    max_concurrency : int
        Ranges a task syncs at once (a task has one).
    client : httpx.Client, optional
        Used to plan, and by tasks run in this process; others open their own.

    Returns
    -------
    SyncSummary
        What every task committed.

    Examples
    --------
    >>> import tempfile
    >>> from arrowtap.connectors.harperdb.wire.canned import canned_client, canned_table
    >>> answers = canned_table([{"id": i, "__updatedtime__": float(i)} for i in range(10)])
    >>> to = tempfile.mkdtemp()
    >>> runs = [sync_harperdb("http://h:9925", "shop", "items", to=to, npartitions=3,
    ...                       client=canned_client(answers)) for _ in range(2)]
    >>> [run.rows for run in runs], sorted({part.key for part in runs[0].partitions})
    ([10, 0], ['harperdb:shop.items@0', 'harperdb:shop.items@1', 'harperdb:shop.items@2'])
    """
    n = _npartitions(npartitions)
    job.check_sync(
        to,
        checkpoint,
        None,
        max_concurrency,
        workers=True,
        wait=wait,
        schema_contract=schema_contract,
    )
    location = job.checkpoint_location(to, checkpoint)
    since_ns = check_table_read(
        url, database, table, columns=columns, since=since, unit=unit, page_size=page_size,
        schema=schema,
        username=username, password=password, client=client, retry=retry,
    )  # fmt: skip
    source = HarperDBTableSource(
        url,
        database,
        table,
        columns=columns,
        schema=schema,
        page_size=page_size,
        username=username,
        password=password,
        client=client,
        retry=retry,
    )
    try:
        layout = source.layout
        if layout.cursor is None:
            source.partition(incremental=True)  # raises: no offsets to resume from
        job.prepare(to)  # the directory (beside it the default checkpoint) exists
        section = plan_section(source)
        with offsets.opened(location, CHECKPOINT_NAME) as store:
            cut = decode_bounds(store.read_json(section), layout, section)
            upper = source.edge(last=True)
            if cut is None:
                lo = earliest(layout) if since_ns is None else source.wire_time(since_ns)
                cut = split(lo, source.edge(last=False), upper, n, layout.cursor_wire)
                if upper is not None:  # an empty table is cut when it has rows
                    offsets.record(store, {section: encode_bounds(layout, cut)})
        parts = range_partitions(source, cut, upper)
    finally:
        source.close()
    plan = Plan(source, parts, CHECKPOINT_NAME)
    groups = [[part] for part in parts]
    return sync_groups(
        plan,
        groups,
        to=to,
        checkpoint=location,
        max_concurrency=max_concurrency,
        wait=wait,
        schema_contract=schema_contract,
    )
