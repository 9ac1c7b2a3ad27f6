"""The fake PV Archiver answers like the real archive-access API 1.0 (protocol notes §1)."""

from __future__ import annotations

import gzip
import http.client
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

import arrowtap.testing.pvarchiver as pvfake
from arrowtap.testing.pvarchiver import ChannelSpec, FakeArchiver, choose_level
from arrowtap.testing.pvarchiver.archive import java_sorted

BASE = "/archive-access/api/1.0"
DAY, YEAR = 86_400 * 10**9, 365 * 86_400 * 10**9


class Resp:
    def __init__(self, r: http.client.HTTPResponse) -> None:
        self.status = r.status
        self.headers = {k.lower(): v for k, v in r.getheaders()}
        self.body = r.read()

    def json(self) -> Any:
        data = self.body
        if self.headers.get("content-encoding") == "gzip":
            data = gzip.decompress(data)
        return json.loads(data)


def get(fake: FakeArchiver, target: str, headers: dict[str, str] | None = None) -> Resp:
    conn = http.client.HTTPConnection("127.0.0.1", fake.port, timeout=20)
    try:
        conn.request("GET", BASE + target, headers=headers or {})
        return Resp(conn.getresponse())
    finally:
        conn.close()


def samples_path(name: str, start: int, end: int, extra: str = "") -> str:
    return f"/archive/1/samples/{quote(name, safe='/')}?start={start}&end={end}{extra}"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeArchiver]:
    with FakeArchiver() as server:
        yield server


def test_public_names() -> None:
    assert set(pvfake.__all__) == {
        "BENCHMARK_START_NS", "DEFAULT_END_NS", "FAULT_KINDS", "KINDS", "ChannelSpec", "EnumMeta",
        "FakeArchiver", "FaultKind", "FaultStats", "Faults", "Kind", "NumericMeta", "Sample",
        "benchmark_channels", "choose_level", "default_channels", "render_compact",
        "render_pretty", "sample_to_dict",
    }  # fmt: skip


def test_archive_list_compact_and_pretty(fake: FakeArchiver) -> None:
    assert fake.url == f"http://127.0.0.1:{fake.port}{BASE}"
    r = get(fake, "/archive/")
    assert r.status == 200
    assert r.headers["content-type"] == "application/json;charset=UTF-8"
    assert r.headers["transfer-encoding"] == "chunked"
    assert "content-length" not in r.headers
    assert r.body == b'[{"key":1,"name":"Cassandra","description":"Cassandra PV Archive"}]'
    pretty = get(fake, "/archive/?prettyPrint").body
    assert pretty == (
        b'[ {\n  "key" : 1,\n  "name" : "Cassandra",\n  "description" : "Cassandra PV Archive"\n} ]'
    )


@pytest.mark.parametrize(
    "target",
    [
        "/archive",
        "/archive/2/samples/root:ai1?start=0&end=1",
        "/archive/2/channels-by-pattern/*",
        "/archive/1/unknown/x",
        "/archive/1/samples/?start=0&end=1",
        "/archive/1/samples?start=0&end=1",
        "/archive/1/samples/ROOT:AI1?start=0&end=1",
        "/other",
    ],
)
def test_unknown_routes_and_channels_are_404_with_a_non_json_body(
    fake: FakeArchiver, target: str
) -> None:
    r = get(fake, target)
    assert r.status == 404
    assert r.headers["content-type"].startswith("text/html")
    assert r.body.startswith(b"<!doctype html>")


def test_glob_is_anchored_case_insensitive_and_java_sorted(fake: FakeArchiver) -> None:
    everything = get(fake, "/archive/1/channels-by-pattern/*").json()
    assert everything == fake.channel_names == java_sorted(everything)
    assert everything[0] == "ROOT:ai2"  # upper case first
    assert everything.index("sort:\U0001f680") < everything.index("sort:\uff01")  # UTF-16 order
    assert get(fake, "/archive/1/channels-by-pattern/my%2AEXAMPLE").json() == [
        "myTest1Example",
        "myTest2Example",
    ]
    assert get(fake, "/archive/1/channels-by-pattern/root:ai%3F").json() == ["ROOT:ai2", "root:ai1"]
    assert get(fake, "/archive/1/channels-by-pattern/root").json() == []
    assert get(fake, "/archive/1/channels-by-pattern/[r]oot*").json() == []
    assert get(fake, "/archive/1/channels-by-pattern/ring/*").json() == ["ring/current"]
    assert get(fake, "/archive/1/channels-by-pattern/temp+offset").json() == []
    assert get(fake, "/archive/1/channels-by-pattern/temp%2Boffset").json() == ["temp+offset"]
    assert get(fake, "/archive/1/channels-by-pattern/D%C3%89TECTEUR*").json() == ["détecteur:état"]
    assert get(fake, "/archive/1/channels-by-pattern/").json() == []
    assert get(fake, "/archive/1/channels-by-pattern/ring%2F*").status == 400


