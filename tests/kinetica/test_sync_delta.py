"""A Kinetica table synced into a Delta table: appended, or merged on its primary key."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

import arrowtap
from arrowtap.io.delta import DeltaSink
from arrowtap.testing.delta import read_delta_table
from arrowtap.testing.kinetica import FakeKinetica


def _table(fake: FakeKinetica) -> None:
    fake.create_table(
        "t", [("id", "long", "primary_key"), ("updated", "long"), ("x", "double", "nullable")]
    )
    fake.insert("t", [{"id": i, "updated": i, "x": i / 2} for i in range(5)])


def _upsert(fake: FakeKinetica) -> None:
    # An upsert that moves the row's increasing column on, as an "updated" stamp does.
    data = pa.table({"id": [2], "updated": [10], "x": [99.0]})
    arrowtap.write_kinetica(data, fake.url, "t", mode="upsert")


def test_merge_mode_keeps_the_latest_row_of_each_primary_key(tmp_path: Path) -> None:
    sink = DeltaSink(str(tmp_path / "t"), mode="merge")
    with FakeKinetica() as fake:
        _table(fake)
        first = arrowtap.sync_kinetica(fake.url, "t", to=sink, increasing_column="updated")
        _upsert(fake)
        second = arrowtap.sync_kinetica(fake.url, "t", to=sink, increasing_column="updated")
    assert (first.rows, second.rows) == (5, 1)
    written = read_delta_table(sink.path).sort_by("id").to_pydict()
    assert written["id"] == [0, 1, 2, 3, 4]
    assert written["x"] == [0.0, 0.5, 99.0, 1.5, 2.0]


def test_append_mode_keeps_every_version(tmp_path: Path) -> None:
    path = tmp_path / "t"
    with FakeKinetica() as fake:
        _table(fake)
        arrowtap.sync_kinetica(fake.url, "t", to=f"delta:{path}", increasing_column="updated")
        _upsert(fake)
        arrowtap.sync_kinetica(fake.url, "t", to=f"delta:{path}", increasing_column="updated")
    written = read_delta_table(path)
    assert sorted(written["id"].to_pylist()) == [0, 1, 2, 2, 3, 4]
