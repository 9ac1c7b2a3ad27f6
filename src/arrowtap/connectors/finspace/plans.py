"""The plans of the FinSpace listings: one snapshot partition per listing, checked up front.

A listing is the state of an account now (its environments, clusters, ...), not
a stream to resume: each plan is a *snapshot* plan (:class:`~arrowtap.io.contract.Plan`)
whose one partition reads the whole listing from its first page. Every argument is
checked against the service model here, before any request is sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypedDict, Unpack

import httpx

from arrowtap import _checks as checks
from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.finspace.listing_source import DEFAULT_PAGE_SIZE, ListingSource
from arrowtap.connectors.finspace.wire.auth import CredentialsLike
from arrowtap.connectors.finspace.wire.model import SYSTEM, check_value, listing
from arrowtap.io.contract import Plan
from arrowtap.io.inputs import check_http

__all__ = [
    "CHECKPOINT_NAME",
    "DEFAULT_PAGE_SIZE",
    "ListingOptions",
    "check_listing_options",
    "plan_finspace_changesets",
    "plan_finspace_cluster_nodes",
    "plan_finspace_clusters",
    "plan_finspace_databases",
    "plan_finspace_environments",
]

CHECKPOINT_NAME = "finspace-listings"
"""The checkpoint of the listings' syncs and diffs; one section per listing."""


class ListingOptions(TypedDict):
    """The keyword options every FinSpace listing function takes.

    They are documented with :func:`arrowtap.read_finspace_clusters`.
    """

    columns: Sequence[str] | None
    region: str | None
    endpoint_url: str | None
    credentials: CredentialsLike
    page_size: int | None
    client: httpx.Client | None
    retry: RetryPolicy | None


def check_listing_options(
    operation: str,
    *,
    region: object,
    endpoint_url: object,
    page_size: object,
    client: object,
    retry: object,
) -> None:
    """Check the options of a listing that need no AWS configuration to check.

    Credentials, and a region or endpoint not given, are resolved (and checked) by
    :func:`plan_listing`, from the environment and the AWS configuration files.

    Examples
    --------
    >>> check_listing_options("ListKxClusters", region="eu-west-1", endpoint_url=None,
    ...                       page_size=10, client=None, retry=None)
    >>> check_listing_options("ListKxClusters", region=None, endpoint_url="ftp://x",
    ...                       page_size=10, client=None, retry=None)
    Traceback (most recent call last):
    ...
    arrowtap.errors.InvalidArgumentError: finspace: endpoint_url must be http://host[:port] or https://host[:port], not 'ftp://x'
    """  # noqa: E501
    checks.optional(checks.name, "region", region, system=SYSTEM)
    checks.optional(checks.url, "endpoint_url", endpoint_url, system=SYSTEM)
    check_http(client, retry, system=SYSTEM)
    if page_size is not None:  # the model tells the type and the range...
        check_value(listing(operation).member("maxResults").shape, page_size,
                    f"{operation}: page_size (maxResults)")  # fmt: skip
        # ... but not for every listing: an AWS Integer is an int32 all the same.
        checks.integer("page_size", page_size, minimum=0, maximum=checks.MAX_COUNT, system=SYSTEM)


def plan_listing(
    operation: str, params: Mapping[str, str | None], **options: Unpack[ListingOptions]
) -> Plan:
    """The snapshot plan of listing ``operation`` with ``params`` (model member names).

    Examples
    --------
    >>> from arrowtap.testing.finspace import TEST_CREDENTIALS
    >>> plan = plan_listing("ListKxDatabases", {"environmentId": "abc"}, columns=None,
    ...                     region="us-east-1", endpoint_url=None, credentials=TEST_CREDENTIALS,
    ...                     page_size=10, client=None, retry=None)
    >>> plan.snapshot, plan.checkpoint_name, [p.key for p in plan.partitions]
    (True, 'finspace-listings', ['finspace:us-east-1:ListKxDatabases:environmentId=abc'])
    """
    check_listing_options(
        operation, region=options["region"], endpoint_url=options["endpoint_url"],
        page_size=options["page_size"], client=options["client"], retry=options["retry"],
    )  # fmt: skip
    source = ListingSource(
        operation,
        region=options["region"],
        endpoint_url=options["endpoint_url"],
        credentials=options["credentials"],
        page_size=options["page_size"],
        client=options["client"],
        retry=options["retry"],
    )
    # Region, endpoint and credentials are resolved, and every parameter checked
    # against the model, now: nothing is sent, no connection is opened.
    _ = source.auth
    part = source.partition(**params)
    return Plan(source, [part], CHECKPOINT_NAME, snapshot=True, columns=options["columns"])


