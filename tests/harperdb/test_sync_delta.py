"""A HarperDB table synced into a Delta table in merge mode: one row per primary key."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from arrowtap.connectors.harperdb.table_sync import sync_harperdb
from arrowtap.io.delta import DeltaSink
from arrowtap.testing.delta import read_delta_table
from arrowtap.testing.harperdb import HarperDBServer

from .test_read import upsert


def test_an_updated_row_is_merged_not_appended(
    harperdb_server: HarperDBServer,
    database: str,
    make_table: Any,
    creds: dict[str, Any],
    tmp_path: Path,
) -> None:
    table = make_table()
    args = (harperdb_server.url, database, table)
    sink = DeltaSink(str(tmp_path / "t"), mode="merge")
    upsert(harperdb_server, database, table, [{"id": i, "v": i} for i in range(6)])
    first = sync_harperdb(*args, to=sink, page_size=4, **creds)
    upsert(harperdb_server, database, table, [{"id": 3, "v": 33}, {"id": 6, "v": 6}])
    second = sync_harperdb(*args, to=sink, page_size=4, **creds)
    assert (first.rows, second.rows) == (6, 2)
    written = read_delta_table(sink.path)
    pairs = zip(written["id"].to_pylist(), written["v"].to_pylist(), strict=True)
    values = {json.loads(i): json.loads(v) for i, v in pairs}
    assert written.num_rows == 7
    assert values == {**{i: i for i in range(7)}, 3: 33}
