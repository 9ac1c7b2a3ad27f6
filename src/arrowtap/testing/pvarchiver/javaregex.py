r"""Java regular expressions (``java.util.regex``, JDK 17) evaluated in Python.

The real archiver answers ``channels-by-regexp/<regexp>`` with
``Pattern.compile(regexp)`` (no flags) and ``matcher(name).matches()``. The
fake translates the pattern into an equivalent one of the ``regex`` package
(V1 syntax) and uses ``fullmatch``: :func:`compile_java`. The parser keeps
the structure and cursor moves of JDK 17's ``Pattern`` so that what Java
refuses is refused and odd but valid patterns mean what they mean in Java.

The translation follows Java, not Python: ``\w``, ``\d``, ``\s``, POSIX
``\p{Alpha}`` and ``(?i)`` are ASCII-only unless ``(?U)`` (or ``u`` for case)
is on; ``\b`` uses Unicode letters and digits plus non-spacing marks after
them; ``.`` and ``$`` know Java's line terminators (``\r\n``, NEL, U+2028,
U+2029) and ``(?d)``; inline flags last to the end of their group, across
``|``; classes nest and intersect (``&&``) with Java's quirks; ``\Q...\E``,
``\x{...}``, octal ``\0nn``, ``\h``, ``\v``, ``\R``, ``\z``, ``\Z``,
possessive quantifiers, atomic groups, named groups ``(?<n>...)`` with
``\k<n>``, and back-references parse as in Java; Python-only syntax such as
``(?P<n>...)`` or ``(?#...)`` is an error, as in Java.

What cannot be translated exactly is refused with
:class:`UnsupportedPatternError` (the fake answers 400, as for a pattern
Java cannot compile) rather than answered differently: ``\X``, ``\b{g}``,
``\G``, ``\N{...}``, Unicode blocks and the scripts not listed in
:data:`~arrowtap.testing.pvarchiver.javaregex_props.SCRIPTS`, Java's
identifier properties, classes under ``(?c)``, case-insensitive
back-references, references from inside or ahead of their group, look-behinds
without a plain bound, and counts above 1000. Known remaining differences:
Unicode data is the ``regex`` package's, not Java's (JDK 17 has Unicode 13),
and look-behinds count code points where Java counts UTF-16 units.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from arrowtap.testing.pvarchiver.javaregex_class import render
from arrowtap.testing.pvarchiver.javaregex_groups import GroupParser
from arrowtap.testing.pvarchiver.javaregex_nodes import ANCHORS, Node, concat
from arrowtap.testing.pvarchiver.javaregex_props import LINE_TERMINATORS
from arrowtap.testing.pvarchiver.javaregex_scan import (
    BACKSLASH,
    CANON_EQ,
    CASE_INSENSITIVE,
    DOTALL,
    MULTILINE,
    UNICODE_CASE,
    UNIX_LINES,
    JavaPatternError,
    UnsupportedPatternError,
    among,
)
from arrowtap.testing.pvarchiver.javaregex_sets import ANY, chars, ci_single, literal, negate

if TYPE_CHECKING:
    import regex

__all__ = ["JavaPatternError", "UnsupportedPatternError", "compile_java", "translate"]


class JavaRegexParser(GroupParser):
    """Java's ``expr``, ``sequence`` and ``atom``, emitting ``regex`` syntax."""

    def parse(self) -> str:
        """Translate the whole pattern."""
        node = self.expr()
        if self.cursor != self.length:
            if self.peek() == ord(")"):
                raise self.error("Unmatched closing ')'")
            raise self.error("Unexpected internal error")
        self.check_forward_references()
        return node.text

    def expr(self) -> Node:
        """Alternatives separated by ``|``."""
        branches = [self.sequence()]
        while self.peek() == ord("|"):
            self.next()
            branches.append(self.sequence())
        if len(branches) == 1:
            return branches[0]
        lengths = [b.maxlen for b in branches]
        longest = None if None in lengths else max(n for n in lengths if n is not None)
        return Node("(?:" + "|".join(b.text for b in branches) + ")", longest)

    def sequence(self) -> Node:
        """Atoms and groups up to ``|``, ``)`` or the end."""
        nodes: list[Node] = []
        while True:
            ch = self.peek()
            if ch == ord("("):
                group = self.group()
                if group is not None:
                    nodes.append(group)
            elif among(ch, "|)") or (ch == 0 and self.cursor >= self.length):
                return concat(nodes)
            elif among(ch, "?*+"):
                self.next()
                raise self.error(f"Dangling meta character '{chr(ch)}'")
            else:
                nodes.append(self.closure(self._item(ch)))

    def _item(self, ch: int) -> Node:
        if ch == ord("["):
            self._refuse_canon_eq()
            return Node(render(self.clazz(True)), 1)
        if ch == BACKSLASH:
            if among(self.next_escaped(), "pP"):
                return self._property()
            self.unread()
        elif ch == ord("^"):
            self.next()
            if not self.has(MULTILINE):
                return Node(ANCHORS["begin"], 0)
            return Node(ANCHORS["unix caret" if self.has(UNIX_LINES) else "caret"], 0)
        elif ch == ord("$"):
            self.next()
            return self.dollar(self.has(MULTILINE))
        elif ch == ord("."):
            self.next()
            if self.has(DOTALL):
                return Node(ANY, 1)
            return Node(negate(chars([0x0A]) if self.has(UNIX_LINES) else LINE_TERMINATORS), 1)
        return self.atom()

    def _property(self) -> Node:
        r"""``\p`` / ``\P`` at the cursor (on the ``p``) as a node."""
        complement = self.temp[self.cursor] == ord("P")
        single_letter = self.next() != ord("{")
        if single_letter:
            self.unread()
        self._refuse_canon_eq()
        return Node(self.property_class(single_letter, complement), 1)

    def _refuse_canon_eq(self) -> None:
        if self.has(CANON_EQ):
            raise UnsupportedPatternError("classes under (?c) (canonical equivalence)")

    def atom(self) -> Node:
        """A run of literal characters (a quantifier takes only the last), or one escape."""
        codes: list[int] = []
        prev = -1
        ch = self.peek()
        while True:
            if among(ch, "*+?{"):
                if len(codes) > 1:
                    self.cursor = prev
                    codes.pop()
                break
            if among(ch, "$.^([|)") or (ch == 0 and self.cursor >= self.length):
                break
            if ch == BACKSLASH:
                if among(self.next_escaped(), "pP"):
                    if not codes:
                        return self._property()
                    self.unread()
                    break
                self.unread()
                prev = self.cursor
                escaped = self.escape(False, not codes, False)
                if isinstance(escaped, int):
                    codes.append(escaped)
                    ch = self.peek()
                    continue
                if not codes:
                    return self.escape_node(escaped)
                self.cursor = prev  # a meta escape ends the run and is read again
                break
            prev = self.cursor
            codes.append(ch)
            ch = self.next()
        if len(codes) == 1:
            return Node(self.single(codes[0]), 1)
        if self.has(CASE_INSENSITIVE):
            unicode_case = self.has(UNICODE_CASE)
            text = "".join(ci_single(c, unicode_case, in_slice=True) for c in codes)
            return Node(text, len(codes))
        return Node("".join(map(literal, codes)), len(codes))


