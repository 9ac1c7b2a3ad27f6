r"""Java's named character classes (``\p{...}``, ``\w``, ``\s``, ...) as ``regex`` sets.

The names and what they mean follow JDK 17's ``java.util.regex.CharPredicates``
and ``java.lang.Character``: POSIX names (``Alpha``, ``Lower``, ...) are ASCII
unless ``(?U)`` is on, general categories are exact-case two-letter names,
``Is`` accepts binary properties (any case), categories and scripts, and a
few categories and POSIX names widen to every cased letter under ``(?i)``.

Unicode blocks (``\p{InGreek}``), the scripts missing from :data:`SCRIPTS`
and Java's identifier properties are valid Java that this module does not
translate: :func:`family` raises :class:`Unsupported` for them, so the fake
refuses them rather than answer differently.
"""

from __future__ import annotations

from arrowtap.testing.pvarchiver.javaregex_sets import ANY, chars, negate, prop, span, union

__all__ = ["SCRIPTS", "Unknown", "Unsupported", "family", "named_class"]


class Unsupported(Exception):
    """Valid Java the fake cannot evaluate exactly as Java does."""


class Unknown(Exception):
    """A name Java does not know: Java fails to compile the pattern."""


def _gc(*names: str) -> str:
    return union(*(prop("gc=" + n) for n in names))


_CASED = _gc("Lu", "Ll", "Lt")
_LETTER = _gc("Lu", "Ll", "Lt", "Lm", "Lo")
_SEPARATOR = _gc("Zs", "Zl", "Zp")
_ALPHABETIC = prop("Alphabetic")
_LOWERCASE, _UPPERCASE, _TITLECASE = prop("Lowercase"), prop("Uppercase"), _gc("Lt")
_ANY_CASE = union(_LOWERCASE, _UPPERCASE, _TITLECASE)
_DIGIT = _gc("Nd")
_CONTROL = _gc("Cc")
_PUNCTUATION = _gc("Pd", "Ps", "Pe", "Pc", "Po", "Pi", "Pf")
_WHITE_SPACE = union(_SEPARATOR, span(0x09, 0x0D), span(0x85, 0x85))
_HEX_DIGIT = union(
    _DIGIT,
    *(span(a, b) for a, b in ((0x41, 0x46), (0x61, 0x66), (0xFF21, 0xFF26), (0xFF41, 0xFF46))),
)
_NONCHARACTER = union(
    span(0xFDD0, 0xFDEF), *(span(p | 0xFFFE, p | 0xFFFF) for p in range(0, 0x110000, 0x10000))
)
_BLANK = union(_gc("Zs"), span(0x09, 0x09))
_GRAPH = negate(_gc("Zs", "Zl", "Zp", "Cc", "Cs", "Cn"))
_JOIN_CONTROL = span(0x200C, 0x200D)
_WORD = union(_ALPHABETIC, _gc("Mn", "Me", "Mc", "Nd", "Pc"), _JOIN_CONTROL)

ASCII_DIGIT = span(0x30, 0x39)
ASCII_WORD = union(span(0x30, 0x39), span(0x41, 0x5A), span(0x5F, 0x5F), span(0x61, 0x7A))
ASCII_SPACE = union(span(0x09, 0x0D), span(0x20, 0x20))
HORIZ_WS = chars([0x09, 0x20, 0xA0, 0x1680, 0x180E, *range(0x2000, 0x200B), 0x202F, 0x205F, 0x3000])
VERT_WS = chars([0x0A, 0x0B, 0x0C, 0x0D, 0x85, 0x2028, 0x2029])
LINE_TERMINATORS = chars([0x0A, 0x0D, 0x85, 0x2028, 0x2029])
LETTER_OR_DIGIT = union(_LETTER, _DIGIT)
WORD = _WORD

_ASCII_ALPHA = union(span(0x41, 0x5A), span(0x61, 0x7A))
_ASCII_PUNCT = union(span(0x21, 0x2F), span(0x3A, 0x40), span(0x5B, 0x60), span(0x7B, 0x7E))
_ASCII_ALNUM = union(_ASCII_ALPHA, ASCII_DIGIT)

