"""JsonV1 rendering, byte-compatible with the server's Jackson generator.

Compact output is what ``JsonGenerator`` writes; pretty output is Jackson's
``DefaultPrettyPrinter`` (objects indented by two spaces per level, arrays
inline: ``[ 1, 2 ]``, ``[ ]``). Doubles follow Java's ``Double.toString``
(``-20.0``, ``1.0E-5``, ``1.5E20``); NaN and the infinities are the strings
``"NaN"``, ``"Infinity"`` and ``"-Infinity"``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import Any

from arrowtap.testing.pvarchiver.spec import EnumMeta, NumericMeta, Sample

__all__ = [
    "format_double",
    "format_string",
    "json_array_chunks",
    "meta_json",
    "render_compact",
    "render_pretty",
    "sample_to_dict",
]

_ESCAPES = {i: f"\\u{i:04X}" for i in range(32)}
_ESCAPES.update({8: "\\b", 9: "\\t", 10: "\\n", 12: "\\f", 13: "\\r", 34: '\\"', 92: "\\\\"})
_TABLE = str.maketrans(_ESCAPES)
_SPECIAL = {"NaN": '"NaN"', "Infinity": '"Infinity"', "-Infinity": '"-Infinity"'}


def format_double(v: float) -> str:
    """Render a double like Jackson's ``writeNumber(double)``.

    Examples
    --------
    >>> [format_double(v) for v in (-20.0, 42.38, 1e-5, 1.5e20, 12345678.0, float("nan"))]
    ['-20.0', '42.38', '1.0E-5', '1.5E20', '1.2345678E7', '"NaN"']
    """
    a = abs(v)
    if 1e-3 <= a < 1e7 or a == 0.0:
        return repr(float(v))
    if a != a:
        return '"NaN"'
    if a == math.inf:
        return '"Infinity"' if v > 0 else '"-Infinity"'
    # Java's computerized scientific notation from Python's shortest repr digits
    text = repr(float(a))
    mantissa, _, exp = text.partition("e")
    int_part, _, frac = mantissa.partition(".")
    digits = int_part + frac
    stripped = digits.lstrip("0")
    point = len(int_part) + int(exp or 0) - (len(digits) - len(stripped))
    digits = stripped.rstrip("0") or "0"
    sign = "-" if v < 0 else ""
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{point - 1}"


def format_string(s: str) -> str:
    r"""Render a JSON string like Jackson (non-ASCII kept, control chars escaped).

    Examples
    --------
    >>> print(format_string('a"b\\c\n\x01µ'))
    "a\"b\\c\n\u0001µ"
    """
    return f'"{s.translate(_TABLE)}"'


_meta_compact: dict[int, tuple[object, str]] = {}
_status_cache: dict[str, str] = {}


def meta_json(meta: NumericMeta | EnumMeta) -> str:
    """Return the compact JSON of a metadata object (cached per instance)."""
    hit = _meta_compact.get(id(meta))
    if hit is not None and hit[0] is meta:
        return hit[1]
    text = _render_meta(meta, pretty=False)
    if len(_meta_compact) > 10_000:
        _meta_compact.clear()
    _meta_compact[id(meta)] = (meta, text)
    return text


def _numeric_meta_fields(meta: NumericMeta) -> list[tuple[str, str]]:
    units = "null" if meta.units is None else format_string(meta.units)
    return [
        ("type", '"numeric"'),
        ("precision", str(meta.precision)),
        ("units", units),
        ("displayLow", format_double(meta.display_low)),
        ("displayHigh", format_double(meta.display_high)),
        ("warnLow", format_double(meta.warn_low)),
        ("warnHigh", format_double(meta.warn_high)),
        ("alarmLow", format_double(meta.alarm_low)),
        ("alarmHigh", format_double(meta.alarm_high)),
    ]


def _render_meta(meta: NumericMeta | EnumMeta, *, pretty: bool, indent: int = 1) -> str:
    if isinstance(meta, NumericMeta):
        fields = _numeric_meta_fields(meta)
    else:
        fields = [("type", '"enum"'), ("states", _array(map(format_string, meta.states), pretty))]
    return _object(fields, pretty, indent)


def _array(items: Iterable[str], pretty: bool) -> str:
    if not pretty:
        return f"[{','.join(items)}]"
    body = ", ".join(items)
    return f"[ {body} ]" if body else "[ ]"


def _object(fields: list[tuple[str, str]], pretty: bool, indent: int) -> str:
    if not pretty:
        return "{" + ",".join(f'"{k}":{v}' for k, v in fields) + "}"
    if not fields:
        return "{ }"
    pad = "\n" + "  " * indent
    inner = ",".join(f'{pad}"{k}" : {v}' for k, v in fields)
    return "{" + inner + "\n" + "  " * (indent - 1) + "}"


def _values(s: Sample) -> list[str]:
    if s.type in ("double", "minMaxDouble"):
        return [format_double(v) for v in s.value]
    if s.type == "string":
        return [format_string(v) for v in s.value]
    return [str(v) for v in s.value]


def render_compact(s: Sample) -> str:
    """Render one sample object as compact JSON (the server's default).

    Examples
    --------
    >>> s = Sample(1, "OK", True, "NO_ALARM", "Original", None, "long", (7,))
    >>> print(render_compact(s))
    {"time":1,"severity":{"level":"OK","hasValue":true},"status":"NO_ALARM","quality":"Original","type":"long","value":[7]}
    """
    status = _status_cache.get(s.status)
    if status is None:
        status = format_string(s.status)
        if len(_status_cache) < 10_000:
            _status_cache[s.status] = status
    meta = "" if s.meta is None else f'"metaData":{meta_json(s.meta)},'
    value = s.value
    if s.type == "double" and len(value) == 1:
        v = float(value[0])
        values = repr(v) if 1e-3 <= abs(v) < 1e7 else format_double(v)
    else:
        values = ",".join(_values(s))
    tail = ""
    if s.minimum is not None and s.maximum is not None:
        tail = f',"minimum":{format_double(s.minimum)},"maximum":{format_double(s.maximum)}'
    return (
        f'{{"time":{s.time},"severity":{{"level":"{s.level}","hasValue":'
        f'{"true" if s.has_value else "false"}}},"status":{status},"quality":"{s.quality}",'
        f'{meta}"type":"{s.type}","value":[{values}]{tail}}}'
    )


def render_pretty(s: Sample) -> str:
    """Render one sample object like Jackson's ``DefaultPrettyPrinter`` (inside an array)."""
    severity = _object(
        [("level", format_string(s.level)), ("hasValue", "true" if s.has_value else "false")],
        pretty=True,
        indent=2,
    )
    fields = [
        ("time", str(s.time)),
        ("severity", severity),
        ("status", format_string(s.status)),
        ("quality", format_string(s.quality)),
    ]
    if s.meta is not None:
        fields.append(("metaData", _render_meta(s.meta, pretty=True, indent=2)))
    fields += [("type", format_string(s.type)), ("value", _array(_values(s), pretty=True))]
    if s.minimum is not None and s.maximum is not None:
        fields += [("minimum", format_double(s.minimum)), ("maximum", format_double(s.maximum))]
    return _object(fields, pretty=True, indent=1)


def _plain(v: float) -> float | str:
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return float(v)


def sample_to_dict(s: Sample) -> dict[str, Any]:
    """Return the sample as ``json.loads`` returns the server's JSON object.

    Examples
    --------
    >>> s = Sample(1, "OK", True, "NO_ALARM", "Original", None, "double", (float("nan"),))
    >>> sample_to_dict(s)["value"]
    ['NaN']
    """
    out: dict[str, Any] = {
        "time": s.time,
        "severity": {"level": s.level, "hasValue": s.has_value},
        "status": s.status,
        "quality": s.quality,
    }
    if isinstance(s.meta, NumericMeta):
        m = s.meta
        out["metaData"] = {
            "type": "numeric",
            "precision": m.precision,
            "units": m.units,
            "displayLow": _plain(m.display_low),
            "displayHigh": _plain(m.display_high),
            "warnLow": _plain(m.warn_low),
            "warnHigh": _plain(m.warn_high),
            "alarmLow": _plain(m.alarm_low),
            "alarmHigh": _plain(m.alarm_high),
        }
    elif isinstance(s.meta, EnumMeta):
        out["metaData"] = {"type": "enum", "states": list(s.meta.states)}
    out["type"] = s.type
    if s.type in ("double", "minMaxDouble"):
        out["value"] = [_plain(v) for v in s.value]
    else:
        out["value"] = list(s.value)
    if s.minimum is not None and s.maximum is not None:
        out["minimum"] = _plain(s.minimum)
        out["maximum"] = _plain(s.maximum)
    return out


def json_array_chunks(
    items: Iterable[str], *, pretty: bool, chunk_bytes: int = 256 * 1024, batch: int = 512
) -> Iterator[bytes]:
    """Join rendered JSON values into an array, yielded as UTF-8 pieces of ~``chunk_bytes``.

    Examples
    --------
    >>> b"".join(json_array_chunks(['"a"', '"b"'], pretty=True))
    b'[ "a", "b" ]'
    >>> b"".join(json_array_chunks([], pretty=False))
    b'[]'
    """
    sep = ", " if pretty else ","
    pending: list[bytes] = []
    size = 0
    first = True
    it = iter(items)
    while True:
        texts = [t for _, t in zip(range(batch), it, strict=False)]
        if not texts:
            break
        piece = sep.join(texts)
        piece = ("[ " if pretty else "[") + piece if first else sep + piece
        first = False
        data = piece.encode("utf-8")
        pending.append(data)
        size += len(data)
        if size >= chunk_bytes:
            yield b"".join(pending)
            pending, size = [], 0
    if first:
        pending.append(b"[ ]" if pretty else b"[]")
    else:
        pending.append(b" ]" if pretty else b"]")
    yield b"".join(pending)
