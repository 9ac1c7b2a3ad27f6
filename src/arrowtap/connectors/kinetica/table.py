"""Public functions for Kinetica tables: plan, read, scan, whole or incrementally.

An incremental read (``checkpoint=``) starts after the value of the increasing
column its checkpoint holds and returns an :class:`~arrowtap.Increment`: the data
and the commit that records it as delivered, which the caller makes once it is
stored (:mod:`arrowtap.io.reading`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, overload

import httpx
import pandas as pd
import pyarrow as pa

from arrowtap import _checks as checks
from arrowtap.checkpoint import CheckpointLike
from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.kinetica._checks import (
    check_call,
    check_checkpoint,
    check_positive,
    check_where,
    need_increasing_column,
)
from arrowtap.connectors.kinetica.table_source import DEFAULT_PAGE_SIZE, TableSource
from arrowtap.connectors.kinetica.wire.client import SYSTEM
from arrowtap.io import reading
from arrowtap.io.contract import Plan
from arrowtap.io.reading import Increment

__all__ = ["CHECKPOINT_NAME", "plan_kinetica", "read_kinetica", "scan_kinetica"]

CHECKPOINT_NAME = "kinetica"
"""The checkpoint (at a location) of the tables' offsets."""


def plan_kinetica(
    url: str,
    table: str,
    *,
    columns: Sequence[str] | None = None,
    where: str | None = None,
    increasing_column: str | None = None,
    tie_breaker: str | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    username: str | None = None,
    password: str | None = None,
    token: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> Plan:
    """The plan of a table read: one partition, the table (its rows matching ``where``).

    The partition's key names the server, the table, the filter and the increasing
    column, so a checkpoint section follows this read and no other. Parameters are
    those of :func:`read_kinetica`.

    Returns
    -------
    Plan
        Its schema is the table's (or the columns'), asked of the server now.

    Examples
    --------
    >>> from arrowtap.testing.kinetica import FakeKinetica
    >>> with FakeKinetica() as fake:
    ...     _ = fake.create_table("t", [("id", "long"), ("x", "double")])
    ...     plan = plan_kinetica(fake.url, "t", columns=["x"], increasing_column="id")
    >>> plan.schema.names, plan.checkpoint_name, plan.partitions[0].key.endswith(":t:by=id")
    (['x'], 'kinetica', True)
    """
    return _table_plan(
        False, url, table, where, columns=columns, increasing_column=increasing_column,
        tie_breaker=tie_breaker, page_size=page_size, username=username, password=password,
        token=token, client=client, retry=retry,
    )  # fmt: skip


def _table_plan(prime: bool, url: str, table: str, where: str | None, **options: Any) -> Plan:
    """The plan of :func:`plan_kinetica`; `prime`: fetch a plain read's first page now.

    A read that follows at once (not a plan kept for later) learns the table's type
    from its first page, in one request when this process knows the type
    (:meth:`TableSource.prime`).
    """
    check_call(
        url, username=options["username"], password=options["password"], token=options["token"],
        client=options["client"], retry=options["retry"], page_size=options["page_size"],
        table=table, columns=options["columns"],
    )  # fmt: skip
    check_where(where)
    for arg in ("increasing_column", "tie_breaker"):
        checks.optional(checks.name, arg, options[arg], system=SYSTEM)
    source = TableSource(url, table, **options)
    try:
        partition = source.partition(where)
        if prime:
            source.prime(partition)
        return Plan(source, [partition], CHECKPOINT_NAME)
    finally:
        source.close()  # reopened by whoever reads the plan


def _plan(
    checkpoint: object, increasing_column: str | None, max_concurrency: object, **arguments: Any
) -> Plan:
    check_checkpoint(checkpoint)
    check_positive("max_concurrency", max_concurrency, maximum=checks.MAX_CONCURRENCY)
    if checkpoint is not None:
        need_increasing_column(increasing_column, "an incremental read (checkpoint=)")
    url, table, where = arguments.pop("url"), arguments.pop("table"), arguments.pop("where")
    options = arguments | {"increasing_column": increasing_column}
    return _table_plan(checkpoint is None, url, table, where, **options)


@overload
def scan_kinetica(
    url: str,
    table: str,
    *,
    columns: Sequence[str] | None = None,
    where: str | None = None,
    checkpoint: None = None,
    increasing_column: str | None = None,
    tie_breaker: str | None = None,
    max_concurrency: int = 4,
    page_size: int = DEFAULT_PAGE_SIZE,
    username: str | None = None,
    password: str | None = None,
    token: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> pa.RecordBatchReader: ...


@overload
def scan_kinetica(
    url: str,
    table: str,
    *,
    columns: Sequence[str] | None = None,
    where: str | None = None,
    checkpoint: CheckpointLike,
    increasing_column: str | None = None,
    tie_breaker: str | None = None,
    max_concurrency: int = 4,
    page_size: int = DEFAULT_PAGE_SIZE,
    username: str | None = None,
    password: str | None = None,
    token: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> Increment[pa.RecordBatchReader]: ...


def scan_kinetica(
    url: str,
    table: str,
    *,
    columns: Sequence[str] | None = None,
    where: str | None = None,
    checkpoint: CheckpointLike | None = None,
    increasing_column: str | None = None,
    tie_breaker: str | None = None,
    max_concurrency: int = 4,
    page_size: int = DEFAULT_PAGE_SIZE,
    username: str | None = None,
    password: str | None = None,
    token: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> Any:
    """Stream a Kinetica table as Arrow record batches, a page at a time.

    Parameters are those of :func:`read_kinetica`. With a ``checkpoint``, the
    stream is the ``data`` of an :class:`~arrowtap.Increment` whose ``commit()``
    records the batches taken from it so far.

    Returns
    -------
    pyarrow.RecordBatchReader or Increment
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
    plan = _plan(
        checkpoint,
        increasing_column,
        max_concurrency,
        url=url,
        table=table,
        columns=columns,
        where=where,
        tie_breaker=tie_breaker,
        page_size=page_size,
        username=username,
        password=password,
        token=token,
        client=client,
        retry=retry,
    )
    return reading.scan(plan, checkpoint=checkpoint, max_concurrency=max_concurrency)


@overload
def read_kinetica(
    url: str,
    table: str,
    *,
    columns: Sequence[str] | None = None,
    where: str | None = None,
    checkpoint: None = None,
    increasing_column: str | None = None,
    tie_breaker: str | None = None,
    max_concurrency: int = 4,
    page_size: int = DEFAULT_PAGE_SIZE,
    username: str | None = None,
    password: str | None = None,
    token: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> pd.DataFrame: ...


@overload
def read_kinetica(
    url: str,
    table: str,
    *,
    columns: Sequence[str] | None = None,
    where: str | None = None,
    checkpoint: CheckpointLike,
    increasing_column: str | None = None,
    tie_breaker: str | None = None,
    max_concurrency: int = 4,
    page_size: int = DEFAULT_PAGE_SIZE,
    username: str | None = None,
    password: str | None = None,
    token: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> Increment[pd.DataFrame]: ...


def read_kinetica(
    url: str,
    table: str,
    *,
    columns: Sequence[str] | None = None,
    where: str | None = None,
    checkpoint: CheckpointLike | None = None,
    increasing_column: str | None = None,
    tie_breaker: str | None = None,
    max_concurrency: int = 4,
    page_size: int = DEFAULT_PAGE_SIZE,
    username: str | None = None,
    password: str | None = None,
    token: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> Any:
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
        this checkpoint holds (an SQLite file, a ``harperdb+http://`` URL or an open
        :class:`~arrowtap.Checkpoint`). The result is then an
        :class:`~arrowtap.Increment`: commit it once the frame is stored.
    increasing_column : str, optional
        The column whose values only grow (a sequence, an insertion time): rows are
        read in its order, and its last value delivered is the offset. Rows where it
        is null are not read. Needed with a ``checkpoint``.
    tie_breaker : str, optional
        A unique column (the primary key) for when ``increasing_column`` is not
        unique: the offset then remembers which rows of the last value were
        delivered, so rows added later with that same value are not missed.
    max_concurrency : int
        Partitions read at once; a table is one, and above 1 its next pages are
        fetched while one is converted.
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
    pandas.DataFrame or Increment
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
    ...     with read_kinetica(fake.url, "t", checkpoint=ckpt, increasing_column="id") as df:
    ...         first = df["id"].tolist()  # store the frame here; the block's end commits
    ...     fake.insert("t", [{"id": 3, "x": 1.5}])
    ...     second = read_kinetica(fake.url, "t", checkpoint=ckpt, increasing_column="id")
    >>> first, second.data["id"].tolist()
    ([0, 1, 2], [3])
    """
    plan = _plan(
        checkpoint,
        increasing_column,
        max_concurrency,
        url=url,
        table=table,
        columns=columns,
        where=where,
        tie_breaker=tie_breaker,
        page_size=page_size,
        username=username,
        password=password,
        token=token,
        client=client,
        retry=retry,
    )
    return reading.read(plan, checkpoint=checkpoint, max_concurrency=max_concurrency)
