"""The subset of Kinetica filter expressions the fake evaluates.

``/get/records`` (option ``expression``), ``/delete/records``, ``/update/records`` and
the SQL ``WHERE`` take SQL-like expressions over the columns of a row. Supported:
literals (numbers, ``'text'`` with ``''`` escapes, ``true``/``false``/``null``), column
names (plain, qualified ``t.col`` or, in SQL, ``"quoted"``), ``+ - * / %``, comparisons
``= == != <> < <= > >=``, ``[NOT] IN (...)``, ``[NOT] BETWEEN a AND b``,
``IS [NOT] NULL``, ``[NOT] LIKE 'pattern'``, ``AND``/``&&``, ``OR``/``||``,
``NOT``/``!``, parentheses and the functions ``is_null``, ``abs``, ``length``,
``lower``, ``upper``. A comparison with a null is false. Outside SQL, a double-quoted
text is a string, as in Kinetica expressions.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Collection
from typing import Any, NamedTuple

__all__ = [
    "ExpressionError",
    "Fn",
    "Row",
    "Token",
    "both",
    "compile_expression",
    "either",
    "scan",
    "tokenize",
]

Row = dict[str, Any]
Fn = Callable[[Row], Any]

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<num>(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?)
    | (?P<str>'(?:[^']|'')*')
    | (?P<dq>"(?:[^"]|"")*")
    | (?P<id>[A-Za-z_][A-Za-z0-9_$]*(?:\.[A-Za-z_][A-Za-z0-9_$]*)*)
    | (?P<op><=|>=|<>|!=|==|&&|\|\||[-+*/%(),<>=!.])
    )""",
    re.VERBOSE,
)
_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "=": operator.eq,
    "==": operator.eq,
    "!=": operator.ne,
    "<>": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_ARITH: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "%": operator.mod,
}
_FUNCTIONS: dict[str, Callable[[Any], Any]] = {
    "is_null": lambda v: v is None,
    "abs": abs,
    "length": len,
    "lower": str.lower,
    "upper": str.upper,
}


def both(a: Fn, b: Fn) -> Fn:
    """The conjunction of two row predicates."""
    return lambda r: bool(a(r)) and bool(b(r))


def either(a: Fn, b: Fn) -> Fn:
    """The disjunction of two row predicates."""
    return lambda r: bool(a(r)) or bool(b(r))


def _apply(op: Callable[[Any, Any], Any], a: Fn, b: Fn) -> Fn:
    return lambda r: op(a(r), b(r))


class ExpressionError(ValueError):
    """An expression the fake cannot parse, or one naming an unknown column."""


class Token(NamedTuple):
    """One token: its kind (``num str dq id op``), its text and where it lies."""

    kind: str
    text: str
    start: int
    end: int


def scan(text: str) -> list[Token]:
    """The tokens of `text` with their positions (SQL statements split on them).

    Examples
    --------
    >>> [(t.text, t.start) for t in scan('t."x" = 1')]
    [('t', 0), ('.', 1), ('"x"', 2), ('=', 6), ('1', 8)]
    """
    out: list[Token] = []
    pos, end = 0, len(text.rstrip())
    while pos < end:
        m = _TOKEN.match(text, pos)
        if m is None or m.lastgroup is None:
            raise ExpressionError(f"unexpected character at {pos} of {text!r}")
        out.append(Token(m.lastgroup, m.group(m.lastgroup), m.start(m.lastgroup), m.end()))
        pos = m.end()
    return out


def tokenize(text: str) -> list[tuple[str, str]]:
    """The (kind, text) tokens of an expression; kinds ``num str dq id op``.

    Examples
    --------
    >>> tokenize("x >= 'a''b'")
    [('id', 'x'), ('op', '>='), ('str', "'a''b'")]
    """
    return [(t.kind, t.text) for t in scan(text)]