# Script names as JDK 17's Character.UnicodeScript.forName takes them (upper-cased
# enum names and ISO 15924 codes), for the scripts this fake translates.
SCRIPTS = {
    alias: name
    for name, code in {
        "LATIN": "LATN", "GREEK": "GREK", "CYRILLIC": "CYRL", "ARMENIAN": "ARMN",
        "HEBREW": "HEBR", "ARABIC": "ARAB", "DEVANAGARI": "DEVA", "THAI": "THAI",
        "GEORGIAN": "GEOR", "HANGUL": "HANG", "HIRAGANA": "HIRA", "KATAKANA": "KANA",
        "HAN": "HANI", "COMMON": "ZYYY", "INHERITED": "ZINH",
    }.items()
    for alias in (name, code)
}  # fmt: skip


def named_class(escape: str, unicode_classes: bool) -> str:
    r"""The set of ``\d``, ``\s``, ``\w``, ``\h``, ``\v`` or their upper-case complements.

    Examples
    --------
    >>> named_class("w", False) == ASCII_WORD
    True
    """
    base = {
        "d": _DIGIT if unicode_classes else ASCII_DIGIT,
        "s": _WHITE_SPACE if unicode_classes else ASCII_SPACE,
        "w": _WORD if unicode_classes else ASCII_WORD,
        "h": HORIZ_WS,
        "v": VERT_WS,
    }[escape.lower()]
    return negate(base) if escape.isupper() else base


def _posix_unicode(name: str, case_ins: bool) -> str | None:
    """JDK ``getPosixPredicate``: POSIX names under ``(?U)`` (upper-cased)."""
    table = {
        "ALPHA": _ALPHABETIC,
        "LOWER": _ANY_CASE if case_ins else _LOWERCASE,
        "UPPER": _ANY_CASE if case_ins else _UPPERCASE,
        "SPACE": _WHITE_SPACE,
        "PUNCT": _PUNCTUATION,
        "XDIGIT": _HEX_DIGIT,
        "ALNUM": union(_ALPHABETIC, _DIGIT),
        "CNTRL": _CONTROL,
        "DIGIT": _DIGIT,
        "BLANK": _BLANK,
        "GRAPH": _GRAPH,
        "PRINT": f"[{union(_GRAPH, _BLANK)}--{_CONTROL}]",
    }
    return table.get(name)


def _binary(name: str, case_ins: bool) -> str | None:
    """JDK ``forUnicodeProperty``: binary properties after ``Is``, then POSIX names."""
    name = name.upper()
    table = {
        "ALPHABETIC": _ALPHABETIC,
        "ASSIGNED": negate(_gc("Cn")),
        "CONTROL": _CONTROL,
        "HEXDIGIT": _HEX_DIGIT,
        "HEX_DIGIT": _HEX_DIGIT,
        "IDEOGRAPHIC": prop("Ideographic"),
        "JOINCONTROL": _JOIN_CONTROL,
        "JOIN_CONTROL": _JOIN_CONTROL,
        "LETTER": _LETTER,
        "LOWERCASE": _ANY_CASE if case_ins else _LOWERCASE,
        "UPPERCASE": _ANY_CASE if case_ins else _UPPERCASE,
        "TITLECASE": _ANY_CASE if case_ins else _TITLECASE,
        "NONCHARACTERCODEPOINT": _NONCHARACTER,
        "NONCHARACTER_CODE_POINT": _NONCHARACTER,
        "PUNCTUATION": _PUNCTUATION,
        "WHITESPACE": _WHITE_SPACE,
        "WHITE_SPACE": _WHITE_SPACE,
        "WORD": _WORD,
    }
    found = table.get(name)
    return found if found is not None else _posix_unicode(name, case_ins)


_CATEGORIES = {
    "L": ("Lu", "Ll", "Lt", "Lm", "Lo"),
    "M": ("Mn", "Me", "Mc"),
    "N": ("Nd", "Nl", "No"),
    "Z": ("Zs", "Zl", "Zp"),
    "C": ("Cc", "Cf", "Co", "Cs", "Cn"),
    "P": ("Pd", "Ps", "Pe", "Pc", "Po", "Pi", "Pf"),
    "S": ("Sm", "Sc", "Sk", "So"),
    "LC": ("Lu", "Ll", "Lt"),
    "LD": ("Lu", "Ll", "Lt", "Lm", "Lo", "Nd"),
}
_TWO_LETTER = frozenset(
    {"Cn", "Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Me", "Mc", "Nd", "Nl", "No", "Zs", "Zl", "Zp"}
    | {"Cc", "Cf", "Co", "Cs", "Pd", "Ps", "Pe", "Pc", "Po", "Sm", "Sc", "Sk", "So", "Pi", "Pf"}
)


