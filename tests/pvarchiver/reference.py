"""An obviously-correct (and slow) decoder of JsonV1 sample bodies, for differential tests.

Built on the stdlib ``json`` module, it states the rules the compiled decoder must
follow: the body is UTF-8; a JSON array of sample objects; member names are
case-sensitive, known members may not repeat, unknown ones are ignored;
``type``/``quality``/``level``/``metaData.type`` are ASCII case-insensitive;
integers (``time``, ``long`` and ``enum`` values, ``precision``) are integer
tokens in range; doubles are number tokens or a string spelling NaN or an
infinity; strings must be valid Unicode (no lone surrogates).
"""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa

from arrowtap.connectors.pvarchiver.wire.schema import (
    DECODED_SCHEMA,
    LEVELS,
    META_TYPES,
    QUALITIES,
    TYPES,
)

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
NONFINITE = {
    "nan": float("nan"),
    "inf": float("inf"),
    "infinity": float("inf"),
    "+inf": float("inf"),
    "+infinity": float("inf"),
    "-inf": float("-inf"),
    "-infinity": float("-inf"),
}
LIMITS = {
    "displayLow": "display_low",
    "displayHigh": "display_high",
    "warnLow": "warn_low",
    "warnHigh": "warn_high",
    "alarmLow": "alarm_low",
    "alarmHigh": "alarm_high",
}
SAMPLE_KEYS = {"time", "severity", "status", "quality", "metaData", "type", "value"}
SAMPLE_KEYS |= {"minimum", "maximum"}
META_KEYS = {"type", "precision", "units", "states", *LIMITS}


class RefError(ValueError):
    """The body does not decode."""


class IntToken:
    """A JSON number without fraction or exponent, as written."""

    def __init__(self, text: str) -> None:
        self.text = text


class FloatToken:
    """A JSON number with a fraction or an exponent, as written."""

    def __init__(self, text: str) -> None:
        self.text = text


class Obj(list[tuple[str, Any]]):
    """A JSON object, as its (name, value) pairs in order."""


def _constant(name: str) -> None:
    raise RefError(f"bare {name} is not JSON")


def _check_unicode(value: Any) -> None:
    if isinstance(value, str):
        value.encode("utf-8")  # a lone surrogate from a \\u escape raises
    elif isinstance(value, Obj):
        for name, item in value:
            _check_unicode(name)
            _check_unicode(item)
    elif isinstance(value, list):
        for item in value:
            _check_unicode(item)


def parse_json(body: bytes) -> Any:
    try:
        value = json.loads(
            body.decode("utf-8"),
            parse_int=IntToken,
            parse_float=FloatToken,
            parse_constant=_constant,
            object_pairs_hook=Obj,
        )
        _check_unicode(value)
    except (UnicodeError, json.JSONDecodeError, RecursionError) as exc:
        raise RefError(str(exc)) from exc
    return value


def _members(value: Any, known: set[str], what: str) -> dict[str, Any]:
    if not isinstance(value, Obj):
        raise RefError(f"{what}: not an object")
    out: dict[str, Any] = {}
    for name, item in value:
        if name in known:
            if name in out:
                raise RefError(f"{what}: duplicate {name}")
            out[name] = item
    return out


def as_int(value: Any, low: int = INT64_MIN, high: int = INT64_MAX) -> int:
    if not isinstance(value, IntToken):
        raise RefError(f"not an integer: {value!r}")
    try:
        number = int(value.text)
    except ValueError as exc:  # more digits than int() converts
        raise RefError("integer too long") from exc
    if not low <= number <= high:
        raise RefError(f"integer out of range: {number}")
    return number


def as_double(value: Any) -> float:
    if isinstance(value, IntToken | FloatToken):
        return float(value.text)
    if isinstance(value, str) and value.isascii() and value.lower() in NONFINITE:
        return NONFINITE[value.lower()]
    raise RefError(f"not a double: {value!r}")


def as_str(value: Any) -> str:
    if not isinstance(value, str):
        raise RefError(f"not a string: {value!r}")
    return value


def as_code(value: Any, names: tuple[str, ...]) -> str:
    text = as_str(value)
    for name in names:
        if text.isascii() and text.lower() == name.lower():
            return name
    raise RefError(f"unknown value {text!r}")


def as_list(value: Any) -> list[Any]:
    if type(value) is not list:
        raise RefError(f"not an array: {value!r}")
    return value


