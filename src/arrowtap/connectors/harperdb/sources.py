"""HarperDB's sources (names only: listing them imports no connector)."""

from __future__ import annotations

from arrowtap.io.registry import SourceInfo

__all__ = ["SOURCES"]

_H = "arrowtap.connectors.harperdb"

SOURCES = [
    SourceInfo(
        "harperdb",
        "harperdb",
        "a table, whole or incrementally by __updatedtime__ (primary key as tie-breaker)",
        "updated",
        plan=f"{_H}.table_plan:plan_harperdb",
        read=f"{_H}.table:read_harperdb",
        scan=f"{_H}.table:scan_harperdb",
        sync=f"{_H}.table_sync:sync_harperdb",
        dask_read=f"{_H}.dask:read_harperdb",
        dask_sync=f"{_H}.dask:sync_harperdb",
        follow=True,
    ),
    SourceInfo(
        "harperdb_cluster_status",
        "harperdb",
        "a node's replication status: its peers and database sockets",
        "snapshot",
        plan=f"{_H}.cluster:plan_harperdb_cluster_status",
        read=f"{_H}.cluster:read_harperdb_cluster_status",
        scan=f"{_H}.cluster:scan_harperdb_cluster_status",
        sync=f"{_H}.cluster:sync_harperdb_cluster_status",
        schema_ref=f"{_H}.wire.views:CLUSTER_STATUS_SCHEMA",
    ),
]
