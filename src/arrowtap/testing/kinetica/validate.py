"""What the fake Kinetica refuses in a column value, as a server would.

Avro only says a value is an int, a long or a string; the column properties narrow it
(``kinetica.md`` §3.2): int8 and int16 ranges, booleans 0/1, timestamps within
1000-01-01 .. 2900-12-31, ``charN`` byte lengths, date/time/datetime/decimal/ulong/
uuid/ipv4/json texts, array texts (:mod:`.arrays`), vector sizes. :func:`row_checker`
builds one function per type that returns the first problem of a row (naming the
column and the value), or ``None``. The wording of the messages is the fake's own.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from arrowtap.connectors.kinetica.wire.types import KineticaColumn, KineticaType
from arrowtap.testing.kinetica.arrays import canonical_array

__all__ = ["constant", "row_checker"]

Check = Callable[[Any], bool]

_TS_MIN = -30610224000000  # 1000-01-01T00:00:00Z in ms
_TS_MAX = 29379542399999  # 2900-12-31T23:59:59.999Z in ms
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_TIME = re.compile(r"(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?")
_DECIMAL = re.compile(r"[+-]?(\d*)(?:\.(\d*))?")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_IPV4 = re.compile(r"(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})")


def _in(lo: int, hi: int) -> Check:
    return lambda v: isinstance(v, int) and lo <= v <= hi


def _date(v: Any) -> bool:
    m = _DATE.fullmatch(v) if isinstance(v, str) else None
    if m is None or not (1000 <= int(m.group(1)) <= 2900 or int(m.group(1)) == 9999):
        return False
    try:
        dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return False
    return True


def _time(v: Any) -> bool:
    m = _TIME.fullmatch(v) if isinstance(v, str) else None
    return m is not None and int(m.group(1)) < 24 and int(m.group(2)) < 60 and int(m.group(3)) < 60


def _datetime(v: Any) -> bool:
    if not isinstance(v, str):
        return False
    day, _, clock = v.partition(" ")
    return _date(day) and (not clock or _time(clock))


def _decimal(precision: int, scale: int) -> Check:
    # Exponent forms ("0E-10", what Arrow writes for a zero of scale 10) are accepted
    # by value; whether a real server parses them is not known.
    def check(v: Any) -> bool:
        plain = isinstance(v, str) and _DECIMAL.fullmatch(v.strip()) is not None
        if not isinstance(v, str) or not (plain or "e" in v.lower()):
            return False
        try:
            number = Decimal(v.strip())
        except InvalidOperation:
            return False
        if not number.is_finite():
            return False
        exponent = number.normalize().as_tuple().exponent
        assert isinstance(exponent, int)
        places = max(0, -exponent)
        whole = 0 if number.is_zero() else max(0, number.adjusted() + 1)
        return places <= scale and whole <= precision - scale

    return check


def _ulong(v: Any) -> bool:
    return isinstance(v, str) and v.isdigit() and int(v) < 2**64


def _ipv4(v: Any) -> bool:
    m = _IPV4.fullmatch(v) if isinstance(v, str) else None
    return m is not None and all(int(g) <= 255 for g in m.groups())


def _json(v: Any) -> bool:
    try:
        json.loads(v)
    except (TypeError, ValueError):
        return False
    return True


def _array(col: KineticaColumn) -> Check:
    def check(v: Any) -> bool:
        try:
            canonical_array(col, v)
        except (TypeError, ValueError, AttributeError):
            return False
        return True

    return check


def _check(col: KineticaColumn) -> tuple[Check, str] | None:
    """The check of a column's values and what it expects; ``None`` if Avro says it all."""
    kind = col.kind
    if kind == "char":
        n = col.length or 0
        return (lambda v: isinstance(v, str) and len(v.encode()) <= n), f"at most {n} bytes"
    if kind == "vector":
        size = 4 * (col.length or 0)
        return (lambda v: isinstance(v, bytes) and len(v) == size), f"{size} bytes"
    if kind == "array":
        return _array(col), f'an {col.type_name} text like [1,2] or ["a","b"]'
    if kind == "decimal":
        p, s = col.precision or 19, col.scale or 0
        return _decimal(p, s), f"a decimal({p},{s}) text"
    simple: dict[str, tuple[Check, str]] = {
        "int": (_in(-(2**31), 2**31 - 1), "an int32"),
        "int8": (_in(-128, 127), "within [-128, 127]"),
        "int16": (_in(-32768, 32767), "within [-32768, 32767]"),
        "boolean": (_in(0, 1), "0 or 1"),
        "long": (_in(-(2**63), 2**63 - 1), "an int64"),
        "timestamp": (_in(_TS_MIN, _TS_MAX), "ms within 1000-01-01 .. 2900-12-31"),
        "date": (_date, "a date YYYY-MM-DD within 1000 .. 2900 or in 9999"),
        "time": (_time, "a time HH:MM:SS[.mmm]"),
        "datetime": (_datetime, "a datetime YYYY-MM-DD[ HH:MM:SS[.mmm]]"),
        "ulong": (_ulong, "an unsigned 64-bit integer text"),
        "uuid": (lambda v: isinstance(v, str) and _UUID.fullmatch(v) is not None, "a uuid"),
        "ipv4": (_ipv4, "an IPv4 address A.B.C.D"),
        "json": (_json, "a JSON text"),
    }
    return simple.get(kind)


def row_checker(ktype: KineticaType) -> Callable[[dict[str, Any]], str | None]:
    """A function returning the first problem of a row of `ktype`, or ``None``.

    Examples
    --------
    >>> from arrowtap.connectors.kinetica.wire.types import KineticaColumn, KineticaType
    >>> check = row_checker(KineticaType((KineticaColumn("i", "int", ("int8",)),)))
    >>> check({"i": 5}) is None
    True
    >>> check({"i": 300})
    "Invalid value for column 'i' (int8): 300 is not within [-128, 127]"
    """
    checks = []
    for col in ktype.columns:
        found = _check(col)
        if found is not None:
            checks.append((col.name, col.type_name, found[0], found[1]))

    def check(row: dict[str, Any]) -> str | None:
        for name, type_name, ok, expected in checks:
            value = row[name]
            if value is not None and not ok(value):
                return (
                    f"Invalid value for column {name!r} ({type_name}): "
                    f"{str(value)[:80]} is not {expected}"
                )
        return None

    return check


def constant(col: KineticaColumn, text: str | None) -> Any:
    """The wire value of a constant given as text (``/update/records`` new values).

    Raises
    ------
    ValueError
        If the text is not a value of the column's base type.

    Examples
    --------
    >>> constant(KineticaColumn("x", "double"), "2.5"), constant(KineticaColumn("s", "string"), "a")
    (2.5, 'a')
    """
    if text is None:
        if not col.nullable:
            raise ValueError(f"column {col.name!r} is not nullable")
        return None
    if col.base in ("int", "long"):
        low = text.strip().lower()
        return {"true": 1, "false": 0}[low] if low in ("true", "false") else int(text)
    if col.base in ("float", "double"):
        return float(text)
    if col.base == "bytes":
        return text.encode("latin-1")
    return text
