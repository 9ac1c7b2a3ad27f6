"""Public functions for Kinetica table monitors: a stream of events (and the sync's names).

:func:`monitor_kinetica` hands the events to the caller, who commits them once
stored; :func:`~.monitor_sync.sync_kinetica_monitor` copies the inserted rows into a
Parquet dataset with the sync runner shared by every source. Both keep their offset
and the ids of their server-side monitors in a checkpoint through
:mod:`arrowtap.io.offsets` (:mod:`.monitor_state`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx
import zmq

from arrowtap.checkpoint import CheckpointLike
from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.kinetica._checks import check_stream
from arrowtap.connectors.kinetica.monitor_state import CHECKPOINT_NAME, MonitorState, monitor_key
from arrowtap.connectors.kinetica.monitor_stream import MonitorStream
from arrowtap.connectors.kinetica.monitor_sync import plan_kinetica_monitor, sync_kinetica_monitor
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

__all__ = [
    "CHECKPOINT_NAME",
    "DecodeFailed",
    "Deleted",
    "Inserted",
    "MonitorEvent",
    "MonitorStream",
    "TableAltered",
    "TableDropped",
    "Updated",
    "monitor_kinetica",
    "plan_kinetica_monitor",
    "sync_kinetica_monitor",
]


def open_stream(
    url: str,
    table: str,
    *,
    events: Sequence[str],
    checkpoint: CheckpointLike | None,
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
    """Open a stream: the settings checked, its committed state loaded, the client opened."""
    events = check_stream(
        url, table, events=events, checkpoint=checkpoint, increasing_column=increasing_column,
        tie_breaker=tie_breaker, inactivity_timeout=inactivity_timeout,
        decode_failure_mode=decode_failure_mode, stop_when_idle=stop_when_idle,
        monitor_url=monitor_url, page_size=page_size, credentials=credentials,
        zmq_context=zmq_context,
    )  # fmt: skip
    zmq_url = monitor_url_of(url, monitor_url)
    client = KineticaClient(url, **credentials)
    try:
        key = monitor_key(client.url, table, increasing_column)
        state = MonitorState(checkpoint, CHECKPOINT_NAME, key)
        committed = state.load()
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
        offset=committed.offset,
        seq=committed.seq,
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
    checkpoint: CheckpointLike | None = None,
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
    for events and close it (or use ``with``) to clear them on the server. With a
    checkpoint, nothing is recorded as delivered until ``stream.commit()`` (once what
    was handed out is stored) or the end of a ``with`` block that raised nothing.

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
        monitors are kept: a run resumes after the last event committed
        (:meth:`MonitorStream.commit`, or a clean end of the ``with`` block), and
        clears the monitors a killed run left. A location is opened for each write.
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
    >>> import tempfile
    >>> from arrowtap.testing.kinetica import FakeKinetica
    >>> ckpt = tempfile.mkdtemp() + "/monitor.sqlite"
    >>> with FakeKinetica() as fake:
    ...     _ = fake.create_table("t", [("id", "long"), ("x", "double")])
    ...     fake.insert("t", [{"id": 0, "x": 0.5}])
    ...     with monitor_kinetica(fake.url, "t", increasing_column="id", checkpoint=ckpt,
    ...                           stop_when_idle=0.5, monitor_url=fake.monitor_url) as stream:
    ...         fake.insert("t", [{"id": 1, "x": 1.5}, {"id": 2, "x": 2.5}])
    ...         events = list(stream)  # store them here; the block's end commits
    ...     with monitor_kinetica(fake.url, "t", increasing_column="id", checkpoint=ckpt,
    ...                           stop_when_idle=0.5, monitor_url=fake.monitor_url) as again:
    ...         later = list(again)
    ...     fake.monitors
    {}
    >>> [e.batch.column("id").to_pylist() for e in events], later
    ([[0, 1, 2]], [])
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
