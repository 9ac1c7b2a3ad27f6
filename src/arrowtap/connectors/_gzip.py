"""Big response bodies, inflated by zlib-ng: the same bytes as httpx's, in less time.

A million archive samples are 313 MB of JSON, sent gzip-compressed (11 MB). Inflating
them is a third of what reading them costs, most of it zlib's inflate and CRC-32.
zlib-ng's are about twice as fast (measured in ``docs/performance.md``), so a body
that declares ``Content-Encoding: gzip`` is inflated here from httpx's raw bytes;
any other body is httpx's own. Without the ``zlib_ng`` module installed, the
standard library's ``zlib`` does it, with the same result.

Errors are httpx's: a body that does not inflate raises :class:`httpx.DecodingError`,
which the session translates as it does httpx's own.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from types import ModuleType

import httpx

from arrowtap._transport import PIECE

__all__ = ["iter_body"]

_zlib: ModuleType
try:
    from zlib_ng import zlib_ng as _zlib
except ImportError:  # pragma: no cover - the dependency is declared; a platform may lack it
    _zlib = zlib

_GZIP = 16 + 15  # window bits of a gzip stream (header and trailer checked)


def iter_body(response: httpx.Response, *, inflater: ModuleType | None = None) -> Iterator[bytes]:
    """The decoded body of a streaming response, chunk by chunk.

    Examples
    --------
    >>> import gzip
    >>> raw = httpx.ByteStream(gzip.compress(b'[{"time": 1}]'))
    >>> response = httpx.Response(200, headers={"Content-Encoding": "gzip"}, stream=raw)
    >>> b"".join(iter_body(response))
    b'[{"time": 1}]'
    """
    encoding = response.headers.get("Content-Encoding", "").strip().lower()
    if encoding != "gzip":
        yield from response.iter_bytes()
        return
    module = _zlib if inflater is None else inflater
    stream = module.decompressobj(_GZIP)
    try:
        for chunk in response.iter_raw():
            # Pieces of at most PIECE bytes: memory the allocator hands out again and
            # again, where whole inflated chunks (30 times their size, and more) would
            # take fresh pages from the system; far smaller pieces cost more calls.
            while chunk:
                data = stream.decompress(chunk, PIECE)
                if data:
                    yield data
                chunk = stream.unconsumed_tail
        data = stream.flush()
    except module.error as exc:
        raise httpx.DecodingError(f"gzip body: {exc}", request=response.request) from exc
    if data:
        yield data
