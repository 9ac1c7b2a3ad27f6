r"""Reading a Java pattern the way ``java.util.regex.Pattern`` reads it.

The cursor moves exactly as in JDK 17's parser (``peek``, ``next``, ``read``,
``skip``, ``unread``, over code points ended by two zeros), ``\Q...\E`` is
rewritten into escapes before parsing as Java does, and under ``(?x)`` the
same moves skip white space and ``#`` comments. Keeping Java's moves, not
just its grammar, is what makes odd patterns (``{2}a``, ``a\``, ``[&&a]``)
compile or fail as they do in Java.
"""

from __future__ import annotations

__all__ = [
    "CANON_EQ",
    "CASE_INSENSITIVE",
    "COMMENTS",
    "DOTALL",
    "MULTILINE",
    "UNICODE_CASE",
    "UNICODE_CHARACTER_CLASS",
    "UNIX_LINES",
    "JavaPatternError",
    "Scanner",
    "UnsupportedPatternError",
    "among",
    "is_alnum",
    "is_alpha",
    "is_digit",
]

UNIX_LINES, CASE_INSENSITIVE, COMMENTS, MULTILINE = 0x01, 0x02, 0x04, 0x08
DOTALL, UNICODE_CASE, CANON_EQ, UNICODE_CHARACTER_CLASS = 0x20, 0x40, 0x80, 0x100

BACKSLASH = ord("\\")


class JavaPatternError(ValueError):
    """The pattern is not one the server evaluates: Java does not compile it.

    Examples
    --------
    >>> Scanner("a").error("Dangling meta character '*'")
    JavaPatternError("Dangling meta character '*' near index -1")
    """


class UnsupportedPatternError(JavaPatternError):
    """Java may compile the pattern, but the fake cannot evaluate it as Java does.

    Examples
    --------
    >>> str(UnsupportedPatternError("Unicode blocks"))
    'the fake cannot evaluate Unicode blocks exactly as Java does'
    """

    def __init__(self, what: str) -> None:
        super().__init__(f"the fake cannot evaluate {what} exactly as Java does")


def among(ch: int, characters: str) -> bool:
    """Whether the code point ``ch`` is one of ``characters``.

    Examples
    --------
    >>> among(ord("*"), "*+?"), among(0x1F680, "*+?")
    (True, False)
    """
    return ch < 0x110000 and chr(ch) in characters


def is_alpha(ch: int) -> bool:
    """ASCII letter, as Java's ``ASCII.isAlpha``.

    Examples
    --------
    >>> is_alpha(ord("z")), is_alpha(ord("é"))
    (True, False)
    """
    return 0x41 <= ch <= 0x5A or 0x61 <= ch <= 0x7A


def is_digit(ch: int) -> bool:
    """ASCII digit.

    Examples
    --------
    >>> is_digit(ord("7")), is_digit(0x663)  # ARABIC-INDIC DIGIT THREE
    (True, False)
    """
    return 0x30 <= ch <= 0x39


def is_alnum(ch: int) -> bool:
    """ASCII letter or digit (what Java allows in a group name after its first letter).

    Examples
    --------
    >>> is_alnum(ord("7")), is_alnum(ord("_"))
    (True, False)
    """
    return is_alpha(ch) or is_digit(ch)


def _is_hex(ch: int) -> bool:
    return is_digit(ch) or 0x41 <= (ch & ~0x20) <= 0x46


def _is_space(ch: int) -> bool:
    return 0x09 <= ch <= 0x0D or ch == 0x20


def _remove_qe_quoting(temp: list[int]) -> list[int]:
    r"""Java's ``RemoveQEQuoting``: ``\Q...\E`` becomes escaped characters."""
    size = len(temp)

    def at(i: int) -> int:
        return temp[i] if i < size else 0

    i = 0
    while i < size - 1 and not (temp[i] == BACKSLASH and temp[i + 1] == ord("Q")):
        i += 2 if temp[i] == BACKSLASH else 1
    if i >= size - 1:
        return temp
    out, i = temp[:i], i + 2
    in_quote = begin_quote = True
    while i < size:
        c = temp[i]
        i += 1
        if c >= 0x80 or is_alpha(c):
            out.append(c)
        elif is_digit(c):
            if begin_quote:  # so that an escape before the quote cannot swallow the digit
                out += [BACKSLASH, ord("x"), ord("3")]
            out.append(c)
        elif c != BACKSLASH:
            out += [BACKSLASH, c] if in_quote else [c]
        elif in_quote:
            if at(i) == ord("E"):
                i += 1
                in_quote = False
            else:
                out += [BACKSLASH, BACKSLASH]
        elif at(i) == ord("Q"):
            i += 1
            in_quote = begin_quote = True
            continue
        else:
            out.append(c)
            if i != size:
                out.append(temp[i])
                i += 1
        begin_quote = False
    return out


