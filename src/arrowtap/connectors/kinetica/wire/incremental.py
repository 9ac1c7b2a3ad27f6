"""Reading a Kinetica table after a value of an increasing column, not after a row offset.

Row offsets shift when rows are inserted or deleted, so the offset of an incremental
read is the last value delivered of an *increasing column* (a sequence, an insertion
time): ``{"value": v}``. The next read asks the server for ``column > v`` sorted by it.

When the column is not unique (two rows inserted in the same millisecond), a row added
later with the very value ``v`` would be missed; a *tie-breaker* column (unique, such as
the primary key) prevents that: the offset then also lists the tie-breaker values of
the rows delivered with ``v``, ``{"value": v, "ties": [...]}``, the read asks for
``column >= v`` and drops those rows. Offsets hold wire values (ms since the epoch for
a timestamp), so they are JSON as the checkpoint store wants.

A read cut to a *closed* range ``[lo, hi)`` of the column (a Dask sync's ranges before
the last) can end for good: values only grow, so once the server has nothing more
below ``hi``, no row can ever join the range. The offset of its last page says so,
``{"value": v, ..., "complete": true}`` (``{"complete": true}`` when the range had no
row at all), and a read from it asks nothing of the server.

Everything here is pure: expressions, literals and the offset after a page.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from arrowtap.connectors.kinetica.wire.client import SYSTEM
from arrowtap.connectors.kinetica.wire.types import KineticaColumn, KineticaType
from arrowtap.connectors.kinetica.wire.values import arrow_to_wire
from arrowtap.errors import InvalidArgumentError, ProtocolError

__all__ = [
    "KeyOrder",
    "column_name",
    "conjunction",
    "key_order",
    "literal",
    "ordered_column",
    "selected",
    "to_wire",
]

_ORDERED = frozenset(
    {"int", "int8", "int16", "long", "timestamp", "float", "double"}
    | {"date", "time", "datetime", "char", "string"}
)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")


def column_name(name: str) -> str:
    """`name` if it can stand bare in an expression; :class:`InvalidArgumentError` if not.

    Examples
    --------
    >>> column_name("ts_1")
    'ts_1'
    >>> try:
    ...     column_name("a b")
    ... except InvalidArgumentError as exc:
    ...     print(exc)
    Kinetica: column 'a b' cannot be used in an expression
    """
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise InvalidArgumentError(f"{SYSTEM}: column {name!r} cannot be used in an expression")
    return name


def ordered_column(ktype: KineticaType, name: str, role: str) -> KineticaColumn:
    """The column `name` of `ktype`, checked to be orderable (for ranges and offsets).

    Examples
    --------
    >>> ktype = KineticaType((KineticaColumn("t", "long", ("timestamp",)),))
    >>> ordered_column(ktype, "t", "increasing column").type_name
    'timestamp'
    """
    col = ktype.column(column_name(name))
    if col.kind not in _ORDERED:
        raise InvalidArgumentError(
            f"{SYSTEM}: column {name!r} ({col.type_name}) cannot be the {role}: "
            f"use a column of type {', '.join(sorted(_ORDERED))}"
        )
    return col


def literal(col: KineticaColumn, value: Any) -> str:
    """A wire value of `col` as an expression literal.

    Examples
    --------
    >>> literal(KineticaColumn("s", "string"), "it's")
    "'it''s'"
    >>> literal(KineticaColumn("t", "long", ("timestamp",)), 1700000000000)
    '1700000000000'
    """
    if col.base in ("int", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidArgumentError(
                f"{SYSTEM}: column {col.name!r}: {value!r} is not an integer"
            )
        return str(value)
    if col.base in ("float", "double"):
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise InvalidArgumentError(f"{SYSTEM}: column {col.name!r}: {value!r} is not finite")
        return repr(float(value))
    if not isinstance(value, str):
        raise InvalidArgumentError(f"{SYSTEM}: column {col.name!r}: {value!r} is not a string")
    return "'" + value.replace("'", "''") + "'"


def to_wire(col: KineticaColumn, value: Any) -> Any:
    """A user value (a datetime, a pandas Timestamp, a number, a string) as `col`'s wire value.

    Checked and converted exactly as a written value is
    (:func:`~arrowtap.connectors.kinetica.wire.values.arrow_to_wire`).

    Examples
    --------
    >>> import datetime as dt
    >>> ts = KineticaColumn("t", "long", ("timestamp",))
    >>> to_wire(ts, dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc))
    1704067200000
    """
    try:
        arr = pa.array([value])
    except (pa.ArrowException, TypeError, ValueError) as exc:
        raise InvalidArgumentError(f"{SYSTEM}: column {col.name!r}: bad value {value!r}") from exc
    plain = KineticaColumn(col.name, col.base, tuple(p for p in col.properties if p != "nullable"))
    wire = arrow_to_wire(pa.record_batch([arr], names=[col.name]), KineticaType((plain,)))
    return wire.column(0)[0].as_py()


def conjunction(*parts: str | None) -> str:
    """The expressions that are given, joined by ``and``.

    Examples
    --------
    >>> conjunction("a > 1", None, "b = 2")
    '(a > 1) and (b = 2)'
    """
    given = [p.strip() for p in parts if p and p.strip()]
    return given[0] if len(given) == 1 else " and ".join(f"({p})" for p in given)


@dataclass(frozen=True)
class KeyOrder:
    """The increasing column of an incremental read, and its tie-breaker if any.

    Examples
    --------
    >>> order = KeyOrder(KineticaColumn("id", "long"))
    >>> order.expression({"value": 41})
    'id > 41'
    >>> batch = pa.record_batch({"id": pa.array([42, 43], pa.int64())})
    >>> order.advance(batch, {"value": 41})
    {'value': 43}
    >>> order.completed({"value": 43}), order.finished({"value": 43, "complete": True})
    ({'value': 43, 'complete': True}, True)
    """

    column: KineticaColumn
    tie: KineticaColumn | None = None

    def check(self, offset: Any) -> tuple[Any, list[Any]] | None:
        """(value, ties) of an offset; :class:`InvalidArgumentError` if it is not one.

        ``{"complete": true}`` alone (a closed range without rows) has no value: it
        is not an offset to read after (see :meth:`finished`).
        """
        if offset is None:
            return None
        keys = {"value", "ties", "complete"} if self.tie is not None else {"value", "complete"}
        if not isinstance(offset, dict) or set(offset) - keys or "value" not in offset:
            raise InvalidArgumentError(
                f"{SYSTEM}: an offset of increasing column {self.column.name!r} is "
                f"{{'value': ...{', ties: [...]' if self.tie else ''}[, 'complete': True]}}, "
                f"not {offset!r}"
            )
        if offset.get("complete", True) is not True:
            raise InvalidArgumentError(
                f"{SYSTEM}: an offset's 'complete' is true or absent, not {offset['complete']!r}"
            )
        literal(self.column, offset["value"])
        ties = offset.get("ties", [])
        if not isinstance(ties, list):
            raise InvalidArgumentError(f"{SYSTEM}: offset ties must be a list, not {ties!r}")
        return offset["value"], ties

    def finished(self, offset: Any) -> bool:
        """Whether `offset` ends a closed range read to its end (``"complete": true``).

        :class:`InvalidArgumentError` if it is not an offset.
        """
        if offset == {"complete": True}:
            return True
        return self.check(offset) is not None and "complete" in offset

    def completed(self, offset: Any) -> dict[str, Any]:
        """`offset` (``None``: nothing delivered) marked as the end of a closed range."""
        self.check(offset)
        return {**(offset or {}), "complete": True}

    def expression(self, offset: Any) -> str:
        """The filter that selects the rows after `offset` (non-null values only)."""
        name = self.column.name
        checked = self.check(offset)
        if checked is None:
            return f"not is_null({name})" if self.column.nullable else ""
        op = ">=" if self.tie is not None else ">"
        return f"{name} {op} {literal(self.column, checked[0])}"

    def undelivered(self, wire: pa.RecordBatch, offset: Any) -> pa.RecordBatch:
        """`wire` without the rows the offset's ties say were delivered."""
        checked = self.check(offset)
        if checked is None or self.tie is None or not checked[1]:
            return wire
        value, ties = checked
        tie_values = pa.array(ties, wire.schema.field(self.tie.name).type)
        seen = pc.and_(
            pc.equal(wire.column(self.column.name), value),
            pc.is_in(wire.column(self.tie.name), value_set=tie_values),
        )
        return wire.filter(pc.invert(pc.fill_null(seen, False)))

    def advance(self, wire: pa.RecordBatch, offset: Any) -> Any:
        """The offset after delivering `wire` (rows ascending by the column) from `offset`."""
        if not wire.num_rows:
            return offset
        values = wire.column(self.column.name)
        if values.null_count:
            raise ProtocolError(
                f"{SYSTEM}: rows with a null {self.column.name!r} were not filtered"
            )
        if wire.num_rows > 1 and not pc.all(pc.less_equal(values[:-1], values[1:])).as_py():
            raise ProtocolError(f"{SYSTEM}: the server did not sort by {self.column.name!r}")
        last = values[-1].as_py()
        checked = self.check(offset)
        if checked is not None and values[0].as_py() < checked[0]:
            raise ProtocolError(
                f"{SYSTEM}: rows before the offset's {self.column.name!r} came back"
            )
        if self.tie is None:
            return {"value": last}
        at_last = wire.filter(pc.equal(values, last)).column(self.tie.name).to_pylist()
        ties = checked[1] if checked is not None and checked[0] == last else []
        return {"value": last, "ties": list(dict.fromkeys([*ties, *at_last]))}


