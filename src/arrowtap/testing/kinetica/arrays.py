"""The text of ``array(T[,N])`` values in the fake Kinetica: what it accepts, what it keeps.

A Kinetica array column travels as a ``string``. Kinetica's documentation writes the
values in a JSON-like form, strings quoted: ``[1, 2, 3]``, ``["ABC", "DEF", ""]``,
``[true, false]``; the server keeps the array itself, not the text it was sent, and
gives back that documented form. The fake does the same: it parses what it is sent,
refuses a text that is not an array of the item type, and keeps the compact JSON form
(``["ABC","DEF",""]``), which ``gpudb`` reads back (``eval``) and so does arrowtap.

``gpudb`` itself sends a list of Python strings unquoted: ``['ABC', 'DEF', '']``
becomes ``[ABC,DEF,]``. A string array whose text is not JSON is therefore read that
way: the text between the brackets split at each comma, every piece an item (``[]``
is no item). How a real server reads such a text is not documented; this is the
reading that keeps what ``gpudb`` meant.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from arrowtap.connectors.kinetica.wire.types import KineticaColumn, KineticaType

__all__ = ["array_normaliser", "canonical_array"]

Row = dict[str, Any]

_INT_RANGES = {"int": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1), "ulong": (0, 2**64 - 1)}


def _item_ok(item_type: str, value: Any) -> bool:
    if item_type == "string":
        return isinstance(value, str)
    if item_type == "boolean":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if item_type in _INT_RANGES:
        lo, hi = _INT_RANGES[item_type]
        return isinstance(value, int) and lo <= value <= hi
    return isinstance(value, int | float) and math.isfinite(value)  # float, double


def _unquoted(text: str) -> list[str]:
    inner = text.strip()[1:-1]
    return [] if not inner.strip() else [piece.strip() for piece in inner.split(",")]


def canonical_array(col: KineticaColumn, text: str) -> str:
    """The documented, compact JSON text of an array value sent as `text`.

    Raises
    ------
    ValueError
        If `text` is not an array of the column's item type.

    Examples
    --------
    >>> col = KineticaColumn("a", "string", ("array(string)",))
    >>> canonical_array(col, "[ABC,DEF,]"), canonical_array(col, '["A, B", "é"]')
    ('["ABC","DEF",""]', '["A, B","é"]')
    >>> canonical_array(KineticaColumn("i", "string", ("array(int)",)), "[1, 2]")
    '[1,2]'
    """
    item_type = col.item or "string"
    stripped = text.strip()
    if not (stripped.startswith("[") and stripped.endswith("]")):
        raise ValueError(f"is not an array({item_type}) text [...]")
    try:
        items = json.loads(stripped)
    except ValueError:
        if item_type != "string":
            raise ValueError(f"is not an array({item_type}) text") from None
        items = _unquoted(stripped)
    if item_type in ("float", "double"):
        items = [float(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in items]
    if not isinstance(items, list) or not all(_item_ok(item_type, v) for v in items):
        raise ValueError(f"has an item that is not a {item_type}")
    return json.dumps(items, ensure_ascii=False, separators=(",", ":"))


def array_normaliser(ktype: KineticaType) -> Callable[[Row], Row] | None:
    """A function giving a row its arrays' canonical texts; ``None`` without array columns.

    The row's values are checked first (:func:`.validate.row_checker`), so every
    array text parses.

    Examples
    --------
    >>> ktype = KineticaType((KineticaColumn("a", "string", ("array(string)", "nullable")),))
    >>> normalise = array_normaliser(ktype)
    >>> normalise({"a": "[x,y]"}), normalise({"a": None})
    ({'a': '["x","y"]'}, {'a': None})
    """
    columns = [c for c in ktype.columns if c.kind == "array"]
    if not columns:
        return None

    def normalise(row: Row) -> Row:
        out = dict(row)
        for col in columns:
            if out[col.name] is not None:
                out[col.name] = canonical_array(col, out[col.name])
        return out

    return normalise