def test_regexp_is_anchored_case_sensitive_and_validated(fake: FakeArchiver) -> None:
    assert get(fake, "/archive/1/channels-by-regexp/root:.*").json() == ["root:ai1"]
    assert get(fake, "/archive/1/channels-by-regexp/ai1").json() == []
    assert get(fake, "/archive/1/channels-by-regexp/.*Example").json() == [
        "myTest1Example",
        "myTest2Example",
    ]
    assert get(fake, "/archive/1/channels-by-regexp/wave:(long%7Cdouble)").json() == [
        "wave:double",
        "wave:long",
    ]
    bad = get(fake, "/archive/1/channels-by-regexp/(unclosed")
    assert bad.status == 400
    assert b"Invalid regular expression: " in bad.body


@pytest.mark.parametrize(
    ("raw_name", "status"),
    [
        ("temp%2Boffset", 200),
        ("temp+offset", 404),  # "+" decodes to a space
        ("beam+energy", 200),
        ("beam%20energy", 200),
        ("ring/current", 200),  # a raw "/" is part of the name
        ("ring%2Fcurrent", 400),  # Tomcat rejects an encoded slash
        ("ring%2fcurrent", 400),
        ("root:ai1", 200),
        ("root%3Aai1", 200),
        ("d%C3%A9tecteur%3A%C3%A9tat", 200),
        ("bad%zzescape", 400),
    ],
)
def test_sample_names_are_decoded_like_java_urldecoder(
    fake: FakeArchiver, raw_name: str, status: int
) -> None:
    assert get(fake, f"/archive/1/samples/{raw_name}?start=0&end=1").status == status


@pytest.mark.parametrize(
    ("name", "query", "status"),
    [
        ("root:ai1", "end=5", 400),
        ("root:ai1", "start=5", 400),
        ("root:ai1", "start=abc&end=5", 400),
        ("root:ai1", "start=&end=5", 400),
        ("root:ai1", "start=1.5&end=5", 400),
        ("root:ai1", f"start={2**63}&end={2**63}", 400),
        ("root:ai1", "start=-1&end=5", 400),
        ("root:ai1", "start=6&end=5", 400),
        ("root:ai1", "start=0&end=5&count=0", 400),
        ("root:ai1", "start=0&end=5&count=-3", 400),
        ("root:ai1", "start=0&end=5&count=x", 400),
        ("root:ai1", f"start=0&end=5&count={2**31}", 400),
        ("root:ai1", "start=5&end=5", 200),
        ("root:ai1", "start=0&end=5&count=", 200),
        ("root:ai1", "start=0x10&end=+20&count=%205", 200),
        ("nope", "end=5", 400),  # parameters are bound before the channel lookup
        ("nope", "start=-1&end=5", 404),  # the range is checked after it
        ("nope", "start=0&end=5&count=0", 404),
    ],
)
def test_sample_parameter_validation(
    fake: FakeArchiver, name: str, query: str, status: int
) -> None:
    assert get(fake, f"/archive/1/samples/{name}?{query}").status == status


def test_raw_samples_include_one_sample_beyond_each_bound() -> None:
    spec = ChannelSpec("c", start_ns=0, period_ns=10, count=10)  # samples at 0, 10, ..., 90
    with FakeArchiver([spec]) as fake:
        for (start, end), times in {
            (15, 45): [10, 20, 30, 40, 50],
            (20, 40): [20, 30, 40],
            (25, 25): [20, 30],
            (0, 5): [0, 10],
            (200, 300): [90],
            (0, 2**62): list(range(0, 100, 10)),
        }.items():
            body = get(fake, samples_path("c", start, end)).json()
            assert [s["time"] for s in body] == times
            assert body == fake.expected_samples("c", start, end)
        assert [s["time"] for s in fake.raw_samples("c", 15, 45)] == [20, 30, 40]


