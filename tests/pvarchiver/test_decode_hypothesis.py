"""Differential tests: the compiled decoder against the stdlib-json reference decoder."""

from __future__ import annotations

import functools
import itertools
import random
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from arrowtap.connectors.pvarchiver.wire.decode import SampleDecoder
from arrowtap.connectors.pvarchiver.wire.schema import LEVELS, QUALITIES, TYPES

from .reference import assert_agree, normalized, table_rows
from .test_decode import MANUAL_BODY, SERVER_BODY

INT64 = st.integers(-(2**63), 2**63 - 1) | st.sampled_from([0, -1, 2**63 - 1, -(2**63)])
INT32 = st.integers(-(2**31), 2**31 - 1)
NONFINITE = ["NaN", "Infinity", "-Infinity", "nan", "inf", "infinity", "+inf", "+infinity"]
NONFINITE += ["-inf", "-infinity"]
# Seeded from one drawn integer: much cheaper to draw from than st.randoms().
RANDOMS = st.integers(0, 2**32).map(random.Random)
TEXT = st.text(max_size=12) | st.sampled_from(["", "OK", "mA", "é€😀", '"\\/', "\x00\x1f\x7f"])


# A small JSON tree whose leaves keep the exact token to write.
@dataclass
class Num:
    token: str


@dataclass
class Str:
    value: str


@dataclass
class Obj:
    members: list[tuple[str, Any]]


@functools.cache
def double_tokens() -> st.SearchStrategy[Any]:
    finite = st.floats(allow_nan=False, allow_infinity=False)
    written = st.one_of(
        finite.map(repr),  # shortest round trip: 1e-05, 42.38, -0.0
        finite.map(lambda x: f"{x:.17g}"),
        finite.map(lambda x: f"{x:.3E}"),
        finite.map(java_double),
        INT64.map(str),  # an integer token where a double is expected
        st.builds(
            lambda digits, frac, exp: f"{digits}{frac}{exp}",
            st.from_regex(r"-?(0|[1-9][0-9]{0,30})", fullmatch=True),
            st.from_regex(r"(\.[0-9]{1,30})?", fullmatch=True),
            st.from_regex(r"([eE][+-]?[0-9]{1,3})?", fullmatch=True),
        ),
    ).map(Num)
    spelled = st.builds(random_case, st.sampled_from(NONFINITE), RANDOMS).map(Str)
    return written | spelled


def java_double(x: float) -> str:
    """Roughly Java's Double.toString: 20.0, 1.0E-5."""
    if x != 0 and (abs(x) < 1e-3 or abs(x) >= 1e7):
        mantissa, exp = f"{x:.16e}".split("e")
        mantissa = mantissa.rstrip("0")
        return f"{mantissa}0E{int(exp)}" if mantissa.endswith(".") else f"{mantissa}E{int(exp)}"
    text = repr(x)
    return text if "." in text or "e" in text else text + ".0"


def random_case(word: str, rnd: random.Random) -> str:
    return "".join(ch.upper() if rnd.random() < 0.5 else ch.lower() for ch in word)


@functools.cache
def any_json() -> st.SearchStrategy[Any]:
    leaves = st.one_of(
        st.none(), st.booleans(), INT64.map(lambda i: Num(str(i))), double_tokens(), TEXT.map(Str)
    )
    return st.recursive(
        leaves,
        lambda inner: (
            st.lists(inner, max_size=3) | st.lists(st.tuples(TEXT, inner), max_size=3).map(Obj)
        ),
        max_leaves=4,
    )


@st.composite
def samples(draw: st.DrawFn) -> Obj:
    rnd = draw(RANDOMS)
    kind = draw(st.sampled_from(TYPES))
    members: list[tuple[str, Any]] = [
        ("time", Num(str(draw(INT64)))),
        ("severity", severity(draw, rnd)),
        ("status", Str(draw(TEXT))),
        ("quality", Str(random_case(draw(st.sampled_from(QUALITIES)), rnd))),
    ]
    meta = draw(st.sampled_from(["absent", "null", "numeric", "enum"]))
    if meta == "null":
        members.append(("metaData", None))
    elif meta != "absent":
        members.append(("metaData", metadata(draw, rnd, meta)))
    members.append(("type", Str(random_case(kind, rnd) if draw(st.booleans()) else kind)))
    members.append(("value", draw(st.lists(elements(kind), max_size=4))))
    if kind == "minMaxDouble" or draw(st.integers(0, 9)) == 0:
        members += [("minimum", draw(double_tokens())), ("maximum", draw(double_tokens()))]
    members += draw(
        st.lists(st.tuples(st.sampled_from(["x", "Time", "values", ""]), any_json()), max_size=2)
    )
    if draw(st.booleans()):
        rnd.shuffle(members)
    return Obj(dedup(members))


