"""Arguments of the HarperDB clustering operations, checked before anything is sent.

Each check returns the wire form of a value or raises
:class:`~arrowtap.errors.InvalidArgumentError` naming the operation and the
bad value. Peer credentials are checked for shape only and never shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from arrowtap.connectors._http import parse_url, redact
from arrowtap.connectors.harperdb.wire.client import SYSTEM
from arrowtap.errors import InvalidArgumentError

__all__ = [
    "Route",
    "check_authorization",
    "check_hostname",
    "check_name",
    "check_node_url",
    "check_routes",
    "check_subscriptions",
]


@dataclass(frozen=True)
class Route:
    """A replication route: a URL (native replication) or a host and port.

    Examples
    --------
    >>> Route(url="ws://10.0.0.2:9933").wire()
    'ws://10.0.0.2:9933'
    >>> Route(host="10.0.0.2", port=9932).wire()
    {'host': '10.0.0.2', 'port': 9932}
    """

    url: str | None = None
    host: str | None = None
    port: int | None = None
    server: str | None = None
    """``hub`` or ``leaf`` for legacy NATS routes, else ``None``."""

    def wire(self) -> str | dict[str, Any]:
        """The form ``cluster_set_routes`` takes."""
        return self.url if self.url is not None else {"host": self.host, "port": self.port}


def _bad(operation: str, what: str, value: Any, why: str) -> InvalidArgumentError:
    return InvalidArgumentError(f"{SYSTEM}: {operation}: {what} {value!r} {why}")


def check_name(operation: str, what: str, value: Any) -> str:
    """A database, table or node name: a non-empty string without surrounding blanks."""
    if not isinstance(value, str) or not value or value != value.strip():
        raise _bad(operation, what, value, "must be a non-empty str without surrounding spaces")
    return value


def _port(operation: str, value: Any, shown: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 65536:
        raise _bad(operation, "route", shown, "needs a port from 1 to 65535")
    return value


def check_node_url(operation: str, value: Any, what: str = "node url") -> str:
    """A peer's replication URL: ``ws://`` or ``wss://`` with a host (and usually a port)."""
    if not isinstance(value, str):
        raise _bad(operation, what, value, "must be a ws:// or wss:// URL string")
    url, why = parse_url(value)
    if url is None:  # shown without what could be a password
        raise _bad(operation, what, redact(value), f"is not a URL{why}")
    if url.scheme not in ("ws", "wss") or not url.host:
        raise _bad(operation, what, redact(value), "must be ws://host:port or wss://host:port")
    if url.username or url.password:
        raise InvalidArgumentError(
            f"{SYSTEM}: {operation}: {what} must not carry credentials; pass authorization="
        )
    return value


def check_hostname(operation: str, value: Any) -> str:
    """A node's host name (its ``replication.hostname``), not a URL."""
    name = check_name(operation, "hostname", value)
    if "://" in name or any(c.isspace() for c in name):
        raise _bad(operation, "hostname", value, "must be a host name, not a URL")
    return name


def check_routes(operation: str, routes: Any) -> list[str | dict[str, Any]]:
    """Routes as the server takes them, from URLs, ``(host, port)``, mappings or :class:`Route`."""
    if isinstance(routes, str | Mapping | Route) or not isinstance(routes, Sequence):
        routes = [routes]
    if not routes:
        raise InvalidArgumentError(f"{SYSTEM}: {operation}: give at least one route")
    wire: list[str | dict[str, Any]] = []
    for route in routes:
        if isinstance(route, Route):
            route = route.wire()
        if isinstance(route, str):
            url = check_node_url(operation, route, "route")
            _port(operation, httpx.URL(url).port, route)
            wire.append(url)
        elif isinstance(route, tuple) and len(route) == 2:
            host = check_hostname(operation, route[0])
            wire.append({"host": host, "port": _port(operation, route[1], route)})
        elif isinstance(route, Mapping) and set(route) in ({"host", "port"}, {"hostname", "port"}):
            key = "host" if "host" in route else "hostname"
            host = check_hostname(operation, route[key])
            wire.append({key: host, "port": _port(operation, route["port"], route)})
        else:
            raise _bad(
                operation, "route", route, "must be a ws(s):// URL, (host, port) or {host, port}"
            )
    return wire


def check_authorization(operation: str, value: Any) -> dict[str, str] | None:
    """Peer credentials: ``(username, password)`` or ``{"username", "password"}``."""
    if value is None:
        return None
    if isinstance(value, Mapping) and set(value) == {"username", "password"}:
        user, password = value["username"], value["password"]
    elif isinstance(value, tuple) and len(value) == 2:
        user, password = value
    else:
        raise InvalidArgumentError(
            f"{SYSTEM}: {operation}: authorization must be (username, password) or "
            f"{{'username': ..., 'password': ...}}, got a {type(value).__name__}"
        )
    if not isinstance(user, str) or not user or not isinstance(password, str):
        raise InvalidArgumentError(
            f"{SYSTEM}: {operation}: authorization needs a non-empty username and a password str"
        )
    return {"username": user, "password": password}


def _start_time(operation: str, value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            raise _bad(operation, "start_time", value, "is not an ISO 8601 time") from None
    if not isinstance(value, dt.datetime):
        raise _bad(operation, "start_time", value, "must be an aware datetime or ISO string")
    if value.tzinfo is None:
        raise _bad(operation, "start_time", value, "is naive; give a timezone")
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


_SUBSCRIPTION_KEYS = {"database", "schema", "table", "subscribe", "publish", "start_time"}


def check_subscriptions(operation: str, value: Any, *, adding: bool) -> list[dict[str, Any]]:
    """Subscriptions in wire form, from mappings of their members.

    Each is ``database``, ``table`` (optional), ``subscribe`` and ``publish``
    (bools) and ``start_time`` (optional, aware).
    """
    if isinstance(value, Mapping | str) or not isinstance(value, Sequence) or not value:
        raise _bad(operation, "subscriptions", value, "must be a non-empty list of mappings")
    wire = []
    for sub in value:
        if not isinstance(sub, Mapping) or not set(sub) <= _SUBSCRIPTION_KEYS:
            extra = sorted(set(sub) - _SUBSCRIPTION_KEYS) if isinstance(sub, Mapping) else None
            why = f"has unknown keys {extra}" if extra else "must be a mapping"
            raise _bad(operation, "subscription", sub, why)
        database = sub.get("database", sub.get("schema"))
        item: dict[str, Any] = {"database": check_name(operation, "database", database)}
        if sub.get("table") is not None:
            item["table"] = check_name(operation, "table", sub["table"])
        for flag in ("subscribe", "publish"):
            if not isinstance(sub.get(flag), bool):
                raise _bad(operation, "subscription", sub, f"needs {flag}=True or False")
            item[flag] = sub[flag]
        if adding and not (item["subscribe"] or item["publish"]):
            raise _bad(operation, "subscription", sub, "must subscribe or publish (or both)")
        if (start := _start_time(operation, sub.get("start_time"))) is not None:
            item["start_time"] = start
        wire.append(item)
    return wire
