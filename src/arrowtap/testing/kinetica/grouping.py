"""What Kinetica refuses in a grouped ``SELECT`` and SQLite answers: ungrouped columns.

In a statement that groups (``GROUP BY``, ``HAVING``) or aggregates, every selected
expression must be an aggregate, a grouped expression (by its text, its alias or its
position, ``GROUP BY 2``), or use columns only inside aggregates or as grouped columns.
SQLite accepts ``SELECT id, COUNT(*) FROM t`` and ``SELECT * FROM t GROUP BY k`` and
gives the values of an arbitrary row of each group; Kinetica, like standard SQL, refuses
them, and so does the fake. An aggregate used as a window function (``SUM(x) OVER
(...)``) does not make the statement an aggregating one.
"""

from __future__ import annotations

from collections.abc import Sequence

from arrowtap.testing.kinetica.expr import ExpressionError, Token
from arrowtap.testing.kinetica.sqltokens import AGGREGATES, WORDS, close, is_op, name, word

__all__ = ["check_grouping"]


def _skip_window(part: Sequence[Token], i: int, statement: str) -> int:
    """The index after ``OVER (...)`` or ``OVER name`` starting at `i`."""
    i += 1  # OVER
    if i < len(part) and is_op(part[i], "("):
        return close(part, i, statement) + 1
    return i + 1


def columns_used(part: Sequence[Token], statement: str) -> tuple[set[str], bool]:
    """The columns `part` names outside aggregates and subqueries; whether it aggregates.

    Examples
    --------
    >>> from arrowtap.testing.kinetica.expr import scan
    >>> columns_used(scan("t.k || CAST(SUM(x) AS TEXT)"), "")
    ({'k'}, True)
    >>> columns_used(scan("SUM(x) OVER (PARTITION BY k) + y"), "")
    ({'y'}, False)
    """
    names: set[str] = set()
    aggregates, i = False, 0
    while i < len(part):
        token, after = part[i], part[i + 1] if i + 1 < len(part) else None
        if token.kind == "id" and after is not None and is_op(after, "("):
            end = close(part, i + 1, statement)
            window = end + 1 < len(part) and word(part[end + 1]) == "over"
            if window:
                i = _skip_window(part, end + 1, statement)
            elif word(token) in AGGREGATES:
                aggregates, i = True, end + 1
            else:
                i += 2  # another function: its arguments are looked at
            continue
        if is_op(token, "(") and after is not None and word(after) == "select":
            i = close(part, i, statement) + 1
            continue
        previous = word(part[i - 1]) if i else ""
        qualifier = after is not None and is_op(after, ".")
        if (token.kind == "dq" or (token.kind == "id" and word(token) not in WORDS)) and not (
            qualifier or previous in ("as", "collate")
        ):
            names.add(name(token).lower())
        i += 1
    return names, aggregates


def _text(part: Sequence[Token]) -> str:
    return " ".join(t.text.lower() for t in part)


def check_grouping(
    items: Sequence[tuple[bool, str | None, list[Token]]],
    group: Sequence[list[Token]],
    having: bool,
    statement: str,
) -> None:
    """Refuse a selected column that is neither grouped nor aggregated.

    Parameters
    ----------
    items : sequence of (bool, str or None, list of Token)
        The select list: whether an item is a ``*``, its alias, its expression.
    group : sequence of token lists
        The ``GROUP BY`` expressions.
    having : bool
        Whether the statement has a ``HAVING`` clause.
    statement : str
        The statement, for the message.

    Raises
    ------
    ExpressionError
        Naming the first such column (or the ``*``).

    Examples
    --------
    >>> from arrowtap.testing.kinetica.expr import scan
    >>> items = [(False, "n", scan("k")), (False, None, scan("COUNT(*)"))]
    >>> try:
    ...     check_grouping(items, [], False, "q")
    ... except ExpressionError as exc:
    ...     print(exc)
    column 'k' is neither grouped nor aggregated in 'q'
    >>> check_grouping(items, [scan("n")], False, "q")  # grouped by its alias
    """
    used = [(star, alias, part, *columns_used(part, statement)) for star, alias, part in items]
    if not group and not having and not any(aggregates for *_, aggregates in used):
        return
    exprs = {_text(g) for g in group}
    names = {name(g[-1]).lower() for g in group if g and g[-1].kind in ("id", "dq")}
    positions = {int(g[0].text) for g in group if len(g) == 1 and g[0].text.isdigit()}
    for n, (star, alias, part, columns, _) in enumerate(used, 1):
        if star:
            raise ExpressionError(f"'*' selects columns that are not grouped in {statement!r}")
        if n in positions or _text(part) in exprs or (alias and alias.lower() in names):
            continue
        for column in sorted(columns - names):
            raise ExpressionError(
                f"column '{column}' is neither grouped nor aggregated in {statement!r}"
            )
