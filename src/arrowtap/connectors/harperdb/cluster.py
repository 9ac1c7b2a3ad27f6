"""Public functions for HarperDB: cluster views, table reads (incremental), table writes."""

from __future__ import annotations

from collections.abc import Sequence

import httpx
import pandas as pd
import pyarrow as pa

from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.harperdb import checkpointed as reader
from arrowtap.connectors.harperdb.checkpointed import CheckpointLike
from arrowtap.connectors.harperdb.table_source import DEFAULT_PAGE_SIZE, HarperDBTableSource
from arrowtap.connectors.harperdb.wire.client import HarperDBClient
from arrowtap.connectors.harperdb.wire.layout import SchemaLike
from arrowtap.connectors.harperdb.wire.views import (
    NODE_ATTRIBUTES,
    cluster_status_table,
    nodes_table,
    routes_table,
)
from arrowtap.connectors.harperdb.wire.writer import HarperDBWriteError, WriteSummary
from arrowtap.io.frames import to_pandas
from arrowtap.io.inputs import TimeLike, to_ns

__all__ = [
    "HarperDBWriteError",
    "WriteSummary",
    "read_harperdb",
    "read_harperdb_cluster_status",
    "read_harperdb_nodes",
    "read_harperdb_routes",
    "scan_harperdb",
]


def _client(
    url: str,
    username: str | None,
    password: str | None,
    client: httpx.Client | None,
    retry: RetryPolicy | None,
) -> HarperDBClient:
    return HarperDBClient(url, username=username, password=password, client=client, retry=retry)


def read_harperdb_cluster_status(
    url: str,
    *,
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
    with _client(url, username, password, client, retry) as hdb:
        return to_pandas(cluster_status_table(hdb.operation("cluster_status")))


def read_harperdb_nodes(
    url: str,
    *,
    username: str | None = None,
    password: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> pd.DataFrame:
    """Read the nodes a node knows (its ``system.hdb_nodes`` table) into a DataFrame.

    Parameters are those of :func:`read_harperdb_cluster_status`.

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
    with _client(url, username, password, client, retry) as hdb:
        records = hdb.operation(
            "search_by_value",
            database="system",
            table="hdb_nodes",
            search_attribute="name",
            search_value="*",
            get_attributes=list(NODE_ATTRIBUTES),
        )
    return to_pandas(nodes_table(records))


def read_harperdb_routes(
    url: str,
    *,
    username: str | None = None,
    password: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> pd.DataFrame:
    """Read a node's replication routes (``cluster_get_routes``) into a DataFrame.

    HarperDB 4.7.29 answers the routes loaded when the server started, not
    those set since (see :func:`arrowtap.harperdb.cluster_set_routes`).

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
    with _client(url, username, password, client, retry) as hdb:
        return to_pandas(routes_table(hdb.operation("cluster_get_routes")))


def scan_harperdb(
    url: str,
    database: str,
    table: str,
    *,
    columns: Sequence[str] | None = None,
    since: TimeLike | None = None,
    checkpoint: CheckpointLike = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    schema: SchemaLike | None = None,
    username: str | None = None,
    password: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> pa.RecordBatchReader:
    """Stream a table's rows as Arrow record batches, a page per batch.

    Parameters are those of :func:`read_harperdb`. With a ``checkpoint``, a
    batch is recorded as delivered when the next one is asked for or the
    stream ends: a run that stops early resumes after the last delivered
    batch.

    Returns
    -------
    pyarrow.RecordBatchReader
        Batches of the declared schema, in (updated time, primary key) order.

    Examples
    --------
    >>> from arrowtap.connectors.harperdb.wire.canned import canned_client, canned_table
    >>> answers = canned_table([{"id": i, "__updatedtime__": 1.0} for i in range(5)])
    >>> reader = scan_harperdb("http://h:9925", "shop", "items", page_size=2,
    ...                        client=canned_client(answers))
    >>> [batch.num_rows for batch in reader]
    [2, 2, 1]
    """
    source = HarperDBTableSource(
        url,
        database,
        table,
        columns=columns,
        schema=schema,
        page_size=page_size,
        username=username,
        password=password,
        client=client,
        retry=retry,
    )
    since_ns = None if since is None else to_ns(since, "since")
    return reader.scan(source, since_ns, checkpoint)


def read_harperdb(
    url: str,
    database: str,
    table: str,
    *,
    columns: Sequence[str] | None = None,
    since: TimeLike | None = None,
    checkpoint: CheckpointLike = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    schema: SchemaLike | None = None,
    username: str | None = None,
    password: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> pd.DataFrame:
    """Read a HarperDB table into a DataFrame; with a checkpoint, only what changed since.

    Rows come in (updated time, primary key) order, ``page_size`` per
    request. A read covers the rows updated up to when it starts; rows
    changed meanwhile are left for the next read.

    Parameters
    ----------
    url : str
        The node's operations API, e.g. ``http://node1:9925``.
    database, table : str
        The table.
    columns : list of str, optional
        Columns to read, in order (default: every attribute ``describe_table`` lists).
    since : datetime, pandas.Timestamp, str or int, optional
        Only rows updated at or after this time (aware, or ns since the epoch).
    checkpoint : Checkpoint, str or os.PathLike, optional
        A checkpoint, an SQLite file or a ``harperdb+http(s)://`` URL
        (section ``harperdb:<database>.<table>``). Only rows changed since the
        last recorded read are returned (on the first, from ``since`` or all),
        and this read is recorded once the frame is built. A row updated
        between two reads comes again, with its new values.
    page_size : int
        Rows per request.
    schema : pyarrow.Schema or mapping of str to pyarrow.DataType, optional
        Declared column types: a full schema (its columns, in order), or types
        for some columns. Others come from the table's defined schema, if it
        has one, else are JSON text (``arrow.json``, exactly as sent).
    username, password, client, retry
        As for :func:`read_harperdb_cluster_status`.

    Returns
    -------
    pandas.DataFrame
        The declared columns: ``__createdtime__`` and ``__updatedtime__`` as
        ``datetime64[ns, UTC]``; ``Date`` attributes ``datetime64[ms, UTC]``;
        typed attributes nullable pandas dtypes; JSON text as ``str`` objects.

    Raises
    ------
    InvalidArgumentError
        A bad argument, an unknown column, or ``since``/``checkpoint`` on a
        table without an indexed updated time.
    NotFoundError
        No such database or table.
    DecodeError
        A value that does not fit the declared type (the message names the column).

    Examples
    --------
    >>> import pyarrow as pa
    >>> from arrowtap import write_harperdb
    >>> from arrowtap.connectors.harperdb.wire.canned import canned_client, canned_table
    >>> answers = canned_table([])
    >>> _ = write_harperdb({"id": ["a", "b"], "price": [1.5, 2.0]}, "http://h:9925", "shop",
    ...                    "items", client=canned_client(answers))
    >>> df = read_harperdb("http://h:9925", "shop", "items", schema={"price": pa.float64()},
    ...                    client=canned_client(answers))
    >>> df["price"].tolist(), str(df["__updatedtime__"].dtype)
    ([1.5, 2.0], 'datetime64[ns, UTC]')
    """
    source = HarperDBTableSource(
        url,
        database,
        table,
        columns=columns,
        schema=schema,
        page_size=page_size,
        username=username,
        password=password,
        client=client,
        retry=retry,
    )
    since_ns = None if since is None else to_ns(since, "since")
    table_read, commit = reader.read_table(source, since_ns, checkpoint)
    frame = to_pandas(table_read)
    commit()
    return frame
