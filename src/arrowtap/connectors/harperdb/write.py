"""``write_harperdb``: pandas, Dask or any Arrow data upserted into a HarperDB table in batches."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pyarrow as pa

from arrowtap import _checks as checks
from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.harperdb._checks import check_node, open_node
from arrowtap.connectors.harperdb.wire.client import SYSTEM
from arrowtap.connectors.harperdb.wire.encode import check_table
from arrowtap.connectors.harperdb.wire.writer import (
    DEFAULT_BATCH_SIZE,
    HarperDBWriter,
    WriteSummary,
)
from arrowtap.io.writable import check_index, from_pandas, is_dask, to_arrow, writes_index

__all__ = ["MAX_BATCH", "write_harperdb"]

MAX_BATCH = 1_000_000
"""Most records per ``upsert`` request (one JSON body holds them all)."""


_WHO = "write_harperdb"


def _batches(
    data: Any, index: bool | None
) -> tuple[pa.Schema, Iterator[pa.RecordBatch], pa.Table | None]:
    """The input's schema, its batches, and the whole table when it is in memory."""
    if is_dask(data):
        parts = data.to_delayed()
        written = writes_index(data._meta.index, index)  # once: the same columns throughout
        meta = from_pandas(data._meta, written, system=_WHO).schema

        def computed() -> Iterator[pa.RecordBatch]:
            for part in parts:  # one partition in memory at a time
                yield from from_pandas(part.compute(), written, schema=meta).to_batches()

        return meta, computed(), None
    table = to_arrow(data, index, system=_WHO)
    if isinstance(table, pa.RecordBatchReader):
        return table.schema, iter(table), None
    return table.schema, iter(table.to_batches()), table


def write_harperdb(
    data: Any,
    url: str,
    database: str,
    table: str,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    create: bool = True,
    typed: bool = False,
    primary_key: str = "id",
    index: bool | None = None,
    username: str | None = None,
    password: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> WriteSummary:
    """Upsert rows into a HarperDB table, ``batch_size`` records per request.

    An upsert inserts a record or merges it into the record with its key, so
    writing the same data again leaves the table the same.

    Parameters
    ----------
    data : pandas or Dask DataFrame, pyarrow Table, RecordBatch, RecordBatchReader, Arrow stream
        The rows (a dict of columns also works). A Dask DataFrame is computed a
        partition at a time; a reader is consumed a batch at a time, and so is
        anything with ``__arrow_c_stream__`` (a Polars DataFrame, a DuckDB relation).
    url, database, table : str
        The node and the table.
    batch_size : int
        Records per ``upsert`` request.
    create : bool
        Create the table (and its database) if missing: a dynamic table,
        HarperDB's default (every attribute indexed, on every node it
        replicates to; :func:`read_harperdb` gives its columns as JSON text
        unless given a ``schema``).
    typed : bool
        Create it with typed attributes instead, from the data's schema
        (integers ``Int``/``Long``, floats and decimals ``Float``, strings
        ``String``, timestamps and dates ``Date``, which keeps milliseconds,
        lists of those ``array``, anything else ``Any``) and indexed
        ``__createdtime__``/``__updatedtime__``: it reads back typed. On
        HarperDB 4.7.29 the nodes a typed table replicates to do not index
        it, so there it can only be read whole.
    primary_key : str
        The column holding the keys (strings or numbers, never null).
    index : bool, optional
        Write a pandas (or Dask) index as attributes named after its levels
        (``index`` when unnamed), as ``DataFrame.to_sql`` does: a frame indexed
        by its keys writes them. By default (``None``) it is written unless it
        is an unnamed ``RangeIndex`` (row numbers); ``True`` writes even that;
        ``False`` writes no index.
    username, password, client, retry
        As for :func:`read_harperdb_cluster_status`.

    Returns
    -------
    WriteSummary
        ``rows`` upserted, ``batches`` sent, ``created``.

    Raises
    ------
    InvalidArgumentError
        Data that cannot be written faithfully (a missing or null key, naive
        timestamps, infinities, integers beyond 2**53, binary): checked before
        the first request for in-memory data, batch by batch for streams (the
        message then says what was written before).
    HarperDBWriteError
        The server refused or failed midway; ``batches_written`` and
        ``rows_written`` say what is in the table (run the write again).

    Examples
    --------
    >>> import pandas as pd
    >>> from arrowtap.connectors.harperdb.wire.canned import canned_client, canned_table
    >>> frame = pd.DataFrame({"id": ["a", "b", "c"], "qty": [1, 2, 3]})
    >>> summary = write_harperdb(frame, "http://h:9925", "shop", "items", batch_size=2,
    ...                          client=canned_client(canned_table([])))
    >>> summary.rows, summary.batches
    (3, 2)
    """
    check_node(url, username, password, client, retry)
    for arg, value in (("database", database), ("table", table), ("primary_key", primary_key)):
        checks.name(arg, value, system=SYSTEM)
    checks.positive_int("batch_size", batch_size, maximum=MAX_BATCH, system=SYSTEM)
    checks.flag("create", create, system=SYSTEM)
    checks.flag("typed", typed, system=SYSTEM)
    index = check_index(index, system=SYSTEM)
    schema, batches, whole = _batches(data, index)
    with open_node(url, username, password, client, retry) as hdb:
        writer = HarperDBWriter(
            hdb, database, table, primary_key=primary_key, batch_size=batch_size
        )
        if whole is not None:
            check_table(whole, writer.primary_key, writer.where)
        created = writer.ensure_table(schema, create, typed)
        return writer.write(batches, checked=whole is not None, created=created)
