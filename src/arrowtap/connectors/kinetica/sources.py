"""Kinetica's sources (names only: listing them imports no connector)."""

from __future__ import annotations

from arrowtap.io.registry import SourceInfo

__all__ = ["SOURCES"]

_K = "arrowtap.connectors.kinetica"

SOURCES = [
    SourceInfo(
        "kinetica",
        "kinetica",
        "a table, whole or incrementally in the order of an increasing column",
        "value",
        plan=f"{_K}.table:plan_kinetica",
        read=f"{_K}.table:read_kinetica",
        scan=f"{_K}.table:scan_kinetica",
        sync=f"{_K}.table_sync:sync_kinetica",
        dask_read=f"{_K}.dask:read_kinetica",
        dask_sync=f"{_K}.dask:sync_kinetica",
        follow=True,
    ),
    SourceInfo(
        "kinetica_sql",
        "kinetica",
        "the result of a SQL query, paged through a server-side paging table",
        "snapshot",
        plan=f"{_K}.sql:plan_kinetica_sql",
        read=f"{_K}.sql:read_kinetica_sql",
        scan=f"{_K}.sql:scan_kinetica_sql",
        sync=f"{_K}.sql:sync_kinetica_sql",
        dask_read=f"{_K}.dask:read_kinetica_sql",
    ),
    SourceInfo(
        "kinetica_monitor",
        "kinetica",
        "the rows inserted into a table: back-filled, then followed through its table monitor",
        "value",
        plan=f"{_K}.monitor_sync:plan_kinetica_monitor",
        sync=f"{_K}.monitor_sync:sync_kinetica_monitor",
        monitor=f"{_K}.monitor:monitor_kinetica",
        follow=True,
    ),
]
