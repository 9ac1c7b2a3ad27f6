"""Public functions for HarperDB cluster views: replication status (a snapshot), nodes, routes.

A node's replication status is a snapshot source: one request
(``cluster_status``) answers the whole view, read as one page
(:class:`~arrowtap.io.views.ViewSource`); a sync appends one snapshot per run,
stamped with the run's time. The nodes and routes are plain reads.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import pandas as pd
import pyarrow as pa

from arrowtap.checkpoint import CheckpointLike
from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.harperdb._checks import check_node, open_node
from arrowtap.connectors.harperdb.wire.client import HarperDBClient, operation_url
from arrowtap.connectors.harperdb.wire.views import (
    CLUSTER_STATUS_SCHEMA,
    NODE_ATTRIBUTES,
    NODES_SCHEMA,
    ROUTES_SCHEMA,
    cluster_status_table,
    nodes_table,
    routes_table,
)
from arrowtap.io import job, reading
from arrowtap.io.contract import Page, Partition, Plan, project
from arrowtap.io.frames import to_pandas
from arrowtap.io.sync import SyncSummary
from arrowtap.io.views import ViewSource

__all__ = [
    "CHECKPOINT_NAME",
    "ClusterStatusFetch",
    "plan_harperdb_cluster_status",
    "read_harperdb_cluster_status",
    "read_harperdb_nodes",
    "read_harperdb_routes",
    "scan_harperdb_cluster_status",
    "sync_harperdb_cluster_status",
]

CHECKPOINT_NAME = "harperdb-cluster-status"
"""The checkpoint of cluster status syncs; one section per node."""


@dataclass
class ClusterStatusFetch:
    """Fetch a node's ``cluster_status`` as a table (picklable, for processes and Dask).

    The caller's ``client`` serves the calls made in this process; a pickled copy
    (another process) opens its own. Neither repr nor pickle shows a password.

    Examples
    --------
    >>> from arrowtap.connectors.harperdb.wire.canned import canned_client
    >>> fetch = ClusterStatusFetch("http://admin:pw@n1:9925",
    ...                            client=canned_client({"cluster_status": {"connections": []}}))
    >>> fetch, fetch().num_rows
    (ClusterStatusFetch('http://n1:9925/', username='admin'), 0)
    """

    url: str
    username: str | None = None
    password: str | None = None
    client: httpx.Client | None = field(default=None, compare=False)
    retry: RetryPolicy | None = None

    def __post_init__(self) -> None:
        check_node(self.url, self.username, self.password, self.client, self.retry)

    def __repr__(self) -> str:
        node, user, _ = operation_url(self.url)
        return f"ClusterStatusFetch({node!r}, username={self.username or user!r})"

    def __getstate__(self) -> dict[str, Any]:
        return self.__dict__ | {"client": None}

    def __call__(self) -> pa.Table:
        """The node's replication status now, as a :data:`CLUSTER_STATUS_SCHEMA` table."""
        with HarperDBClient(
            self.url,
            username=self.username,
            password=self.password,
            client=self.client,
            retry=self.retry,
        ) as hdb:
            return cluster_status_table(hdb.operation("cluster_status"))


