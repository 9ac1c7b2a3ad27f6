"""Copy a Kinetica table into a dataset, exactly once, resumably, once or following.

The offsets are values of an increasing column (never row numbers, which shift as
rows come and go), so a sync needs one. The sync is the table's plan handed to the
runner every source shares (:func:`arrowtap.io.job.sync_job`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import httpx

from arrowtap.checkpoint import CheckpointLike
from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.kinetica._checks import need_increasing_column
from arrowtap.connectors.kinetica.table import plan_kinetica
from arrowtap.connectors.kinetica.table_source import DEFAULT_PAGE_SIZE
from arrowtap.io import job
from arrowtap.io.contract import Page, Partition, Plan
from arrowtap.io.sync import SyncSummary

__all__ = ["sync_kinetica"]


def sync_kinetica(
    url: str,
    table: str,
    *,
    to: job.SyncTarget,
    increasing_column: str | None = None,
    checkpoint: CheckpointLike | None = None,
    wait: float | None = None,
    schema_contract: str = "evolve",
    columns: Sequence[str] | None = None,
    where: str | None = None,
    tie_breaker: str | None = None,
    follow: bool = False,
    every: float = 10.0,
    max_concurrency: int = 4,
    page_size: int = DEFAULT_PAGE_SIZE,
    on_page: Callable[[Partition, Page], None] | None = None,
    username: str | None = None,
    password: str | None = None,
    token: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> SyncSummary:
    """Copy the new rows of a Kinetica table into a Parquet dataset, exactly once.

    Rows are read in the order of ``increasing_column`` from after its last value
    committed; each page is written durably, then that value is committed to the
    checkpoint, so a run killed anywhere and started again leaves every row in the
    dataset once, and the next run (or ``follow=True``) copies what was added since.
    Parameters not listed are as in :func:`arrowtap.read_kinetica`.

    Parameters
    ----------
    to : str, os.PathLike or DeltaSink
        The dataset directory, or a Delta table: ``"delta:PATH"`` or a DeltaSink.
    increasing_column : str
        Required: the column whose values grow with insertion (a sequence, an
        insertion time); its last value written is the offset. Rows where it is
        null are not copied.
    checkpoint : Checkpoint, str or os.PathLike, optional
        Where the offsets are kept; default ``<to>.checkpoint.sqlite``.
    wait : float, optional
        Seconds to wait while another sync holds the destination (the lease of
        its checkpoint); ``None`` or ``0`` fails at once with
        :class:`~arrowtap.errors.DestinationHeldError` naming the holder.
    schema_contract : {"evolve", "freeze", "discard_value", "discard_row"}
        What a change of the source's columns does to the destination (see
        :mod:`arrowtap.io.drift`): a new column added (default), refused with
        :class:`~arrowtap.errors.SchemaDriftError` before anything is written, or its
        values or rows dropped; the summary reports every change found.
    follow : bool
        Keep syncing what is new, a run every ``every`` seconds, until stopped
        (Ctrl-C: :class:`~arrowtap.errors.Interrupted` carries the summary).
    every : float
        Seconds between the runs of ``follow``.
    on_page : callable, optional
        Called with ``(partition, page)`` after each commit.

    Returns
    -------
    SyncSummary
        Rows, pages and bytes written, and the time taken (of every run, following).

    Raises
    ------
    InvalidArgumentError
        No ``increasing_column``.
    Interrupted
        Ctrl-C or SIGTERM; what was committed stays.

    Examples
    --------
    >>> import tempfile, pyarrow.parquet as pq
    >>> from arrowtap.testing.kinetica import FakeKinetica
    >>> out = tempfile.mkdtemp()
    >>> with FakeKinetica() as fake:
    ...     _ = fake.create_table("t", [("id", "long"), ("x", "double")])
    ...     fake.insert("t", [{"id": i, "x": i / 2} for i in range(5)])
    ...     first = sync_kinetica(fake.url, "t", to=out, increasing_column="id", page_size=2)
    ...     fake.insert("t", [{"id": 5, "x": 2.5}])
    ...     second = sync_kinetica(fake.url, "t", to=out, increasing_column="id")
    >>> first.rows, second.rows, sorted(pq.read_table(out)["id"].to_pylist())
    (5, 1, [0, 1, 2, 3, 4, 5])
    """
    column = need_increasing_column(increasing_column, "a sync")

    def plan() -> Plan:
        return plan_kinetica(
            url,
            table,
            columns=columns,
            where=where,
            increasing_column=column,
            tie_breaker=tie_breaker,
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
        follow=follow,
        every=every,
        max_concurrency=max_concurrency,
        on_page=on_page,
        wait=wait,
        schema_contract=schema_contract,
    )