class Scanner:
    """The pattern's code points and Java's cursor over them, with the current flags."""

    def __init__(self, pattern: str) -> None:
        codes = _remove_qe_quoting([ord(c) for c in pattern])
        self.length = len(codes)
        self.temp = [*codes, 0, 0]
        self.cursor = 0
        self.flags = 0
        self.named: dict[str, int] = {}

    def has(self, flag: int) -> bool:
        """Whether ``flag`` is on at this point of the pattern."""
        return bool(self.flags & flag)

    def error(self, message: str) -> JavaPatternError:
        """A syntax error at the cursor, as Java reports it."""
        return JavaPatternError(f"{message} near index {self.cursor - 1}")

    def peek(self) -> int:
        """The character at the cursor (past white space and comments under ``(?x)``)."""
        ch = self.temp[self.cursor]
        return self._peek_past_whitespace(ch) if self.has(COMMENTS) else ch

    def read(self) -> int:
        """The character at the cursor, then advance."""
        ch = self.temp[self.cursor]
        self.cursor += 1
        return self._parse_past_whitespace(ch) if self.has(COMMENTS) else ch

    def read_escaped(self) -> int:
        """:meth:`read`, ignoring ``(?x)``."""
        self.cursor += 1
        return self.temp[self.cursor - 1]

    def next(self) -> int:
        """Advance, then peek."""
        self.cursor += 1
        ch = self.temp[self.cursor]
        return self._peek_past_whitespace(ch) if self.has(COMMENTS) else ch

    def next_escaped(self) -> int:
        """:meth:`next`, ignoring ``(?x)``."""
        self.cursor += 1
        return self.temp[self.cursor]

    def skip(self) -> int:
        """The character after the cursor; advance past it."""
        ch = self.temp[self.cursor + 1]
        self.cursor += 2
        return ch

    def unread(self) -> None:
        """Step back one character."""
        self.cursor -= 1

    def accept(self, ch: int, message: str) -> None:
        """Read ``ch`` or fail with ``message``."""
        if self.read() != ch:
            raise self.error(message)

    def _is_line_separator(self, ch: int) -> bool:
        if self.has(UNIX_LINES):
            return ch == 0x0A
        return ch in (0x0A, 0x0D, 0x85, 0x2028, 0x2029)

    def _peek_past_whitespace(self, ch: int) -> int:
        while _is_space(ch) or ch == ord("#"):
            while _is_space(ch):
                self.cursor += 1
                ch = self.temp[self.cursor]
            if ch == ord("#"):
                self.cursor += 1
                ch = self.temp[self.cursor]
                while ch != 0 and not self._is_line_separator(ch):
                    self.cursor += 1
                    ch = self.temp[self.cursor]
                if ch == 0 and self.cursor > self.length:
                    self.cursor = self.length
                    ch = self.temp[self.cursor]
        return ch

    def _parse_past_whitespace(self, ch: int) -> int:
        while _is_space(ch) or ch == ord("#"):
            while _is_space(ch):
                ch = self.read_escaped()
            if ch == ord("#"):
                ch = self.read_escaped()
                while ch != 0 and not self._is_line_separator(ch):
                    ch = self.read_escaped()
                if ch == 0 and self.cursor > self.length:
                    self.cursor = self.length
                    ch = self.read_escaped()
        return ch

    def octal(self) -> int:
        r"""``\0n``, ``\0nn`` or ``\0mnn`` (m at most 3)."""
        n = self.read()
        if 0x30 <= n <= 0x37:
            m = self.read()
            if 0x30 <= m <= 0x37:
                o = self.read()
                if 0x30 <= o <= 0x37 and 0x30 <= n <= 0x33:
                    return (n - 0x30) * 64 + (m - 0x30) * 8 + (o - 0x30)
                self.unread()
                return (n - 0x30) * 8 + (m - 0x30)
            self.unread()
            return n - 0x30
        raise self.error("Illegal octal escape sequence")

    def hexadecimal(self) -> int:
        r"""``\xhh`` or ``\x{h...h}``."""
        n = self.read()
        if _is_hex(n):
            m = self.read()
            if _is_hex(m):
                return int(chr(n) + chr(m), 16)
        elif n == ord("{") and _is_hex(self.peek()):
            value = 0
            while _is_hex(n := self.read()):
                value = value * 16 + int(chr(n), 16)
                if value > 0x10FFFF:
                    raise self.error("Hexadecimal codepoint is too big")
            if n != ord("}"):
                raise self.error("Unclosed hexadecimal escape sequence")
            return value
        raise self.error("Illegal hexadecimal escape sequence")

    def _uxxxx(self) -> int:
        value = 0
        for _ in range(4):
            ch = self.read()
            if not _is_hex(ch):
                raise self.error("Illegal Unicode escape sequence")
            value = value * 16 + int(chr(ch), 16)
        return value

    def unicode(self) -> int:
        r"""``\uhhhh``; a high and a low surrogate escape in a row make one code point."""
        value = self._uxxxx()
        if 0xD800 <= value <= 0xDBFF:
            mark = self.cursor
            if self.read() == BACKSLASH and self.read() == ord("u"):
                low = self._uxxxx()
                if 0xDC00 <= low <= 0xDFFF:
                    return 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
            self.cursor = mark
        return value

    def control(self) -> int:
        r"""``\cX``: X with bit 6 flipped."""
        if self.cursor < self.length:
            return self.read() ^ 64
        raise self.error("Illegal control escape sequence")

    def named_character(self) -> int:
        r"""``\N{name}``: parsed as Java does, then refused (names differ across versions)."""
        if self.read() == ord("{"):
            while self.read() != ord("}"):
                if self.cursor >= self.length:
                    raise self.error("Unclosed character name escape sequence")
            raise UnsupportedPatternError(r"named characters (\N{...})")
        raise self.error("Illegal character name escape sequence")

    def group_name(self, ch: int) -> str:
        """A group name: an ASCII letter, then ASCII letters and digits, then ``>``."""
        if not is_alpha(ch):
            raise self.error("capturing group name does not start with a Latin letter")
        name = ""
        while True:
            name += chr(ch)
            ch = self.read()
            if not is_alnum(ch):
                break
        if ch != ord(">"):
            raise self.error("named capturing group is missing trailing '>'")
        return name