def key_order(ktype: KineticaType, column: str, tie_breaker: str | None) -> KeyOrder:
    """The :class:`KeyOrder` of `column` (and `tie_breaker`) in `ktype`, checked.

    Examples
    --------
    >>> ktype = KineticaType((KineticaColumn("t", "long"), KineticaColumn("k", "string")))
    >>> key_order(ktype, "t", "k").expression({"value": 5, "ties": ["a"]})
    't >= 5'
    """
    col = ordered_column(ktype, column, "increasing column")
    tie = None
    if tie_breaker is not None:
        tie = ktype.column(column_name(tie_breaker))
        if tie.base not in ("int", "long", "string") or tie.name == col.name:
            raise InvalidArgumentError(
                f"{SYSTEM}: tie-breaker {tie_breaker!r} must be another int, long or string column"
            )
    return KeyOrder(col, tie)


def selected(ktype: KineticaType, columns: Sequence[str] | None) -> KineticaType:
    """The type of the columns read (all of them by default), in the order given.

    Examples
    --------
    >>> ktype = KineticaType((KineticaColumn("a", "int"), KineticaColumn("b", "double")))
    >>> selected(ktype, ["b", "a"]).names
    ('b', 'a')
    """
    if columns is None:
        return ktype
    if isinstance(columns, str) or not columns:
        raise InvalidArgumentError(f"{SYSTEM}: columns must be a non-empty list of names")
    for name in columns:
        if name not in ktype.names:
            raise InvalidArgumentError(
                f"{SYSTEM}: columns: no column {name!r} (the columns are {list(ktype.names)})"
            )
    return KineticaType(tuple(ktype.column(name) for name in columns), ktype.label)
