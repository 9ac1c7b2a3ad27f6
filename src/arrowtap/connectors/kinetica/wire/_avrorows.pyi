"""Type stub of the compiled Kinetica record codec (sources: ``avro-c/*.c``)."""

from collections.abc import Sequence
from typing import TypeAlias

BytesLike: TypeAlias = bytes | bytearray | memoryview

class Chunk:
    """Read-only bytes of one decoded column buffer (buffer protocol)."""

ColumnSpec: TypeAlias = tuple[int, Chunk | None, Chunk, Chunk | None]
"""One column: (null_count, validity or None, values, offsets or None)."""

EncodeColumn: TypeAlias = tuple[object, object, object, int]
"""One column to encode: (validity or None, values, offsets or None, array offset)."""

def decode_rows(
    buf: BytesLike, pos: int, layout: bytes, /
) -> tuple[tuple[int, int], tuple[ColumnSpec, ...]]:
    """Decode the Avro array<bytes> of records at buf[pos]: ((end, nrows), columns)."""

def decode_list(records: Sequence[bytes], layout: bytes, /) -> tuple[int, tuple[ColumnSpec, ...]]:
    """Decode one record per bytes object: (nrows, columns)."""

def decode_arrays(
    buf: BytesLike, pos: int, layout: bytes, /
) -> tuple[tuple[int, tuple[int, ...]], tuple[ColumnSpec, ...]]:
    """Decode one Avro array per column at buf[pos]: ((end, lengths), columns)."""

def encode_rows(columns: Sequence[EncodeColumn], layout: bytes, nrows: int, /) -> bytes:
    """Encode rows as an Avro array<bytes> of records."""
