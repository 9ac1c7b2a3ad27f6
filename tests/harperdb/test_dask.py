"""Tables on Dask against the real server: ranges of updated time, read and synced."""

from __future__ import annotations

import bisect
import itertools
import json
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pyarrow.parquet as pq
import pytest

import arrowtap as hdb
from arrowtap.checkpoint import open_checkpoint
from arrowtap.connectors.harperdb.dask import read_harperdb, sync_harperdb
from arrowtap.connectors.harperdb.table import CHECKPOINT_NAME
from arrowtap.connectors.harperdb.table_source import is_complete
from arrowtap.errors import CheckpointError, InvalidArgumentError
from arrowtap.io import offsets
from arrowtap.io.sink import ParquetDatasetSink, partition_dirname
from arrowtap.testing.harperdb import HarperDBServer

from .test_read import upsert


def fill(server: HarperDBServer, database: str, table: str, sizes: list[int]) -> None:
    """One upsert per size (each gives its rows one updated time), keys numbered on."""
    start = 0
    for size in sizes:
        records = [
            {"id": i, "v": [i, "x", {"k": i}, None][i % 4]} for i in range(start, start + size)
        ]
        upsert(server, database, table, records)
        start += size


def in_order(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["__updatedtime__", "id"], ignore_index=True)


def test_a_dask_read_equals_read_harperdb_dtypes_included(
    harperdb_server: HarperDBServer, database: str, make_table: Any, creds: dict[str, Any]
) -> None:
    table = make_table()
    fill(harperdb_server, database, table, [6, 1, 9, 4, 5])
    args = (harperdb_server.url, database, table)
    ddf = read_harperdb(*args, npartitions=4, page_size=3, **creds)
    whole = hdb.read_harperdb(*args, **creds)
    pd.testing.assert_series_equal(ddf.dtypes, whole.dtypes)
    parts = [ddf.partitions[i].compute() for i in range(ddf.npartitions)]
    assert ddf.npartitions == 4
    for part in parts:
        pd.testing.assert_series_equal(part.dtypes, whole.dtypes)  # empty ones too
    # Disjoint ranges, in order, together the whole table.
    times = [p["__updatedtime__"] for p in parts if len(p)]
    assert all(a.max() < b.min() for a, b in itertools.pairwise(times))
    pd.testing.assert_frame_equal(in_order(pd.concat(parts)), in_order(whole))
    since = whole["__updatedtime__"].iloc[10]
    later = read_harperdb(*args, since=since, npartitions=3, **creds).compute()
    expected = whole[whole["__updatedtime__"] >= since]
    pd.testing.assert_frame_equal(in_order(later), in_order(expected))


def test_a_date_updated_time_is_cut_by_the_millisecond(
    harperdb_server: HarperDBServer, database: str, make_table: Any, creds: dict[str, Any]
) -> None:
    attributes = [
        {"name": "id", "type": "String"},
        {"name": "changed", "type": "Date", "assignUpdatedTime": True, "indexed": True},
    ]
    table = make_table(attributes=attributes)
    for batch in range(4):
        upsert(harperdb_server, database, table, [{"id": f"r{batch}{i}"} for i in range(3)])
    args = (harperdb_server.url, database, table)
    ddf = read_harperdb(*args, npartitions=3, **creds)
    whole = hdb.read_harperdb(*args, **creds)
    computed = ddf.compute()
    assert str(computed["changed"].dtype) == "datetime64[ms, UTC]"
    key = ["changed", "id"]
    pd.testing.assert_frame_equal(
        computed.sort_values(key, ignore_index=True), whole.sort_values(key, ignore_index=True)
    )


def test_a_table_without_an_updated_time_is_one_partition(
    harperdb_server: HarperDBServer,
    database: str,
    make_table: Any,
    creds: dict[str, Any],
    tmp_path: Path,
) -> None:
    table = make_table(attributes=[{"name": "id", "type": "Int"}, {"name": "x", "type": "Float"}])
    upsert(harperdb_server, database, table, [{"id": i, "x": i / 2} for i in range(5)])
    args = (harperdb_server.url, database, table)
    ddf = read_harperdb(*args, npartitions=4, **creds)
    assert ddf.npartitions == 1
    assert ddf.compute()["id"].tolist() == list(range(5))
    with pytest.raises(InvalidArgumentError, match="no updated-time attribute"):
        read_harperdb(*args, since=0, **creds)
    with pytest.raises(InvalidArgumentError, match="no updated-time attribute"):
        sync_harperdb(*args, to=tmp_path / "out", **creds)
    assert not (tmp_path / "out").exists()


def written_ids(to: Path) -> list[Any]:
    return sorted(json.loads(v) for v in pq.read_table(to)["id"].to_pylist())


