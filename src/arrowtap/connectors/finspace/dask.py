"""FinSpace listings on Dask: one partition per environment, indexed by ``environmentId``.

Each Dask partition lists one environment's clusters or databases (or the
changesets of its databases, the nodes of its clusters) on a worker, with its own
connection. The frame is indexed by ``environmentId``, with known divisions (the
environments, sorted); its columns and dtypes are those of the pandas reads, and the
changesets and nodes keep the database or cluster they belong to in a first column
(``databaseName``, ``clusterName``), without which rows of several listings could not
be told apart. What has to be listed first (the environments, each one's databases
or clusters) is listed on the client, when the graph is built.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import pandas as pd

from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.finspace.listing_source import ListingSource, TaggedListing
from arrowtap.connectors.finspace.plans import CHECKPOINT_NAME, DEFAULT_PAGE_SIZE
from arrowtap.connectors.finspace.wire.auth import CredentialsLike
from arrowtap.connectors.finspace.wire.model import check_value, listing
from arrowtap.connectors.finspace.wire.schema import enum_values
from arrowtap.errors import InvalidArgumentError, InvalidTypeError
from arrowtap.io.contract import Plan, project
from arrowtap.io.dask import ReadGroup
from arrowtap.io.frames import empty_frame
from arrowtap.io.stream import scan

__all__ = [
    "read_finspace_changesets",
    "read_finspace_cluster_nodes",
    "read_finspace_clusters",
    "read_finspace_databases",
]

INDEX = "environmentId"
Names = str | Sequence[str] | None


def _dask() -> Any:
    try:
        import dask.dataframe as dd
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(
            "arrowtap's Dask functions need Dask: pip install 'arrowtap[dask]'"
        ) from exc
    return dd


def _names(value: Names, name: str) -> list[str] | None:
    """``None`` (list them all), or the names given, distinct, in order."""
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if not isinstance(value, Sequence) or not all(isinstance(v, str) for v in value):
        raise InvalidTypeError(f"{name} must be a str, a list of str or None, got {value!r}")
    if not value:
        raise InvalidArgumentError(f"{name} must not be empty (None: all of them), got {value!r}")
    return list(dict.fromkeys(value))


@dataclass
class _Lister:
    """Lists on the client what the graph is built from (environments, databases, clusters)."""

    options: Mapping[str, Any]

    def source(self, operation: str, *, client: bool) -> ListingSource:
        options = dict(self.options)
        if not client:
            options["client"] = None  # tasks open connections of their own
        return ListingSource(operation, **options)

    def check(
        self,
        operation: str,
        tags: tuple[str, ...],
        params: Mapping[str, Sequence[str | None]],
        columns: Sequence[str] | None,
    ) -> list[str] | None:
        """Check everything now, before anything is listed; the columns to read."""
        source = TaggedListing(self.source(operation, client=False), tags)
        _ = source.listing.auth  # region and credentials resolve
        spec = listing(operation)
        for name, values in params.items():
            for value in values:
                if value is not None:
                    check_value(spec.member(name).shape, value, f"{operation}: {name}")
        if columns is None:
            return None
        if isinstance(columns, str) or not isinstance(columns, Sequence):
            raise InvalidTypeError(f"columns must be a list of names, not {columns!r}")
        # The tags lead (the index among them), whatever was asked.
        names: list[str] = project(
            source.schema, [*tags, *(c for c in columns if c not in tags)]
        ).names
        return names

    def environments(self, given: Names) -> list[str]:
        """The environments given, or every one of the account, sorted."""
        names = _names(given, "environments")
        if names is None:
            source = self.source("ListKxEnvironments", client=True)
            plan = Plan(source, [source.partition()], CHECKPOINT_NAME, True, [INDEX])
            names = scan(plan).read_all().column(INDEX).to_pylist()
        return sorted(set(names))

    def children(self, operation: str, column: str, envs: list[str]) -> dict[str, list[str]]:
        """The ``column`` of each environment's listing ``operation`` (its databases, ...)."""
        found: dict[str, list[str]] = {env: [] for env in envs}
        if not envs:
            return found
        source = TaggedListing(self.source(operation, client=True), (INDEX,))
        parts = [source.listing.partition(environmentId=env) for env in envs]
        table = scan(Plan(source, parts, CHECKPOINT_NAME, True, [INDEX, column])).read_all()
        for row in table.to_pylist():
            found[row[INDEX]].append(row[column])
        return found


