"""arrowtap: operational systems' data as Arrow tables, pandas and Dask DataFrames.

Readers are pandas-style functions (``read_*`` to a DataFrame, ``scan_*`` to a
:class:`pyarrow.RecordBatchReader``, ``arrowtap.dask.read_*`` to a Dask
DataFrame); ``sync_*`` copies new data into a Parquet dataset exactly once,
resuming from checkpointed offsets. ``import arrowtap`` loads no connector: each
is imported on first use.

Examples
--------
>>> import arrowtap
>>> arrowtap.read_archive_samples.__name__
'read_archive_samples'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from arrowtap.errors import (
    ArrowtapError,
    AuthenticationError,
    BadRequestError,
    ChannelNotFoundError,
    CheckpointError,
    CheckpointExistsError,
    CheckpointInvalidParamError,
    CheckpointNoSpaceError,
    CheckpointNotActiveError,
    CheckpointNotFoundError,
    DecodeError,
    InvalidArgumentError,
    NotFoundError,
    ProtocolError,
    ServerError,
    SinkError,
    TransportError,
    UnavailableError,
)

if TYPE_CHECKING:
    from arrowtap._archive import (
        find_channels,
        read_archive_samples,
        scan_archive_samples,
        sync_archive_samples,
    )
    from arrowtap._finspace import (
        diff_kx_clusters,
        read_kx_changesets,
        read_kx_cluster_nodes,
        read_kx_clusters,
        read_kx_databases,
        read_kx_environments,
        scan_kx_changesets,
        scan_kx_cluster_nodes,
        scan_kx_clusters,
        scan_kx_databases,
        scan_kx_environments,
    )
    from arrowtap._fleet import (
        read_clusters,
    )
    from arrowtap._harperdb import (
        HarperDBWriteError,
        read_harperdb,
        read_harperdb_cluster_status,
        read_harperdb_nodes,
        read_harperdb_routes,
        scan_harperdb,
    )
    from arrowtap._harperdb_write import (
        write_harperdb,
    )
    from arrowtap._kinetica import (
        read_kinetica,
        read_kinetica_sql,
        scan_kinetica,
        scan_kinetica_sql,
        write_kinetica,
    )
    from arrowtap._kinetica_callbacks import (
        CallbackKind,
        KineticaTableMonitor,
    )
    from arrowtap._kinetica_monitor import (
        DecodeFailed,
        Deleted,
        Inserted,
        MonitorStream,
        TableAltered,
        TableDropped,
        Updated,
        monitor_kinetica,
        sync_kinetica_monitor,
    )
    from arrowtap._pvadmin import (
        export_pv_config,
        import_pv_config,
        read_pv_channel,
        read_pv_channels,
        read_pv_cluster_status,
        read_pv_server_status,
        write_channel_configs,
    )
    from arrowtap.checkpoint import (
        Checkpoint,
        CheckpointAttributes,
        WriteMode,
        open_checkpoint,
    )
    from arrowtap.checkpoint.harperdb import (
        HarperDBCheckpoint,
    )
    from arrowtap.connectors._http import RetryPolicy
    from arrowtap.connectors.pvarchiver.schema import SAMPLE_SCHEMA
    from arrowtap.io.sink import ParquetDatasetSink
    from arrowtap.io.sync import SyncSummary

__version__ = "0.1.0"

_LAZY = {
    "find_channels": "arrowtap._archive",
    "read_archive_samples": "arrowtap._archive",
    "scan_archive_samples": "arrowtap._archive",
    "sync_archive_samples": "arrowtap._archive",
    "Checkpoint": "arrowtap.checkpoint",
    "CheckpointAttributes": "arrowtap.checkpoint",
    "WriteMode": "arrowtap.checkpoint",
    "open_checkpoint": "arrowtap.checkpoint",
    "RetryPolicy": "arrowtap.connectors._http",
    "SAMPLE_SCHEMA": "arrowtap.connectors.pvarchiver.schema",
    "ParquetDatasetSink": "arrowtap.io.sink",
    "SyncSummary": "arrowtap.io.sync",
    "read_kx_environments": "arrowtap._finspace",
    "read_kx_clusters": "arrowtap._finspace",
    "read_kx_databases": "arrowtap._finspace",
    "read_kx_changesets": "arrowtap._finspace",
    "read_kx_cluster_nodes": "arrowtap._finspace",
    "scan_kx_environments": "arrowtap._finspace",
    "scan_kx_clusters": "arrowtap._finspace",
    "scan_kx_databases": "arrowtap._finspace",
    "scan_kx_changesets": "arrowtap._finspace",
    "scan_kx_cluster_nodes": "arrowtap._finspace",
    "diff_kx_clusters": "arrowtap._finspace",
    "export_pv_config": "arrowtap._pvadmin",
    "import_pv_config": "arrowtap._pvadmin",
    "read_pv_channel": "arrowtap._pvadmin",
    "read_pv_channels": "arrowtap._pvadmin",
    "read_pv_cluster_status": "arrowtap._pvadmin",
    "read_pv_server_status": "arrowtap._pvadmin",
    "write_channel_configs": "arrowtap._pvadmin",
    "read_clusters": "arrowtap._fleet",
    "DecodeFailed": "arrowtap._kinetica_monitor",
    "Deleted": "arrowtap._kinetica_monitor",
    "Inserted": "arrowtap._kinetica_monitor",
    "MonitorStream": "arrowtap._kinetica_monitor",
    "TableAltered": "arrowtap._kinetica_monitor",
    "TableDropped": "arrowtap._kinetica_monitor",
    "Updated": "arrowtap._kinetica_monitor",
    "monitor_kinetica": "arrowtap._kinetica_monitor",
    "sync_kinetica_monitor": "arrowtap._kinetica_monitor",
    "CallbackKind": "arrowtap._kinetica_callbacks",
    "KineticaTableMonitor": "arrowtap._kinetica_callbacks",
    "HarperDBCheckpoint": "arrowtap.checkpoint.harperdb",
    "HarperDBWriteError": "arrowtap._harperdb",
    "read_harperdb": "arrowtap._harperdb",
    "scan_harperdb": "arrowtap._harperdb",
    "read_harperdb_cluster_status": "arrowtap._harperdb",
    "read_harperdb_nodes": "arrowtap._harperdb",
    "read_harperdb_routes": "arrowtap._harperdb",
    "write_harperdb": "arrowtap._harperdb_write",
    "read_kinetica": "arrowtap._kinetica",
    "scan_kinetica": "arrowtap._kinetica",
    "read_kinetica_sql": "arrowtap._kinetica",
    "scan_kinetica_sql": "arrowtap._kinetica",
    "write_kinetica": "arrowtap._kinetica",
}

__all__ = [
    "SAMPLE_SCHEMA",
    "ArrowtapError",
    "AuthenticationError",
    "BadRequestError",
    "CallbackKind",
    "ChannelNotFoundError",
    "Checkpoint",
    "CheckpointAttributes",
    "CheckpointError",
    "CheckpointExistsError",
    "CheckpointInvalidParamError",
    "CheckpointNoSpaceError",
    "CheckpointNotActiveError",
    "CheckpointNotFoundError",
    "DecodeError",
    "DecodeFailed",
    "Deleted",
    "HarperDBCheckpoint",
    "HarperDBWriteError",
    "Inserted",
    "InvalidArgumentError",
    "KineticaTableMonitor",
    "MonitorStream",
    "NotFoundError",
    "ParquetDatasetSink",
    "ProtocolError",
    "RetryPolicy",
    "ServerError",
    "SinkError",
    "SyncSummary",
    "TableAltered",
    "TableDropped",
    "TransportError",
    "UnavailableError",
    "Updated",
    "WriteMode",
    "diff_kx_clusters",
    "export_pv_config",
    "find_channels",
    "import_pv_config",
    "monitor_kinetica",
    "open_checkpoint",
    "read_archive_samples",
    "read_clusters",
    "read_harperdb",
    "read_harperdb_cluster_status",
    "read_harperdb_nodes",
    "read_harperdb_routes",
    "read_kinetica",
    "read_kinetica_sql",
    "read_kx_changesets",
    "read_kx_cluster_nodes",
    "read_kx_clusters",
    "read_kx_databases",
    "read_kx_environments",
    "read_pv_channel",
    "read_pv_channels",
    "read_pv_cluster_status",
    "read_pv_server_status",
    "scan_archive_samples",
    "scan_harperdb",
    "scan_kinetica",
    "scan_kinetica_sql",
    "scan_kx_changesets",
    "scan_kx_cluster_nodes",
    "scan_kx_clusters",
    "scan_kx_databases",
    "scan_kx_environments",
    "sync_archive_samples",
    "sync_kinetica_monitor",
    "write_channel_configs",
    "write_harperdb",
    "write_kinetica",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'arrowtap' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
