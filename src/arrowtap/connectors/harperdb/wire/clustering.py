"""HarperDB clustering operations: routes, nodes, replication; partial successes made errors.

``add_node``, ``update_node``, ``set_node_replication`` and
``configure_cluster`` answer HTTP 200 even when the peer could not be
updated, the error only in the message text ("Successfully added
'ws://...' to cluster but there was an error updating target node: ...").
Here that raises :class:`~arrowtap.errors.PartialOperationError`;
the node row is stored all the same, and ``remove_node`` undoes it.

Routes on HarperDB 4.7.29 with native replication (no NATS): ``set`` and
``delete`` start from the routes loaded at startup, not from the file they
write, so within one server process ``cluster_get_routes`` keeps answering
the startup routes, each ``set`` replaces the file's routes with the startup
ones plus its own, and ``delete`` matches the startup routes only (a route
set since is neither ``deleted`` nor ``skipped``) and writes the startup
routes minus the deleted ones back. After a restart, ``get``
shows what the file holds.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from arrowtap.connectors.harperdb.wire import arguments as args
from arrowtap.connectors.harperdb.wire.arguments import Route
from arrowtap.connectors.harperdb.wire.client import SYSTEM, HarperDBClient
from arrowtap.connectors.harperdb.wire.views import parse_route
from arrowtap.errors import DecodeError, InvalidArgumentError, PartialOperationError

__all__ = [
    "RoutesUpdate",
    "add_node",
    "cluster_network",
    "configure_cluster",
    "delete_routes",
    "get_routes",
    "purge_stream",
    "remove_node",
    "set_node_replication",
    "set_routes",
    "update_node",
]

_PARTIAL = re.compile(
    r"^Successfully (?:added|updated) '(?P<node>[^']*)'.*? but there was an error updating "
    r"target node: (?P<reason>.*)$",
    re.DOTALL,
)


@dataclass(frozen=True)
class RoutesUpdate:
    """What ``cluster_set_routes`` / ``cluster_delete_routes`` answered.

    Attributes
    ----------
    message : str
        The server's message.
    changed : tuple of Route
        Routes set, or deleted.
    skipped : tuple of Route
        Set: routes given that were there already. Delete: routes held that
        were kept (not those given that were not there).
    """

    message: str
    changed: tuple[Route, ...]
    skipped: tuple[Route, ...]


def _routes(answer: Any, key: str) -> tuple[Route, ...]:
    items = answer.get(key) if isinstance(answer, Mapping) else None
    if not isinstance(items, list):
        raise DecodeError(f"{SYSTEM}: answer has no {key!r} list of routes: {answer!r}")
    return tuple(Route(**parse_route(item)) for item in items)


def _message(operation: str, answer: Any) -> str:
    text = answer.get("message") if isinstance(answer, Mapping) else answer
    if not isinstance(text, str):
        raise DecodeError(f"{SYSTEM}: {operation}: answer has no message: {str(answer)[:200]!r}")
    return text


def _check_partial(client: HarperDBClient, operation: str, text: str) -> str:
    if (match := _PARTIAL.match(text)) is not None:
        node, reason = match["node"], match["reason"]
        raise PartialOperationError(
            f"{SYSTEM}: {operation} at {client.url}: node {node!r} is stored in "
            f"system.hdb_nodes, but updating the target node failed: {reason} "
            "(remove_node undoes it)",
            status=200,
            url=client.url,
            node=node,
            reason=reason,
        )
    return text


def set_routes(client: HarperDBClient, routes: Any, server: str | None = None) -> RoutesUpdate:
    """``cluster_set_routes``: add routes (see the module notes on 4.7.29)."""
    wire = args.check_routes("cluster_set_routes", routes)
    fields: dict[str, Any] = {"routes": wire}
    if server is not None:
        if server not in ("hub", "leaf"):
            raise InvalidArgumentError(
                f"{SYSTEM}: cluster_set_routes: server must be 'hub' or 'leaf', got {server!r}"
            )
        fields["server"] = server
    answer = client.operation("cluster_set_routes", **fields)
    message = _message("cluster_set_routes", answer)
    return RoutesUpdate(message, _routes(answer, "set"), _routes(answer, "skipped"))


def get_routes(client: HarperDBClient) -> Any:
    """``cluster_get_routes``: the raw answer (a list, or ``{"hub", "leaf"}`` with NATS)."""
    return client.operation("cluster_get_routes")


def delete_routes(client: HarperDBClient, routes: Any) -> RoutesUpdate:
    """``cluster_delete_routes``: remove routes (see the module notes on 4.7.29)."""
    wire = args.check_routes("cluster_delete_routes", routes)
    answer = client.operation("cluster_delete_routes", routes=wire)
    message = _message("cluster_delete_routes", answer)
    return RoutesUpdate(message, _routes(answer, "deleted"), _routes(answer, "skipped"))


def _node_fields(
    operation: str,
    node_url: str | None,
    hostname: str | None,
    subscriptions: Sequence[Mapping[str, Any]] | None,
    authorization: Any,
    extra: Mapping[str, Any],
) -> dict[str, Any]:
    if node_url is None and hostname is None:
        raise InvalidArgumentError(f"{SYSTEM}: {operation}: give the node's url or hostname")
    fields: dict[str, Any] = {}
    if node_url is not None:
        fields["url"] = args.check_node_url(operation, node_url)
    if hostname is not None:
        fields["hostname"] = args.check_hostname(operation, hostname)
    if subscriptions is not None:
        adding = operation == "add_node"
        fields["subscriptions"] = args.check_subscriptions(operation, subscriptions, adding=adding)
    if (auth := args.check_authorization(operation, authorization)) is not None:
        fields["authorization"] = auth
    for name, value in extra.items():
        if value is None:
            continue
        if not isinstance(value, bool):
            raise InvalidArgumentError(
                f"{SYSTEM}: {operation}: {name} must be a bool, not {value!r}"
            )
        fields[name] = value
    return fields


def add_node(
    client: HarperDBClient,
    node_url: str | None = None,
    *,
    hostname: str | None = None,
    subscriptions: Sequence[Mapping[str, Any]] | None = None,
    authorization: Any = None,
    verify_tls: bool | None = None,
    retain_authorization: bool | None = None,
) -> str:
    """``add_node``: pair with a peer; its message, or :class:`PartialOperationError`."""
    extra = {"verify_tls": verify_tls, "retain_authorization": retain_authorization}
    fields = _node_fields("add_node", node_url, hostname, subscriptions, authorization, extra)
    text = _message("add_node", client.operation("add_node", **fields))
    return _check_partial(client, "add_node", text)


def update_node(
    client: HarperDBClient,
    node_url: str | None = None,
    *,
    hostname: str | None = None,
    subscriptions: Sequence[Mapping[str, Any]] | None = None,
    authorization: Any = None,
) -> str:
    """``update_node``: change a paired node's subscriptions."""
    fields = _node_fields("update_node", node_url, hostname, subscriptions, authorization, {})
    text = _message("update_node", client.operation("update_node", **fields))
    return _check_partial(client, "update_node", text)


