"""Public functions for HarperDB tables: plan, read and scan, whole or incrementally.

A table is one partition (section ``harperdb:<database>.<table>`` of the
checkpoint ``harperdb-tables``, whatever node serves it), read in (updated
time, primary key) order; its offset is ``{"updated": t, "key": k}`` (see
:mod:`~arrowtap.connectors.harperdb.table_source`). The engine does the rest:
streams, frames, and incremental reads that the caller commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, overload

import httpx
import pandas as pd
import pyarrow as pa

from arrowtap.checkpoint import CheckpointLike
from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.harperdb import first_page
from arrowtap.connectors.harperdb._checks import check_table_read
from arrowtap.connectors.harperdb.table_source import DEFAULT_PAGE_SIZE, HarperDBTableSource
from arrowtap.connectors.harperdb.wire.layout import SchemaLike
from arrowtap.io import reading
from arrowtap.io.contract import Plan
from arrowtap.io.inputs import TimeLike, TimeUnit, check_checkpoint
from arrowtap.io.reading import Increment

__all__ = [
    "CHECKPOINT_NAME",
    "plan_harperdb",
    "plan_table",
    "read_harperdb",
    "scan_harperdb",
]

CHECKPOINT_NAME = "harperdb-tables"
"""The checkpoint of table offsets; one section per table (or per range, for Dask)."""


def plan_table(
    url: str,
    database: str,
    table: str,
    *,
    columns: Sequence[str] | None,
    since: TimeLike | None,
    unit: TimeUnit | None = None,
    page_size: int,
    schema: SchemaLike | None,
    username: str | None,
    password: str | None,
    client: httpx.Client | None,
    retry: RetryPolicy | None,
    incremental: bool,
    prime: bool = False,
) -> Plan:
    """The one-partition plan of a table; ``incremental``: read from offsets.

    A read from offsets (a checkpoint, a sync) is refused for a table without
    an indexed updated time, before any row is read. ``prime``: a plain read
    that follows at once, planned by its first page (one request for a table
    of one page; see :mod:`~arrowtap.connectors.harperdb.first_page`).

    Examples
    --------
    >>> from arrowtap.connectors.harperdb.wire.canned import canned_client
    >>> describe = {"hash_attribute": "id", "attributes": [{"attribute": "id"}]}
    >>> plan_table("http://h:9925", "shop", "items", columns=None, since=None, page_size=10,
    ...            schema=None, username=None, password=None, retry=None, incremental=True,
    ...            client=canned_client({"describe_table": describe}))
    Traceback (most recent call last):
    ...
    arrowtap.errors.InvalidArgumentError: HarperDB: shop.items cannot be read incrementally: \
