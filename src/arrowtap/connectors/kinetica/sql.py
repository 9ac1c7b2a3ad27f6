"""Public functions for Kinetica SQL: plan, read, scan and sync a query's result.

A query's result is a snapshot: its offsets are row numbers of one server-side
paging table, valid within one read only. So a read has no checkpoint, and a sync
appends the whole result once per run, each row stamped with the run's time
(``snapshot_time``), committed after its last page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import httpx
import pandas as pd
import pyarrow as pa

from arrowtap import _checks as checks
from arrowtap.checkpoint import CheckpointLike
from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.kinetica._checks import check_call, check_positive
from arrowtap.connectors.kinetica.sql_source import SqlSource
from arrowtap.connectors.kinetica.table_source import DEFAULT_PAGE_SIZE
from arrowtap.connectors.kinetica.wire.client import SYSTEM
from arrowtap.io import job, reading
from arrowtap.io.contract import Page, Partition, Plan
from arrowtap.io.sync import SyncSummary

__all__ = [
    "CHECKPOINT_NAME",
    "plan_kinetica_sql",
    "read_kinetica_sql",
    "scan_kinetica_sql",
    "sync_kinetica_sql",
]

CHECKPOINT_NAME = "kinetica-sql"
"""The checkpoint (at a location) of the SQL syncs' snapshots."""


