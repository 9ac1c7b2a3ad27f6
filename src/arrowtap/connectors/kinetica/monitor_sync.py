"""A monitored Kinetica table into a Parquet dataset: its plan, and the sync of it.

The plan is one partition (:class:`~.monitor_source.MonitorSource`): the rows after
the offset read from the table, then the insert monitor followed. The sync is that
plan handed to the runner every source shares (:func:`arrowtap.io.job.sync_job`):
each page durable, then its offset committed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import zmq

from arrowtap import _checks as checks
from arrowtap.checkpoint import CheckpointLike
from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.kinetica._checks import check_stream, need_increasing_column
from arrowtap.connectors.kinetica.monitor_source import MonitorSource
from arrowtap.connectors.kinetica.monitor_state import CHECKPOINT_NAME
from arrowtap.connectors.kinetica.wire.client import SYSTEM
from arrowtap.io import job
from arrowtap.io.contract import Page, Partition, Plan
from arrowtap.io.sync import SyncSummary

__all__ = ["plan_kinetica_monitor", "sync_kinetica_monitor"]


def plan_kinetica_monitor(
    url: str,
    table: str,
    *,
    increasing_column: str,
    tie_breaker: str | None = None,
    checkpoint: CheckpointLike | None = None,
    stop_when_idle: float | None = 60.0,
    inactivity_timeout: float = 60.0,
    monitor_url: str | None = None,
    page_size: int = 50_000,
    username: str | None = None,
    password: str | None = None,
    token: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
    zmq_context: zmq.Context[Any] | None = None,
) -> Plan:
    """The plan of a monitored table's inserted rows: one partition, back-filled then followed.

    Parameters
    ----------
    url, table, increasing_column, tie_breaker, inactivity_timeout, monitor_url
        As in :func:`arrowtap.monitor_kinetica`; ``increasing_column`` is required (the
        offsets are its values).
    checkpoint : Checkpoint, str or os.PathLike, optional
        Where the source records the ids of its server-side monitors (the checkpoint
        the runner commits the offsets to); ``None``: nowhere.
    stop_when_idle : float, optional
        A read ends after this many seconds without rows; ``None``: never.
    page_size, username, password, token, client, retry, zmq_context
        As in :func:`arrowtap.monitor_kinetica`.

    Returns
    -------
    Plan
        Its schema is the table's (asked of the server now, the columns checked).

    Examples
    --------
    >>> from arrowtap.testing.kinetica import FakeKinetica
    >>> with FakeKinetica() as fake:
    ...     _ = fake.create_table("t", [("id", "long"), ("x", "double")])
    ...     plan = plan_kinetica_monitor(fake.url, "t", increasing_column="id",
    ...                                  monitor_url=fake.monitor_url)
    >>> plan.schema.names, plan.checkpoint_name, len(plan.partitions)
    (['id', 'x'], 'kinetica-monitor', 1)
    """
    column = need_increasing_column(increasing_column, "a monitor plan")
    check_stream(
        url, table, events=["insert"], checkpoint=checkpoint, increasing_column=column,
        tie_breaker=tie_breaker, inactivity_timeout=inactivity_timeout,
        decode_failure_mode="abort", stop_when_idle=stop_when_idle, monitor_url=monitor_url,
        page_size=page_size, zmq_context=zmq_context,
        credentials=dict(username=username, password=password, token=token, client=client,
                         retry=retry),
    )  # fmt: skip
    source = MonitorSource(
        url,
        table,
        column,
        tie_breaker=tie_breaker,
        checkpoint=checkpoint,
        checkpoint_name=CHECKPOINT_NAME,
        stop_when_idle=stop_when_idle,
        inactivity_timeout=inactivity_timeout,
        monitor_url=monitor_url,
        page_size=page_size,
        username=username,
        password=password,
        token=token,
        client=client,
        retry=retry,
        zmq_context=zmq_context,
    )
    try:
        return Plan(source, [source.partition()], CHECKPOINT_NAME)  # the schema is checked here
    finally:
        source.close()  # reopened by whoever reads the plan


def sync_kinetica_monitor(
    url: str,
    table: str,
    *,
    to: job.SyncTarget,
    increasing_column: str,
    tie_breaker: str | None = None,
    checkpoint: CheckpointLike | None = None,
    wait: float | None = None,
    schema_contract: str = "evolve",
    follow: bool = False,
    stop_when_idle: float = 60.0,
    inactivity_timeout: float = 60.0,
    monitor_url: str | None = None,
    page_size: int = 50_000,
    on_page: Callable[[Partition, Page], None] | None = None,
    username: str | None = None,
    password: str | None = None,
    token: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
    zmq_context: zmq.Context[Any] | None = None,
) -> SyncSummary:
    """Copy the rows inserted into a Kinetica table into a Parquet dataset, exactly once.

    Rows after the checkpointed offset are read from the table, then the table's
    insert monitor is followed (rows it misses are read from the table); each page
    is written durably before its offset is committed, so a run killed anywhere and
    started again leaves every row in the dataset once. The ids of the server-side
    monitor are kept in the checkpoint too, and a new run clears those a killed one
    left. Parameters not listed are as in :func:`arrowtap.monitor_kinetica`.

    Parameters
    ----------
    to : str, os.PathLike or DeltaSink
        The dataset directory, or a Delta table: ``"delta:PATH"`` or a DeltaSink.
    increasing_column : str
        A column whose values grow with insertion; its last value written is the offset.
    checkpoint : Checkpoint, str or os.PathLike, optional
        Where the offsets and the monitor ids are kept; default
        ``<to>.checkpoint.sqlite``.
    wait : float, optional
        Seconds to wait while another sync holds the destination (the lease of
        its checkpoint); ``None`` or ``0`` fails at once with
        :class:`~arrowtap.errors.DestinationHeldError` naming the holder.
    schema_contract : {"evolve", "freeze", "discard_value", "discard_row"}
        What a change of the source's columns does to the destination (see
        :mod:`arrowtap.io.drift`): a new column added (default), refused with
        :class:`~arrowtap.errors.SchemaDriftError` before anything is written, or its
        values or rows dropped; the summary reports every change found.
    follow : bool
        Never stop when idle: follow the table until Ctrl-C or SIGTERM
        (:class:`~arrowtap.errors.Interrupted` carries the summary), or until it is
        dropped.
    stop_when_idle : float
        Without ``follow``, return after this many seconds without new rows.
    on_page : callable, optional
        Called with ``(partition, page)`` after each commit.

    Returns
    -------
    SyncSummary
        Rows, pages and bytes written in this run, and the time taken.

    Raises
    ------
    ProtocolError
        The table was altered (a dataset keeps one schema).
    Interrupted
        Ctrl-C or SIGTERM; what was committed stays.

    Examples
    --------
    >>> import tempfile, pyarrow.parquet as pq
    >>> from arrowtap.testing.kinetica import FakeKinetica
    >>> out = tempfile.mkdtemp()
    >>> with FakeKinetica() as fake:
    ...     _ = fake.create_table("t", [("id", "long"), ("x", "double")])
    ...     fake.insert("t", [{"id": i, "x": i / 2} for i in range(5)])
    ...     summary = sync_kinetica_monitor(fake.url, "t", to=out, increasing_column="id",
    ...                                     stop_when_idle=0.5, monitor_url=fake.monitor_url)
    >>> summary.rows, sorted(pq.read_table(out)["id"].to_pylist())
    (5, [0, 1, 2, 3, 4])
    """
    job.check_follow(follow, 0.0)
    job.check_sync(to, checkpoint, on_page, wait=wait, schema_contract=schema_contract)
    need_increasing_column(increasing_column, "a monitor sync")
    # Without follow a run must end: "never idle" (None) is what follow=True means.
    checks.seconds("stop_when_idle", stop_when_idle, positive=True, system=SYSTEM)

    def plan() -> Plan:
        return plan_kinetica_monitor(
            url,
            table,
            increasing_column=increasing_column,
            tie_breaker=tie_breaker,
            # The source records its monitors in the checkpoint the runner commits to.
            checkpoint=job.checkpoint_location(to, checkpoint),
            stop_when_idle=None if follow else stop_when_idle,
            inactivity_timeout=inactivity_timeout,
            monitor_url=monitor_url,
            page_size=page_size,
            username=username,
            password=password,
            token=token,
            client=client,
            retry=retry,
            zmq_context=zmq_context,
        )

    # One run: following means a read that never ends by itself, not runs repeated.
    return job.sync_job(
        plan,
        to=to,
        checkpoint=checkpoint,
        max_concurrency=1,
        on_page=on_page,
        wait=wait,
        schema_contract=schema_contract,
    )