def _frame(
    lister: _Lister,
    operation: str,
    tags: tuple[str, ...],
    groups: Mapping[str, Sequence[Mapping[str, str | None]]],
    columns: Sequence[str] | None,
) -> Any:
    """One Dask partition per environment (sorted), reading its listings (``groups``)."""
    dd = _dask()
    groups = {env: params for env, params in sorted(groups.items()) if params}
    source = TaggedListing(lister.source(operation, client=False), tags)
    # Partitions are made (and their parameters checked) on the client.
    parts = {env: [source.listing.partition(**p) for p in params] for env, params in groups.items()}
    plan = Plan(source, [p for ps in parts.values() for p in ps], CHECKPOINT_NAME, True, columns)
    meta = empty_frame(plan.schema, index=INDEX)
    # Arrow schemas carry no dictionary values: give meta the model's categories,
    # which every page's dictionary starts with, so that meta's dtypes are pandas'.
    for name, values in enum_values(operation).items():
        if name in meta.columns:
            meta[name] = meta[name].astype(pd.CategoricalDtype(list(values)))
    if not parts:
        return dd.from_pandas(meta, npartitions=1)
    envs = list(parts)
    return dd.from_map(
        ReadGroup(plan, INDEX, (), meta),
        list(parts.values()),
        meta=meta,
        divisions=(*envs, envs[-1]),
        label="arrowtap-read",
        enforce_metadata=False,
    )


