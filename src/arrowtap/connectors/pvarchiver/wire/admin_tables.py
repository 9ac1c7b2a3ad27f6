"""Declared Arrow schemas of the administrative API's answers, and the conversions.

The server sends every number as a JSON string (periods, counters, times);
they become ``int64``, times in ms since the epoch ``timestamp[ms, UTC]``.
Decimation levels are a ``list<int64>`` of periods in seconds (0 = raw
samples), retention a ``map<int64, int64>`` from period to retention in
seconds (0 = forever), options a ``map<string, string>``. ``state`` stays as
the server sends it (lower case: ``ok``, ``disabled``, ``disconnected``,
``error``, ``initializing``, ``destroyed``), null when the owning server is
offline, as are the sample counters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pyarrow as pa

from arrowtap.errors import DecodeError

__all__ = [
    "CHANNEL_DETAIL_SCHEMA",
    "CHANNEL_SCHEMA",
    "CLUSTER_STATUS_SCHEMA",
    "IMPORT_RESULT_SCHEMA",
    "SERVER_STATUS_SCHEMA",
    "channel_detail_table",
    "channel_table",
    "cluster_status_table",
    "import_result_table",
    "server_status_table",
]

_SYSTEM = "pvarchiver-admin"
_MS = pa.timestamp("ms", tz="UTC")
_LEVELS = pa.list_(pa.int64())
_RETENTION = pa.map_(pa.int64(), pa.int64())
_OPTIONS = pa.map_(pa.string(), pa.string())


def _schema(source: str, fields: list[pa.Field]) -> pa.Schema:
    return pa.schema(fields, metadata={b"arrowtap.source": f"pvarchiver.admin.{source}".encode()})


CHANNEL_SCHEMA = _schema(
    "channels",
    [
        pa.field("channel", pa.string(), nullable=False),
        pa.field("server_id", pa.string()),
        pa.field("server_name", pa.string()),
        pa.field("control_system_type", pa.string()),
        pa.field("control_system_name", pa.string()),
        pa.field("decimation_levels", _LEVELS),
        pa.field("channel_data_id", pa.string()),
    ],
)
"""Channels of the whole cluster (``/channels/all``): configuration summary."""

CHANNEL_DETAIL_SCHEMA = _schema(
    "channel-details",
    [
        pa.field("channel", pa.string(), nullable=False),
        pa.field("server_id", pa.string()),
        pa.field("server_name", pa.string()),
        pa.field("control_system_type", pa.string()),
        pa.field("control_system_name", pa.string()),
        pa.field("enabled", pa.bool_()),
        pa.field("decimation_levels", _LEVELS),
        pa.field("retention", _RETENTION),
        pa.field("options", _OPTIONS),
        pa.field("state", pa.string()),
        pa.field("error_message", pa.string()),
        pa.field("total_samples_dropped", pa.int64()),
        pa.field("total_samples_skipped_back", pa.int64()),
        pa.field("total_samples_written", pa.int64()),
        pa.field("channel_data_id", pa.string()),
    ],
)
"""Channels of one server, or one channel: configuration and status."""

CLUSTER_STATUS_SCHEMA = _schema(
    "cluster-status",
    [
        pa.field("server_id", pa.string(), nullable=False),
        pa.field("server_name", pa.string()),
        pa.field("online", pa.bool_()),
        pa.field("last_online_time", _MS),
    ],
)
"""One row per server of the cluster."""

SERVER_STATUS_SCHEMA = _schema(
    "server-status",
    [
        pa.field("server_id", pa.string(), nullable=False),
        pa.field("server_name", pa.string()),
        pa.field("server_online", pa.bool_()),
        pa.field("server_last_online_time", _MS),
        pa.field("cassandra_cluster_name", pa.string()),
        pa.field("cassandra_keyspace_name", pa.string()),
        pa.field("cassandra_error", pa.string()),
        pa.field("channels_total", pa.int64()),
        pa.field("channels_disconnected", pa.int64()),
        pa.field("channels_error", pa.int64()),
        pa.field("total_samples_written", pa.int64()),
        pa.field("total_samples_dropped", pa.int64()),
    ],
)
"""The status of the server asked (one row)."""

IMPORT_RESULT_SCHEMA = _schema(
    "import-result",
    [
        pa.field("channel", pa.string(), nullable=False),
        pa.field("operation", pa.string(), nullable=False),
        pa.field("success", pa.bool_(), nullable=False),
        pa.field("error_message", pa.string()),
    ],
)
"""One row per channel a configuration import added or updated, or removed."""


def _int(value: Any, field: str) -> int | None:
    """A number the server sent as a string (or, leniently, as a JSON integer)."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            pass
    raise DecodeError(f"{_SYSTEM}: field {field!r} is not an integer: {value!r}")


