"""``/execute/sql`` of the fake Kinetica: ``SELECT`` on SQLite, ``DELETE`` on the store.

A ``SELECT`` (:mod:`.sql` reads it, :mod:`.engine` runs it) answers a dynamic-schema
page (``kinetica.md`` §2.1): request ``offset`` and ``limit`` page over the statement's
result, ``total_number_of_records`` is its size, ``info.count`` too. With the
``paging_table`` option the first call keeps the result in that table (echoed back),
which later calls naming it page through until ``/clear/table`` drops it (as the
official client does, ``no_error_if_not_exists``). A ``DELETE`` answers
``count_affected`` and notifies delete monitors. A statement the fake or SQLite refuses
is an ``ERROR`` envelope (HTTP 400) naming the statement; an unknown table is
``Table '<name>' does not exist``, as elsewhere.
"""

from __future__ import annotations

import re
import sqlite3
from typing import TYPE_CHECKING, Any

from arrowtap.testing.kinetica.dynamic import encode_result
from arrowtap.testing.kinetica.engine import Result, run_select
from arrowtap.testing.kinetica.expr import ExpressionError
from arrowtap.testing.kinetica.query import compile_for, page
from arrowtap.testing.kinetica.sql import Delete, Select, parse_sql
from arrowtap.testing.kinetica.store import KineticaFault

if TYPE_CHECKING:
    from arrowtap.testing.kinetica.fake import FakeKinetica

__all__ = ["ROUTES"]

Request = dict[str, Any]
Response = dict[str, Any]

_NO_TABLE = re.compile(r"no such table: (.+)")


def _fault(exc: sqlite3.Error, statement: str) -> KineticaFault:
    """The error envelope of a statement SQLite refused."""
    missing = _NO_TABLE.fullmatch(str(exc))
    if missing:
        return KineticaFault(f"Table '{missing.group(1)}' does not exist")
    return KineticaFault(f"SQL error: {exc} in {statement!r}")


def _select(fake: FakeKinetica, stmt: Select, req: Request, encoding: str) -> Response:
    paging = req["options"].get("paging_table", "")
    result: Result | None = fake.store.results.get(paging) if paging else None
    if result is None:
        try:
            result = run_select(fake.store, stmt)
        except sqlite3.Error as exc:
            raise _fault(exc, req["statement"]) from None
        except ExpressionError as exc:
            raise KineticaFault(f"SQL error: {exc}") from None
        if paging:  # kept: later pages neither run the query again nor shift
            fake.store.results[paging] = result
    total = len(result.rows)
    start, stop = page(req["offset"], req["limit"], total, fake.max_get_records_size)
    rows = result.rows[start:stop]
    data = [[r[n] for r in rows] for n in range(len(result.columns))]
    schema, binary, text = encode_result(result.columns, data, encoding)
    return {
        "count_affected": 0,
        "response_schema_str": schema,
        "binary_encoded_response": binary,
        "json_encoded_response": text,
        "total_number_of_records": total,
        "has_more_records": stop < total,
        "paging_table": paging,
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
    """Run one statement: a ``SELECT`` on SQLite, a ``DELETE`` on the store."""
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
