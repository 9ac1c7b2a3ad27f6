"""HarperDB clustering operations: replication routes, nodes and subscriptions.

Every function takes the node's operations API URL (``http(s)://host:9925``)
and ``username``, ``password``, ``client`` (your own ``httpx.Client``) and
``retry`` (an :class:`arrowtap.RetryPolicy`). Arguments are checked before
anything is sent (:class:`~arrowtap.errors.InvalidArgumentError` names the bad
value); refusals are typed: :class:`~arrowtap.errors.AuthenticationError`,
:class:`~arrowtap.errors.NotFoundError`, :class:`NotSupportedError` (an
operation of legacy NATS clustering on a natively replicating node),
:class:`PartialOperationError` (the node stored the change but could not
update the peer), :class:`~arrowtap.errors.TransportError` (node unreachable).

To read the cluster, see :func:`arrowtap.read_harperdb_cluster_status`,
:func:`arrowtap.read_harperdb_nodes` and :func:`arrowtap.read_harperdb_routes`.

Examples
--------
>>> import arrowtap.harperdb as hdb
>>> hdb.add_node.__module__
'arrowtap.harperdb'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from arrowtap import _checks as checks
from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.harperdb._checks import open_node
from arrowtap.connectors.harperdb.routes import (
    cluster_delete_routes,
    cluster_get_routes,
    cluster_set_routes,
)
from arrowtap.connectors.harperdb.wire import clustering
from arrowtap.connectors.harperdb.wire.arguments import Route
from arrowtap.connectors.harperdb.wire.client import SYSTEM
from arrowtap.connectors.harperdb.wire.clustering import RoutesUpdate
from arrowtap.errors import NotSupportedError, PartialOperationError

__all__ = [
    "NotSupportedError",
    "PartialOperationError",
    "Route",
    "RoutesUpdate",
    "add_node",
    "cluster_delete_routes",
    "cluster_get_routes",
    "cluster_network",
    "cluster_set_routes",
    "configure_cluster",
    "purge_stream",
    "remove_node",
    "set_node_replication",
    "update_node",
]

Subscriptions = Sequence[Mapping[str, Any]]


def add_node(
    url: str,
    node_url: str | None = None,
    *,
    hostname: str | None = None,
    subscriptions: Subscriptions | None = None,
    authorization: Any = None,
    verify_tls: bool | None = None,
    retain_authorization: bool | None = None,
    username: str | None = None,
    password: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> str:
    """Pair the node at ``url`` with a peer (``add_node``, native replication).

    Parameters
    ----------
    url : str
        The operations API of the node that adds the peer.
    node_url : str, optional
        The peer's replication URL, ``ws://host:9933`` or ``wss://host:9933``.
    hostname : str, optional
        The peer's host name; without ``node_url`` the URL is
        ``ws://<hostname>:<this node's replication port>``.
    subscriptions : list of mapping, optional
        What to replicate: ``{"database", "table" (optional), "subscribe",
        "publish", "start_time" (optional)}`` each; default everything.
    authorization : (str, str) or mapping, optional
        The peer's credentials (``(username, password)``), sent to the peer
        and never shown in messages.
    verify_tls, retain_authorization : bool, optional
        Check the peer's certificate; store ``authorization`` in the node row.
    username, password, client, retry
        For the node at ``url``.

    Returns
    -------
    str
        The server's message, e.g. "Successfully added 'ws://...' to cluster".

    Raises
    ------
    PartialOperationError
        The node row is stored but the peer could not be updated (HarperDB
        answers 200 with ``"... but there was an error updating target node:
        <reason>"``). Replication to the peer is attempted from then on;
        :func:`remove_node` undoes it.

    Examples
    --------
    >>> from arrowtap.connectors.harperdb.wire.canned import canned_client
    >>> answer = {"message": "Successfully added 'ws://10.0.0.2:9933' to cluster but there was"
    ...           " an error updating target node: connect ECONNREFUSED 10.0.0.2:9933"}
    >>> client = canned_client({"add_node": answer})
    >>> try:
    ...     add_node("http://node1:9925", "ws://10.0.0.2:9933", client=client)
    ... except PartialOperationError as exc:
    ...     print(exc.node, "|", exc.reason)
    ws://10.0.0.2:9933 | connect ECONNREFUSED 10.0.0.2:9933
    """
    with open_node(url, username, password, client, retry) as hdb:
        return clustering.add_node(
            hdb,
            node_url,
            hostname=hostname,
            subscriptions=subscriptions,
            authorization=authorization,
            verify_tls=verify_tls,
            retain_authorization=retain_authorization,
        )


def update_node(
    url: str,
    node_url: str | None = None,
    *,
    hostname: str | None = None,
    subscriptions: Subscriptions | None = None,
    authorization: Any = None,
    username: str | None = None,
    password: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> str:
    """Change what a paired node replicates (``update_node``); arguments as :func:`add_node`.

    Raises :class:`PartialOperationError` like :func:`add_node`.

    Examples
    --------
    >>> from arrowtap.connectors.harperdb.wire.canned import canned_client
    >>> client = canned_client({"update_node": {"message": "Successfully updated 'ws://n2:9933'"}})
    >>> subs = [{"database": "data", "subscribe": True, "publish": False}]
    >>> update_node("http://node1:9925", hostname="n2", subscriptions=subs, client=client)
    "Successfully updated 'ws://n2:9933'"
    """
    with open_node(url, username, password, client, retry) as hdb:
        return clustering.update_node(
            hdb,
            node_url,
            hostname=hostname,
            subscriptions=subscriptions,
            authorization=authorization,
        )


def set_node_replication(
    url: str,
    node_name: str,
    subscriptions: Subscriptions,
    *,
    username: str | None = None,
    password: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> str:
    """Set what the node named ``node_name`` replicates (``set_node_replication``).

    The name is taken as the peer's host name: its URL becomes
    ``ws://<node_name>:<this node's replication port>``. Raises
    :class:`PartialOperationError` like :func:`add_node` when that peer
    cannot be reached (the node row is stored).

    Examples
    --------
    >>> from arrowtap.connectors.harperdb.wire.canned import canned_client
    >>> ok = {"message": "Successfully added 'ws://node2:9933' to cluster"}
    >>> client = canned_client({"set_node_replication": ok})
    >>> subs = [{"database": "data", "table": "t", "subscribe": True, "publish": True}]
    >>> set_node_replication("http://node1:9925", "node2", subs, client=client)
    "Successfully added 'ws://node2:9933' to cluster"
    """
    with open_node(url, username, password, client, retry) as hdb:
        return clustering.set_node_replication(hdb, node_name, subscriptions)


def remove_node(
    url: str,
    node_url: str | None = None,
    *,
    hostname: str | None = None,
    username: str | None = None,
    password: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> str:
    """Forget a node (``remove_node``), by host name or by the URL it was added with.

    The node row is deleted even if the peer cannot be told.

    Raises
    ------
    NotFoundError
        No node of that name ("<name> does not exist").

    Examples
    --------
    >>> from arrowtap.connectors.harperdb.wire.canned import canned_client
    >>> removed = {"message": "Successfully removed 'n2' from cluster"}
    >>> client = canned_client({"remove_node": removed})
    >>> remove_node("http://node1:9925", hostname="n2", client=client)
    "Successfully removed 'n2' from cluster"
    """
    with open_node(url, username, password, client, retry) as hdb:
        return clustering.remove_node(hdb, node_url, hostname=hostname)


def configure_cluster(
    url: str,
    connections: Sequence[Mapping[str, Any]],
    *,
    username: str | None = None,
    password: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> list[dict[str, Any]]:
    """Add several nodes at once (``configure_cluster``).

    Parameters
    ----------
    connections : list of mapping
        ``{"node_name": <host name>, "subscriptions": [...]}`` each
        (subscriptions as in :func:`add_node`, each subscribing or publishing).

    Returns
    -------
    list of dict
        ``{"node_name", "response"}`` per node, when every node was added.

    Raises
    ------
    PartialOperationError
        A peer could not be updated (its node row is stored), or the server
        reported the configuration as partially successful; the message
        names every failing node.

    Examples
    --------
    >>> from arrowtap.connectors.harperdb.wire.canned import canned_client
    >>> answer = {"message": "Configure cluster complete.", "connections": [
    ...     {"node_name": "n2", "response": "Successfully added 'ws://n2:9933' to cluster"}]}
    >>> client = canned_client({"configure_cluster": answer})
    >>> subs = [{"database": "data", "subscribe": True, "publish": True}]
    >>> configure_cluster("http://node1:9925", [{"node_name": "n2", "subscriptions": subs}],
    ...                   client=client)[0]["node_name"]
    'n2'
    """
    with open_node(url, username, password, client, retry) as hdb:
        return clustering.configure_cluster(hdb, connections)


def purge_stream(
    url: str,
    database: str,
    table: str,
    *,
    keep: int | None = None,
    seq: int | None = None,
    username: str | None = None,
    password: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> str:
    """Purge a table's NATS stream (``purge_stream``; legacy NATS clustering only).

    Raises
    ------
    NotSupportedError
        On a natively replicating node (HarperDB 4.4+ without NATS), which
        answers "Clustering must be enabled to perform this operation."
    NotFoundError
        The database or table does not exist (checked first by the server).

    Examples
    --------
    >>> from arrowtap.connectors.harperdb.wire.canned import canned_client
    >>> refusal = (400, {"error": "Clustering must be enabled to perform this operation."})
    >>> client = canned_client({"purge_stream": refusal})
    >>> try:
    ...     purge_stream("http://node1:9925", "data", "t", keep=100, client=client)
    ... except NotSupportedError:
    ...     print("NATS only")
    NATS only
    """
    for arg, value in (("keep", keep), ("seq", seq)):  # JavaScript numbers: exact to 2**53
        checks.optional(checks.integer, arg, value, minimum=0, maximum=2**53, system=SYSTEM)
    with open_node(url, username, password, client, retry) as hdb:
        return clustering.purge_stream(hdb, database, table, keep=keep, seq=seq)


def cluster_network(
    url: str,
    *,
    timeout_ms: int | None = None,
    username: str | None = None,
    password: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> Any:
    """The NATS cluster's nodes and routes (``cluster_network``; legacy NATS clustering only).

    Raises :class:`NotSupportedError` on a natively replicating node.

    Examples
    --------
    >>> from arrowtap.connectors.harperdb.wire.canned import canned_client
    >>> client = canned_client({"cluster_network": {"nodes": [{"name": "n1"}]}})
    >>> cluster_network("http://node1:9925", client=client)["nodes"][0]["name"]
    'n1'
    """
    most = int(checks.MAX_SECONDS * 1000)
    checks.optional(checks.positive_int, "timeout_ms", timeout_ms, maximum=most, system=SYSTEM)
    with open_node(url, username, password, client, retry) as hdb:
        return clustering.cluster_network(hdb, timeout_ms=timeout_ms)
