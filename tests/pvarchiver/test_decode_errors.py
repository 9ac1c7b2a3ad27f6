import re

import pytest

from arrowtap.connectors.pvarchiver.wire.decode import SampleDecoder, decode_samples
from arrowtap.errors import DecodeError

from .reference import RefError, assert_agree, normalized, reference_decode, table_rows
from .test_decode import MANUAL_BODY, SERVER_BODY, SERVER_LINES, sample

GOOD = sample()  # row 0 of every body below: the error is in row 1
META = '{"type":"numeric","precision":2,"units":"V","displayLow":0}'


def body_of(bad: bytes | str) -> bytes:
    raw = bad.encode() if isinstance(bad, str) else bad
    return b"[" + GOOD + b"," + raw + b"]"


def reject(body: bytes, *needles: str) -> str:
    """The message of the DecodeError of body, after checking the reference rejects it too."""
    with pytest.raises(RefError):
        reference_decode(body, "ch")
    with pytest.raises(DecodeError) as info:
        decode_samples(body, "ch")
    message = str(info.value)
    assert message.startswith("pvarchiver: samples of channel 'ch': ")
    assert len(message) < 300  # a bounded context, never the body
    for needle in needles:
        assert needle in message
    return message


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        (sample().replace(b'"time":1', b'"time":"1"'), "'time'"),
        (sample().replace(b'"time":1', b'"time":1.0'), "'time'"),
        (sample().replace(b'"time":1', b'"time":1e3'), "'time'"),
        (sample().replace(b'"time":1', b'"time":null'), "'time'"),
        (sample().replace(b'"time":1', b'"time":9223372036854775808'), "'time'"),
        (sample().replace(b'"time":1', b'"time":-9223372036854775809'), "'time'"),
        (sample().replace(b'"time":1', b'"time":123456789012345678901234'), "'time'"),
        (sample().replace(b'{"level":"OK","hasValue":true}', b"[]"), "'severity'"),
        (sample().replace(b'"level":"OK"', b'"level":"FINE"'), "'severity.level'"),
        (sample().replace(b'"level":"OK"', b'"level":0'), "'severity.level'"),
        (sample().replace(b'"hasValue":true', b'"hasValue":"true"'), "'severity.hasValue'"),
        (sample().replace(b'"hasValue":true', b'"hasValue":1'), "'severity.hasValue'"),
        (sample().replace(b'"NO_ALARM"', b"7"), "'status'"),
        (sample().replace(b'"Original"', b'"Raw"'), "'quality'"),
        (sample().replace(b'"Original"', b'"Ori\\u0000ginal"'), "'quality'"),
        (sample("float"), "'type'"),
        (sample("double", "1.5"), "'value'"),
        (sample("double", '{"a":1}'), "'value'"),
        (sample("double", "[null]"), "'value'"),
        (sample("double", '["1.5"]'), "'value'"),
        (sample("double", '["nan "]'), "'value'"),
        (sample("double", "[true]"), "'value'"),
        (sample("long", "[1.5]"), "'value'"),
        (sample("long", "[1e2]"), "'value'"),
        (sample("long", '["1"]'), "'value'"),
        (sample("long", "[9223372036854775808]"), "'value'"),
        (sample("enum", "[2147483648]"), "'value'"),
        (sample("enum", "[-2147483649]"), "'value'"),
        (sample("enum", "[0.5]"), "'value'"),
        (sample("string", "[1]"), "'value'"),
        (sample("string", '["a",null]'), "'value'"),
        (sample("minMaxDouble", "[1]", minimum="0"), "'maximum'"),
        (sample("minMaxDouble", "[1]", maximum="0"), "'minimum'"),
        (sample("minMaxDouble", "[1]", minimum='"x"', maximum="0"), "'minimum'"),
        (sample("double", "[1]", minimum="[]"), "'minimum'"),
        (sample(metaData="[]"), "'metaData'"),
        (sample(metaData="true"), "'metaData'"),
        (sample(metaData='{"precision":2}'), "'metaData.type'"),
        (sample(metaData='{"type":"float"}'), "'metaData.type'"),
        (sample(metaData='{"type":"numeric","precision":2.5}'), "'metaData.precision'"),
        (sample(metaData='{"type":"numeric","precision":2147483648}'), "'metaData.precision'"),
        (sample(metaData='{"type":"numeric","units":5}'), "'metaData.units'"),
        (sample(metaData='{"type":"numeric","displayLow":null}'), "'metaData.displayLow'"),
        (sample(metaData='{"type":"numeric","alarmHigh":"infinite"}'), "'metaData.alarmHigh'"),
        (sample(metaData='{"type":"enum","states":"a"}'), "'metaData.states'"),
        (sample(metaData='{"type":"enum","states":["a",1]}'), "'metaData.states'"),
        # a member of the wrong variant is still checked
        (sample(metaData='{"type":"enum","precision":"2"}'), "'metaData.precision'"),
        (sample(metaData='{"type":"numeric","states":[1]}'), "'metaData.states'"),
    ],
)
def test_wrong_types_name_the_field_and_row(bad: bytes, field: str) -> None:
    reject(body_of(bad), field, "row 1")