def plan_kinetica_sql(
    url: str,
    sql: str,
    *,
    columns: Sequence[str] | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    username: str | None = None,
    password: str | None = None,
    token: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> Plan:
    """The plan of a query: one partition, the whole result (a snapshot plan).

    The first page is fetched now: it tells the schema, and the read of the plan
    starts with it (the server keeps the result in a paging table meanwhile, which
    the read clears; unread, the server drops it after 20 minutes). Parameters are
    those of :func:`read_kinetica_sql`.

    Returns
    -------
    Plan

    Examples
    --------
    >>> from arrowtap.testing.kinetica import FakeKinetica
    >>> with FakeKinetica() as fake:
    ...     _ = fake.create_table("t", [("id", "long")])
    ...     plan = plan_kinetica_sql(fake.url, "SELECT id AS n FROM t")
    >>> plan.schema.names, plan.snapshot, plan.checkpoint_name
    (['n'], True, 'kinetica-sql')
    >>> with FakeKinetica() as fake:
    ...     _ = fake.create_table("t", [("id", "long")])
    ...     plan_kinetica_sql(fake.url, "SELECT id AS n FROM t", columns=["id"])
    Traceback (most recent call last):
    ...
    arrowtap.errors.InvalidArgumentError: columns: no column 'id' (the columns are ['n'])
    """
    check_call(
        url, username=username, password=password, token=token, client=client, retry=retry,
        page_size=page_size, columns=columns,
    )  # fmt: skip
    checks.text("sql", sql, system=SYSTEM)
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
        partitions = [source.partition()]
        return Plan(source, partitions, CHECKPOINT_NAME, snapshot=True, columns=columns)
    finally:
        source.close()  # reopened by whoever reads the plan


def scan_kinetica_sql(
    url: str,
    sql: str,
    *,
    columns: Sequence[str] | None = None,
    max_concurrency: int = 4,
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

    Returns
    -------
    pyarrow.RecordBatchReader

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
    check_positive("max_concurrency", max_concurrency, maximum=checks.MAX_CONCURRENCY)
    plan = plan_kinetica_sql(
        url,
        sql,
        columns=columns,
        page_size=page_size,
        username=username,
        password=password,
        token=token,
        client=client,
        retry=retry,
    )
    reader: pa.RecordBatchReader = reading.scan(plan, max_concurrency=max_concurrency)
    return reader


def read_kinetica_sql(
    url: str,
    sql: str,
    *,
    columns: Sequence[str] | None = None,
    max_concurrency: int = 4,
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
    columns : list of str, optional
        Only these result columns, in this order. The statement's own select list
        is what the server computes: name fewer columns there to fetch fewer;
        ``columns=`` picks among the result's (an unknown one is an
        :class:`~arrowtap.errors.InvalidArgumentError` listing them).
    max_concurrency : int
        Above 1, the next pages are fetched while one is converted.
    page_size : int
        Rows per request; the server keeps the result in a paging table between
        requests (cleared at the end), as the official client asks it to.
    username, password, token, client, retry
        As for :func:`arrowtap.read_kinetica`.

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
    check_positive("max_concurrency", max_concurrency, maximum=checks.MAX_CONCURRENCY)
    plan = plan_kinetica_sql(
        url,
        sql,
        columns=columns,
        page_size=page_size,
        username=username,
        password=password,
        token=token,
        client=client,
        retry=retry,
    )
    frame: pd.DataFrame = reading.read(plan, max_concurrency=max_concurrency)
    return frame


def sync_kinetica_sql(
    url: str,
    sql: str,
    *,
    columns: Sequence[str] | None = None,
    to: job.SyncTarget,
    checkpoint: CheckpointLike | None = None,
    wait: float | None = None,
    schema_contract: str = "evolve",
    page_size: int = DEFAULT_PAGE_SIZE,
    on_page: Callable[[Partition, Page], None] | None = None,
    username: str | None = None,
    password: str | None = None,
    token: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> SyncSummary:
    """Append the whole result of a SQL query to a Parquet dataset, once per run.

    Each run adds one snapshot: every row of the result, stamped with the run's
    start (column ``snapshot_time``), committed after its last page. A run killed
    before that leaves nothing the next run keeps. Parameters not listed are as in
    :func:`read_kinetica_sql`.

    Parameters
    ----------
    to : str, os.PathLike or DeltaSink
        The dataset directory, or a Delta table: ``"delta:PATH"`` or a DeltaSink.
    checkpoint : Checkpoint, str or os.PathLike, optional
        Where the runs are recorded; default ``<to>.checkpoint.sqlite``.
    wait : float, optional
        Seconds to wait while another sync holds the destination (the lease of
        its checkpoint); ``None`` or ``0`` fails at once with
        :class:`~arrowtap.errors.DestinationHeldError` naming the holder.
    schema_contract : {"evolve", "freeze", "discard_value", "discard_row"}
        What a change of the source's columns does to the destination (see
        :mod:`arrowtap.io.drift`): a new column added (default), refused with
        :class:`~arrowtap.errors.SchemaDriftError` before anything is written, or its
        values or rows dropped; the summary reports every change found.
    on_page : callable, optional
        Called with ``(partition, page)`` once the snapshot is committed.

    Returns
    -------
    SyncSummary
        Rows, pages and bytes of the snapshot, and the time taken.

    Examples
    --------
    >>> import tempfile, pyarrow.parquet as pq
    >>> from arrowtap.testing.kinetica import FakeKinetica
    >>> out = tempfile.mkdtemp()
    >>> with FakeKinetica() as fake:
    ...     _ = fake.create_table("t", [("id", "long")])
    ...     fake.insert("t", [{"id": i} for i in range(3)])
    ...     for _ in range(2):
    ...         summary = sync_kinetica_sql(fake.url, "SELECT id FROM t", to=out)
    >>> dataset = pq.read_table(out)
    >>> summary.rows, dataset.num_rows, len(dataset["snapshot_time"].unique())
    (3, 6, 2)
    """

    def plan() -> Plan:
        return plan_kinetica_sql(
            url,
            sql,
            columns=columns,
            page_size=page_size,
            username=username,
            password=password,
            token=token,
            client=client,
            retry=retry,
        )

    return job.sync_job(
        plan,
        to=to,
        checkpoint=checkpoint,
        max_concurrency=1,
        on_page=on_page,
        wait=wait,
        schema_contract=schema_contract,
    )
