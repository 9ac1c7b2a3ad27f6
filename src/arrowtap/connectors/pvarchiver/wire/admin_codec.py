"""The ``~XX`` codec of channel names in administrative API paths.

The administrative API of the Cassandra PV Archiver (port 4812) does not
percent-encode channel names in paths: it uses its own ``CustomUrlCodec``, so
that no web server or proxy on the way decodes (or double-decodes) a name.
The name is converted to UTF-8; the bytes of ``A-Z``, ``a-z``, ``0-9``, ``-``
and ``_`` are kept, every other byte becomes ``~`` and two upper-case
hexadecimal digits. Decoding turns ``~HH`` (either case) back into a byte and
keeps any other ``~`` as it is; characters outside US-ASCII cannot occur in
an encoded name and become ``?`` (as Java's ``getBytes(US_ASCII)`` does).
"""

from __future__ import annotations

import re

__all__ = ["decode_name", "encode_name"]

_KEPT = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
_ESCAPE = re.compile(rb"~([0-9A-Fa-f]{2})")


def encode_name(name: str) -> str:
    """Encode a channel name for an administrative API path.

    Examples
    --------
    >>> encode_name("some test"), encode_name("a/b"), encode_name("süper")
    ('some~20test', 'a~2Fb', 's~C3~BCper')
    >>> encode_name("root:ai1"), encode_name("a.b"), encode_name("ring-1_x")
    ('root~3Aai1', 'a~2Eb', 'ring-1_x')
    """
    out = []
    for byte in name.encode("utf-8", "replace"):
        out.append(chr(byte) if byte in _KEPT else f"~{byte:02X}")
    return "".join(out)


def decode_name(text: str) -> str:
    """Decode a ``~XX``-encoded name exactly as the server does.

    Examples
    --------
    >>> decode_name("s~c3~bcper"), decode_name("~._~1g~a"), decode_name("a~2")
    ('süper', '~._~1g~a', 'a~2')
    """
    raw = text.encode("ascii", "replace")
    decoded = _ESCAPE.sub(lambda m: bytes((int(m[1], 16),)), raw)
    return decoded.decode("utf-8", "replace")