def plan_harperdb_cluster_status(
    url: str,
    *,
    columns: Sequence[str] | None = None,
    username: str | None = None,
    password: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> Plan:
    """The snapshot plan of a node's replication status: one partition, the node.

    Nothing is asked of the node yet; the URL and ``columns`` are checked now.

    Examples
    --------
    >>> plan = plan_harperdb_cluster_status("http://admin:pw@node1:9925", columns=["peer_name"])
    >>> plan.snapshot, [part.key for part in plan.partitions], plan.schema.names
    (True, ['cluster_status:http://node1:9925'], ['peer_name'])
    """
    fetch = ClusterStatusFetch(url, username, password, client, retry)
    node = operation_url(url)[0].rstrip("/")
    return Plan(
        ViewSource(CLUSTER_STATUS_SCHEMA, fetch),
        [Partition(f"cluster_status:{node}")],
        CHECKPOINT_NAME,
        snapshot=True,
        columns=columns,
    )


def scan_harperdb_cluster_status(
    url: str,
    *,
    columns: Sequence[str] | None = None,
    username: str | None = None,
    password: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> pa.RecordBatchReader:
    """Stream a node's replication status (``cluster_status``): one batch.

    Parameters are those of :func:`read_harperdb_cluster_status`.

    Returns
    -------
    pyarrow.RecordBatchReader
        One batch of :data:`~arrowtap.connectors.harperdb.wire.views.CLUSTER_STATUS_SCHEMA`
        (or ``columns``).

    Examples
    --------
    >>> from arrowtap.connectors.harperdb.wire.canned import canned_client
    >>> client = canned_client({"cluster_status": {"connections": []}})
    >>> scan_harperdb_cluster_status("http://node1:9925", client=client).read_all().num_rows
    0
    """
    plan = plan_harperdb_cluster_status(
        url, columns=columns, username=username, password=password, client=client, retry=retry
    )
    reader: pa.RecordBatchReader = reading.scan(plan)
    return reader


def read_harperdb_cluster_status(
    url: str,
    *,
    columns: Sequence[str] | None = None,
    username: str | None = None,
    password: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> pd.DataFrame:
    """Read a node's replication status (``cluster_status``) into a DataFrame.

    Parameters
    ----------
    url : str
        The node's operations API, e.g. ``http://node1:9925`` (credentials may
        be in the URL; they never appear in messages).
    columns : list of str, optional
        Only these columns, in this order.
    username, password : str, optional
        HTTP Basic credentials (a dev-mode server lets loopback in without).
    client : httpx.Client, optional
        Your own client (TLS, proxies); not closed.
    retry : RetryPolicy, optional
        Retry budget for connection errors and 5xx.

    Returns
    -------
    pandas.DataFrame
        One row per peer connection and database socket, the columns of
        :data:`~arrowtap.connectors.harperdb.wire.views.CLUSTER_STATUS_SCHEMA`:
        the node asked (``node_name``, ``node_url``, ``is_enabled``), the peer
        (``peer_name``, ``peer_url``, ``replicates``, ``subscriptions``, its
        CA certificate), the socket (``database``, ``connected``,
        ``latency_ms``, ``last_commit_confirmed`` and the other times as UTC
        timestamps, ...) and, for legacy NATS clustering, ``status``, ports
        and ``uptime``. The native (4.4+), NATS (4.0-4.3) and bare
        ``{"connections": []}`` answers are all read; no peers, no rows.

    Raises
    ------
    AuthenticationError
        Credentials refused.
    TransportError
        The node did not answer (the message names its URL).

    Examples
    --------
    >>> from arrowtap.connectors.harperdb.wire.canned import canned_client
    >>> answer = {"type": "cluster-status", "node_name": "node1", "is_enabled": True,
    ...           "connections": [{"name": "node2", "url": "ws://10.0.0.2:9933",
    ...               "database_sockets": [{"database": "data", "connected": True}]}]}
    >>> client = canned_client({"cluster_status": answer})
    >>> df = read_harperdb_cluster_status("http://node1:9925", client=client)
    >>> df[["node_name", "peer_name", "database", "connected"]].values.tolist()
    [['node1', 'node2', 'data', True]]
    """
    plan = plan_harperdb_cluster_status(
        url, columns=columns, username=username, password=password, client=client, retry=retry
    )
    frame: pd.DataFrame = reading.read(plan)
    return frame


def sync_harperdb_cluster_status(
    url: str,
    *,
    to: job.SyncTarget,
    checkpoint: CheckpointLike | None = None,
    wait: float | None = None,
    schema_contract: str = "evolve",
    columns: Sequence[str] | None = None,
    on_page: Callable[[Partition, Page], None] | None = None,
    username: str | None = None,
    password: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> SyncSummary:
    """Append a snapshot of a node's replication status to a Parquet dataset.

    Each run adds one whole snapshot, its rows stamped with the run's start
    (``snapshot_time``, UTC), committed to the checkpoint once written: a run
    that dies leaves nothing the next one keeps. Run it on a schedule for a
    history of latencies and connections. The other parameters are those of
    :func:`read_harperdb_cluster_status`.

    Parameters
    ----------
    to : str, os.PathLike or DeltaSink
        The dataset directory, or a Delta table: ``"delta:PATH"`` or a DeltaSink.
    checkpoint : Checkpoint, str or os.PathLike, optional
        Where the runs are recorded (default ``<to>.checkpoint.sqlite``).
    wait : float, optional
        Seconds to wait while another sync holds the destination (the lease of
        its checkpoint); ``None`` or ``0`` fails at once with
        :class:`~arrowtap.errors.DestinationHeldError` naming the holder.
    schema_contract : {"evolve", "freeze", "discard_value", "discard_row"}
        What a change of the source's columns does to the destination (see
        :mod:`arrowtap.io.drift`): a new column added (default), refused with
        :class:`~arrowtap.errors.SchemaDriftError` before anything is written, or its
        values or rows dropped; the summary reports every change found.
    on_page : callable, optional
        Called with ``(partition, page)`` after the snapshot is committed.

    Returns
    -------
    SyncSummary
        The rows written.

    Examples
    --------
    >>> import tempfile
    >>> import pyarrow.parquet as pq
    >>> from arrowtap.connectors.harperdb.wire.canned import canned_client
    >>> answer = {"node_name": "node1", "connections": [{"name": "node2",
    ...           "database_sockets": [{"database": "data", "connected": True}]}]}
    >>> to = tempfile.mkdtemp()
    >>> for run in range(2):
    ...     summary = sync_harperdb_cluster_status(
    ...         "http://node1:9925", to=to, client=canned_client({"cluster_status": answer}))
    >>> table = pq.read_table(to)
    >>> table.num_rows, len(table["snapshot_time"].unique())
    (2, 2)
    """

    def plan() -> Plan:
        return plan_harperdb_cluster_status(
            url, columns=columns, username=username, password=password, client=client, retry=retry
        )

    return job.sync_job(
        plan,
        to=to,
        checkpoint=checkpoint,
        on_page=on_page,
        wait=wait,
        schema_contract=schema_contract,
    )


def read_harperdb_nodes(
    url: str,
    *,
    columns: Sequence[str] | None = None,
    username: str | None = None,
    password: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> pd.DataFrame:
    """Read the nodes a node knows (its ``system.hdb_nodes`` table) into a DataFrame.

    Parameters are those of :func:`read_harperdb_cluster_status`; ``columns``
    picks some of :data:`~arrowtap.connectors.harperdb.wire.views.NODES_SCHEMA`'s,
    in that order.

    Returns
    -------
    pandas.DataFrame
        One row per node, by name (:data:`~arrowtap.connectors.harperdb.wire.views.NODES_SCHEMA`).
        Stored peer credentials (``authorization``) and certificates (``ca``)
        are never fetched.

    Examples
    --------
    >>> from arrowtap.connectors.harperdb.wire.canned import canned_client
    >>> nodes = [{"name": "node2", "url": "ws://10.0.0.2:9933", "replicates": True}]
    >>> client = canned_client({"search_by_value": nodes})
    >>> df = read_harperdb_nodes("http://node1:9925", client=client)
    >>> df[["name", "replicates"]].values.tolist()
    [['node2', True]]
    """
    wanted = project(NODES_SCHEMA, columns).names
    with open_node(url, username, password, client, retry) as hdb:
        records = hdb.operation(
            "search_by_value",
            database="system",
            table="hdb_nodes",
            search_attribute="name",
            search_value="*",
            get_attributes=list(NODE_ATTRIBUTES),
        )
    return to_pandas(nodes_table(records).select(wanted))


def read_harperdb_routes(
    url: str,
    *,
    columns: Sequence[str] | None = None,
    username: str | None = None,
    password: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> pd.DataFrame:
    """Read a node's replication routes (``cluster_get_routes``) into a DataFrame.

    HarperDB 4.7.29 answers the routes loaded when the server started, not
    those set since (see :func:`arrowtap.harperdb.cluster_set_routes`). Parameters
    are those of :func:`read_harperdb_nodes`.

    Returns
    -------
    pandas.DataFrame
        ``server`` (``hub``/``leaf`` for legacy NATS, else null), ``url`` (for
        routes given as URLs), ``host``, ``port``.

    Examples
    --------
    >>> from arrowtap.connectors.harperdb.wire.canned import canned_client
    >>> client = canned_client({"cluster_get_routes": ["wss://10.0.0.2:9933"]})
    >>> read_harperdb_routes("http://node1:9925", client=client)[["host", "port"]].values.tolist()
    [['10.0.0.2', 9933]]
    """
    wanted = project(ROUTES_SCHEMA, columns).names
    with open_node(url, username, password, client, retry) as hdb:
        return to_pandas(routes_table(hdb.operation("cluster_get_routes")).select(wanted))
