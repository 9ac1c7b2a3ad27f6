import math
import re
import struct
import threading
from typing import Any

import pyarrow as pa
import pytest

from arrowtap.connectors.pvarchiver.wire import _jsonv1
from arrowtap.connectors.pvarchiver.wire.decode import SampleDecoder, decode_samples
from arrowtap.connectors.pvarchiver.wire.schema import (
    DECODED_SCHEMA,
    LEVELS,
    META_TYPES,
    QUALITIES,
    TYPES,
)
from arrowtap.errors import DecodeError, InvalidArgumentError

from .reference import normalized, reference_decode, table_rows

INF = math.inf

# The exact strings of the server's unit test (JsonV1SampleSerializerTest), protocol §1.7.
SERVER_LINES = [
    b'{"time":1472910282661419012,"severity":{"level":"OK","hasValue":true},"status":"OK",'
    b'"quality":"Interpolated","type":"double","value":[42.99]}',
    b'{"time":1472910282661419000,"severity":{"level":"MAJOR","hasValue":true},"status":"OK",'
    b'"quality":"Original","metaData":{"type":"numeric","precision":2,"units":"mA",'
    b'"displayLow":-20.0,"displayHigh":50.0,"warnLow":-10.0,"warnHigh":100.0,'
    b'"alarmLow":"-Infinity","alarmHigh":"Infinity"},"type":"double","value":[42.38]}',
    b'{"time":1472910282751419000,"severity":{"level":"INVALID","hasValue":false},'
    b'"status":"Error","quality":"Interpolated","metaData":{"type":"numeric","precision":4,'
    b'"units":"V","displayLow":-25.0,"displayHigh":51.0,"warnLow":-11.0,"warnHigh":200.0,'
    b'"alarmLow":35.3,"alarmHigh":99.8},"type":"double","value":[-14.32,"NaN"]}',
    b'{"time":1522910282661445612,"severity":{"level":"OK","hasValue":true},"status":"OK",'
    b'"quality":"Original","metaData":{"type":"enum","states":["label 1","label 2","label 3"]},'
    b'"type":"enum","value":[3]}',
    b'{"time":1472910282651417000,"severity":{"level":"MAJOR","hasValue":true},"status":"OK",'
    b'"quality":"Original","metaData":{"type":"numeric","precision":0,"units":"m",'
    b'"displayLow":-20.0,"displayHigh":50.0,"warnLow":-10.0,"warnHigh":100.0,'
    b'"alarmLow":"-Infinity","alarmHigh":"Infinity"},"type":"long","value":[19,155,21]}',
    b'{"time":1472910282661419000,"severity":{"level":"MAJOR","hasValue":true},"status":"OK",'
    b'"quality":"Original","metaData":{"type":"numeric","precision":2,"units":"mA",'
    b'"displayLow":-20.0,"displayHigh":50.0,"warnLow":-10.0,"warnHigh":100.0,'
    b'"alarmLow":"-Infinity","alarmHigh":"Infinity"},"type":"minMaxDouble","value":[42.38],'
    b'"minimum":-17.2,"maximum":88.32}',
    b'{"time":1473220282651419012,"severity":{"level":"MINOR","hasValue":false},'
    b'"status":"warning","quality":"Original","type":"string","value":["abc","def 123"]}',
]
SERVER_BODY = b"[" + b",".join(SERVER_LINES) + b"]"

# The manual's pretty-printed example, "…same…" written out.
MANUAL_BODY = b"""[ { "time" : 1468429059824011000,
  "severity" : { "level" : "OK", "hasValue" : true },
  "status" : "NO_ALARM", "quality" : "Original",
  "metaData" : { "type" : "numeric", "precision" : 2, "units" : "V", "displayLow" : 0.0,
    "displayHigh" : 0.0, "warnLow" : "NaN", "warnHigh" : 12.0, "alarmLow" : "NaN",
    "alarmHigh" : 15.0 },
  "type" : "double", "value" : [ 7.0 ] },
{ "time" : 1468429060825564000, "severity" : { "level" : "MINOR", "hasValue" : true },
  "status" : "HIGH", "quality" : "Original", "metaData" : { "type" : "numeric", "precision" : 2,
    "units" : "V", "displayLow" : 0.0, "displayHigh" : 0.0, "warnLow" : "NaN", "warnHigh" : 12.0,
    "alarmLow" : "NaN", "alarmHigh" : 15.0 }, "type" : "double", "value" : [ 12.0 ] } ]
"""

