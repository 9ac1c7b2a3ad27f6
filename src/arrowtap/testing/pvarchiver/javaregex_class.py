r"""Java's character classes (``[...]``, ``\p{...}``, escapes) read as JDK 17 reads them.

A class is first built as a small tree of unions, intersections and
negations, rendered to one ``regex`` set at the end: Java collects the
Latin-1 members of a class into one shared bit set that later members can
still add to after it was used (``[a&&[b]&c]`` is ``[a&c]``), and only a
late rendering reproduces that.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias

from arrowtap.testing.pvarchiver.javaregex_props import Unknown, Unsupported, family, named_class
from arrowtap.testing.pvarchiver.javaregex_scan import (
    BACKSLASH,
    CASE_INSENSITIVE,
    UNICODE_CASE,
    UNICODE_CHARACTER_CLASS,
    Scanner,
    UnsupportedPatternError,
    is_alpha,
)
from arrowtap.testing.pvarchiver.javaregex_sets import (
    chars,
    ci_range,
    ci_single,
    lower1,
    negate,
    span,
    union,
    upper1,
)

__all__ = ["Bits", "ClassParser", "NodeEscape", "Pred", "render"]

# Latin-1 letters whose other case lies outside Latin-1 (or folds across it):
# under (?iu) Java keeps them out of its bit set and matches them one by one.
_FOLD_OUTSIDE_LATIN1 = frozenset([0xFF, 0xB5, 0x49, 0x69, 0x53, 0x73, 0x4B, 0x6B, 0xC5, 0xE5])
_SIMPLE_ESCAPES = {"a": 0x07, "e": 0x1B, "f": 0x0C, "n": 0x0A, "r": 0x0D, "t": 0x09}


@dataclass
class Bits:
    """Java's ``BitClass``: the Latin-1 members of a class, shared and still growing."""

    codes: set[int] = field(default_factory=set)

    def add(self, code: int, flags: int) -> None:
        """Add ``code`` with its other cases, as the flags at this point ask."""
        if flags & CASE_INSENSITIVE:
            if code < 0x80:
                self.codes.update((code ^ 0x20,) if is_alpha(code) else ())
            elif flags & UNICODE_CASE:
                self.codes.update((lower1(code), upper1(code)))
        self.codes.add(code)


Pred: TypeAlias = str | Bits | tuple[str, "Pred", "Pred"] | tuple[str, "Pred"]
"""A set, a bit set, or ``("or" | "and", a, b)`` or ``("not", a)``."""


def render(pred: Pred) -> str:
    r"""The ``regex`` set of a class tree.

    Examples
    --------
    >>> render(("not", Bits({0x61})))
    '[^[\\U00000061]]'
    """
    if isinstance(pred, str):
        return pred
    if isinstance(pred, Bits):
        return chars(pred.codes)
    if pred[0] == "not":
        return negate(render(pred[1]))
    left, right = render(pred[1]), render(pred[2])  # type: ignore[misc]
    return union(left, right) if pred[0] == "or" else f"[{left}&&{right}]"


@dataclass(frozen=True)
class NodeEscape:
    r"""An escape that is not a character or a class: ``\b``, ``\A``, ``\1``, ``\k<n>``, ..."""

    letter: str
    arg: int | str | None = None


