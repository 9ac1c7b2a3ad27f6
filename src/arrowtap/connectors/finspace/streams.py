"""FinSpace listings as Arrow streams: a ``pyarrow.RecordBatchReader`` of pages.

Each stream lists from the first page (a listing is a state, not a stream to
resume), a batch per page of the service, under the listing's declared schema.
"""

from __future__ import annotations

from collections.abc import Sequence

import httpx
import pyarrow as pa

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
from arrowtap.io import reading

__all__ = [
    "scan_finspace_changesets",
    "scan_finspace_cluster_nodes",
    "scan_finspace_clusters",
    "scan_finspace_databases",
    "scan_finspace_environments",
]


def scan_finspace_clusters(
    environment_id: str,
    cluster_type: str | None = None,
    *,
    columns: Sequence[str] | None = None,
    region: str | None = None,
    endpoint_url: str | None = None,
    credentials: CredentialsLike = None,
    page_size: int | None = DEFAULT_PAGE_SIZE,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> pa.RecordBatchReader:
    """Stream the clusters of an environment, a page per batch.

    The parameters are those of :func:`arrowtap.read_finspace_clusters`. The
    listing starts from its first page every time: to keep listings, use
    :func:`arrowtap.sync_finspace_clusters`; to see what changed,
    :func:`arrowtap.diff_finspace_clusters`.

    Returns
    -------
    pyarrow.RecordBatchReader
        Batches of the schema of :func:`arrowtap.read_finspace_clusters`, in the service's order.

    Examples
    --------
    >>> from arrowtap.testing.finspace import FakeFinSpace
    >>> with FakeFinSpace(clusters=250) as fake:
    ...     reader = scan_finspace_clusters(fake.environment_id, page_size=100, **fake.options)
    ...     sizes = [batch.num_rows for batch in reader]
    >>> sizes
    [100, 100, 50]
    """
    plan = plan_finspace_clusters(
        environment_id, cluster_type, columns=columns, region=region, endpoint_url=endpoint_url,
        credentials=credentials, page_size=page_size, client=client, retry=retry,
    )  # fmt: skip
    reader: pa.RecordBatchReader = reading.scan(plan)
    return reader


def scan_finspace_environments(
    *,
    columns: Sequence[str] | None = None,
    region: str | None = None,
    endpoint_url: str | None = None,
    credentials: CredentialsLike = None,
    page_size: int | None = DEFAULT_PAGE_SIZE,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> pa.RecordBatchReader:
    """Stream the kdb environments, a page per batch (see :func:`scan_finspace_clusters`).

    Returns
    -------
    pyarrow.RecordBatchReader
        Batches of the schema of :func:`arrowtap.read_finspace_environments`.

    Examples
    --------
    >>> from arrowtap.testing.finspace import FakeFinSpace
    >>> with FakeFinSpace(environments=3) as fake:
    ...     table = scan_finspace_environments(page_size=2, **fake.options).read_all()
    >>> table.num_rows
    3
    """
    plan = plan_finspace_environments(
        columns=columns, region=region, endpoint_url=endpoint_url, credentials=credentials,
        page_size=page_size, client=client, retry=retry,
    )  # fmt: skip
    reader: pa.RecordBatchReader = reading.scan(plan)
    return reader


def scan_finspace_databases(
    environment_id: str,
    *,
    columns: Sequence[str] | None = None,
    region: str | None = None,
    endpoint_url: str | None = None,
    credentials: CredentialsLike = None,
    page_size: int | None = DEFAULT_PAGE_SIZE,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> pa.RecordBatchReader:
    """Stream the kdb databases of an environment (see :func:`scan_finspace_clusters`).

    Returns
    -------
    pyarrow.RecordBatchReader
        Batches of the schema of :func:`arrowtap.read_finspace_databases`.

    Examples
    --------
    >>> from arrowtap.testing.finspace import FakeFinSpace
    >>> with FakeFinSpace(databases=4) as fake:
    ...     reader = scan_finspace_databases(fake.environment_id, page_size=3, **fake.options)
    ...     [batch.num_rows for batch in reader]
    [3, 1]
    """
    plan = plan_finspace_databases(
        environment_id, columns=columns, region=region, endpoint_url=endpoint_url,
        credentials=credentials, page_size=page_size, client=client, retry=retry,
    )  # fmt: skip
    reader: pa.RecordBatchReader = reading.scan(plan)
    return reader


def scan_finspace_changesets(
    environment_id: str,
    database_name: str,
    *,
    columns: Sequence[str] | None = None,
    region: str | None = None,
    endpoint_url: str | None = None,
    credentials: CredentialsLike = None,
    page_size: int | None = DEFAULT_PAGE_SIZE,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> pa.RecordBatchReader:
    """Stream the changesets of a kdb database (see :func:`scan_finspace_clusters`).

    Returns
    -------
    pyarrow.RecordBatchReader
        Batches of the schema of :func:`arrowtap.read_finspace_changesets`.

    Examples
    --------
    >>> from arrowtap.testing.finspace import FakeFinSpace
    >>> with FakeFinSpace(changesets=6) as fake:
    ...     reader = scan_finspace_changesets(fake.environment_id, "db_001", **fake.options)
    ...     table = reader.read_all()
    >>> table.num_rows
    6
    """
    plan = plan_finspace_changesets(
        environment_id, database_name, columns=columns, region=region, endpoint_url=endpoint_url,
        credentials=credentials, page_size=page_size, client=client, retry=retry,
    )  # fmt: skip
    reader: pa.RecordBatchReader = reading.scan(plan)
    return reader


def scan_finspace_cluster_nodes(
    environment_id: str,
    cluster_name: str,
    *,
    columns: Sequence[str] | None = None,
    region: str | None = None,
    endpoint_url: str | None = None,
    credentials: CredentialsLike = None,
    page_size: int | None = DEFAULT_PAGE_SIZE,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> pa.RecordBatchReader:
    """Stream the nodes of a kdb cluster (see :func:`scan_finspace_clusters`).

    Returns
    -------
    pyarrow.RecordBatchReader
        Batches of the schema of :func:`arrowtap.read_finspace_cluster_nodes`.

    Examples
    --------
    >>> from arrowtap.testing.finspace import FakeFinSpace
    >>> with FakeFinSpace() as fake:
    ...     env = fake.environment_id
    ...     reader = scan_finspace_cluster_nodes(env, "cluster-00003", **fake.options)
    ...     reader.schema.field("launchTime").type
    TimestampType(timestamp[ns, tz=UTC])
    """
    plan = plan_finspace_cluster_nodes(
        environment_id, cluster_name, columns=columns, region=region, endpoint_url=endpoint_url,
        credentials=credentials, page_size=page_size, client=client, retry=retry,
    )  # fmt: skip
    reader: pa.RecordBatchReader = reading.scan(plan)
    return reader
