"""Syncs of a table (once, following) and of the cluster status, into Parquet datasets."""

from __future__ import annotations

import json
import pickle
import signal
import threading
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pyarrow.parquet as pq
import pytest

import arrowtap as hdb
from arrowtap.checkpoint import open_checkpoint
from arrowtap.connectors.harperdb.cluster import (
    CHECKPOINT_NAME as STATUS_CHECKPOINT,
)
from arrowtap.connectors.harperdb.cluster import (
    plan_harperdb_cluster_status,
    sync_harperdb_cluster_status,
)
from arrowtap.connectors.harperdb.table import CHECKPOINT_NAME
from arrowtap.connectors.harperdb.table_sync import sync_harperdb
from arrowtap.errors import Interrupted
from arrowtap.io import offsets
from arrowtap.io.contract import Page, Partition
from arrowtap.io.stream import scan
from arrowtap.testing.harperdb import HarperDBCluster, HarperDBServer

from .test_read import upsert


def ids(table: Any) -> list[Any]:
    return sorted(json.loads(v) for v in table["id"].to_pylist())


def test_a_sync_writes_each_change_once_and_continues_after_its_offset(
    harperdb_server: HarperDBServer,
    database: str,
    make_table: Any,
    creds: dict[str, Any],
    tmp_path: Path,
) -> None:
    table = make_table()
    args = (harperdb_server.url, database, table)
    to = tmp_path / "out"
    upsert(harperdb_server, database, table, [{"id": i, "v": i} for i in range(12)])
    first = sync_harperdb(*args, to=to, page_size=5, **creds)
    assert (first.rows, first.pages) == (12, 3)
    assert sync_harperdb(*args, to=to, page_size=5, **creds).rows == 0

    upsert(harperdb_server, database, table, [{"id": 3, "v": 33}, {"id": 12, "v": 12}])
    third = sync_harperdb(*args, to=to, page_size=5, **creds)
    assert third.rows == 2
    written = pq.read_table(to)
    assert ids(written) == sorted([*range(13), 3])  # a log of changes: row 3 twice
    rows = zip(written["id"].to_pylist(), written["v"].to_pylist(), strict=True)
    assert sorted(json.loads(v) for i, v in rows if i == "3") == [3, 33]
    with open_checkpoint(tmp_path / "out.checkpoint.sqlite", CHECKPOINT_NAME) as store:
        state = offsets.load(store, f"harperdb:{database}.{table}")
    assert state.seq == 3 + 1
    assert state.offset["key"] == 12


def test_a_checkpoint_given_open_is_used_and_left_open(
    harperdb_server: HarperDBServer,
    database: str,
    make_table: Any,
    creds: dict[str, Any],
    tmp_path: Path,
) -> None:
    table = make_table()
    upsert(harperdb_server, database, table, [{"id": i} for i in range(4)])
    args = (harperdb_server.url, database, table)
    with open_checkpoint(tmp_path / "shared.db", "mine") as store:
        assert sync_harperdb(*args, to=tmp_path / "out", checkpoint=store, **creds).rows == 4
        assert store.is_active
        assert offsets.load(store, f"harperdb:{database}.{table}").seq == 1
        read = hdb.read_harperdb(*args, checkpoint=store, **creds)
        assert read.data.empty, "a read shares the sync's offsets"
    assert not (tmp_path / "out.checkpoint.sqlite").exists()


