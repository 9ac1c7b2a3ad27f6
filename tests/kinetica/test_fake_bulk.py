"""Bulk loading the fake Kinetica from Arrow, and running it as a process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any

import httpx
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arrowtap.connectors.kinetica.wire.envelope import decode_response, encode_request
from arrowtap.connectors.kinetica.wire.types import KineticaColumn, KineticaType
from arrowtap.testing.kinetica import FakeKinetica
from arrowtap.testing.kinetica.__main__ import BENCH_COLUMNS, bench_table
from arrowtap.testing.kinetica.bulk import encode_framed
from arrowtap.testing.kinetica.rowcodec import RowCodec, frame

VALUES: dict[str, tuple[pa.DataType, st.SearchStrategy[Any]]] = {
    "int": (pa.int32(), st.integers(-(2**31), 2**31 - 1)),
    "long": (pa.int64(), st.integers(-(2**63), 2**63 - 1)),
    "float": (pa.float32(), st.floats(width=32, allow_nan=False)),
    "double": (pa.float64(), st.floats(allow_nan=False)),
    "string": (pa.string(), st.text(max_size=300)),
    "bytes": (pa.binary(), st.binary(max_size=300)),
}


@st.composite
def tables(draw: st.DrawFn) -> tuple[pa.Table, KineticaType]:
    bases = draw(st.lists(st.sampled_from(sorted(VALUES)), min_size=1, max_size=6))
    n = draw(st.integers(0, 40))
    columns, arrays = [], []
    for i, base in enumerate(bases):
        nullable = draw(st.booleans())
        arrow, values = VALUES[base]
        items = values | st.none() if nullable else values
        columns.append(KineticaColumn(f"c{i}", base, ("nullable",) if nullable else ()))
        arrays.append(pa.array(draw(st.lists(items, min_size=n, max_size=n)), type=arrow))
    table = pa.table(arrays, names=[c.name for c in columns])
    if n > 2 and draw(st.booleans()):
        table = table.slice(1, n - 2)  # arrays with an offset
    return table, KineticaType(tuple(columns))


@settings(max_examples=150, deadline=None)
@given(tables())
def test_bulk_encoding_is_byte_identical_to_fastavro(case: tuple[pa.Table, KineticaType]) -> None:
    table, ktype = case
    codec = RowCodec(ktype)
    assert encode_framed(table, ktype) == [frame(codec.encode(r)) for r in table.to_pylist()]


def test_bulk_load_with_kinetica_types_serves_the_same_rows(fake: FakeKinetica) -> None:
    data = bench_table(70_000)  # more than one encoding chunk
    fake.create_table("bench", BENCH_COLUMNS)
    assert fake.insert_arrow("bench", data) == 70_000
    table = fake.table("bench")
    for i in (0, 1, 65_535, 65_536, 69_999):
        row = table.codec.decode(table.row(i))
        assert row["id"] == i
        assert row["sym"] == f"S{i % 100}"
        assert row["ts"] == 1_700_000_000_000 + i * 1000
        assert row["note"] == ("note" if i % 3 == 0 else None)
    body = encode_request("/get/records", {"table_name": "bench", "offset": 69_990, "limit": 100})
    reply = decode_response(
        "/get/records", httpx.post(fake.url + "/get/records", content=body).content
    )
    assert len(reply.data["records_binary"]) == 10
    assert reply.data["total_number_of_records"] == 70_000


def test_bulk_load_checks_values(fake: FakeKinetica) -> None:
    fake.create_table("t", [("s", "string", "char4")])
    with pytest.raises(ValueError, match="'s'"):
        fake.insert_arrow("t", pa.table({"s": ["toolong"]}))


def test_runs_as_a_process_and_stops_on_sigterm() -> None:
    cmd = [
        sys.executable,
        "-m",
        "arrowtap.testing.kinetica",
        "--port",
        "0",
        "--monitor-port",
        "0",
        "--rows",
        "50",
    ]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
    ) as proc:
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline().split()
            assert line[0] == "READY"
            assert line[1].startswith("http=")
            assert line[2].startswith("zmq=tcp://127.0.0.1:")
            assert line[3] == "login=none"  # no --username: any request is accepted
            url = line[1].removeprefix("http=")
            body = encode_request("/show/table", {"table_name": "bench"})
            reply = decode_response(
                "/show/table", httpx.post(url + "/show/table", content=body).content
            )
            assert reply.data["sizes"] == [50]
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=30) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
