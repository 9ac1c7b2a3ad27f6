"""The fleet view: every cluster, node and connection of several systems, as one source.

``plan_fleet`` (from :mod:`~arrowtap.connectors.fleet.planning`) makes one
partition per system to ask: a FinSpace environment, a HarperDB node, a PV Archiver
cluster, a Kinetica server. The engine asks them concurrently; ``read_fleet`` and ``scan_fleet``
give the fleet now, ``sync_fleet`` appends one snapshot per run to a dataset, each
row stamped with the run's time (``snapshot_time``): a history of the fleet.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx
import pandas as pd
import pyarrow as pa

from arrowtap import _checks as checks
from arrowtap.checkpoint import CheckpointLike
from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.fleet.planning import (
    CHECKPOINT_NAME,
    FinSpaceEnvironments,
    Targets,
    plan_fleet,
)
from arrowtap.connectors.fleet.probes import Errors
from arrowtap.io import job, reading
from arrowtap.io.contract import Page, Partition, Plan
from arrowtap.io.sync import SyncSummary

__all__ = ["CHECKPOINT_NAME", "plan_fleet", "read_fleet", "scan_fleet", "sync_fleet"]


def _concurrency(max_concurrency: object) -> int:
    return checks.positive_int(
        "max_concurrency", max_concurrency, maximum=checks.MAX_CONCURRENCY, system="fleet"
    )


def read_fleet(
    *,
    finspace: FinSpaceEnvironments = None,
    finspace_options: Mapping[str, Any] | None = None,
    harperdb: Targets | None = None,
    pvarchiver: Targets | None = None,
    kinetica: Targets | None = None,
    errors: Errors = "report",
    columns: Sequence[str] | None = None,
    max_concurrency: int = 8,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> pd.DataFrame:
    """Every cluster, node and connection of several systems in one frame.

    Each system is asked what it knows (concurrently), and its answer becomes
    rows of one schema, so that a fleet spread over AWS FinSpace, HarperDB,
    Cassandra PV Archiver and Kinetica can be filtered, grouped and joined
    like any DataFrame.

    Parameters
    ----------
    finspace : bool, str or list of str, optional
        FinSpace kdb environment ids whose clusters to list; ``True``: every
        environment of the account and region.
    finspace_options : dict, optional
        Keyword options of the FinSpace listings: ``region``, ``endpoint_url``,
        ``credentials``, ``page_size``, ``client``, ``retry`` (see
        :func:`arrowtap.read_finspace_clusters`).
    harperdb : str, list of str or dict, optional
        Operations API URLs of HarperDB nodes
        (``http://[user:password@]host:9925``); a dict maps a cluster label
        to the URLs of its nodes. Each node gives a row of its own and one
        per replication connection it has.
    pvarchiver : str, list of str or dict, optional
        Administrative API URLs of Cassandra PV Archiver servers (one server
        per cluster suffices: it reports every server of its cluster). A dict
        maps cluster labels to URLs; bare URLs are labelled ``host:port``.
    kinetica : str, list of str or dict, optional
        Kinetica server URLs (``http://[user:password@]host:9191``), labelled
        like ``pvarchiver``; one row each, from ``/show/system/status``.
    errors : {"report", "raise"}
        ``"report"`` (default): a system that cannot be asked becomes one
        row with status ``unreachable`` (connection failed) or ``error``
        (anything else) and the reason in ``details``; ``"raise"``: the first
        such error is raised.
    columns : list of str, optional
        Only these columns, in this order.
    max_concurrency : int
        Systems asked at once.
    client : httpx.Client, optional
        HTTP client for the PV Archiver, HarperDB and Kinetica requests.
    retry : RetryPolicy, optional
        Retry budget of each request.

    Returns
    -------
    pandas.DataFrame
        ``system`` (``finspace``, ``harperdb``, ``pvarchiver``, ``kinetica``),
        ``cluster``, ``node`` (empty for a cluster-level row), ``status``
        (the system's own word, or ``unreachable`` / ``error``),
        ``last_seen`` (``datetime64[ns, UTC]``) and ``details`` (a JSON object
        of what else the system said). Rows come system by system, in the
        order of the arguments (FinSpace first).

    Raises
    ------
    InvalidArgumentError
        An argument of the wrong form.
    ArrowtapError
        With ``errors="raise"``, what the first failing system raised.

    Examples
    --------
    >>> from arrowtap.testing.pvarchiver import FakeArchiver
    >>> with FakeArchiver(admin=True) as fake:
    ...     fleet = read_fleet(pvarchiver={"beamline": fake.admin_url})
    >>> fleet[["system", "cluster", "status"]].value_counts().sort_index().tolist()
    [1, 1]
    >>> sorted(fleet["status"])
    ['offline', 'online']
    """
    concurrency = _concurrency(max_concurrency)
    plan = plan_fleet(
        finspace=finspace, finspace_options=finspace_options, harperdb=harperdb,
        pvarchiver=pvarchiver, kinetica=kinetica, errors=errors, columns=columns,
        client=client, retry=retry,
    )  # fmt: skip
    frame: pd.DataFrame = reading.read(plan, max_concurrency=concurrency)
    return frame


def scan_fleet(
    *,
    finspace: FinSpaceEnvironments = None,
    finspace_options: Mapping[str, Any] | None = None,
    harperdb: Targets | None = None,
    pvarchiver: Targets | None = None,
    kinetica: Targets | None = None,
    errors: Errors = "report",
    columns: Sequence[str] | None = None,
    max_concurrency: int = 8,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> pa.RecordBatchReader:
    """Stream the fleet: a batch per system asked, as its answer comes.

    The parameters are those of :func:`read_fleet`.

    Returns
    -------
    pyarrow.RecordBatchReader
        Batches of :data:`~arrowtap.connectors.fleet.rows.FLEET_SCHEMA` (or ``columns``).

    Examples
    --------
    >>> from arrowtap.testing.pvarchiver import FakeArchiver
    >>> with FakeArchiver(admin=True) as fake:
    ...     reader = scan_fleet(pvarchiver=[fake.admin_url], columns=["node", "status"])
    ...     table = reader.read_all()
    >>> table.sort_by("node").to_pylist()
    [{'node': 'myserver', 'status': 'online'}, {'node': 'thirdserver', 'status': 'offline'}]
    """
    concurrency = _concurrency(max_concurrency)
    plan = plan_fleet(
        finspace=finspace, finspace_options=finspace_options, harperdb=harperdb,
        pvarchiver=pvarchiver, kinetica=kinetica, errors=errors, columns=columns,
        client=client, retry=retry,
    )  # fmt: skip
    reader: pa.RecordBatchReader = reading.scan(plan, max_concurrency=concurrency)
    return reader


def sync_fleet(
    *,
    to: job.SyncTarget,
    checkpoint: CheckpointLike | None = None,
    wait: float | None = None,
    schema_contract: str = "evolve",
    finspace: FinSpaceEnvironments = None,
    finspace_options: Mapping[str, Any] | None = None,
    harperdb: Targets | None = None,
    pvarchiver: Targets | None = None,
    kinetica: Targets | None = None,
    errors: Errors = "report",
    columns: Sequence[str] | None = None,
    follow: bool = False,
    every: float = 10.0,
    max_concurrency: int = 8,
    on_page: Callable[[Partition, Page], None] | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> SyncSummary:
    """Append one snapshot of the fleet to a Parquet dataset, each row stamped with its time.

    Each run asks every system and writes what each said (one sub-directory
    per system asked), every row stamped with the run's start time
    (``snapshot_time``); a system's answer is committed once written, so a run
    that dies leaves nothing partial that a later run keeps. With ``follow``,
    the dataset becomes the fleet's history: when was which node unreachable.

    Parameters
    ----------
    to : str, os.PathLike or DeltaSink
        The dataset directory, or a Delta table: ``"delta:PATH"`` or a DeltaSink.
    checkpoint : Checkpoint, str or os.PathLike, optional
        Where the snapshots' commits are kept; default ``<to>.checkpoint.sqlite``.
    wait : float, optional
        Seconds to wait while another sync holds the destination (the lease of
        its checkpoint); ``None`` or ``0`` fails at once with
        :class:`~arrowtap.errors.DestinationHeldError` naming the holder.
    schema_contract : {"evolve", "freeze", "discard_value", "discard_row"}
        What a change of the source's columns does to the destination (see
        :mod:`arrowtap.io.drift`): a new column added (default), refused with
        :class:`~arrowtap.errors.SchemaDriftError` before anything is written, or its
        values or rows dropped; the summary reports every change found.
    finspace, finspace_options, harperdb, pvarchiver, kinetica, errors, columns
        As in :func:`read_fleet`.
    follow : bool
        Take a snapshot every ``every`` seconds until stopped (Ctrl-C or
        SIGTERM: :class:`~arrowtap.errors.Interrupted` carries the summary);
        the systems are planned again (``finspace=True`` listed again) each time.
    every : float
        Seconds between the snapshots of ``follow``.
    max_concurrency, client, retry
        As in :func:`read_fleet`.
    on_page : callable, optional
        Called with ``(partition, page)`` once a system's answer is committed.

    Returns
    -------
    SyncSummary
        Rows and bytes per system asked, and the time taken.

    Examples
    --------
    >>> import tempfile
    >>> import pyarrow.parquet as pq
    >>> from arrowtap.testing.pvarchiver import FakeArchiver
    >>> out = tempfile.mkdtemp()
    >>> with FakeArchiver(admin=True) as fake:
    ...     for _ in range(2):
    ...         _ = sync_fleet(to=out, pvarchiver={"beamline": fake.admin_url})
    >>> table = pq.read_table(out)
    >>> table.num_rows, len(table["snapshot_time"].unique())
    (4, 2)
    """
    concurrency = _concurrency(max_concurrency)

    def plan() -> Plan:
        return plan_fleet(
            finspace=finspace, finspace_options=finspace_options, harperdb=harperdb,
            pvarchiver=pvarchiver, kinetica=kinetica, errors=errors, columns=columns,
            client=client, retry=retry,
        )  # fmt: skip

    return job.sync_job(
        plan,
        to=to,
        checkpoint=checkpoint,
        follow=follow,
        every=every,
        max_concurrency=concurrency,
        on_page=on_page,
        wait=wait,
        schema_contract=schema_contract,
    )