def test_a_dask_sync_keeps_its_ranges_and_new_rows_land_in_the_last(
    harperdb_server: HarperDBServer,
    database: str,
    make_table: Any,
    creds: dict[str, Any],
    tmp_path: Path,
) -> None:
    table = make_table()
    fill(harperdb_server, database, table, [5, 7, 3, 6])
    args = (harperdb_server.url, database, table)
    to = tmp_path / "out"
    first = sync_harperdb(*args, to=to, npartitions=3, page_size=4, **creds)
    assert first.rows == 21
    keys = sorted(part.key for part in first.partitions)
    assert keys == [f"harperdb:{database}.{table}@{i}" for i in range(3)]
    section = f"harperdb:{database}.{table}#plan"
    with open_checkpoint(tmp_path / "out.checkpoint.sqlite", CHECKPOINT_NAME) as store:
        plan = store.read_json(section)
    assert plan["cursor"] == "__updatedtime__"
    assert len(plan["bounds"]) == 3

    again = sync_harperdb(*args, to=to, npartitions=5, **creds)  # the stored cut wins
    assert again.rows == 0
    assert sorted(part.key for part in again.partitions) == keys

    upsert(harperdb_server, database, table, [{"id": 2, "v": "new"}, {"id": 100, "v": 1}])
    third = sync_harperdb(*args, to=to, **creds)
    assert third.rows == 2
    by_key = {part.key: part.rows for part in third.partitions}
    assert by_key == {keys[0]: 0, keys[1]: 0, keys[2]: 2}, "changes land in the last range"
    last = pq.read_table(to / partition_dirname(keys[2]))
    assert {"2", "100"} <= set(last["id"].to_pylist())
    assert written_ids(to) == sorted([*range(21), 2, 100])
    with open_checkpoint(tmp_path / "out.checkpoint.sqlite", CHECKPOINT_NAME) as store:
        assert store.read_json(section) == plan
        states = {key: offsets.load(store, key) for key in keys}
    # Every page written is committed; a range the upserts' times left empty has neither.
    sink = ParquetDatasetSink(to)
    assert {k: s.seq for k, s in states.items()} == {k: len(sink.pages(k)) for k in keys}
    assert states[keys[0]].seq > 0, "the first range holds the earliest rows"
    # The closed ranges read to their end say so; the last, open one never does.
    done = [is_complete(states[k].offset) for k in keys]
    assert done == [states[k].seq > 0 for k in keys[:2]] + [False]

    bodies: list[dict[str, Any]] = []

    def keep(request: httpx.Request) -> None:
        bodies.append(json.loads(request.content))

    with httpx.Client(event_hooks={"request": [keep]}) as client:
        assert sync_harperdb(*args, to=to, client=client, **creds).rows == 0
    assert asked_ranges(bodies, plan["bounds"]) == {i for i in range(3) if not done[i]}


def asked_ranges(bodies: list[dict[str, Any]], bounds: list[float]) -> set[int]:
    """The ranges whose rows a sync asked for: by the lower end of each search's range."""
    asked = set()
    for body in bodies:
        for condition in body.get("conditions", []):
            if condition["search_type"] == "between":
                asked.add(bisect.bisect_right(bounds, condition["search_value"][0]) - 1)
    return asked


def test_an_empty_table_is_cut_when_it_has_rows(
    harperdb_server: HarperDBServer,
    database: str,
    make_table: Any,
    creds: dict[str, Any],
    tmp_path: Path,
) -> None:
    table = make_table()
    args = (harperdb_server.url, database, table)
    to = tmp_path / "out"
    assert sync_harperdb(*args, to=to, npartitions=2, **creds).rows == 0
    section = f"harperdb:{database}.{table}#plan"
    with open_checkpoint(tmp_path / "out.checkpoint.sqlite", CHECKPOINT_NAME) as store:
        assert store.read_json(section) is None
    fill(harperdb_server, database, table, [3, 4])
    assert sync_harperdb(*args, to=to, npartitions=2, **creds).rows == 7
    with open_checkpoint(tmp_path / "out.checkpoint.sqlite", CHECKPOINT_NAME) as store:
        assert len(store.read_json(section)["bounds"]) == 2
    assert written_ids(to) == list(range(7))


def test_a_plan_section_of_another_kind_is_refused(
    harperdb_server: HarperDBServer,
    database: str,
    make_table: Any,
    creds: dict[str, Any],
    tmp_path: Path,
) -> None:
    table = make_table()
    fill(harperdb_server, database, table, [2])
    ckpt = tmp_path / "c.db"
    section = f"harperdb:{database}.{table}#plan"
    with open_checkpoint(ckpt, CHECKPOINT_NAME) as store:
        offsets.record(store, {section: {"cursor": "changed", "wire": "iso", "bounds": ["x"]}})
    with pytest.raises(CheckpointError, match="#plan"):
        sync_harperdb(
            harperdb_server.url, database, table, to=tmp_path / "o", checkpoint=ckpt, **creds
        )
