"""``/execute/sql`` of the fake Kinetica, for the subset of :mod:`.sql`.

A ``SELECT`` answers a dynamic-schema page (``kinetica.md`` §2.1): request ``offset``
and ``limit`` page over the statement's result, ``total_number_of_records`` is its
size, ``info.count`` too, and the ``paging_table`` option is echoed back (the official
client clears that table afterwards with ``no_error_if_not_exists``). A ``DELETE``
answers ``count_affected`` and notifies delete monitors. Unquoted identifiers match
columns case-insensitively.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from arrowtap.testing.kinetica.dynamic import ResultColumn, encode_result
from arrowtap.testing.kinetica.expr import ExpressionError
from arrowtap.testing.kinetica.query import compile_for, page, select
from arrowtap.testing.kinetica.sql import Delete, Select, parse_sql
from arrowtap.testing.kinetica.store import KineticaFault
from arrowtap.testing.kinetica.table import Table

if TYPE_CHECKING:
    from arrowtap.testing.kinetica.fake import FakeKinetica

__all__ = ["ROUTES"]

Request = dict[str, Any]
Response = dict[str, Any]


def _column(table: Table, name: str) -> str:
    if name in table.ktype.names:
        return name
    for candidate in table.ktype.names:
        if candidate.lower() == name.lower():
            return candidate
    raise KineticaFault(f"Unknown column '{name}' in table '{table.name}'")


def _select(fake: FakeKinetica, stmt: Select, req: Request, encoding: str) -> Response:
    table = fake.store.table(stmt.table)
    order = [(_column(table, name), desc) for name, desc in stmt.order_by]
    found = select(table, stmt.where, order, sql=True)
    positions = list(range(len(table))) if found is None else found
    end = None if stmt.limit is None else stmt.offset + stmt.limit
    positions = positions[stmt.offset : end]
    items = stmt.items or tuple((name, name) for name in table.ktype.names)
    counts = [column is None for column, _ in items]
    values = table.values()
    if all(counts):
        columns = [ResultColumn(header, "long", False, "long") for _, header in items]
        data: list[list[Any]] = [[len(positions)] for _ in items]
        total = 1
    elif any(counts):
        raise KineticaFault("COUNT(*) with other columns needs GROUP BY, which is not supported")
    else:
        names = [_column(table, column or "") for column, _ in items]
        columns = [
            ResultColumn.of(table.ktype.column(n), h)
            for n, (_, h) in zip(names, items, strict=True)
        ]
        total = len(positions)
        start, stop = page(req["offset"], req["limit"], total, fake.max_get_records_size)
        rows = [values[i] for i in positions[start:stop]]
        data = [[r[n] for r in rows] for n in names]
    schema, binary, text = encode_result(columns, data, encoding)
    start, stop = page(req["offset"], req["limit"], total, fake.max_get_records_size)
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
