"""Avro binary read in place: the few fields around the records of a Kinetica reply.

The record pages (``records_binary`` of ``/get/records``, the column arrays of
``/execute/sql``) are decoded by :mod:`~arrowtap.connectors.kinetica.wire.codec` straight
from the response body. What surrounds them (the ``gpudb_response`` envelope, a table
name, a schema string, the paging counters, the ``info`` map) is read here, field by
field, without copying the body: :class:`Cursor` walks a :class:`memoryview`.
:func:`avro_string` and :func:`avro_long` write the two primitives a request body is
spliced from.
"""

from __future__ import annotations

from arrowtap.errors import DecodeError

__all__ = ["Cursor", "avro_long", "avro_string"]


class Cursor:
    r"""A position in an Avro binary buffer, reading one field at a time.

    Parameters
    ----------
    buf : bytes-like
        The buffer; read in place.
    pos : int
        Where to start.
    what : str
        What is read, for error messages.

    Raises
    ------
    DecodeError
        From every ``read_*`` method, when the buffer ends early or holds no such value.

    Examples
    --------
    >>> c = Cursor(b"\x04OK\x03\x01", what="demo")
    >>> c.read_string(), c.read_long(), c.read_bool()
    ('OK', -2, True)
    """

    def __init__(self, buf: bytes | bytearray | memoryview, pos: int = 0, what: str = "") -> None:
        self.view = memoryview(buf).cast("B")
        self.pos = pos
        self.what = what

    def _fail(self, message: str) -> DecodeError:
        return DecodeError(f"Kinetica {self.what}: {message} at byte {self.pos}")

    def read_long(self) -> int:
        """An Avro ``int`` or ``long`` (zig-zag varint)."""
        view, pos, shift, value = self.view, self.pos, 0, 0
        while True:
            if pos >= len(view):
                raise self._fail("body ends inside a number")
            byte = view[pos]
            pos += 1
            value |= (byte & 0x7F) << shift
            if not byte & 0x80:
                break
            shift += 7
            if shift > 63:
                raise self._fail("varint longer than 10 bytes")
        self.pos = pos
        return (value >> 1) ^ -(value & 1)

    def read_bool(self) -> bool:
        """An Avro ``boolean``."""
        if self.pos >= len(self.view) or self.view[self.pos] > 1:
            raise self._fail("not a boolean")
        self.pos += 1
        return bool(self.view[self.pos - 1])

    def read_view(self) -> memoryview:
        """An Avro ``bytes``, as a view into the buffer."""
        n = self.read_long()
        if n < 0 or self.pos + n > len(self.view):
            raise self._fail(f"a length of {n} runs past the end of the body")
        self.pos += n
        return self.view[self.pos - n : self.pos]

    def read_string(self) -> str:
        """An Avro ``string``."""
        raw = self.read_view()
        try:
            return str(raw, "utf-8")
        except UnicodeDecodeError as exc:
            raise self._fail(f"a string is not UTF-8 ({exc.reason})") from exc

    def _blocks(self) -> int:
        """The item count of the next block of an array or map (0 at its end)."""
        count = self.read_long()
        if count < 0:
            count = -count
            self.read_long()  # the block's byte size
        return count

    def read_strings(self) -> list[str]:
        """An Avro ``array<string>``."""
        out: list[str] = []
        while count := self._blocks():
            out.extend(self.read_string() for _ in range(count))
        return out

    def read_string_map(self) -> dict[str, str]:
        """An Avro ``map<string>`` (``options``, ``info``)."""
        out: dict[str, str] = {}
        while count := self._blocks():
            for _ in range(count):
                key = self.read_string()
                out[key] = self.read_string()
        return out

    def skip_strings(self) -> int:
        """Skip an ``array<string>`` (or ``array<bytes>``); return its length."""
        n = 0
        while count := self._blocks():
            for _ in range(count):
                self.read_view()
            n += count
        return n


def avro_long(value: int) -> bytes:
    r"""The Avro binary of an ``int`` or ``long``.

    Examples
    --------
    >>> avro_long(-1), avro_long(64)
    (b'\x01', b'\x80\x01')
    """
    z = (value << 1) ^ (value >> 63)
    out = bytearray()
    while z >= 0x80:
        out.append((z & 0x7F) | 0x80)
        z >>= 7
    out.append(z)
    return bytes(out)


def avro_string(text: str) -> bytes:
    r"""The Avro binary of a ``string``.

    Examples
    --------
    >>> avro_string("t1")
    b'\x04t1'
    """
    raw = text.encode()
    return avro_long(len(raw)) + raw
