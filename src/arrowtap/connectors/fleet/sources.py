"""The fleet view's source (names only: listing it imports no connector)."""

from __future__ import annotations

from arrowtap.io.registry import SourceInfo

__all__ = ["SOURCES"]

_F = "arrowtap.connectors.fleet.view"

SOURCES = [
    SourceInfo(
        "fleet",
        "fleet",
        "one row per cluster node across the four systems: health, role, lag",
        "snapshot",
        plan=f"{_F}:plan_fleet",
        read=f"{_F}:read_fleet",
        scan=f"{_F}:scan_fleet",
        sync=f"{_F}:sync_fleet",
        follow=True,  # a snapshot every ``every`` seconds
        schema_ref="arrowtap.connectors.fleet.rows:FLEET_SCHEMA",
    ),
]