def plan_finspace_environments(
    *,
    columns: Sequence[str] | None = None,
    region: str | None = None,
    endpoint_url: str | None = None,
    credentials: CredentialsLike = None,
    page_size: int | None = DEFAULT_PAGE_SIZE,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> Plan:
    """Plan a read of the kdb environments of the account (``ListKxEnvironments``).

    The arguments are those of :func:`arrowtap.read_finspace_environments`,
    checked now; nothing is sent.

    Returns
    -------
    Plan
        A snapshot plan of one partition, the listing.

    Examples
    --------
    >>> from arrowtap.testing.finspace import TEST_CREDENTIALS
    >>> plan = plan_finspace_environments(region="eu-west-1", credentials=TEST_CREDENTIALS)
    >>> [part.key for part in plan.partitions]
    ['finspace:eu-west-1:ListKxEnvironments']
    """
    options = ListingOptions(
        columns=columns, region=region, endpoint_url=endpoint_url, credentials=credentials,
        page_size=page_size, client=client, retry=retry,
    )  # fmt: skip
    return plan_listing("ListKxEnvironments", {}, **options)


def plan_finspace_clusters(
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
) -> Plan:
    """Plan a read of the kdb clusters of an environment (``ListKxClusters``).

    The arguments are those of :func:`arrowtap.read_finspace_clusters`,
    checked now against the service model; nothing is sent.

    Returns
    -------
    Plan
        A snapshot plan of one partition, the listing.

    Raises
    ------
    InvalidArgumentError
        A value the model forbids, no credentials, no region.

    Examples
    --------
    >>> from arrowtap.testing.finspace import TEST_CREDENTIALS
    >>> plan = plan_finspace_clusters("abc", "HDB", region="us-east-1",
    ...                               credentials=TEST_CREDENTIALS, columns=["clusterName"])
    >>> plan.partitions[0].key, plan.schema.names
    ('finspace:us-east-1:ListKxClusters:environmentId=abc:clusterType=HDB', ['clusterName'])
    """
    options = ListingOptions(
        columns=columns, region=region, endpoint_url=endpoint_url, credentials=credentials,
        page_size=page_size, client=client, retry=retry,
    )  # fmt: skip
    params = {"environmentId": environment_id, "clusterType": cluster_type}
    return plan_listing("ListKxClusters", params, **options)


def plan_finspace_databases(
    environment_id: str,
    *,
    columns: Sequence[str] | None = None,
    region: str | None = None,
    endpoint_url: str | None = None,
    credentials: CredentialsLike = None,
    page_size: int | None = DEFAULT_PAGE_SIZE,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> Plan:
    """Plan a read of the kdb databases of an environment (``ListKxDatabases``).

    The arguments are those of :func:`arrowtap.read_finspace_databases`, checked now.

    Returns
    -------
    Plan
        A snapshot plan of one partition, the listing.

    Examples
    --------
    >>> from arrowtap.testing.finspace import TEST_CREDENTIALS
    >>> plan = plan_finspace_databases("abc", region="us-east-1", credentials=TEST_CREDENTIALS)
    >>> plan.schema.names
    ['databaseName', 'createdTimestamp', 'lastModifiedTimestamp']
    """
    options = ListingOptions(
        columns=columns, region=region, endpoint_url=endpoint_url, credentials=credentials,
        page_size=page_size, client=client, retry=retry,
    )  # fmt: skip
    return plan_listing("ListKxDatabases", {"environmentId": environment_id}, **options)


def plan_finspace_changesets(
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
) -> Plan:
    """Plan a read of the changesets of a kdb database (``ListKxChangesets``).

    The arguments are those of :func:`arrowtap.read_finspace_changesets`, checked now.

    Returns
    -------
    Plan
        A snapshot plan of one partition, the listing.

    Examples
    --------
    >>> from arrowtap.testing.finspace import TEST_CREDENTIALS
    >>> plan = plan_finspace_changesets("abc", "db_001", region="us-east-1",
    ...                                 credentials=TEST_CREDENTIALS)
    >>> plan.partitions[0].key
    'finspace:us-east-1:ListKxChangesets:environmentId=abc:databaseName=db_001'
    """
    options = ListingOptions(
        columns=columns, region=region, endpoint_url=endpoint_url, credentials=credentials,
        page_size=page_size, client=client, retry=retry,
    )  # fmt: skip
    params = {"environmentId": environment_id, "databaseName": database_name}
    return plan_listing("ListKxChangesets", params, **options)


def plan_finspace_cluster_nodes(
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
) -> Plan:
    """Plan a read of the nodes of a kdb cluster (``ListKxClusterNodes``).

    The arguments are those of :func:`arrowtap.read_finspace_cluster_nodes`, checked now.

    Returns
    -------
    Plan
        A snapshot plan of one partition, the listing.

    Examples
    --------
    >>> from arrowtap.testing.finspace import TEST_CREDENTIALS
    >>> plan = plan_finspace_cluster_nodes("abc", "cluster-1", region="us-east-1",
    ...                                    credentials=TEST_CREDENTIALS)
    >>> plan.schema.names
    ['nodeId', 'availabilityZoneId', 'launchTime', 'status']
    """
    options = ListingOptions(
        columns=columns, region=region, endpoint_url=endpoint_url, credentials=credentials,
        page_size=page_size, client=client, retry=retry,
    )  # fmt: skip
    params = {"environmentId": environment_id, "clusterName": cluster_name}
    return plan_listing("ListKxClusterNodes", params, **options)
