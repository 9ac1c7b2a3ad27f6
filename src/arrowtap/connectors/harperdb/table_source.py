"""A HarperDB table as a source: pages in (updated time, primary key) order, resumable.

The offset of a page is ``{"updated": t, "key": k}``, the updated time and
primary key of its last row (``t`` the float of milliseconds exactly as the
server sent it, or a ``Date``'s ISO text). The next page is the rows strictly
after it in (updated time, key) order, fetched with ``search_by_conditions``
sorted on both and limited to one row more than the page holds (that row
only tells whether rows follow, so the last page needs no empty answer
after it), in two queries, each served from the indexes:

1. ``updated between [t, t] and key > k`` - the rest of the rows sharing ``t``
   (not ``updated equals t``, which 4.7.29 refuses with the key condition on
   an indexed ``Date``);
2. ``updated between [next_after(t), upper]`` - the rows after ``t``.

(A single ``or`` of the two is answered correctly by HarperDB 4.7.29 but
costs time proportional to every row after the offset; ``key > k`` sorted
on the key alone is answered wrongly, so the sort is always on both.)
``upper`` is the highest updated time when the read was planned: rows
changed while a read runs are left for the next one, so a read ends. (A plain
read learns it from its first page, asked with no upper bound: see
:mod:`~arrowtap.connectors.harperdb.first_page`.) A partition may also be a
range of updated times (``since`` to ``upper``; see
:mod:`~arrowtap.connectors.harperdb.ranges`). Keys compare in HarperDB's
index order (numbers before strings), not Python's.

A *closed* range (one that a later range follows) read to its end is
complete for good: HarperDB stamps a row it changes with the time now, past
every bound, so no row can enter the range again. The last page of a closed
range says so, ``{"updated": t, "key": k, "complete": true}``, and a read
from that offset returns at once, without a request. (On a cluster this
holds as far as the nodes' clocks agree.)

A table whose updated time is not indexed (or that has none) can only be
read whole, in primary key order (offset ``{"updated": None, "key": k}``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import pyarrow as pa

from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.harperdb.table_offsets import (
    check_offset,
    earliest,
    is_complete,
    iso_ms,
    next_iso,
    no_offsets,
    wire_time,
)
from arrowtap.connectors.harperdb.wire.arguments import check_name
from arrowtap.connectors.harperdb.wire.client import SYSTEM, HarperDBClient, operation_url
from arrowtap.connectors.harperdb.wire.decode import decode_records, page_batch
from arrowtap.connectors.harperdb.wire.known_tables import describe
from arrowtap.connectors.harperdb.wire.layout import SchemaLike, TableLayout, table_layout
from arrowtap.connectors.harperdb.wire.times import next_after
from arrowtap.errors import InvalidArgumentError, InvalidTypeError
from arrowtap.io.contract import Offset, Page, Partition

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "HarperDBTableSource",
    "TablePartition",
    "check_offset",
    "earliest",
    "is_complete",
    "iso_ms",
]

DEFAULT_PAGE_SIZE = 10_000


@dataclass(frozen=True)
class TablePartition(Partition):
    """One table read: its layout, where to start without an offset, where to stop.

    ``since`` and ``upper`` are updated times as they travel (inclusive both);
    ``upper`` is ``None`` for an empty table (nothing to read). ``closed``: a
    later range follows this one, so no row can enter it once it was read.
    """

    layout: TableLayout | None = None
    since: float | str | None = None
    upper: float | str | None = None
    closed: bool = False


class HarperDBTableSource:
    """Pages of one HarperDB table under its declared schema.

    Parameters
    ----------
    url : str
        The node's operations API.
    database, table : str
        The table.
    columns : list of str, optional
        The columns, in order (default: every described attribute).
    schema : pyarrow.Schema or mapping, optional
        Declared types (see :mod:`~arrowtap.connectors.harperdb.wire.layout`).
    page_size : int
        Rows per request.
    username, password, client, retry
        As for :class:`~arrowtap.connectors.harperdb.wire.client.HarperDBClient`.
    """

    def __init__(
        self,
        url: str,
        database: str,
        table: str,
        *,
        columns: Sequence[str] | None = None,
        schema: SchemaLike | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        username: str | None = None,
        password: str | None = None,
        client: httpx.Client | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.database = check_name("read", "database", database)
        self.table = check_name("read", "table", table)
        if isinstance(page_size, bool) or not isinstance(page_size, int):
            raise InvalidTypeError(f"{SYSTEM}: page_size must be an int, got {page_size!r}")
        if page_size < 1:
            raise InvalidArgumentError(f"{SYSTEM}: page_size must be >= 1, got {page_size!r}")
        self.page_size = page_size
        if columns is not None and (
            isinstance(columns, str)
            or not isinstance(columns, Sequence)
            or not all(isinstance(c, str) for c in columns)
        ):
            raise InvalidTypeError(f"{SYSTEM}: columns must be a list of names, not {columns!r}")
        if schema is not None and not isinstance(schema, pa.Schema | Mapping):
            raise InvalidTypeError(
                f"{SYSTEM}: schema must be a pyarrow.Schema or a mapping of column to pyarrow"
                f" type, not {type(schema).__name__}"
            )
        self.columns = None if columns is None else list(columns)
        self.declared = schema
        self._options: dict[str, Any] = dict(username=username, password=password, retry=retry)
        self.url = url
        self.user_client = client
        self._client: HarperDBClient | None = None
        self._layout: TableLayout | None = None
        # First pages read when planning (see first_page), by partition key: the page,
        # or None for an empty read, and whether rows follow it.
        self._primed: dict[str, tuple[Page | None, bool]] = {}
        self._lock = threading.RLock()
        operation_url(url)  # checked now, before any request

    def __repr__(self) -> str:
        url = operation_url(self.url)[0]
        return f"HarperDBTableSource({url!r}, {self.database!r}, {self.table!r})"

    def __getstate__(self) -> dict[str, Any]:
        # Sources travel (processes, Dask workers) without live clients, nor the
        # caller's httpx client, which belongs to the caller's process.
        # Nor a first page read when planning: a read elsewhere asks it again.
        skip = ("_client", "_lock", "_primed")
        state = {k: v for k, v in self.__dict__.items() if k not in skip}
        return state | {"user_client": None, "_client": None, "_primed": {}}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.RLock()

    def __copy__(self) -> HarperDBTableSource:
        # A copy stays in this process (Dask's threaded scheduler copies the source
        # per task): it keeps the caller's client but opens its own HarperDBClient.
        copy = HarperDBTableSource.__new__(HarperDBTableSource)
        copy.__setstate__(self.__getstate__() | {"user_client": self.user_client})
        return copy

    @property
    def hdb(self) -> HarperDBClient:
        """The operations API client, opened on first use."""
        with self._lock:  # partitions read in threads share one source
            if self._client is None:
                self._client = HarperDBClient(self.url, client=self.user_client, **self._options)
            return self._client

    def close(self) -> None:
        """Close the HTTP client if one was opened here."""
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    def __enter__(self) -> HarperDBTableSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def merge_key(self) -> tuple[str, ...]:
        """The table's primary key: a destination in merge mode keeps one row per key."""
        return (self.layout.primary_key,)

    @property
    def layout(self) -> TableLayout:
        """The table's layout, from ``describe_table`` (asked once, and remembered).

        A plain read takes it from its first page instead (see
        :mod:`~arrowtap.connectors.harperdb.first_page`).
        """
        with self._lock:
            if self._layout is None:
                self._layout = self.layout_of(describe(self.hdb, self.database, self.table))
            return self._layout

    def layout_of(self, described: Any) -> TableLayout:
        """The layout of this read (its ``columns`` and ``schema``) under a description."""
        return table_layout(
            described, self.database, self.table, columns=self.columns, schema=self.declared
        )

    def keep_first_page(self, partition: TablePartition, page: Page | None, more: bool) -> None:
        """Start the next read of ``partition`` from its start with ``page`` (read when planned).

        ``page`` is ``None`` for a read with no row; ``more``: rows follow it.
        """
        assert partition.layout is not None
        with self._lock:
            self._layout = partition.layout
            self._primed[partition.key] = (page, more)

    @property
    def schema(self) -> pa.Schema:
        """The declared schema of every batch."""
        return self.layout.schema

    @property
    def key(self) -> str:
        """The partition key: the table, not the node, so a cluster's nodes share offsets."""
        return f"harperdb:{self.database}.{self.table}"

    def partition(
        self, since_ns: int | None = None, *, incremental: bool = False
    ) -> TablePartition:
        """Plan a read: rows updated at or after ``since_ns``, up to the latest update now.

        ``incremental``: the read resumes from offsets (a checkpoint, a sync), which
        a table without an indexed updated time cannot give.
        """
        layout = self.layout
        if layout.cursor is None:
            if incremental or since_ns is not None:
                raise no_offsets(layout)
            return TablePartition(self.key, layout)
        since = None if since_ns is None else self.wire_time(since_ns)
        # The latest update of the whole table, not of the rows after ``since``:
        # a read resumed from an offset before ``since`` goes up to it too.
        return TablePartition(self.key, layout, since, self.edge(last=True))

    def wire_time(self, ns: int) -> float | str:
        """``ns`` as the cursor travels: float ms, or the ISO text of the ms that holds it."""
        return wire_time(self.layout, ns)

    def edge(self, *, last: bool, layout: TableLayout | None = None) -> float | str | None:
        """The earliest (or latest) updated time of the table, as sent; ``None`` if empty."""
        layout = layout or self.layout
        if layout.cursor is None:
            raise InvalidArgumentError(f"{SYSTEM}: {self.key} has no indexed updated time")
        condition = {
            "search_attribute": layout.cursor,
            "search_type": "greater_than_equal",
            "search_value": earliest(layout),
        }
        query = self.query(layout, [condition], 1, descending=last)
        rows = decode_records(self._raw(query), f"search_by_conditions on {self.key}")
        return rows[0][layout.cursor] if rows else None

    def query(
        self,
        layout: TableLayout,
        conditions: list[dict[str, Any]],
        limit: int,
        descending: bool = False,
    ) -> dict[str, Any]:
        """The fields of a ``search_by_conditions`` in (updated time, key) order."""
        sort: dict[str, Any] = {"attribute": layout.primary_key, "descending": descending}
        if layout.cursor is not None:
            sort = {"attribute": layout.cursor, "descending": descending, "next": sort}
        return {
            "database": self.database,
            "table": self.table,
            "operator": "and",
            "conditions": conditions,
            "get_attributes": layout.fetched,
            "sort": sort,
            "limit": limit,
        }

    def _raw(self, fields: dict[str, Any]) -> bytes:
        return self.hdb.operation_bytes("search_by_conditions", **fields)

    @staticmethod
    def _conditions(
        layout: TableLayout, part: TablePartition, after: tuple[float | str | None, Any] | None
    ) -> list[list[dict[str, Any]]]:
        """The queries of the next page, in order: the rest of a tie, then the rows after it."""
        cursor, pk = layout.cursor, layout.primary_key
        if cursor is None:
            start = {"search_type": "greater_than_equal", "search_value": layout.lowest_key}
            if after is not None:
                start = {"search_type": "greater_than", "search_value": after[1]}
            return [[{"search_attribute": pk, **start}]]
        if part.upper is None:
            return []
        queries = []
        if after is None:
            lower = part.since if part.since is not None else earliest(layout)
        else:
            updated, key = after
            tie = [
                # "between [t, t]": an "equals" on an indexed Date cursor combined with
                # the key condition fails on 4.7.29 ("Unable to serialize object as a key").
                {
                    "search_attribute": cursor,
                    "search_type": "between",
                    "search_value": [updated, updated],
                },
                {"search_attribute": pk, "search_type": "greater_than", "search_value": key},
            ]
            queries.append(tie)
            if isinstance(updated, str):
                lower = next_iso(updated)
            else:
                lower = next_after(float(updated or 0.0))
        if type(lower) is type(part.upper) and lower > part.upper:  # type: ignore[operator]
            return queries  # nothing after the offset within this read
        between = {"search_type": "between", "search_value": [lower, part.upper]}
        queries.append([{"search_attribute": cursor, **between}])
        return queries

    def read(self, partition: Partition, offset: Offset | None = None) -> Iterator[Page]:
        """Pages of ``partition`` after ``offset`` (``None``: from ``since`` or the start)."""
        if not isinstance(partition, TablePartition) or partition.layout is None:
            raise InvalidArgumentError(f"{SYSTEM}: not a HarperDB table partition: {partition!r}")
        layout = partition.layout  # planned on the driver: no describe_table here
        after = None if offset is None else check_offset(offset, layout)
        if partition.closed and is_complete(offset):
            return  # a closed range read to its end: no row can have entered it since
        what = f"search_by_conditions on {self.key}"
        more = True
        if offset is None:
            with self._lock:
                primed = self._primed.pop(partition.key, None)
            if primed is not None:
                first, more = primed
                if first is not None:
                    yield first
                    after = check_offset(first.offset, layout)
        while more:
            batches: list[pa.RecordBatch] = []
            last = None
            room = self.page_size
            for conditions in self._conditions(layout, partition, after):
                # One row past the room: whether rows follow, without asking again.
                query = self.query(layout, conditions, room + 1)
                batch, tail, more = page_batch(self._raw(query), layout, what, room)
                if batch.num_rows:
                    batches.append(batch)
                    last = tail
                    room -= batch.num_rows
                if more:
                    break
            if last is None:
                return
            updated = last.get(layout.cursor) if layout.cursor is not None else None
            after = (updated, last.get(layout.primary_key))
            batch = batches[0] if len(batches) == 1 else pa.concat_batches(batches)
            page: dict[str, Any] = {"updated": after[0], "key": after[1]}
            if partition.closed and not more:
                page["complete"] = True
            yield Page(batch, page)
