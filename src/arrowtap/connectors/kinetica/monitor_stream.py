"""A Kinetica table monitor as a stream of events, gap-free with an increasing column.

:class:`MonitorStream` creates the table's monitors and subscribes first; then, with
an increasing column, it reads from the table every row after the offset (what
happened while nobody listened); then it follows the monitor. Each batch of waiting
messages is decoded a message at a time into Arrow columns; rows at or before the
offset are dropped, and rows the monitor missed are asked of the table and delivered
before the message they precede (:mod:`~arrowtap.connectors.kinetica.wire.follow`). After
``inactivity_timeout`` seconds without a message it checks that the table still exists
(:class:`~.follow.TableDropped` ends the stream), whether its type changed
(:class:`~.follow.TableAltered`), and reads the rows after the offset (a last message
lost). An insert message that does not decode with the table's type has the type
described again; if it still does not decode it is skipped
(:class:`~.follow.DecodeFailed`) or raises, per ``decode_failure_mode``.

Without an increasing column the stream only follows: what is published while it is
not subscribed, or dropped on the way, is lost, as with any PUB/SUB subscriber.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Generator, Iterator, Sequence
from types import TracebackType
from typing import Any

import pyarrow as pa
import zmq

from arrowtap.connectors.kinetica.monitor_state import (
    CHECKPOINT_NAME,
    MonitorState,
    check_settings,
)
from arrowtap.connectors.kinetica.wire import tables
from arrowtap.connectors.kinetica.wire.client import SYSTEM, KineticaClient
from arrowtap.connectors.kinetica.wire.codec import decode_list
from arrowtap.connectors.kinetica.wire.follow import (
    DecodeFailed,
    Deleted,
    Gaps,
    Inserted,
    InsertedRaw,
    MonitorEvent,
    TableAltered,
    TableDropped,
    Updated,
    fresh,
    gap_expression,
    read_count,
    sort_rows,
)
from arrowtap.connectors.kinetica.wire.incremental import KeyOrder, key_order
from arrowtap.connectors.kinetica.wire.monitor import EVENTS, MonitorConnection, read_sorted
from arrowtap.connectors.kinetica.wire.schema import to_arrow_schema
from arrowtap.connectors.kinetica.wire.values import wire_to_arrow
from arrowtap.errors import DecodeError, InvalidArgumentError, NotFoundError

__all__ = ["MonitorStream"]

_SLICE = 0.25  # seconds between checks of interrupt() while waiting


class MonitorStream:
    """The events of a table's monitors; iterate it, close it (or use ``with``).

    The monitors are created and subscribed here, before the first event is asked
    for. Closing clears them. With a `state` holding offsets, nothing is committed
    until :meth:`commit` says the events handed out so far are stored (or a ``with``
    block ends without an exception). Not thread-safe: one thread iterates (another
    may call :meth:`interrupt`).

    Parameters are those of :func:`arrowtap.monitor_kinetica`, with `client` a
    :class:`KineticaClient` (closed with the stream when `owns_client`), `offset`
    where to resume (after `seq` batches committed), and `raw` to also yield the
    frames of each insert message (:class:`~.follow.InsertedRaw`) before its rows.
    """

    def __init__(
        self,
        client: KineticaClient,
        table: str,
        *,
        monitor_url: str,
        events: Sequence[str] = EVENTS,
        increasing_column: str | None = None,
        tie_breaker: str | None = None,
        state: MonitorState | None = None,
        offset: Any = None,
        seq: int = 0,
        inactivity_timeout: float = 60.0,
        decode_failure_mode: str = "skip",
        stop_when_idle: float | None = None,
        page_size: int = 50_000,
        context: zmq.Context[Any] | None = None,
        raw: bool = False,
        owns_client: bool = False,
    ) -> None:
        events = check_settings(events, inactivity_timeout, decode_failure_mode, stop_when_idle)
        self.client, self.table = client, table
        self.state = state or MonitorState(None, CHECKPOINT_NAME, table)
        self.raw, self.page_size = raw, page_size
        self.inactivity_timeout, self.stop_when_idle = inactivity_timeout, stop_when_idle
        self.decode_failure_mode = decode_failure_mode
        self._owns_client, self._closed, self._interrupted = owns_client, False, False
        self._notices: deque[MonitorEvent] = deque()
        try:
            if tie_breaker is not None and increasing_column is None:
                raise InvalidArgumentError(f"{SYSTEM}: a tie_breaker needs an increasing_column")
            if increasing_column is not None and "insert" not in events:
                raise InvalidArgumentError(
                    f"{SYSTEM}: an increasing_column orders inserted rows: events must "
                    f"include 'insert', not only {list(events)}"
                )
            self.ktype = tables.describe(client, table).ktype
            self._columns = (increasing_column, tie_breaker)
            self.order = self._order()
            if self.order is not None:
                self.order.check(offset)
            self.offset = self._committed = offset
            self._seq = seq
            self.connection = MonitorConnection(client, table, events, monitor_url, context=context)
            self.connection.open(self.state.record, self.state.monitors())
        except BaseException:
            if owns_client:
                client.close()
            raise
        self._events = self._run()

    def _order(self) -> KeyOrder | None:
        column, tie = self._columns
        return None if column is None else key_order(self.ktype, column, tie)

    @property
    def topics(self) -> list[str]:
        """The topic ids of the monitors followed."""
        return list(self.connection.topics)

    @property
    def schema(self) -> pa.Schema:
        """The Arrow schema of the inserted batches (the table's, until it is altered)."""
        return to_arrow_schema(self.ktype)

    # -- the iterator ------------------------------------------------------------------

    def __iter__(self) -> MonitorStream:
        return self

    def __next__(self) -> MonitorEvent:
        if self._closed:
            raise StopIteration
        try:
            event, self.offset = next(self._events)
        except BaseException:
            self.close()
            raise
        self._seq += isinstance(event, Inserted)
        return event

    def commit(self) -> None:
        """Record the events handed out so far as stored: a new stream resumes after them.

        Works after the stream ended or was closed too (the checkpoint is opened for it).
        """
        if self.offset != self._committed:
            self.state.commit(self.offset, self._seq)
            self._committed = self.offset

    def interrupt(self) -> None:
        """Make the stream end within a fraction of a second (from any thread)."""
        self._interrupted = True

    def close(self) -> None:
        """Clear the server-side monitors and close the socket (idempotent)."""
        if self._closed:
            return
        self._closed = True
        try:
            self._events.close()
            self.connection.close(self.state.record)
        finally:
            if self._owns_client:
                self.client.close()

    def __enter__(self) -> MonitorStream:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None:
                self.commit()  # a block that ran to its end stored what it was handed
        finally:
            self.close()

    # -- the logic ---------------------------------------------------------------------

    def _run(self) -> Generator[tuple[MonitorEvent, Any], None, None]:
        if self.order is not None:
            yield from self._catch_up()
        last_rows = last_check = time.monotonic()
        while not self._interrupted:
            deadline = last_check + self.inactivity_timeout
            if self.stop_when_idle is not None:
                deadline = min(deadline, last_rows + self.stop_when_idle)
            wait = min(max(deadline - time.monotonic(), 0.0), _SLICE)
            group = self.connection.receive(wait)
            if group:
                yield from self._handle(group)
                last_rows = last_check = time.monotonic()
                continue
            now = time.monotonic()
            idle = self.stop_when_idle is not None and now - last_rows >= self.stop_when_idle
            if idle or now - last_check >= self.inactivity_timeout:
                if not tables.exists(self.client, self.table):
                    message = f"{SYSTEM} table {self.table!r} does not exist any more"
                    yield TableDropped(message), self.offset
                    return
                self._refresh()
                caught = (yield from self._catch_up()) if self.order is not None else False
                yield from self._flush()
                if caught:
                    last_rows = time.monotonic()
                elif idle:
                    return
                last_check = time.monotonic()

    def _flush(self) -> Iterator[tuple[MonitorEvent, Any]]:
        while self._notices:
            yield self._notices.popleft(), self.offset

    def _refresh(self) -> bool:
        """Describe the table again; on a new type, adopt it and note TableAltered."""
        try:
            ktype = tables.describe(self.client, self.table).ktype
        except NotFoundError:
            return False
        if ktype == self.ktype:
            return False
        self.ktype = ktype
        self.order = self._order()
        self._notices.append(TableAltered(to_arrow_schema(ktype)))
        return True

    def _pages(self, expression: str) -> Iterator[tuple[pa.RecordBatch, Any]]:
        """Wire pages (with their type) of the rows matching `expression`, by the column."""
        assert self.order is not None
        for attempt in (1, 2):
            ktype = self.ktype
            try:
                for wire in read_sorted(
                    self.client, self.table, ktype, self.order, expression, self.page_size
                ):
                    yield wire, ktype
                return
            except DecodeError:
                if attempt == 2 or not self._refresh():
                    raise

    def _deliver(self, wire: pa.RecordBatch, ktype: Any) -> Iterator[tuple[MonitorEvent, Any]]:
        yield from self._flush()
        if self.order is not None:
            wire = fresh(sort_rows(wire, self.order), self.order, self.offset)
            if not wire.num_rows:
                return
            self.offset = self.order.advance(wire, self.offset)
        yield Inserted(wire_to_arrow(wire, ktype)), self.offset

    def _catch_up(self) -> Generator[tuple[MonitorEvent, Any], None, bool]:
        """Deliver the table's rows after the offset; return whether there were any."""
        assert self.order is not None
        before = self.offset
        for wire, ktype in self._pages(self.order.expression(self.offset)):
            yield from self._deliver(wire, ktype)
        return bool(self.offset != before)

    def _decode(self, frames: list[bytes]) -> list[MonitorEvent | tuple[pa.RecordBatch, Any]]:
        """The items of one insert message: notices, then its wire rows (or DecodeFailed)."""
        try:
            wire = decode_list(frames, self.ktype, what=f"table monitor of {self.table!r}")
        except DecodeError as first:
            error = first
            if self._refresh():
                try:
                    wire = decode_list(frames, self.ktype, what=f"table monitor of {self.table!r}")
                except DecodeError as again:
                    error = again
                else:
                    return [*self._take_notices(), (wire, self.ktype)]
            if self.decode_failure_mode == "abort":
                raise DecodeError(
                    f"{SYSTEM} table monitor of {self.table!r}: an insert message of "
                    f"{len(frames)} frame(s) does not decode with the table's type "
                    f"(frame n is row n-1): {error}"
                ) from error
            return [*self._take_notices(), DecodeFailed(tuple(frames), error)]
        return [(wire, self.ktype)]

    def _take_notices(self) -> list[MonitorEvent]:
        out = list(self._notices)
        self._notices.clear()
        return out

    def _handle(self, group: list[tuple[str, list[bytes]]]) -> Iterator[tuple[MonitorEvent, Any]]:
        items: list[MonitorEvent | tuple[pa.RecordBatch, Any]] = []
        for event, frames in group:
            if event == "insert":
                items += [InsertedRaw(tuple(frames))] if self.raw else []
                items += self._decode(frames)
            elif frames:
                count = read_count(frames[0], f"table monitor of {self.table!r}")
                items.append(Updated(count) if event == "update" else Deleted(count))
        order = self.order
        if order is None:
            for item in items:
                if not isinstance(item, tuple):
                    yield item, None
                elif item[0].num_rows:
                    yield Inserted(wire_to_arrow(*item)), None
            return
        # Sorted and without the rows delivered already, the messages tell where the
        # table may hold rows the monitor did not bring: one query for all of them.
        items = [
            (fresh(sort_rows(i[0], order), order, self.offset), i[1]) if isinstance(i, tuple) else i
            for i in items
        ]
        wires = [i[0] for i in items if isinstance(i, tuple)]
        expression = gap_expression(order, self.offset, wires)
        pages = self._pages(expression) if expression is not None else iter(())
        gaps = Gaps((wire for wire, _ in pages), order)
        for item in items:
            if not isinstance(item, tuple):
                yield item, self.offset
                continue
            wire, ktype = item
            if wire.num_rows:
                for chunk in gaps.through(wire.column(order.column.name)[0].as_py()):
                    yield from self._deliver(chunk, self.ktype)
                yield from self._deliver(wire, ktype)
        for chunk in gaps.rest():
            yield from self._deliver(chunk, self.ktype)
        yield from self._flush()