def _meta(value: Any, row: dict[str, Any]) -> None:
    if value is None:
        return
    meta = _members(value, META_KEYS, "metaData")
    if "type" not in meta:
        raise RefError("metaData.type missing")
    kind = as_code(meta["type"], META_TYPES)
    numeric: dict[str, Any] = {}
    if "precision" in meta:
        numeric["precision"] = as_int(meta["precision"], INT32_MIN, INT32_MAX)
    if "units" in meta and meta["units"] is not None:
        numeric["units"] = as_str(meta["units"])
    for name, column in LIMITS.items():
        if name in meta:
            numeric[column] = as_double(meta[name])
    states = None
    if "states" in meta:
        states = [as_str(item) for item in as_list(meta["states"])]
    row["meta_type"] = kind
    if kind == "numeric":
        row.update(numeric)
    else:
        row["enum_states"] = states


def _values(kind: str, value: Any) -> tuple[str, list[Any]]:
    items = as_list(value)
    if kind in ("double", "minMaxDouble"):
        return "value_double", [as_double(item) for item in items]
    if kind == "long":
        return "value_long", [as_int(item) for item in items]
    if kind == "enum":
        return "value_enum", [as_int(item, INT32_MIN, INT32_MAX) for item in items]
    return "value_string", [as_str(item) for item in items]


def _sample(value: Any, channel: str) -> dict[str, Any]:
    sample = _members(value, SAMPLE_KEYS, "sample")
    missing = {"time", "severity", "status", "quality", "type", "value"} - sample.keys()
    if missing:
        raise RefError(f"missing {sorted(missing)}")
    severity = _members(sample["severity"], {"level", "hasValue"}, "severity")
    if set(severity) != {"level", "hasValue"}:
        raise RefError("severity incomplete")
    if not isinstance(severity["hasValue"], bool):
        raise RefError("hasValue not a boolean")
    row: dict[str, Any] = dict.fromkeys(DECODED_SCHEMA.names)
    row.update(
        channel=channel,
        time=as_int(sample["time"]),
        severity=as_code(severity["level"], LEVELS),
        has_value=severity["hasValue"],
        status=as_str(sample["status"]),
        quality=as_code(sample["quality"], QUALITIES),
        type=as_code(sample["type"], TYPES),
    )
    _meta(sample.get("metaData"), row)
    column, items = _values(row["type"], sample["value"])
    row[column] = items
    bounds = {name: as_double(sample[name]) for name in ("minimum", "maximum") if name in sample}
    if row["type"] == "minMaxDouble":
        if len(bounds) != 2:
            raise RefError("minimum/maximum missing")
        row.update(bounds)
    return row


def reference_decode(body: bytes, channel: str) -> list[dict[str, Any]]:
    """Rows (``time`` as int ns) of a body, or :class:`RefError`."""
    samples = parse_json(body)
    if type(samples) is not list:
        raise RefError("the body is not an array")
    return [_sample(sample, channel) for sample in samples]


def reference_value(row: dict[str, Any]) -> float | None:
    """The ``value`` of a decoded row: the one number of a double, long or mean sample."""
    if row["type"] in ("double", "minMaxDouble"):
        items = row["value_double"]
    elif row["type"] == "long":
        items = row["value_long"]
    else:
        return None  # enum indices are labels; strings are text
    return float(items[0]) if len(items) == 1 else None


def reference_samples(body: bytes, channel: str) -> list[dict[str, Any]]:
    """Rows as every samples read delivers them: the decoded ones and their ``value``."""
    return [{**row, "value": reference_value(row)} for row in reference_decode(body, channel)]


def table_rows(data: pa.Table | pa.RecordBatch) -> list[dict[str, Any]]:
    """Rows of decoded data, ``time`` as int ns, comparable with reference_decode."""
    time = data.column("time").cast(pa.int64())
    table = pa.Table.from_batches([data]) if isinstance(data, pa.RecordBatch) else data
    table = table.set_column(table.schema.get_field_index("time"), "time", time)
    return table.to_pylist()


def normalized(value: Any) -> Any:
    """Makes floats compare by representation: NaN equals NaN, -0.0 differs from 0.0."""
    if isinstance(value, float):
        return ("float", repr(value))
    if isinstance(value, list):
        return [normalized(item) for item in value]
    if isinstance(value, dict):
        return {key: normalized(item) for key, item in value.items()}
    return value


def assert_agree(body: bytes, channel: str = "ch") -> bool:
    """Checks that the compiled decoder and the reference agree on body; True if it decodes."""
    from arrowtap.connectors.pvarchiver.wire.decode import decode_samples
    from arrowtap.errors import DecodeError

    try:
        expected = reference_decode(body, channel)
    except RefError as exc:
        try:
            decode_samples(body, channel)
        except DecodeError:
            return False
        raise AssertionError(f"accepted, but the reference says: {exc}; body {body!r}") from None
    try:
        table = decode_samples(body, channel)
    except DecodeError as exc:
        raise AssertionError(f"{exc}; body {body!r}") from None
    assert normalized(table_rows(table)) == normalized(expected)
    return True
