"""HarperDB replication routes: set, get, delete (re-exported by :mod:`arrowtap.harperdb`)."""

from __future__ import annotations

from typing import Any

import httpx

from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.harperdb._checks import open_node
from arrowtap.connectors.harperdb.wire import clustering
from arrowtap.connectors.harperdb.wire.arguments import Route
from arrowtap.connectors.harperdb.wire.clustering import RoutesUpdate
from arrowtap.connectors.harperdb.wire.views import routes_table

__all__ = ["cluster_delete_routes", "cluster_get_routes", "cluster_set_routes"]


def cluster_set_routes(
    url: str,
    routes: Any,
    *,
    server: str | None = None,
    username: str | None = None,
    password: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> RoutesUpdate:
    """Add replication routes (``cluster_set_routes``).

    HarperDB 4.7.29 (native replication) keeps the routes loaded at startup
    in memory and writes *those plus the new ones* to its configuration: two
    ``set`` calls in one server lifetime keep only the second's routes, and
    :func:`cluster_get_routes` shows them only after a restart.

    Parameters
    ----------
    url : str
        The node's operations API, e.g. ``http://node1:9925``.
    routes : str, tuple, mapping, Route or a list of them
        ``ws(s)://host:port`` URLs, ``(host, port)`` pairs or
        ``{"host"|"hostname": ..., "port": ...}`` mappings.
    server : {"hub", "leaf"}, optional
        Legacy NATS clustering only: which server's routes.
    username, password, client, retry
        Credentials, your own ``httpx.Client``, retry policy.

    Returns
    -------
    RoutesUpdate
        ``changed`` (the routes set) and ``skipped`` (already there).

    Examples
    --------
    >>> from arrowtap.connectors.harperdb.wire.canned import canned_client
    >>> answer = {"message": "cluster routes successfully set",
    ...           "set": ["ws://10.0.0.2:9933"], "skipped": []}
    >>> client = canned_client({"cluster_set_routes": answer})
    >>> cluster_set_routes("http://node1:9925", "ws://10.0.0.2:9933", client=client).changed
    (Route(url='ws://10.0.0.2:9933', host='10.0.0.2', port=9933, server=None),)
    """
    with open_node(url, username, password, client, retry) as hdb:
        return clustering.set_routes(hdb, routes, server)


def cluster_get_routes(
    url: str,
    *,
    username: str | None = None,
    password: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> list[Route]:
    """The node's replication routes (``cluster_get_routes``).

    On HarperDB 4.7.29 these are the routes loaded at startup (see
    :func:`cluster_set_routes`). Legacy NATS answers (``{"hub": [...],
    "leaf": [...]}``) give routes with ``server`` set.

    Examples
    --------
    >>> from arrowtap.connectors.harperdb.wire.canned import canned_client
    >>> client = canned_client({"cluster_get_routes": [{"host": "10.0.0.3", "port": 9933}]})
    >>> cluster_get_routes("http://node1:9925", client=client)
    [Route(url=None, host='10.0.0.3', port=9933, server=None)]
    """
    with open_node(url, username, password, client, retry) as hdb:
        table = routes_table(clustering.get_routes(hdb))
    return [Route(**row) for row in table.to_pylist()]


def cluster_delete_routes(
    url: str,
    routes: Any,
    *,
    username: str | None = None,
    password: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> RoutesUpdate:
    """Remove replication routes (``cluster_delete_routes``).

    The answer lists, of the routes the node holds, those ``deleted``
    (``changed``) and those kept (``skipped``). On HarperDB 4.7.29 the node
    holds the routes loaded at startup: a route set since is in neither
    list, and the startup routes minus the deleted ones are written back,
    which drops every route set since.

    Examples
    --------
    >>> from arrowtap.connectors.harperdb.wire.canned import canned_client
    >>> answer = {"message": "cluster routes successfully deleted",
    ...           "deleted": ["ws://10.0.0.2:9933"], "skipped": ["ws://10.0.0.3:9933"]}
    >>> client = canned_client({"cluster_delete_routes": answer})
    >>> cluster_delete_routes("http://node1:9925", ["ws://10.0.0.2:9933"], client=client).changed
    (Route(url='ws://10.0.0.2:9933', host='10.0.0.2', port=9933, server=None),)
    """
    with open_node(url, username, password, client, retry) as hdb:
        return clustering.delete_routes(hdb, routes)