def test_every_default_channel_matches_the_ground_truth(fake: FakeArchiver) -> None:
    seen_types: set[str] = set()
    for name, spec in fake.channels.items():
        assert spec.count is not None
        end = spec.start_ns + (spec.count - 1) * spec.period_ns
        for extra, count in (("", None), ("&count=100", 100)):
            body = get(fake, samples_path(name, 0, end + 1, extra)).json()
            assert body == fake.expected_samples(name, 0, end + 1, count), (name, extra)
            seen_types |= {s["type"] for s in body}
    assert seen_types == {"double", "long", "enum", "string", "minMaxDouble"}


def test_samples_of_every_kind_carry_the_hard_values(fake: FakeArchiver) -> None:
    def values(name: str) -> list[object]:
        return [v for s in fake.raw_samples(name) for v in s["value"]]

    assert {"NaN", "Infinity", "-Infinity"} <= set(map(str, values("temp+offset")))
    big = [v for v in values("beam energy") if isinstance(v, int) and abs(v) > 2**62]
    assert big
    assert any(float(v) != v for v in big)  # not representable in float64
    body = get(fake, samples_path("beam energy", 0, 2**62)).json()
    assert isinstance(body, list)
    assert [v for s in body for v in s["value"] if abs(v) > 2**62] == big
    strings = values("msg:text")
    assert '},{"time":' in strings
    assert '"NaN"' in strings
    assert any("\n" in s for s in map(str, strings))
    waves = [len(s["value"]) for s in fake.raw_samples("wave:double")]
    assert 0 in waves
    assert max(waves) > 1
    raw = fake.raw_samples("root:ai1")
    markers = [s for s in raw if s["type"] == "string"]
    assert {m["status"] for m in markers} == {"Disconnected", "Archive_Disabled"}
    for m in markers:
        assert m["severity"] == {"level": "INVALID", "hasValue": False}
        assert m["value"] == [m["status"]]
        assert "metaData" not in m
    assert {s["severity"]["level"] for s in raw} == {"OK", "MINOR", "MAJOR", "INVALID"}
    limits = {s["metaData"]["alarmLow"] for s in raw if "metaData" in s}
    assert {"-Infinity", "NaN"} <= limits
    enum = fake.raw_samples("détecteur:état")[0]
    assert enum["metaData"]["type"] == "enum"
    assert enum["metaData"]["states"][0] == "Off"


@pytest.mark.parametrize(
    ("span", "count", "level"),
    [
        (DAY, 1000, 30),  # manual: perfect 86.4 s
        (YEAR, 1000, 21600),  # perfect 31536 s, beyond the longest level
        (3600 * 10**9, 1000, 0),  # perfect 3.6 s
        (29 * 10**9 * 1000, 1000, 30),  # 30 is within 5 % of 29
        (28 * 10**9 * 1000, 1000, 0),  # 30 is 7 % too long: prefer more samples
        (880 * 10**9 * 1000, 1000, 900),
        (30 * 10**9 * 1000, 1000, 30),
        (999_999_999, 1, 0),  # perfect < 1 s
        (0, 5, 0),
    ],
)
def test_decimation_level_choice(span: int, count: int, level: int) -> None:
    assert choose_level({0, 30, 900, 21600}, 10**18, 10**18 + span, count) == level


def test_decimated_samples_aggregate_numeric_and_pick_first_otherwise(fake: FakeArchiver) -> None:
    spec = fake.channels["root:ai1"]
    start, end = spec.start_ns + 600 * 10**9, spec.start_ns + 3600 * 10**9
    body = get(fake, samples_path("root:ai1", start, end, "&count=100")).json()
    assert isinstance(body, list)
    assert all(s["time"] % (30 * 10**9) == 0 for s in body)  # level 30 s
    assert {s["quality"] for s in body} == {"Interpolated"}
    numeric = [s for s in body if s["type"] == "minMaxDouble"]
    assert numeric
    assert all(s["minimum"] <= s["value"][0] <= s["maximum"] for s in numeric)
    assert body[0]["time"] <= start
    assert body[-1]["time"] >= end
    enum = fake.channels["détecteur:état"]
    e_end = enum.start_ns + 1800 * 10**9
    decimated = get(fake, samples_path("détecteur:état", enum.start_ns, e_end, "&count=60")).json()
    assert isinstance(decimated, list)
    assert {s["type"] for s in decimated} == {"enum"}
    raw = {s["time"]: s for s in fake.raw_samples("détecteur:état")}
    for s in decimated[1:]:
        source = max(t for t in raw if t <= s["time"])
        assert s["value"] == raw[source]["value"]


