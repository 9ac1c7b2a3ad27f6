"""A Kinetica table as a source: ``/get/records`` pages under the schema of its type.

The schema is declared before any row is read: ``/show/table`` gives the table's
record type, which maps to Arrow (:mod:`~arrowtap.connectors.kinetica.wire.schema`); a plain
read learns it with its first page instead (:meth:`TableSource.prime`). A
partition is the table, optionally filtered (``where``) and cut to a range of a
column (for Dask); it is small and picklable and carries no client. A read of some
columns (``columns=``) asks ``/get/records/bycolumn`` for those only (and the columns
its offsets need), so the others never leave the server.

A plain read pages by row offset, as the official client does (``{"row": n}``, valid
within one read). An incremental read pages in the order of an increasing column and
its offsets are values of that column (:mod:`~arrowtap.connectors.kinetica.wire.incremental`),
which stay valid across runs while rows come and go. A range of the column with an
upper bound, read to its end, is complete for good (the values only grow): its last
offset says so (``"complete": true``) and a later read from it sends no request.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any

import httpx
import pyarrow as pa

from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.kinetica.table_partitions import TablePartition, table_partition
from arrowtap.connectors.kinetica.wire.bycolumn import by_column_request, read_by_column_page
from arrowtap.connectors.kinetica.wire.client import SYSTEM, KineticaClient, LazyClient
from arrowtap.connectors.kinetica.wire.incremental import (
    KeyOrder,
    conjunction,
    key_order,
    literal,
    ordered_column,
    selected,
)
from arrowtap.connectors.kinetica.wire.known_types import describe, first_page
from arrowtap.connectors.kinetica.wire.pages import (
    RecordsPage,
    get_records_request,
    read_records_page,
)
from arrowtap.connectors.kinetica.wire.prefetch import prefetched
from arrowtap.connectors.kinetica.wire.schema import to_arrow_schema
from arrowtap.connectors.kinetica.wire.types import KineticaType
from arrowtap.connectors.kinetica.wire.values import wire_to_arrow
from arrowtap.errors import InvalidArgumentError
from arrowtap.io.contract import Offset, Page, Partition

__all__ = ["DEFAULT_PAGE_SIZE", "TablePartition", "TableSource"]

DEFAULT_PAGE_SIZE = 50_000
"""Rows asked for per ``/get/records`` call (the server may return fewer)."""


@dataclass(repr=False)
class TableSource(LazyClient):
    """The pages of one Kinetica table.

    Parameters
    ----------
    url : str
        The server, e.g. ``http://kinetica:9191``.
    table : str
        The table (``schema.table`` or ``table``).
    columns : sequence of str, optional
        The columns to return, in this order; all by default.
    increasing_column : str, optional
        Read incrementally in the order of this column; offsets are its values.
    tie_breaker : str, optional
        A unique column that orders rows sharing a value of ``increasing_column``.
    page_size : int
        Rows per ``/get/records`` call.
    username, password, token, client, retry
        As for :class:`~arrowtap.connectors.kinetica.wire.client.KineticaClient`.
    table_type : KineticaType, optional
        The table's type if already known (else ``/show/table`` tells it).
    prefetch : int
        Pages requested ahead while one is decoded (0: one by one, in the
        calling thread alone; see :meth:`in_one_thread`).

    Examples
    --------
    >>> from arrowtap.testing.kinetica import FakeKinetica
    >>> with FakeKinetica() as fake:
    ...     _ = fake.create_table("t", [("seq", "long"), ("x", "double")])
    ...     fake.insert("t", [{"seq": i, "x": i / 2} for i in range(5)])
    ...     with TableSource(fake.url, "t", increasing_column="seq", page_size=2) as source:
    ...         pages = list(source.read(source.partition(), {"value": 1}))
    >>> [(p.batch.num_rows, p.offset) for p in pages]
    [(2, {'value': 3}), (1, {'value': 4})]
    """

    url: str
    table: str
    columns: Sequence[str] | None = None
    increasing_column: str | None = None
    tie_breaker: str | None = None
    page_size: int = DEFAULT_PAGE_SIZE
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    client: httpx.Client | None = field(default=None, repr=False)
    retry: RetryPolicy | None = None
    table_type: KineticaType | None = field(default=None, repr=False)
    prefetch: int = field(default=2, repr=False)
    _kinetica: KineticaClient | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _primed: dict[str, RecordsPage] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        if isinstance(self.page_size, bool) or not isinstance(self.page_size, int):
            raise InvalidArgumentError(
                f"{SYSTEM}: page_size must be an int, not {self.page_size!r}"
            )
        if self.page_size < 1:
            raise InvalidArgumentError(f"{SYSTEM}: page_size must be >= 1, not {self.page_size}")
        if self.columns is not None:
            if isinstance(self.columns, str):
                raise InvalidArgumentError(f"{SYSTEM}: columns must be a list of names, not a str")
            self.columns = tuple(self.columns)
        if self.tie_breaker is not None and self.increasing_column is None:
            raise InvalidArgumentError(f"{SYSTEM}: a tie_breaker needs an increasing_column")

    # -- connections, pickling -------------------------------------------------------

    def __getstate__(self) -> dict[str, object]:
        # Sources travel (threads, processes, Dask workers) without live clients.
        names = ("url", "table", "columns", "increasing_column", "tie_breaker", "page_size")
        state = {name: getattr(self, name) for name in names}
        state |= {"username": self.username, "password": self.password, "token": self.token}
        state |= {"retry": self.retry, "table_type": self.table_type}
        return state | {"prefetch": self.prefetch}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__init__(**state)  # type: ignore[misc]

    def __copy__(self) -> TableSource:
        copy = TableSource.__new__(TableSource)
        copy.__setstate__(self.__getstate__())
        return copy

    def in_one_thread(self) -> TableSource:
        """A copy that requests no page ahead: its reads run in the calling thread alone."""
        copy = self.__copy__()
        copy.prefetch = 0
        return copy

    # -- the schema ------------------------------------------------------------------

    @property
    def ktype(self) -> KineticaType:
        """The table's record type (``/show/table``, once)."""
        if self.table_type is None:
            self.table_type = describe(self.kinetica, self.table).ktype
            self._check_columns(self.table_type)
        return self.table_type

    def _check_columns(self, ktype: KineticaType) -> None:
        selected(ktype, self.columns)
        if self.increasing_column is not None:
            key_order(ktype, self.increasing_column, self.tie_breaker)

    @property
    def schema(self) -> pa.Schema:
        """The Arrow schema of every batch: the table type's (or the chosen columns')."""
        return to_arrow_schema(selected(self.ktype, self.columns))

    @property
    def merge_key(self) -> tuple[str, ...]:
        """The table's primary key: a destination in merge mode keeps one row per key."""
        return self.ktype.primary_key

    @property
    def order(self) -> KeyOrder | None:
        """The increasing column and tie-breaker, when reading incrementally."""
        if self.increasing_column is None:
            return None
        return key_order(self.ktype, self.increasing_column, self.tie_breaker)

    # -- planning --------------------------------------------------------------------

    def partition(self, where: str | None = None) -> TablePartition:
        """The partition of the whole table (rows matching `where`).

        Its key names the server, the table, the filter and the increasing column,
        so a checkpoint follows this read and no other.
        """
        return table_partition(self, where)

    def column_range(self, column: str, where: str | None = None) -> tuple[Any, Any] | None:
        """The smallest and largest wire value of `column` (``None`` if no row has one)."""
        col = ordered_column(self.ktype, column, "partition column")
        ends = []
        for order in ("ascending", "descending"):
            options = {"sort_by": column, "sort_order": order}
            expression = conjunction(where, f"not is_null({column})" if col.nullable else None)
            if expression:
                options["expression"] = expression
            wire = self._fetch(0, 1, options, only=(column,)).wire
            if not wire.num_rows:
                return None
            ends.append(wire.column(column)[0].as_py())
        return ends[0], ends[1]

    # -- reading ---------------------------------------------------------------------

    def prime(self, partition: TablePartition) -> None:
        """Fetch the first page of a plain read of `partition` now, learning the type from it.

        A read of `partition` from its start then begins with that page: one request
        when this process knows the type (:mod:`~arrowtap.connectors.kinetica.wire.known_types`).
        Not for reads of some columns, of a range, incremental, or of a known type.

        Examples
        --------
        >>> from arrowtap.testing.kinetica import FakeKinetica
        >>> with FakeKinetica() as fake, TableSource(fake.url, "t") as source:
        ...     _ = fake.create_table("t", [("x", "double")])
        ...     fake.insert("t", [{"x": 1.5}])
        ...     source.prime(part := source.partition())
        ...     rows = [page.batch.to_pylist() for page in source.read(part)]
        >>> rows, fake.requests["/get/records"]
        ([[{'x': 1.5}]], 1)
        """
        plain = self.columns is None and self.increasing_column is None
        if not plain or partition.range_column is not None or self.table_type is not None:
            return
        expression = self._expression(partition, None)
        options = {"expression": expression} if expression else {}
        body = get_records_request(self.table, 0, self.page_size, options)
        info, page = first_page(self.kinetica, self.table, body)
        self.table_type = info.ktype
        with self._lock:
            self._primed[partition.key] = page

    def _fetched(self) -> KineticaType | None:
        """The columns a page needs when only some are read: those and the offsets'."""
        if self.columns is None:
            return None
        names = list(self.columns)
        names += [c for c in (self.increasing_column, self.tie_breaker) if c and c not in names]
        return selected(self.ktype, names)

    def _fetch(
        self,
        offset: int,
        limit: int,
        options: dict[str, str],
        only: Sequence[str] | None = None,
    ) -> Any:
        """A page of rows: of every column, or (``columns=``) only of those a read needs."""
        columns = selected(self.ktype, only) if only is not None else self._fetched()
        if columns is not None:  # the others are neither encoded nor sent
            by_column = by_column_request(self.table, columns, offset, limit, options)
            return self.kinetica.call_binary(
                "/get/records/bycolumn",
                by_column,
                lambda data: read_by_column_page(data, columns, self.table),
                table=self.table,
            )
        body = get_records_request(self.table, offset, limit, options)
        ktype = self.ktype
        return self.kinetica.call_binary(
            "/get/records",
            body,
            lambda data: read_records_page(data, ktype, self.table),
            table=self.table,
        )

    def _expression(self, part: TablePartition, offset: Offset | None) -> str:
        bound = None
        if part.range_column is not None:
            col = self.ktype.column(part.range_column)
            bound = conjunction(
                None if part.lower is None else f"{col.name} >= {literal(col, part.lower)}",
                None
                if part.upper is None
                else f"{col.name} {'<=' if part.upper_closed else '<'} {literal(col, part.upper)}",
            )
        after = self.order.expression(offset) if self.order is not None else None
        return conjunction(part.where, bound, after)

    def read(self, partition: Partition, offset: Offset | None = None) -> Iterator[Page]:
        """Pages of `partition` after `offset` (``None``: from the start).

        Offsets are ``{"row": n}`` for a plain read, values of the increasing column
        for an incremental one. In an incremental read of a range with an upper
        bound, the page the server ends (``has_more_records`` false) has the offset
        ``{..., "complete": True}``, even when it has no row, and a read from such an
        offset ends at once, without a request.
        """
        if not isinstance(partition, TablePartition):
            raise InvalidArgumentError(f"{SYSTEM}: not a table partition: {partition!r}")
        order = self.order
        # A range with an upper bound ends for good: rows only join it below the bound,
        # and the increasing column's values only grow (the module's text).
        closed = order is not None and partition.upper is not None
        if order is not None and order.finished(offset):
            if not closed:
                raise InvalidArgumentError(
                    f"{SYSTEM}: offset {offset!r} ends a closed range, but partition "
                    f"{partition.key!r} has no upper bound: rows may still follow"
                )
            return
        row = 0
        if order is None and offset is not None:
            if not isinstance(offset, dict) or not isinstance(offset.get("row"), int):
                raise InvalidArgumentError(f"{SYSTEM}: a plain read's offset is {{'row': n}}")
            row = offset["row"]
        options = {}
        expression = self._expression(partition, offset)
        if expression:
            options["expression"] = expression
        if order is not None:
            options |= {"sort_by": order.column.name, "sort_order": "ascending"}
        elif partition.range_column is not None and self.ktype.primary_key == (
            partition.range_column,
        ):
            # A range of the primary key comes in key order: the server sorts (a unique
            # key pages stably by offset), and a Dask partition needs no sort of its own.
            options |= {"sort_by": partition.range_column, "sort_order": "ascending"}
        out = selected(self.ktype, self.columns)

        with self._lock:
            first = self._primed.pop(partition.key, None) if offset is None else None

        def fetch(at: int) -> Any:
            nonlocal first
            if first is not None:  # the first page (at row 0), fetched when planned
                page, first = first, None
                return page
            return self._fetch(at, self.page_size, options)

        # The pages ahead are requested while this one is decoded and delivered.
        with closing(prefetched(fetch, row, self.page_size, self.prefetch)) as pages:
            for at, page in pages:
                row = at + page.wire.num_rows
                wire = page.wire
                ended = closed and not page.has_more
                if order is not None:
                    wire = order.undelivered(wire, offset)
                    offset = order.advance(wire, offset)
                    offset = order.completed(offset) if ended else offset
                else:
                    offset = {"row": row}
                # The end of a closed range is a page even without rows: its offset,
                # committed, spares every later run the request.
                if wire.num_rows or ended:
                    projected = wire.select(list(out.names)) if self.columns is not None else wire
                    yield Page(wire_to_arrow(projected, out), offset)
                if not page.has_more or not page.wire.num_rows:
                    return
