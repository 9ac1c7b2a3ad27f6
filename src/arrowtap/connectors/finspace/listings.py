"""Public functions for AWS FinSpace managed kdb listings: plan, read, scan, sync, diff.

A listing is the state of the account now, not a stream to resume: ``read_*`` and
``scan_*`` always list from the first page (a checkpoint has nothing to add), and
``sync_*`` appends one whole listing per run to a dataset, stamped with the run's
time. The planners live in :mod:`~arrowtap.connectors.finspace.plans`, the syncs in
:mod:`~arrowtap.connectors.finspace.syncs` and the diff in
:mod:`~arrowtap.connectors.finspace.diff`; all are attributes of this module.
"""

from __future__ import annotations

from collections.abc import Sequence

import httpx
import pandas as pd

from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.finspace.diff import diff_finspace_clusters
from arrowtap.connectors.finspace.plans import (
    DEFAULT_PAGE_SIZE,
    ListingOptions,
    plan_finspace_changesets,
    plan_finspace_cluster_nodes,
    plan_finspace_clusters,
    plan_finspace_databases,
    plan_finspace_environments,
)
from arrowtap.connectors.finspace.streams import (
    scan_finspace_changesets,
    scan_finspace_cluster_nodes,
    scan_finspace_clusters,
    scan_finspace_databases,
    scan_finspace_environments,
)
from arrowtap.connectors.finspace.syncs import (
    sync_finspace_changesets,
    sync_finspace_cluster_nodes,
    sync_finspace_clusters,
    sync_finspace_databases,
    sync_finspace_environments,
)
from arrowtap.connectors.finspace.wire.auth import CredentialsLike
from arrowtap.io import reading

__all__ = [
    "ListingOptions",
    "diff_finspace_clusters",
    "plan_finspace_changesets",
    "plan_finspace_cluster_nodes",
    "plan_finspace_clusters",
    "plan_finspace_databases",
    "plan_finspace_environments",
    "read_finspace_changesets",
    "read_finspace_cluster_nodes",
    "read_finspace_clusters",
    "read_finspace_databases",
    "read_finspace_environments",
    "scan_finspace_changesets",
    "scan_finspace_cluster_nodes",
    "scan_finspace_clusters",
    "scan_finspace_databases",
    "scan_finspace_environments",
    "sync_finspace_changesets",
    "sync_finspace_cluster_nodes",
    "sync_finspace_clusters",
    "sync_finspace_databases",
    "sync_finspace_environments",
]


def read_finspace_clusters(
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
) -> pd.DataFrame:
    """List the kdb clusters of an environment (``ListKxClusters``) into a DataFrame.

    Parameters
    ----------
    environment_id : str
        The kdb environment (lower-case letters and digits, 1 to 32).
    cluster_type : str, optional
        Only clusters of this type: ``HDB``, ``RDB``, ``GATEWAY``, ``GP`` or
        ``TICKERPLANT``.
    columns : list of str, optional
        Only these columns, in this order.
    region : str, optional
        AWS region; default the one configured (``AWS_DEFAULT_REGION``, the profile's).
    endpoint_url : str, optional
        Endpoint to call; default ``https://finspace.<region>.amazonaws.com``.
    credentials : None, session, Credentials or mapping
        ``None``: botocore's standard chain (environment, shared files,
        ``AWS_PROFILE``, SSO, container and instance roles); or a botocore /
        boto3 session, a botocore ``Credentials``, or ``{"aws_access_key_id":
        ..., "aws_secret_access_key": ..., "aws_session_token": ...}``.
    page_size : int or None
        ``maxResults`` per request, within the model's range (default 100;
        ``None``: the service's default page).
    client : httpx.Client, optional
        Your own HTTP client (proxies, TLS); never closed by arrowtap.
    retry : RetryPolicy, optional
        Retry budget and backoff for throttling, 5xx and connection errors.

    Returns
    -------
    pandas.DataFrame
        One row per cluster with every member of the model's ``KxCluster``:
        timestamps ``datetime64[ns, UTC]`` (exact), enums (``status``,
        ``clusterType``, ``azMode``) categorical with every allowed value,
        ``volumes`` a list of structs.

    Raises
    ------
    InvalidArgumentError
        A value the model forbids (checked before sending), no credentials, no region.
    AuthenticationError
        Credentials refused (invalid, mis-signed, expired) or access denied.
    NotFoundError, BadRequestError, UnavailableError, ServerError
        What AWS answered (``.code``, ``.aws_message``), past retries for throttling and 5xx.

    Examples
    --------
    >>> from arrowtap.testing.finspace import FakeFinSpace
    >>> with FakeFinSpace(clusters=250) as fake:
    ...     df = read_finspace_clusters(fake.environment_id, **fake.options)
    >>> len(df), str(df["createdTimestamp"].dtype), str(df["status"].dtype)
    (250, 'datetime64[ns, UTC]', 'category')
    """
    plan = plan_finspace_clusters(
        environment_id, cluster_type, columns=columns, region=region, endpoint_url=endpoint_url,
        credentials=credentials, page_size=page_size, client=client, retry=retry,
    )  # fmt: skip
    frame: pd.DataFrame = reading.read(plan)
    return frame


