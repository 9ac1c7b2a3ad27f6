"""Public functions for AWS FinSpace managed kdb listings: read, scan, diff."""

from __future__ import annotations

import os
from typing import Unpack

import pandas as pd
import pyarrow as pa

from arrowtap.checkpoint import Checkpoint
from arrowtap.connectors.finspace import checkpointed as reader
from arrowtap.connectors.finspace.checkpointed import CheckpointLike, FinSpaceOptions, Params
from arrowtap.io.frames import to_pandas

__all__ = [
    "FinSpaceOptions",
    "diff_finspace_clusters",
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
]


def _read(
    operation: str, params: Params, checkpoint: CheckpointLike, options: FinSpaceOptions
) -> pd.DataFrame:
    return to_pandas(reader.read_table(operation, params, checkpoint, options))


def read_finspace_clusters(
    environment_id: str,
    cluster_type: str | None = None,
    *,
    checkpoint: CheckpointLike = None,
    **options: Unpack[FinSpaceOptions],
) -> pd.DataFrame:
    """List the kdb clusters of an environment (``ListKxClusters``) into a DataFrame.

    Parameters
    ----------
    environment_id : str
        The kdb environment (lower-case letters and digits, 1 to 32).
    cluster_type : str, optional
        Only clusters of this type: ``HDB``, ``RDB``, ``GATEWAY``, ``GP`` or
        ``TICKERPLANT``.
    checkpoint : Checkpoint, str or os.PathLike, optional
        A checkpoint, or an SQLite file holding one. The frame is complete
        when it is returned, and only then is the listing recorded as
        delivered: it continues a :func:`scan_finspace_clusters` that was
        interrupted (returning the rest), and it is the baseline of the next
        :func:`diff_finspace_clusters`.
    **options
        ``region``, ``endpoint_url``, ``credentials``, ``page_size``,
        ``client``, ``retry``: see :class:`FinSpaceOptions`.

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
    params = {"environmentId": environment_id, "clusterType": cluster_type}
    return _read("ListKxClusters", params, checkpoint, options)


def scan_finspace_clusters(
    environment_id: str,
    cluster_type: str | None = None,
    *,
    checkpoint: CheckpointLike = None,
    **options: Unpack[FinSpaceOptions],
) -> pa.RecordBatchReader:
    """Stream the clusters of an environment, a page per batch.

    Parameters are those of :func:`read_finspace_clusters`. With a ``checkpoint`` the
    listing is resumable: a batch is delivered (its ``nextToken`` committed)
    when the next one is asked for or the stream ends. A run that dies or
    stops early resumes after the last delivered batch, so across runs every
    cluster comes once (only a batch in hand when a run dies comes again).
    A listing that ended starts afresh.

    Returns
    -------
    pyarrow.RecordBatchReader
        Batches of the schema of :func:`read_finspace_clusters`, in the service's order.

    Examples
    --------
    >>> from arrowtap.testing.finspace import FakeFinSpace
    >>> with FakeFinSpace(clusters=250) as fake:
    ...     reader = scan_finspace_clusters(fake.environment_id, page_size=100, **fake.options)
    ...     sizes = [batch.num_rows for batch in reader]
    >>> sizes
    [100, 100, 50]
    """
    params = {"environmentId": environment_id, "clusterType": cluster_type}
    return reader.scan("ListKxClusters", params, checkpoint, options)


def diff_finspace_clusters(
    environment_id: str,
    cluster_type: str | None = None,
    *,
    checkpoint: Checkpoint | str | os.PathLike[str],
    **options: Unpack[FinSpaceOptions],
) -> pd.DataFrame:
    """What changed in an environment's clusters since the last checkpointed listing.

    Lists the clusters (continuing an interrupted listing if there is one),
    compares them with the last complete listing recorded in ``checkpoint``
    and records this one as the next baseline. The first call, with no
    baseline, reports every cluster as added.

    Parameters
    ----------
    checkpoint : Checkpoint, str or os.PathLike
        A checkpoint, or an SQLite file holding one.
    environment_id, cluster_type, **options
        As for :func:`read_finspace_clusters`.

    Returns
    -------
    pandas.DataFrame
        One row per cluster added, removed, or whose ``status`` or
        ``lastModifiedTimestamp`` changed, by name: ``clusterName``,
        ``change`` (categorical: ``added``, ``removed``, ``changed``), ``status``
        and ``lastModifiedTimestamp`` now, ``previousStatus`` and
        ``previousLastModifiedTimestamp`` before (null where absent).

    Examples
    --------
    >>> import tempfile
    >>> from arrowtap.testing.finspace import FakeFinSpace
    >>> ckpt = tempfile.mkdtemp() + "/listings.db"
    >>> with FakeFinSpace(clusters=5) as fake:
    ...     first = diff_finspace_clusters(fake.environment_id, checkpoint=ckpt, **fake.options)
    ...     _ = fake.world.update_cluster(fake.environment_id, "cluster-00001", status="DELETING")
    ...     second = diff_finspace_clusters(fake.environment_id, checkpoint=ckpt, **fake.options)
    >>> len(first), second[["clusterName", "change", "status"]].values.tolist()
    (5, [['cluster-00001', 'changed', 'DELETING']])
    """
    params = {"environmentId": environment_id, "clusterType": cluster_type}
    return to_pandas(reader.diff("ListKxClusters", params, checkpoint, options))


def read_finspace_environments(
    *, checkpoint: CheckpointLike = None, **options: Unpack[FinSpaceOptions]
) -> pd.DataFrame:
    """List the kdb environments of the account (``ListKxEnvironments``) into a DataFrame.

    Parameters are those of :func:`read_finspace_clusters`; the model sets no range
    on this operation's ``maxResults``.

    Examples
    --------
    >>> from arrowtap.testing.finspace import FakeFinSpace
    >>> with FakeFinSpace(environments=3) as fake:
    ...     df = read_finspace_environments(**fake.options)
    >>> len(df), df["transitGatewayConfiguration"].dtype.pyarrow_dtype.num_fields
    (3, 3)
    """
    return _read("ListKxEnvironments", {}, checkpoint, options)


def scan_finspace_environments(
    *, checkpoint: CheckpointLike = None, **options: Unpack[FinSpaceOptions]
) -> pa.RecordBatchReader:
    """Stream the kdb environments, a page per batch (see :func:`scan_finspace_clusters`).

    Examples
    --------
    >>> from arrowtap.testing.finspace import FakeFinSpace
    >>> with FakeFinSpace(environments=3) as fake:
    ...     table = scan_finspace_environments(page_size=2, **fake.options).read_all()
    >>> table.num_rows
    3
    """
    return reader.scan("ListKxEnvironments", {}, checkpoint, options)


def read_finspace_databases(
    environment_id: str, *, checkpoint: CheckpointLike = None, **options: Unpack[FinSpaceOptions]
) -> pd.DataFrame:
    """List the kdb databases of an environment (``ListKxDatabases``) into a DataFrame.

    Parameters are those of :func:`read_finspace_clusters`.

    Examples
    --------
    >>> from arrowtap.testing.finspace import FakeFinSpace
    >>> with FakeFinSpace(databases=4) as fake:
    ...     df = read_finspace_databases(fake.environment_id, **fake.options)
    >>> df["databaseName"].tolist()
    ['db_000', 'db_001', 'db_002', 'db_003']
    """
    return _read("ListKxDatabases", {"environmentId": environment_id}, checkpoint, options)


def scan_finspace_databases(
    environment_id: str, *, checkpoint: CheckpointLike = None, **options: Unpack[FinSpaceOptions]
) -> pa.RecordBatchReader:
    """Stream the kdb databases of an environment (see :func:`scan_finspace_clusters`).

    Examples
    --------
    >>> from arrowtap.testing.finspace import FakeFinSpace
    >>> with FakeFinSpace(databases=4) as fake:
    ...     reader = scan_finspace_databases(fake.environment_id, page_size=3, **fake.options)
    ...     [batch.num_rows for batch in reader]
    [3, 1]
    """
    return reader.scan("ListKxDatabases", {"environmentId": environment_id}, checkpoint, options)


def read_finspace_changesets(
    environment_id: str,
    database_name: str,
    *,
    checkpoint: CheckpointLike = None,
    **options: Unpack[FinSpaceOptions],
) -> pd.DataFrame:
    """List the changesets of a kdb database (``ListKxChangesets``) into a DataFrame.

    Parameters are those of :func:`read_finspace_clusters`, and ``database_name``.

    Examples
    --------
    >>> from arrowtap.testing.finspace import FakeFinSpace
    >>> with FakeFinSpace(changesets=6) as fake:
    ...     df = read_finspace_changesets(fake.environment_id, "db_000", **fake.options)
    >>> len(df), sorted(df["status"].cat.categories)
    (6, ['COMPLETED', 'FAILED', 'PENDING', 'PROCESSING'])
    """
    params = {"environmentId": environment_id, "databaseName": database_name}
    return _read("ListKxChangesets", params, checkpoint, options)


def scan_finspace_changesets(
    environment_id: str,
    database_name: str,
    *,
    checkpoint: CheckpointLike = None,
    **options: Unpack[FinSpaceOptions],
) -> pa.RecordBatchReader:
    """Stream the changesets of a kdb database (see :func:`scan_finspace_clusters`).

    Examples
    --------
    >>> from arrowtap.testing.finspace import FakeFinSpace
    >>> with FakeFinSpace(changesets=6) as fake:
    ...     reader = scan_finspace_changesets(fake.environment_id, "db_001", **fake.options)
    ...     table = reader.read_all()
    >>> table.num_rows
    6
    """
    params = {"environmentId": environment_id, "databaseName": database_name}
    return reader.scan("ListKxChangesets", params, checkpoint, options)


def read_finspace_cluster_nodes(
    environment_id: str,
    cluster_name: str,
    *,
    checkpoint: CheckpointLike = None,
    **options: Unpack[FinSpaceOptions],
) -> pd.DataFrame:
    """List the nodes of a kdb cluster (``ListKxClusterNodes``) into a DataFrame.

    Parameters are those of :func:`read_finspace_clusters`, and ``cluster_name``.

    Examples
    --------
    >>> from arrowtap.testing.finspace import FakeFinSpace
    >>> with FakeFinSpace() as fake:
    ...     df = read_finspace_cluster_nodes(fake.environment_id, "cluster-00000", **fake.options)
    >>> list(df.columns)
    ['nodeId', 'availabilityZoneId', 'launchTime', 'status']
    """
    params = {"environmentId": environment_id, "clusterName": cluster_name}
    return _read("ListKxClusterNodes", params, checkpoint, options)


def scan_finspace_cluster_nodes(
    environment_id: str,
    cluster_name: str,
    *,
    checkpoint: CheckpointLike = None,
    **options: Unpack[FinSpaceOptions],
) -> pa.RecordBatchReader:
    """Stream the nodes of a kdb cluster (see :func:`scan_finspace_clusters`).

    Examples
    --------
    >>> from arrowtap.testing.finspace import FakeFinSpace
    >>> with FakeFinSpace() as fake:
    ...     env = fake.environment_id
    ...     reader = scan_finspace_cluster_nodes(env, "cluster-00003", **fake.options)
    ...     reader.schema.field("launchTime").type
    TimestampType(timestamp[ns, tz=UTC])
    """
    params = {"environmentId": environment_id, "clusterName": cluster_name}
    return reader.scan("ListKxClusterNodes", params, checkpoint, options)