def set_node_replication(
    client: HarperDBClient, node_name: str, subscriptions: Sequence[Mapping[str, Any]]
) -> str:
    """``set_node_replication``: what a node replicates, by its host name."""
    name = args.check_hostname("set_node_replication", node_name)
    subs = args.check_subscriptions("set_node_replication", subscriptions, adding=False)
    answer = client.operation("set_node_replication", node_name=name, subscriptions=subs)
    return _check_partial(client, "set_node_replication", _message("set_node_replication", answer))


def remove_node(
    client: HarperDBClient, node_url: str | None = None, *, hostname: str | None = None
) -> str:
    """``remove_node``: forget a node (by host name, or by the URL it was added with)."""
    fields = _node_fields("remove_node", node_url, hostname, None, None, {})
    return _message("remove_node", client.operation("remove_node", **fields))


def configure_cluster(
    client: HarperDBClient, connections: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """``configure_cluster``: add every connection; ``[{node_name, response}]`` if all worked."""
    if isinstance(connections, Mapping) or not isinstance(connections, Sequence) or not connections:
        raise InvalidArgumentError(
            f"{SYSTEM}: configure_cluster: connections must be a non-empty list of mappings"
        )
    wire = []
    for conn in connections:
        if not isinstance(conn, Mapping) or set(conn) != {"node_name", "subscriptions"}:
            raise InvalidArgumentError(
                f"{SYSTEM}: configure_cluster: each connection is {{node_name, subscriptions}}, "
                f"got {conn!r}"
            )
        name = args.check_hostname("configure_cluster", conn["node_name"])
        subs = args.check_subscriptions("configure_cluster", conn["subscriptions"], adding=True)
        wire.append({"node_name": name, "subscriptions": subs})
    answer = client.operation("configure_cluster", connections=wire)
    results = answer.get("connections") if isinstance(answer, Mapping) else None
    if not isinstance(results, list):
        raise DecodeError(f"{SYSTEM}: configure_cluster: answer has no connections: {answer!r}")
    failed = [str(n) for n in answer.get("failed_nodes") or []]
    for result in results:
        match = _PARTIAL.match(str(result.get("response", "")))
        if match is not None:
            failed.append(f"{result.get('node_name')} ({match['reason']})")
    if failed:
        raise PartialOperationError(
            f"{SYSTEM}: configure_cluster at {client.url}: {_message('configure_cluster', answer)}"
            f" Failed: {'; '.join(failed)}. The node rows are stored (remove_node undoes them).",
            status=200,
            url=client.url,
            node=", ".join(failed),
            reason=_message("configure_cluster", answer),
        )
    return [dict(result) for result in results]


def purge_stream(
    client: HarperDBClient,
    database: str,
    table: str,
    *,
    keep: int | None = None,
    seq: int | None = None,
) -> str:
    """``purge_stream`` (legacy NATS clustering only): drop a table's stream messages."""
    fields: dict[str, Any] = {
        "database": args.check_name("purge_stream", "database", database),
        "table": args.check_name("purge_stream", "table", table),
    }
    options = {}
    for name, value in (("keep", keep), ("seq", seq)):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidArgumentError(
                f"{SYSTEM}: purge_stream: {name} must be an int >= 0, got {value!r}"
            )
        options[name] = value
    if len(options) > 1:
        raise InvalidArgumentError(f"{SYSTEM}: purge_stream: give keep or seq, not both")
    if options:
        fields["options"] = options
    return _message("purge_stream", client.operation("purge_stream", **fields))


def cluster_network(client: HarperDBClient, *, timeout_ms: int | None = None) -> Any:
    """``cluster_network`` (legacy NATS clustering only): the NATS nodes and their routes."""
    fields: dict[str, Any] = {}
    if timeout_ms is not None:
        if isinstance(timeout_ms, bool) or not isinstance(timeout_ms, int) or timeout_ms < 1:
            raise InvalidArgumentError(
                f"{SYSTEM}: cluster_network: timeout_ms must be an int >= 1, got {timeout_ms!r}"
            )
        fields["timeout"] = timeout_ms
    return client.operation("cluster_network", **fields)
