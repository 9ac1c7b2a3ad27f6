"""Reading a SQL statement's tokens (:func:`~.expr.scan`): words, names, parentheses, lists.

What :mod:`.sql` and :mod:`.grouping` share to find their way through a statement
without parsing it: the keyword a token is, the name an identifier gives, the
parenthesis closing another, the tokens outside parentheses and a list split on its
top-level commas.
"""

from __future__ import annotations

from collections.abc import Sequence

from arrowtap.testing.kinetica.expr import ExpressionError, Token

__all__ = [
    "AGGREGATES",
    "OPERATORS",
    "WORDS",
    "close",
    "commas",
    "is_op",
    "level",
    "name",
    "word",
]

AGGREGATES = frozenset(["count", "sum", "avg", "min", "max"])
"""The aggregates whose result types the fake knows (``result_types``)."""

OPERATORS = frozenset(
    {"and", "or", "not", "is", "in", "between", "like", "glob", "escape", "case", "when"}
    | {"then", "else", "distinct", "all", "as", "collate", "exists", "select", "by", "on"}
)
"""Words after which an identifier is an operand, not an alias."""

WORDS = OPERATORS | {"null", "true", "false", "end"}
WORDS |= {"current_date", "current_time", "current_timestamp"}
"""Words that are neither a column nor an alias."""


def word(token: Token) -> str:
    """The lower-cased text of an unquoted identifier (a keyword, say); ``""`` otherwise."""
    return token.text.lower() if token.kind == "id" else ""


def is_op(token: Token, op: str) -> bool:
    """Whether `token` is the operator or punctuation `op`."""
    return token.kind == "op" and token.text == op


def name(token: Token) -> str:
    """The name an identifier gives: unquoted, without its qualifier.

    Examples
    --------
    >>> from arrowtap.testing.kinetica.expr import scan
    >>> [name(t) for t in scan('p.id "x""y" z')]
    ['id', 'x"y', 'z']
    """
    if token.kind == "dq":
        return token.text[1:-1].replace('""', '"')
    return token.text.rsplit(".", 1)[-1]


def close(tokens: Sequence[Token], i: int, statement: str) -> int:
    """The index of the parenthesis closing the one at `i`."""
    depth = 0
    for j in range(i, len(tokens)):
        depth += is_op(tokens[j], "(") - is_op(tokens[j], ")")
        if depth == 0:
            return j
    raise ExpressionError(f"unbalanced parentheses in {statement!r}")


def level(tokens: Sequence[Token], statement: str) -> list[int]:
    """The indexes of the tokens outside parentheses (an opening one included).

    Examples
    --------
    >>> from arrowtap.testing.kinetica.expr import scan
    >>> level(scan("f(a, b), c"), "")
    [0, 1, 6, 7]
    """
    out, i = [], 0
    while i < len(tokens):
        out.append(i)
        i = close(tokens, i, statement) + 1 if is_op(tokens[i], "(") else i + 1
    return out


def commas(tokens: Sequence[Token], statement: str) -> list[list[Token]]:
    """`tokens` split on the commas outside parentheses."""
    parts: list[list[Token]] = [[]]
    top = set(level(tokens, statement))
    for i, token in enumerate(tokens):
        if i in top and is_op(token, ","):
            parts.append([])
        else:
            parts[-1].append(token)
    return parts
