"""The archiver's administrative views as snapshot sources: its channels, its cluster's status.

Each is one request of the administrative API (port 4812), answered whole: a
:class:`~arrowtap.io.views.ViewSource` whose fetch is a small picklable object
holding the URL and the retry policy, never a live connection. ``read_*`` and
``scan_*`` take the view now; ``sync_*`` appends one whole snapshot per run to a
dataset, each row stamped with the run's time (``snapshot_time``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import httpx
import pandas as pd
import pyarrow as pa

from arrowtap.checkpoint import CheckpointLike
from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.pvarchiver.admin_views import ChannelsView, ClusterStatusView, plan_view
from arrowtap.connectors.pvarchiver.admin_write import ServerId
from arrowtap.connectors.pvarchiver.wire import admin
from arrowtap.io import job, reading
from arrowtap.io.contract import Page, Partition, Plan
from arrowtap.io.sync import SyncSummary

__all__ = [
    "plan_archive_channels",
    "plan_archive_cluster_status",
    "read_archive_channels",
    "read_archive_cluster_status",
    "scan_archive_channels",
    "scan_archive_cluster_status",
    "sync_archive_channels",
    "sync_archive_cluster_status",
]


def plan_archive_channels(
    url: str,
    server_id: ServerId | None = None,
    *,
    columns: Sequence[str] | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> Plan:
    """Plan a read of the archiver's channels: a snapshot plan of one view.

    The arguments are those of :func:`read_archive_channels`, checked now;
    nothing is sent. The partition is ``channels`` (or ``channels:<server id>``).

    Returns
    -------
    Plan
        A snapshot plan; its source's ``fetch`` is a :class:`ChannelsView`.

    Examples
    --------
    >>> plan = plan_archive_channels("http://archiver:4812", columns=["channel"])
    >>> [p.key for p in plan.partitions], plan.checkpoint_name, plan.schema.names
    (['channels'], 'pvarchiver-admin:http://archiver:4812/admin/api/1.0', ['channel'])
    """
    sid = None if server_id is None else admin.server_id_str(server_id)
    view = ChannelsView(url, retry, client, server_id=sid)
    key = "channels" if sid is None else f"channels:{sid}"
    return plan_view(key, view, view.schema, columns)


def read_archive_channels(
    url: str,
    server_id: ServerId | None = None,
    *,
    columns: Sequence[str] | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> pd.DataFrame:
    """Read the archiver's channel configurations: of the whole cluster, or of one server.

    Parameters
    ----------
    url : str
        The administrative API, e.g. ``http://archiver:4812``.
    server_id : str or uuid.UUID, optional
        A server of the cluster: its channels with their full configuration and
        status. Default: every channel of the cluster, in summary.
    columns : list of str, optional
        Only these columns, in this order.
    client : httpx.Client, optional
        Your own client (not closed); reads send no credentials, even if it has some.
    retry : RetryPolicy, optional
        Retry budget and backoff.

    Returns
    -------
    pandas.DataFrame
        One row per channel, sorted by name. For the cluster: ``channel``,
        ``server_id``, ``server_name``, ``control_system_type``,
        ``control_system_name``, ``decimation_levels`` (list of seconds, 0 =
        raw), ``channel_data_id``. For one server, the columns of
        :func:`arrowtap.read_archive_channel` (``server_name`` null: the server
        does not send it there); ``attrs["status_available"]`` tells whether the
        status columns could be filled (the server is online).

    Examples
    --------
    >>> from arrowtap.testing.pvarchiver import FakeArchiver
    >>> with FakeArchiver(admin=True) as fake:
    ...     cluster = read_archive_channels(fake.admin_url)
    ...     mine = read_archive_channels(fake.admin_url, fake.server_id)
    >>> "root:ai1" in set(cluster["channel"]), str(mine["total_samples_written"].dtype)
    (True, 'Int64')
    """
    plan = plan_archive_channels(url, server_id, columns=columns, client=client, retry=retry)
    frame: pd.DataFrame = reading.read(plan)
    view = plan.source.fetch  # type: ignore[attr-defined]
    if view.server_id is not None:
        frame.attrs["status_available"] = view.status_available
    return frame


def scan_archive_channels(
    url: str,
    server_id: ServerId | None = None,
    *,
    columns: Sequence[str] | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> pa.RecordBatchReader:
    """Stream the archiver's channel configurations (one batch: the view is one answer).

    The parameters are those of :func:`read_archive_channels`.

    Returns
    -------
    pyarrow.RecordBatchReader
        The schema of :func:`read_archive_channels`.

    Examples
    --------
    >>> from arrowtap.testing.pvarchiver import FakeArchiver
    >>> with FakeArchiver(admin=True) as fake:
    ...     table = scan_archive_channels(fake.admin_url, columns=["channel"]).read_all()
    >>> table.column_names, table.num_rows > 0
    (['channel'], True)
    """
    plan = plan_archive_channels(url, server_id, columns=columns, client=client, retry=retry)
    reader: pa.RecordBatchReader = reading.scan(plan)
    return reader


def sync_archive_channels(
    url: str,
    server_id: ServerId | None = None,
    *,
    to: job.SyncTarget,
    checkpoint: CheckpointLike | None = None,
    wait: float | None = None,
    schema_contract: str = "evolve",
    columns: Sequence[str] | None = None,
    follow: bool = False,
    every: float = 10.0,
    on_page: Callable[[Partition, Page], None] | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> SyncSummary:
    """Append one snapshot of the archiver's channels to a Parquet dataset, stamped.

    Each run reads the view and writes it whole, every row stamped with the
    run's start time (``snapshot_time``), and commits it once written; a run
    that dies leaves nothing a later run keeps.

    Parameters
    ----------
    url, server_id, columns, client, retry
        As in :func:`read_archive_channels`.
    to : str, os.PathLike or DeltaSink
        The dataset directory (use another for another ``server_id``: its columns differ).
    checkpoint : Checkpoint, str or os.PathLike, optional
        Where the snapshots' commits are kept; default ``<to>.checkpoint.sqlite``.
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
        Called with ``(partition, page)`` once the snapshot is committed.

    Returns
    -------
    SyncSummary
        Rows and bytes of the snapshot(s) taken, and the time taken.

    Examples
    --------
    >>> import tempfile
    >>> from arrowtap.testing.pvarchiver import FakeArchiver
    >>> with FakeArchiver(admin=True) as fake:
    ...     summary = sync_archive_channels(fake.admin_url, to=tempfile.mkdtemp())
    ...     n = len(fake.channel_names)
    >>> summary.rows == n
    True
    """

    def plan() -> Plan:
        return plan_archive_channels(url, server_id, columns=columns, client=client, retry=retry)

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


def plan_archive_cluster_status(
    url: str,
    *,
    columns: Sequence[str] | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> Plan:
    """Plan a read of the status of the cluster's servers: a snapshot plan of one view.

    The arguments are those of :func:`read_archive_cluster_status`, checked now.

    Returns
    -------
    Plan
        A snapshot plan; its partition is ``cluster-status``.

    Examples
    --------
    >>> plan_archive_cluster_status("http://archiver:4812").schema.names
    ['server_id', 'server_name', 'online', 'last_online_time']
    """
    view = ClusterStatusView(url, retry, client)
    return plan_view("cluster-status", view, view.schema, columns)


def read_archive_cluster_status(
    url: str,
    *,
    columns: Sequence[str] | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> pd.DataFrame:
    """Read the status of every server of the cluster.

    Parameters
    ----------
    url, columns, client, retry
        As in :func:`read_archive_channels`.

    Returns
    -------
    pandas.DataFrame
        ``server_id``, ``server_name``, ``online``, ``last_online_time``
        (``datetime64[ms, UTC]``).

    Examples
    --------
    >>> from arrowtap.testing.pvarchiver import FakeArchiver
    >>> with FakeArchiver(admin=True) as fake:
    ...     df = read_archive_cluster_status(fake.admin_url)
    >>> df["online"].tolist(), str(df["last_online_time"].dtype)
    ([True, False], 'datetime64[ms, UTC]')
    """
    plan = plan_archive_cluster_status(url, columns=columns, client=client, retry=retry)
    frame: pd.DataFrame = reading.read(plan)
    return frame


def scan_archive_cluster_status(
    url: str,
    *,
    columns: Sequence[str] | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> pa.RecordBatchReader:
    """Stream the status of every server of the cluster (one batch).

    Returns
    -------
    pyarrow.RecordBatchReader
        The schema of :func:`read_archive_cluster_status`.

    Examples
    --------
    >>> from arrowtap.testing.pvarchiver import FakeArchiver
    >>> with FakeArchiver(admin=True) as fake:
    ...     table = scan_archive_cluster_status(fake.admin_url).read_all()
    >>> table["server_name"].to_pylist()
    ['myserver', 'thirdserver']
    """
    plan = plan_archive_cluster_status(url, columns=columns, client=client, retry=retry)
    reader: pa.RecordBatchReader = reading.scan(plan)
    return reader


def sync_archive_cluster_status(
    url: str,
    *,
    to: job.SyncTarget,
    checkpoint: CheckpointLike | None = None,
    wait: float | None = None,
    schema_contract: str = "evolve",
    columns: Sequence[str] | None = None,
    follow: bool = False,
    every: float = 10.0,
    on_page: Callable[[Partition, Page], None] | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> SyncSummary:
    """Append one snapshot of the cluster's servers' status to a Parquet dataset, stamped.

    The parameters are those of :func:`sync_archive_channels`; with ``follow``,
    the dataset becomes a history of the cluster (when was which server online).

    Returns
    -------
    SyncSummary
        Rows and bytes of the snapshot(s) taken, and the time taken.

    Examples
    --------
    >>> import tempfile
    >>> import pyarrow.parquet as pq
    >>> from arrowtap.testing.pvarchiver import FakeArchiver
    >>> out = tempfile.mkdtemp()
    >>> with FakeArchiver(admin=True) as fake:
    ...     for _ in range(2):
    ...         _ = sync_archive_cluster_status(fake.admin_url, to=out)
    >>> table = pq.read_table(out)
    >>> table.num_rows, len(table["snapshot_time"].unique())
    (4, 2)
    """

    def plan() -> Plan:
        return plan_archive_cluster_status(url, columns=columns, client=client, retry=retry)

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
