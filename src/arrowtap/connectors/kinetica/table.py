"""Public functions for Kinetica tables: read, scan (incrementally too), SQL, write."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import httpx
import pandas as pd
import pyarrow as pa

from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.kinetica.checkpointed import CheckpointedRead, CheckpointLike, opened
from arrowtap.connectors.kinetica.sql_source import SqlSource
from arrowtap.connectors.kinetica.table_source import DEFAULT_PAGE_SIZE, TableSource
from arrowtap.connectors.kinetica.wire.writer import WriteSummary
from arrowtap.connectors.kinetica.write import write_kinetica
from arrowtap.errors import InvalidArgumentError
from arrowtap.io.frames import to_pandas

__all__ = [
    "WriteSummary",
    "read_kinetica",
    "read_kinetica_sql",
    "scan_kinetica",
    "scan_kinetica_sql",
    "write_kinetica",
]


def _source(
    url: str,
    table: str,
    columns: Sequence[str] | None,
    increasing_column: str | None,
    tie_breaker: str | None,
    page_size: int,
    credentials: Mapping[str, Any],
) -> TableSource:
    return TableSource(
        url,
        table,
        columns=columns,
        increasing_column=increasing_column,
        tie_breaker=tie_breaker,
        page_size=page_size,
        **credentials,
    )


def _check_incremental(checkpoint: CheckpointLike, increasing_column: str | None) -> None:
    if checkpoint is not None and increasing_column is None:
        raise InvalidArgumentError(
            "Kinetica: an incremental read (checkpoint=) needs increasing_column=, the column "
            "whose last value delivered is the offset"
        )


def scan_kinetica(
    url: str,
    table: str,
    columns: Sequence[str] | None = None,
    where: str | None = None,
    *,
    checkpoint: CheckpointLike = None,
    increasing_column: str | None = None,
    tie_breaker: str | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    username: str | None = None,
    password: str | None = None,
    token: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> pa.RecordBatchReader:
    """Stream a Kinetica table as Arrow record batches, a page at a time.

    Parameters are those of :func:`read_kinetica`. With a ``checkpoint``, a batch is
    delivered (its offset committed) when the next one is asked for or the stream
    ends; a run that stops early resumes after the last delivered batch.

    Returns
    -------
    pyarrow.RecordBatchReader
        Batches of the table's schema (or the chosen columns').

    Examples
    --------
    >>> from arrowtap.testing.kinetica import FakeKinetica
    >>> with FakeKinetica() as fake:
    ...     _ = fake.create_table("t", [("id", "long"), ("s", "string", "char4")])
    ...     fake.insert("t", [{"id": i, "s": "ab"} for i in range(5)])
    ...     reader = scan_kinetica(fake.url, "t", page_size=2)
    ...     [batch.num_rows for batch in reader]
    [2, 2, 1]
    """
    _check_incremental(checkpoint, increasing_column)
    credentials = {"username": username, "password": password, "token": token}
    source = _source(
        url,
        table,
        columns,
        increasing_column,
        tie_breaker,
        page_size,
        {**credentials, "client": client, "retry": retry},
    )
    try:
        schema, part = source.schema, source.partition(where)
    finally:
        source.close()  # reopened when the stream is read

    def batches() -> Iterator[pa.RecordBatch]:
        with source:
            if checkpoint is None:
                for page in source.read(part):
                    yield page.batch
                return
            with opened(checkpoint) as store:
                yield from CheckpointedRead(store, source, part).stream()

    return pa.RecordBatchReader.from_batches(schema, batches())


def read_kinetica(
    url: str,
    table: str,
    columns: Sequence[str] | None = None,
    where: str | None = None,
    *,
    checkpoint: CheckpointLike = None,
    increasing_column: str | None = None,
    tie_breaker: str | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    username: str | None = None,
    password: str | None = None,
    token: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> pd.DataFrame:
    """Read a Kinetica table (``/get/records`` pages) into a DataFrame.

    Parameters
    ----------
    url : str
        The server, e.g. ``http://kinetica:9191``.
    table : str
        The table, ``schema.table`` or ``table``.
    columns : list of str, optional
        The columns to return, in this order; all by default.
    where : str, optional
        A Kinetica filter expression, e.g. ``"x > 1 and sym = 'A'"``.
    checkpoint : Checkpoint, str or os.PathLike, optional
        Read incrementally: only the rows after the value of ``increasing_column``
        the checkpoint holds, and record the last value returned once the frame is
        built. A checkpoint, or an SQLite file holding one.
    increasing_column : str, optional
        The column whose values only grow (a sequence, an insertion time): rows are
        read in its order, and its last value delivered is the offset. Rows where it
        is null are not read.
    tie_breaker : str, optional
        A unique column (the primary key) for when ``increasing_column`` is not
        unique: the offset then remembers which rows of the last value were
        delivered, so rows added later with that same value are not missed.
    page_size : int
        Rows per request (the server may return fewer).
    username, password : str, optional
        HTTP Basic credentials.
    token : str, optional
        An OAuth bearer token, used instead of them.
    client : httpx.Client, optional
        Your own client (proxies, TLS); arrowtap does not close it.
    retry : RetryPolicy, optional
        Retry budget and backoff.

    Returns
    -------
    pandas.DataFrame
        The table's columns with their Arrow types (see
        :mod:`arrowtap.connectors.kinetica.wire.schema`): integers nullable, timestamps
        ``datetime64[ms, UTC]``, strings ``string[pyarrow]``.

    Raises
    ------
    NotFoundError
        No such table.
    AuthenticationError
        Credentials refused.
    BadRequestError
        The server refused the request (a bad ``where``), with its message.
    DecodeError
        A reply that does not decode, after the retries.

    Examples
    --------
    >>> import tempfile
    >>> from arrowtap.testing.kinetica import FakeKinetica
    >>> ckpt = tempfile.mkdtemp() + "/offsets.db"
    >>> with FakeKinetica() as fake:
    ...     _ = fake.create_table("t", [("id", "long", "primary_key"), ("x", "double")])
    ...     fake.insert("t", [{"id": i, "x": i / 2} for i in range(3)])
    ...     first = read_kinetica(fake.url, "t", checkpoint=ckpt, increasing_column="id")
    ...     fake.insert("t", [{"id": 3, "x": 1.5}])
    ...     second = read_kinetica(fake.url, "t", checkpoint=ckpt, increasing_column="id")
    >>> first["id"].tolist(), second["id"].tolist()
    ([0, 1, 2], [3])
    """
    _check_incremental(checkpoint, increasing_column)
    if checkpoint is None:
        reader = scan_kinetica(
            url,
            table,
            columns,
            where,
            increasing_column=increasing_column,
            tie_breaker=tie_breaker,
            page_size=page_size,
            username=username,
            password=password,
            token=token,
            client=client,
            retry=retry,
        )
        return to_pandas(reader.read_all())
    source = _source(
        url,
        table,
        columns,
        increasing_column,
        tie_breaker,
        page_size,
        {
            "username": username,
            "password": password,
            "token": token,
            "client": client,
            "retry": retry,
        },
    )
    with source, opened(checkpoint) as store:
        read = CheckpointedRead(store, source, source.partition(where))
        batches, offset = read.read_all()
        frame = to_pandas(pa.Table.from_batches(batches, schema=source.schema))
        read.commit(offset)
    return frame


def scan_kinetica_sql(
    url: str,
    sql: str,
    *,
    page_size: int = DEFAULT_PAGE_SIZE,
    username: str | None = None,
    password: str | None = None,
    token: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> pa.RecordBatchReader:
    """Stream the result of a SQL query (``/execute/sql`` pages) as Arrow record batches.

    Parameters are those of :func:`read_kinetica_sql`. The first page is fetched
    here: it tells the schema.

    Examples
    --------
    >>> from arrowtap.testing.kinetica import FakeKinetica
    >>> with FakeKinetica() as fake:
    ...     _ = fake.create_table("t", [("id", "long"), ("ts", "long", "timestamp")])
    ...     fake.insert("t", [{"id": i, "ts": 1000 * i} for i in range(5)])
    ...     reader = scan_kinetica_sql(fake.url, "SELECT ts FROM t WHERE id > 2")
    ...     reader.schema.field("ts").type, reader.read_all().num_rows
    (TimestampType(timestamp[ms, tz=UTC]), 2)
    """
    source = SqlSource(
        url,
        sql,
        page_size=page_size,
        username=username,
        password=password,
        token=token,
        client=client,
        retry=retry,
    )
    try:
        schema, part = source.schema, source.partition()
    finally:
        source.close()  # reopened when the stream is read

    def batches() -> Iterator[pa.RecordBatch]:
        with source:
            for page in source.read(part):
                yield page.batch

    return pa.RecordBatchReader.from_batches(schema, batches())


def read_kinetica_sql(
    url: str,
    sql: str,
    *,
    page_size: int = DEFAULT_PAGE_SIZE,
    username: str | None = None,
    password: str | None = None,
    token: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> pd.DataFrame:
    """Read the result of a SQL query into a DataFrame.

    Parameters
    ----------
    url : str
        The server.
    sql : str
        The statement, e.g. ``SELECT id, ts FROM t WHERE x > 1 ORDER BY ts``.
    page_size : int
        Rows per request; the server keeps the result in a paging table between
        requests (cleared at the end), as the official client asks it to.
    username, password, token, client, retry
        As for :func:`read_kinetica`.

    Returns
    -------
    pandas.DataFrame
        The result columns, named and typed as the server describes them
        (``timestamp`` as ``datetime64[ms, UTC]``, ``int8`` as ``Int8``, ...).

    Examples
    --------
    >>> from arrowtap.testing.kinetica import FakeKinetica
    >>> with FakeKinetica() as fake:
    ...     _ = fake.create_table("t", [("id", "long"), ("n", "int", "int8")])
    ...     fake.insert("t", [{"id": i, "n": -i} for i in range(4)])
    ...     df = read_kinetica_sql(fake.url, "SELECT n AS neg FROM t ORDER BY id DESC")
    >>> df["neg"].tolist(), str(df["neg"].dtype)
    ([-3, -2, -1, 0], 'Int8')
    """
    reader = scan_kinetica_sql(
        url,
        sql,
        page_size=page_size,
        username=username,
        password=password,
        token=token,
        client=client,
        retry=retry,
    )
    return to_pandas(reader.read_all())
