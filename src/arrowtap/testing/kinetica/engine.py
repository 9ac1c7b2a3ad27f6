"""SQLite under the fake's ``/execute/sql``: a ``SELECT`` runs on a copy of its tables.

Each statement gets its own in-memory SQLite database (standard library, nothing to
install) holding the store's tables its text names: a table of schema ``s`` is ``s.t``
in a database attached as ``s``, the default schema attached first, so that ``t`` finds
``ki_home.t``. Rows go in in the table's order, so a statement without ``ORDER BY``
answers in a stable order: a scan in the table's order, groups in the order SQLite's
grouping gives them, the same for the same rows. ``LIKE`` is case-sensitive, as
Kinetica's; identifiers match case-insensitively, quoted or not (SQLite's rule, looser
than Kinetica's for quoted ones). The copy costs a pass over the named tables per
statement, which a fake's tables afford.

Types: a column's declared type is a tag naming its Kinetica column, and SQLite carries
it to every result column that is a plain reference to that column, through joins and
subqueries (``PRAGMA table_info`` of a view of the statement); the other result columns
are typed by :mod:`.result_types`, from the argument of an aggregate (found the same
way, on a copy of the statement with each aggregate replaced by its argument) or from
the values. A derived table (``FROM (SELECT ...) alias``) is run first and kept as a
tagged temporary table, so the statement around it sees its types, empty or not.

Double-quoted identifiers are rewritten as back-quoted ones, so that an unknown one is
an error as in Kinetica rather than SQLite's string literal. SQLite has no NaN (it
stores NULL): a NaN goes in as the text ``'NaN'`` and comes back as NaN, so it survives
a query unchanged; in a comparison or an aggregate it acts as that text (greater than
any number), which a real server would not do.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Sequence
from contextlib import closing
from dataclasses import dataclass
from typing import Any

from arrowtap.testing.kinetica.dynamic import ResultColumn
from arrowtap.testing.kinetica.expr import ExpressionError, scan
from arrowtap.testing.kinetica.result_types import restore, result_columns
from arrowtap.testing.kinetica.sql import Select, Span
from arrowtap.testing.kinetica.store import DEFAULT_SCHEMA, Store
from arrowtap.testing.kinetica.table import Table

__all__ = ["Result", "run_select"]

_AFFINITY = {"int": "INT", "long": "INT", "float": "REAL", "double": "REAL", "string": "TEXT"}
_TAG = re.compile(r"K(\d+)_[A-Z]+")
_VIEW = "arrowtap_lineage"


@dataclass(frozen=True)
class Result:
    """The result of a ``SELECT``: its typed columns and its rows, in order."""

    columns: tuple[ResultColumn, ...]
    rows: list[tuple[Any, ...]]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _store(value: Any) -> Any:
    return "NaN" if isinstance(value, float) and value != value else value


def _splice(text: str, changes: Iterable[tuple[Span, str]]) -> str:
    """`text` with each (non-overlapping) span replaced."""
    for (start, end), new in sorted(changes, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def _backquoted(text: str, spans: Sequence[Span]) -> str:
    """`text` with the double-quoted identifiers at `spans` back-quoted, in the same length."""
    out = list(text)
    for start, end in spans:
        name = text[start + 1 : end - 1].replace('""', '"')
        new = "`" + name.replace("`", "``") + "`"
        if len(new) > end - start:
            raise ExpressionError(f"unsupported identifier {text[start:end]} (a backquote)")
        out[start:end] = new.ljust(end - start)
    return "".join(out)


class _Database:
    """One statement's SQLite database and the Kinetica columns its type tags name."""

    def __init__(self, store: Store, statement: str) -> None:
        self.conn = sqlite3.connect(":memory:", isolation_level=None)
        self.conn.execute("PRAGMA case_sensitive_like = ON")
        self.tags: list[ResultColumn] = []
        self.temporaries = 0
        named: set[str] = set()
        for token in scan(statement):
            if token.kind in ("id", "dq"):
                name = token.text.strip('"').lower()
                named.update((name, name.rsplit(".", 1)[0]))
        schemas: set[str] = set()
        tables = sorted(store.tables.items(), key=lambda kv: kv[0].split(".")[0] != DEFAULT_SCHEMA)
        for key, table in tables:
            schema, bare = key.split(".", 1)
            if key.lower() in named or bare.lower() in named:
                if schema not in schemas:
                    self.conn.execute(f"ATTACH DATABASE ':memory:' AS {_quote(schema)}")
                    schemas.add(schema)
                self.load(f"{_quote(schema)}.{_quote(bare)}", table)

    def close(self) -> None:
        self.conn.close()

    def tag(self, column: ResultColumn) -> str:
        """The declared type that names `column`, with the SQLite affinity of its base."""
        self.tags.append(column)
        return f"K{len(self.tags) - 1}_{_AFFINITY.get(column.base, 'BLOB')}"

    def create(self, name: str, columns: Sequence[ResultColumn], rows: Iterable[Any]) -> None:
        """Create the table `name` with tagged columns and fill it."""
        seen: set[str] = set()
        decls = []
        for column in columns:
            header, n = column.header, 1
            while header.lower() in seen:  # SQLite column names ignore case
                n += 1
                header = f"{column.header}_{n}"
            seen.add(header.lower())
            decls.append(f"{_quote(header)} {self.tag(column)}")
        self.conn.execute(f"CREATE TABLE {name} ({', '.join(decls)})")
        marks = ", ".join("?" * len(decls))
        self.conn.execute("BEGIN")  # one transaction: twice as fast as one per row
        self.conn.executemany(f"INSERT INTO {name} VALUES ({marks})", rows)
        self.conn.execute("COMMIT")

    def load(self, name: str, table: Table) -> None:
        """Copy a store table into the database."""
        names = table.ktype.names
        columns = [ResultColumn.of(c) for c in table.ktype.columns]
        self.create(name, columns, (tuple(_store(r[n]) for n in names) for r in table.values()))

    def lineage(self, statement: str) -> list[ResultColumn | None]:
        """The Kinetica column each result column of `statement` plainly refers to."""
        self.conn.execute(f"CREATE TEMP VIEW {_VIEW} AS {statement}")
        try:
            info = self.conn.execute(f"PRAGMA temp.table_info({_VIEW})").fetchall()
        finally:
            self.conn.execute(f"DROP VIEW temp.{_VIEW}")
        tags = [_TAG.fullmatch(row[2] or "") for row in info]
        return [self.tags[int(m.group(1))] if m else None for m in tags]

    def run(self, select: Select) -> Result:
        """Run a ``SELECT`` (its derived table first) and type its result."""
        text = _backquoted(select.text, select.quoted)
        changes: list[tuple[Span, str]] = []
        if select.derived is not None:
            inner = self.run(select.derived.select)
            self.temporaries += 1
            name = f"arrowtap_derived_{self.temporaries}"
            self.create(f"temp.{name}", inner.columns, (tuple(map(_store, r)) for r in inner.rows))
            alias = f" AS {_quote(select.derived.alias)}" if select.derived.alias else ""
            changes.append((select.derived.span, f"temp.{name}{alias}"))
        statement = _splice(text, changes)
        cursor = self.conn.execute(statement)
        headers = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
        arguments: list[ResultColumn | None] | None = None
        calls = [
            (item.expression, text[slice(*item.argument)])
            for item in select.items
            if item.argument and item.aggregate in ("sum", "min", "max")
        ]
        if calls:
            try:
                arguments = self.lineage(_splice(text, [*changes, *calls]))
            except sqlite3.Error:
                arguments = None  # an argument alone is no statement: typed by values
        columns = result_columns(headers, self.lineage(statement), select.items, arguments, rows)
        return Result(tuple(columns), restore(columns, rows))


