r"""Java's character predicates written as sets of the ``regex`` package (V1 syntax).

Every predicate of ``java.util.regex`` (``\w``, ``\p{Lu}``, ``[a-z]`` under
``(?iu)``, ...) becomes one bracketed set such as ``[\p{gc=Lu}]`` or
``[\U00000061-\U0000007A]``; sets nest (``[AB]`` is a union), intersect
(``[A&&B]``) and negate (``[^A]``). Code points are always written as
``\UXXXXXXXX`` so that no character is ever read as syntax.

Case-insensitive matching is spelled out here, as Java does it, instead of
being left to a flag: ``(?i)`` alone folds ASCII letters only; with ``u`` a
character matches when ``toLowerCase(toUpperCase(x))`` is the same (Java's
simple, one-to-one mappings: ``SS`` is never ``ß``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import cache

__all__ = [
    "ANY",
    "NOTHING",
    "chars",
    "ci_range",
    "ci_single",
    "fold_key",
    "literal",
    "lower1",
    "negate",
    "prop",
    "span",
    "union",
    "upper1",
]

ANY = r"[\U00000000-\U0010FFFF]"
NOTHING = r"[^\U00000000-\U0010FFFF]"


def literal(code: int) -> str:
    r"""One code point as a ``regex`` escape.

    Examples
    --------
    >>> literal(0x1F680)
    '\\U0001F680'
    """
    return f"\\U{code:08X}"


def span(lo: int, hi: int) -> str:
    r"""The set of the code points from ``lo`` to ``hi``.

    Examples
    --------
    >>> print(span(0x30, 0x39))
    [\U00000030-\U00000039]
    """
    return f"[{literal(lo)}-{literal(hi)}]" if lo != hi else f"[{literal(lo)}]"


def chars(codes: Iterable[int]) -> str:
    r"""The set of the given code points, written as ranges.

    Examples
    --------
    >>> chars([0x63, 0x61, 0x62, 0x7A])
    '[\\U00000061-\\U00000063\\U0000007A]'
    """
    ordered = sorted(set(codes))
    if not ordered:
        return NOTHING
    parts: list[str] = []
    lo = hi = ordered[0]
    for code in [*ordered[1:], -2]:
        if code == hi + 1:
            hi = code
            continue
        parts.append(literal(lo) if lo == hi else f"{literal(lo)}-{literal(hi)}")
        lo = hi = code
    return "[" + "".join(parts) + "]"


def union(*sets: str) -> str:
    r"""The union of sets (none: the empty set).

    Examples
    --------
    >>> print(union(span(0x30, 0x30), prop("Alphabetic")))
    [[\U00000030][\p{Alphabetic}]]
    """
    return "[" + "".join(sets) + "]" if sets else NOTHING


def negate(a: str) -> str:
    r"""Every code point not in ``a``.

    Examples
    --------
    >>> print(negate(span(0x0A, 0x0A)))
    [^[\U0000000A]]
    """
    return f"[^{a}]"


def prop(expr: str) -> str:
    r"""A property of the ``regex`` package, e.g. ``gc=Lu`` or ``Alphabetic``.

    Examples
    --------
    >>> print(prop("gc=Lu"))
    [\p{gc=Lu}]
    """
    return f"[\\p{{{expr}}}]"


def upper1(code: int) -> int:
    """Java's ``Character.toUpperCase(int)``: the simple (one-to-one) mapping.

    Examples
    --------
    >>> hex(upper1(0xDF)), hex(upper1(0x1F80))  # sharp s stays; U+1F80 to its title case
    ('0xdf', '0x1f88')
    """
    text = chr(code).upper()
    if len(text) == 1:
        return ord(text)
    # Python gives the full mapping (e.g. U+1F80 -> two characters); the simple
    # one is then the title-case letter that lower-cases back, if any.
    return _titlecase_of().get(code, code)


def lower1(code: int) -> int:
    """Java's ``Character.toLowerCase(int)``: the simple (one-to-one) mapping.

    Examples
    --------
    >>> chr(lower1(0x130)), chr(lower1(0x212A))
    ('i', 'k')
    """
    text = chr(code).lower()
    if len(text) == 1:
        return ord(text)
    return 0x69 if code == 0x130 else code  # only U+0130 lowers to two characters


def fold_key(code: int) -> int:
    """What Java compares under ``(?iu)``: ``toLowerCase(toUpperCase(c))``.

    Examples
    --------
    >>> chr(fold_key(0x131)), chr(fold_key(0x1E9E))  # dotless i, capital sharp s
    ('i', 'ß')
    """
    return lower1(upper1(code))


@cache
def _titlecase_of() -> dict[int, int]:
    found: dict[int, int] = {}
    for code in range(0x20000):
        if unicodedata.category(chr(code)) == "Lt":
            found.setdefault(lower1(code), code)
    return found


@cache
def _case_table() -> tuple[dict[int, tuple[int, ...]], tuple[tuple[int, int, int], ...]]:
    """Code points grouped by :func:`fold_key`, and (code, upper, key) of every cased one.

    Only the first two planes hold letters with case, so only they are scanned.
    """
    groups: dict[int, list[int]] = {}
    cased: list[tuple[int, int, int]] = []
    for code in range(0x20000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        up = upper1(code)
        key = lower1(up)
        if up != code or key != code:
            cased.append((code, up, key))
            groups.setdefault(key, [key]).append(code)
    return {k: tuple(v) for k, v in groups.items()}, tuple(cased)


def ci_single(code: int, flags_unicode: bool, *, in_slice: bool = False) -> str:
    """A literal under ``(?i)``, as Java's ``single()`` (or a run of literals) matches it.

    A lone literal folds only if it has case (``upper != lower``); in a run of
    literals Java compares ``key(input)`` with ``key(literal)`` even for a
    literal without case, so ``(?iu)ßx`` matches ``ẞx`` though ``(?iu)ß``
    does not match ``ẞ``.

    Examples
    --------
    >>> ci_single(ord("k"), False) == chars([ord("k"), ord("K")])
    True
    >>> ci_single(ord("k"), True) == chars([ord("k"), ord("K"), 0x212A])
    True
    """
    if not flags_unicode:
        if 0x41 <= code <= 0x5A or 0x61 <= code <= 0x7A:
            return chars([code | 0x20, code & ~0x20])
        return chars([code])
    up = upper1(code)
    key = lower1(up)
    if up == key and not in_slice:
        return chars([code])
    groups, _ = _case_table()
    return chars([key, *groups.get(key, ())])


def ci_range(lo: int, hi: int, flags_unicode: bool) -> str:
    r"""A range under ``(?i)``: Java's ``CIRange`` (ASCII) or ``CIRangeU``.

    Examples
    --------
    >>> ci_range(ord("j"), ord("l"), False) == union(span(0x6A, 0x6C), chars([0x4A, 0x4B, 0x4C]))
    True
    >>> r"\U0000212A" in ci_range(ord("j"), ord("l"), True)  # KELVIN SIGN
    True
    """
    extra: set[int] = set()
    if flags_unicode:
        for code, up, key in _case_table()[1]:
            if lo <= up <= hi or lo <= key <= hi:
                extra.add(code)
    else:
        for code in range(0x80):
            flipped = code ^ 0x20 if 0x41 <= (code & ~0x20) <= 0x5A else code
            if lo <= flipped <= hi:
                extra.add(code)
    return union(span(lo, hi), chars(extra)) if extra else span(lo, hi)
