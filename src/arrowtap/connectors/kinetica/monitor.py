"""Public functions for Kinetica table monitors: a stream of events, callbacks, a sync."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx
import zmq

from arrowtap.checkpoint import Checkpoint, open_checkpoint
from arrowtap.connectors._http import RetryPolicy, redact
from arrowtap.connectors.kinetica.monitor_source import MonitorSource
from arrowtap.connectors.kinetica.monitor_state import (
    MonitorState,
    check_settings,
    monitor_key,
)
from arrowtap.connectors.kinetica.monitor_stream import MonitorStream
from arrowtap.connectors.kinetica.wire.client import KineticaClient
from arrowtap.connectors.kinetica.wire.follow import (
    DecodeFailed,
    Deleted,
    Inserted,
    MonitorEvent,
    TableAltered,
    TableDropped,
    Updated,
)
from arrowtap.connectors.kinetica.wire.monitor import EVENTS, monitor_url_of
from arrowtap.io.contract import Page, Partition, Plan
from arrowtap.io.sink import ParquetDatasetSink
from arrowtap.io.sync import SyncSummary, sync

__all__ = [
    "DecodeFailed",
    "Deleted",
    "Inserted",
    "MonitorEvent",
    "MonitorStream",
    "TableAltered",
    "TableDropped",
    "Updated",
    "monitor_kinetica",
    "sync_kinetica_monitor",
]

CheckpointLike = Checkpoint | str | os.PathLike[str] | None
CHECKPOINT_NAME = "kinetica-monitor"
"""The checkpoint opened in a file given as ``checkpoint=`` to :func:`monitor_kinetica`."""


def open_stream(
    url: str,
    table: str,
    *,
    events: Sequence[str],
    checkpoint: CheckpointLike,
    increasing_column: str | None,
    tie_breaker: str | None,
    inactivity_timeout: float,
    decode_failure_mode: str,
    stop_when_idle: float | None,
    monitor_url: str | None,
    page_size: int,
    credentials: Mapping[str, Any],
    zmq_context: zmq.Context[Any] | None,
    raw: bool = False,
) -> MonitorStream:
    """Open a stream: the settings checked, the client and the checkpoint opened for it."""
    events = check_settings(events, inactivity_timeout, decode_failure_mode, stop_when_idle)
    zmq_url = monitor_url_of(url, monitor_url)
    client = KineticaClient(url, **credentials)
    store, owns = None, False
    try:
        if isinstance(checkpoint, Checkpoint):
            store = checkpoint  # the caller's: the caller closes it
        elif checkpoint is not None:
            store, owns = open_checkpoint(checkpoint, CHECKPOINT_NAME), True
        key = monitor_key(client.url, table, increasing_column)
        state = MonitorState(store, key, owns_store=owns)
    except BaseException:
        client.close()
        raise
    return MonitorStream(
        client,
        table,
        monitor_url=zmq_url,
        events=events,
        increasing_column=increasing_column,
        tie_breaker=tie_breaker,
        state=state,
        offset=state.offset(),
        inactivity_timeout=inactivity_timeout,
        decode_failure_mode=decode_failure_mode,
        stop_when_idle=stop_when_idle,
        page_size=page_size,
        context=zmq_context,
        raw=raw,
        owns_client=True,
    )


def monitor_kinetica(
    url: str,
    table: str,
    *,
    events: Sequence[str] = EVENTS,
    checkpoint: CheckpointLike = None,
    increasing_column: str | None = None,
    tie_breaker: str | None = None,
    inactivity_timeout: float = 60.0,
    decode_failure_mode: str = "skip",
    stop_when_idle: float | None = None,
    monitor_url: str | None = None,
    page_size: int = 50_000,
    username: str | None = None,
    password: str | None = None,
    token: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
    zmq_context: zmq.Context[Any] | None = None,
) -> MonitorStream:
    """Follow a Kinetica table's monitors: an iterator of events, gap-free with a checkpoint.

    The monitors are created and subscribed to when this returns; iterate the stream
    for events and close it (or use ``with``) to clear them on the server.

    Parameters
    ----------
    url : str
        The server, e.g. ``http://kinetica:9191``.
    table : str
        The table.
    events : sequence of {"insert", "update", "delete"}
        The operations to follow (one server-side monitor each).
    checkpoint : Checkpoint, str or os.PathLike, optional
        Where the offset (with ``increasing_column``) and the ids of the server-side
        monitors are kept: a run resumes after the last event delivered, and clears
        the monitors a killed run left. An event is delivered when the next one is
        asked for (or on :meth:`MonitorStream.commit`).
    increasing_column : str, optional
        A column whose values grow with insertion (a sequence, an insertion time).
        With it nothing is lost: the rows after the offset are read from the table
        first, then the monitor's rows are delivered without those already
        delivered, and rows the monitor missed are read from the table and
        delivered before the message they precede. Rows where it is null are not
        delivered. Without it, what is published while the stream is not
        subscribed, or lost on the way, is lost, as with any PUB/SUB subscriber.
    tie_breaker : str, optional
        A unique column (the primary key) for an increasing column whose values repeat.
    inactivity_timeout : float
        Seconds without a message after which the stream checks the table: dropped
        (:class:`TableDropped`, the stream ends), altered (:class:`TableAltered`),
        and rows after the offset (a last message lost).
    decode_failure_mode : {"skip", "abort"}
        An insert message that does not decode with the table's type, nor with its
        type described again: yield :class:`DecodeFailed` and go on, or raise.
    stop_when_idle : float, optional
        End the stream after this many seconds without a message (``None``: never).
    monitor_url : str, optional
        ``tcp://host:port`` of the monitors' ZMQ PUB socket; default port 9002 on the
        server's host.
    page_size : int
        Rows per ``/get/records`` call when reading the table.
    username, password, token, client, retry
        As for :func:`arrowtap.read_kinetica`.
    zmq_context : zmq.Context, optional
        Your ZMQ context (not terminated here).

    Returns
    -------
    MonitorStream
        Yields :class:`Inserted` (an Arrow batch per message, decoded whole),
        :class:`Updated` and :class:`Deleted` (counts), :class:`TableAltered`,
        :class:`TableDropped` and :class:`DecodeFailed`.

    Raises
    ------
    NotFoundError
        No such table.
    InvalidArgumentError
        An increasing column that is not in the table or not orderable.
    AuthenticationError
        Credentials refused.
    DecodeError
        With ``decode_failure_mode="abort"``, a message that does not decode.

    Examples
    --------
    >>> from arrowtap.testing.kinetica import FakeKinetica
    >>> with FakeKinetica() as fake:
    ...     _ = fake.create_table("t", [("id", "long"), ("x", "double")])
    ...     fake.insert("t", [{"id": 0, "x": 0.5}])
    ...     with monitor_kinetica(fake.url, "t", increasing_column="id", stop_when_idle=0.5,
    ...                           monitor_url=fake.monitor_url) as stream:
    ...         fake.insert("t", [{"id": 1, "x": 1.5}, {"id": 2, "x": 2.5}])
    ...         events = list(stream)
    ...     fake.monitors
    {}
    >>> [e.batch.column("id").to_pylist() for e in events]  # read, then not delivered again
    [[0, 1, 2]]
    """
    return open_stream(
        url,
        table,
        events=events,
        checkpoint=checkpoint,
        increasing_column=increasing_column,
        tie_breaker=tie_breaker,
        inactivity_timeout=inactivity_timeout,
        decode_failure_mode=decode_failure_mode,
        stop_when_idle=stop_when_idle,
        monitor_url=monitor_url,
        page_size=page_size,
        credentials={
            "username": username,
            "password": password,
            "token": token,
            "client": client,
            "retry": retry,
        },
        zmq_context=zmq_context,
    )


def sync_kinetica_monitor(
    url: str,
    table: str,
    *,
    to: str | os.PathLike[str],
    increasing_column: str,
    tie_breaker: str | None = None,
    checkpoint: str | os.PathLike[str] | None = None,
    stop_when_idle: float | None = 60.0,
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
    left. Parameters not listed are as in :func:`monitor_kinetica`.

    Parameters
    ----------
    to : str or os.PathLike
        The dataset directory.
    increasing_column : str
        A column whose values grow with insertion; its last value written is the offset.
    checkpoint : str or os.PathLike, optional
        The checkpoint file; default ``<to>/_checkpoint.sqlite``.
    stop_when_idle : float, optional
        Return after this many seconds without new rows; ``None``: follow until
        the table is dropped.
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
    target = Path(to)
    sink = ParquetDatasetSink(target)
    location = Path(checkpoint) if checkpoint is not None else target / "_checkpoint.sqlite"
    name = f"{CHECKPOINT_NAME}:{redact(url)}"
    with open_checkpoint(location, name) as store:
        source = MonitorSource(
            url,
            table,
            increasing_column,
            tie_breaker=tie_breaker,
            checkpoint=store,
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
        with source:
            source.schema  # noqa: B018 - checks the table and the columns before anything starts
            plan = Plan(source, [source.partition()], name)
            return sync(plan, sink, store, max_concurrency=1, on_page=on_page)
