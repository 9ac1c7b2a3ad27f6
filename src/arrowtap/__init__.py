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
    from arrowtap.connectors.finspace.listings import (
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
    from arrowtap.connectors.fleet.view import (
        read_clusters,
    )
    from arrowtap.connectors.harperdb.cluster import (
        HarperDBWriteError,
        read_harperdb,
        read_harperdb_cluster_status,
        read_harperdb_nodes,
        read_harperdb_routes,
        scan_harperdb,
    )
    from arrowtap.connectors.harperdb.write import (
        write_harperdb,
    )
    from arrowtap.connectors.kinetica.callbacks import (
        CallbackKind,
        KineticaTableMonitor,
    )
    from arrowtap.connectors.kinetica.monitor import (
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
    from arrowtap.connectors.kinetica.table import (
        read_kinetica,
        read_kinetica_sql,
        scan_kinetica,
        scan_kinetica_sql,
        write_kinetica,
    )
    from arrowtap.connectors.pvarchiver.admin import (
        export_pv_config,
        import_pv_config,
        read_pv_channel,
        read_pv_channels,
        read_pv_cluster_status,
        read_pv_server_status,
        write_channel_configs,
    )
    from arrowtap.connectors.pvarchiver.samples import (
        find_channels,
        read_archive_samples,
        scan_archive_samples,
        sync_archive_samples,
    )
    from arrowtap.connectors.pvarchiver.wire.schema import SAMPLE_SCHEMA
    from arrowtap.io.sink import ParquetDatasetSink
    from arrowtap.io.sync import SyncSummary

__version__ = "0.1.0"

_LAZY = {
    "find_channels": "arrowtap.connectors.pvarchiver.samples",
    "read_archive_samples": "arrowtap.connectors.pvarchiver.samples",
    "scan_archive_samples": "arrowtap.connectors.pvarchiver.samples",
    "sync_archive_samples": "arrowtap.connectors.pvarchiver.samples",
    "Checkpoint": "arrowtap.checkpoint",
    "CheckpointAttributes": "arrowtap.checkpoint",
    "WriteMode": "arrowtap.checkpoint",
    "open_checkpoint": "arrowtap.checkpoint",
    "RetryPolicy": "arrowtap.connectors._http",
    "SAMPLE_SCHEMA": "arrowtap.connectors.pvarchiver.wire.schema",
    "ParquetDatasetSink": "arrowtap.io.sink",
    "SyncSummary": "arrowtap.io.sync",
    "read_kx_environments": "arrowtap.connectors.finspace.listings",
    "read_kx_clusters": "arrowtap.connectors.finspace.listings",
    "read_kx_databases": "arrowtap.connectors.finspace.listings",
    "read_kx_changesets": "arrowtap.connectors.finspace.listings",
    "read_kx_cluster_nodes": "arrowtap.connectors.finspace.listings",
    "scan_kx_environments": "arrowtap.connectors.finspace.listings",
    "scan_kx_clusters": "arrowtap.connectors.finspace.listings",
    "scan_kx_databases": "arrowtap.connectors.finspace.listings",
    "scan_kx_changesets": "arrowtap.connectors.finspace.listings",
    "scan_kx_cluster_nodes": "arrowtap.connectors.finspace.listings",
    "diff_kx_clusters": "arrowtap.connectors.finspace.listings",
    "export_pv_config": "arrowtap.connectors.pvarchiver.admin",
    "import_pv_config": "arrowtap.connectors.pvarchiver.admin",
    "read_pv_channel": "arrowtap.connectors.pvarchiver.admin",
    "read_pv_channels": "arrowtap.connectors.pvarchiver.admin",
    "read_pv_cluster_status": "arrowtap.connectors.pvarchiver.admin",
    "read_pv_server_status": "arrowtap.connectors.pvarchiver.admin",
    "write_channel_configs": "arrowtap.connectors.pvarchiver.admin",
    "read_clusters": "arrowtap.connectors.fleet.view",
    "DecodeFailed": "arrowtap.connectors.kinetica.monitor",
    "Deleted": "arrowtap.connectors.kinetica.monitor",
    "Inserted": "arrowtap.connectors.kinetica.monitor",
    "MonitorStream": "arrowtap.connectors.kinetica.monitor",
    "TableAltered": "arrowtap.connectors.kinetica.monitor",
    "TableDropped": "arrowtap.connectors.kinetica.monitor",
    "Updated": "arrowtap.connectors.kinetica.monitor",
    "monitor_kinetica": "arrowtap.connectors.kinetica.monitor",
    "sync_kinetica_monitor": "arrowtap.connectors.kinetica.monitor",
    "CallbackKind": "arrowtap.connectors.kinetica.callbacks",
    "KineticaTableMonitor": "arrowtap.connectors.kinetica.callbacks",
    "HarperDBCheckpoint": "arrowtap.checkpoint.harperdb",
    "HarperDBWriteError": "arrowtap.connectors.harperdb.cluster",
    "read_harperdb": "arrowtap.connectors.harperdb.cluster",
    "scan_harperdb": "arrowtap.connectors.harperdb.cluster",
    "read_harperdb_cluster_status": "arrowtap.connectors.harperdb.cluster",
    "read_harperdb_nodes": "arrowtap.connectors.harperdb.cluster",
    "read_harperdb_routes": "arrowtap.connectors.harperdb.cluster",
    "write_harperdb": "arrowtap.connectors.harperdb.write",
    "read_kinetica": "arrowtap.connectors.kinetica.table",
    "scan_kinetica": "arrowtap.connectors.kinetica.table",
    "read_kinetica_sql": "arrowtap.connectors.kinetica.table",
    "scan_kinetica_sql": "arrowtap.connectors.kinetica.table",
    "write_kinetica": "arrowtap.connectors.kinetica.table",
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
