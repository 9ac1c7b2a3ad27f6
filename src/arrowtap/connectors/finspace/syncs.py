"""Copy FinSpace listings into a Parquet dataset: one whole, stamped listing per run.

A listing is a snapshot source: each run of ``sync_finspace_*`` lists from the
first page, and the engine (:func:`arrowtap.io.job.sync_job`) writes the pages,
stamps every row with the run's start time (``snapshot_time``) and commits the
listing once its last page is durable. A run killed midway leaves nothing a
later run keeps, so the dataset only ever holds whole listings.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import httpx

from arrowtap.checkpoint import CheckpointLike
from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.finspace.plans import (
    DEFAULT_PAGE_SIZE,
    plan_finspace_changesets,
    plan_finspace_cluster_nodes,
    plan_finspace_clusters,
    plan_finspace_databases,
    plan_finspace_environments,
)
from arrowtap.connectors.finspace.wire.auth import CredentialsLike
from arrowtap.io import job
from arrowtap.io.contract import Page, Partition, Plan
from arrowtap.io.sync import SyncSummary

__all__ = [
    "sync_finspace_changesets",
    "sync_finspace_cluster_nodes",
    "sync_finspace_clusters",
    "sync_finspace_databases",
    "sync_finspace_environments",
]


def sync_finspace_clusters(
    environment_id: str,
    cluster_type: str | None = None,
    *,
    to: job.SyncTarget,
    checkpoint: CheckpointLike | None = None,
    wait: float | None = None,
    schema_contract: str = "evolve",
    columns: Sequence[str] | None = None,
    follow: bool = False,
    every: float = 10.0,
    region: str | None = None,
    endpoint_url: str | None = None,
    credentials: CredentialsLike = None,
    page_size: int | None = DEFAULT_PAGE_SIZE,
    on_page: Callable[[Partition, Page], None] | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> SyncSummary:
    """Append a whole, stamped listing of an environment's kdb clusters to a dataset.

    Each run lists ``ListKxClusters`` from its first page, writes its pages to the
    dataset and commits them once the listing is complete: every row gets the
    run's start time in a ``snapshot_time`` column, and a run that dies midway
    leaves nothing that a later run keeps. Rerun it (or ``follow=True``) to
    keep a history of the listing.

    Parameters
    ----------
    environment_id, cluster_type, columns, region, endpoint_url
        As in :func:`arrowtap.read_finspace_clusters`.
    credentials, page_size, client, retry
        As in :func:`arrowtap.read_finspace_clusters`.
    to : str, os.PathLike or DeltaSink
        The dataset directory, or a Delta table: ``"delta:PATH"`` or a DeltaSink.
    checkpoint : Checkpoint, str or os.PathLike, optional
        Where the snapshots' commits are kept: an open :class:`~arrowtap.Checkpoint`
        (not closed) or a location for :func:`~arrowtap.open_checkpoint`;
        default ``<to>.checkpoint.sqlite``.
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
        Take a snapshot every ``every`` seconds until stopped (Ctrl-C or
        SIGTERM: :class:`~arrowtap.errors.Interrupted` carries the summary).
    every : float
        Seconds between the snapshots of ``follow``.
    on_page : callable, optional
        Called with ``(partition, page)`` for each page once the snapshot is committed.

    Returns
    -------
    SyncSummary
        Rows, pages and bytes of the snapshot(s) taken, and the time taken.

    Examples
    --------
    >>> import tempfile
    >>> import pyarrow.parquet as pq
    >>> from arrowtap.testing.finspace import FakeFinSpace
    >>> out = tempfile.mkdtemp()
    >>> with FakeFinSpace(clusters=25) as fake:
    ...     first = sync_finspace_clusters(fake.environment_id, to=out, **fake.options)
    ...     second = sync_finspace_clusters(fake.environment_id, to=out, **fake.options)
    >>> table = pq.read_table(out)
    >>> first.rows, table.num_rows, len(table["snapshot_time"].unique())
    (25, 50, 2)
    """

    def plan() -> Plan:
        return plan_finspace_clusters(
            environment_id, cluster_type, columns=columns, region=region, endpoint_url=endpoint_url,
            credentials=credentials, page_size=page_size, client=client, retry=retry,
        )  # fmt: skip

    return job.sync_job(
        plan,
        to=to,
        checkpoint=checkpoint,
        follow=follow,
        every=every,
        on_page=on_page,
        wait=wait,
        schema_contract=schema_contract,
    )


def sync_finspace_environments(
    *,
    to: job.SyncTarget,
    checkpoint: CheckpointLike | None = None,
    wait: float | None = None,
    schema_contract: str = "evolve",
    columns: Sequence[str] | None = None,
    follow: bool = False,
    every: float = 10.0,
    region: str | None = None,
    endpoint_url: str | None = None,
    credentials: CredentialsLike = None,
    page_size: int | None = DEFAULT_PAGE_SIZE,
    on_page: Callable[[Partition, Page], None] | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> SyncSummary:
    """Append a whole, stamped listing of the account's kdb environments to a dataset.

    The parameters are those of :func:`sync_finspace_clusters`.

    Returns
    -------
    SyncSummary
        Rows, pages and bytes of the snapshot(s) taken, and the time taken.

    Examples
    --------
    >>> import tempfile
    >>> from arrowtap.testing.finspace import FakeFinSpace
    >>> out = tempfile.mkdtemp()
    >>> with FakeFinSpace() as fake:
    ...     summary = sync_finspace_environments(to=out, **fake.options)
    >>> summary.rows
    3
    """

    def plan() -> Plan:
        return plan_finspace_environments(
            columns=columns, region=region, endpoint_url=endpoint_url,
            credentials=credentials, page_size=page_size, client=client, retry=retry,
        )  # fmt: skip

    return job.sync_job(
        plan,
        to=to,
        checkpoint=checkpoint,
        follow=follow,
        every=every,
        on_page=on_page,
        wait=wait,
        schema_contract=schema_contract,
    )


def sync_finspace_databases(
    environment_id: str,
    *,
    to: job.SyncTarget,
    checkpoint: CheckpointLike | None = None,
    wait: float | None = None,
    schema_contract: str = "evolve",
    columns: Sequence[str] | None = None,
    follow: bool = False,
    every: float = 10.0,
    region: str | None = None,
    endpoint_url: str | None = None,
    credentials: CredentialsLike = None,
    page_size: int | None = DEFAULT_PAGE_SIZE,
    on_page: Callable[[Partition, Page], None] | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> SyncSummary:
    """Append a whole, stamped listing of an environment's kdb databases to a dataset.

    The parameters are those of :func:`sync_finspace_clusters`.

    Returns
    -------
    SyncSummary
        Rows, pages and bytes of the snapshot(s) taken, and the time taken.

    Examples
    --------
    >>> import tempfile
    >>> from arrowtap.testing.finspace import FakeFinSpace
    >>> out = tempfile.mkdtemp()
    >>> with FakeFinSpace() as fake:
    ...     summary = sync_finspace_databases(fake.environment_id, to=out, **fake.options)
    >>> summary.rows
    4
    """

    def plan() -> Plan:
        return plan_finspace_databases(
            environment_id, columns=columns, region=region, endpoint_url=endpoint_url,
            credentials=credentials, page_size=page_size, client=client, retry=retry,
        )  # fmt: skip

    return job.sync_job(
        plan,
        to=to,
        checkpoint=checkpoint,
        follow=follow,
        every=every,
        on_page=on_page,
        wait=wait,
        schema_contract=schema_contract,
    )


def sync_finspace_changesets(
    environment_id: str,
    database_name: str,
    *,
    to: job.SyncTarget,
    checkpoint: CheckpointLike | None = None,
    wait: float | None = None,
    schema_contract: str = "evolve",
    columns: Sequence[str] | None = None,
    follow: bool = False,
    every: float = 10.0,
    region: str | None = None,
    endpoint_url: str | None = None,
    credentials: CredentialsLike = None,
    page_size: int | None = DEFAULT_PAGE_SIZE,
    on_page: Callable[[Partition, Page], None] | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> SyncSummary:
    """Append a whole, stamped listing of a kdb database's changesets to a dataset.

    The parameters are those of :func:`sync_finspace_clusters`.

    Returns
    -------
    SyncSummary
        Rows, pages and bytes of the snapshot(s) taken, and the time taken.

    Examples
    --------
    >>> import tempfile
    >>> from arrowtap.testing.finspace import FakeFinSpace
    >>> out = tempfile.mkdtemp()
    >>> with FakeFinSpace() as fake:
    ...     summary = sync_finspace_changesets(fake.environment_id, "db_000", to=out,
    ...                                          **fake.options)
    >>> summary.rows
    6
    """

    def plan() -> Plan:
        return plan_finspace_changesets(
            environment_id, database_name, columns=columns, region=region,
            endpoint_url=endpoint_url, credentials=credentials, page_size=page_size,
            client=client, retry=retry,
        )  # fmt: skip

    return job.sync_job(
        plan,
        to=to,
        checkpoint=checkpoint,
        follow=follow,
        every=every,
        on_page=on_page,
        wait=wait,
        schema_contract=schema_contract,
    )


def sync_finspace_cluster_nodes(
    environment_id: str,
    cluster_name: str,
    *,
    to: job.SyncTarget,
    checkpoint: CheckpointLike | None = None,
    wait: float | None = None,
    schema_contract: str = "evolve",
    columns: Sequence[str] | None = None,
    follow: bool = False,
    every: float = 10.0,
    region: str | None = None,
    endpoint_url: str | None = None,
    credentials: CredentialsLike = None,
    page_size: int | None = DEFAULT_PAGE_SIZE,
    on_page: Callable[[Partition, Page], None] | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> SyncSummary:
    """Append a whole, stamped listing of a kdb cluster's nodes to a dataset.

    The parameters are those of :func:`sync_finspace_clusters`.

    Returns
    -------
    SyncSummary
        Rows, pages and bytes of the snapshot(s) taken, and the time taken.

    Examples
    --------
    >>> import tempfile
    >>> from arrowtap.testing.finspace import FakeFinSpace
    >>> out = tempfile.mkdtemp()
    >>> with FakeFinSpace() as fake:
    ...     summary = sync_finspace_cluster_nodes(fake.environment_id, "cluster-00000", to=out,
    ...                                             **fake.options)
    >>> summary.rows > 0
    True
    """

    def plan() -> Plan:
        return plan_finspace_cluster_nodes(
            environment_id, cluster_name, columns=columns, region=region, endpoint_url=endpoint_url,
            credentials=credentials, page_size=page_size, client=client, retry=retry,
        )  # fmt: skip

    return job.sync_job(
        plan,
        to=to,
        checkpoint=checkpoint,
        follow=follow,
        every=every,
        on_page=on_page,
        wait=wait,
        schema_contract=schema_contract,
    )
