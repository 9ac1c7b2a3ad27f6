"""Table reads against a real HarperDB server: paging, ties, offsets, checkpoints, types."""

from __future__ import annotations

import gc
import json
import time
from pathlib import Path
from typing import Any
from unittest.mock import ANY

import pandas as pd
import psutil
import pyarrow as pa
import pytest

import arrowtap as hdb
from arrowtap._pool import close_shared_clients
from arrowtap.checkpoint import open_checkpoint
from arrowtap.connectors.harperdb.table import CHECKPOINT_NAME
from arrowtap.connectors.harperdb.table_source import HarperDBTableSource
from arrowtap.connectors.harperdb.table_sync import sync_harperdb
from arrowtap.errors import DecodeError, InvalidArgumentError, NotFoundError
from arrowtap.io import offsets
from arrowtap.io.reading import Increment
from arrowtap.testing.harperdb import HarperDBServer


def upsert(
    server: HarperDBServer, database: str, table: str, records: list[dict[str, Any]]
) -> None:
    """One upsert: every record gets the same __updatedtime__."""
    body = {"operation": "upsert", "database": database, "table": table, "records": records}
    assert server.operation(body)["upserted_hashes"] == [r["id"] for r in records]


def key_values(frame: pd.DataFrame) -> list[Any]:
    return [json.loads(v) for v in frame["id"]]


def test_rows_sharing_an_update_time_across_pages_are_read_once(
    harperdb_server: HarperDBServer, database: str, make_table: Any, creds: dict[str, Any]
) -> None:
    table = make_table()
    upsert(harperdb_server, database, table, [{"id": i, "v": i} for i in range(25)])
    upsert(harperdb_server, database, table, [{"id": 100 + i, "v": i} for i in range(7)])
    with HarperDBTableSource(harperdb_server.url, database, table, page_size=10, **creds) as source:
        part = source.partition()
        pages = list(source.read(part))
        assert [p.batch.num_rows for p in pages] == [10, 10, 10, 2]
        times = [set(p.batch.column("__updatedtime__").to_pylist()) for p in pages]
        assert len(times[0]) == 1
        assert times[0] == times[1], "pages 1 and 2 share one time"
        ids = [json.loads(v) for p in pages for v in p.batch.column("id").to_pylist()]
        assert ids == [*range(25), *range(100, 107)]
        # Every offset survives JSON exactly and resumes after its page, from a new source.
        for n, page in enumerate(pages):
            offset = json.loads(json.dumps(page.offset))
            assert offset == page.offset
            with HarperDBTableSource(
                harperdb_server.url, database, table, page_size=10, **creds
            ) as again:
                rest = [
                    json.loads(v)
                    for p in again.read(part, offset)
                    for v in p.batch["id"].to_pylist()
                ]
            assert rest == ids[sum(p.batch.num_rows for p in pages[: n + 1]) :]


def test_rows_updated_between_reads_are_read_again(
    harperdb_server: HarperDBServer,
    database: str,
    make_table: Any,
    creds: dict[str, Any],
    tmp_path: Path,
) -> None:
    table = make_table()
    ckpt = tmp_path / "offsets.db"
    upsert(harperdb_server, database, table, [{"id": f"k{i}", "v": i} for i in range(12)])
    args = (harperdb_server.url, database, table)
    with hdb.read_harperdb(*args, checkpoint=ckpt, page_size=5, **creds) as first:
        assert sorted(key_values(first)) == sorted(f"k{i}" for i in range(12))
    again = hdb.read_harperdb(*args, checkpoint=ckpt, **creds)
    assert again.data.empty
    assert again.pending == {}
    assert list(again.data.columns) == list(first.columns)
    assert again.data.dtypes.equals(first.dtypes)

    upsert(harperdb_server, database, table, [{"id": "k3", "v": 33}, {"id": "k7", "v": 77}])
    upsert(harperdb_server, database, table, [{"id": "new", "v": -1}])
    changed = hdb.read_harperdb(*args, checkpoint=ckpt, page_size=2, **creds)
    assert key_values(changed.data) == ["k3", "k7", "new"]
    assert [json.loads(v) for v in changed.data["v"]] == [33, 77, -1]
    body = {"operation": "search_by_value", "database": database, "table": table}
    body |= {"search_attribute": "id", "search_value": "new", "get_attributes": ["*"]}
    (record,) = harperdb_server.operation(body)
    key = f"harperdb:{database}.{table}"
    # Exactly the time the server sent, and two pages of the first read, then two of this one.
    assert changed.pending == {key: {"updated": record["__updatedtime__"], "key": "new"}}
    changed.commit()
    with open_checkpoint(ckpt, CHECKPOINT_NAME) as store:
        state = offsets.load(store, key)
    assert state.offset == {"updated": record["__updatedtime__"], "key": "new"}
    assert state.seq == 3 + 2


