"""Rows of the fleet view: each system's own listing turned into one shared schema.

Every function here takes what a connector read (an Arrow table or a decoded
answer) and returns a table of :data:`FLEET_SCHEMA`; nothing here does I/O.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "FLEET_SCHEMA",
    "SYSTEMS",
    "error_rows",
    "failure_of",
    "failure_rows",
    "finspace_rows",
    "harperdb_rows",
    "kinetica_rows",
    "pvarchiver_rows",
    "rows_table",
]

SYSTEMS = ("finspace", "harperdb", "pvarchiver", "kinetica")

FLEET_SCHEMA = pa.schema(
    [
        pa.field("system", pa.string(), nullable=False),
        pa.field("cluster", pa.string(), nullable=False),
        pa.field("node", pa.string()),
        pa.field("status", pa.string(), nullable=False),
        pa.field("last_seen", pa.timestamp("ns", tz="UTC")),
        pa.field("details", pa.string()),
    ],
    metadata={"description": "one row per cluster, node or connection of every system"},
)


def _json(value: Mapping[str, Any]) -> str:
    return json.dumps(
        {key: item for key, item in value.items() if item is not None}, default=str, sort_keys=True
    )


def rows_table(rows: Sequence[Mapping[str, Any]]) -> pa.Table:
    """Fleet rows given as mappings (``details`` a mapping) as a table of :data:`FLEET_SCHEMA`.

    Examples
    --------
    >>> rows_table([{"system": "kinetica", "cluster": "k", "node": None,
    ...              "status": "running", "last_seen": None, "details": {"a": 1}}])["details"][0]
    <pyarrow.StringScalar: '{"a": 1}'>
    """
    columns = {name: [row.get(name) for row in rows] for name in FLEET_SCHEMA.names}
    columns["details"] = [_json(d) if d is not None else None for d in columns["details"]]
    return pa.Table.from_pydict(columns, schema=FLEET_SCHEMA)


def error_rows(system: str, cluster: str, node: str | None, error: BaseException) -> pa.Table:
    """One ``unreachable`` (transport) or ``error`` (anything else) row for a failed probe.

    Examples
    --------
    >>> from arrowtap.errors import TransportError
    >>> row = error_rows("harperdb", "prod", "http://h:9925/", TransportError("down"))
    >>> row["status"][0].as_py(), row["details"][0].as_py()
    ('unreachable', '{"error": "down", "error_type": "TransportError"}')
    """
    return failure_rows(system, cluster, node, *failure_of(error))


def failure_of(error: BaseException) -> tuple[str, str, str]:
    """``(status, message, error type)`` of a failed probe: what its row says.

    Examples
    --------
    >>> failure_of(ValueError("bad"))
    ('error', 'bad', 'ValueError')
    """
    from arrowtap.errors import TransportError

    status = "unreachable" if isinstance(error, TransportError) else "error"
    return status, str(error), type(error).__name__


def failure_rows(
    system: str, cluster: str, node: str | None, status: str, message: str, error_type: str
) -> pa.Table:
    """The one row of a failed probe, from :func:`failure_of`'s parts.

    Examples
    --------
    >>> row = failure_rows("finspace", "*", None, "error", "denied", "AuthenticationError")
    >>> row.select(["cluster", "status"]).to_pylist()
    [{'cluster': '*', 'status': 'error'}]
    """
    details = {"error": message, "error_type": error_type}
    row = {"system": system, "cluster": cluster, "node": node, "status": status}
    return rows_table([row | {"last_seen": None, "details": details}])


def _details(table: pa.Table, names: Sequence[str], extra: Mapping[str, Any]) -> pa.Array:
    present = [name for name in names if name in table.column_names]
    records = table.select(present).to_pylist()
    return pa.array([_json({**extra, **record}) for record in records], pa.string())


def _column(table: pa.Table, values: Any, name: str) -> pa.Array:
    if isinstance(values, str):
        return pa.array([values] * table.num_rows, pa.string())
    return pc.cast(values, FLEET_SCHEMA.field(name).type)


def _assemble(table: pa.Table, **columns: Any) -> pa.Table:
    arrays = [_column(table, columns[name], name) for name in FLEET_SCHEMA.names[:-1]]
    return pa.Table.from_arrays([*arrays, columns["details"]], schema=FLEET_SCHEMA)


def finspace_rows(clusters: pa.Table, environment: Mapping[str, Any]) -> pa.Table:
    """FinSpace kdb clusters (a ``read_finspace_clusters`` table) of one environment.

    ``cluster`` is the cluster name, ``node`` empty, ``status`` the cluster
    status, ``last_seen`` its ``lastModifiedTimestamp``.

    Examples
    --------
    >>> t = pa.table({"clusterName": ["c1"], "status": ["RUNNING"],
    ...               "lastModifiedTimestamp": pa.array([0], pa.timestamp("ns", tz="UTC"))})
    >>> finspace_rows(t, {"environmentId": "e1"})["cluster"].to_pylist()
    ['c1']
    """
    detail_names = ["clusterType", "azMode", "releaseLabel", "statusReason", "availabilityZoneId"]
    env = {
        "environmentId": environment.get("environmentId"),
        "environment": environment.get("name"),
    }
    return _assemble(
        clusters,
        system="finspace",
        cluster=clusters["clusterName"],
        node=pa.nulls(clusters.num_rows, pa.string()),
        status=pc.cast(clusters["status"], pa.string()),
        last_seen=clusters["lastModifiedTimestamp"],
        details=_details(clusters, detail_names, env),
    )


def pvarchiver_rows(servers: pa.Table, cluster: str, url: str) -> pa.Table:
    """Cassandra PV Archiver servers (a ``read_archive_cluster_status`` table).

    ``status`` is ``online`` or ``offline``; ``last_seen`` the server's last
    online time.

    Examples
    --------
    >>> t = pa.table({"server_id": ["s1"], "server_name": ["a1"], "online": [True],
    ...               "last_online_time": pa.array([0], pa.timestamp("ms", tz="UTC"))})
    >>> pvarchiver_rows(t, "pv", "http://a:4812/")["status"].to_pylist()
    ['online']
    """
    status = pc.if_else(servers["online"], "online", "offline")
    return _assemble(
        servers,
        system="pvarchiver",
        cluster=cluster,
        node=servers["server_name"],
        status=status,
        last_seen=servers["last_online_time"],
        details=_details(servers, ["server_id"], {"admin_url": url}),
    )


def harperdb_rows(status: Mapping[str, Any], sockets: pa.Table, cluster: str, url: str) -> pa.Table:
    """A HarperDB node (its ``cluster_status``) and its replication connections.

    One row for the node (``status`` ``enabled`` or ``disabled``, seen now),
    then one per peer, ``node`` written ``"node1 -> node2"``: ``connected``
    when every database socket to the peer is, ``disconnected`` when none
    is, else ``partial``; ``last_seen`` the last time anything was received
    from the peer.

    Parameters
    ----------
    status : mapping
        The ``cluster_status`` answer.
    sockets : pyarrow.Table
        The same answer as a ``CLUSTER_STATUS_SCHEMA`` table (one row per
        connection and database socket).

    Examples
    --------
    >>> from arrowtap.connectors.harperdb.wire.views import cluster_status_table
    >>> answer = {"node_name": "n1", "is_enabled": True, "connections": [
    ...     {"name": "n2", "database_sockets": [{"database": "system", "connected": True},
    ...                                         {"database": "data", "connected": False}]}]}
    >>> rows = harperdb_rows(answer, cluster_status_table(answer), "prod", "http://n1:9925")
    >>> rows.select(["node", "status"]).to_pylist()
    [{'node': 'n1', 'status': 'enabled'}, {'node': 'n1 -> n2', 'status': 'partial'}]
    """
    name = str(status.get("node_name") or httpx_netloc(url))
    enabled = status.get("is_enabled")
    node_row = {
        "system": "harperdb",
        "cluster": cluster,
        "node": name,
        "status": "disabled" if enabled is False else "enabled",
        "last_seen": now(),
        "details": {"url": url, "replication_url": status.get("url")},
    }
    peers = sockets.group_by("peer_name", use_threads=False).aggregate(
        [
            ("peer_url", "max"),
            ("connected", "all"),
            ("connected", "any"),
            ("database", "list"),
            ("last_received_local_time", "max"),
        ]
    )
    peer_rows = [
        {
            "system": "harperdb",
            "cluster": cluster,
            "node": f"{name} -> {peer['peer_name']}",
            "status": "connected"
            if peer["connected_all"]
            else "partial"
            if peer["connected_any"]
            else "disconnected",
            "last_seen": peer["last_received_local_time_max"],
            "details": {
                "peer_url": peer["peer_url_max"],
                "databases": sorted(d for d in peer["database_list"] if d is not None),
            },
        }
        for peer in peers.to_pylist()
    ]
    return rows_table([node_row, *peer_rows])


def kinetica_rows(status_map: Mapping[str, str], cluster: str, url: str) -> pa.Table:
    """A Kinetica server's ``/show/system/status`` answer as one row.

    ``status`` is the ``status`` of the ``system`` entry (``running``, ...);
    ``last_seen`` the time it answered; ``details`` the rest of the system
    entry and the HA state.

    Examples
    --------
    >>> answer = {"system": '{"status": "running", "version": "7.2.3.13"}'}
    >>> row = kinetica_rows(answer, "k", "http://k:9191")
    >>> row["status"][0].as_py(), row["details"][0].as_py()
    ('running', '{"url": "http://k:9191", "version": "7.2.3.13"}')
    """
    entries = {key: _parse_json(key, text) for key, text in status_map.items()}
    system = dict(entries.pop("system", {}))
    status = str(system.pop("status", "unknown"))
    details: dict[str, Any] = {"url": url, **system}
    if ha := entries.get("ha_status"):
        details["ha_status"] = ha
    row = {
        "system": "kinetica",
        "cluster": cluster,
        "node": httpx_netloc(url),
        "status": status,
        "last_seen": now(),
        "details": details,
    }
    return rows_table([row])


def _parse_json(key: str, text: str) -> Any:
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value if isinstance(value, dict) else {key: value}


def httpx_netloc(url: str) -> str:
    """``host:port`` of a URL.

    Examples
    --------
    >>> httpx_netloc("http://user:pw@kinetica:9191/gpudb-0")
    'kinetica:9191'
    """
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = parts.hostname or url
    return f"{host}:{parts.port}" if parts.port else host


def now() -> datetime:
    """The probe time, for systems that answer 'up' without a time of their own."""
    return datetime.now(UTC)