def _like(pattern: str) -> re.Pattern[str]:
    parts = (".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.DOTALL)


def _safe(fn: Callable[..., Any]) -> Callable[..., Any]:
    """`fn` returning None when any argument is None (SQL null propagation)."""
    return lambda *args: None if any(a is None for a in args) else fn(*args)


class _Parser:
    def __init__(self, text: str, columns: Collection[str], sql: bool) -> None:
        self.text, self.tokens, self.pos, self.sql = text, tokenize(text), 0, sql
        self.columns = {c: c for c in columns}
        self.folded = {c.lower(): c for c in columns}

    def peek(self, *words: str) -> bool:
        if self.pos >= len(self.tokens):
            return False
        kind, value = self.tokens[self.pos]
        return (value if kind == "op" else value.lower() if kind == "id" else None) in words

    def take(self, *words: str) -> bool:
        found = self.peek(*words)
        self.pos += found
        return found

    def expect(self, word: str) -> None:
        if not self.take(word):
            raise self.error(f"expected {word!r}")

    def error(self, message: str) -> ExpressionError:
        at = self.tokens[self.pos][1] if self.pos < len(self.tokens) else "end"
        return ExpressionError(f"{message} at {at!r} in expression {self.text!r}")

    def parse(self) -> Fn:
        fn = self.disjunction()
        if self.pos != len(self.tokens):
            raise self.error("unexpected token")
        return fn

    def disjunction(self) -> Fn:
        fn = self.conjunction()
        while self.take("or", "||"):
            fn = either(fn, self.conjunction())
        return fn

    def conjunction(self) -> Fn:
        fn = self.negation()
        while self.take("and", "&&"):
            fn = both(fn, self.negation())
        return fn

    def negation(self) -> Fn:
        if self.take("not", "!"):
            inner = self.negation()
            return lambda r: not inner(r)
        return self.comparison()

    def comparison(self) -> Fn:
        left = self.additive()
        if self.pos < len(self.tokens) and self.tokens[self.pos][1] in _COMPARE:
            op = _safe(_COMPARE[self.tokens[self.pos][1]])
            self.pos += 1
            right = self.additive()
            return lambda r: bool(op(left(r), right(r)))
        if self.take("is"):
            negate = self.take("not")
            self.expect("null")
            return lambda r: (left(r) is None) != negate
        negate = self.take("not")
        if self.take("in"):
            self.expect("(")
            items = [self.additive()]
            while self.take(","):
                items.append(self.additive())
            self.expect(")")

            def member(r: Row) -> bool:
                v = left(r)
                return v is not None and (any(v == i(r) for i in items) != negate)

            return member
        if self.take("between"):
            lo = self.additive()
            self.expect("and")
            hi = self.additive()
            inside = _safe(lambda v, a, b: (a <= v <= b) != negate)
            return lambda r: bool(inside(left(r), lo(r), hi(r)))
        if self.take("like"):
            pattern = self.additive()({})
            if not isinstance(pattern, str):
                raise self.error("LIKE needs a string pattern")
            rx = _like(pattern)
            return lambda r: (
                (v := left(r)) is not None and (rx.fullmatch(str(v)) is not None) != negate
            )
        if negate:
            raise self.error("expected IN, BETWEEN or LIKE after NOT")
        return left

    def additive(self) -> Fn:
        return self.binary(self.multiplicative, ("+", "-"))

    def multiplicative(self) -> Fn:
        return self.binary(self.unary, ("*", "/", "%"))

    def binary(self, operand: Callable[[], Fn], ops: tuple[str, ...]) -> Fn:
        fn = operand()
        while self.pos < len(self.tokens) and self.tokens[self.pos] in [("op", o) for o in ops]:
            op = _safe(_ARITH[self.tokens[self.pos][1]])
            self.pos += 1
            fn = _apply(op, fn, operand())
        return fn

    def unary(self) -> Fn:
        if self.take("-"):
            inner = self.unary()
            neg = _safe(operator.neg)
            return lambda r: neg(inner(r))
        self.take("+")
        return self.primary()

    def primary(self) -> Fn:
        if self.pos >= len(self.tokens):
            raise self.error("expression ends early")
        kind, value = self.tokens[self.pos]
        self.pos += 1
        if kind == "num":
            number = float(value) if any(c in value for c in ".eE") else int(value)
            return lambda r: number
        if kind == "str" or (kind == "dq" and not self.sql):
            text = value[1:-1].replace(value[0] * 2, value[0])
            return lambda r: text
        if kind == "dq":
            return self.column(value[1:-1].replace('""', '"'), exact=True)
        if kind == "op" and value == "(":
            fn = self.disjunction()
            self.expect(")")
            return fn
        if kind == "id":
            low = value.lower()
            constants = {"true": 1, "false": 0, "null": None}
            if low in constants:
                const = constants[low]
                return lambda r: const
            if self.peek("("):
                return self.call(low)
            return self.column(value, exact=False)
        self.pos -= 1
        raise self.error("unexpected token")

    def call(self, name: str) -> Fn:
        if name not in _FUNCTIONS:
            raise self.error(f"unknown function {name!r}")
        self.expect("(")
        arg = self.disjunction()
        self.expect(")")
        fn = _FUNCTIONS[name]
        if name == "is_null":
            return lambda r: fn(arg(r))
        safe = _safe(fn)
        return lambda r: safe(arg(r))

    def column(self, name: str, *, exact: bool) -> Fn:
        found = self.columns.get(name)
        if found is None and "." in name and not exact:
            found = self.columns.get(name.rsplit(".", 1)[1])
        if found is None and not exact:
            found = self.folded.get(name.rsplit(".", 1)[-1].lower())
        if found is None:
            raise ExpressionError(f"unknown column {name!r} in expression {self.text!r}")
        key = found
        return lambda r: r[key]


def compile_expression(text: str, columns: Collection[str], *, sql: bool = False) -> Fn:
    """Compile `text` into a function of a row (a dict of column values).

    Parameters
    ----------
    text : str
        The expression; empty means "every row" (the function returns ``True``).
    columns : collection of str
        The column names a row has.
    sql : bool
        Read ``"name"`` as a quoted column name (SQL) rather than a string literal.

    Raises
    ------
    ExpressionError
        If the expression does not parse or names an unknown column.

    Examples
    --------
    >>> keep = compile_expression("x > 1 and s in ('a', 'b')", ["x", "s"])
    >>> [keep(r) for r in ({"x": 2, "s": "a"}, {"x": 2, "s": "c"}, {"x": None, "s": "a"})]
    [True, False, False]
    >>> compile_expression("x * 2 + 1", ["x"])({"x": 4})
    9
    """
    if not text.strip():
        return lambda r: True
    return _Parser(text, columns, sql).parse()
