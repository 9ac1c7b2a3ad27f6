"""A page of HarperDB records (a JSON array of objects) into one Arrow batch of a declared schema.

msgspec decodes the body in C; pyarrow builds every typed column from the
decoded records in C++ (``RecordBatch.from_pylist`` under a storage schema),
then vectorised kernels convert the wire forms: float epoch ms to
``timestamp[ns]`` (:mod:`~arrowtap.connectors.harperdb.wire.times`), ISO text to
timestamps, Node ``Buffer`` objects to binary. JSON-text columns come from a
second, raw decoding pass (msgspec ``Raw``: the bytes the server sent, not
re-serialised), made only when the schema has such columns.
"""

from __future__ import annotations

import itertools
from typing import Any

import msgspec
import pyarrow as pa
import pyarrow.compute as pc

from arrowtap.connectors.harperdb.wire.client import SYSTEM
from arrowtap.connectors.harperdb.wire.layout import TableLayout, Wire
from arrowtap.connectors.harperdb.wire.times import ms_to_ns_array
from arrowtap.errors import DecodeError

__all__ = ["decode_records", "page_batch", "page_of", "records_batch"]

_BUFFER = pa.struct([("type", pa.string()), ("data", pa.list_(pa.uint8()))])
_RAW = msgspec.json.Decoder(list[dict[str, msgspec.Raw]])
_NULL = msgspec.Raw(b"null")
_NANOS = pa.timestamp("ns", tz="UTC")
_NULL_TEXT = pa.scalar(b"null", pa.binary())


def decode_records(body: bytes, what: str) -> list[dict[str, Any]]:
    """The records of an answer body (a JSON array of objects).

    Examples
    --------
    >>> decode_records(b'[{"id": 1, "t": 1795296443169.9578}]', "demo")
    [{'id': 1, 't': 1795296443169.9578}]
    """
    try:
        records = msgspec.json.decode(body)
    except msgspec.DecodeError as exc:
        raise DecodeError(f"{SYSTEM}: {what}: the answer is not JSON ({exc})") from exc
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise DecodeError(f"{SYSTEM}: {what}: expected an array of records: {body[:200]!r}")
    return records


def _storage(kind: pa.DataType, wire: Wire) -> pa.DataType | None:
    return {"ms": pa.float64(), "iso": pa.string(), "bytes": _BUFFER, "json": None}.get(wire, kind)


def _json_columns(body: bytes, names: list[str]) -> dict[str, pa.Array]:
    raws = _RAW.decode(body)
    found: list[bytes] = []
    for name in names:
        # C-level maps: each record's raw value (or null), as bytes.
        values = map(dict.get, raws, itertools.repeat(name), itertools.repeat(_NULL))
        found.extend(map(bytes, values))
    # Every column in one array (its bytes are parts of the body): one call of each
    # kernel per page, not per column, which is most of a small page's cost.
    text = pa.array(found, pa.binary())
    text = pc.if_else(pc.equal(text, _NULL_TEXT), pa.scalar(None, pa.binary()), text)
    text = text.cast(pa.string())
    n = len(raws)
    return {
        name: pa.ExtensionArray.from_storage(pa.json_(), text.slice(i * n, n))
        for i, name in enumerate(names)
    }


def _buffers(column: pa.Array) -> pa.Array:
    """Node ``{"type": "Buffer", "data": [bytes]}`` objects to a binary array, vectorised."""
    data = pc.struct_field(column, "data")
    lengths = pc.list_value_length(data).fill_null(0).to_numpy(zero_copy_only=False)
    values = data.flatten()
    # Offsets into the values' buffer, which may start at values.offset.
    starts = pa.array([0, *lengths.cumsum()], pa.int32())
    starts = pc.add(starts, pa.scalar(values.offset, pa.int32()))
    validity = column.is_valid().buffers()[1] if column.null_count else None
    return pa.Array.from_buffers(
        pa.binary(), len(column), [validity, starts.buffers()[1], values.buffers()[1]]
    )


def _convert(column: pa.Array, kind: pa.DataType, wire: Wire) -> pa.Array:
    if wire == "ms":
        nanos = ms_to_ns_array(column).view(_NANOS)  # int64 as it is: no cast kernel
        return nanos.cast(kind, safe=False) if nanos.type != kind else nanos
    if wire == "iso":
        return column.cast(kind)
    if wire == "bytes":
        return _buffers(column).cast(kind)
    return column


def _failing_column(records: list[dict[str, Any]], storage: pa.Schema) -> str:
    for field in storage:
        try:
            pa.array([r.get(field.name) for r in records], field.type)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as exc:
            return f"column {field.name!r} ({field.type}): {exc}"
    return "unknown column"