class CtrlCWhenPlanning(httpx.BaseTransport):
    """Passes requests on; once ``armed``, Ctrl-C on the next ``describe_table`` (a plan)."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.armed = threading.Event()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.armed.is_set() and json.loads(request.content)["operation"] == "describe_table":
            signal.raise_signal(signal.SIGINT)  # a plan runs in the main thread: raised here
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def test_follow_syncs_new_rows_until_ctrl_c(
    harperdb_server: HarperDBServer,
    database: str,
    make_table: Any,
    creds: dict[str, Any],
    tmp_path: Path,
) -> None:
    table = make_table()
    upsert(harperdb_server, database, table, [{"id": i} for i in range(5)])
    transport = CtrlCWhenPlanning()
    pages: list[int] = []

    def seen(part: Partition, page: Page) -> None:
        pages.append(page.batch.num_rows)
        if len(pages) == 1:  # rows written while the sync follows
            upsert(harperdb_server, database, table, [{"id": i} for i in range(5, 8)])
        if sum(pages) == 8:
            transport.armed.set()

    with httpx.Client(transport=transport) as client, pytest.raises(Interrupted) as info:
        sync_harperdb(
            harperdb_server.url,
            database,
            table,
            to=tmp_path,
            follow=True,
            every=0,
            on_page=seen,
            client=client,
            **creds,
        )
    assert info.value.signal == signal.SIGINT
    assert pages == [5, 3]
    summary = info.value.summary
    assert (summary.rows, summary.pages) == (8, 2)
    assert summary.runs >= 2
    assert ids(pq.read_table(tmp_path)) == list(range(8))
    again = sync_harperdb(harperdb_server.url, database, table, to=tmp_path, **creds)
    assert again.rows == 0


def test_follow_stopped_from_a_callback_keeps_what_was_committed(
    harperdb_server: HarperDBServer,
    database: str,
    make_table: Any,
    creds: dict[str, Any],
    tmp_path: Path,
) -> None:
    table = make_table()
    upsert(harperdb_server, database, table, [{"id": i} for i in range(4)])
    calls: list[int] = []

    def grow_then_stop(part: Partition, page: Page) -> None:
        calls.append(page.batch.num_rows)
        if len(calls) == 1:  # the next run of the follow loop finds these
            upsert(harperdb_server, database, table, [{"id": 10}, {"id": 11}])
        else:
            raise KeyboardInterrupt

    args = (harperdb_server.url, database, table)
    with pytest.raises(Interrupted) as info:
        sync_harperdb(*args, to=tmp_path, follow=True, every=0, on_page=grow_then_stop, **creds)
    assert calls == [4, 2]
    assert info.value.summary.rows == 4  # the runs before the stopped one
    assert ids(pq.read_table(tmp_path)) == [0, 1, 2, 3, 10, 11]  # the stopped run's page stays
    assert sync_harperdb(*args, to=tmp_path, **creds).rows == 0


def test_cluster_status_sync_appends_a_whole_snapshot_per_run(
    harperdb_cluster: HarperDBCluster, tmp_path: Path
) -> None:
    node = harperdb_cluster.nodes[0]
    creds = {"username": node.username, "password": node.password}
    before = pd.Timestamp.now(tz="UTC")
    runs = [sync_harperdb_cluster_status(node.url, to=tmp_path, **creds) for _ in range(2)]
    written = pq.read_table(tmp_path).to_pandas()
    assert [run.rows for run in runs] == [len(written) // 2] * 2
    stamps = sorted(written["snapshot_time"].unique())
    assert len(stamps) == 2
    assert before <= stamps[0] < stamps[1] <= pd.Timestamp.now(tz="UTC")
    for _, snapshot in written.groupby("snapshot_time"):
        system = snapshot[snapshot["database"] == "system"]
        assert system["peer_name"].tolist() == ["node2"]
        assert system["connected"].all()
    key = f"cluster_status:{node.url}"
    beside = tmp_path.with_name(tmp_path.name + ".checkpoint.sqlite")  # to=tmp_path
    with open_checkpoint(beside, STATUS_CHECKPOINT) as store:
        state = offsets.load(store, key)
    assert state.offset == {"snapshot": stamps[1].value}
    assert state.seq == 2


def test_a_cluster_status_plan_travels_without_the_callers_client(
    harperdb_cluster: HarperDBCluster,
) -> None:
    node = harperdb_cluster.nodes[0]
    mine = httpx.Client()
    plan = plan_harperdb_cluster_status(
        node.url,
        columns=["peer_name", "database", "connected"],
        username=node.username,
        password=node.password,
        client=mine,
    )
    fetch = plan.source.fetch  # type: ignore[attr-defined]
    assert node.password not in repr(fetch)
    copy = pickle.loads(pickle.dumps(plan))  # as to another process: it opens its own client
    assert copy.source.fetch.client is None
    assert fetch.client is mine
    mine.close()
    table = scan(copy).read_all()
    assert table.column_names == ["peer_name", "database", "connected"]
    assert "node2" in table["peer_name"].to_pylist()
