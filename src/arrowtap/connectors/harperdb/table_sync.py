"""Copy a HarperDB table's changes into a dataset, exactly once, resumably, once or following."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import httpx

from arrowtap.checkpoint import CheckpointLike
from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.harperdb.table_plan import plan_table
from arrowtap.connectors.harperdb.table_source import DEFAULT_PAGE_SIZE
from arrowtap.connectors.harperdb.wire.layout import SchemaLike
from arrowtap.io import job
from arrowtap.io.contract import Page, Partition, Plan
from arrowtap.io.inputs import TimeLike, TimeUnit
from arrowtap.io.sync import SyncSummary

__all__ = ["sync_harperdb"]


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
    follow: bool = False,
    every: float = 10.0,
    max_concurrency: int = 4,
    page_size: int = DEFAULT_PAGE_SIZE,
    schema: SchemaLike | None = None,
    on_page: Callable[[Partition, Page], None] | None = None,
    username: str | None = None,
    password: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> SyncSummary:
    """Copy a table's new and changed rows into a Parquet dataset, exactly once, resumably.

    Each page is made durable, then the table's offset (updated time and
    primary key of its last row) committed to the checkpoint; the next run
    continues after it. A run covers the rows updated up to when it starts. A
    row updated between two runs is written again, with its new values (the
    dataset is a log of changes; deleted rows are not reported). The other
    parameters are as in :func:`read_harperdb`.

    Parameters
    ----------
    to : str, os.PathLike or DeltaSink
        The dataset directory, or a Delta table: ``"delta:PATH"`` or a DeltaSink.
    checkpoint : Checkpoint, str or os.PathLike, optional
        Where the offset is kept (checkpoint ``harperdb-tables``, section
        ``harperdb:<database>.<table>``): an open :class:`~arrowtap.Checkpoint`
        (not closed), an SQLite file or a ``harperdb+http(s)://`` URL. Default
        ``<to>.checkpoint.sqlite``.
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
        Where the first run starts (later runs continue from the offset).
    unit : {"s", "ms", "us", "ns"}, optional
        The unit of an integer ``since``, which needs one (as ``pandas.to_datetime``).
    follow : bool
        Keep syncing the changes, a run every ``every`` seconds, until stopped
        (Ctrl-C or SIGTERM: :class:`~arrowtap.errors.Interrupted` carries the
        summary of every run).
    every : float
        Seconds between the runs of ``follow``.
    max_concurrency : int
        Partitions synced at once (a table is one).
    on_page : callable, optional
        Called with ``(partition, page)`` after each commit.

    Returns
    -------
    SyncSummary
        Rows, pages and bytes written, and the time taken.

    Raises
    ------
    InvalidArgumentError
        A bad argument, or a table without an indexed updated time (it has no
        offsets to resume from).

    Examples
    --------
    >>> import tempfile
    >>> from arrowtap.connectors.harperdb.wire.canned import canned_client, canned_table
    >>> answers = canned_table([{"id": i, "__updatedtime__": 1.0} for i in range(5)])
    >>> to = tempfile.mkdtemp()
    >>> first = sync_harperdb("http://h:9925", "shop", "items", to=to, page_size=2,
    ...                       client=canned_client(answers))
    >>> again = sync_harperdb("http://h:9925", "shop", "items", to=to,
    ...                       client=canned_client(answers))
    >>> first.rows, first.pages, again.rows
    (5, 3, 0)
    """

    def plan() -> Plan:
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
            incremental=True,
        )

    return job.sync_job(
        plan,
        to=to,
        checkpoint=checkpoint,
        follow=follow,
        every=every,
        max_concurrency=max_concurrency,
        on_page=on_page,
        wait=wait,
        schema_contract=schema_contract,
    )
