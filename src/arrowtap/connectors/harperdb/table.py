"""Public functions for HarperDB tables: read and scan, whole or incrementally.

A table is one partition (section ``harperdb:<database>.<table>`` of the
checkpoint ``harperdb-tables``, whatever node serves it), read in (updated
time, primary key) order; its offset is ``{"updated": t, "key": k}`` (see
:mod:`~arrowtap.connectors.harperdb.table_source`). The plan comes from
:mod:`~arrowtap.connectors.harperdb.table_plan` (whose names are importable from
here too); the engine does the rest: streams, frames, and incremental reads that
the caller commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, overload

import httpx
import pandas as pd
import pyarrow as pa

from arrowtap.checkpoint import CheckpointLike
from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.harperdb.table_plan import CHECKPOINT_NAME, plan_harperdb, plan_table
from arrowtap.connectors.harperdb.table_source import DEFAULT_PAGE_SIZE
from arrowtap.connectors.harperdb.wire.layout import SchemaLike
from arrowtap.io import reading
from arrowtap.io.inputs import TimeLike, TimeUnit, check_checkpoint
from arrowtap.io.reading import Increment

__all__ = [
    "CHECKPOINT_NAME",
    "plan_harperdb",
    "plan_table",
    "read_harperdb",
    "scan_harperdb",
]


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