class ClassParser(Scanner):
    """Escapes, classes and properties, on top of Java's cursor."""

    def illegal_escape(self) -> Exception:
        """Java's error for an escape it does not know."""
        return self.error("Illegal/unsupported escape sequence")

    def escape(self, inclass: bool, create: bool, isrange: bool) -> int | str | NodeEscape:
        r"""Java's ``escape``: a character, a class (a set) or a :class:`NodeEscape`."""
        ch = self.skip()
        letter = chr(ch)
        if letter == "0":
            return self.octal()
        if letter in "123456789ABGRXZbzk" and inclass:
            raise self.illegal_escape()
        if letter in "123456789":
            return NodeEscape("ref", ch - 0x30)
        if letter in "ABGRXZz":
            return NodeEscape(letter)
        if letter == "b":
            if create and self.peek() == ord("{"):
                if self.skip() == ord("g"):
                    if self.read() == ord("}"):
                        return NodeEscape("b{g}")
                    raise self.illegal_escape()
                self.unread()
                self.unread()
            return NodeEscape("b")
        if letter in "dDsSwWhHvV":
            if letter == "v" and isrange:
                return 0x0B  # Java keeps \v a character as the end of a range
            return named_class(letter, self.has(UNICODE_CHARACTER_CLASS))
        if letter in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[letter]
        reader = {"c": self.control, "x": self.hexadecimal, "u": self.unicode}.get(letter)
        if reader is not None:
            return reader()
        if letter == "N":
            return self.named_character()
        if letter == "k":
            if self.read() != ord("<"):
                raise self.error("\\k is not followed by '<' for named capturing group")
            name = self.group_name(self.read())
            if name not in self.named:
                raise self.error(f"named capturing group <{name}> does not exist")
            return NodeEscape("named", name)
        if is_alpha(ch):
            raise self.illegal_escape()
        return ch

    def single(self, code: int) -> str:
        """One character, folded as the flags ask."""
        if self.has(CASE_INSENSITIVE):
            return ci_single(code, self.has(UNICODE_CASE))
        return chars([code])

    def _bits_or_single(self, bits: Bits, code: int) -> str | None:
        folds_out = self.has(CASE_INSENSITIVE) and self.has(UNICODE_CASE)
        if code < 0x100 and not (folds_out and code in _FOLD_OUTSIDE_LATIN1):
            bits.add(code, self.flags)
            return None
        return self.single(code)

    def property_class(self, single_letter: bool, complement: bool) -> str:
        r"""Java's ``family``: the class of ``\p{...}`` / ``\pX`` (cursor before the name)."""
        self.next()
        if single_letter:
            name = chr(self.temp[self.cursor])
            self.read()
        else:
            start = self.cursor
            self.temp[self.length] = ord("}")  # Java marks the end so the scan stops
            while self.read() != ord("}"):
                pass
            self.temp[self.length] = 0
            end = self.cursor
            if end > self.length:
                raise self.error("Unclosed character family")
            if start + 1 >= end:
                raise self.error("Empty character family")
            name = "".join(map(chr, self.temp[start : end - 1]))
        try:
            found = family(
                name,
                case_ins=self.has(CASE_INSENSITIVE),
                unicode_classes=self.has(UNICODE_CHARACTER_CLASS),
            )
        except Unknown as exc:
            raise self.error(str(exc)) from None
        except Unsupported as exc:
            raise UnsupportedPatternError(str(exc)) from None
        return negate(found) if complement else found

    def _range(self, bits: Bits) -> Pred | None:
        """One member of a class: a character, a range, an escape or a property."""
        ch = self.peek()
        if ch == BACKSLASH:
            ch = self.next_escaped()
            if ch in (ord("p"), ord("P")):
                complement = ch == ord("P")
                single_letter = self.next() != ord("{")
                if single_letter:
                    self.unread()
                return self.property_class(single_letter, complement)
            isrange = self.temp[self.cursor + 1] == ord("-")
            self.unread()
            escaped = self.escape(True, True, isrange)
            if isinstance(escaped, str):
                return escaped
            assert isinstance(escaped, int)  # node escapes are errors in a class
            ch = escaped
        else:
            self.next()
        if self.peek() == ord("-"):
            end = self.temp[self.cursor + 1]
            if end == ord("["):
                return self._bits_or_single(bits, ch)
            if end != ord("]"):
                self.next()
                last = self.peek()
                if last == BACKSLASH:
                    escaped = self.escape(True, False, True)
                    last = escaped if isinstance(escaped, int) else -1
                else:
                    self.next()
                if last < ch:
                    raise self.error("Illegal character range")
                if self.has(CASE_INSENSITIVE):
                    return ci_range(ch, last, self.has(UNICODE_CASE))
                return span(ch, last)
        return self._bits_or_single(bits, ch)

    def clazz(self, consume: bool) -> Pred:
        """Java's ``clazz``: a ``[...]`` class, the cursor on its ``[``."""
        prev: Pred | None = None
        curr: Pred | None = None
        bits = Bits()
        negated = has_bits = False
        ch = self.next()
        if ch == ord("^") and self.temp[self.cursor - 1] == ord("["):
            ch = self.next()
            negated = True
        while True:
            if ch == ord("["):
                curr = self.clazz(True)
                prev = curr if prev is None else ("or", prev, curr)
                ch = self.peek()
                continue
            if ch == ord("&"):
                if self.next() == ord("&"):
                    ch = self.next()
                    right: Pred | None = None
                    while ch not in (ord("]"), ord("&")):
                        if ch != ord("["):
                            self.unread()
                        part = self.clazz(ch == ord("["))
                        right = part if right is None else ("or", right, part)
                        ch = self.peek()
                    if has_bits:  # the bits so far join the left side first
                        if prev is None:
                            prev = curr = bits
                        else:
                            prev = ("or", prev, bits)
                        has_bits = False
                    if right is not None:
                        curr = right
                    if prev is None:
                        if right is None:
                            raise self.error("Bad class syntax")
                        prev = right
                    elif curr is None:
                        # Java compiles this but throws a NullPointerException when matching.
                        raise UnsupportedPatternError("a class that makes Java fail when matching")
                    else:
                        prev = ("and", prev, curr)
                    continue
                self.unread()  # a lone "&" is a literal
            elif ch == 0 and self.cursor >= self.length:
                raise self.error("Unclosed character class")
            elif ch == ord("]") and (prev is not None or has_bits):
                if consume:
                    self.next()
                if prev is None:
                    prev = bits
                elif has_bits:
                    prev = ("or", prev, bits)
                return ("not", prev) if negated else prev
            curr = self._range(bits)
            if curr is None:
                has_bits = True
            elif prev is None:
                prev = curr
            elif prev is not curr:
                prev = ("or", prev, curr)
            ch = self.peek()