def test_an_increment_not_committed_is_read_again(
    harperdb_server: HarperDBServer,
    database: str,
    make_table: Any,
    creds: dict[str, Any],
    tmp_path: Path,
) -> None:
    table = make_table()
    upsert(harperdb_server, database, table, [{"id": i} for i in range(9)])
    ckpt = tmp_path / "offsets.db"
    args = (harperdb_server.url, database, table)

    def store_and_fail() -> None:
        with hdb.read_harperdb(*args, checkpoint=ckpt, **creds) as frame:
            assert len(frame) == 9
            raise RuntimeError("not stored")

    with pytest.raises(RuntimeError, match="not stored"):  # a block that fails commits nothing
        store_and_fail()
    left = hdb.read_harperdb(*args, checkpoint=ckpt, **creds)
    assert len(left.data) == 9
    assert left.pending == {f"harperdb:{database}.{table}": {"updated": ANY, "key": 8}}


def test_a_scan_commits_the_batches_taken(
    harperdb_server: HarperDBServer,
    database: str,
    make_table: Any,
    creds: dict[str, Any],
    tmp_path: Path,
) -> None:
    table = make_table()
    upsert(harperdb_server, database, table, [{"id": i} for i in range(9)])
    ckpt = tmp_path / "offsets.db"
    args = (harperdb_server.url, database, table)
    increment = hdb.scan_harperdb(*args, checkpoint=ckpt, page_size=3, **creds)
    assert isinstance(increment, Increment)
    reader = increment.data
    first, second = reader.read_next_batch(), reader.read_next_batch()
    reader.close()
    assert [json.loads(v) for v in first["id"].to_pylist()] == [0, 1, 2]
    again = hdb.scan_harperdb(*args, checkpoint=ckpt, page_size=3, **creds)
    assert again.data.read_all().num_rows == 9, "nothing committed yet"
    increment.commit()  # the two batches taken, not the third one left in the stream
    rest = hdb.scan_harperdb(*args, checkpoint=ckpt, page_size=3, **creds)
    assert rest.data.read_all()["id"].to_pylist() == ["6", "7", "8"]
    rest.commit()
    assert hdb.read_harperdb(*args, checkpoint=ckpt, **creds).data.empty
    assert second["id"].to_pylist() == ["3", "4", "5"]


def connections_to(port: int) -> int:
    found = psutil.Process().net_connections(kind="tcp")
    return sum(1 for c in found if c.raddr and c.raddr.port == port and c.status == "ESTABLISHED")


def test_an_abandoned_incremental_scan_closes_its_connection(
    harperdb_server: HarperDBServer,
    database: str,
    make_table: Any,
    creds: dict[str, Any],
    tmp_path: Path,
) -> None:
    table = make_table()
    upsert(harperdb_server, database, table, [{"id": i} for i in range(12)])
    port = harperdb_server.ports["ops"]
    close_shared_clients()  # no connection pooled by an earlier test
    before = connections_to(port)
    args = (harperdb_server.url, database, table)
    increment = hdb.scan_harperdb(*args, checkpoint=tmp_path / "c.db", page_size=2, **creds)
    assert increment.data.read_next_batch().num_rows == 2
    assert connections_to(port) == before + 1
    del increment  # its reader still had pages to read
    gc.collect()
    # The abandoned stream gave its connection back to the shared pool: reads reuse it.
    for _ in range(3):
        assert len(hdb.read_harperdb(*args, **creds)) == 12
    assert connections_to(port) == before + 1
    close_shared_clients()
    deadline = time.monotonic() + 10
    while connections_to(port) > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert connections_to(port) == before


