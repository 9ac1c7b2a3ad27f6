"""``diff_finspace_clusters``: what changed in an environment's clusters since the last run."""

from __future__ import annotations

import os

import httpx
import pandas as pd

from arrowtap.checkpoint import Checkpoint
from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.finspace.plans import CHECKPOINT_NAME, DEFAULT_PAGE_SIZE, plan_listing
from arrowtap.connectors.finspace.state import Baseline, changes, snapshot_rows
from arrowtap.connectors.finspace.wire.auth import CredentialsLike
from arrowtap.io import offsets, reading
from arrowtap.io.frames import to_pandas

__all__ = ["diff_finspace_clusters"]


def diff_finspace_clusters(
    environment_id: str,
    cluster_type: str | None = None,
    *,
    checkpoint: Checkpoint | str | os.PathLike[str],
    region: str | None = None,
    endpoint_url: str | None = None,
    credentials: CredentialsLike = None,
    page_size: int | None = DEFAULT_PAGE_SIZE,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> pd.DataFrame:
    """What changed in an environment's clusters since the last listing the checkpoint holds.

    Lists the clusters (the whole listing, from its first page), compares them
    with the last complete listing recorded in ``checkpoint`` and, once the
    listing is complete, records it as the next baseline. The first call, with
    no baseline, reports every cluster as added. A listing that fails midway
    records nothing: the next call compares with the same baseline.

    Parameters
    ----------
    environment_id, cluster_type : str
        As for :func:`arrowtap.read_finspace_clusters`; each filter has a baseline of its own.
    checkpoint : Checkpoint, str or os.PathLike
        A checkpoint (left open), or an SQLite file holding the checkpoint
        ``finspace-listings``; the baseline is kept there.
    region, endpoint_url, credentials, page_size, client, retry
        As for :func:`arrowtap.read_finspace_clusters`.

    Returns
    -------
    pandas.DataFrame
        One row per cluster added, removed, or whose ``status`` or
        ``lastModifiedTimestamp`` changed, by name: ``clusterName``,
        ``change`` (categorical: ``added``, ``removed``, ``changed``), ``status``
        and ``lastModifiedTimestamp`` now, ``previousStatus`` and
        ``previousLastModifiedTimestamp`` before (null where absent).

    Raises
    ------
    CheckpointError
        The checkpoint's baseline sections were not written by arrowtap.

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
    operation = "ListKxClusters"
    plan = plan_listing(
        operation,
        {"environmentId": environment_id, "clusterType": cluster_type},
        columns=None, region=region, endpoint_url=endpoint_url, credentials=credentials,
        page_size=page_size, client=client, retry=retry,
    )  # fmt: skip
    # Opened before the listing, so that a checkpoint that cannot be used fails first.
    with offsets.opened(checkpoint, CHECKPOINT_NAME) as store:
        baseline = Baseline(store, plan.partitions[0].key)
        before = baseline.load()
        now = snapshot_rows(operation, reading.scan(plan).read_all())
        found = changes(operation, before or {}, now)
        baseline.record(now)
    return to_pandas(found)
