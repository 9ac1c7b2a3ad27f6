"""A plain table read planned by its first page: a table of one page is read in one request.

A read ends at an upper bound of the updated time, so that rows changed while it
runs are left for the next read (:mod:`~arrowtap.connectors.harperdb.table_source`).
:meth:`~HarperDBTableSource.partition` asks the table's latest update for it, and
``describe_table`` before that: three requests for a table of a few rows. A plain
read (no checkpoint, read at once) asks for its first page instead, with no upper
bound (``updated >= since``, one row past the page), under the table's remembered
description (:mod:`~arrowtap.connectors.harperdb.wire.known_tables`):

- if no row follows the page, that one answer holds every row of the table at or
  after ``since``: the read is complete and consistent, and its upper bound is the
  updated time of its last row (rows are sorted by it). The partition is then
  ``[since, that time]`` as if planned with it, so a read of it again (elsewhere, or
  from an offset of it) answers the same rows;
- if rows follow, the latest update is asked now, after the page (it is at or
  after every row of it), and the read goes on to it from the page's offset, as
  any planned read. A row of the first page updated in the moment between the two
  requests comes again later in the read, with its new values (as a row updated
  between two incremental reads does); rows changed after the second are left for
  the next read, as ever.

So the bound is fixed before the second page, every offset is one of the ordinary
offsets, and the partition is a plain one (not a closed range: no ``complete``
mark). Reads from offsets (a checkpoint, a sync), Dask ranges and kept plans
(:func:`~arrowtap.plan_harperdb`) are planned as before, with the bound asked first.

The first page checks the remembered description: asked with ``get_attributes:
["*"]``, its records show the table's attributes now, which must be the remembered
ones; an empty page, a refused search or a value that does not decode proves
nothing. Whenever it is not confirmed, or rows follow the page (the read goes on
under this layout), the table is described again; if the description changed, the
page is read again under the new one. A table with a defined schema, or a read of
some ``columns=``, is described first (see ``known_tables`` for why).
"""

from __future__ import annotations

from typing import Any

from arrowtap.connectors.harperdb.table_offsets import earliest, no_offsets, wire_time
from arrowtap.connectors.harperdb.table_source import HarperDBTableSource, TablePartition
from arrowtap.connectors.harperdb.wire.decode import decode_records, page_of
from arrowtap.connectors.harperdb.wire.known_tables import (
    confirms,
    describe,
    is_dynamic,
    remembered,
)
from arrowtap.connectors.harperdb.wire.layout import TableLayout
from arrowtap.errors import (
    AuthenticationError,
    BadRequestError,
    DecodeError,
    InvalidArgumentError,
    NotFoundError,
)
from arrowtap.io.contract import Page

__all__ = ["prime"]

# What a stale description can cause: an attribute or a table it names is gone (or
# no longer granted to the user: 403), or a value does not fit a type it gave. Asked
# again, the table answers for itself (and a wrong password fails there too).
_STALE = (AuthenticationError, BadRequestError, NotFoundError, DecodeError, InvalidArgumentError)


def _first_conditions(layout: TableLayout, since: float | str | None) -> list[dict[str, Any]]:
    if layout.cursor is None:  # read by key alone, from the lowest
        start = {"search_type": "greater_than_equal", "search_value": layout.lowest_key}
        return [{"search_attribute": layout.primary_key, **start}]
    lower = since if since is not None else earliest(layout)
    return [{"search_attribute": layout.cursor, "search_type": "greater_than_equal",
             "search_value": lower}]  # fmt: skip


def prime(source: HarperDBTableSource, since_ns: int | None) -> TablePartition:
    """Plan a plain read of ``source`` from ``since_ns`` by reading its first page now.

    The page is kept by ``source``: the read of the partition returned starts with it.

    Examples
    --------
    >>> from arrowtap.connectors.harperdb.wire.canned import canned_client, canned_table
    >>> answers = canned_table([{"id": i, "__updatedtime__": float(i)} for i in range(3)])
    >>> asked = []
    >>> search = answers["search_by_conditions"]
    >>> answers["search_by_conditions"] = lambda body: asked.append(body) or search(body)
    >>> source = HarperDBTableSource("http://h:9925", "db", "t", client=canned_client(answers))
    >>> part = prime(source, None)
    >>> part.upper, [page.batch.num_rows for page in source.read(part)], len(asked)
    (2.0, [3], 1)
    """
    hdb = source.hdb
    what = f"search_by_conditions on {source.key}"
    described = remembered(hdb, source.database, source.table)
    trusted = described is not None and source.columns is None and is_dynamic(described)
    if not trusted:
        described = describe(hdb, source.database, source.table)
    while True:
        try:
            layout = source.layout_of(described)
            if layout.cursor is None and since_ns is not None:
                raise no_offsets(layout)
            since = None if since_ns is None else wire_time(layout, since_ns)
            query = source.query(layout, _first_conditions(layout, since), source.page_size + 1)
            if trusted:
                query["get_attributes"] = ["*"]  # the table's attributes now, in their order
            body = hdb.operation_bytes("search_by_conditions", **query)
            records = decode_records(body, what)
            batch, last, more = page_of(records, body, layout, what, source.page_size)
            confirmed = not trusted or confirms(described, records)
        except _STALE:
            if not trusted:
                raise
            answered = confirmed = False
        else:
            answered = True
        if trusted and (not confirmed or more):
            # Not confirmed, or the read goes on: under the table's description now.
            fresh = describe(hdb, source.database, source.table)
            trusted = False
            if not answered or fresh != described:
                described = fresh
                continue  # the page again, under the new description
        break
    page, upper = None, None
    if last is not None:
        upper = last.get(layout.cursor) if layout.cursor is not None else None
        page = Page(batch, {"updated": upper, "key": last.get(layout.primary_key)})
    if layout.cursor is None:
        part = TablePartition(source.key, layout)
    else:
        if more:  # the latest update now: at or after every row of the page
            upper = source.edge(last=True, layout=layout)
        part = TablePartition(source.key, layout, since, upper)
    source.keep_first_page(part, page, more)
    return part
