r"""Java's groups, inline flags, quantifiers and back-references, read as JDK 17 reads them.

An inline flag group ``(?i)`` changes the flags up to the end of the group
it stands in (across ``|``), a flag group ``(?i:...)`` only inside itself;
capturing groups are numbered in the order of their ``(``, named ones too,
so a translated ``\k<name>`` is a numbered reference.
"""

from __future__ import annotations

import re

from arrowtap.testing.pvarchiver.javaregex_class import ClassParser, NodeEscape
from arrowtap.testing.pvarchiver.javaregex_nodes import (
    ANCHORS,
    LINE_BREAK,
    MAX_REPS,
    Node,
    bound,
    quantified,
)
from arrowtap.testing.pvarchiver.javaregex_scan import (
    CANON_EQ,
    CASE_INSENSITIVE,
    COMMENTS,
    DOTALL,
    MULTILINE,
    UNICODE_CASE,
    UNICODE_CHARACTER_CLASS,
    UNIX_LINES,
    UnsupportedPatternError,
    among,
    is_digit,
)

__all__ = ["GroupParser"]

_FLAGS = {
    ord("i"): CASE_INSENSITIVE,
    ord("m"): MULTILINE,
    ord("s"): DOTALL,
    ord("d"): UNIX_LINES,
    ord("u"): UNICODE_CASE,
    ord("c"): CANON_EQ,
    ord("x"): COMMENTS,
    ord("U"): UNICODE_CHARACTER_CLASS | UNICODE_CASE,
}
_LOOKAROUNDS = ("(?=", "(?!", "(?<=", "(?<!")
_ESCAPED = re.compile(r"\\U([0-9A-F]{8})")


def _may_match_astral(text: str) -> bool:
    """Whether translated text may match a non-BMP code point or a surrogate (conservative)."""
    if "\\p{" in text or "[^" in text:
        return True
    return any(int(code, 16) >= 0xD800 for code in _ESCAPED.findall(text))