def test_since_reads_rows_updated_at_or_after(
    harperdb_server: HarperDBServer, database: str, make_table: Any, creds: dict[str, Any]
) -> None:
    table = make_table()
    upsert(harperdb_server, database, table, [{"id": "old"}])
    upsert(harperdb_server, database, table, [{"id": "new"}])
    everything = hdb.read_harperdb(harperdb_server.url, database, table, **creds)
    cut = everything["__updatedtime__"].iloc[1]
    later = hdb.read_harperdb(harperdb_server.url, database, table, since=cut, **creds)
    assert key_values(later) == ["new"]
    with pytest.raises(InvalidArgumentError, match="naive"):
        hdb.read_harperdb(harperdb_server.url, database, table, since="2024-01-01T00:00", **creds)


def test_dynamic_attributes_are_json_text_unless_declared(
    harperdb_server: HarperDBServer, database: str, make_table: Any, creds: dict[str, Any]
) -> None:
    table = make_table()
    records = [
        {"id": 1, "v": 1.25, "s": "x"},
        {"id": 2, "v": "text", "s": "y"},
        {"id": 3, "v": {"a": [1, None]}},
        {"id": 4, "v": None, "s": "z"},
    ]
    upsert(harperdb_server, database, table, records)
    frame = hdb.read_harperdb(harperdb_server.url, database, table, **creds)
    assert [None if pd.isna(v) else json.loads(v) for v in frame["v"]] == [
        1.25,
        "text",
        {"a": [1, None]},
        None,
    ]
    assert str(frame["v"].dtype) == "string"  # as a Dask read gives JSON text too
    schema = hdb.scan_harperdb(harperdb_server.url, database, table, **creds).schema
    assert isinstance(schema.field("v").type, pa.JsonType)
    assert schema.field("__updatedtime__").type == pa.timestamp("ns", tz="UTC")

    typed = hdb.read_harperdb(
        harperdb_server.url,
        database,
        table,
        columns=["id", "s"],
        schema={"id": pa.int64(), "s": pa.string()},
        **creds,
    )
    assert list(typed.columns) == ["id", "s"]
    assert typed["id"].tolist() == [1, 2, 3, 4]
    assert str(typed["id"].dtype) == "Int64"
    assert typed["s"].tolist()[:2] == ["x", "y"]
    assert pd.isna(typed["s"].iloc[2])
    with pytest.raises(DecodeError, match="'v'"):
        hdb.read_harperdb(harperdb_server.url, database, table, schema={"v": pa.float64()}, **creds)


def test_defined_schema_gives_typed_columns(
    harperdb_server: HarperDBServer, database: str, make_table: Any, creds: dict[str, Any]
) -> None:
    attributes = [
        {"name": "id", "type": "String"},
        {"name": "qty", "type": "Int"},
        {"name": "big", "type": "Long"},
        {"name": "price", "type": "Float"},
        {"name": "ok", "type": "Boolean"},
        {"name": "when", "type": "Date"},
        {"name": "tags", "type": "array", "elements": {"type": "String"}},
        {"name": "doc", "type": "Any"},
        {"name": "__createdtime__", "type": "Float", "indexed": True},
        {"name": "__updatedtime__", "type": "Float", "indexed": True},
    ]
    table = make_table(attributes=attributes)
    row = {"id": "a", "qty": 3, "big": 2**53, "price": 2.5, "ok": True}
    row |= {"when": "2024-01-02T03:04:05.678Z", "tags": ["p", "q"], "doc": {"k": 1}}
    upsert(harperdb_server, database, table, [row, {"id": "b"}])
    frame = hdb.read_harperdb(harperdb_server.url, database, table, **creds)
    dtypes = {name: str(dtype) for name, dtype in frame.dtypes.items()}
    assert dtypes["qty"] == "Int32"
    assert dtypes["big"] == "Int64"
    assert dtypes["ok"] == "boolean"
    assert dtypes["when"] == "datetime64[ms, UTC]"
    assert dtypes["__updatedtime__"] == "datetime64[ns, UTC]"
    first = frame.iloc[0]
    assert first["big"] == 2**53
    assert first["price"] == 2.5
    assert list(first["tags"]) == ["p", "q"]
    assert first["when"] == pd.Timestamp("2024-01-02T03:04:05.678Z")
    assert json.loads(first["doc"]) == {"k": 1}
    assert frame.iloc[1].isna()[["qty", "when", "doc"]].all()


