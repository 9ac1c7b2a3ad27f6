"""``/execute/sql`` of the fake Kinetica, for the subset of :mod:`.sql`.

A ``SELECT`` answers a dynamic-schema page (``kinetica.md`` §2.1): request ``offset``
and ``limit`` page over the statement's result, ``total_number_of_records`` is its
size, ``info.count`` too. With the ``paging_table`` option the first call keeps the
result in that table (echoed back), which later calls naming it page through until
``/clear/table`` drops it (as the official client does, ``no_error_if_not_exists``).
A subquery in ``FROM`` is evaluated whole, then filtered, ordered and cut by the outer
statement. A ``DELETE`` answers ``count_affected`` and notifies delete monitors.
Unquoted identifiers match columns case-insensitively.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from arrowtap.testing.kinetica.dynamic import ResultColumn, encode_result
from arrowtap.testing.kinetica.expr import ExpressionError, Row, compile_expression
from arrowtap.testing.kinetica.query import compile_for, page, select
from arrowtap.testing.kinetica.sql import Delete, Select, parse_sql
from arrowtap.testing.kinetica.store import KineticaFault

if TYPE_CHECKING:
    from arrowtap.testing.kinetica.fake import FakeKinetica

__all__ = ["ROUTES"]

Request = dict[str, Any]
Response = dict[str, Any]


def _column(names: Sequence[str], name: str, relation: str) -> str:
    if name in names:
        return name
    for candidate in names:
        if candidate.lower() == name.lower():
            return candidate
    raise KineticaFault(f"Unknown column '{name}' in table '{relation}'")


def _relation(fake: FakeKinetica, stmt: Select) -> tuple[dict[str, ResultColumn], list[Row]]:
    """The columns (by name) and rows of what ``FROM`` names, filtered and ordered."""
    if stmt.subquery is None:
        table = fake.store.table(stmt.table)
        names = table.ktype.names
        order = [(_column(names, name, table.name), desc) for name, desc in stmt.order_by]
        found = select(table, stmt.where, order, sql=True)
        values = table.values()
        rows = values if found is None else [values[i] for i in found]
        return {n: ResultColumn.of(table.ktype.column(n)) for n in names}, rows
    inner, keys, derived = _result(fake, stmt.subquery)
    columns = {c.header: c for c in inner}
    rows = [{c.header: r[k] for c, k in zip(inner, keys, strict=True)} for r in derived]
    alias = stmt.table or "subquery"
    if stmt.where.strip():
        try:
            keep = compile_expression(stmt.where, list(columns), sql=True)
        except ExpressionError as exc:
            raise KineticaFault(f"Invalid expression: {exc}") from None
        rows = [r for r in rows if keep(r)]
    for name, desc in reversed(stmt.order_by):
        column = _column(list(columns), name, alias)
        # As a table's rows sort: nulls first when ascending.
        rows = sorted(rows, key=lambda r: (r[column] is not None, r[column]), reverse=desc)
    return columns, rows


def _result(fake: FakeKinetica, stmt: Select) -> tuple[list[ResultColumn], list[str], list[Row]]:
    """A SELECT's result columns, the row keys they read, and its rows (before paging)."""
    columns, rows = _relation(fake, stmt)
    end = None if stmt.limit is None else stmt.offset + stmt.limit
    rows = rows[stmt.offset : end]
    items = stmt.items or tuple((name, name) for name in columns)
    counts = [column is None for column, _ in items]
    if all(counts):
        result = [ResultColumn(header, "long", False, "long") for _, header in items]
        return result, [header for _, header in items], [{h: len(rows) for _, h in items}]
    if any(counts):
        raise KineticaFault("COUNT(*) with other columns needs GROUP BY, which is not supported")
    keys = [_column(list(columns), column or "", stmt.table) for column, _ in items]
    result = [
        ResultColumn(header, columns[k].base, columns[k].nullable, columns[k].datatype)
        for k, (_, header) in zip(keys, items, strict=True)
    ]
    return result, keys, rows


def _select(fake: FakeKinetica, stmt: Select, req: Request, encoding: str) -> Response:
    paging = req["options"].get("paging_table", "")
    result = fake.store.results.get(paging) if paging else None
    if result is None:
        result = _result(fake, stmt)
        if paging:  # kept: later pages neither run the query again nor shift
            fake.store.results[paging] = result
    columns, keys, rows = result
    total = len(rows)
    start, stop = page(req["offset"], req["limit"], total, fake.max_get_records_size)
    data = [[r[k] for r in rows[start:stop]] for k in keys]
    schema, binary, text = encode_result(columns, data, encoding)
    return {
        "count_affected": 0,
        "response_schema_str": schema,
        "binary_encoded_response": binary,
        "json_encoded_response": text,
        "total_number_of_records": total,
        "has_more_records": stop < total,
        "paging_table": req["options"].get("paging_table", ""),
        "info": {"count": str(total)},
    }


def _delete(fake: FakeKinetica, stmt: Delete, encoding: str) -> Response:
    table = fake.store.table(stmt.table)
    keep = compile_for(table, stmt.where, sql=True)
    count = table.delete(table.select(keep))
    fake.publisher.counted(table.name, "delete", count)
    schema, binary, text = encode_result([], [], encoding)
    return {
        "count_affected": count,
        "response_schema_str": schema,
        "binary_encoded_response": binary,
        "json_encoded_response": text,
        "info": {"count": str(count)},
    }


def execute_sql(fake: FakeKinetica, req: Request) -> Response:
    """Run one statement of the subset."""
    encoding = req["encoding"].lower() or "binary"
    if encoding not in ("binary", "json"):
        raise KineticaFault(f"Unsupported encoding '{req['encoding']}' for /execute/sql")
    try:
        stmt = parse_sql(req["statement"])
    except ExpressionError as exc:
        raise KineticaFault(f"SQL error: {exc}") from None
    if isinstance(stmt, Delete):
        return _delete(fake, stmt, encoding)
    return _select(fake, stmt, req, encoding)


ROUTES = {"/execute/sql": execute_sql}