def read_finspace_clusters(
    environments: Names = None,
    cluster_type: str | None = None,
    *,
    columns: Sequence[str] | None = None,
    region: str | None = None,
    endpoint_url: str | None = None,
    credentials: CredentialsLike = None,
    page_size: int | None = DEFAULT_PAGE_SIZE,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> Any:
    """The kdb clusters of environments as a Dask DataFrame, a partition per environment.

    Parameters
    ----------
    environments : str or list of str, optional
        The environments; default every environment of the account (listed now).
    cluster_type : str, optional
        Only clusters of this type (see :func:`arrowtap.read_finspace_clusters`).
    columns : list of str, optional
        Only these columns (``environmentId``, the index, is always there).
    region, endpoint_url, credentials, page_size, retry
        As in :func:`arrowtap.read_finspace_clusters`.
    client : httpx.Client, optional
        Used on the client only (to list the environments); tasks make their own.

    Returns
    -------
    dask.dataframe.DataFrame
        Indexed by ``environmentId`` with known divisions; the columns and
        dtypes of :func:`arrowtap.read_finspace_clusters`.

    Examples
    --------
    >>> from arrowtap.testing.finspace import FakeFinSpace
    >>> with FakeFinSpace(clusters=10, environments=3) as fake:
    ...     ddf = read_finspace_clusters(**fake.options)
    ...     df = ddf.compute()
    >>> ddf.npartitions, ddf.known_divisions, len(df)
    (3, True, 14)
    """
    lister = _Lister(
        dict(region=region, endpoint_url=endpoint_url, credentials=credentials,
             page_size=page_size, client=client, retry=retry)
    )  # fmt: skip
    envs = _names(environments, "environments")
    params: dict[str, Sequence[str | None]] = {INDEX: envs or [], "clusterType": [cluster_type]}
    columns = lister.check("ListKxClusters", (INDEX,), params, columns)
    groups = {env: [{INDEX: env, "clusterType": cluster_type}] for env in lister.environments(envs)}
    return _frame(lister, "ListKxClusters", (INDEX,), groups, columns)


def read_finspace_databases(
    environments: Names = None,
    *,
    columns: Sequence[str] | None = None,
    region: str | None = None,
    endpoint_url: str | None = None,
    credentials: CredentialsLike = None,
    page_size: int | None = DEFAULT_PAGE_SIZE,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> Any:
    """The kdb databases of environments as a Dask DataFrame, a partition per environment.

    The parameters are those of :func:`read_finspace_clusters`.

    Returns
    -------
    dask.dataframe.DataFrame
        Indexed by ``environmentId`` with known divisions; the columns and
        dtypes of :func:`arrowtap.read_finspace_databases`.

    Examples
    --------
    >>> from arrowtap.testing.finspace import FakeFinSpace
    >>> with FakeFinSpace(databases=4, environments=3) as fake:
    ...     ddf = read_finspace_databases([fake.environment_id], **fake.options)
    ...     names = ddf["databaseName"].compute().tolist()
    >>> ddf.npartitions, names
    (1, ['db_000', 'db_001', 'db_002', 'db_003'])
    """
    lister = _Lister(
        dict(region=region, endpoint_url=endpoint_url, credentials=credentials,
             page_size=page_size, client=client, retry=retry)
    )  # fmt: skip
    envs = _names(environments, "environments")
    columns = lister.check("ListKxDatabases", (INDEX,), {INDEX: envs or []}, columns)
    groups = {env: [{INDEX: env}] for env in lister.environments(envs)}
    return _frame(lister, "ListKxDatabases", (INDEX,), groups, columns)


def read_finspace_changesets(
    environments: Names = None,
    databases: Names = None,
    *,
    columns: Sequence[str] | None = None,
    region: str | None = None,
    endpoint_url: str | None = None,
    credentials: CredentialsLike = None,
    page_size: int | None = DEFAULT_PAGE_SIZE,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> Any:
    """The changesets of kdb databases as a Dask DataFrame, a partition per environment.

    Parameters
    ----------
    environments : str or list of str, optional
        The environments; default every environment of the account (listed now).
    databases : str or list of str, optional
        The databases of each environment; default all of them (listed now).
    columns, region, endpoint_url, credentials, page_size, client, retry
        As in :func:`read_finspace_clusters`.

    Returns
    -------
    dask.dataframe.DataFrame
        Indexed by ``environmentId`` with known divisions: ``databaseName``, then
        the columns and dtypes of :func:`arrowtap.read_finspace_changesets`.

    Examples
    --------
    >>> from arrowtap.testing.finspace import FakeFinSpace
    >>> with FakeFinSpace(databases=2, changesets=3, environments=2) as fake:
    ...     df = read_finspace_changesets(**fake.options).compute()
    >>> len(df), df.groupby(["environmentId", "databaseName"]).size().tolist()
    (12, [3, 3, 3, 3])
    """
    lister = _Lister(
        dict(region=region, endpoint_url=endpoint_url, credentials=credentials,
             page_size=page_size, client=client, retry=retry)
    )  # fmt: skip
    envs, names = _names(environments, "environments"), _names(databases, "databases")
    tags = (INDEX, "databaseName")
    params = {INDEX: envs or [], "databaseName": names or []}
    columns = lister.check("ListKxChangesets", tags, params, columns)
    envs = lister.environments(envs)
    per_env = (
        lister.children("ListKxDatabases", "databaseName", envs)
        if names is None
        else {env: names for env in envs}
    )
    groups = {env: [{INDEX: env, "databaseName": db} for db in dbs] for env, dbs in per_env.items()}
    return _frame(lister, "ListKxChangesets", tags, groups, columns)


def read_finspace_cluster_nodes(
    environments: Names = None,
    clusters: Names = None,
    *,
    columns: Sequence[str] | None = None,
    region: str | None = None,
    endpoint_url: str | None = None,
    credentials: CredentialsLike = None,
    page_size: int | None = DEFAULT_PAGE_SIZE,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> Any:
    """The nodes of kdb clusters as a Dask DataFrame, a partition per environment.

    Parameters
    ----------
    environments : str or list of str, optional
        The environments; default every environment of the account (listed now).
    clusters : str or list of str, optional
        The clusters of each environment; default all of them (listed now).
    columns, region, endpoint_url, credentials, page_size, client, retry
        As in :func:`read_finspace_clusters`.

    Returns
    -------
    dask.dataframe.DataFrame
        Indexed by ``environmentId`` with known divisions: ``clusterName``, then
        the columns and dtypes of :func:`arrowtap.read_finspace_cluster_nodes`.

    Examples
    --------
    >>> from arrowtap.testing.finspace import FakeFinSpace
    >>> with FakeFinSpace(clusters=3, environments=2) as fake:
    ...     ddf = read_finspace_cluster_nodes(**fake.options)
    ...     df = ddf.compute()
    >>> ddf.npartitions, df.reset_index().groupby(["environmentId", "clusterName"]).ngroups
    (2, 5)
    """
    lister = _Lister(
        dict(region=region, endpoint_url=endpoint_url, credentials=credentials,
             page_size=page_size, client=client, retry=retry)
    )  # fmt: skip
    envs, names = _names(environments, "environments"), _names(clusters, "clusters")
    tags = (INDEX, "clusterName")
    params = {INDEX: envs or [], "clusterName": names or []}
    columns = lister.check("ListKxClusterNodes", tags, params, columns)
    envs = lister.environments(envs)
    per_env = (
        lister.children("ListKxClusters", "clusterName", envs)
        if names is None
        else {env: names for env in envs}
    )
    groups = {
        env: [{INDEX: env, "clusterName": c} for c in names_] for env, names_ in per_env.items()
    }
    return _frame(lister, "ListKxClusterNodes", tags, groups, columns)
