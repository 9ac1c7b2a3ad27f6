"""AWS FinSpace's sources (names only: listing them imports no connector)."""

from __future__ import annotations

from arrowtap.io.registry import SourceInfo

__all__ = ["SOURCES"]

_L = "arrowtap.connectors.finspace.listings"
_D = "arrowtap.connectors.finspace.dask"
_SCHEMA = "arrowtap.connectors.finspace.wire.schema"


def _listing(name: str, what: str, dask: bool) -> SourceInfo:
    return SourceInfo(
        f"finspace_{name}",
        "finspace",
        f"the managed kdb {what} (a listing: one snapshot per sync run)",
        "snapshot",
        plan=f"{_L}:plan_finspace_{name}",
        read=f"{_L}:read_finspace_{name}",
        scan=f"{_L}:scan_finspace_{name}",
        sync=f"{_L}:sync_finspace_{name}",
        dask_read=f"{_D}:read_finspace_{name}" if dask else None,
        follow=True,  # a snapshot every ``every`` seconds
        schema_ref=f"{_SCHEMA}:{name.upper()}_SCHEMA",
    )


SOURCES = [
    _listing("environments", "environments of the account", dask=False),
    _listing("clusters", "clusters of an environment", dask=True),
    _listing("databases", "databases of an environment", dask=True),
    _listing("changesets", "changesets of a database", dask=True),
    _listing("cluster_nodes", "nodes of a cluster", dask=True),
]
