"""The Kinetica types of a SQL result's columns (``column_datatypes`` and Avro bases).

A result column that plainly refers to a table column (through joins and derived
tables) keeps that column's type, ``char16``, ``int8`` or ``timestamp`` included, and
is nullable if the column is or if it holds a null (the outer side of a join). An
aggregate follows Kinetica's SQL semantics:

=========  ===================================================================
COUNT      ``long``, never null
AVG        ``double``
SUM        ``long`` over an integer column (``int8``, ``int16``, ``int``, ``long``,
           ``boolean``, ``timestamp``), ``double`` over ``float`` or ``double``
MIN, MAX   the type of the column
=========  ===================================================================

Chosen where neither the protocol notes nor Kinetica's documentation say: SUM of a
``float`` column is a ``double`` (as AVG is; a float32 sum loses precision fast), and
SUM of anything else, such as a ``decimal`` kept as text, is a ``double`` because that
is what SQLite computes. Every aggregate but COUNT is nullable: over no rows, or only
nulls, it is NULL. An aggregate of an expression rather than a column, and any other
expression, is typed by its values: integers are ``long``, numbers with a fraction
``double``, bytes ``bytes``, anything else ``string``; a column without a value is a
nullable ``string`` (the most general type; nothing better is known of it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from arrowtap.testing.kinetica.dynamic import ResultColumn
from arrowtap.testing.kinetica.sql import Item

__all__ = ["restore", "result_columns"]

_INTEGER_BASES = ("int", "long")
_FLOAT_BASES = ("float", "double")


def _by_values(header: str, values: Sequence[Any], nullable: bool = False) -> ResultColumn:
    present = [v for v in values if v is not None]
    nullable = nullable or len(present) < len(values) or not present
    kinds = {type(v) for v in present}
    if present and kinds <= {int}:
        return ResultColumn(header, "long", nullable, "long")
    if present and kinds <= {int, float}:
        return ResultColumn(header, "double", nullable, "double")
    if present and kinds == {bytes}:
        return ResultColumn(header, "bytes", nullable, "bytes")
    return ResultColumn(header, "string", nullable, "string")


def _aggregate(
    header: str, name: str, argument: ResultColumn | None, values: Sequence[Any]
) -> ResultColumn:
    if name == "count":
        return ResultColumn(header, "long", False, "long")
    if name == "avg":
        return ResultColumn(header, "double", True, "double")
    if argument is None:
        typed = _by_values(header, values, nullable=True)
        if name == "sum" and typed.base != "long":
            return ResultColumn(header, "double", True, "double")
        return typed
    if name == "sum":
        base = "long" if argument.base in _INTEGER_BASES else "double"
        return ResultColumn(header, base, True, base)
    return ResultColumn(header, argument.base, True, argument.datatype)


def result_columns(
    headers: Sequence[str],
    lineage: Sequence[ResultColumn | None],
    items: Sequence[Item],
    arguments: Sequence[ResultColumn | None] | None,
    rows: Sequence[Sequence[Any]],
) -> list[ResultColumn]:
    """The typed columns of a result.

    Parameters
    ----------
    headers : sequence of str
        The result's column names.
    lineage : sequence of ResultColumn or None
        For each result column, the table column it plainly refers to, if any.
    items : sequence of Item
        The statement's select list; its aggregates are only known when it maps one
        item to one column (no ``*``).
    arguments : sequence of ResultColumn or None, optional
        For each result column, the table column an aggregate's argument refers to.
    rows : sequence of sequences
        The result's rows.

    Examples
    --------
    >>> from arrowtap.testing.kinetica.sql import parse_sql
    >>> stmt = parse_sql("SELECT k, AVG(x), COUNT(*) FROM t GROUP BY k")
    >>> key = ResultColumn("k", "string", False, "char8")
    >>> cols = result_columns(["k", "AVG(x)", "COUNT(*)"], [key, None, None], stmt.items,
    ...                       None, [("a", 1.5, 2)])
    >>> [(c.datatype, c.nullable) for c in cols]
    [('char8', False), ('double', True), ('long', False)]
    """
    mapped = len(items) == len(headers) and not any(i.star for i in items)
    out = []
    for n, header in enumerate(headers):
        values = [row[n] for row in rows]
        source = lineage[n]
        item = items[n] if mapped else None
        if source is not None:
            nullable = source.nullable or any(v is None for v in values)
            out.append(ResultColumn(header, source.base, nullable, source.datatype))
        elif item is not None and item.aggregate is not None:
            argument = arguments[n] if arguments and len(arguments) == len(headers) else None
            out.append(_aggregate(header, item.aggregate, argument, values))
        else:
            out.append(_by_values(header, values))
    return out


def _float(value: Any) -> Any:
    return None if value is None else float(value)  # "NaN" (see engine) is NaN


def _text(value: Any) -> Any:
    return value if value is None or isinstance(value, str) else str(value)


def restore(columns: Sequence[ResultColumn], rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """`rows` with values as their column's type holds them (floats, NaN, text).

    Examples
    --------
    >>> restore([ResultColumn("x", "double", True, "double")], [(1,), ("NaN",), (None,)])
    [(1.0,), (nan,), (None,)]
    """
    fixes: list[tuple[int, Callable[[Any], Any]]] = [
        (n, _float if c.base in _FLOAT_BASES else _text)
        for n, c in enumerate(columns)
        if c.base in (*_FLOAT_BASES, "string")
    ]
    if not fixes:
        return rows
    out = []
    for row in rows:
        values = list(row)
        for n, fix in fixes:
            values[n] = fix(values[n])
        out.append(tuple(values))
    return out