def dedup(members: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    seen: set[str] = set()
    out = []
    for name, value in members:
        if name not in seen:
            seen.add(name)
            out.append((name, value))
    return out


def severity(draw: st.DrawFn, rnd: random.Random) -> Obj:
    level = random_case(draw(st.sampled_from(LEVELS)), rnd)
    members = [("level", Str(level)), ("hasValue", draw(st.booleans()))]
    if draw(st.booleans()):
        members.append(("extra", draw(any_json())))
    rnd.shuffle(members)
    return Obj(members)


def metadata(draw: st.DrawFn, rnd: random.Random, kind: str) -> Obj:
    members: list[tuple[str, Any]] = [("type", Str(random_case(kind, rnd)))]
    numeric = kind == "numeric" or draw(st.integers(0, 9)) == 0  # the other variant's members
    enum = kind == "enum" or draw(st.integers(0, 9)) == 0
    if numeric:
        members.append(("precision", Num(str(draw(INT32)))))
        members.append(("units", draw(st.none() | TEXT.map(Str) | st.just(Str("mA")))))
        for name in ("displayLow", "displayHigh", "warnLow", "warnHigh", "alarmLow", "alarmHigh"):
            if draw(st.integers(0, 5)):
                members.append((name, draw(double_tokens())))
    if enum:
        members.append(("states", [Str(s) for s in draw(st.lists(TEXT, max_size=4))]))
    if draw(st.integers(0, 4)) == 0:
        members.append(("comment", draw(any_json())))
    rnd.shuffle(members)
    return Obj(members)


@functools.cache
def elements(kind: str) -> st.SearchStrategy[Any]:
    if kind in ("double", "minMaxDouble"):
        return double_tokens()
    if kind == "long":
        return INT64.map(lambda i: Num(str(i)))
    if kind == "enum":
        return INT32.map(lambda i: Num(str(i)))
    return TEXT.map(Str)


@dataclass
class Style:
    rnd: random.Random
    pretty: bool
    escape: float  # how often a character is written as an escape

    def ws(self) -> str:
        if not self.pretty:
            return ""
        return self.rnd.choice(["", " ", "\n  ", "\t", "\r\n", "  "])


def render(value: Any, style: Style) -> str:
    ws = style.ws
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, Num):
        return value.token
    if isinstance(value, Str):
        return render_string(value.value, style)
    if isinstance(value, Obj):
        members = [
            f"{ws()}{render_string(k, style)}{ws()}:{ws()}{render(v, style)}{ws()}"
            for k, v in value.members
        ]
        return "{" + ",".join(members) + ws() + "}"
    return "[" + ",".join(f"{ws()}{render(v, style)}{ws()}" for v in value) + ws() + "]"


SHORT = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def render_string(text: str, style: Style) -> str:
    out = []
    for ch in text:
        code = ord(ch)
        if ch in SHORT and (code < 0x20 or ch in '"\\' or style.rnd.random() < 0.5):
            out.append(SHORT[ch])
        elif code < 0x20 or style.rnd.random() < style.escape:
            if code >= 0x10000:
                high, low = 0xD800 + ((code - 0x10000) >> 10), 0xDC00 + (code & 0x3FF)
                out.append(f"\\u{high:04x}\\u{low:04X}")
            elif ch == "/" and style.rnd.random() < 0.5:
                out.append("\\/")
            else:
                out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


@st.composite
def bodies(draw: st.DrawFn, max_samples: int = 6) -> bytes:
    rnd = draw(RANDOMS)
    style = Style(rnd, pretty=draw(st.booleans()), escape=draw(st.sampled_from([0.0, 0.1, 1.0])))
    items = draw(st.lists(samples(), max_size=max_samples))
    if items and draw(st.booleans()):
        # as the server does: the same metaData in every sample (the decoder caches it)
        meta = draw(st.sampled_from(["null", "numeric", "enum"]))
        shared = None if meta == "null" else metadata(draw, rnd, meta)
        for item in items:
            item.members = [(k, v) for k, v in item.members if k != "metaData"]
            item.members.insert(rnd.randrange(len(item.members) + 1), ("metaData", shared))
    return (style.ws() + render(items, style) + style.ws()).encode()


SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(bodies())
@example(SERVER_BODY)
@example(MANUAL_BODY)
def test_the_decoder_agrees_with_the_reference(body: bytes) -> None:
    assert assert_agree(body)


@SETTINGS
@given(bodies(), st.integers(1, 5), st.lists(st.integers(0, 400), max_size=20))
@example(SERVER_BODY, 2, [1] * 50)
def test_chunking_does_not_change_the_pages(body: bytes, page_size: int, cuts: list[int]) -> None:
    whole = SampleDecoder("ch", page_size=page_size)
    expected = whole.feed(body)
    last = whole.finish()
    expected += [] if last is None else [last]

    decoder = SampleDecoder("ch", page_size=page_size)
    pages = []
    positions = sorted({min(c, len(body)) for c in cuts} | {0, len(body)})
    for start, stop in itertools.pairwise(positions):
        new = decoder.feed(body[start:stop])
        assert all(page.num_rows == page_size for page in new)
        pages += new
        # every sample whose bytes have all arrived is decoded at once
        at_once = SampleDecoder("ch", page_size=page_size)
        at_once.feed(body[:stop])
        assert decoder.samples_decoded == at_once.samples_decoded
    last = decoder.finish()
    pages += [] if last is None else [last]
    assert [normalized(table_rows(p)) for p in pages] == [
        normalized(table_rows(p)) for p in expected
    ]
    assert all(p.num_rows == page_size for p in pages[:-1])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bodies(max_samples=2), st.data())
@example(SERVER_BODY, None)
def test_damaged_bodies_are_decoded_or_rejected_like_the_reference(
    body: bytes, data: st.DataObject | None
) -> None:
    if data is not None and body:
        at = data.draw(st.integers(0, len(body) - 1))
        how = data.draw(st.sampled_from(["replace", "insert", "delete", "truncate"]))
        byte = bytes([data.draw(st.sampled_from(list(b'{}[]",:\\ 0-.eE1tfnu\x00\x80\xff')))])
        if how == "replace":
            body = body[:at] + byte + body[at + 1 :]
        elif how == "insert":
            body = body[:at] + byte + body[at:]
        elif how == "delete":
            body = body[:at] + body[at + 1 :]
        else:
            body = body[:at]
    assert_agree(body)


@given(st.binary(max_size=64) | st.from_regex(rb"\A\s*\[\s*\{[^\x80-\xff]{0,40}", fullmatch=True))
def test_random_bytes_are_rejected_like_the_reference(body: bytes) -> None:
    assert_agree(body)
