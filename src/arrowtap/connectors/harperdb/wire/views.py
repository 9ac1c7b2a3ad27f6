"""HarperDB cluster views as Arrow tables: replication status, the node table, the routes.

Each answer becomes a table of a declared schema, whatever the server's
version sent: the native replication format of 4.4+ (``connections`` with
``database_sockets``), the legacy NATS format of 4.0-4.3 (``connections``
with ``node_name``, ``status``, ``ports``), or the bare ``{"connections": []}``
of a node without a replication host name. Times arrive as HTTP dates
(``Sat, 21 Nov 2026 21:28:16 GMT``), OpenSSL dates (``Nov 21 23:55:28 2026
GMT``), ISO strings or epoch milliseconds; they become UTC timestamps.
These answers are a few rows: plain Python builds them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pyarrow as pa

from arrowtap.connectors._http import parse_url, redact
from arrowtap.connectors.harperdb.wire.client import SYSTEM
from arrowtap.connectors.harperdb.wire.times import ms_to_ns
from arrowtap.errors import DecodeError

__all__ = [
    "CLUSTER_STATUS_SCHEMA",
    "NODES_SCHEMA",
    "NODE_ATTRIBUTES",
    "ROUTES_SCHEMA",
    "cluster_status_table",
    "nodes_table",
    "parse_route",
    "routes_table",
]

_MS = pa.timestamp("ms", tz="UTC")
_NS = pa.timestamp("ns", tz="UTC")
SUBSCRIPTIONS = pa.list_(
    pa.struct(
        [
            ("database", pa.string()),
            ("table", pa.string()),
            ("publish", pa.bool_()),
            ("subscribe", pa.bool_()),
        ]
    )
)


def _schema(view: str, fields: list[pa.Field]) -> pa.Schema:
    return pa.schema(fields, metadata={b"arrowtap.source": f"harperdb.{view}".encode()})


_CA = [
    pa.field("ca_issuer", pa.string()),
    pa.field("ca_serial_number", pa.string()),
    pa.field("ca_valid_from", _MS),
    pa.field("ca_valid_to", _MS),
]

CLUSTER_STATUS_SCHEMA = _schema(
    "cluster_status",
    [
        pa.field("node_name", pa.string()),
        pa.field("node_url", pa.string()),
        pa.field("is_enabled", pa.bool_()),
        pa.field("peer_name", pa.string()),
        pa.field("peer_url", pa.string()),
        pa.field("replicates", pa.bool_()),
        pa.field("subscriptions", SUBSCRIPTIONS),
        *_CA,
        pa.field("database", pa.string()),
        pa.field("connected", pa.bool_()),
        pa.field("latency_ms", pa.float64()),
        pa.field("thread_id", pa.int32()),
        pa.field("nodes", pa.list_(pa.string())),
        pa.field("last_commit_confirmed", _MS),
        pa.field("last_received_remote_time", _MS),
        pa.field("last_received_local_time", _MS),
        pa.field("last_send_time", _MS),
        pa.field("last_received_version", _NS),
        pa.field("back_pressure_percent", pa.float64()),
        pa.field("last_received_status", pa.string()),
        pa.field("status", pa.string()),
        pa.field("clustering_port", pa.int32()),
        pa.field("operations_api_port", pa.int32()),
        pa.field("uptime", pa.string()),
    ],
)
"""``cluster_status``: one row per connection and database socket (a connection without
sockets, or a legacy NATS connection, is one row with the socket columns null)."""

NODES_SCHEMA = _schema(
    "nodes",
    [
        pa.field("name", pa.string(), nullable=False),
        pa.field("url", pa.string()),
        pa.field("replicates", pa.bool_()),
        pa.field("subscriptions", SUBSCRIPTIONS),
        pa.field("shard", pa.int64()),
        pa.field("start_time", _MS),
        *_CA,
        pa.field("revoked_certificates", pa.list_(pa.string())),
        pa.field("routes", pa.json_()),
        pa.field("system_info", pa.json_()),
        pa.field("created_time", _NS),
        pa.field("updated_time", _NS),
    ],
)
"""``system.hdb_nodes``: one row per node this node knows (itself included once paired)."""

NODE_ATTRIBUTES = (
    *("name", "url", "replicates", "subscriptions", "shard", "start_time", "ca_info"),
    *("revoked_certificates", "routes", "system_info", "__createdtime__", "__updatedtime__"),
)
"""What is asked of ``system.hdb_nodes``: never ``authorization`` (stored peer
credentials) nor ``ca`` (the peer's certificate in PEM)."""

ROUTES_SCHEMA = _schema(
    "routes",
    [
        pa.field("server", pa.string()),
        pa.field("url", pa.string()),
        pa.field("host", pa.string()),
        pa.field("port", pa.int32()),
    ],
)
"""``cluster_get_routes``: one row per route; ``server`` is ``hub`` or ``leaf`` (NATS) or null."""


def _time_text(text: str, field: str) -> dt.datetime:
    parsed: dt.datetime | None = None
    try:
        parsed = email.utils.parsedate_to_datetime(text)  # HTTP date
    except (TypeError, ValueError):
        try:
            # OpenSSL's "Nov  1 23:55:28 2026 GMT" (the day is space padded)
            parsed = dt.datetime.strptime(" ".join(text.split()), "%b %d %H:%M:%S %Y GMT")
        except ValueError:
            with contextlib.suppress(ValueError):
                parsed = dt.datetime.fromisoformat(text)
    if parsed is None:
        raise DecodeError(f"{SYSTEM}: field {field!r} is not a time: {text!r}")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _time(value: Any, field: str) -> dt.datetime | int | None:
    """A UTC time from a date string, or epoch ms as an int of ms (``None`` stays)."""
    if value is None:
        return None
    if isinstance(value, str):
        return _time_text(value, field)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return round(value)
    raise DecodeError(f"{SYSTEM}: field {field!r} is not a time: {value!r}")


def _version_ns(value: Any, field: str) -> int | None:
    """A version (epoch ms, float) in ns; 0 means "nothing yet" and becomes null."""
    if value is None or value == 0:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return ms_to_ns(value)
    raise DecodeError(f"{SYSTEM}: field {field!r} is not a version time: {value!r}")


def _subscriptions(value: Any, field: str) -> list[dict[str, Any]] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(s, Mapping) for s in value):
        raise DecodeError(f"{SYSTEM}: field {field!r} is not a list of objects: {value!r}")
    return [
        {
            "database": s.get("database", s.get("schema")),
            "table": s.get("table"),
            "publish": s.get("publish"),
            "subscribe": s.get("subscribe"),
        }
        for s in value
    ]