@pytest.mark.parametrize("name", ["time", "severity", "status", "quality", "type", "value"])
def test_missing_fields_are_errors(name: str) -> None:
    members = {
        "time": '"time":1',
        "severity": '"severity":{"level":"OK","hasValue":true}',
        "status": '"status":"x"',
        "quality": '"quality":"Original"',
        "type": '"type":"long"',
        "value": '"value":[1]',
    }
    del members[name]
    reject(body_of("{" + ",".join(members.values()) + "}"), f"'{name}'", "missing", "row 1")


@pytest.mark.parametrize("name", ["level", "hasValue"])
def test_missing_severity_fields_are_errors(name: str) -> None:
    other = b'"hasValue":true' if name == "level" else b'"level":"OK"'
    bad = sample().replace(b'{"level":"OK","hasValue":true}', b"{" + other + b"}")
    reject(body_of(bad), f"'severity.{name}'", "missing")


@pytest.mark.parametrize(
    "bad",
    [
        sample(time="2"),
        sample(metaData="null", **{"metaData ": "1"}).replace(b'"metaData "', b'"metaData"'),
        sample().replace(b'"level":"OK"', b'"level":"OK","level":"OK"'),
        sample(metaData='{"type":"numeric","units":"a","units":"b"}'),
    ],
)
def test_repeated_known_members_are_errors(bad: bytes) -> None:
    reject(body_of(bad), "duplicate", "row 1")


@pytest.mark.parametrize(
    "bad",
    [
        b"{",
        b"{}",
        b'{"time":1,}',
        b'{"time" 1}',
        b'{"time":1 "status":"x"}',
        b"{,}",
        b"{'time':1}",
        b'{"time":01}',
        b'{"time":-}',
        b'{"time":1.}',
        b'{"time":.5}',
        b'{"time":+1}',
        b'{"time":0x10}',
        b'{"time":1,"x":tru}',
        b'{"time":1,"x":nul}',
        b'{"time":1,"x":NaN}',
        b'{"time":1,"x":Infinity}',
        b'{"time":1,"x":-Infinity}',
        b'{"time":1,"x":[1,]}',
        b'{"time":1,"x":[,1]}',
        b'{"time":1,"x":{"a"}}',
        b'{"time":1,"x":{"a":1,}}',
        b'{"time":1,"x":"\\x"}',
        b'{"time":1,"x":"\\u12"}',
        b'{"time":1,"x":"\\u12g4"}',
        b'{"time":1,"x":"a\nb"}',
        b'{"time":1,"x":"a\tb"}',
        b'{"time":1,"x":"\x00"}',
        b'{"time":1,"x":\'a\'}',
        b'{"time":1,"x":[1 2]}',
        b'{"time":1 \x0b}',
        b'{"time":1 \xc2\xa0}',
        b"[]",
        b"1",
        b'"sample"',
        b"null",
    ],
)
def test_invalid_json_is_an_error(bad: bytes) -> None:
    reject(body_of(bad), "row 1")


@pytest.mark.parametrize(
    "raw",
    [
        b"\xff",
        b"\xc0\xaf",  # overlong '/'
        b"\xe0\x80\xaf",  # overlong
        b"\xed\xa0\x80",  # an encoded surrogate
        b"\xf4\x90\x80\x80",  # above U+10FFFF
        b"\xe2\x82",  # cut short
        b"\x80",
        b"\xf8\x88\x80\x80\x80",
    ],
)
def test_invalid_utf8_in_strings_is_an_error(raw: bytes) -> None:
    reject(body_of(sample().replace(b"NO_ALARM", b"A" + raw + b"B")), "'status'", "UTF-8")
    reject(body_of(sample(extra='"x"').replace(b':"x"', b':"' + raw + b'"')), "'extra'")