def records_batch(body: bytes, layout: TableLayout, what: str) -> tuple[pa.RecordBatch, Any]:
    """One batch of ``layout.schema`` from a search answer, and its last record.

    Examples
    --------
    >>> from arrowtap.connectors.harperdb.wire.layout import table_layout
    >>> describe = {"hash_attribute": "id", "attributes": [
    ...     {"attribute": "id", "is_primary_key": True},
    ...     {"attribute": "__updatedtime__", "indexed": True}, {"attribute": "v"}]}
    >>> layout = table_layout(describe, "db", "t")
    >>> body = b'[{"id": "a", "__updatedtime__": 1795296443169.9578, "v": {"x": [1, 2.50]}}]'
    >>> batch, last = records_batch(body, layout, "demo")
    >>> batch.to_pylist()[0]["v"], last["__updatedtime__"]
    ('{"x": [1, 2.50]}', 1795296443169.9578)
    """
    records = decode_records(body, what)
    return _batch(records, body, layout, what), records[-1] if records else None


def page_batch(
    body: bytes, layout: TableLayout, what: str, room: int
) -> tuple[pa.RecordBatch, Any, bool]:
    """The first ``room`` records of a search asked for ``room + 1``: batch, last, more.

    The row past ``room`` is a lookahead: it tells that rows follow the page
    without another request, and is dropped (the next page asks for it again).

    Examples
    --------
    >>> from arrowtap.connectors.harperdb.wire.layout import table_layout
    >>> describe = {"hash_attribute": "id", "attributes": [
    ...     {"attribute": "id", "is_primary_key": True},
    ...     {"attribute": "__updatedtime__", "indexed": True}]}
    >>> layout = table_layout(describe, "db", "t")
    >>> body = b'[{"id": "a", "__updatedtime__": 1.5}, {"id": "b", "__updatedtime__": 2.5}]'
    >>> batch, last, more = page_batch(body, layout, "demo", 1)
    >>> batch.num_rows, last, more
    (1, {'id': 'a', '__updatedtime__': 1.5}, True)
    >>> page_batch(body, layout, "demo", 2)[1:]
    ({'id': 'b', '__updatedtime__': 2.5}, False)
    """
    return page_of(decode_records(body, what), body, layout, what, room)


def page_of(
    records: list[dict[str, Any]], body: bytes, layout: TableLayout, what: str, room: int
) -> tuple[pa.RecordBatch, Any, bool]:
    """:func:`page_batch` of ``body`` whose ``records`` were decoded already.

    Examples
    --------
    >>> from arrowtap.connectors.harperdb.wire.layout import table_layout
    >>> layout = table_layout({"hash_attribute": "id", "attributes": [{"attribute": "id"}]},
    ...                       "db", "t", schema={"id": pa.int64()})
    >>> body = b'[{"id": 1}, {"id": 2}]'
    >>> batch, last, more = page_of(decode_records(body, "demo"), body, layout, "demo", 5)
    >>> batch.num_rows, last, more
    (2, {'id': 2}, False)
    """
    batch = _batch(records, body, layout, what)
    if len(records) <= room:
        return batch, records[-1] if records else None, False
    return batch.slice(0, room), records[room - 1] if room else None, True


def _batch(
    records: list[dict[str, Any]], body: bytes, layout: TableLayout, what: str
) -> pa.RecordBatch:
    schema = layout.schema
    storage = pa.schema(
        [
            pa.field(f.name, kind)
            for f, wire in zip(schema, layout.wires, strict=True)
            if (kind := _storage(f.type, wire)) is not None
        ]
    )
    try:
        stored = pa.RecordBatch.from_pylist(records, schema=storage)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as exc:
        raise DecodeError(
            f"{SYSTEM}: {what}: a value does not fit the declared schema: "
            f"{_failing_column(records, storage)}"
        ) from exc
    json_names = [f.name for f, wire in zip(schema, layout.wires, strict=True) if wire == "json"]
    json_columns = _json_columns(body, json_names) if json_names else {}
    arrays = []
    for field, wire in zip(schema, layout.wires, strict=True):
        if wire == "json":
            arrays.append(json_columns[field.name])
            continue
        try:
            arrays.append(_convert(stored.column(field.name), field.type, wire))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise DecodeError(
                f"{SYSTEM}: {what}: column {field.name!r} does not convert to {field.type}: {exc}"
            ) from exc
    return pa.RecordBatch.from_arrays(arrays, schema=schema)