def _property(name: str, case_ins: bool) -> str | None:
    """JDK ``CharPredicates.forProperty``: categories, ASCII POSIX names, ``java*``."""
    if name in ("Lu", "Ll", "Lt") and case_ins:
        return _CASED
    if name in _TWO_LETTER:
        return _gc(name)
    if name in _CATEGORIES:
        return _gc(*_CATEGORIES[name])
    ascii_posix = {
        "L1": span(0x00, 0xFF),
        "all": ANY,
        "ASCII": span(0x00, 0x7F),
        "Alnum": _ASCII_ALNUM,
        "Alpha": _ASCII_ALPHA,
        "Blank": chars([0x09, 0x20]),
        "Cntrl": union(span(0x00, 0x1F), span(0x7F, 0x7F)),
        "Digit": ASCII_DIGIT,
        "Graph": union(_ASCII_ALNUM, _ASCII_PUNCT),
        "Lower": _ASCII_ALPHA if case_ins else span(0x61, 0x7A),
        "Print": span(0x20, 0x7E),
        "Punct": _ASCII_PUNCT,
        "Space": ASCII_SPACE,
        "Upper": _ASCII_ALPHA if case_ins else span(0x41, 0x5A),
        "XDigit": union(ASCII_DIGIT, span(0x41, 0x46), span(0x61, 0x66)),
    }
    if name in ascii_posix:
        return ascii_posix[name]
    return _java_property(name, case_ins)


def _java_property(name: str, case_ins: bool) -> str | None:
    """The ``java*`` names: the ``java.lang.Character.is*`` methods."""
    if name in ("javaJavaIdentifierStart", "javaJavaIdentifierPart", "javaIdentifierIgnorable",
                "javaUnicodeIdentifierStart", "javaUnicodeIdentifierPart"):  # fmt: skip
        raise Unsupported(f"the Java property {name}")
    cased = {"javaLowerCase": _LOWERCASE, "javaUpperCase": _UPPERCASE, "javaTitleCase": _TITLECASE}
    if name in cased:
        return _ANY_CASE if case_ins else cased[name]
    nbsp = chars([0xA0, 0x2007, 0x202F])
    return {
        "javaAlphabetic": _ALPHABETIC,
        "javaIdeographic": prop("Ideographic"),
        "javaDigit": _DIGIT,
        "javaDefined": negate(_gc("Cn")),
        "javaLetter": _LETTER,
        "javaLetterOrDigit": LETTER_OR_DIGIT,
        "javaSpaceChar": _SEPARATOR,
        "javaWhitespace": union(f"[{_SEPARATOR}--{nbsp}]", span(0x09, 0x0D), span(0x1C, 0x1F)),
        "javaISOControl": union(span(0x00, 0x1F), span(0x7F, 0x9F)),
        "javaMirrored": prop("Bidi_Mirrored"),
    }.get(name)


def _script(name: str) -> str | None:
    key = name.upper()
    if key in SCRIPTS:
        return prop("sc=" + SCRIPTS[key].title())
    return None


def family(name: str, *, case_ins: bool, unicode_classes: bool) -> str:
    r"""The set of ``\p{name}``, resolved in the order of JDK 17's ``Pattern.family``.

    Raises
    ------
    Unknown
        If Java does not know the name (the pattern does not compile).
    Unsupported
        If Java knows it but the fake does not translate it.

    Examples
    --------
    >>> family("Alpha", case_ins=False, unicode_classes=False) == _ASCII_ALPHA
    True
    >>> family("alpha", case_ins=False, unicode_classes=True) == _ALPHABETIC
    True
    """
    found: str | None
    if "=" in name:
        key, _, value = name.partition("=")
        key = key.lower()
        if key in ("sc", "script"):
            found = _script(value)
            if found is None:
                raise Unsupported(f"the script {value!r}")
        elif key in ("blk", "block"):
            raise Unsupported("Unicode blocks")
        elif key in ("gc", "general_category"):
            found = _property(value, case_ins)
        else:
            found = None
    elif name.startswith("In"):
        raise Unsupported("Unicode blocks")
    elif name.startswith("Is"):
        short = name[2:]
        found = _binary(short, case_ins) or _property(short, case_ins) or _script(short)
        if found is None and short.replace("_", "").isalpha():
            raise Unsupported(f"the script or property {short!r}")
    else:
        found = _posix_unicode(name.upper(), case_ins) if unicode_classes else None
        found = found or _property(name, case_ins)
    if found is None:
        raise Unknown(f"Unknown character property name {{{name}}}")
    return found