class GroupParser(ClassParser):
    """Groups, flags, quantifiers and references; :meth:`expr` comes from the subclass."""

    def __init__(self, pattern: str) -> None:
        super().__init__(pattern)
        self.groups = 1  # Java's capturingGroupCount: the number the next group gets
        self.closed: set[int] = set()
        self.forward_refs: set[int] = set()

    def expr(self) -> Node:
        """Alternatives up to ``)`` or the end (see :class:`JavaRegexParser`)."""
        raise NotImplementedError

    def dollar(self, multiline: bool) -> Node:
        r"""``$`` (and ``\Z`` with ``multiline=False``) under the current flags."""
        key = "unix dollar" if self.has(UNIX_LINES) else "dollar"
        return Node(ANCHORS["multiline " + key if multiline else key], 0)

    def _open_group(self) -> int:
        self.groups += 1
        return self.groups - 1

    def group(self) -> Node | None:
        """Java's ``group0``, the cursor on ``(``; ``None`` for an inline flag group."""
        saved = self.flags
        number: int | None = None
        behind = -1
        ch = self.next()
        if ch != ord("?"):
            number, head = self._open_group(), "("
        else:
            ch = self.skip()
            if among(ch, ":=!>"):
                head = "(?:" if ch == ord(":") else "(?" + chr(ch)
            elif ch == ord("<"):
                ch = self.read()
                if among(ch, "=!"):
                    head, behind = "(?<" + chr(ch), self.cursor
                else:
                    name = self.group_name(ch)
                    if name in self.named:
                        raise self.error(f"Named capturing group <{name}> is already defined")
                    number, head = self._open_group(), "("
                    self.named[name] = number
            elif among(ch, "$@"):
                raise self.error("Unknown group type")
            else:
                self.unread()
                self.add_flags()
                ch = self.read()
                if ch == ord(")"):
                    return None  # the flags stay changed to the end of the enclosing group
                if ch != ord(":"):
                    raise self.error("Unknown inline modifier")
                head = "(?:"
        body = self.expr()
        self.accept(ord(")"), "Unclosed group")
        self.flags = saved
        if number is not None:
            self.closed.add(number)
        if behind >= 0:
            self._check_lookbehind(body, behind)
        if head in _LOOKAROUNDS:
            return self.closure(Node(head + body.text + ")", 0))
        return self.closure(Node(head + body.text + ")", body.maxlen, group=True))

    def _check_lookbehind(self, body: Node, start: int) -> None:
        """Refuse a look-behind Java evaluates otherwise than ``regex`` would.

        Java looks back a number of UTF-16 units, found from the body (an
        unbounded one is an error, or a bug, depending on how it is written);
        only if the pattern holds a non-BMP character from the look-behind on
        does it step by code points. So a body that may match a non-BMP
        character (or a lone surrogate) must come with such a character.
        """
        if body.maxlen is None:
            raise UnsupportedPatternError("look-behinds without a plain upper bound")
        counts_code_points = any(c >= 0x10000 or 0xD800 <= c <= 0xDFFF for c in self.temp[start:])
        if not counts_code_points and _may_match_astral(body.text):
            raise UnsupportedPatternError(
                "a look-behind that may match characters outside the BMP (Java counts UTF-16 units)"
            )

    def add_flags(self) -> None:
        """Java's ``addFlag`` (and ``subFlag`` after ``-``)."""
        ch = self.peek()
        while ch in _FLAGS:
            self.flags |= _FLAGS[ch]
            ch = self.next()
        if ch == ord("-"):
            ch = self.next()
            while ch in _FLAGS:
                self.flags &= ~_FLAGS[ch]
                ch = self.next()

    def _kind(self) -> str:
        ch = self.next()
        if among(ch, "?+"):
            self.next()
            return chr(ch)
        return ""

    def closure(self, node: Node) -> Node:
        """Java's ``closure``: the quantifier after ``node``, if any."""
        ch = self.peek()
        if among(ch, "?*+"):
            cmin, cmax = {ord("?"): (0, 1), ord("*"): (0, MAX_REPS), ord("+"): (1, MAX_REPS)}[ch]
            return quantified(node, cmin, cmax, self._kind())
        if ch != ord("{"):
            return node
        ch = self.skip()
        if not is_digit(ch):
            raise self.error("Illegal repetition")
        cmin, ch = self._number(ch)
        if ch == ord(","):
            ch = self.read()
            if ch == ord("}"):
                self.unread()
                return quantified(node, cmin, MAX_REPS, self._kind())
            cmax, ch = self._number(ch) if is_digit(ch) else (0, ch)
        else:
            cmax = cmin
        if ch != ord("}"):
            raise self.error("Unclosed counted closure")
        if cmax < cmin:
            raise self.error("Illegal repetition range")
        self.unread()
        return quantified(node, cmin, cmax, self._kind())

    def _number(self, ch: int) -> tuple[int, int]:
        value = 0
        while is_digit(ch):
            value = value * 10 + ch - 0x30
            if value > MAX_REPS:  # Java's int arithmetic overflows
                raise self.error("Illegal repetition range")
            ch = self.read()
        return value, ch

    def escape_node(self, escaped: str | NodeEscape) -> Node:
        """The node of an escape that is not a literal character."""
        if isinstance(escaped, str):
            return Node(escaped, 1)
        letter = escaped.letter
        if letter in ("b", "B"):
            return Node(bound(self.has(UNICODE_CHARACTER_CLASS), letter == "b"), 0)
        if letter in ("A", "z"):
            return Node(ANCHORS["begin" if letter == "A" else "end"], 0)
        if letter == "Z":
            return self.dollar(False)
        if letter == "R":
            return Node(LINE_BREAK, 2)
        if letter == "ref":
            assert isinstance(escaped.arg, int)
            return self._backref(self._ref_number(escaped.arg))
        if letter == "named":
            return self._backref(self.named[str(escaped.arg)])
        raise UnsupportedPatternError({"G": "\\G", "X": "\\X"}.get(letter, "\\b{g}"))

    def _ref_number(self, number: int) -> int:
        """Java reads more digits only while the longer number names an existing group."""
        while is_digit(ch := self.peek()):
            longer = number * 10 + ch - 0x30
            if self.groups - 1 < longer:
                break
            number = longer
            self.read()
        return number

    def _backref(self, number: int) -> Node:
        if number >= self.groups:
            # No such group yet: Java's reference then never matches (its group
            # table always has room for 9), unless the group comes later, which
            # parse() checks. No bound: Java refuses it in a look-behind.
            self.forward_refs.add(number)
            return Node("(?!)", None)
        if number not in self.closed:
            raise UnsupportedPatternError("back-references inside the group they name")
        if self.has(CASE_INSENSITIVE):
            raise UnsupportedPatternError("case-insensitive back-references")
        return Node(f"(?:\\g<{number}>)", None)

    def check_forward_references(self) -> None:
        """Refuse references to groups defined after them (set by an earlier repetition)."""
        if any(number < self.groups for number in self.forward_refs):
            raise UnsupportedPatternError("back-references to a group defined after them")