def _str(value: Any, field: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise DecodeError(f"{_SYSTEM}: field {field!r} is not a string: {value!r}")


def _bool(value: Any, field: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise DecodeError(f"{_SYSTEM}: field {field!r} is not a boolean: {value!r}")


def _levels(value: Any, field: str) -> list[int] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise DecodeError(f"{_SYSTEM}: field {field!r} is not a list: {value!r}")
    return sorted(_int(v, field) or 0 for v in value)


def _retention(value: Any, field: str) -> list[tuple[int, int]] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise DecodeError(f"{_SYSTEM}: field {field!r} is not an object: {value!r}")
    pairs = [(_int(k, field) or 0, _int(v, field) or 0) for k, v in value.items()]
    return sorted(pairs)


def _retention_levels(value: Any, field: str) -> list[int] | None:
    """The decimation levels of a detail item: the keys of its retention map."""
    pairs = _retention(value, field)
    return None if pairs is None else [period for period, _ in pairs]


def _options(value: Any, field: str) -> list[tuple[str, str]] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise DecodeError(f"{_SYSTEM}: field {field!r} is not an object of strings: {value!r}")
    return sorted(value.items())


Column = tuple[str, str, Callable[[Any, str], Any]]


def _table(
    schema: pa.Schema, columns: list[Column], items: Iterable[Mapping[str, Any]]
) -> pa.Table:
    """Build ``schema``'s table: each column from one JSON key through a converter."""
    rows = list(items)
    arrays = []
    for name, key, convert in columns:
        values = [convert(item.get(key), key) for item in rows]
        field = schema.field(name)
        if not field.nullable and any(v is None for v in values):
            raise DecodeError(f"{_SYSTEM}: field {key!r} is missing in an item")
        arrays.append(pa.array(values, type=field.type))
    return pa.Table.from_arrays(arrays, schema=schema)


_SUMMARY: list[Column] = [
    ("channel", "channelName", _str),
    ("server_id", "serverId", _str),
    ("server_name", "serverName", _str),
    ("control_system_type", "controlSystemType", _str),
    ("control_system_name", "controlSystemName", _str),
    ("decimation_levels", "decimationLevels", _levels),
    ("channel_data_id", "channelDataId", _str),
]

_DETAIL: list[Column] = [
    ("channel", "channelName", _str),
    ("server_id", "serverId", _str),
    ("server_name", "serverName", _str),
    ("control_system_type", "controlSystemType", _str),
    ("control_system_name", "controlSystemName", _str),
    ("enabled", "enabled", _bool),
    ("decimation_levels", "decimationLevelToRetentionPeriod", _retention_levels),
    ("retention", "decimationLevelToRetentionPeriod", _retention),
    ("options", "options", _options),
    ("state", "state", _str),
    ("error_message", "errorMessage", _str),
    ("total_samples_dropped", "totalSamplesDropped", _int),
    ("total_samples_skipped_back", "totalSamplesSkippedBack", _int),
    ("total_samples_written", "totalSamplesWritten", _int),
    ("channel_data_id", "channelDataId", _str),
]


def channel_table(items: Iterable[Mapping[str, Any]]) -> pa.Table:
    """Items of ``/channels/all`` as a table of :data:`CHANNEL_SCHEMA`."""
    return _table(CHANNEL_SCHEMA, _SUMMARY, items)


def channel_detail_table(
    items: Iterable[Mapping[str, Any]], server_id: str | None = None
) -> pa.Table:
    """Channel items with status as a table of :data:`CHANNEL_DETAIL_SCHEMA`.

    Items of ``/channels/by-server/{id}`` carry no server: ``server_id`` fills it.
    """
    rows = [item if server_id is None else {"serverId": server_id, **item} for item in items]
    return _table(CHANNEL_DETAIL_SCHEMA, _DETAIL, rows)


def cluster_status_table(servers: Iterable[Mapping[str, Any]]) -> pa.Table:
    """Server items of ``/cluster-status`` as a table of :data:`CLUSTER_STATUS_SCHEMA`."""
    columns: list[Column] = [
        ("server_id", "serverId", _str),
        ("server_name", "serverName", _str),
        ("online", "online", _bool),
        ("last_online_time", "lastOnlineTime", _int),
    ]
    return _table(CLUSTER_STATUS_SCHEMA, columns, servers)


def server_status_table(status: Mapping[str, Any]) -> pa.Table:
    """The answer of ``/server-status/this-server`` as a one-row table."""
    columns: list[Column] = [
        ("server_id", "serverId", _str),
        ("server_name", "serverName", _str),
        ("server_online", "serverOnline", _bool),
        ("server_last_online_time", "serverLastOnlineTime", _int),
        ("cassandra_cluster_name", "cassandraClusterName", _str),
        ("cassandra_keyspace_name", "cassandraKeyspaceName", _str),
        ("cassandra_error", "cassandraError", _str),
        ("channels_total", "channelsTotal", _int),
        ("channels_disconnected", "channelsDisconnected", _int),
        ("channels_error", "channelsError", _int),
        ("total_samples_written", "totalSamplesWritten", _int),
        ("total_samples_dropped", "totalSamplesDropped", _int),
    ]
    return _table(SERVER_STATUS_SCHEMA, columns, [status])


def import_result_table(answer: Mapping[str, Any]) -> pa.Table:
    """An import answer as one row per channel: operation, success, error message.

    Examples
    --------
    >>> t = import_result_table({"addOrUpdateSucceeded": ["a"], "removeFailed": {"b": "no"}})
    >>> t.to_pylist()[1]
    {'channel': 'b', 'operation': 'remove', 'success': False, 'error_message': 'no'}
    """
    rows: list[dict[str, Any]] = []
    for operation, prefix in (("add_or_update", "addOrUpdate"), ("remove", "remove")):
        succeeded = answer.get(f"{prefix}Succeeded") or []
        failed = answer.get(f"{prefix}Failed") or {}
        if not isinstance(succeeded, list) or not isinstance(failed, dict):
            raise DecodeError(f"{_SYSTEM}: import answer: malformed {prefix} results")
        rows += [
            {"channel": _str(n, prefix), "operation": operation, "success": True} for n in succeeded
        ]
        rows += [
            {
                "channel": _str(n, prefix),
                "operation": operation,
                "success": False,
                "error_message": _str(m, prefix),
            }
            for n, m in failed.items()
        ]
    return pa.Table.from_pylist(rows, schema=IMPORT_RESULT_SCHEMA)
