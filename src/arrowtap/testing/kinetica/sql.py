"""The SQL subset the fake's ``/execute/sql`` understands.

::

    SELECT * | item [, item ...] FROM table | (select) [[AS] alias]
        [WHERE expr] [ORDER BY col [ASC|DESC] [, ...]] [LIMIT n [OFFSET m]]
    item   := column [[AS] alias] | COUNT(*) [[AS] alias]
    DELETE FROM table [WHERE expr]

A subquery in ``FROM`` (a derived table, as Kinetica's SQL allows) is a ``SELECT`` of
the subset; the outer statement sees its result columns by their headers.

Keywords are case-insensitive; identifiers may be ``"quoted"``; ``expr`` is the
language of :mod:`.expr`. A trailing ``;`` is allowed. Anything else is refused with an
error naming the statement.
"""

from __future__ import annotations

from dataclasses import dataclass

from arrowtap.testing.kinetica.expr import ExpressionError, tokenize

__all__ = ["Delete", "Select", "parse_sql"]

_CLAUSES = ("select", "from", "where", "order", "limit", "offset")


@dataclass(frozen=True)
class Select:
    """A parsed ``SELECT``: items are (column or ``None`` for ``COUNT(*)``, header).

    ``subquery`` is the ``SELECT`` in ``FROM`` (``table`` is then its alias, or ``""``).
    """

    table: str
    items: tuple[tuple[str | None, str], ...] | None  # None: *
    where: str
    order_by: tuple[tuple[str, bool], ...]
    limit: int | None
    offset: int
    subquery: Select | None = None


@dataclass(frozen=True)
class Delete:
    """A parsed ``DELETE``."""

    table: str
    where: str


def _ident(kind: str, text: str) -> str:
    return text[1:-1].replace('""', '"') if kind == "dq" else text


def _split(tokens: list[tuple[str, str]], statement: str) -> dict[str, list[tuple[str, str]]]:
    """The tokens of each top-level clause, by keyword."""
    clauses: dict[str, list[tuple[str, str]]] = {}
    current, depth = None, 0
    i = 0
    while i < len(tokens):
        kind, text = tokens[i]
        depth += text == "(" if kind == "op" else 0
        depth -= text == ")" if kind == "op" else 0
        low = text.lower() if kind == "id" else ""
        if depth == 0 and low in _CLAUSES:
            if low in clauses:
                raise ExpressionError(f"clause {text.upper()} given twice in {statement!r}")
            if low == "order":
                if i + 1 >= len(tokens) or tokens[i + 1][1].lower() != "by":
                    raise ExpressionError(f"ORDER without BY in {statement!r}")
                i += 1
            current = low
            clauses[current] = []
        elif current is None:
            raise ExpressionError(f"unsupported SQL statement {statement!r}")
        else:
            clauses[current].append((kind, text))
        i += 1
    return clauses


def _text(tokens: list[tuple[str, str]]) -> str:
    return " ".join(t for _, t in tokens)


def _items(
    tokens: list[tuple[str, str]], statement: str
) -> tuple[tuple[str | None, str], ...] | None:
    if tokens == [("op", "*")]:
        return None
    items: list[tuple[str | None, str]] = []
    groups: list[list[tuple[str, str]]] = [[]]
    for tok in tokens:
        if tok == ("op", ","):
            groups.append([])
        else:
            groups[-1].append(tok)
    for group in groups:
        if len(group) >= 4 and group[0][1].lower() == "count" and _text(group[1:4]) == "( * )":
            column, rest = None, group[4:]
            header = "COUNT(*)"
        elif group and group[0][0] in ("id", "dq"):
            column, rest = _ident(*group[0]), group[1:]
            header = column
        else:
            raise ExpressionError(f"unsupported select item {_text(group)!r} in {statement!r}")
        if rest and rest[0][1].lower() == "as":
            rest = rest[1:]
        if len(rest) == 1 and rest[0][0] in ("id", "dq"):
            header = _ident(*rest[0])
        elif rest:
            raise ExpressionError(f"unsupported select item {_text(group)!r} in {statement!r}")
        items.append((column, header))
    return tuple(items)