def read_finspace_environments(
    *,
    columns: Sequence[str] | None = None,
    region: str | None = None,
    endpoint_url: str | None = None,
    credentials: CredentialsLike = None,
    page_size: int | None = DEFAULT_PAGE_SIZE,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> pd.DataFrame:
    """List the kdb environments of the account (``ListKxEnvironments``) into a DataFrame.

    The parameters are those of :func:`read_finspace_clusters`; the model sets
    no range on this operation's ``maxResults``.

    Returns
    -------
    pandas.DataFrame
        One row per environment, the members of the model's ``KxEnvironment``.

    Examples
    --------
    >>> from arrowtap.testing.finspace import FakeFinSpace
    >>> with FakeFinSpace(environments=3) as fake:
    ...     df = read_finspace_environments(**fake.options)
    >>> len(df), df["transitGatewayConfiguration"].dtype.pyarrow_dtype.num_fields
    (3, 3)
    """
    plan = plan_finspace_environments(
        columns=columns, region=region, endpoint_url=endpoint_url, credentials=credentials,
        page_size=page_size, client=client, retry=retry,
    )  # fmt: skip
    frame: pd.DataFrame = reading.read(plan)
    return frame


def read_finspace_databases(
    environment_id: str,
    *,
    columns: Sequence[str] | None = None,
    region: str | None = None,
    endpoint_url: str | None = None,
    credentials: CredentialsLike = None,
    page_size: int | None = DEFAULT_PAGE_SIZE,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> pd.DataFrame:
    """List the kdb databases of an environment (``ListKxDatabases``) into a DataFrame.

    The parameters are those of :func:`read_finspace_clusters`.

    Returns
    -------
    pandas.DataFrame
        ``databaseName``, ``createdTimestamp``, ``lastModifiedTimestamp``.

    Examples
    --------
    >>> from arrowtap.testing.finspace import FakeFinSpace
    >>> with FakeFinSpace(databases=4) as fake:
    ...     df = read_finspace_databases(fake.environment_id, **fake.options)
    >>> df["databaseName"].tolist()
    ['db_000', 'db_001', 'db_002', 'db_003']
    """
    plan = plan_finspace_databases(
        environment_id, columns=columns, region=region, endpoint_url=endpoint_url,
        credentials=credentials, page_size=page_size, client=client, retry=retry,
    )  # fmt: skip
    frame: pd.DataFrame = reading.read(plan)
    return frame


def read_finspace_changesets(
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
) -> pd.DataFrame:
    """List the changesets of a kdb database (``ListKxChangesets``) into a DataFrame.

    The parameters are those of :func:`read_finspace_clusters`, and ``database_name``.

    Returns
    -------
    pandas.DataFrame
        One row per changeset, the members of the model's ``KxChangesetListEntry``.

    Examples
    --------
    >>> from arrowtap.testing.finspace import FakeFinSpace
    >>> with FakeFinSpace(changesets=6) as fake:
    ...     df = read_finspace_changesets(fake.environment_id, "db_000", **fake.options)
    >>> len(df), sorted(df["status"].cat.categories)
    (6, ['COMPLETED', 'FAILED', 'PENDING', 'PROCESSING'])
    """
    plan = plan_finspace_changesets(
        environment_id, database_name, columns=columns, region=region, endpoint_url=endpoint_url,
        credentials=credentials, page_size=page_size, client=client, retry=retry,
    )  # fmt: skip
    frame: pd.DataFrame = reading.read(plan)
    return frame


def read_finspace_cluster_nodes(
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
) -> pd.DataFrame:
    """List the nodes of a kdb cluster (``ListKxClusterNodes``) into a DataFrame.

    The parameters are those of :func:`read_finspace_clusters`, and ``cluster_name``.

    Returns
    -------
    pandas.DataFrame
        ``nodeId``, ``availabilityZoneId``, ``launchTime``, ``status``.

    Examples
    --------
    >>> from arrowtap.testing.finspace import FakeFinSpace
    >>> with FakeFinSpace() as fake:
    ...     df = read_finspace_cluster_nodes(fake.environment_id, "cluster-00000", **fake.options)
    >>> list(df.columns)
    ['nodeId', 'availabilityZoneId', 'launchTime', 'status']
    """
    plan = plan_finspace_cluster_nodes(
        environment_id, cluster_name, columns=columns, region=region, endpoint_url=endpoint_url,
        credentials=credentials, page_size=page_size, client=client, retry=retry,
    )  # fmt: skip
    frame: pd.DataFrame = reading.read(plan)
    return frame
