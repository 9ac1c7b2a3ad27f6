"""A Kinetica table monitor as a source: the inserted rows, page by page, with their offsets.

:class:`MonitorSource` follows the ``Source`` contract of
:mod:`arrowtap.io.contract`, so the sync runner copies a monitored table into a
dataset exactly once: each page is the rows of one insert (or of one read of the
table, for the rows the monitor missed), and its offset is the last value of the
increasing column delivered, from which a new run back-fills before it follows the
monitor again. The read ends after ``stop_when_idle`` seconds without rows, or when
the table is dropped, or when :meth:`MonitorSource.interrupt` is called (a stopping
sync). The ids of the server-side monitors go to the checkpoint (section
``<partition key>#monitors``, through :func:`arrowtap.io.offsets.record`) before they
are created, so a run killed before it clears them has them cleared by the next. The
source holds the checkpoint's location, not a handle: it opens its own to record.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pyarrow as pa
import zmq

from arrowtap.checkpoint import CheckpointLike
from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.kinetica.monitor_state import (
    CHECKPOINT_NAME,
    MonitorState,
    check_settings,
    monitor_key,
)
from arrowtap.connectors.kinetica.monitor_stream import MonitorStream
from arrowtap.connectors.kinetica.wire import tables
from arrowtap.connectors.kinetica.wire.client import SYSTEM, KineticaClient, LazyClient
from arrowtap.connectors.kinetica.wire.follow import Inserted, TableAltered, TableDropped
from arrowtap.connectors.kinetica.wire.incremental import key_order
from arrowtap.connectors.kinetica.wire.monitor import monitor_url_of
from arrowtap.connectors.kinetica.wire.schema import to_arrow_schema
from arrowtap.errors import InvalidArgumentError, ProtocolError
from arrowtap.io.contract import Offset, Page, Partition

__all__ = ["MonitorSource"]


@dataclass(repr=False)
class MonitorSource(LazyClient):
    """The rows inserted into one Kinetica table, back-filled and followed.

    Parameters
    ----------
    url : str
        The server.
    table : str
        The table.
    increasing_column : str
        A column whose values grow with insertion; its last value delivered is the offset.
    tie_breaker : str, optional
        A unique column ordering the rows that share a value of ``increasing_column``.
    checkpoint : Checkpoint, str or os.PathLike, optional
        Where the ids of the server-side monitors are recorded: the location of the
        checkpoint the runner keeps the offsets in (or an open one).
    checkpoint_name : str
        The checkpoint's name at that location.
    stop_when_idle : float, optional
        End a read after this many seconds without rows; ``None``: never.
    inactivity_timeout, monitor_url, page_size, zmq_context
        As for :func:`arrowtap.monitor_kinetica`.
    username, password, token, client, retry
        As for :class:`~arrowtap.connectors.kinetica.wire.client.KineticaClient`.

    Examples
    --------
    >>> from arrowtap.testing.kinetica import FakeKinetica
    >>> with FakeKinetica() as fake:
    ...     _ = fake.create_table("t", [("id", "long")])
    ...     fake.insert("t", [{"id": i} for i in range(3)])
    ...     with MonitorSource(fake.url, "t", "id", stop_when_idle=0.5,
    ...                        monitor_url=fake.monitor_url) as source:
    ...         pages = list(source.read(source.partition(), {"value": 0}))
    >>> [(page.batch.num_rows, page.offset) for page in pages]
    [(2, {'value': 2})]
    """

    url: str
    table: str
    increasing_column: str
    tie_breaker: str | None = None
    checkpoint: CheckpointLike | None = None
    checkpoint_name: str = CHECKPOINT_NAME
    stop_when_idle: float | None = None
    inactivity_timeout: float = 60.0
    monitor_url: str | None = None
    page_size: int = 50_000
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    client: httpx.Client | None = field(default=None, repr=False)
    retry: RetryPolicy | None = None
    zmq_context: zmq.Context[Any] | None = field(default=None, repr=False)
    _kinetica: KineticaClient | None = field(default=None, init=False, repr=False)
    _schema: pa.Schema | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _streams: set[MonitorStream] = field(default_factory=set, init=False, repr=False)
    _stopping: bool = field(default=False, init=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.increasing_column, str):
            raise InvalidArgumentError(
                f"{SYSTEM}: a monitor source needs increasing_column=, the column whose "
                f"last value delivered is the offset, not {self.increasing_column!r}"
            )
        check_settings(["insert"], self.inactivity_timeout, "abort", self.stop_when_idle)
        self.monitor_url = monitor_url_of(self.url, self.monitor_url)

    @property
    def schema(self) -> pa.Schema:
        """The table's Arrow schema (``/show/table``, once; the columns are checked)."""
        if self._schema is None:
            ktype = tables.describe(self.kinetica, self.table).ktype
            key_order(ktype, self.increasing_column, self.tie_breaker)
            self._schema = to_arrow_schema(ktype)
        return self._schema

    def partition(self) -> Partition:
        """The one partition: its key names the server, the table and the column."""
        return Partition(monitor_key(self.kinetica.url, self.table, self.increasing_column))

    def read(self, partition: Partition, offset: Offset | None = None) -> Iterator[Page]:
        """The inserted rows after `offset`: the table's first, then the monitor's.

        Raises
        ------
        ProtocolError
            The table was altered (a dataset keeps one schema: sync into a new one).
        DecodeError
            An insert message that does not decode even with the table's new type.
        """
        schema = self.schema
        assert self.monitor_url is not None
        stream = MonitorStream(
            self.kinetica,
            self.table,
            monitor_url=self.monitor_url,
            events=("insert",),
            increasing_column=self.increasing_column,
            tie_breaker=self.tie_breaker,
            state=MonitorState(self.checkpoint, self.checkpoint_name, partition.key, offsets=False),
            offset=offset,
            inactivity_timeout=self.inactivity_timeout,
            decode_failure_mode="abort",
            stop_when_idle=self.stop_when_idle,
            page_size=self.page_size,
            context=self.zmq_context,
        )
        with self._lock:
            self._streams.add(stream)
            if self._stopping:  # interrupted while the stream was being opened
                stream.interrupt()
        try:
            yield from self._pages(stream, schema)
        finally:
            with self._lock:
                self._streams.discard(stream)

    def _pages(self, stream: MonitorStream, schema: pa.Schema) -> Iterator[Page]:
        with stream:
            for event in stream:
                if isinstance(event, Inserted):
                    yield Page(event.batch, stream.offset)
                elif isinstance(event, TableAltered):
                    raise ProtocolError(
                        f"{SYSTEM} table {self.table!r} was altered: its schema is now "
                        f"{event.schema.names} (was {schema.names}); sync into a new dataset"
                    )
                elif isinstance(event, TableDropped):
                    return

    def interrupt(self) -> None:
        """End the reads in progress within a fraction of a second (from any thread).

        A stopping sync runner calls it: a read that waits for rows would otherwise
        never reach the next page, where the runner stops. Reads start again after
        :meth:`close`.
        """
        with self._lock:
            self._stopping = True
            streams = list(self._streams)
        for stream in streams:
            stream.interrupt()

    def close(self) -> None:
        """Close the client; later reads are not interrupted."""
        with self._lock:
            self._stopping = False
        super().close()