NO_META = dict.fromkeys(
    ["meta_type", "precision", "units", "display_low", "display_high", "warn_low", "warn_high",
     "alarm_low", "alarm_high", "enum_states"]
)  # fmt: skip
NO_VALUES = dict.fromkeys(
    ["value_double", "value_long", "value_enum", "value_string", "minimum", "maximum"]
)


def numeric(precision: int, units: str | None, *limits: float) -> dict[str, Any]:
    names = ["display_low", "display_high", "warn_low", "warn_high", "alarm_low", "alarm_high"]
    meta = dict(NO_META, meta_type="numeric", precision=precision, units=units)
    meta.update(zip(names, limits, strict=True))
    return meta


def row(header: str, meta: dict[str, Any] | None = None, **values: Any) -> dict[str, Any]:
    """A decoded row from "time severity has_value status quality type" and the rest."""
    time, severity, has_value, status, quality, kind = header.split()
    out = {"channel": "ch", "time": int(time), "severity": severity}
    out.update(has_value=has_value == "true", status=status, quality=quality, type=kind)
    out.update(NO_VALUES)
    out.update(values)
    out.update(meta or NO_META)
    return out


MA = numeric(2, "mA", -20.0, 50.0, -10.0, 100.0, -INF, INF)
SERVER_ROWS = [
    row("1472910282661419012 OK true OK Interpolated double", value_double=[42.99]),
    row("1472910282661419000 MAJOR true OK Original double", MA, value_double=[42.38]),
    row(
        "1472910282751419000 INVALID false Error Interpolated double",
        numeric(4, "V", -25.0, 51.0, -11.0, 200.0, 35.3, 99.8),
        value_double=[-14.32, math.nan],
    ),
    row(
        "1522910282661445612 OK true OK Original enum",
        dict(NO_META, meta_type="enum", enum_states=["label 1", "label 2", "label 3"]),
        value_enum=[3],
    ),
    row(
        "1472910282651417000 MAJOR true OK Original long",
        numeric(0, "m", -20.0, 50.0, -10.0, 100.0, -INF, INF),
        value_long=[19, 155, 21],
    ),
    row(
        "1472910282661419000 MAJOR true OK Original minMaxDouble",
        MA,
        value_double=[42.38],
        minimum=-17.2,
        maximum=88.32,
    ),
    row(
        "1473220282651419012 MINOR false warning Original string",
        value_string=["abc", "def 123"],
    ),
]


def sample(kind: str = "double", value: str = "[1.5]", **extra: str) -> bytes:
    """One sample object; extra members are appended as given (raw JSON)."""
    text = (
        '{"time":1,"severity":{"level":"OK","hasValue":true},"status":"NO_ALARM",'
        f'"quality":"Original","type":"{kind}","value":{value}'
    )
    for name, raw in extra.items():
        text += f',"{name}":{raw}'
    return (text + "}").encode()


def decoded(body: bytes, channel: str = "ch") -> list[dict[str, Any]]:
    table = decode_samples(body, channel)
    table.validate(full=True)
    assert table.schema.equals(DECODED_SCHEMA, check_metadata=True)
    return table_rows(table)


def test_the_extension_agrees_with_the_schema() -> None:
    assert (_jsonv1.LEVELS, _jsonv1.QUALITIES, _jsonv1.TYPES, _jsonv1.META_TYPES) == (
        LEVELS,
        QUALITIES,
        TYPES,
        META_TYPES,
    )


def test_the_server_unit_test_strings_decode_exactly() -> None:
    rows = decoded(SERVER_BODY)
    assert normalized(rows) == normalized(SERVER_ROWS)
    assert rows[0]["time"] == 1472910282661419012  # exact to the nanosecond
    assert math.isnan(rows[2]["value_double"][1])
    assert rows[1]["alarm_low"] == -INF
    assert rows[1]["alarm_high"] == INF


@pytest.mark.parametrize("index", range(len(SERVER_LINES)))
def test_each_server_string_decodes_alone(index: int) -> None:
    rows = decoded(b"[" + SERVER_LINES[index] + b"]")
    assert normalized(rows) == normalized([SERVER_ROWS[index]])


def test_the_manual_pretty_printed_example_decodes_exactly() -> None:
    meta = numeric(2, "V", 0.0, 0.0, math.nan, 12.0, math.nan, 15.0)
    expected = [
        row("1468429059824011000 OK true NO_ALARM Original double", meta, value_double=[7.0]),
        row("1468429060825564000 MINOR true HIGH Original double", meta, value_double=[12.0]),
    ]
    assert normalized(decoded(MANUAL_BODY)) == normalized(expected)