@pytest.mark.parametrize(
    "escape",
    ["\\ud800", "\\udc00", "\\ud800\\u0041", "\\ud83d\\ud83d", "\\udbff\\ue000", "\\ud800x"],
)
def test_lone_surrogate_escapes_are_errors(escape: str) -> None:
    reject(body_of(sample("string", f'["{escape}"]')), "'value'", "surrogate")


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   ",
        b"[",
        b"[ ",
        b"[" + GOOD,
        b"[" + GOOD + b",",
        b"[" + GOOD + b", ",
        b"[" + GOOD[:-1],
    ],
)
def test_incomplete_bodies_are_errors_at_finish(body: bytes) -> None:
    decoder = SampleDecoder("ch")
    assert decoder.feed(body) == []
    with pytest.raises(DecodeError, match="the body ends"):
        decoder.finish()
    with pytest.raises(RefError):
        reference_decode(body, "ch")


@pytest.mark.parametrize(
    "tail",
    [b"x", b",", b"]", b"[]", b"{}", b" 1", b"\x00", b"\n\n[", b"\xef\xbb\xbf"],
)
def test_data_after_the_array_is_an_error(tail: bytes) -> None:
    message = reject(b"[" + GOOD + b"]\n" + tail, "after the closing ']'", "row 1")
    assert re.search(r"byte \d+", message)


@pytest.mark.parametrize(
    "body", [b"{}", b"x", b"\xef\xbb\xbf[]", b"[1]", b'["x"]', b"[[]]", b"[null]", b"[{}}"]
)
def test_anything_but_an_array_of_objects_is_an_error(body: bytes) -> None:
    reject(body)


def test_trailing_comma_in_the_array_is_an_error() -> None:
    reject(b"[" + GOOD + b",]", "row 1")


def test_excessive_nesting_is_an_error() -> None:
    deep = "[" * 600 + "]" * 600
    with pytest.raises(DecodeError, match="nested deeper"):
        decode_samples(body_of(sample(x=deep)), "ch")
    decode_samples(body_of(sample(x="[" * 500 + "]" * 500)), "ch")


def test_the_message_shows_position_and_context() -> None:
    body = body_of(sample().replace(b'"time":1', b'"time":true'))
    message = reject(body, "row 1", "field 'time'", "expected an integer, got a boolean")
    at = int(re.search(r"byte (\d+)", message).group(1))  # type: ignore[union-attr]
    assert body[at:].startswith(b"true")
    assert repr(body[at - 20 : at + 20]) in message


@pytest.mark.parametrize("body", [SERVER_BODY, MANUAL_BODY])
def test_every_truncation_needs_more_data_or_fails_at_finish(body: bytes) -> None:
    """Cut anywhere, a body decodes to a prefix of its rows, then fails at finish()."""
    full = normalized(table_rows(decode_samples(body, "ch")))
    end = len(body.rstrip())
    for cut in range(len(body) + 1):
        decoder = SampleDecoder("ch", page_size=1)
        pages = decoder.feed(body[:cut])
        rows = [normalized(table_rows(page))[0] for page in pages]
        assert rows == full[: len(rows)]
        if cut < end:
            with pytest.raises(DecodeError, match="the body ends"):
                decoder.finish()
        else:
            assert decoder.finish() is None
            assert len(rows) == len(full)


@pytest.mark.parametrize("body", [SERVER_BODY, MANUAL_BODY])
def test_every_truncated_sample_is_an_error_even_when_closed(body: bytes) -> None:
    """A server that fails mid-stream may still close the array: the cut sample is an error."""
    start = body.index(b"{", 1 + body.index(b"}"))  # the second sample
    for cut in range(start + 1, len(body) - 2):
        assert_agree(body[:cut] + b"}]")


def test_lines_alone_are_not_a_body() -> None:
    reject(SERVER_LINES[0])
    reject(b"\n".join(SERVER_LINES))
