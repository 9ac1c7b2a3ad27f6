"""Rows of a fake Kinetica table: Avro binary one way, Python dicts the other.

The fake keeps every row as the bytes it was sent, *framed*: the Avro ``long``
length followed by the row, which is exactly one item of an ``array<bytes>``. A page of
``/get/records`` is then the item count, a join of framed rows, and the closing zero.
Decoded values are only needed for filters, sorting, SQL and key checks; a whole list
of framed rows decodes in one fastavro call, because an ``array<bytes>`` whose items are
records reads as an ``array`` of records with a leading ``long``.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from typing import Any

import fastavro

from arrowtap.connectors.kinetica.wire.types import KineticaType, format_type

__all__ = ["RowCodec", "array_of_framed", "frame", "unframe", "write_long"]


def write_long(value: int) -> bytes:
    r"""An Avro ``long``: zigzag, then base-128 little-endian groups.

    Examples
    --------
    >>> write_long(0), write_long(-1), write_long(64), write_long(300)
    (b'\x00', b'\x01', b'\x80\x01', b'\xd8\x04')
    """
    n = (value << 1) ^ (value >> 63)
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def frame(row: bytes) -> bytes:
    r"""`row` as one item of an Avro ``array<bytes>``: its length, then itself.

    Examples
    --------
    >>> frame(b"ab")
    b'\x04ab'
    """
    return write_long(len(row)) + row


def unframe(framed: bytes) -> bytes:
    """The row inside a framed item (the inverse of :func:`frame`).

    Examples
    --------
    >>> unframe(frame(b"xyz"))
    b'xyz'
    """
    pos = 0
    while framed[pos] & 0x80:
        pos += 1
    return framed[pos + 1 :]


def array_of_framed(framed: Sequence[bytes]) -> bytes:
    r"""An Avro ``array<bytes>`` of already framed items: count, items, end.

    Examples
    --------
    >>> array_of_framed([frame(b"a"), frame(b"bc")])
    b'\x04\x02a\x04bc\x00'
    >>> array_of_framed([])
    b'\x00'
    """
    if not framed:
        return b"\x00"
    return b"".join((write_long(len(framed)), *framed, b"\x00"))


class RowCodec:
    """Encode and decode the rows of one Kinetica type with fastavro.

    Parameters
    ----------
    ktype : KineticaType
        The table's type.

    Examples
    --------
    >>> from arrowtap.connectors.kinetica.wire.types import KineticaColumn, KineticaType
    >>> codec = RowCodec(KineticaType((KineticaColumn("i", "int"), KineticaColumn("s", "string"))))
    >>> row = codec.encode({"i": 7, "s": "x"})
    >>> codec.decode(row)
    {'i': 7, 's': 'x'}
    >>> codec.decode_framed([frame(row), frame(row)])
    [{'i': 7, 's': 'x'}, {'i': 7, 's': 'x'}]
    """

    def __init__(self, ktype: KineticaType) -> None:
        self.ktype = ktype
        self.definition, self.properties = format_type(ktype)
        doc = json.loads(self.definition)
        self.schema = fastavro.parse_schema(doc)
        framed_fields = [{"name": "_len", "type": "long"}, *doc["fields"]]
        items = {"type": "record", "name": "framed_row", "fields": framed_fields}
        self._framed = fastavro.parse_schema({"type": "array", "items": items})

    def encode(self, values: dict[str, Any]) -> bytes:
        """One row, Avro binary."""
        out = io.BytesIO()
        fastavro.schemaless_writer(out, self.schema, values)
        return out.getvalue()

    def decode(self, row: bytes) -> dict[str, Any]:
        """One row's values; :class:`ValueError` if the bytes are not exactly one row."""
        buf = io.BytesIO(row)
        try:
            values = fastavro.schemaless_reader(buf, self.schema, None)
        except (EOFError, ValueError, TypeError, IndexError, UnicodeDecodeError) as exc:
            raise ValueError(f"record does not decode with the table type: {exc!r}") from exc
        if buf.tell() != len(row):
            raise ValueError(f"record has {len(row) - buf.tell()} bytes past its last column")
        if not isinstance(values, dict):  # pragma: no cover - a record schema gives a dict
            raise ValueError("record does not decode to a record")
        return values

    def decode_framed(self, framed: Sequence[bytes]) -> list[dict[str, Any]]:
        """The values of many framed rows, in one decoder call."""
        if not framed:
            return []
        rows = fastavro.schemaless_reader(io.BytesIO(array_of_framed(framed)), self._framed, None)
        assert isinstance(rows, list)
        for row in rows:
            del row["_len"]
        return rows
