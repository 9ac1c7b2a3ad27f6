"""Dask: ``arrowtap.dask.read_<source>`` builds a lazy Dask DataFrame, ``sync_<source>`` a graph.

Needs the ``dask`` extra: ``pip install 'arrowtap[dask]'``. Each function lives in
its system's package and is imported on first use.

Examples
--------
>>> import arrowtap.dask
>>> arrowtap.dask.read_archive_samples.__name__
'read_archive_samples'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from arrowtap.connectors.finspace.dask import (
        read_finspace_changesets,
        read_finspace_cluster_nodes,
        read_finspace_clusters,
        read_finspace_databases,
    )
    from arrowtap.connectors.harperdb.dask import (
        read_harperdb,
        sync_harperdb,
    )
    from arrowtap.connectors.kinetica.dask import (
        read_kinetica,
        read_kinetica_sql,
        sync_kinetica,
    )
    from arrowtap.connectors.pvarchiver.samples_dask import (
        read_archive_samples,
        sync_archive_samples,
    )

_LAZY = {
    "read_archive_samples": "arrowtap.connectors.pvarchiver.samples_dask",
    "sync_archive_samples": "arrowtap.connectors.pvarchiver.samples_dask",
    "read_kinetica": "arrowtap.connectors.kinetica.dask",
    "read_kinetica_sql": "arrowtap.connectors.kinetica.dask",
    "sync_kinetica": "arrowtap.connectors.kinetica.dask",
    "read_harperdb": "arrowtap.connectors.harperdb.dask",
    "sync_harperdb": "arrowtap.connectors.harperdb.dask",
    "read_finspace_changesets": "arrowtap.connectors.finspace.dask",
    "read_finspace_cluster_nodes": "arrowtap.connectors.finspace.dask",
    "read_finspace_clusters": "arrowtap.connectors.finspace.dask",
    "read_finspace_databases": "arrowtap.connectors.finspace.dask",
}

__all__ = [
    "read_archive_samples",
    "read_finspace_changesets",
    "read_finspace_cluster_nodes",
    "read_finspace_clusters",
    "read_finspace_databases",
    "read_harperdb",
    "read_kinetica",
    "read_kinetica_sql",
    "sync_archive_samples",
    "sync_harperdb",
    "sync_kinetica",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'arrowtap.dask' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
