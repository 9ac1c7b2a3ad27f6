"""Kinetica table-monitor insert messages -> rows: the official client's decode vs arrowtap's.

A table monitor publishes one message per insert, one Avro record per frame
(``kinetica.md`` §4.2). ``GPUdbTableMonitor.Client`` decodes each frame on its own and
hands the callback a dict: ``dict(GPUdbRecord.decode_binary_data(record_type,
frame)[0])``, with ``record_type = RecordType.from_type_schema("", schema, {})``
(§4.3). This benchmark runs that very loop with gpudb's own functions (the Client
itself needs a live server and a thread per event kind; its decode is this loop), and
arrowtap's path, a whole message decoded into Arrow columns at once
(:func:`~arrowtap.connectors.kinetica.wire.codec.decode_list`, then the wire values to the
table's Arrow types). Both decode the same frames (default: 1,000 messages of 1,000
rows of a 6-column table), in one process, best of ``--repeat`` runs. With
``--zmq`` the frames first travel from the fake server's PUB socket to a SUB socket
over TCP loopback (as published; the transfer is not timed).

The last line is ``RESULT speedup=<official time / arrowtap time>``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from arrowtap.connectors.kinetica.wire.codec import decode_list, encode_rows
from arrowtap.connectors.kinetica.wire.cursor import Cursor
from arrowtap.connectors.kinetica.wire.types import KineticaColumn, KineticaType, format_type
from arrowtap.connectors.kinetica.wire.values import arrow_to_wire, wire_to_arrow

KTYPE = KineticaType(
    (
        KineticaColumn("id", "long", ("primary_key",)),
        KineticaColumn("ts", "long", ("timestamp",)),
        KineticaColumn("x", "double"),
        KineticaColumn("y", "float"),
        KineticaColumn("sym", "string", ("char8",)),
        KineticaColumn("note", "string", ("nullable",)),
    )
)


def message_rows(start: int, rows: int) -> pa.RecordBatch:
    """One insert's rows, deterministic."""
    ids = np.arange(start, start + rows, dtype=np.int64)
    sym = pc.binary_join_element_wise("S", pa.array(ids % 500).cast(pa.string()), "")
    text = pc.binary_join_element_wise("note ", pa.array(ids % 97).cast(pa.string()), "")
    note = pc.if_else(pa.array(ids % 3 == 0), pa.scalar(None, pa.string()), text)
    return pa.record_batch(
        {
            "id": ids,
            "ts": pa.array(1_700_000_000_000 + ids).cast(pa.timestamp("ms", tz="UTC")),
            "x": ids * 0.25,
            "y": pa.array((ids % 1000) * 0.5, pa.float32()),
            "sym": sym,
            "note": note,
        }
    )


def frames_of(batch: pa.RecordBatch) -> list[bytes]:
    """The Avro record of each row, one ``bytes`` each (what a monitor message carries)."""
    body = encode_rows(arrow_to_wire(batch, KTYPE), KTYPE)
    cursor, frames = Cursor(body, what="bench"), []
    while count := cursor.read_long():
        for _ in range(abs(count)):
            size = cursor.read_long()
            frames.append(body[cursor.pos : cursor.pos + size])
            cursor.pos += size
    return frames


def official(messages: list[list[bytes]]) -> int:
    """GPUdbTableMonitor.Client's insert decoding: one C call and one dict per frame."""
    from gpudb import GPUdbRecord  # type: ignore[import-untyped]
    from gpudb.protocol import RecordType  # type: ignore[import-untyped]

    definition, _ = format_type(KTYPE)
    record_type = RecordType.from_type_schema(label="", type_schema=definition, properties={})
    delivered = []
    for frames in messages:
        for frame in frames:
            delivered.append(dict(GPUdbRecord.decode_binary_data(record_type, frame)[0]))
    return len(delivered)


def arrowtap_side(messages: list[list[bytes]]) -> int:
    """arrowtap's: a message at a time into Arrow columns of the table's types."""
    rows = 0
    for frames in messages:
        rows += wire_to_arrow(decode_list(frames, KTYPE), KTYPE).num_rows
    return rows


def best(fn: Callable[[Any], int], data: Any, repeat: int) -> tuple[float, int]:
    times, rows = [], 0
    for _ in range(repeat):
        began = time.perf_counter()
        rows = fn(data)
        times.append(time.perf_counter() - began)
    return min(times), rows


def through_zmq(messages: list[list[bytes]]) -> list[list[bytes]]:
    """Publish the messages with the fake server's publisher; receive them on a SUB socket."""
    import zmq

    from arrowtap.testing.kinetica.monitors import Publisher

    pub = Publisher("127.0.0.1", 0, hwm=0)
    monitor = pub.add("bench", "insert", "", {})
    ctx: zmq.Context[Any] = zmq.Context()
    sub = ctx.socket(zmq.SUB)
    sub.setsockopt(zmq.RCVHWM, 0)
    sub.connect(pub.url)
    sub.setsockopt_string(zmq.SUBSCRIBE, monitor.topic_id)
    try:
        assert pub.wait_subscribed(monitor.topic_id)
        received: list[list[bytes]] = []
        for frames in messages:
            pub.inserted("bench", frames)
        while len(received) < len(messages) and sub.poll(10_000):
            received.append(sub.recv_multipart()[1:])
        return received
    finally:
        sub.close(linger=0)
        ctx.term()
        pub.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000, help="insert messages")
    parser.add_argument("--rows", type=int, default=1000, help="rows per message")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side (best taken)")
    parser.add_argument("--zmq", action="store_true", help="receive the frames over ZMQ first")
    args = parser.parse_args(argv)

    messages = [frames_of(message_rows(m * args.rows, args.rows)) for m in range(args.messages)]
    if args.zmq:
        messages = through_zmq(messages)
    total = args.messages * args.rows
    size = sum(len(f) for frames in messages for f in frames)
    print(f"{args.messages} messages x {args.rows} rows, 6 columns, {size / 1e6:.1f} MB of frames")

    # The same frames, decoded by each side, alternating (noisy 2-core machines).
    peer, peer_rows = best(official, messages, args.repeat)
    ours, our_rows = best(arrowtap_side, messages, args.repeat)
    assert peer_rows == our_rows == total, (peer_rows, our_rows, total)
    check = wire_to_arrow(decode_list(messages[0], KTYPE), KTYPE)
    assert check.equals(message_rows(0, args.rows).cast(check.schema)), "arrowtap decoded wrong"
    print(f"official per-frame decode to dicts: {total / peer:12,.0f} rows/s  ({peer:.3f} s)")
    print(f"arrowtap message -> Arrow batch:    {total / ours:12,.0f} rows/s  ({ours:.3f} s)")
    print(f"RESULT speedup={peer / ours:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