def test_keys_of_mixed_types_page_in_index_order(
    harperdb_server: HarperDBServer, database: str, make_table: Any, creds: dict[str, Any]
) -> None:
    table = make_table()
    keys: list[Any] = [10, 2.5, "a", "10", "B", 11, "é", -3]
    upsert(harperdb_server, database, table, [{"id": k} for k in keys])
    pages = hdb.scan_harperdb(harperdb_server.url, database, table, page_size=3, **creds)
    read = [json.loads(v) for batch in pages for v in batch["id"].to_pylist()]
    assert read == [-3, 2.5, 10, 11, "10", "B", "a", "é"]  # numbers, then strings


def test_table_without_indexed_update_time_is_read_whole_by_key(
    harperdb_server: HarperDBServer,
    database: str,
    make_table: Any,
    creds: dict[str, Any],
    tmp_path: Path,
) -> None:
    table = make_table(attributes=[{"name": "id", "type": "Int"}, {"name": "x", "type": "Float"}])
    upsert(harperdb_server, database, table, [{"id": i, "x": i / 2} for i in range(7)])
    frame = hdb.read_harperdb(harperdb_server.url, database, table, page_size=2, **creds)
    assert frame["id"].tolist() == list(range(7))
    assert list(frame.columns) == ["id", "x"]
    for incremental in ({"checkpoint": tmp_path / "c.db"}, {"since": 0}):
        with pytest.raises(InvalidArgumentError, match="no updated-time attribute"):
            hdb.read_harperdb(harperdb_server.url, database, table, **incremental, **creds)
        with pytest.raises(InvalidArgumentError, match="no updated-time attribute"):
            hdb.scan_harperdb(harperdb_server.url, database, table, **incremental, **creds)
    with pytest.raises(InvalidArgumentError, match="no updated-time attribute"):
        sync_harperdb(harperdb_server.url, database, table, to=tmp_path / "out", **creds)
    assert not (tmp_path / "c.db").exists(), "refused before a checkpoint is opened"


def test_date_updated_time_is_a_cursor_too(
    harperdb_server: HarperDBServer, database: str, make_table: Any, creds: dict[str, Any]
) -> None:
    attributes = [
        {"name": "id", "type": "String"},
        {"name": "changed", "type": "Date", "assignUpdatedTime": True, "indexed": True},
    ]
    table = make_table(attributes=attributes)
    upsert(harperdb_server, database, table, [{"id": f"r{i}"} for i in range(5)])
    upsert(harperdb_server, database, table, [{"id": "last"}])
    reader = hdb.scan_harperdb(harperdb_server.url, database, table, page_size=2, **creds)
    assert reader.schema.field("changed").type == pa.timestamp("ms", tz="UTC")
    read = reader.read_all()["id"].to_pylist()
    assert read == ["r0", "r1", "r2", "r3", "r4", "last"]


def test_empty_table_gives_the_declared_columns(
    harperdb_server: HarperDBServer, database: str, make_table: Any, creds: dict[str, Any]
) -> None:
    table = make_table()
    frame = hdb.read_harperdb(harperdb_server.url, database, table, **creds)
    assert frame.empty
    assert list(frame.columns) == ["id", "__createdtime__", "__updatedtime__"]
    assert str(frame["__createdtime__"].dtype) == "datetime64[ns, UTC]"


def test_unknown_table_and_column_are_named(
    harperdb_server: HarperDBServer, database: str, make_table: Any, creds: dict[str, Any]
) -> None:
    with pytest.raises(NotFoundError, match="nosuch"):
        hdb.read_harperdb(harperdb_server.url, database, "nosuch", **creds)
    table = make_table()
    with pytest.raises(InvalidArgumentError, match="'price'"):
        hdb.read_harperdb(harperdb_server.url, database, table, columns=["id", "price"], **creds)
