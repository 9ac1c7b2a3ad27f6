"""The public writer of Kinetica tables: pandas, Arrow or Dask data in, rows inserted."""

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

__all__ = ["write_kinetica"]


def _arrow(data: Any) -> pa.Table:
    if isinstance(data, pd.DataFrame):
        try:
            return pa.Table.from_pandas(data, preserve_index=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
            # e.g. an object column mixing numbers and strings: no one Arrow type
            raise InvalidArgumentError(f"Kinetica: write_kinetica: data: {exc}") from exc
    if isinstance(data, pa.Table):
        return data
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data])
    if isinstance(data, pa.RecordBatchReader):
        return data.read_all()
    raise InvalidTypeError(
        "Kinetica: write_kinetica takes a pandas or Dask DataFrame, or a pyarrow Table, "
        f"RecordBatch or RecordBatchReader, not {type(data).__name__}"
    )


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


def _is_dask(data: Any) -> bool:
    return type(data).__module__.split(".")[0] == "dask" and hasattr(data, "to_delayed")


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


def _write_partition(frame: pd.DataFrame, index: int, *args: Any) -> WriteSummary:
    """Write one Dask partition (runs on a worker, with its own connection)."""
    try:
        return _write_table(_arrow(frame), *args)
    except Exception as exc:
        exc.add_note(f"while writing Dask partition {index}")
        raise


def _write_dask(
    data: Any,
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
    # The first partition creates the table; the others then go in parallel.
    summary = _write_partition(
        parts[0].compute(), 0, url, table, mode, create, batch_size, spec, connection
    )
    tasks = [
        delayed(_write_partition)(part, i, url, table, mode, False, batch_size, spec, worker)
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
    data : pandas.DataFrame, pyarrow.Table, RecordBatch, RecordBatchReader or dask DataFrame
        The rows; columns matched by name (a nullable table column may be left out).
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
    """
    _check(table, mode, create, batch_size, primary_key, shard_key, properties, table_options,
           coerce)  # fmt: skip
    check_connection(url, username, password, token, client, retry)
    spec = TableSpec(primary_key, shard_key, properties, dict(table_options or {}), coerce)
    connection = {
        "username": username,
        "password": password,
        "token": token,
        "client": client,
        "retry": retry,
    }
    if _is_dask(data):
        return _write_dask(data, url, table, mode, create, batch_size, spec, connection)
    return _write_table(_arrow(data), url, table, mode, create, batch_size, spec, connection)
