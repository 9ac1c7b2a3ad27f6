"""The public writer of Kinetica tables: pandas, Dask or any Arrow data in, rows inserted."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx
import pandas as pd
import pyarrow as pa

from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.kinetica._arguments import (
    MAX_PAGE_SIZE,
    check_bool,
    check_connection,
    check_count,
    check_mapping,
    check_name,
    check_names,
)
from arrowtap.connectors.kinetica.wire import tables
from arrowtap.connectors.kinetica.wire.client import KineticaClient
from arrowtap.connectors.kinetica.wire.writer import (
    MODES,
    TableSpec,
    WriteSummary,
    table_type,
    to_wire,
    write,
)
from arrowtap.errors import InvalidArgumentError, InvalidTypeError
from arrowtap.io.writable import check_index, from_pandas, is_dask, to_arrow, writes_index

__all__ = ["write_kinetica"]


_WHO = "Kinetica: write_kinetica"


def _arrow(data: Any, index: bool | None) -> pa.Table:
    # Every value is checked before the first row goes, so a stream is read whole.
    table = to_arrow(data, index, system=_WHO)
    return table.read_all() if isinstance(table, pa.RecordBatchReader) else table


def _check(
    table: object,
    mode: object,
    create: object,
    batch_size: object,
    primary_key: object,
    shard_key: object,
    properties: object,
    table_options: object,
    coerce: object,
) -> None:
    """Every argument but the data and the connection, before any request."""
    check_name("table", table)
    if not isinstance(mode, str):
        raise InvalidTypeError(f"Kinetica: mode must be one of {MODES}, not {mode!r}")
    if mode not in MODES:
        raise InvalidArgumentError(f"Kinetica: mode must be one of {MODES}, not {mode!r}")
    check_bool("create", create)
    check_count("batch_size", batch_size, MAX_PAGE_SIZE)
    check_names("primary_key", primary_key, optional=False)
    check_names("shard_key", shard_key, optional=False)
    check_mapping("properties", properties, lists=True)
    check_mapping("table_options", table_options, lists=False)
    check_bool("coerce", coerce)


def _write_table(
    data: pa.Table,
    url: str,
    table: str,
    mode: str,
    create: bool,
    batch_size: int,
    spec: TableSpec,
    connection: Mapping[str, Any],
) -> WriteSummary:
    """Check all of `data`, create the table if needed, then insert (one process)."""
    with KineticaClient(url, **connection) as client:
        ktype, exists = table_type(client, table, data.schema, create=create, spec=spec)
        wire = to_wire(data, ktype, coerce=spec.coerce)
        if not exists:
            tables.create(client, table, ktype, spec.options)
        summary = write(client, table, wire, ktype, mode=mode, batch_size=batch_size)
        summary.created = not exists
        return summary


def _write_partition(frame: pd.DataFrame, number: int, index: bool, *args: Any) -> WriteSummary:
    """Write one Dask partition (runs on a worker, with its own connection)."""
    try:
        return _write_table(from_pandas(frame, index, system=_WHO), *args)
    except Exception as exc:
        exc.add_note(f"while writing Dask partition {number}")
        raise


def _write_dask(
    data: Any,
    index: bool | None,
    url: str,
    table: str,
    mode: str,
    create: bool,
    batch_size: int,
    spec: TableSpec,
    connection: Mapping[str, Any],
) -> WriteSummary:
    try:
        from dask.base import compute
        from dask.delayed import delayed
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(
            "writing a Dask DataFrame needs Dask: pip install 'arrowtap[dask]'"
        ) from exc
    parts = data.to_delayed()
    if not parts:
        return WriteSummary(table)
    worker = {k: v for k, v in connection.items() if k != "client"}  # clients stay here
    # Decided once, from meta: every partition writes the same columns.
    written = writes_index(data._meta.index, index)
    # The first partition creates the table; the others then go in parallel.
    summary = _write_partition(
        parts[0].compute(), 0, written, url, table, mode, create, batch_size, spec, connection
    )
    tasks = [
        delayed(_write_partition)(
            part, i, written, url, table, mode, False, batch_size, spec, worker
        )
        for i, part in enumerate(parts[1:], 1)
    ]
    for done in compute(*tasks):  # type: ignore[no-untyped-call]
        summary = summary.add(done)
    return summary


def write_kinetica(
    data: Any,
    url: str,
    table: str,
    mode: str = "append",
    create: bool = True,
    batch_size: int = 10_000,
    *,
    primary_key: Sequence[str] = (),
    shard_key: Sequence[str] = (),
    properties: Mapping[str, Sequence[str]] | None = None,
    table_options: Mapping[str, str] | None = None,
    coerce: bool = False,
    index: bool | None = None,
    username: str | None = None,
    password: str | None = None,
    token: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> WriteSummary:
    """Write rows into a Kinetica table (``/insert/records``), creating it if needed.

    Every value is checked before the first row is sent: a value Kinetica would
    refuse (an int8 out of range, a string longer than ``charN`` bytes, a timestamp
    outside 1000..2900, ...) raises and nothing is written. A Dask DataFrame is written
    partition by partition on the workers, each partition checked before its first row.

    Parameters
    ----------
    data : pandas or Dask DataFrame, pyarrow Table, RecordBatch, RecordBatchReader, Arrow stream
        The rows; columns matched by name (a nullable table column may be left out).
        Anything with ``__arrow_c_stream__`` is taken as it is: a Polars DataFrame,
        a DuckDB relation. A stream is read whole first, as every value is checked
        before the first row is sent.
    url : str
        The server, e.g. ``http://kinetica:9191``.
    table : str
        The table, ``schema.table`` or ``table``.
    mode : {"append", "upsert"}
        ``append``: a row whose primary key exists is an error; ``upsert``: it
        replaces the existing row (``update_on_existing_pk``).
    create : bool
        Create the table when it does not exist, with the Kinetica type of the data's
        Arrow schema (see :mod:`arrowtap.connectors.kinetica.wire.schema`).
    batch_size : int
        Rows per ``/insert/records`` request.
    primary_key, shard_key : list of str
        Key columns of a table created here.
    properties : mapping of str to list of str, optional
        More column properties of a table created here, e.g. ``{"sym": ["char8"]}``.
    table_options : mapping of str to str, optional
        ``/create/table`` options of a table created here (``is_replicated``, ``ttl``...).
    coerce : bool
        Round values with too much precision (sub-ms timestamps, long decimals)
        instead of refusing them.
    index : bool, optional
        Write a pandas (or Dask) index as columns, named after its levels
        (``index`` when unnamed), as ``DataFrame.to_sql`` does. By default
        (``None``) it is written unless it is an unnamed ``RangeIndex`` (row
        numbers, which ``to_parquet`` does not write either); ``True`` writes
        even that; ``False`` writes no index.
    username, password, token, client, retry
        As for :func:`arrowtap.read_kinetica`.

    Returns
    -------
    WriteSummary
        Rows sent, inserted and updated, requests made, whether the table was created.

    Raises
    ------
    InvalidArgumentError
        A value or column that does not fit the table, naming column, row and value.
    KineticaInsertError
        Rows the server refused (e.g. a duplicate primary key when appending), by row.
    NotFoundError
        No such table and ``create=False``.

    Examples
    --------
    >>> import pandas as pd
    >>> from arrowtap.testing.kinetica import FakeKinetica
    >>> df = pd.DataFrame({"id": [1, 2], "sym": ["AB", "CD"]})
    >>> with FakeKinetica() as fake:
    ...     summary = write_kinetica(df, fake.url, "t", primary_key=["id"],
    ...                              properties={"sym": ["char4"]})
    ...     again = write_kinetica(df.assign(sym=["EF", "GH"]), fake.url, "t", mode="upsert")
    ...     rows = fake.rows("t")
    >>> summary.inserted, again.updated, rows
    (2, 2, [{'id': 1, 'sym': 'EF'}, {'id': 2, 'sym': 'GH'}])

    A Polars frame, or a pandas frame indexed by its key:

    >>> import polars as pl
    >>> with FakeKinetica() as fake:
    ...     _ = write_kinetica(pl.DataFrame({"id": [1], "x": [0.5]}), fake.url, "p")
    ...     _ = write_kinetica(pd.DataFrame({"x": [0.5]}, index=pd.Index([1], name="id")),
    ...                        fake.url, "p")
    ...     rows = fake.rows("p")
    >>> rows
    [{'id': 1, 'x': 0.5}, {'id': 1, 'x': 0.5}]
    """
    _check(table, mode, create, batch_size, primary_key, shard_key, properties, table_options,
           coerce)  # fmt: skip
    index = check_index(index, system="Kinetica")
    check_connection(url, username, password, token, client, retry)
    spec = TableSpec(primary_key, shard_key, properties, dict(table_options or {}), coerce)
    connection = {
        "username": username,
        "password": password,
        "token": token,
        "client": client,
        "retry": retry,
    }
    if is_dask(data):
        return _write_dask(data, index, url, table, mode, create, batch_size, spec, connection)
    return _write_table(_arrow(data, index), url, table, mode, create, batch_size, spec, connection)
