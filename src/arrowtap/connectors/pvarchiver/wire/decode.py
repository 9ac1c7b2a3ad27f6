"""Decoding of sample response bodies (format "JsonV1") into Arrow record batches.

Pure logic, no I/O: the transport hands over the body of
``GET .../archive/1/samples/<channel>`` in chunks of any size and gets back
pages of :data:`~arrowtap.connectors.pvarchiver.wire.schema.SAMPLE_SCHEMA` rows. The
scan itself is the compiled :mod:`._jsonv1` module; it runs without the GIL, so
threads decoding different channels use different cores.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from arrowtap.connectors.pvarchiver.wire import _jsonv1
from arrowtap.connectors.pvarchiver.wire.schema import (
    DECODED_SCHEMA as SAMPLE_SCHEMA,  # the lossless columns; ``value`` is added after
)
from arrowtap.connectors.pvarchiver.wire.schema import (
    LEVELS,
    META_TYPES,
    QUALITIES,
    TYPES,
)
from arrowtap.errors import DecodeError, InvalidArgumentError

__all__ = ["SampleDecoder", "decode_samples"]

if (_jsonv1.LEVELS, _jsonv1.QUALITIES, _jsonv1.TYPES, _jsonv1.META_TYPES) != (
    LEVELS,
    QUALITIES,
    TYPES,
    META_TYPES,
):  # pragma: no cover - a stale build of the extension
    raise ImportError("arrowtap.connectors.pvarchiver.wire._jsonv1 is out of date; rebuild it")

_CONTEXT = 20
"""Bytes of the body shown on either side of a decoding error."""

_FIELD_TYPES = [field.type for field in SAMPLE_SCHEMA][1:]

_MAX_OFFSET = 2**31 - 1
"""The largest offset of an Arrow string array (int32)."""


_NULLS: dict[tuple[int, int], pa.Array] = {}
"""All-null columns by the ``id`` of their type (one of the schema's, which live as
long as the module) and length: arrays are immutable, so pages share them (the
samples of a scalar channel leave 6 of the 24 columns null, page after page)."""


def _column(typ: pa.DataType, spec: _jsonv1.ColumnSpec) -> pa.Array:
    """A column of the page (``typ`` one of the schema's own type objects)."""
    length, null_count = spec[0], spec[1]
    if null_count != length or not length:
        return _array(typ, spec)
    key = (id(typ), length)
    nulls = _NULLS.get(key)
    if nulls is None:
        if len(_NULLS) >= 256:
            _NULLS.clear()
        nulls = _NULLS[key] = pa.nulls(length, typ)
    return nulls


def _array(typ: pa.DataType, spec: _jsonv1.ColumnSpec) -> pa.Array:
    length, null_count, buffers, child = spec
    children = None if child is None else [_array(typ.value_type, child)]
    return pa.Array.from_buffers(
        typ,
        length,
        [None if buf is None else pa.py_buffer(buf) for buf in buffers],
        null_count,
        children=children,
    )


class SampleDecoder:
    """Incremental decoder of one samples response body into pages of SAMPLE_SCHEMA record batches.

    Parameters
    ----------
    channel : str
        The channel the body belongs to; the value of the ``channel`` column.
    page_size : int, default 65536
        Rows per record batch. Page boundaries depend only on the samples, never
        on how the body was cut into chunks.

    Examples
    --------
    >>> decoder = SampleDecoder("ring:current", page_size=2)
    >>> body = b'[{"time":1,"severity":{"level":"OK","hasValue":true},"status":"NO_ALARM",'
    >>> body += b'"quality":"Original","type":"long","value":[7]}]'
    >>> decoder.feed(body[:50])
    []
    >>> decoder.feed(body[50:])
    []
    >>> page = decoder.finish()
    >>> page.num_rows, page.column("value_long").to_pylist()
    (1, [[7]])
    """

    def __init__(self, channel: str, *, page_size: int = 65_536) -> None:
        if not isinstance(channel, str):
            raise InvalidArgumentError(f"channel must be a str, not {type(channel).__name__}")
        if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1:
            raise InvalidArgumentError(f"page_size must be a positive int, got {page_size!r}")
        try:
            self._channel_utf8 = channel.encode()
        except UnicodeEncodeError as exc:
            raise InvalidArgumentError(f"channel {channel!r} is not valid Unicode") from exc
        if len(self._channel_utf8) * page_size > _MAX_OFFSET:
            raise InvalidArgumentError(
                f"page_size {page_size} too large for a channel name of "
                f"{len(self._channel_utf8)} bytes (32-bit Arrow offsets)"
            )
        self._channel = channel
        self._page_size = page_size
        self._decoder = _jsonv1.Decoder()
        self._pending = bytearray()  # unparsed bytes: a sample cut short by a chunk end
        self._consumed = 0  # body bytes before _pending
        self._scan_pos = 0  # how far scan_object_end followed the sample in _pending
        self._scan_state = 0
        self._wait_for = 0  # or parse again once _pending holds this many bytes
        self._rows_out = 0  # rows in the pages handed over
        self._channel_column: pa.Array | None = None
        self._error: DecodeError | None = None
        self._finished = False

    @property
    def samples_decoded(self) -> int:
        """Samples decoded so far, including those of the page not yet handed over."""
        return self._rows_out + self._decoder.rows

    @property
    def bytes_consumed(self) -> int:
        """Bytes of the body decoded so far (the rest is kept until more arrives)."""
        return self._consumed

    def feed(self, data: bytes | bytearray | memoryview) -> list[pa.RecordBatch]:
        """Decode the next chunk of the body.

        Parameters
        ----------
        data : bytes, bytearray or memoryview
            The next bytes of the body, cut anywhere. They are not kept: a sample
            cut short is copied until the rest arrives.

        Returns
        -------
        list of pyarrow.RecordBatch
            The pages completed by this chunk, each of exactly ``page_size`` rows.

        Raises
        ------
        DecodeError
            If the body is not a valid array of samples.

        Examples
        --------
        >>> SampleDecoder("ring:current").feed(b"[")
        []
        """
        self._check_open()
        view = memoryview(data).cast("B")
        if not self._pending:
            # Decode straight from the caller's buffer; keep only the cut-short tail.
            pages, pos = self._parse(view)
            self._pending = bytearray(view[pos:])
        else:
            self._pending += view
            # The sample cut short is decoded again from its start: wait until it
            # closes, or (to report garbage early) until the bytes kept have doubled,
            # so that many small chunks cost linear, not quadratic, time.
            self._scan_pos, self._scan_state, closed = _jsonv1.scan_object_end(
                self._pending, self._scan_pos, self._scan_state
            )
            if not closed and len(self._pending) < self._wait_for:
                return []
            pages, pos = self._parse(self._pending)
            del self._pending[:pos]  # O(1): a bytearray drops a prefix in place
        self._consumed += pos
        # What is left starts with the '{' of a sample cut short, if anything.
        self._scan_pos = self._scan_state = 0
        self._wait_for = 2 * len(self._pending)
        return pages

    def finish(self) -> pa.RecordBatch | None:
        """Decode what is left and check that the body ended properly.

        Returns
        -------
        pyarrow.RecordBatch or None
            The last, partial page, or ``None`` if no row is left.

        Raises
        ------
        DecodeError
            If the body is incomplete (no closing ``]``, a sample cut short) or has
            anything but whitespace after the closing ``]``.

        Examples
        --------
        >>> decoder = SampleDecoder("ring:current")
        >>> decoder.feed(b"[ ]")
        []
        >>> decoder.finish() is None
        True
        """
        self._check_open()
        self._finished = True
        pages, pos = self._parse(self._pending)
        assert not pages, "feed() hands full pages over"
        self._consumed += pos
        rest = len(self._pending) - pos
        self._pending = bytearray()
        state = self._decoder.state
        if state != "done":
            if rest:
                what = "inside a sample"
            elif state == "start":
                what = "before the opening '['"
            else:
                what = "before the closing ']'"
            end = self._consumed + rest
            self._error = self._decode_error(f"the body ends {what}", None, end, b"")
            raise self._error
        if self._decoder.rows == 0:
            return None
        return self._take()

    def _check_open(self) -> None:
        if self._error is not None:
            raise self._error
        if self._finished:
            raise InvalidArgumentError(f"samples of {self._channel!r}: the decoder is finished")

    def _parse(self, view: memoryview | bytearray) -> tuple[list[pa.RecordBatch], int]:
        pages: list[pa.RecordBatch] = []
        pos = 0
        while True:
            pos, error = self._decoder.parse(view, pos, self._page_size)
            if error is not None:
                message, field, at = error
                near = bytes(view[max(0, at - _CONTEXT) : at + _CONTEXT])
                self._error = self._decode_error(message, field, self._consumed + at, near)
                raise self._error
            if self._decoder.rows < self._page_size:
                return pages, pos
            pages.append(self._take())

    def _take(self) -> pa.RecordBatch:
        rows, specs = self._decoder.take()
        self._rows_out += rows
        columns = [_column(typ, spec) for typ, spec in zip(_FIELD_TYPES, specs, strict=True)]
        return pa.RecordBatch.from_arrays([self._channel_of(rows), *columns], schema=SAMPLE_SCHEMA)

    def _channel_of(self, rows: int) -> pa.Array:
        # Built from buffers: pa.repeat would first load the compute kernels (0.4 s).
        # Every page but the last has page_size rows: that column is built once.
        if self._channel_column is not None:
            return self._channel_column.slice(0, rows)
        name, width = self._channel_utf8, len(self._channel_utf8)
        offsets = np.arange(rows + 1, dtype=np.int32) * np.int32(width)  # not a Python loop
        buffers = [None, pa.py_buffer(offsets), pa.py_buffer(name * rows)]
        column = pa.Array.from_buffers(pa.string(), rows, buffers, 0)
        if rows == self._page_size:
            self._channel_column = column
        return column

    def _decode_error(self, message: str, field: str | None, at: int, near: bytes) -> DecodeError:
        where = f"row {self.samples_decoded}"
        if field is not None:
            where += f", field {field!r}"
        text = f"pvarchiver: samples of channel {self._channel!r}: {message} ({where}, byte {at})"
        if near:
            text += f" near {near!r}"
        return DecodeError(text)


def decode_samples(body: bytes, channel: str) -> pa.Table:
    """Decode a whole samples response body.

    Parameters
    ----------
    body : bytes
        The body of ``GET .../archive/1/samples/<channel>``: a JSON array of samples.
    channel : str
        The channel name, repeated in the ``channel`` column.

    Returns
    -------
    pyarrow.Table
        One row per sample, with schema ``SAMPLE_SCHEMA``.

    Raises
    ------
    DecodeError
        If the body is not a complete, valid array of samples.

    Examples
    --------
    >>> body = (
    ...     b'[{"time":1472910282661419012,"severity":{"level":"OK","hasValue":true},'
    ...     b'"status":"OK","quality":"Interpolated","type":"double","value":[42.99]}]'
    ... )
    >>> table = decode_samples(body, "ring:current")
    >>> table.column("time").cast("int64").to_pylist(), table.column("value_double").to_pylist()
    ([1472910282661419012], [[42.99]])
    """
    decoder = SampleDecoder(channel)
    pages = decoder.feed(body)
    last = decoder.finish()
    if last is not None:
        pages.append(last)
    return pa.Table.from_batches(pages, schema=SAMPLE_SCHEMA)