def run_select(store: Store, select: Select) -> Result:
    """Run a ``SELECT`` on SQLite over a copy of the store's tables it names.

    Raises
    ------
    sqlite3.Error
        For a statement SQLite refuses (unknown table or column, bad syntax, ...).

    Examples
    --------
    >>> from arrowtap.connectors.kinetica.wire.types import KineticaColumn, KineticaType
    >>> from arrowtap.testing.kinetica.sql import parse_sql
    >>> store = Store()
    >>> ktype = KineticaType((KineticaColumn("k", "string", ("char4",)),
    ...                       KineticaColumn("x", "int", ("int8",))))
    >>> table = store.create_table("t", store.add_ktype(ktype).type_id)
    >>> rows = [{"k": "a", "x": 1}, {"k": "b", "x": 2}, {"k": "a", "x": 3}]
    >>> table.append([table.codec.encode(r) for r in rows], rows)
    >>> result = run_select(store, parse_sql(
    ...     "SELECT k, COUNT(*) AS n, SUM(x) AS s, MAX(x) FROM t GROUP BY k ORDER BY k"))
    >>> [(c.header, c.datatype) for c in result.columns]
    [('k', 'char4'), ('n', 'long'), ('s', 'long'), ('MAX(x)', 'int8')]
    >>> result.rows
    [('a', 2, 4, 3), ('b', 1, 2, 2)]
    """
    with closing(_Database(store, select.text)) as db:
        return db.run(select)