it has no updated-time attribute (__updatedtime__ or @updatedTime); read it whole (no since, \
no checkpoint)
    """
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
        page_size=page_size,
        schema=schema,
        username=username,
        password=password,
        client=client,
        retry=retry,
    )
    try:
        if prime and not incremental:
            part = first_page.prime(source, since_ns)
        else:
            part = source.partition(since_ns, incremental=incremental)
        return Plan(source, [part], CHECKPOINT_NAME)
    finally:
        source.close()  # reopened by whoever reads the plan


def plan_harperdb(
    url: str,
    database: str,
    table: str,
    *,
    columns: Sequence[str] | None = None,
    since: TimeLike | None = None,
    unit: TimeUnit | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    schema: SchemaLike | None = None,
    username: str | None = None,
    password: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> Plan:
    """The plan of a table read: its declared schema, one partition, its upper bound.

    The table is described (``describe_table``) and its latest updated time
    asked now: the read covers the rows updated up to then. The parameters are
    those of :func:`read_harperdb`.

    Returns
    -------
    Plan
        One partition, keyed ``harperdb:<database>.<table>``, of the checkpoint
        ``harperdb-tables``.

    Examples
    --------
    >>> from arrowtap.connectors.harperdb.wire.canned import canned_client, canned_table
    >>> answers = canned_table([{"id": 1, "__updatedtime__": 5.0}])
    >>> plan = plan_harperdb("http://h:9925", "shop", "items", client=canned_client(answers))
    >>> [part.key for part in plan.partitions], plan.schema.names
    (['harperdb:shop.items'], ['id', '__createdtime__', '__updatedtime__'])
    """
    return plan_table(
        url,
        database,
        table,
        columns=columns,
        since=since,
        unit=unit,
        page_size=page_size,
        schema=schema,
        username=username,
        password=password,
        client=client,
        retry=retry,
        incremental=False,
    )


@overload
def scan_harperdb(
    url: str,
    database: str,
    table: str,
    *,
    columns: Sequence[str] | None = None,
    since: TimeLike | None = None,
    unit: TimeUnit | None = None,
    checkpoint: None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    schema: SchemaLike | None = None,
    username: str | None = None,
    password: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> pa.RecordBatchReader: ...


@overload
def scan_harperdb(
    url: str,
    database: str,
    table: str,
    *,
    columns: Sequence[str] | None = None,
    since: TimeLike | None = None,
    unit: TimeUnit | None = None,
    checkpoint: CheckpointLike,
    page_size: int = DEFAULT_PAGE_SIZE,
    schema: SchemaLike | None = None,
    username: str | None = None,
    password: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> Increment[pa.RecordBatchReader]: ...


def scan_harperdb(
    url: str,
    database: str,
    table: str,
    *,
    columns: Sequence[str] | None = None,
    since: TimeLike | None = None,
    unit: TimeUnit | None = None,
    checkpoint: CheckpointLike | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    schema: SchemaLike | None = None,
    username: str | None = None,
    password: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> Any:
    """Stream a table's rows as Arrow record batches, a page per batch.

    Parameters are those of :func:`read_harperdb`; memory stays bounded by a
    few pages, whatever the size of the table.

    Returns
    -------
    pyarrow.RecordBatchReader or Increment
        Batches of the declared schema, in (updated time, primary key) order;
        with a ``checkpoint``, an :class:`~arrowtap.Increment` whose
        ``commit()`` records the batches taken from the stream so far.

    Examples
    --------
    >>> from arrowtap.connectors.harperdb.wire.canned import canned_client, canned_table
    >>> answers = canned_table([{"id": i, "__updatedtime__": 1.0} for i in range(5)])
    >>> reader = scan_harperdb("http://h:9925", "shop", "items", page_size=2,
    ...                        client=canned_client(answers))
    >>> [batch.num_rows for batch in reader]
    [2, 2, 1]
    """
    plan = plan_table(
        url,
        database,
        table,
        columns=columns,
        since=since,
        unit=unit,
        page_size=page_size,
        schema=schema,
        username=username,
        password=password,
        client=client,
        retry=retry,
        incremental=check_checkpoint(checkpoint) is not None,
        prime=True,
    )
    return reading.scan(plan, checkpoint=checkpoint)


@overload
def read_harperdb(
    url: str,
    database: str,
    table: str,
    *,
    columns: Sequence[str] | None = None,
    since: TimeLike | None = None,
    unit: TimeUnit | None = None,
    checkpoint: None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    schema: SchemaLike | None = None,
    username: str | None = None,
    password: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> pd.DataFrame: ...


@overload
def read_harperdb(
    url: str,
    database: str,
    table: str,
    *,
    columns: Sequence[str] | None = None,
    since: TimeLike | None = None,
    unit: TimeUnit | None = None,
    checkpoint: CheckpointLike,
    page_size: int = DEFAULT_PAGE_SIZE,
    schema: SchemaLike | None = None,
    username: str | None = None,
    password: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> Increment[pd.DataFrame]: ...


def read_harperdb(
    url: str,
    database: str,
    table: str,
    *,
    columns: Sequence[str] | None = None,
    since: TimeLike | None = None,
    unit: TimeUnit | None = None,
    checkpoint: CheckpointLike | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    schema: SchemaLike | None = None,
    username: str | None = None,
    password: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> Any:
    """Read a HarperDB table into a DataFrame; with a checkpoint, only what changed since.

    Rows come in (updated time, primary key) order, ``page_size`` per
    request. A read covers the rows updated up to when it starts; rows
    changed meanwhile are left for the next read.

    Parameters
    ----------
    url : str
        The node's operations API, e.g. ``http://node1:9925`` (credentials may
        be in the URL; they never appear in messages).
    database, table : str
        The table.
    columns : list of str, optional
        Columns to read, in order (default: every attribute ``describe_table`` lists).
    since : datetime, pandas.Timestamp, str or int, optional
        Only rows updated at or after this time (aware, or an integer count
        since the epoch in ``unit``).
    unit : {"s", "ms", "us", "ns"}, optional
        The unit of an integer ``since``, which needs one (as ``pandas.to_datetime``).
    checkpoint : Checkpoint, str or os.PathLike, optional
        Read incrementally: only the rows changed since the offset this
        checkpoint holds for the table (an open :class:`~arrowtap.Checkpoint`,
        an SQLite file or a ``harperdb+http(s)://`` URL; checkpoint
        ``harperdb-tables``, section ``harperdb:<database>.<table>``); on the
        first read, from ``since`` or the start. The result is then an
        :class:`~arrowtap.Increment`: nothing is recorded until you commit it
        (``commit()``, or the end of a ``with`` block), once the frame is
        stored. A row updated between two reads comes again, with its new values.
    page_size : int
        Rows per request.
    schema : pyarrow.Schema or mapping of str to pyarrow.DataType, optional
        Declared column types: a schema (its columns first, in its order), or types
        for some columns. Others come from the table's defined schema, if it
        has one, else are JSON text (``arrow.json``, exactly as sent). An attribute
        the schema does not name is still read (after its columns): leave one out
        with ``columns=``.
    username, password : str, optional
        HTTP Basic credentials (a dev-mode server lets loopback in without).
    client : httpx.Client, optional
        Your own client (TLS, proxies); not closed.
    retry : RetryPolicy, optional
        Retry budget for connection errors and 5xx.

    Returns
    -------
    pandas.DataFrame or Increment
        The declared columns: ``__createdtime__`` and ``__updatedtime__`` as
        ``datetime64[ns, UTC]``; ``Date`` attributes ``datetime64[ms, UTC]``;
        typed attributes nullable pandas dtypes; JSON text as ``string`` (as Dask gives it).

    Raises
    ------
    InvalidArgumentError
        A bad argument, an unknown column, or ``since``/``checkpoint`` on a
        table without an indexed updated time.
    NotFoundError
        No such database or table.
    DecodeError
        A value that does not fit the declared type (the message names the column).

    Examples
    --------
    >>> import tempfile
    >>> import pyarrow as pa
    >>> from arrowtap import write_harperdb
    >>> from arrowtap.connectors.harperdb.wire.canned import canned_client, canned_table
    >>> answers = canned_table([])
    >>> _ = write_harperdb({"id": ["a", "b"], "price": [1.5, 2.0]}, "http://h:9925", "shop",
    ...                    "items", client=canned_client(answers))
    >>> df = read_harperdb("http://h:9925", "shop", "items", schema={"price": pa.float64()},
    ...                    client=canned_client(answers))
    >>> df["price"].tolist(), str(df["__updatedtime__"].dtype)
    ([1.5, 2.0], 'datetime64[ns, UTC]')

    Incrementally: the ``with`` block commits once the frame is stored.

    >>> ckpt = tempfile.mkdtemp() + "/offsets.sqlite"
    >>> with read_harperdb("http://h:9925", "shop", "items", checkpoint=ckpt,
    ...                    client=canned_client(answers)) as df:
    ...     n = len(df)  # store the frame here
    >>> again = read_harperdb("http://h:9925", "shop", "items", checkpoint=ckpt,
    ...                       client=canned_client(answers))
    >>> n, len(again.data)
    (2, 0)
    """
    plan = plan_table(
        url,
        database,
        table,
        columns=columns,
        since=since,
        unit=unit,
        page_size=page_size,
        schema=schema,
        username=username,
        password=password,
        client=client,
        retry=retry,
        incremental=check_checkpoint(checkpoint) is not None,
        prime=True,
    )
    return reading.read(plan, checkpoint=checkpoint)