def test_level_fallback_emits_the_newer_finer_segment_first(fake: FakeArchiver) -> None:
    spec = fake.channels["retention:ai"]  # raw kept 30 min, 30 s level 2 h, 900 s forever
    assert spec.count is not None
    start, end = spec.start_ns, spec.start_ns + (spec.count - 1) * spec.period_ns
    body = get(fake, samples_path("retention:ai", start, end, "&count=1000")).json()
    assert isinstance(body, list)
    assert body == fake.expected_samples("retention:ai", start, end, 1000)
    times = [s["time"] for s in body]
    breaks = [i for i in range(1, len(times)) if times[i] < times[i - 1]]
    assert len(breaks) == 2  # raw, then 30 s, then 900 s: each segment older than the last
    raw, mid, coarse = body[: breaks[0]], body[breaks[0] : breaks[1]], body[breaks[1] :]
    assert {s["quality"] for s in raw} == {"Original"}
    assert all(s["time"] % (30 * 10**9) == 0 for s in mid)
    assert all(s["time"] % (900 * 10**9) == 0 for s in coarse)
    assert coarse[0]["time"] <= start < mid[0]["time"] < raw[0]["time"]
    assert mid[-1]["time"] < raw[0]["time"]
    assert coarse[-1]["time"] < mid[0]["time"]


def test_pretty_print_is_jacksons_default_pretty_printer(fake: FakeArchiver) -> None:
    spec = fake.channels["détecteur:état"]
    compact = get(fake, samples_path("détecteur:état", spec.start_ns, spec.start_ns))
    for flag in ("&prettyPrint", "&prettyPrint=", "&prettyPrint=false"):
        pretty = get(fake, samples_path("détecteur:état", spec.start_ns, spec.start_ns, flag))
        assert pretty.json() == compact.json()
        text = pretty.body.decode()
        assert text.startswith('[ {\n  "time" : ')
        assert '\n  "severity" : {\n    "level" : "' in text
        assert '"states" : [ "Off", "On", "Fault", "Ünknown \\"state\\"" ]' in text
        assert text.endswith('  "value" : [ 0 ]\n} ]')
    assert get(fake, "/archive/1/channels-by-regexp/x?prettyPrint").body == b"[ ]"
    assert get(fake, "/archive/1/channels-by-regexp/x").body == b"[]"
    assert get(fake, "/archive/1/channels-by-pattern/wave*?prettyPrint").body == (
        b'[ "wave:double", "wave:long" ]'
    )


def test_gzip_only_when_accepted_and_large(fake: FakeArchiver) -> None:
    path = samples_path("root:ai1", 0, 2**62)
    plain = get(fake, path)
    assert "content-encoding" not in plain.headers
    zipped = get(fake, path, {"Accept-Encoding": "br, gzip;q=0.8"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.headers["transfer-encoding"] == "chunked"
    assert gzip.decompress(zipped.body) == plain.body
    assert get(fake, path, {"Accept-Encoding": "gzip;q=0"}).body == plain.body
    small = get(fake, "/archive/", {"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers
    hits = fake.stats.cache_hits
    assert get(fake, path, {"Accept-Encoding": "gzip"}).body == zipped.body
    assert fake.stats.cache_hits == hits + 1


def test_keep_alive_and_non_get_methods(fake: FakeArchiver) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", fake.port, timeout=20)
    try:
        for _ in range(3):
            conn.request("GET", BASE + "/archive/")
            assert conn.getresponse().read().startswith(b"[{")
        conn.request("POST", BASE + "/archive/", body=b"{}")
        r = conn.getresponse()
        assert r.status == 405
        r.read()
        conn.request("GET", BASE + "/archive/")
        assert conn.getresponse().status == 200
    finally:
        conn.close()


def test_default_channels_have_names_needing_encoding_care() -> None:
    names = [s.name for s in pvfake.default_channels()]
    for needle in ("+", "/", " ", ":"):
        assert any(needle in n for n in names), needle
    assert any(not n.isascii() for n in names)
    assert {s.kind for s in pvfake.default_channels()} == set(pvfake.KINDS)
    assert all(s.live for s in pvfake.default_channels(live=True))


def test_an_empty_channel_gives_an_empty_array() -> None:
    with FakeArchiver([ChannelSpec("empty", count=0)]) as fake:
        assert get(fake, samples_path("empty", 0, 2**62)).body == b"[]"
        assert get(fake, samples_path("empty", 0, 2**62, "&prettyPrint")).body == b"[ ]"
        assert get(fake, samples_path("empty", 0, 2**62, "&count=3")).body == b"[]"