def test_the_reference_decoder_agrees_on_the_examples() -> None:
    for body in (SERVER_BODY, MANUAL_BODY):
        assert normalized(reference_decode(body, "ch")) == normalized(decoded(body))


def test_the_arrow_types_are_the_declared_ones() -> None:
    table = decode_samples(SERVER_BODY, "ch")
    assert table.schema == DECODED_SCHEMA
    assert table.schema.metadata == DECODED_SCHEMA.metadata
    assert table.column("time").type == pa.timestamp("ns", tz="UTC")
    assert table.column("channel").null_count == 0
    assert table.column("value_double").null_count == 3


def test_extreme_numbers_are_exact() -> None:
    doubles = [
        "-0.0", "0.0", "-0", "7", "1.0E-5", "1e-05", "0.1", "2.2250738585072014e-308",
        "4.9e-324", "1.7976931348623157e308", "1e400", "-1e400", "1e-400",
        "123456789012345678901234567890", "0.30000000000000004", "9007199254740993",
        "3.141592653589793238462643383279502884197", "1E22", "1e23", "8.98846567431158e307",
        "0.000000000000000000000000000000000000000000001",
    ]  # fmt: skip
    longs = ["9223372036854775807", "-9223372036854775808", "0", "-0", "1"]
    body = b"[" + sample("double", "[" + ",".join(doubles) + "]") + b","
    body += sample("long", "[" + ",".join(longs) + "]") + b"]"
    rows = decoded(body)
    got = rows[0]["value_double"]
    assert [struct.pack("<d", x) for x in got] == [struct.pack("<d", float(t)) for t in doubles]
    assert math.copysign(1.0, got[0]) == -1.0
    assert math.copysign(1.0, got[2]) == -1.0
    assert rows[1]["value_long"] == [2**63 - 1, -(2**63), 0, 0, 1]


@pytest.mark.parametrize(
    ("spelling", "value"),
    [("NaN", math.nan), ("nan", math.nan), ("NAN", math.nan), ("Infinity", INF),
     ("infinity", INF), ("INF", INF), ("inf", INF), ("+inf", INF), ("+Infinity", INF),
     ("-Infinity", -INF), ("-inf", -INF), ("-INFINITY", -INF), ("\\u004eaN", math.nan)],
)  # fmt: skip
def test_non_finite_spellings_are_accepted_where_a_double_is_expected(
    spelling: str, value: float
) -> None:
    raw = f'"{spelling}"'
    meta = '{"type":"numeric","alarmLow":' + raw + "}"
    body = b"[" + sample("minMaxDouble", f"[{raw}]", minimum=raw, maximum=raw, metaData=meta)
    rows = decoded(body + b"]")
    got = [rows[0]["value_double"][0], rows[0]["minimum"], rows[0]["maximum"]]
    got.append(rows[0]["alarm_low"])
    assert normalized(got) == normalized([value] * 4)


def test_codes_are_case_insensitive_and_normalised() -> None:
    body = (
        b'[{"time":5,"severity":{"level":"mInOr","hasValue":false},"status":"x",'
        b'"quality":"INTERPOLATED","metaData":{"type":"NUMERIC","precision":1},'
        b'"type":"MINMAXDOUBLE","value":[1],"minimum":0,"maximum":2}]'
    )
    (got,) = decoded(body)
    assert (got["severity"], got["quality"], got["type"], got["meta_type"]) == (
        "MINOR",
        "Interpolated",
        "minMaxDouble",
        "numeric",
    )
    assert got["minimum"] == 0.0
    assert got["precision"] == 1
    assert got["units"] is None


def test_members_in_any_order_and_unknown_members_are_skipped() -> None:
    body = (
        b'[{"extra":{"a":[1,{"b":null}],"c":"\\u00e9"},"value":["x","y"],'
        b'"metaData":null,"type":"string","quality":"Original","status":"S",'
        b'"severity":{"hasValue":true,"why":[],"level":"MAJOR"},"time":-3,"more":1e5}]'
    )
    (got,) = decoded(body)
    assert got["time"] == -3
    assert got["value_string"] == ["x", "y"]
    assert got["severity"] == "MAJOR"
    assert got["meta_type"] is None


def test_strings_are_unescaped_to_utf8() -> None:
    status = '"a\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\\u20ac"'
    body = sample("string", '["h\u00e9llo \U0001f600", "", "\\u0000"]', status=status)
    body = body.replace(b'"status":"NO_ALARM",', b"")
    (got,) = decoded(b"[" + body + b"]")
    assert got["status"] == 'a"b\\c/d\b\f\n\r\té\U0001f600€'
    assert got["value_string"] == ["h\u00e9llo \U0001f600", "", "\x00"]


