"""The fake's JsonV1 rendering is byte-compatible with the server's (protocol notes §1.7)."""

# The server's test strings are kept verbatim, one per line.
# ruff: noqa: E501

from __future__ import annotations

import json
import math

import pytest

from arrowtap.testing.pvarchiver import (
    ChannelSpec,
    EnumMeta,
    NumericMeta,
    Sample,
    benchmark_channels,
    default_channels,
    render_compact,
    render_pretty,
    sample_to_dict,
)
from arrowtap.testing.pvarchiver.bulk import raw_compact
from arrowtap.testing.pvarchiver.data import ChannelData
from arrowtap.testing.pvarchiver.decimation import Mode, aggregate, gather_levels
from arrowtap.testing.pvarchiver.kinds import raw_sample
from arrowtap.testing.pvarchiver.render import format_double, format_string

INF, NAN = math.inf, math.nan
MA = NumericMeta(2, "mA", -20.0, 50.0, -10.0, 100.0, -INF, INF)
V = NumericMeta(4, "V", -25.0, 51.0, -11.0, 200.0, 35.3, 99.8)
M = NumericMeta(0, "m", -20.0, 50.0, -10.0, 100.0, -INF, INF)
LABELS = EnumMeta(("label 1", "label 2", "label 3"))

# The exact strings of the server's JsonV1SampleSerializerTest, and the same samples.
SERVER_TEST_STRINGS = [
    (
        Sample(1472910282661419012, "OK", True, "OK", "Interpolated", None, "double", (42.99,)),
        '{"time":1472910282661419012,"severity":{"level":"OK","hasValue":true},"status":"OK","quality":"Interpolated","type":"double","value":[42.99]}',
    ),
    (
        Sample(1472910282661419000, "MAJOR", True, "OK", "Original", MA, "double", (42.38,)),
        '{"time":1472910282661419000,"severity":{"level":"MAJOR","hasValue":true},"status":"OK","quality":"Original","metaData":{"type":"numeric","precision":2,"units":"mA","displayLow":-20.0,"displayHigh":50.0,"warnLow":-10.0,"warnHigh":100.0,"alarmLow":"-Infinity","alarmHigh":"Infinity"},"type":"double","value":[42.38]}',
    ),
    (
        Sample(1472910282751419000, "INVALID", False, "Error", "Interpolated", V, "double", (-14.32, NAN)),
        '{"time":1472910282751419000,"severity":{"level":"INVALID","hasValue":false},"status":"Error","quality":"Interpolated","metaData":{"type":"numeric","precision":4,"units":"V","displayLow":-25.0,"displayHigh":51.0,"warnLow":-11.0,"warnHigh":200.0,"alarmLow":35.3,"alarmHigh":99.8},"type":"double","value":[-14.32,"NaN"]}',
    ),
    (
        Sample(1522910282661445612, "OK", True, "OK", "Original", LABELS, "enum", (3,)),
        '{"time":1522910282661445612,"severity":{"level":"OK","hasValue":true},"status":"OK","quality":"Original","metaData":{"type":"enum","states":["label 1","label 2","label 3"]},"type":"enum","value":[3]}',
    ),
    (
        Sample(1472910282651417000, "MAJOR", True, "OK", "Original", M, "long", (19, 155, 21)),
        '{"time":1472910282651417000,"severity":{"level":"MAJOR","hasValue":true},"status":"OK","quality":"Original","metaData":{"type":"numeric","precision":0,"units":"m","displayLow":-20.0,"displayHigh":50.0,"warnLow":-10.0,"warnHigh":100.0,"alarmLow":"-Infinity","alarmHigh":"Infinity"},"type":"long","value":[19,155,21]}',
    ),
    (
        Sample(1472910282661419000, "MAJOR", True, "OK", "Original", MA, "minMaxDouble", (42.38,), -17.2, 88.32),
        '{"time":1472910282661419000,"severity":{"level":"MAJOR","hasValue":true},"status":"OK","quality":"Original","metaData":{"type":"numeric","precision":2,"units":"mA","displayLow":-20.0,"displayHigh":50.0,"warnLow":-10.0,"warnHigh":100.0,"alarmLow":"-Infinity","alarmHigh":"Infinity"},"type":"minMaxDouble","value":[42.38],"minimum":-17.2,"maximum":88.32}',
    ),
    (
        Sample(1473220282651419012, "MINOR", False, "warning", "Original", None, "string", ("abc", "def 123")),
        '{"time":1473220282651419012,"severity":{"level":"MINOR","hasValue":false},"status":"warning","quality":"Original","type":"string","value":["abc","def 123"]}',
    ),
]  # fmt: skip


@pytest.mark.parametrize(("sample", "text"), SERVER_TEST_STRINGS)
def test_the_server_test_strings_are_rendered_byte_for_byte(sample: Sample, text: str) -> None:
    assert render_compact(sample) == text
    assert sample_to_dict(sample) == json.loads(text)
    assert json.loads(render_pretty(sample)) == json.loads(text)