def _json(value: Any, field: str) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True)


def _ca(info: Any) -> dict[str, Any]:
    info = info if isinstance(info, Mapping) else {}
    return {
        "ca_issuer": info.get("issuer"),
        "ca_serial_number": info.get("serialNumber"),
        "ca_valid_from": _time(info.get("validFrom"), "ca_info.validFrom"),
        "ca_valid_to": _time(info.get("validTo"), "ca_info.validTo"),
    }


def _table(schema: pa.Schema, rows: Iterable[Mapping[str, Any]], what: str) -> pa.Table:
    try:
        return pa.Table.from_pylist(list(rows), schema=schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as exc:
        raise DecodeError(f"{SYSTEM}: {what}: unexpected value in the answer: {exc}") from exc


def _socket_row(sock: Mapping[str, Any]) -> dict[str, Any]:
    times = {
        "last_commit_confirmed": "lastCommitConfirmed",
        "last_received_remote_time": "lastReceivedRemoteTime",
        "last_received_local_time": "lastReceivedLocalTime",
        "last_send_time": "lastSendTime",
    }
    row: dict[str, Any] = {name: _time(sock.get(key), key) for name, key in times.items()}
    row |= {
        "database": sock.get("database"),
        "connected": sock.get("connected"),
        "latency_ms": sock.get("latency"),
        "thread_id": sock.get("threadId", sock.get("thread_id")),
        "nodes": sock.get("nodes"),
        "last_received_version": _version_ns(
            sock.get("lastReceivedVersion"), "lastReceivedVersion"
        ),
        "back_pressure_percent": sock.get("backPressurePercent"),
        "last_received_status": sock.get("lastReceivedStatus"),
    }
    return row


def _connection_rows(conn: Mapping[str, Any], top: Mapping[str, Any]) -> list[dict[str, Any]]:
    ports: Mapping[str, Any] = conn["ports"] if isinstance(conn.get("ports"), Mapping) else {}
    base: dict[str, Any] = {
        **top,
        "peer_name": conn.get("name", conn.get("node_name")),
        "peer_url": conn.get("url"),
        "replicates": conn.get("replicates"),
        "subscriptions": _subscriptions(conn.get("subscriptions"), "subscriptions"),
        **_ca(conn.get("ca_info")),
        "status": conn.get("status"),
        "clustering_port": ports.get("clustering"),
        "operations_api_port": ports.get("operations_api"),
        "uptime": None if conn.get("uptime") is None else str(conn.get("uptime")),
    }
    if "latency_ms" in conn:  # legacy NATS: latency per connection
        base["latency_ms"] = conn["latency_ms"]
    sockets = conn.get("database_sockets") or []
    if not sockets:
        return [base]
    return [base | _socket_row(sock) for sock in sockets if isinstance(sock, Mapping)]


def cluster_status_table(answer: Any) -> pa.Table:
    """The ``cluster_status`` answer of any HarperDB 4.x as a :data:`CLUSTER_STATUS_SCHEMA` table.

    Examples
    --------
    >>> answer = {"type": "cluster-status", "node_name": "node1", "is_enabled": True,
    ...           "connections": [{"name": "node2", "url": "ws://10.0.0.2:9933",
    ...               "database_sockets": [{"database": "data", "connected": True,
    ...                   "latency": 1.5,
    ...                   "lastCommitConfirmed": "Sat, 21 Nov 2026 21:28:16 GMT"}]}]}
    >>> row = cluster_status_table(answer).to_pylist()[0]
    >>> row["peer_name"], row["database"], row["connected"], str(row["last_commit_confirmed"])
    ('node2', 'data', True, '2026-11-21 21:28:16+00:00')
    >>> cluster_status_table({"connections": []}).num_rows
    0
    """
    if not isinstance(answer, Mapping) or not isinstance(answer.get("connections", []), list):
        raise DecodeError(f"{SYSTEM}: cluster_status: not a cluster status: {str(answer)[:200]!r}")
    top = {
        "node_name": answer.get("node_name"),
        "node_url": answer.get("url"),
        "is_enabled": answer.get("is_enabled"),
    }
    rows: list[dict[str, Any]] = []
    for conn in answer.get("connections", []):
        if not isinstance(conn, Mapping):
            raise DecodeError(f"{SYSTEM}: cluster_status: a connection is not an object: {conn!r}")
        rows += _connection_rows(conn, top)
    return _table(CLUSTER_STATUS_SCHEMA, rows, "cluster_status")


def nodes_table(records: Any) -> pa.Table:
    """Records of ``system.hdb_nodes`` as a :data:`NODES_SCHEMA` table (sorted by name).

    Examples
    --------
    >>> records = [{"name": "node2", "url": "ws://10.0.0.2:9933", "replicates": True,
    ...             "subscriptions": None, "__updatedtime__": 1795296532147.2366}]
    >>> row = nodes_table(records).to_pylist()[0]
    >>> row["name"], row["replicates"], str(row["updated_time"])
    ('node2', True, '2026-11-21 21:28:52.147236572+00:00')
    """
    if not isinstance(records, list) or not all(isinstance(r, Mapping) for r in records):
        raise DecodeError(f"{SYSTEM}: hdb_nodes: not a list of records: {str(records)[:200]!r}")
    converters: dict[str, Callable[[Any, str], Any]] = {
        "subscriptions": _subscriptions,
        "start_time": _time,
        "routes": _json,
        "system_info": _json,
        "created_time": _version_ns,
        "updated_time": _version_ns,
    }
    keys = {"created_time": "__createdtime__", "updated_time": "__updatedtime__"}
    rows = []
    for record in sorted(records, key=lambda r: str(r.get("name"))):
        row: dict[str, Any] = {}
        for name in ("name", "url", "replicates", "shard", "revoked_certificates", *converters):
            key = keys.get(name, name)
            convert = converters.get(name)
            row[name] = convert(record.get(key), key) if convert else record.get(key)
        rows.append(row | _ca(record.get("ca_info")))
    return _table(NODES_SCHEMA, rows, "system.hdb_nodes")


def parse_route(route: Any, server: str | None = None) -> dict[str, Any]:
    """One route as a :data:`ROUTES_SCHEMA` row: a URL string, or ``{host|hostname, port}``.

    Examples
    --------
    >>> parse_route("wss://10.0.0.2:9933")
    {'server': None, 'url': 'wss://10.0.0.2:9933', 'host': '10.0.0.2', 'port': 9933}
    >>> parse_route({"host": "10.0.0.3", "port": 9932}, "hub")
    {'server': 'hub', 'url': None, 'host': '10.0.0.3', 'port': 9932}
    """
    if isinstance(route, str):
        parsed, why = parse_url(route if "://" in route else f"ws://{route}")
        if parsed is None:
            raise DecodeError(f"{SYSTEM}: route {redact(route)!r} is not a URL{why}")
        return {"server": server, "url": route, "host": parsed.host or None, "port": parsed.port}
    if isinstance(route, Mapping):
        port = route.get("port")
        if isinstance(port, str) and port.isdigit():
            port = int(port)
        host = route.get("host", route.get("hostname"))
        return {"server": server, "url": None, "host": host, "port": port}
    raise DecodeError(f"{SYSTEM}: a route is neither a URL nor an object: {route!r}")


def routes_table(answer: Any) -> pa.Table:
    """The ``cluster_get_routes`` answer (a list, or NATS ``{"hub", "leaf"}``) as a table.

    Examples
    --------
    >>> routes_table(["ws://10.0.0.2:9933"]).column("port").to_pylist()
    [9933]
    >>> nats = {"hub": [{"host": "h", "port": 9932}], "leaf": []}
    >>> routes_table(nats).column("server").to_pylist()
    ['hub']
    """
    rows: list[dict[str, Any]] = []
    if isinstance(answer, list):
        rows = [parse_route(route) for route in answer]
    elif isinstance(answer, Mapping) and set(answer) <= {"hub", "leaf"}:
        for server in ("hub", "leaf"):
            rows += [parse_route(route, server) for route in answer.get(server) or []]
    else:
        raise DecodeError(f"{SYSTEM}: cluster_get_routes: not a list of routes: {answer!r}")
    return _table(ROUTES_SCHEMA, rows, "cluster_get_routes")