def test_metadata_variants() -> None:
    enum_meta = '{"type":"enum","states":[],"precision":3,"units":"V","displayLow":1}'
    numeric_meta = '{"units":null,"states":["s"],"type":"numeric","warnHigh":"nan"}'
    body = b"[" + sample("enum", "[0,-1,2147483647]", metaData=enum_meta) + b","
    body += sample("long", "[]", metaData=numeric_meta) + b","
    body += sample("double", "[]", metaData="null") + b"]"
    enum_row, numeric_row, null_row = decoded(body)
    assert enum_row["value_enum"] == [0, -1, 2147483647]
    assert enum_row["enum_states"] == []
    assert enum_row["meta_type"] == "enum"
    assert enum_row["precision"] is None
    assert enum_row["units"] is None
    assert enum_row["display_low"] is None
    assert numeric_row["enum_states"] is None
    assert numeric_row["units"] is None
    assert math.isnan(numeric_row["warn_high"])
    assert numeric_row["warn_low"] is None
    assert numeric_row["value_long"] == []
    assert all(null_row[name] is None for name in NO_META)


@pytest.mark.parametrize("page_size", [1, 2, 100])
def test_repeated_metadata_decodes_like_the_first(page_size: int) -> None:
    """The decoder reuses the values of metaData bytes equal to the previous sample's."""
    numeric = SERVER_LINES[1]
    enum = SERVER_LINES[3]
    other = SERVER_LINES[4]
    lines = [numeric, numeric, enum, enum, enum, other, numeric, numeric, SERVER_LINES[0]]
    lines += [numeric.replace(b'"mA"', b'"m\\u0041"')] * 2 + [numeric] * 2
    body = b"[" + b",".join(lines) + b"]"
    expected = normalized(reference_decode(body, "ch"))
    assert normalized(table_rows(decode_samples(body, "ch"))) == expected
    for chunk in (1, 50, 333):
        pages = pages_of(body, page_size, chunk)
        assert [row for page in pages for row in normalized(table_rows(page))] == expected


def test_minimum_and_maximum_are_kept_only_for_min_max_double() -> None:
    body = b"[" + sample("double", "[1]", minimum="1", maximum='"NaN"') + b"]"
    (got,) = decoded(body)
    assert got["minimum"] is None
    assert got["maximum"] is None


def test_empty_array_gives_an_empty_table_of_the_schema() -> None:
    for body in (b"[]", b" \n[ \t]\r\n "):
        table = decode_samples(body, "ch")
        assert table.num_rows == 0
        assert table.schema == DECODED_SCHEMA


def test_channel_column_holds_the_channel_name() -> None:
    table = decode_samples(SERVER_BODY, "süd:ring/current 1")
    assert table.column("channel").to_pylist() == ["süd:ring/current 1"] * len(SERVER_LINES)


def many_samples(count: int) -> bytes:
    lines = [re.sub(rb'"time":\d+', b'"time":%d' % i, SERVER_LINES[i % len(SERVER_LINES)])
             for i in range(count)]  # fmt: skip
    return b"[\n" + b",\n".join(lines) + b"\n]\n"


def pages_of(body: bytes, page_size: int, chunk: int) -> list[pa.RecordBatch]:
    decoder = SampleDecoder("ch", page_size=page_size)
    pages = []
    for start in range(0, len(body), chunk):
        new = decoder.feed(memoryview(body)[start : start + chunk])
        assert all(page.num_rows == page_size for page in new)
        pages += new
    last = decoder.finish()
    if last is not None:
        assert 0 < last.num_rows < page_size
        pages.append(last)
    assert decoder.samples_decoded == sum(page.num_rows for page in pages)
    assert decoder.bytes_consumed == len(body)
    return pages


@pytest.mark.parametrize("chunk", [1, 2, 7, 64, 333, 4096, 10**6])
def test_pages_do_not_depend_on_chunking(chunk: int) -> None:
    body = many_samples(23)
    expected = pages_of(body, 5, len(body))
    assert [page.num_rows for page in expected] == [5, 5, 5, 5, 3]
    got = pages_of(body, 5, chunk)
    assert [normalized(table_rows(p)) for p in got] == [normalized(table_rows(p)) for p in expected]