def test_pretty_sample_layout() -> None:
    sample = SERVER_TEST_STRINGS[5][0]
    assert render_pretty(sample) == (
        '{\n  "time" : 1472910282661419000,\n'
        '  "severity" : {\n    "level" : "MAJOR",\n    "hasValue" : true\n  },\n'
        '  "status" : "OK",\n  "quality" : "Original",\n'
        '  "metaData" : {\n    "type" : "numeric",\n    "precision" : 2,\n    "units" : "mA",\n'
        '    "displayLow" : -20.0,\n    "displayHigh" : 50.0,\n    "warnLow" : -10.0,\n'
        '    "warnHigh" : 100.0,\n    "alarmLow" : "-Infinity",\n    "alarmHigh" : "Infinity"\n'
        "  },\n"
        '  "type" : "minMaxDouble",\n  "value" : [ 42.38 ],\n'
        '  "minimum" : -17.2,\n  "maximum" : 88.32\n}'
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (-20.0, "-20.0"),
        (0.0, "0.0"),
        (-0.0, "-0.0"),
        (0.001, "0.001"),
        (1e-5, "1.0E-5"),
        (-1.2345e-4, "-1.2345E-4"),
        (9999999.5, "9999999.5"),
        (1e7, "1.0E7"),
        (1.5e20, "1.5E20"),
        (INF, '"Infinity"'),
        (-INF, '"-Infinity"'),
        (NAN, '"NaN"'),
    ],
)
def test_doubles_are_rendered_like_java_and_round_trip(value: float, text: str) -> None:
    assert format_double(value) == text
    if math.isfinite(value):
        assert float(text) == value


def test_strings_are_escaped_like_jackson() -> None:
    assert format_string('q"b\\n\n\t\r\b\f\x01\x1f\x7fµ🚀</') == (
        '"q\\"b\\\\n\\n\\t\\r\\b\\f\\u0001\\u001F\x7fµ🚀</"'
    )


def test_bulk_rendering_equals_sample_rendering() -> None:
    specs = [*default_channels(), *benchmark_channels(9000, 3)]
    for spec in specs:
        n = min(spec.count or 0, 2500)
        expected = [render_compact(raw_sample(spec, i)) for i in range(n)]
        assert list(raw_compact(spec, range(n))) == expected, spec.name


def test_rendering_and_ground_truth_agree_for_every_sample_kind() -> None:
    for spec in default_channels():
        data = ChannelData(spec)
        for sample in data.samples(0, 2**62, 50, now_ns=0):
            assert json.loads(render_compact(sample)) == sample_to_dict(sample), spec.name
            assert json.loads(render_pretty(sample)) == sample_to_dict(sample), spec.name


def test_aggregation_is_time_weighted_and_keeps_the_worst_alarm() -> None:
    def s(t: int, v: float, level: str = "OK", status: str = "NO_ALARM") -> Sample:
        return Sample(t, level, True, status, "Original", MA, "double", (v,))

    carried = s(-5, 10.0)  # valid from before the interval
    inside = [s(2, 20.0, "MAJOR", "HIHI"), s(6, NAN)]
    marker = Sample(8, "INVALID", False, "Disconnected", "Original", None, "string", ("x",))
    m = aggregate([carried, inside[0]], 0, 10)
    assert (m.value, m.minimum, m.maximum) == ((18.0,), 10.0, 20.0)  # (2*10 + 8*20) / 10
    assert (m.level, m.status, m.meta, m.time, m.quality) == (
        "MAJOR",
        "HIHI",
        MA,
        0,
        "Interpolated",
    )
    assert all(math.isnan(x) for x in (*aggregate([carried, *inside], 0, 10).value,))
    assert aggregate([carried, marker], 0, 10).value == (10.0,)
    only_marker = aggregate([marker], 0, 10)
    assert (only_marker.type, only_marker.time, only_marker.status) == ("string", 0, "Disconnected")
    wave = Sample(1, "OK", True, "NO_ALARM", "Original", MA, "double", (1.0, 2.0))
    assert aggregate([wave, s(5, 3.0)], 0, 10) == wave._replace(time=0, quality="Interpolated")


def test_level_fallback_order_is_the_servers() -> None:
    def sample(t: int) -> Sample:
        return Sample(t, "OK", True, "NO_ALARM", "Original", None, "double", (0.0,))

    have = {0: [50, 60], 30: [20, 30, 40, 55], 900: [0, 10, 45]}
    calls: list[tuple[int, int, int, Mode]] = []

    def query(level: int, lower: int, upper: int, mode: Mode) -> list[Sample]:
        calls.append((level, lower, upper, mode))
        times = [t for t in have[level] if t <= upper] if mode is Mode.AT_OR_BEFORE else have[level]
        return [sample(t) for t in times]

    segments = gather_levels([0, 30, 900], 0, 5, 70, query)
    assert [[s.time for s in seg] for seg in segments] == [[50, 60], [20, 30, 40], [0, 10]]
    assert calls == [
        (0, 5, 70, Mode.AT_OR_AFTER),
        (30, 5, 49, Mode.AT_OR_BEFORE),
        (900, 5, 19, Mode.AT_OR_BEFORE),
    ]


def test_channel_spec_validation() -> None:
    with pytest.raises(ValueError, match="name"):
        ChannelSpec("")
    with pytest.raises(ValueError, match="kind"):
        ChannelSpec("x", kind="float")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="retention"):
        ChannelSpec("x", decimation=(30,), retention={60: 10})
    assert ChannelSpec("x", decimation=(900, 30, 30)).levels == (0, 30, 900)
