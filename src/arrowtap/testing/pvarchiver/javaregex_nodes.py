r"""Java's anchors, boundaries, line breaks and quantifiers as ``regex`` syntax.

Each is written out with look-arounds instead of relying on ``regex``'s own
``^``, ``$``, ``\b`` or flags, because Java's differ: ``$`` stops before a
final ``\r\n``, NEL, U+2028 or U+2029 (only ``\n`` under ``(?d)``), ``^``
under ``(?m)`` never matches at the very end, and ``\b`` treats a
non-spacing mark after a letter or digit as part of the word.
"""

from __future__ import annotations

from dataclasses import dataclass

from arrowtap.testing.pvarchiver.javaregex_props import LETTER_OR_DIGIT, WORD
from arrowtap.testing.pvarchiver.javaregex_scan import UnsupportedPatternError
from arrowtap.testing.pvarchiver.javaregex_sets import chars, literal, prop, span, union

__all__ = [
    "ANCHORS",
    "LINE_BREAK",
    "MAX_COUNT",
    "MAX_REPS",
    "Node",
    "bound",
    "concat",
    "quantified",
]

MAX_REPS = 0x7FFFFFFF
"""Java's "no upper bound"."""

MAX_COUNT = 1000
"""Larger counts are refused: the regex package builds repetitions eagerly (memory)."""

_NL, _CR = literal(0x0A), literal(0x0D)
_OTHER_TERMINATORS = chars([0x0D, 0x85, 0x2028, 0x2029])

ANCHORS = {
    "begin": r"\A",
    "end": r"\Z",
    "caret": rf"(?!\Z)(?:\A|(?<={chars([0x0A, 0x85, 0x2028, 0x2029])})|(?<={_CR})(?!{_NL}))",
    "unix caret": rf"(?!\Z)(?:\A|(?<={_NL}))",
    "dollar": rf"(?:(?={_CR}{_NL}\Z)|(?={_OTHER_TERMINATORS}?\Z)|(?<!{_CR})(?={_NL}\Z))",
    "multiline dollar": rf"(?:\Z|(?={_OTHER_TERMINATORS})|(?<!{_CR})(?={_NL}))",
    "unix dollar": rf"(?={_NL}?\Z)",
    "multiline unix dollar": rf"(?={_NL}|\Z)",
}
r"""``^`` (``begin``; ``caret`` under ``(?m)``), ``\z`` (``end``) and ``$`` / ``\Z``."""

LINE_BREAK = f"(?:{_CR}{_NL}|{chars([0x0A, 0x0B, 0x0C, 0x0D, 0x85, 0x2028, 0x2029])})"
r"""``\R``; since JDK 9 it can give back the ``\n`` of ``\r\n``, so it is no atomic group."""


@dataclass(frozen=True)
class Node:
    """A translated piece and the most code points it can match (``None``: no bound known).

    ``group`` marks a group: a repeated group gets no bound, as Java cannot
    always give one either (look-behinds need it).
    """

    text: str
    maxlen: int | None
    group: bool = False


def concat(nodes: list[Node]) -> Node:
    """Pieces one after the other.

    Examples
    --------
    >>> concat([Node("a", 1), Node("b", 2)])
    Node(text='ab', maxlen=3, group=False)
    """
    lengths = [n.maxlen for n in nodes]
    total = None if None in lengths else sum(n for n in lengths if n is not None)
    return Node("".join(n.text for n in nodes), total)


def bound(unicode_classes: bool, boundary: bool) -> str:
    r"""Java's ``\b`` (``boundary``) or ``\B``.

    A word character is ``\w`` under ``(?U)``, otherwise a letter, a digit or
    ``_`` (Unicode ones: JDK 17's ``\b`` is not ASCII-only); a non-spacing
    mark also counts when a BMP letter or digit precedes it, across marks.

    Examples
    --------
    >>> import regex
    >>> word_end = regex.compile("x" + bound(False, True) + ".y", regex.V1)
    >>> bool(word_end.fullmatch("x y")), bool(word_end.fullmatch("x\u0301y"))
    (True, False)
    """
    word = WORD if unicode_classes else union(LETTER_OR_DIGIT, span(0x5F, 0x5F))
    bmp = span(0, 0xFFFF)
    mark = f"[{prop('gc=Mn')}&&{bmp}]"
    base = f"[{LETTER_OR_DIGIT}&&{bmp}]"
    left = f"{word}|{base}{mark}+"
    right = f"(?={word})|(?={prop('gc=Mn')})(?<={base}{mark}*)"
    if boundary:
        return f"(?:(?<={left})(?!{right})|(?<!{left})(?:{right}))"
    return f"(?:(?<={left})(?:{right})|(?<!{left})(?!{right}))"


def quantified(node: Node, cmin: int, cmax: int, kind: str) -> Node:
    """``node`` repeated ``cmin`` to ``cmax`` times; ``kind`` is ``""``, ``"?"`` (lazy) or ``"+"``.

    Examples
    --------
    >>> quantified(Node("a", 1), 2, MAX_REPS, "+")
    Node(text='(?:a){2,}+', maxlen=None, group=False)
    """
    if cmin > MAX_COUNT or MAX_COUNT < cmax < MAX_REPS:
        raise UnsupportedPatternError(f"repetition counts above {MAX_COUNT}")
    if (cmin, cmax) == (0, 1):
        count = "?"
    elif cmax == MAX_REPS:
        count = {0: "*", 1: "+"}.get(cmin, f"{{{cmin},}}")
    else:
        count = f"{{{cmin}}}" if cmin == cmax else f"{{{cmin},{cmax}}}"
    bounded = cmax != MAX_REPS and node.maxlen is not None and not (node.group and cmax > 1)
    maxlen = node.maxlen * cmax if bounded and node.maxlen is not None else None
    return Node(f"(?:{node.text}){count}{kind}", maxlen)
