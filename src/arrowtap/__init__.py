"""arrowtap: operational systems' data as Arrow tables, pandas and Dask DataFrames.

Every source has ``read_<source>`` (a pandas DataFrame), ``scan_<source>`` (a
:class:`pyarrow.RecordBatchReader`) and ``sync_<source>`` (new data into a
Parquet dataset exactly once, resuming from checkpointed offsets), and where it
can be split ``arrowtap.dask.read_<source>`` and ``arrowtap.dask.sync_<source>``;
:func:`sources` lists them all with what each offers. ``import arrowtap`` loads
no connector: each is imported on first use.

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
    ArrowtapWarning,
    AuthenticationError,
    BadRequestError,
    ChannelNotFoundError,
    CheckpointAheadWarning,
    CheckpointError,
    CheckpointExistsError,
    CheckpointInvalidParamError,
    CheckpointNoSpaceError,
    CheckpointNotActiveError,
    CheckpointNotFoundError,
    DecodeError,
    DestinationHeldError,
    HarperDBWriteError,
    Interrupted,
    InvalidArgumentError,
    InvalidTypeError,
    KineticaInsertError,
    NoMatchWarning,
    NotFoundError,
    NotSupportedError,
    PartialOperationError,
    ProtocolError,
    SchemaDriftError,
    ServerError,
    SinkError,
    TransportError,
    UnavailableError,
)

if TYPE_CHECKING:
    from arrowtap.catalog import (
        sources,
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
    from arrowtap.connectors._http import (
        RetryPolicy,
    )
    from arrowtap.connectors.finspace.listings import (
        diff_finspace_clusters,
        read_finspace_changesets,
        read_finspace_cluster_nodes,
        read_finspace_clusters,
        read_finspace_databases,
        read_finspace_environments,
        scan_finspace_changesets,
        scan_finspace_cluster_nodes,
        scan_finspace_clusters,
        scan_finspace_databases,
        scan_finspace_environments,
        sync_finspace_changesets,
        sync_finspace_cluster_nodes,
        sync_finspace_clusters,
        sync_finspace_databases,
        sync_finspace_environments,
    )
    from arrowtap.connectors.fleet.view import (
        read_fleet,
        scan_fleet,
        sync_fleet,
    )
    from arrowtap.connectors.harperdb.cluster import (
        read_harperdb_cluster_status,
        read_harperdb_nodes,
        read_harperdb_routes,
        scan_harperdb_cluster_status,
        sync_harperdb_cluster_status,
    )
    from arrowtap.connectors.harperdb.table import (
        read_harperdb,
        scan_harperdb,
    )
    from arrowtap.connectors.harperdb.table_sync import (
        sync_harperdb,
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
    from arrowtap.connectors.kinetica.sql import (
        read_kinetica_sql,
        scan_kinetica_sql,
        sync_kinetica_sql,
    )
    from arrowtap.connectors.kinetica.table import (
        read_kinetica,
        scan_kinetica,
    )
    from arrowtap.connectors.kinetica.table_sync import (
        sync_kinetica,
    )
    from arrowtap.connectors.kinetica.write import (
        write_kinetica,
    )
    from arrowtap.connectors.pvarchiver.admin import (
        export_archive_config,
        import_archive_config,
        read_archive_channel,
        read_archive_server_status,
    )
    from arrowtap.connectors.pvarchiver.admin_sources import (
        read_archive_channels,
        read_archive_cluster_status,
        scan_archive_channels,
        scan_archive_cluster_status,
        sync_archive_channels,
        sync_archive_cluster_status,
    )
    from arrowtap.connectors.pvarchiver.admin_write import (
        write_archive_channels,
    )
    from arrowtap.connectors.pvarchiver.channel_names import (
        find_archive_channels,
    )
    from arrowtap.connectors.pvarchiver.pivot import (
        pivot_samples,
    )
    from arrowtap.connectors.pvarchiver.samples import (
        read_archive_samples,
        scan_archive_samples,
    )
    from arrowtap.connectors.pvarchiver.samples_sync import (
        sync_archive_samples,
    )
    from arrowtap.connectors.pvarchiver.wire.schema import (
        SAMPLE_SCHEMA,
    )
    from arrowtap.io.compact import (
        compact,
    )
    from arrowtap.io.delta import (
        DeltaSink,
    )
    from arrowtap.io.reading import (
        Increment,
    )
    from arrowtap.io.registry import (
        SourceInfo,
    )
    from arrowtap.io.sink import (
        ParquetDatasetSink,
    )
    from arrowtap.io.sync import (
        SyncSummary,
    )

__version__ = "0.1.0"

_LAZY = {
    "Checkpoint": "arrowtap.checkpoint",
    "CheckpointAttributes": "arrowtap.checkpoint",
    "WriteMode": "arrowtap.checkpoint",
    "open_checkpoint": "arrowtap.checkpoint",
    "HarperDBCheckpoint": "arrowtap.checkpoint.harperdb",
    "RetryPolicy": "arrowtap.connectors._http",
    "ParquetDatasetSink": "arrowtap.io.sink",
    "SyncSummary": "arrowtap.io.sync",
    "compact": "arrowtap.io.compact",
    "DeltaSink": "arrowtap.io.delta",
    "Increment": "arrowtap.io.reading",
    "SourceInfo": "arrowtap.io.registry",
    "sources": "arrowtap.catalog",
    "SAMPLE_SCHEMA": "arrowtap.connectors.pvarchiver.wire.schema",
    "find_archive_channels": "arrowtap.connectors.pvarchiver.channel_names",
    "read_archive_samples": "arrowtap.connectors.pvarchiver.samples",
    "scan_archive_samples": "arrowtap.connectors.pvarchiver.samples",
    "sync_archive_samples": "arrowtap.connectors.pvarchiver.samples_sync",
    "pivot_samples": "arrowtap.connectors.pvarchiver.pivot",
    "read_archive_channels": "arrowtap.connectors.pvarchiver.admin_sources",
    "scan_archive_channels": "arrowtap.connectors.pvarchiver.admin_sources",
    "sync_archive_channels": "arrowtap.connectors.pvarchiver.admin_sources",
    "read_archive_cluster_status": "arrowtap.connectors.pvarchiver.admin_sources",
    "scan_archive_cluster_status": "arrowtap.connectors.pvarchiver.admin_sources",
    "sync_archive_cluster_status": "arrowtap.connectors.pvarchiver.admin_sources",
    "export_archive_config": "arrowtap.connectors.pvarchiver.admin",
    "import_archive_config": "arrowtap.connectors.pvarchiver.admin",
    "read_archive_channel": "arrowtap.connectors.pvarchiver.admin",
    "read_archive_server_status": "arrowtap.connectors.pvarchiver.admin",
    "write_archive_channels": "arrowtap.connectors.pvarchiver.admin_write",
    "read_kinetica": "arrowtap.connectors.kinetica.table",
    "scan_kinetica": "arrowtap.connectors.kinetica.table",
    "sync_kinetica": "arrowtap.connectors.kinetica.table_sync",
    "read_kinetica_sql": "arrowtap.connectors.kinetica.sql",
    "scan_kinetica_sql": "arrowtap.connectors.kinetica.sql",
    "sync_kinetica_sql": "arrowtap.connectors.kinetica.sql",
    "write_kinetica": "arrowtap.connectors.kinetica.write",
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
    "read_finspace_environments": "arrowtap.connectors.finspace.listings",
    "scan_finspace_environments": "arrowtap.connectors.finspace.listings",
    "sync_finspace_environments": "arrowtap.connectors.finspace.listings",
    "read_finspace_clusters": "arrowtap.connectors.finspace.listings",
    "scan_finspace_clusters": "arrowtap.connectors.finspace.listings",
    "sync_finspace_clusters": "arrowtap.connectors.finspace.listings",
    "read_finspace_databases": "arrowtap.connectors.finspace.listings",
    "scan_finspace_databases": "arrowtap.connectors.finspace.listings",
    "sync_finspace_databases": "arrowtap.connectors.finspace.listings",
    "read_finspace_changesets": "arrowtap.connectors.finspace.listings",
    "scan_finspace_changesets": "arrowtap.connectors.finspace.listings",
    "sync_finspace_changesets": "arrowtap.connectors.finspace.listings",
    "read_finspace_cluster_nodes": "arrowtap.connectors.finspace.listings",
    "scan_finspace_cluster_nodes": "arrowtap.connectors.finspace.listings",
    "sync_finspace_cluster_nodes": "arrowtap.connectors.finspace.listings",
    "diff_finspace_clusters": "arrowtap.connectors.finspace.listings",
    "read_harperdb": "arrowtap.connectors.harperdb.table",
    "scan_harperdb": "arrowtap.connectors.harperdb.table",
    "sync_harperdb": "arrowtap.connectors.harperdb.table_sync",
    "read_harperdb_cluster_status": "arrowtap.connectors.harperdb.cluster",
    "scan_harperdb_cluster_status": "arrowtap.connectors.harperdb.cluster",
    "sync_harperdb_cluster_status": "arrowtap.connectors.harperdb.cluster",
    "read_harperdb_nodes": "arrowtap.connectors.harperdb.cluster",
    "read_harperdb_routes": "arrowtap.connectors.harperdb.cluster",
    "write_harperdb": "arrowtap.connectors.harperdb.write",
    "read_fleet": "arrowtap.connectors.fleet.view",
    "scan_fleet": "arrowtap.connectors.fleet.view",
    "sync_fleet": "arrowtap.connectors.fleet.view",
}

__all__ = [
    "SAMPLE_SCHEMA",
    "ArrowtapError",
    "ArrowtapWarning",
    "AuthenticationError",
    "BadRequestError",
    "CallbackKind",
    "ChannelNotFoundError",
    "Checkpoint",
    "CheckpointAheadWarning",
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
    "DeltaSink",
    "DestinationHeldError",
    "HarperDBCheckpoint",
    "HarperDBWriteError",
    "Increment",
    "Inserted",
    "Interrupted",
    "InvalidArgumentError",
    "InvalidTypeError",
    "KineticaInsertError",
    "KineticaTableMonitor",
    "MonitorStream",
    "NoMatchWarning",
    "NotFoundError",
    "NotSupportedError",
    "ParquetDatasetSink",
    "PartialOperationError",
    "ProtocolError",
    "RetryPolicy",
    "SchemaDriftError",
    "ServerError",
    "SinkError",
    "SourceInfo",
    "SyncSummary",
    "TableAltered",
    "TableDropped",
    "TransportError",
    "UnavailableError",
    "Updated",
    "WriteMode",
    "compact",
    "diff_finspace_clusters",
    "export_archive_config",
    "find_archive_channels",
    "import_archive_config",
    "monitor_kinetica",
    "open_checkpoint",
    "pivot_samples",
    "read_archive_channel",
    "read_archive_channels",
    "read_archive_cluster_status",
    "read_archive_samples",
    "read_archive_server_status",
    "read_finspace_changesets",
    "read_finspace_cluster_nodes",
    "read_finspace_clusters",
    "read_finspace_databases",
    "read_finspace_environments",
    "read_fleet",
    "read_harperdb",
    "read_harperdb_cluster_status",
    "read_harperdb_nodes",
    "read_harperdb_routes",
    "read_kinetica",
    "read_kinetica_sql",
    "scan_archive_channels",
    "scan_archive_cluster_status",
    "scan_archive_samples",
    "scan_finspace_changesets",
    "scan_finspace_cluster_nodes",
    "scan_finspace_clusters",
    "scan_finspace_databases",
    "scan_finspace_environments",
    "scan_fleet",
    "scan_harperdb",
    "scan_harperdb_cluster_status",
    "scan_kinetica",
    "scan_kinetica_sql",
    "sources",
    "sync_archive_channels",
    "sync_archive_cluster_status",
    "sync_archive_samples",
    "sync_finspace_changesets",
    "sync_finspace_cluster_nodes",
    "sync_finspace_clusters",
    "sync_finspace_databases",
    "sync_finspace_environments",
    "sync_fleet",
    "sync_harperdb",
    "sync_harperdb_cluster_status",
    "sync_kinetica",
    "sync_kinetica_monitor",
    "sync_kinetica_sql",
    "write_archive_channels",
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