@lru_cache(maxsize=512)
def translate(pattern: str) -> str:
    r"""The ``regex`` (V1) pattern whose ``fullmatch`` is Java's ``matches()``.

    Raises
    ------
    JavaPatternError
        If Java does not compile ``pattern``.
    UnsupportedPatternError
        If the fake cannot evaluate it as Java does.

    Examples
    --------
    >>> print(translate(r"a\Q.\E"))
    \U00000061\U0000002E
    """
    try:
        return JavaRegexParser(pattern).parse()
    except (IndexError, RecursionError) as exc:  # where Java fails with an internal error
        raise UnsupportedPatternError(f"a pattern Java cannot parse ({exc!r})") from None


def compile_java(pattern: str) -> regex.Pattern[str]:
    r"""Compile a Java regular expression; its ``fullmatch`` is Java's ``matches()``.

    Raises
    ------
    JavaPatternError
        If Java does not compile ``pattern``, or the fake cannot evaluate it
        as Java does (:class:`UnsupportedPatternError`).

    Examples
    --------
    >>> ascii_only, unicode = compile_java(r"\w+"), compile_java(r"(?U)\w+")
    >>> bool(ascii_only.fullmatch("état")), bool(unicode.fullmatch("état"))
    (False, True)
    >>> try:
    ...     compile_java("(?P<n>a)")
    ... except JavaPatternError as exc:
    ...     print(exc)
    Unknown inline modifier near index 2
    """
    return _compile(translate(pattern))


@lru_cache(maxsize=512)
def _compile(source: str) -> regex.Pattern[str]:
    try:
        import regex
    except ModuleNotFoundError as exc:  # a test-time dependency: the "dev" extra
        raise ModuleNotFoundError(
            "the fake archiver's channels-by-regexp needs the 'regex' package "
            "(pip install 'arrowtap[dev]')"
        ) from exc
    try:
        return regex.compile(source, regex.V1)
    except regex.error as exc:
        raise UnsupportedPatternError(f"a pattern the regex package refuses ({exc})") from None
