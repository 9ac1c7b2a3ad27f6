"""Following a Kinetica table monitor: its events, and the rows each message adds.

A table monitor publishes one message per table operation (``kinetica.md`` §4.2); this
module is the logic of following it, without a socket or an HTTP call: the events a
stream yields, the count of an update or delete, and the de-duplication and gap
filling that make a monitor with an *increasing column* deliver every row once.

PUB/SUB loses what is published while nobody listens, or past a high-water mark, and
says nothing of it. With an increasing column (values grow with insertion: a sequence,
an insertion time) the offset is the last value delivered, as for an incremental table
read (:mod:`~arrowtap.connectors.kinetica.wire.incremental`), and the table itself fills
what the monitor missed: rows at or before the offset are dropped from a message
(:func:`fresh`); rows that may lie between the offset and a message's first value are
asked of the table first (:func:`gap_expression`) and delivered before the message
(:class:`Gaps`). An integer column without a tie-breaker whose message continues the
offset exactly (``offset + 1``, ``+ 2``...) needs no question.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from arrowtap.connectors.kinetica.wire.cursor import Cursor
from arrowtap.connectors.kinetica.wire.incremental import KeyOrder, conjunction, literal
from arrowtap.errors import DecodeError

__all__ = [
    "DecodeFailed",
    "Deleted",
    "Gaps",
    "Inserted",
    "InsertedRaw",
    "MonitorEvent",
    "TableAltered",
    "TableDropped",
    "Updated",
    "fresh",
    "gap_expression",
    "read_count",
    "sort_rows",
]


@dataclass(frozen=True)
class Inserted:
    """Rows inserted into the table, as one Arrow batch of its schema."""

    batch: pa.RecordBatch


@dataclass(frozen=True)
class InsertedRaw:
    """The row frames of one insert message as published (one Avro record each)."""

    frames: tuple[bytes, ...]


@dataclass(frozen=True)
class Updated:
    """One update operation changed `count` rows."""

    count: int


@dataclass(frozen=True)
class Deleted:
    """One delete operation removed `count` rows."""

    count: int


@dataclass(frozen=True)
class TableAltered:
    """The table's type changed; later batches have this Arrow `schema`."""

    schema: pa.Schema


@dataclass(frozen=True)
class TableDropped:
    """The table does not exist any more; the stream ends after this event."""

    message: str


@dataclass(frozen=True)
class DecodeFailed:
    """An insert message that does not decode with the table's type (skipped)."""

    frames: tuple[bytes, ...]
    error: DecodeError


MonitorEvent = (
    Inserted | InsertedRaw | Updated | Deleted | TableAltered | TableDropped | DecodeFailed
)
"""What a monitor stream yields."""


def read_count(frame: bytes, what: str = "table monitor") -> int:
    r"""The ``count`` of an update or delete message's record (one Avro ``long``).

    Examples
    --------
    >>> read_count(b"\x0e")
    7
    """
    cursor = Cursor(frame, what=what)
    count = cursor.read_long()
    if cursor.pos != len(frame):
        raise DecodeError(f"Kinetica {what}: a count record of {len(frame)} bytes is too long")
    return count


def sort_rows(wire: pa.RecordBatch, order: KeyOrder) -> pa.RecordBatch:
    """`wire` in ascending order of the increasing column (then the tie-breaker).

    Examples
    --------
    >>> from arrowtap.connectors.kinetica.wire.types import KineticaColumn
    >>> order = KeyOrder(KineticaColumn("id", "long"))
    >>> sort_rows(pa.record_batch({"id": [3, 1, 2]}), order).column(0).to_pylist()
    [1, 2, 3]
    """
    keys = wire.column(order.column.name)
    if wire.num_rows < 2 or (
        not keys.null_count and pc.all(pc.less_equal(keys[:-1], keys[1:])).as_py()
    ):
        return wire
    by = [(order.column.name, "ascending")]
    by += [(order.tie.name, "ascending")] if order.tie is not None else []
    return wire.take(pc.sort_indices(wire, sort_keys=by))


