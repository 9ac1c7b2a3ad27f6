"""The statements the fake's ``/execute/sql`` takes, and what it reads from a ``SELECT``.

A ``SELECT`` runs on SQLite (:mod:`.engine`). This module reads from its text only what
the engine and the result types need, on the tokens of :mod:`.expr`:

* the select list: each item's expression, its alias, and whether it is one call of an
  aggregate (``COUNT SUM AVG MIN MAX``) and on what argument;
* a ``FROM`` that is one parenthesised ``SELECT`` and an alias (a derived table, which the
  engine runs first);
* the double-quoted identifiers (SQLite reads an unknown one as a string; Kinetica
  refuses it).

It refuses what Kinetica refuses and SQLite would answer: in a statement that groups or
aggregates, a selected column that is neither grouped nor inside an aggregate
(``SELECT id, COUNT(*) FROM t``, ``SELECT * FROM t GROUP BY k``), where SQLite would give
the value of an arbitrary row. ``DELETE FROM table [WHERE expr]`` is read whole (``expr``
in the language of :mod:`.expr`). Any other statement is refused. Keywords are
case-insensitive; a trailing ``;`` is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass

from arrowtap.testing.kinetica.expr import ExpressionError, Token, scan
from arrowtap.testing.kinetica.grouping import check_grouping
from arrowtap.testing.kinetica.sqltokens import (
    AGGREGATES,
    OPERATORS,
    WORDS,
    close,
    commas,
    is_op,
    level,
    name,
    word,
)

__all__ = ["Delete", "Derived", "Item", "Select", "Span", "parse_sql"]

Span = tuple[int, int]
"""Where a part of a statement lies: ``text[start:end]``."""

_CLAUSES = frozenset(["from", "where", "group", "having", "window", "order", "limit"])
_COMPOUND = frozenset(["union", "intersect", "except"])


@dataclass(frozen=True)
class Item:
    """One entry of a select list: where its expression lies (alias excluded) and what it is.

    ``aggregate`` names the aggregate when the whole expression is one call of it,
    ``argument`` is where the call's argument lies (``None`` for ``COUNT(*)``).
    """

    expression: Span
    alias: str | None = None
    aggregate: str | None = None
    argument: Span | None = None
    star: bool = False


@dataclass(frozen=True)
class Derived:
    """A ``FROM (SELECT ...) [AS] alias``: where it lies, its alias and its statement."""

    span: Span
    alias: str
    select: Select


@dataclass(frozen=True)
class Select:
    """A ``SELECT`` statement and what the engine reads from it (spans index ``text``)."""

    text: str
    items: tuple[Item, ...]
    derived: Derived | None = None
    quoted: tuple[Span, ...] = ()


@dataclass(frozen=True)
class Delete:
    """A parsed ``DELETE``."""

    table: str
    where: str


def _item(part: list[Token], statement: str) -> tuple[Item, list[Token]]:
    """An item of a select list, and the tokens of its expression."""
    alias = None
    last, before = (part[-1], part[-2]) if len(part) >= 2 else (None, None)
    if last is None or before is None or last.kind not in ("id", "dq"):
        pass
    elif word(before) == "as":
        alias, part = name(last), part[:-2]
    elif word(last) not in WORDS and (
        before.kind in ("num", "str", "dq")
        or is_op(before, ")")
        or (before.kind == "id" and word(before) not in OPERATORS)
    ):
        alias, part = name(last), part[:-1]  # an alias without AS
    if not part:
        raise ExpressionError(f"an empty select item in {statement!r}")
    span = (part[0].start, part[-1].end)
    if is_op(part[-1], "*") and (len(part) == 1 or (len(part) == 3 and is_op(part[1], "."))):
        return Item(span, alias, star=True), part
    if (
        len(part) >= 3
        and word(part[0]) in AGGREGATES
        and is_op(part[1], "(")
        and close(part, 1, statement) == len(part) - 1
    ):
        inner = part[2:-1]
        if inner and word(inner[0]) in ("distinct", "all"):
            inner = inner[1:]
        argument = None if not inner or is_op(inner[0], "*") else (inner[0].start, inner[-1].end)
        return Item(span, alias, word(part[0]), argument), part
    return Item(span, alias), part


def _derived(tokens: list[Token], text: str, statement: str) -> Derived | None:
    """The derived table a ``FROM`` clause is, if it is one and nothing else."""
    if not tokens or not is_op(tokens[0], "("):
        return None
    end = close(tokens, 0, statement)
    inner, rest = tokens[1:end], tokens[end + 1 :]
    named = rest[1:] if rest and word(rest[0]) == "as" else rest
    if len(named) > 1 or (named and named[0].kind not in ("id", "dq")):
        return None  # a join, or worse: SQLite answers it
    if rest and not named:
        raise ExpressionError(f"AS without an alias in FROM in {statement!r}")
    if not inner or word(inner[0]) != "select":
        raise ExpressionError(f"a subquery in FROM must be a SELECT in {statement!r}")
    select = parse_sql(text[inner[0].start : inner[-1].end])
    assert isinstance(select, Select)
    span = (tokens[0].start, tokens[-1].end)
    return Derived(span, name(named[0]) if named else "", select)


def _select(tokens: list[Token], text: str, statement: str) -> Select:
    marks: dict[str, int] = {}
    for i in level(tokens, statement)[1:]:
        keyword = word(tokens[i])
        if keyword in _COMPOUND:
            break  # the first SELECT of a compound one is what is read
        if keyword in _CLAUSES:
            marks.setdefault(keyword, i)
    bounds = sorted(marks.values())

    def body(clause: str) -> list[Token]:
        if clause not in marks:
            return []
        start = marks[clause] + (2 if clause in ("group", "order") else 1)
        stop = next((b for b in bounds if b > marks[clause]), len(tokens))
        return tokens[start:stop]

    head = tokens[1 : bounds[0] if bounds else len(tokens)]
    if head and word(head[0]) in ("distinct", "all"):
        head = head[1:]
    items = [_item(part, statement) for part in commas(head, statement)]
    grouped = [g for g in commas(body("group"), statement) if g]
    parts = [(item.star, item.alias, part) for item, part in items]
    check_grouping(parts, grouped, "having" in marks, statement)
    derived = _derived(body("from"), text, statement)
    quoted = tuple(
        (t.start, t.end)
        for t in tokens
        if t.kind == "dq"
        and (derived is None or t.end <= derived.span[0] or t.start >= derived.span[1])
    )
    return Select(text, tuple(item for item, _ in items), derived, quoted)


def parse_sql(statement: str) -> Select | Delete:
    """Read a statement: a ``SELECT`` for the engine, or a ``DELETE``.

    Raises
    ------
    ExpressionError
        For a statement of another kind, one that does not tokenize, or a selected
        column neither grouped nor aggregated.

    Examples
    --------
    >>> stmt = parse_sql('SELECT k, SUM("x") AS total FROM t GROUP BY k;')
    >>> [(i.alias, i.aggregate) for i in stmt.items], stmt.text[slice(*stmt.items[1].argument)]
    ([(None, None), ('total', 'sum')], '"x"')
    >>> parse_sql("delete from t where x > 1")
    Delete(table='t', where='x > 1')
    >>> parse_sql("SELECT * FROM (SELECT id FROM t) AS q").derived.alias
    'q'
    """
    text = statement.strip()
    while text.endswith(";"):
        text = text[:-1].rstrip()
    tokens = scan(text)
    first = word(tokens[0]) if tokens else ""
    if first == "delete":
        rest = tokens[1:]
        if len(rest) < 2 or word(rest[0]) != "from" or rest[1].kind not in ("id", "dq"):
            raise ExpressionError(f"unsupported DELETE statement {statement!r}")
        if len(rest) > 2 and (word(rest[2]) != "where" or len(rest) == 3):
            raise ExpressionError(f"unsupported DELETE statement {statement!r}")
        table = rest[1].text if rest[1].kind == "id" else name(rest[1])
        return Delete(table, text[rest[3].start :] if len(rest) > 3 else "")
    if first != "select":
        raise ExpressionError(f"unsupported SQL statement {statement!r}")
    return _select(tokens, text, statement)