def _int(tokens: list[tuple[str, str]], what: str, statement: str) -> int:
    if len(tokens) != 1 or tokens[0][0] != "num" or not tokens[0][1].isdigit():
        raise ExpressionError(f"{what} needs a whole number in {statement!r}")
    return int(tokens[0][1])


def _source(tokens: list[tuple[str, str]], statement: str) -> tuple[str, Select | None]:
    """The ``FROM`` clause: a table name, or a parenthesised subquery and its alias."""
    if len(tokens) == 1 and tokens[0][0] in ("id", "dq"):
        return _ident(*tokens[0]), None
    if not tokens or tokens[0] != ("op", "("):
        raise ExpressionError(f"unsupported FROM clause {_text(tokens)!r} in {statement!r}")
    depth, end = 0, -1
    for i, (kind, text) in enumerate(tokens):
        depth += (text == "(") - (text == ")") if kind == "op" else 0
        if depth == 0:
            end = i
            break
    inner = parse_sql(_text(tokens[1:end])) if end > 1 else None
    if not isinstance(inner, Select):
        raise ExpressionError(f"a subquery in FROM must be a SELECT in {statement!r}")
    rest = tokens[end + 1 :]
    if rest and rest[0][1].lower() == "as":
        rest = rest[1:] or [("op", "AS")]  # AS without an alias
    if len(rest) > 1 or (rest and rest[0][0] not in ("id", "dq")):
        raise ExpressionError(f"unsupported FROM clause {_text(tokens)!r} in {statement!r}")
    return (_ident(*rest[0]) if rest else ""), inner


def parse_sql(statement: str) -> Select | Delete:
    """Parse a statement of the subset.

    Raises
    ------
    ExpressionError
        For anything outside the subset.

    Examples
    --------
    >>> stmt = parse_sql('SELECT x, "s" AS y FROM t WHERE x > 1 ORDER BY x DESC LIMIT 5')
    >>> stmt.table, stmt.items, stmt.where, stmt.order_by, stmt.limit
    ('t', (('x', 'x'), ('s', 'y')), 'x > 1', (('x', True),), 5)
    >>> parse_sql("delete from t")
    Delete(table='t', where='')
    >>> outer = parse_sql("SELECT * FROM (SELECT x FROM t) AS q WHERE x >= 2")
    >>> outer.table, outer.subquery.items, outer.where
    ('q', (('x', 'x'),), 'x >= 2')
    """
    text = statement.strip().rstrip(";")
    tokens = tokenize(text)
    if tokens and tokens[0][1].lower() == "delete":
        rest = _split(tokens[1:], statement)
        if set(rest) - {"from", "where"} or len(rest.get("from", [])) != 1:
            raise ExpressionError(f"unsupported DELETE statement {statement!r}")
        return Delete(_ident(*rest["from"][0]), _text(rest.get("where", [])))
    clauses = _split(tokens, statement)
    if "select" not in clauses or not clauses.get("from"):
        raise ExpressionError(f"unsupported SQL statement {statement!r}")
    table, subquery = _source(clauses["from"], statement)
    order: list[tuple[str, bool]] = []
    for part in _text(clauses.get("order", [])).split(","):
        words = part.split()
        if not words:
            continue
        if len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
            raise ExpressionError(f"unsupported ORDER BY {part.strip()!r} in {statement!r}")
        name = words[0][1:-1] if words[0].startswith('"') else words[0]
        order.append((name, len(words) == 2 and words[1].lower() == "desc"))
    return Select(
        table=table,
        items=_items(clauses["select"], statement),
        where=_text(clauses.get("where", [])),
        order_by=tuple(order),
        limit=_int(clauses["limit"], "LIMIT", statement) if "limit" in clauses else None,
        offset=_int(clauses["offset"], "OFFSET", statement) if "offset" in clauses else 0,
        subquery=subquery,
    )