def fresh(wire: pa.RecordBatch, order: KeyOrder, offset: Any) -> pa.RecordBatch:
    """`wire` without the rows delivered up to `offset` and those without a key.

    Rows whose increasing column is null have no place in the order: they are never
    delivered, as an incremental table read does not return them.

    Examples
    --------
    >>> from arrowtap.connectors.kinetica.wire.types import KineticaColumn
    >>> order = KeyOrder(KineticaColumn("id", "long", ("nullable",)))
    >>> wire = pa.record_batch({"id": pa.array([4, None, 5, 6], pa.int64())})
    >>> fresh(wire, order, {"value": 4}).column(0).to_pylist()
    [5, 6]
    """
    keys = wire.column(order.column.name)
    if keys.null_count:
        wire = wire.filter(pc.is_valid(keys))
    checked = order.check(offset)
    if checked is None or not wire.num_rows:
        return wire
    keys = wire.column(order.column.name)
    if order.tie is None:
        return wire.filter(pc.greater(keys, checked[0]))
    return order.undelivered(wire.filter(pc.greater_equal(keys, checked[0])), offset)


def _continues(order: KeyOrder, last: Any, first: Any) -> bool:
    """Whether no row can lie between `last` delivered and `first` (integers, no ties)."""
    if order.tie is not None or order.column.base not in ("int", "long") or last is None:
        return False
    return bool(first == last + 1)


def gap_expression(order: KeyOrder, offset: Any, messages: Sequence[pa.RecordBatch]) -> str | None:
    """The filter of the rows that may be missing before each message, ``None`` if none may.

    `messages` are the fresh rows of consecutive insert messages, each sorted. The
    filter selects the rows after `offset` lying between the last row of one message
    (or the offset) and the first of the next; with a tie-breaker the bounds are
    inclusive (rows sharing a value), and :func:`fresh` drops the rows delivered twice.
    Values within one message need no question: another operation's rows come after.

    Examples
    --------
    >>> from arrowtap.connectors.kinetica.wire.types import KineticaColumn
    >>> order = KeyOrder(KineticaColumn("id", "long"))
    >>> gap_expression(order, {"value": 4}, [pa.record_batch({"id": [5, 6]})]) is None
    True
    >>> gap_expression(order, {"value": 4}, [pa.record_batch({"id": [5, 6]}),
    ...                                      pa.record_batch({"id": [9]})])
    '(id > 4) and ((id > 6 and id < 9))'
    """
    col = order.column
    checked = order.check(offset)
    last = None if checked is None else checked[0]
    ranges = []
    for wire in messages:
        if not wire.num_rows:
            continue
        keys = wire.column(col.name)
        first, top = keys[0].as_py(), keys[-1].as_py()
        if not _continues(order, last, first):
            low, high = (">=", "<=") if order.tie is not None else (">", "<")
            upper = f"{col.name} {high} {literal(col, first)}"
            lower = None if last is None else f"{col.name} {low} {literal(col, last)}"
            ranges.append(upper if lower is None else f"({lower} and {upper})")
        last = top if last is None else max(last, top)
    if not ranges:
        return None
    return conjunction(order.expression(offset), " or ".join(ranges))


class Gaps:
    """The rows a gap query returned, handed out in order between the messages.

    Parameters
    ----------
    pages : iterable of pyarrow.RecordBatch
        Wire batches sorted by the increasing column (a ``/get/records`` read);
        consumed lazily, one page at a time.
    order : KeyOrder

    Examples
    --------
    >>> from arrowtap.connectors.kinetica.wire.types import KineticaColumn
    >>> gaps = Gaps([pa.record_batch({"id": [1, 2]}), pa.record_batch({"id": [7]})],
    ...             KeyOrder(KineticaColumn("id", "long")))
    >>> [b.column(0).to_pylist() for b in gaps.through(5)]
    [[1, 2]]
    >>> [b.column(0).to_pylist() for b in gaps.rest()]
    [[7]]
    """

    def __init__(self, pages: Iterable[pa.RecordBatch], order: KeyOrder) -> None:
        self._pages: Iterator[pa.RecordBatch] = iter(pages)
        self._head: pa.RecordBatch | None = None
        self._order = order

    def _next(self) -> pa.RecordBatch | None:
        while self._head is None or not self._head.num_rows:
            self._head = next(self._pages, None)
            if self._head is None:
                return None
        return self._head

    def through(self, value: Any) -> Iterator[pa.RecordBatch]:
        """The rows up to and including `value` of the increasing column."""
        while (head := self._next()) is not None:
            keys = head.column(self._order.column.name)
            n = int(pc.sum(pc.less_equal(keys, value)).as_py() or 0)
            if n:
                yield head.slice(0, n)
            self._head = head.slice(n)
            if n < head.num_rows:
                return

    def rest(self) -> Iterator[pa.RecordBatch]:
        """Every row not handed out yet."""
        while (head := self._next()) is not None:
            self._head = None
            yield head
