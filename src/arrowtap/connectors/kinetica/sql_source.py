"""A SQL query as a source: ``/execute/sql`` pages, whose schema the first page tells.

A SQL result has a *dynamic schema* (``kinetica.md`` §2.1): the column names, Avro
types and Kinetica data types come with each page. The schema is therefore declared
by the first page, fetched when :attr:`SqlSource.schema` is first asked for (and kept
for the read that follows); a later page of another schema is a
:class:`~arrowtap.errors.DecodeError`.

Pages are read as the official client reads them: the first call of a read names a
``paging_table`` in which the server keeps the result, so later pages neither re-run
the query nor shift; the read clears that table (and the tables the server lists in
``info.result_table_list``) when it ends. Offsets are row numbers of that result,
valid within one read only: the source is a snapshot source, read whole per run.
The page fetched for the schema is kept (closing the source keeps it too) and starts
the next read of the whole result; a source never read leaves its paging table to
the server, which drops it after ``paging_ttl`` minutes.

A partition may cut the result to a range of one of its columns (the Dask reader's
split): the statement then runs as a subquery, ``SELECT * FROM (<statement>) AS
arrowtap_range WHERE <column> >= <lower> AND <column> < <upper>``.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pyarrow as pa

from arrowtap.connectors._http import RetryPolicy, api_base_url, redact
from arrowtap.connectors.kinetica.wire import tables
from arrowtap.connectors.kinetica.wire.client import SYSTEM, KineticaClient, LazyClient
from arrowtap.connectors.kinetica.wire.incremental import literal
from arrowtap.connectors.kinetica.wire.pages import SqlPage, read_sql_page, sql_request
from arrowtap.connectors.kinetica.wire.schema import to_arrow_schema
from arrowtap.connectors.kinetica.wire.types import KineticaColumn
from arrowtap.errors import ArrowtapError, DecodeError, InvalidArgumentError
from arrowtap.io.contract import Offset, Page, Partition

__all__ = ["SqlPartition", "SqlSource", "ranged_statement"]


@dataclass(frozen=True)
class SqlPartition(Partition):
    """The statement's result, or its rows within ``[lower, upper)`` of ``column``.

    ``lower`` and ``upper`` are wire values (``None``: unbounded); ``upper_closed``
    makes the range ``[lower, upper]``; ``column`` is the result column (its type
    makes the literals).
    """

    column: KineticaColumn | None = None
    lower: Any = None
    upper: Any = None
    upper_closed: bool = False


def ranged_statement(statement: str, part: SqlPartition) -> str:
    """The statement of a partition: `statement`, or it as a subquery cut to a range.

    Examples
    --------
    >>> part = SqlPartition("k", KineticaColumn("n", "long"), 10, 20)
    >>> ranged_statement("SELECT n FROM t;", part)
    'SELECT * FROM (SELECT n FROM t) AS arrowtap_range WHERE n >= 10 AND n < 20'
    """
    col = part.column
    if col is None:
        return statement
    bounds = []
    if part.lower is not None:
        bounds.append(f"{col.name} >= {literal(col, part.lower)}")
    if part.upper is not None:
        bounds.append(f"{col.name} {'<=' if part.upper_closed else '<'} {literal(col, part.upper)}")
    # Rows whose column is null belong to no range, as in a table's range partitions.
    condition = " AND ".join(bounds) or f"{col.name} IS NOT NULL"
    inner = statement.strip().rstrip(";").strip()
    return f"SELECT * FROM ({inner}) AS arrowtap_range WHERE {condition}"


@dataclass(repr=False)
class SqlSource(LazyClient):
    """The pages of one SQL statement's result.

    Parameters
    ----------
    url : str
        The server.
    statement : str
        The SQL statement.
    page_size : int
        Rows per ``/execute/sql`` call.
    paging_ttl : int
        Minutes the server keeps a paging table if the read never clears it.
    username, password, token, client, retry
        As for :class:`~arrowtap.connectors.kinetica.wire.client.KineticaClient`.
    known_schema : pyarrow.Schema, optional
        The result's schema if already known (else the first page tells it).

    Examples
    --------
    >>> from arrowtap.testing.kinetica import FakeKinetica
    >>> with FakeKinetica() as fake:
    ...     _ = fake.create_table("t", [("id", "long"), ("n", "int", "int16")])
    ...     fake.insert("t", [{"id": i, "n": i * i} for i in range(5)])
    ...     with SqlSource(fake.url, "SELECT n FROM t WHERE id > 1", page_size=2) as source:
    ...         schema = source.schema
    ...         rows = [p.batch.num_rows for p in source.read(source.partition())]
    >>> schema.field("n").type, rows
    (DataType(int16), [2, 1])
    """

    url: str
    statement: str
    page_size: int = 50_000
    paging_ttl: int = 20
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    client: httpx.Client | None = field(default=None, repr=False)
    retry: RetryPolicy | None = None
    known_schema: pa.Schema | None = field(default=None, repr=False)
    _kinetica: KineticaClient | None = field(default=None, init=False, repr=False)
    _first: tuple[str, SqlPage] | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.statement, str) or not self.statement.strip():
            raise InvalidArgumentError(
                f"{SYSTEM}: sql must be a non-empty str statement, not {self.statement!r}"
            )
        if isinstance(self.page_size, bool) or not isinstance(self.page_size, int):
            raise InvalidArgumentError(
                f"{SYSTEM}: page_size must be an int, not {self.page_size!r}"
            )
        if self.page_size < 1:
            raise InvalidArgumentError(f"{SYSTEM}: page_size must be >= 1, not {self.page_size}")

    # -- connections, pickling -------------------------------------------------------

    def __getstate__(self) -> dict[str, object]:
        # Sources travel (threads, processes, Dask workers) without live clients or pages.
        names = ("url", "statement", "page_size", "paging_ttl", "username", "password", "token")
        return {name: getattr(self, name) for name in names} | {
            "retry": self.retry,
            "known_schema": self.known_schema,
        }

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__init__(**state)  # type: ignore[misc]

    def __copy__(self) -> SqlSource:
        copy = SqlSource.__new__(SqlSource)
        copy.__setstate__(self.__getstate__())
        return copy

    # -- the schema and the partitions -----------------------------------------------

    def _page(self, client: KineticaClient, statement: str, paging: str, row: int) -> SqlPage:
        options = {"paging_table": paging, "paging_table_ttl": str(self.paging_ttl)}
        body = sql_request(statement, row, self.page_size, options)
        what = "/execute/sql"
        return client.call_binary(what, body, lambda data: read_sql_page(data, what))

    @property
    def schema(self) -> pa.Schema:
        """The result's Arrow schema, from the first page (fetched on first use)."""
        if self.known_schema is None:
            paging = _paging_table()
            first = self._page(self.kinetica, self.statement, paging, 0)
            with self._lock:
                self._first = (paging, first)
            self.known_schema = to_arrow_schema(first.ktype) if first.ktype else first.batch.schema
        return self.known_schema

    def partition(self) -> SqlPartition:
        """The one partition of the whole result (its key: the server and the statement)."""
        return SqlPartition(self._key())

    def range_partition(
        self, column: KineticaColumn, lower: Any, upper: Any, closed: bool
    ) -> SqlPartition:
        """The rows of the result within a range of `column` (wire values; ``None``: open)."""
        key = self._key() + f":{column.name}=[{lower},{upper}{']' if closed else ')'}"
        return SqlPartition(key, column, lower, upper, closed)

    def _key(self) -> str:
        # Stable across runs (a snapshot sync numbers its files under it), short whatever
        # the statement's length.
        base = redact(api_base_url(self.url, "", SYSTEM)[0])
        digest = hashlib.sha256(self.statement.strip().encode()).hexdigest()[:24]
        return f"{SYSTEM.lower()}-sql:{base}:{digest}"

    # -- reading ---------------------------------------------------------------------

    def read(self, partition: Partition, offset: Offset | None = None) -> Iterator[Page]:
        """Pages of the result after row `offset` (``{"row": n}``; ``None``: the first)."""
        if not isinstance(partition, SqlPartition):
            raise InvalidArgumentError(f"{SYSTEM}: not a SQL partition: {partition!r}")
        row = 0
        if offset is not None:
            if not isinstance(offset, dict) or not isinstance(offset.get("row"), int):
                raise InvalidArgumentError(f"{SYSTEM}: a SQL read's offset is {{'row': n}}")
            row = offset["row"]
        schema = self.schema
        first = None
        if partition.column is None and row == 0:
            with self._lock:
                first, self._first = self._first, None
        paging = first[0] if first is not None else _paging_table()
        statement = ranged_statement(self.statement, partition)
        client = self.kinetica
        made: set[str] = set()
        try:
            while True:
                page = first[1] if first is not None else self._page(client, statement, paging, row)
                first = None
                made |= {page.paging_table} | _listed(page.info.get("result_table_list", ""))
                if page.batch.num_columns and not page.batch.schema.equals(schema):
                    raise DecodeError(
                        f"{SYSTEM} /execute/sql: a page has another schema than the first: "
                        f"{page.batch.schema.names} != {schema.names}"
                    )
                row += page.batch.num_rows
                if page.batch.num_rows:
                    yield Page(page.batch, {"row": row})
                if not page.has_more or not page.batch.num_rows:
                    return
        finally:
            self._clear(client, made)

    def _clear(self, client: KineticaClient, names: set[str]) -> None:
        for name in sorted(names - {""}):
            with contextlib.suppress(ArrowtapError):  # else the server drops it after paging_ttl
                tables.drop(client, name)


def _paging_table() -> str:
    # One per read: concurrent reads of one source (Dask ranges) never share a result.
    return f"arrowtap_paging_{uuid.uuid4().hex}"


def _listed(text: str) -> set[str]:
    return {name.strip() for name in text.split(",") if name.strip()}
