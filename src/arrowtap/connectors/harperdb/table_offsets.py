"""Offsets of a HarperDB table read, and updated times as they travel.

An offset is ``{"updated": t, "key": k}``, the updated time and primary key of
the last row of a page (``t`` the float of milliseconds exactly as the server
sent it, or a ``Date``'s ISO text; ``None`` for a table read by key alone),
with ``"complete": true`` on the last page of a closed range (see
:mod:`~arrowtap.connectors.harperdb.table_source`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from arrowtap.connectors.harperdb.wire.client import SYSTEM
from arrowtap.connectors.harperdb.wire.layout import TableLayout
from arrowtap.connectors.harperdb.wire.times import ns_to_ms
from arrowtap.errors import CheckpointError, InvalidArgumentError

__all__ = [
    "EPOCH",
    "check_offset",
    "earliest",
    "is_complete",
    "iso_ms",
    "next_iso",
    "no_offsets",
    "wire_time",
]

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def iso_ms(value: dt.datetime) -> str:
    """A time as a ``Date`` travels: ISO 8601 text in UTC, to the millisecond.

    Examples
    --------
    >>> iso_ms(dt.datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC))
    '2024-01-02T03:04:05.678Z'
    """
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def next_iso(text: str) -> str:
    """The ``Date`` a millisecond after ``text``, as it travels.

    Examples
    --------
    >>> next_iso("2024-01-02T03:04:05.999Z")
    '2024-01-02T03:04:06.000Z'
    """
    return iso_ms(dt.datetime.fromisoformat(text) + dt.timedelta(milliseconds=1))


def wire_time(layout: TableLayout, ns: int) -> float | str:
    """``ns`` as the cursor travels: float ms, or the ISO text of the ms that holds it.

    Examples
    --------
    >>> from arrowtap.connectors.harperdb.wire.layout import table_layout
    >>> describe = {"hash_attribute": "id", "attributes": [
    ...     {"attribute": "id"}, {"attribute": "__updatedtime__", "indexed": True}]}
    >>> wire_time(table_layout(describe, "db", "t"), 1_500_000)
    1.5
    """
    if layout.cursor_wire == "ms":
        return ns_to_ms(ns)
    return iso_ms(EPOCH + dt.timedelta(milliseconds=ns // 1_000_000))


def no_offsets(layout: TableLayout) -> InvalidArgumentError:
    """The error of a read from offsets or ``since`` of a table without an indexed updated time.

    Examples
    --------
    >>> from arrowtap.connectors.harperdb.wire.layout import table_layout
    >>> describe = {"hash_attribute": "id", "attributes": [{"attribute": "id"}]}
    >>> print(no_offsets(table_layout(describe, "db", "t")))
    HarperDB: db.t cannot be read incrementally: it has no updated-time attribute \
(__updatedtime__ or @updatedTime); read it whole (no since, no checkpoint)
    """
    return InvalidArgumentError(
        f"{SYSTEM}: {layout.database}.{layout.table} cannot be read incrementally: "
        f"{layout.no_cursor_reason}; read it whole (no since, no checkpoint)"
    )


def earliest(layout: TableLayout) -> float | str:
    """The lowest updated time of the table's cursor type, as it travels (the epoch).

    Examples
    --------
    >>> from arrowtap.connectors.harperdb.wire.layout import table_layout
    >>> describe = {"hash_attribute": "id", "attributes": [
    ...     {"attribute": "id"}, {"attribute": "__updatedtime__", "indexed": True}]}
    >>> earliest(table_layout(describe, "db", "t"))
    0.0
    """
    return 0.0 if layout.cursor_wire == "ms" else "1970-01-01T00:00:00.000Z"


def check_offset(offset: Any, layout: TableLayout) -> tuple[float | str | None, Any]:
    """``(updated, key)`` of a stored offset, or :class:`CheckpointError` if it is not one.

    An offset may also say ``"complete": true`` (see :func:`is_complete`).

    Examples
    --------
    >>> from arrowtap.connectors.harperdb.wire.layout import table_layout
    >>> describe = {"hash_attribute": "id", "attributes": [
    ...     {"attribute": "id"}, {"attribute": "__updatedtime__", "indexed": True}]}
    >>> check_offset({"updated": 1.5, "key": "a"}, table_layout(describe, "db", "t"))
    (1.5, 'a')
    """
    if (
        not isinstance(offset, dict)
        or set(offset) - {"complete"} != {"updated", "key"}
        or offset.get("complete", True) is not True
    ):
        raise CheckpointError(f"{SYSTEM}: {offset!r} is not an offset of a HarperDB table read")
    updated = offset["updated"]
    kinds = {"ms": float | int, "iso": str, None: type(None)}[layout.cursor_wire]
    if not isinstance(updated, kinds) or isinstance(updated, bool):
        raise CheckpointError(
            f"{SYSTEM}: offset {offset!r} does not fit {layout.database}.{layout.table}"
            f" (updated time {layout.cursor or 'none'})"
        )
    return updated, offset["key"]


def is_complete(offset: Any) -> bool:
    """Whether ``offset`` ends a closed range read to its end (nothing can follow it).

    Examples
    --------
    >>> is_complete({"updated": 1.5, "key": "a", "complete": True})
    True
    >>> is_complete({"updated": 1.5, "key": "a"}), is_complete(None)
    (False, False)
    """
    return isinstance(offset, dict) and offset.get("complete") is True
