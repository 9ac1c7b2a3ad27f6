"""Big bodies inflated by zlib-ng (or the standard zlib): the same bytes httpx would give."""

from __future__ import annotations

import gzip
import zlib
from types import ModuleType

import httpx
import pandas as pd
import pytest
from zlib_ng import zlib_ng

import arrowtap
from arrowtap.connectors._gzip import iter_body
from arrowtap.testing.pvarchiver import FakeArchiver

# 2.9 MB of JSON, 0.7 MB gzipped: a chunk of 1 MiB inflates into several pieces.
BODY = (
    b"["
    + b",".join(b'{"time":%d,"x":"%s"}' % (i, b"%x" % (i * 7919)) for i in range(100_000))
    + b"]"
)


def streamed(raw: bytes, cut: int, encoding: str | None) -> httpx.Response:
    """A streaming response whose raw body arrives in pieces of ``cut`` bytes."""
    pieces = [raw[i : i + cut] for i in range(0, len(raw), cut)]
    headers = {"Content-Encoding": encoding} if encoding else {}
    request = httpx.Request("GET", "http://archiver:9812/x")

    class Pieces(httpx.SyncByteStream):
        def __iter__(self):  # type: ignore[no-untyped-def]
            yield from pieces

    return httpx.Response(200, headers=headers, stream=Pieces(), request=request)


@pytest.mark.parametrize("inflater", [zlib_ng, zlib], ids=["zlib-ng", "zlib"])
@pytest.mark.parametrize("cut", [13, 4096, 1 << 20])
def test_a_gzip_body_inflates_to_the_same_bytes(inflater: ModuleType, cut: int) -> None:
    response = streamed(gzip.compress(BODY), cut, "gzip")
    assert b"".join(iter_body(response, inflater=inflater)) == BODY


@pytest.mark.parametrize("encoding", [None, "identity"])
def test_other_bodies_are_httpx_own(encoding: str | None) -> None:
    assert b"".join(iter_body(streamed(BODY, 1000, encoding))) == BODY


def test_a_deflate_body_is_inflated_by_httpx() -> None:
    raw = zlib.compress(BODY)
    assert b"".join(iter_body(streamed(raw, 1000, "deflate"))) == BODY


@pytest.mark.parametrize("inflater", [zlib_ng, zlib], ids=["zlib-ng", "zlib"])
def test_a_body_that_does_not_inflate_is_a_decoding_error(inflater: ModuleType) -> None:
    raw = bytearray(gzip.compress(BODY))
    raw[len(raw) // 2 : len(raw) // 2 + 16] = bytes(16)  # damaged in the middle
    with pytest.raises(httpx.DecodingError, match="gzip body"):
        b"".join(iter_body(streamed(bytes(raw), 4096, "gzip"), inflater=inflater))


def test_a_read_is_the_same_with_and_without_gzip() -> None:
    start, end = pd.Timestamp(0, tz="UTC"), pd.Timestamp("2100-01-01", tz="UTC")
    with FakeArchiver() as fake, httpx.Client(headers={"Accept-Encoding": "identity"}) as plain:
        gzipped = arrowtap.read_archive_samples(fake.url, "*", start, end)
        identity = arrowtap.read_archive_samples(fake.url, "*", start, end, client=plain)
        name = gzipped["channel"].iloc[0]
        with httpx.Client() as client:  # what the read sent: httpx accepts gzip by default
            answer = client.get(f"{fake.url}/archive/1/samples/{name}?start=0&end={2**62}")
        assert answer.headers["Content-Encoding"] == "gzip"
    assert len(gzipped) > 0
    pd.testing.assert_frame_equal(gzipped, identity)
