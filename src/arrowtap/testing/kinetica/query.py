"""Selecting, sorting and paging rows: what the read endpoints and SQL share.

Paging follows ``/get/records`` (``kinetica.md`` §2.1): ``offset`` >= 0, ``limit`` a
count or ``-9999`` for "as many as the server gives", capped by the server's
``max_get_records_size``; ``total_number_of_records`` counts the rows that match, and
``has_more_records`` says whether any lie past the page. Without a filter or an order
the rows are served in insertion order without being decoded.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from arrowtap.testing.kinetica.expr import ExpressionError, Fn, compile_expression
from arrowtap.testing.kinetica.store import KineticaFault
from arrowtap.testing.kinetica.table import Table

__all__ = ["END_OF_SET", "compile_for", "json_record", "page", "select", "sort_spec"]

END_OF_SET = -9999
"""The ``limit`` meaning "as many as the server returns"."""


def compile_for(table: Table, text: str, *, sql: bool = False, what: str = "expression") -> Fn:
    """Compile an expression over `table`'s columns; :class:`KineticaFault` if invalid."""
    try:
        return compile_expression(text, table.ktype.names, sql=sql)
    except ExpressionError as exc:
        raise KineticaFault(f"Invalid {what}: {exc}") from None


def sort_spec(table: Table, options: dict[str, str]) -> list[tuple[str, bool]]:
    """(column, descending) pairs from ``sort_by``/``sort_order`` or ``order_by``.

    Examples
    --------
    >>> from arrowtap.connectors.kinetica.wire.types import KineticaColumn, KineticaType
    >>> t = Table("t", "1", KineticaType((KineticaColumn("a", "int"), KineticaColumn("b", "int"))))
    >>> sort_spec(t, {"order_by": "a desc, b"}), sort_spec(t, {"sort_by": "b"})
    ([('a', True), ('b', False)], [('b', False)])
    """
    spec: list[tuple[str, bool]] = []
    if options.get("sort_by"):
        order = options.get("sort_order", "ascending").strip().lower()
        if order not in ("ascending", "descending"):
            raise KineticaFault(f"Invalid sort_order '{order}': ascending or descending")
        spec.append((options["sort_by"].strip(), order == "descending"))
    for part in options.get("order_by", "").split(","):
        words = part.split()
        if words:
            desc = len(words) > 1 and words[1].lower() == "desc"
            if len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
                raise KineticaFault(f"Invalid order_by '{part.strip()}'")
            spec.append((words[0], desc))
    for name, _ in spec:
        if name not in table.ktype.names:
            raise KineticaFault(f"Unknown column '{name}' to sort table '{table.name}' by")
    return spec


def select(
    table: Table, expression: str, sort: Sequence[tuple[str, bool]], *, sql: bool = False
) -> list[int] | None:
    """The positions of the matching rows in order; ``None`` for all rows as stored.

    The result is kept on the table until its rows change (a few selections at most).
    """
    if not expression.strip() and not sort:
        return None
    key = (expression, tuple(sort), sql)
    if key in table.selections:
        return table.selections[key]
    positions = (
        table.select(compile_for(table, expression, sql=sql))
        if expression.strip()
        else list(range(len(table)))
    )
    positions = table.order(positions, sort) if sort else positions
    if len(table.selections) >= 8:
        table.selections.clear()
    table.selections[key] = positions
    return positions


def page(offset: int, limit: int, total: int, cap: int) -> tuple[int, int]:
    """The [start, stop) of a page; :class:`KineticaFault` for a bad offset or limit.

    Examples
    --------
    >>> page(0, -9999, 50_000, 20_000), page(45_000, 10_000, 50_000, 20_000)
    ((0, 20000), (45000, 50000))
    """
    if offset < 0:
        raise KineticaFault(f"Invalid offset {offset}: must be >= 0")
    if limit < 0 and limit != END_OF_SET:
        raise KineticaFault(f"Invalid limit {limit}: must be >= 0 or {END_OF_SET}")
    size = cap if limit == END_OF_SET else min(limit, cap)
    start = min(offset, total)
    return start, min(total, start + size)


def json_record(values: dict[str, Any]) -> str:
    """One record as Kinetica's JSON encoding writes it (bytes as code points 0-255)."""
    return json.dumps(
        {k: v.decode("latin-1") if isinstance(v, bytes) else v for k, v in values.items()}
    )
