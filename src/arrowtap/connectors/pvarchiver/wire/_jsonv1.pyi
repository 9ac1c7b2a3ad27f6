"""Type stub of the compiled JsonV1 sample decoder (sources: ``jsonv1-c/*.c``)."""

from typing import Literal, TypeAlias

ColumnSpec: TypeAlias = tuple[int, int, tuple[bytes | None, ...], ColumnSpec | None]
"""One Arrow array: (length, null_count, buffers, child array or None)."""

ParseError: TypeAlias = tuple[str, str | None, int]
"""(message, field or None, byte position in the buffer parsed)."""

LEVELS: tuple[str, ...]
QUALITIES: tuple[str, ...]
TYPES: tuple[str, ...]
META_TYPES: tuple[str, ...]

class Decoder:
    """Incremental decoder of one JsonV1 samples body into pages of column buffers."""

    def __init__(self) -> None: ...
    @property
    def rows(self) -> int:
        """Rows in the current page."""

    @property
    def state(self) -> Literal["start", "first", "next", "element", "done"]:
        """Where in the array of samples the decoder is."""

    def parse(
        self, buf: bytes | bytearray | memoryview, pos: int, max_rows: int, /
    ) -> tuple[int, ParseError | None]:
        """Decode the complete samples of ``buf[pos:]`` until the page holds max_rows rows."""

    def take(self) -> tuple[int, tuple[ColumnSpec, ...]]:
        """Hand the page over, one spec per column of SAMPLE_SCHEMA after ``channel``."""

def scan_object_end(
    buf: bytes | bytearray | memoryview, pos: int, state: int, /
) -> tuple[int, int, bool]:
    """Follow the nesting of the object that starts ``buf``: (new_pos, new_state, closed)."""
