"""A SQL query as a source: ``/execute/sql`` pages, whose schema the first page tells.

A SQL result has a *dynamic schema* (``kinetica.md`` §2.1): the column names, Avro
types and Kinetica data types come with each page. The schema is therefore declared
by the first page, fetched when :attr:`SqlSource.schema` is first asked for (and kept
for the read); a later page of another schema is a :class:`~arrowtap.errors.DecodeError`.

Pages are read as the official client reads them: the first call names a
``paging_table`` in which the server keeps the result, so later pages neither
re-run the query nor shift; the read clears that table (and the tables the server
lists in ``info.result_table_list``) when it ends. Offsets are row numbers of that
result, valid within one read.
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pyarrow as pa

from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.kinetica.wire import tables
from arrowtap.connectors.kinetica.wire.client import SYSTEM, KineticaClient, LazyClient
from arrowtap.connectors.kinetica.wire.pages import SqlPage, read_sql_page, sql_request
from arrowtap.connectors.kinetica.wire.schema import to_arrow_schema
from arrowtap.errors import ArrowtapError, DecodeError, InvalidArgumentError
from arrowtap.io.contract import Offset, Page, Partition

__all__ = ["SqlSource"]


@dataclass
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
        Minutes the server keeps the paging table if the read never clears it.
    username, password, token, client, retry
        As for :class:`~arrowtap.connectors.kinetica.wire.client.KineticaClient`.

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
    _kinetica: KineticaClient | None = field(default=None, init=False, repr=False)
    _first: SqlPage | None = field(default=None, init=False, repr=False)
    _schema: pa.Schema | None = field(default=None, init=False, repr=False)
    _paging_table: str = field(default="", init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.statement, str) or not self.statement.strip():
            raise InvalidArgumentError(f"{SYSTEM}: the SQL statement must be a non-empty str")
        if isinstance(self.page_size, bool) or not isinstance(self.page_size, int):
            raise InvalidArgumentError(f"{SYSTEM}: page_size must be an int")
        if self.page_size < 1:
            raise InvalidArgumentError(f"{SYSTEM}: page_size must be >= 1, not {self.page_size}")
        self._paging_table = f"arrowtap_paging_{uuid.uuid4().hex}"

    def _page(self, offset: int) -> SqlPage:
        options = {"paging_table": self._paging_table, "paging_table_ttl": str(self.paging_ttl)}
        body = sql_request(self.statement, offset, self.page_size, options)
        what = "/execute/sql"
        return self.kinetica.call_binary("/execute/sql", body, lambda d: read_sql_page(d, what))

    @property
    def schema(self) -> pa.Schema:
        """The result's Arrow schema, from the first page (fetched on first use)."""
        if self._schema is None:
            self._first = self._page(0)
            first = self._first
            self._schema = to_arrow_schema(first.ktype) if first.ktype else first.batch.schema
        return self._schema

    def partition(self) -> Partition:
        """The one partition of the result."""
        return Partition(f"{SYSTEM.lower()}-sql:{self._paging_table}")

    def read(self, partition: Partition, offset: Offset | None = None) -> Iterator[Page]:
        """Pages of the result after row `offset` (``{"row": n}``; ``None``: the first)."""
        row = 0
        if offset is not None:
            if not isinstance(offset, dict) or not isinstance(offset.get("row"), int):
                raise InvalidArgumentError(f"{SYSTEM}: a SQL read's offset is {{'row': n}}")
            row = offset["row"]
        schema = self.schema
        made: set[str] = set()
        try:
            while True:
                first, self._first = self._first, None
                page = first if first is not None and row == 0 else self._page(row)
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
            self._clear(made - {""})

    def _clear(self, names: set[str]) -> None:
        for name in sorted(names):
            with contextlib.suppress(ArrowtapError):  # else the server drops it after paging_ttl
                tables.drop(self.kinetica, name)


def _listed(text: str) -> set[str]:
    return {name.strip() for name in text.split(",") if name.strip()}