def test_full_pages_come_out_of_feed_as_soon_as_their_bytes_arrive() -> None:
    decoder = SampleDecoder("ch", page_size=2)
    assert decoder.feed(b"[" + SERVER_LINES[0] + b",") == []
    assert decoder.samples_decoded == 1
    (page,) = decoder.feed(SERVER_LINES[1][:-1] + b"}")
    assert page.num_rows == 2
    assert decoder.samples_decoded == 2
    assert decoder.feed(b"]") == []
    assert decoder.finish() is None


def test_pages_of_exactly_page_size_then_none() -> None:
    pages = pages_of(many_samples(8), 4, 100)
    assert [p.num_rows for p in pages] == [4, 4]


def test_byte_chunks_are_not_kept_and_cost_linear_time() -> None:
    """The decoder keeps only a sample cut short, and parses each byte a bounded number of times."""
    big = sample("string", '["' + "x}" * 20_000 + '"]')  # '}' inside a string does not close it
    body = b"[" + b",".join([big, SERVER_LINES[1], big]) + b"]"

    class Spy:
        def __init__(self, real: Any) -> None:
            self.real, self.parsed = real, 0

        def __getattr__(self, name: str) -> Any:
            return getattr(self.real, name)

        def parse(self, buf: Any, pos: int, max_rows: int) -> Any:
            self.parsed += len(buf) - pos
            return self.real.parse(buf, pos, max_rows)

    decoder = SampleDecoder("ch", page_size=2)
    spy = Spy(decoder._decoder)
    decoder._decoder = spy
    fed = 0
    for start in range(0, len(body), 97):
        decoder.feed(body[start : start + 97])
        fed += len(body[start : start + 97])
        assert fed - decoder.bytes_consumed <= len(big) + 97
    decoder.finish()
    assert spy.parsed <= 4 * len(body)


def test_decode_samples_matches_pages() -> None:
    body = many_samples(70_000)
    table = decode_samples(body, "ch")
    assert [b.num_rows for b in table.to_batches()] == [65_536, 70_000 - 65_536]
    assert table.column("time").cast(pa.int64()).to_pylist()[-1] == 69_999


def test_threads_decode_independently() -> None:
    body = many_samples(5_000)
    expected = decode_samples(body, "ch")
    results: list[pa.Table] = []

    def work() -> None:
        results.append(decode_samples(body, "ch"))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4
    for table in results:
        assert normalized(table_rows(table)) == normalized(table_rows(expected))


def test_a_decoder_cannot_be_fed_after_finish() -> None:
    decoder = SampleDecoder("ch")
    decoder.feed(b"[]")
    assert decoder.finish() is None
    with pytest.raises(InvalidArgumentError, match="finished"):
        decoder.feed(b" ")


def test_errors_are_sticky() -> None:
    decoder = SampleDecoder("ch")
    with pytest.raises(DecodeError) as first:
        decoder.feed(b'[{"time":"x"}]')
    with pytest.raises(DecodeError) as again:
        decoder.feed(b"")
    assert again.value is first.value
    with pytest.raises(DecodeError):
        decoder.finish()


@pytest.mark.parametrize("page_size", [0, -1, 1.5, True, "10"])
def test_page_size_must_be_a_positive_int(page_size: Any) -> None:
    with pytest.raises(InvalidArgumentError, match="page_size"):
        SampleDecoder("ch", page_size=page_size)


def test_channel_must_be_a_str() -> None:
    with pytest.raises(InvalidArgumentError, match="channel"):
        SampleDecoder(b"ch")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="Unicode"):
        SampleDecoder("\ud800")
    with pytest.raises(InvalidArgumentError, match="32-bit"):
        SampleDecoder("x" * 40_000)


@pytest.mark.parametrize("channel", ["", "é", "x" * 300])
def test_any_channel_name_fills_the_column(channel: str) -> None:
    pages = SampleDecoder(channel, page_size=4).feed(many_samples(9))
    table = decode_samples(many_samples(9), channel)
    table.validate(full=True)
    assert table.column("channel").to_pylist() == [channel] * 9
    assert [p.column("channel").to_pylist() for p in pages] == [[channel] * 4] * 2


def test_feed_accepts_bytearray_and_memoryview() -> None:
    decoder = SampleDecoder("ch")
    data = bytearray(SERVER_BODY)
    decoder.feed(data[:10])
    decoder.feed(memoryview(data)[10:200])
    decoder.feed(memoryview(data[200:]).cast("B", (len(data) - 200,)))
    page = decoder.finish()
    assert page is not None
    assert page.num_rows == len(SERVER_LINES)
