"""The Cassandra PV Archiver's sources (names only: listing them imports no connector)."""

from __future__ import annotations

from arrowtap.io.registry import SourceInfo

__all__ = ["SOURCES"]

_S = "arrowtap.connectors.pvarchiver.samples"
_ADMIN = "arrowtap.connectors.pvarchiver.admin_sources"

SOURCES = [
    SourceInfo(
        "archive_samples",
        "pvarchiver",
        "samples of archive channels over a time range, raw or decimated",
        "time",
        plan=f"{_S}:plan_archive_samples",
        read=f"{_S}:read_archive_samples",
        scan=f"{_S}:scan_archive_samples",
        sync="arrowtap.connectors.pvarchiver.samples_sync:sync_archive_samples",
        dask_read="arrowtap.connectors.pvarchiver.samples_dask:read_archive_samples",
        dask_sync="arrowtap.connectors.pvarchiver.samples_dask:sync_archive_samples",
        follow=True,
        schema_ref="arrowtap.connectors.pvarchiver.wire.schema:SAMPLE_SCHEMA",
        cli_aliases=("archive",),
    ),
    SourceInfo(
        "archive_channels",
        "pvarchiver",
        "the channels of an archiver's servers and their configuration (admin API)",
        "snapshot",
        plan=f"{_ADMIN}:plan_archive_channels",
        read=f"{_ADMIN}:read_archive_channels",
        scan=f"{_ADMIN}:scan_archive_channels",
        sync=f"{_ADMIN}:sync_archive_channels",
        follow=True,  # a snapshot every ``every`` seconds
        # No schema_ref: it depends on the arguments (CHANNEL_SCHEMA for the cluster,
        # CHANNEL_DETAIL_SCHEMA for one server's channels).
    ),
    SourceInfo(
        "archive_cluster_status",
        "pvarchiver",
        "the servers of an archiver cluster and their state (admin API)",
        "snapshot",
        plan=f"{_ADMIN}:plan_archive_cluster_status",
        read=f"{_ADMIN}:read_archive_cluster_status",
        scan=f"{_ADMIN}:scan_archive_cluster_status",
        sync=f"{_ADMIN}:sync_archive_cluster_status",
        follow=True,  # a snapshot every ``every`` seconds
        schema_ref="arrowtap.connectors.pvarchiver.wire.admin_tables:CLUSTER_STATUS_SCHEMA",
    ),
]
