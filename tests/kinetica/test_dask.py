"""Kinetica on Dask: tables and queries split by ranges of a column, a table synced by ranges."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest

from arrowtap.checkpoint import open_checkpoint
from arrowtap.connectors.kinetica.dask import read_kinetica, read_kinetica_sql, sync_kinetica
from arrowtap.connectors.kinetica.sql import read_kinetica_sql as read_sql_frame
from arrowtap.connectors.kinetica.table import read_kinetica as read_frame
from arrowtap.errors import CheckpointError, InvalidArgumentError, InvalidTypeError, NotFoundError
from arrowtap.io.offsets import load, record
from arrowtap.testing.kinetica import FakeKinetica

# -- reads of a table -------------------------------------------------------------------


def test_dask_read_by_ranges_of_a_column(people: FakeKinetica) -> None:
    ddf = read_kinetica(people.url, "people", partition_column="id", npartitions=3)
    assert ddf.npartitions == 3
    assert ddf.known_divisions
    assert ddf.divisions == (0, 8, 16, 24)
    df = ddf.compute()
    assert df.index.tolist() == list(range(25))
    assert str(df["age"].dtype) == "Int8"
    part = ddf.get_partition(1).compute()
    assert part.index.tolist() == list(range(8, 16))


def test_dask_read_with_divisions_columns_and_where(fake: FakeKinetica) -> None:
    fake.create_table("t", [("ts", "long", "timestamp"), ("x", "double"), ("s", "string")])
    fake.insert("t", [{"ts": 1000 * i, "x": i / 2, "s": f"s{i}"} for i in range(20)])
    start = pd.Timestamp(0, tz="UTC")
    divisions = [start, "1970-01-01T00:00:05Z", start + pd.Timedelta(seconds=30)]
    ddf = read_kinetica(
        fake.url, "t", columns=["x"], where="x >= 1", partition_column="ts", divisions=divisions
    )
    assert list(ddf.columns) == ["x"]
    assert ddf.divisions[1] == pd.Timestamp("1970-01-01T00:00:05Z")
    df = ddf.compute()
    assert df["x"].tolist() == [i / 2 for i in range(2, 20)]
    assert str(df.index.dtype) == "datetime64[ms, UTC]"
    assert len(ddf.get_partition(0).compute()) == 3


def test_dask_arguments(people: FakeKinetica) -> None:
    before = sum(people.requests.values())
    with pytest.raises(InvalidArgumentError, match="exactly one of npartitions and divisions"):
        read_kinetica(people.url, "people", partition_column="id")
    with pytest.raises(
        InvalidArgumentError, match=r"npartitions must be a positive int \(at most 100000\), not 0"
    ):
        read_kinetica(people.url, "people", partition_column="id", npartitions=0)
    with pytest.raises(TypeError, match="positional"):
        read_kinetica(people.url, "people", ["id"], partition_column="id", npartitions=2)  # type: ignore[misc]
    assert sum(people.requests.values()) == before  # refused before any request
    with pytest.raises(InvalidArgumentError, match="give divisions="):
        read_kinetica(people.url, "people", partition_column="name", npartitions=2)
    with pytest.raises(InvalidArgumentError, match="ascending"):
        read_kinetica(people.url, "people", partition_column="id", divisions=[5, 1])
    with pytest.raises(NotFoundError):
        read_kinetica(people.url, "nope", partition_column="id", npartitions=2)


# -- reads of a query -------------------------------------------------------------------


def test_a_query_split_by_ranges_equals_the_whole_query(people: FakeKinetica) -> None:
    sql = "SELECT id, name, age AS years FROM people WHERE id >= 3;"
    ddf = read_kinetica_sql(people.url, sql, partition_column="id", npartitions=4)
    assert ddf.npartitions == 4
    assert ddf.divisions == (3, 8, 13, 18, 24)
    df = ddf.compute()
    whole = read_sql_frame(people.url, sql).set_index("id")
    pd.testing.assert_frame_equal(df, whole.sort_index())
    assert ddf.get_partition(0).compute().index.tolist() == [3, 4, 5, 6, 7]
    assert people.store.results == {}  # every paging table cleared, the planner's too


def test_a_query_split_at_given_divisions(people: FakeKinetica) -> None:
    sql = "SELECT score, id FROM people"
    ddf = read_kinetica_sql(people.url, sql, partition_column="score", divisions=[0.0, 1.0, 6.0])
    assert ddf.divisions == (0.0, 1.0, 6.0)
    df = ddf.compute()
    assert df.index.tolist() == [i / 4 for i in range(25)]
    assert ddf.get_partition(0).compute()["id"].tolist() == [0, 1, 2, 3]


def test_an_empty_query_is_one_empty_partition(people: FakeKinetica) -> None:
    ddf = read_kinetica_sql(
        people.url,
        "SELECT id, name FROM people WHERE id > 99",
        partition_column="id",
        npartitions=3,
    )
    df = ddf.compute()
    assert df.empty
    assert list(df.columns) == ["name"]
    assert str(df["name"].dtype) == "string"


def test_query_split_arguments(people: FakeKinetica) -> None:
    sql = "SELECT id, name FROM people"
    before = sum(people.requests.values())
    with pytest.raises(InvalidArgumentError, match="exactly one of npartitions and divisions"):
        read_kinetica_sql(people.url, sql, partition_column="id")
    with pytest.raises(InvalidArgumentError, match="cannot be used in an expression"):
        read_kinetica_sql(people.url, sql, partition_column="id; DROP", npartitions=2)
    with pytest.raises(InvalidArgumentError, match="sql must be a non-empty statement"):
        read_kinetica_sql(people.url, " ; ", partition_column="id", npartitions=2)
    with pytest.raises(InvalidTypeError, match="sql must be a str statement, not 3"):
        read_kinetica_sql(people.url, 3, partition_column="id", npartitions=2)  # type: ignore[arg-type]
    assert sum(people.requests.values()) == before
    with pytest.raises(InvalidArgumentError, match=r"partition_column 'name' .* integer or float"):
        read_kinetica_sql(people.url, sql, partition_column="name", npartitions=2)
    with pytest.raises(InvalidArgumentError, match="no column 'age'"):
        read_kinetica_sql(people.url, sql, partition_column="age", npartitions=2)
    assert people.store.results == {}


# -- syncs of a table -------------------------------------------------------------------


def _ids(out: Path) -> list[int]:
    return sorted(pq.read_table(out, columns=["id"])["id"].to_pylist())


def test_a_dask_sync_equals_a_one_shot_read_and_a_rerun_adds_nothing(
    people: FakeKinetica, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    first = sync_kinetica(
        people.url, "people", to=out, increasing_column="id", npartitions=3, page_size=4
    )
    assert first.rows == 25
    assert len(first.partitions) == 3
    again = sync_kinetica(people.url, "people", to=out, increasing_column="id", npartitions=3)
    assert again.rows == 0
    written = pq.read_table(out).to_pandas().sort_values("id", ignore_index=True)
    expected = read_frame(people.url, "people")
    assert written["id"].tolist() == expected["id"].tolist()
    assert written["name"].tolist() == expected["name"].tolist()
    assert written["age"].isna().tolist() == expected["age"].isna().tolist()


def test_the_ranges_of_the_first_run_are_kept_and_new_rows_land_in_the_last(
    people: FakeKinetica, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    first = sync_kinetica(people.url, "people", to=out, increasing_column="id", npartitions=3)
    keys = [p.key for p in first.partitions]
    people.insert("people", [{"id": i, "name": "n", "age": 1, "score": 0.0} for i in range(25, 90)])
    # Another npartitions, the same ranges: the checkpoint's, so the offsets stay theirs.
    second = sync_kinetica(people.url, "people", to=out, increasing_column="id", npartitions=7)
    assert [p.key for p in second.partitions] == keys
    assert {p.key: p.rows for p in second.partitions} == {keys[0]: 0, keys[1]: 0, keys[2]: 65}
    assert _ids(out) == list(range(90))
    with open_checkpoint(tmp_path / "out.checkpoint.sqlite", "kinetica") as store:
        (plan_key,) = [k for k in store.keys() if k.endswith("#plan")]
        assert store.read_json(plan_key) == {"cuts": [8, 16]}


def test_an_empty_table_is_split_once_it_has_rows(fake: FakeKinetica, tmp_path: Path) -> None:
    fake.create_table("t", [("id", "long"), ("x", "double")])
    out = tmp_path / "out"
    empty = sync_kinetica(fake.url, "t", to=out, increasing_column="id", npartitions=2)
    assert (empty.rows, empty.partitions) == (0, [])
    fake.insert("t", [{"id": i, "x": 0.5} for i in range(10)])
    later = sync_kinetica(fake.url, "t", to=out, increasing_column="id", npartitions=2)
    assert later.rows == 10
    assert len(later.partitions) == 2
    assert _ids(out) == list(range(10))


def test_a_dask_sync_with_one_partition_takes_any_increasing_column(
    people: FakeKinetica, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    summary = sync_kinetica(people.url, "people", to=out, increasing_column="name", npartitions=1)
    assert summary.rows == 25
    with pytest.raises(InvalidArgumentError, match="give divisions="):
        sync_kinetica(
            people.url, "people", to=tmp_path / "b", increasing_column="name", npartitions=2
        )


def test_a_stored_plan_that_is_not_one_is_refused(people: FakeKinetica, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    first = sync_kinetica(people.url, "people", to=out, increasing_column="id", npartitions=2)
    with open_checkpoint(tmp_path / "out.checkpoint.sqlite", "kinetica") as store:
        (plan_key,) = [k for k in store.keys() if k.endswith("#plan")]
        record(store, {plan_key: [8]})
    with pytest.raises(CheckpointError, match="does not hold a range plan"):
        sync_kinetica(people.url, "people", to=out, increasing_column="id", npartitions=2)
    assert first.rows == 25


def test_dask_sync_arguments(people: FakeKinetica, tmp_path: Path) -> None:
    out = tmp_path / "out"
    before = sum(people.requests.values())
    with pytest.raises(InvalidArgumentError, match="a sync needs increasing_column="):
        sync_kinetica(people.url, "people", to=out)
    with pytest.raises(InvalidTypeError, match="npartitions must be a positive int, not str 'x'"):
        sync_kinetica(people.url, "people", to=out, increasing_column="id", npartitions="x")  # type: ignore[arg-type]
    with (
        open_checkpoint(tmp_path / "o.db", "kinetica") as store,
        pytest.raises(InvalidTypeError, match="every worker opens"),
    ):
        sync_kinetica(people.url, "people", to=out, increasing_column="id", checkpoint=store)
    with pytest.raises(InvalidTypeError, match=r"to must be a path \(a str or os.PathLike\)"):
        sync_kinetica(people.url, "people", to=3, increasing_column="id")  # type: ignore[arg-type]
    assert sum(people.requests.values()) == before


def test_a_rerun_asks_only_the_open_last_range(people: FakeKinetica, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = sync_kinetica(
        people.url, "people", to=out, increasing_column="id", npartitions=3, page_size=4
    )
    keys = [p.key for p in first.partitions]
    with open_checkpoint(tmp_path / "out.checkpoint.sqlite", "kinetica") as store:
        ends = [load(store, key).offset for key in keys]
    # The closed ranges, read to their end, say so; the open one only where it got to.
    assert ends == [{"value": 7, "complete": True}, {"value": 15, "complete": True}, {"value": 24}]
    mark = len(people.reads)
    again = sync_kinetica(people.url, "people", to=out, increasing_column="id", npartitions=3)
    assert [r.expression for r in people.reads[mark:]] == ["(id >= 16) and (id > 24)"]
    assert (again.rows, again.pages) == (0, 0)


def test_the_ranges_of_a_float_column_keep_their_keys_from_run_to_run(
    fake: FakeKinetica, tmp_path: Path
) -> None:
    fake.create_table("t", [("x", "double"), ("k", "int")])
    fake.insert("t", [{"x": i / 7, "k": i} for i in range(20)])
    out = tmp_path / "out"
    first = sync_kinetica(fake.url, "t", to=out, increasing_column="x", npartitions=3)
    with open_checkpoint(tmp_path / "out.checkpoint.sqlite", "kinetica") as store:
        (plan_key,) = [k for k in store.keys() if k.endswith("#plan")]
        cuts = store.read_json(plan_key)["cuts"]
    # Cuts of thirds, kept as JSON in the checkpoint and read back as the same floats.
    assert len(cuts) == 2
    assert all(cut != round(cut) for cut in cuts)
    assert first.partitions[1].key.endswith(f"x=[{cuts[0]!r},{cuts[1]!r})")
    fake.insert("t", [{"x": 3.0, "k": 20}])
    second = sync_kinetica(fake.url, "t", to=out, increasing_column="x", npartitions=3)
    assert [p.key for p in second.partitions] == [p.key for p in first.partitions]
    assert [p.rows for p in second.partitions] == [0, 0, 1]
    assert sorted(pq.read_table(out)["k"].to_pylist()) == list(range(21))


@pytest.mark.parametrize(
    ("function", "arguments", "error", "message"),
    [
        ("table", {"url": None}, InvalidTypeError, "url must be a URL .*, not NoneType"),
        ("table", {"table": 5}, InvalidTypeError, "table must be a str, not int 5"),
        ("table", {"partition_column": ""}, InvalidArgumentError, "partition_column must be a n"),
        ("table", {"columns": 5}, InvalidTypeError, "columns must be a list of names"),
        ("table", {"columns": "id"}, InvalidTypeError, "columns must be a list of names"),
        ("table", {"where": 1}, InvalidTypeError, "where must be a filter expression str"),
        ("table", {"npartitions": 10**6}, InvalidArgumentError, "at most 100000\\), not 1000000"),
        ("table", {"npartitions": 2.0}, InvalidTypeError, "npartitions must be a positive int"),
        ("sql", {"page_size": 2**63}, InvalidArgumentError, "page_size must be a positive int"),
        ("sql", {"page_size": None}, InvalidTypeError, "page_size must be a positive int"),
        ("sql", {"divisions": [0, math.nan]}, InvalidArgumentError, "divisions is not finite"),
        ("sql", {"divisions": [0, math.inf]}, InvalidArgumentError, "divisions is not finite"),
        ("sql", {"divisions": [0, None]}, InvalidTypeError, "a bound of divisions must be"),
        ("sql", {"divisions": "0,5"}, InvalidTypeError, "divisions must be a list of bounds"),
        ("sql", {"divisions": [0]}, InvalidArgumentError, "divisions must hold 2 to 100001"),
        ("sql", {"token": 5}, InvalidTypeError, "token must be a str or None, not int$"),
        ("sync", {"to": ""}, InvalidArgumentError, "to must be a path, not ''"),
        ("sync", {"tie_breaker": 3}, InvalidTypeError, "tie_breaker must be a str, not int 3"),
        ("sync", {"max_concurrency": 0}, InvalidArgumentError, "max_concurrency must be a pos"),
        ("sync", {"max_concurrency": 10**9}, InvalidArgumentError, "at most 1024"),
        ("sync", {"npartitions": True}, InvalidTypeError, "npartitions must be a positive int"),
        ("sync", {"checkpoint": ""}, InvalidArgumentError, "checkpoint must be a path, not ''"),
        ("sync", {"retry": "no"}, InvalidTypeError, "retry must be a RetryPolicy or None"),
    ],
)
def test_every_argument_is_checked_before_any_request(
    people: FakeKinetica,
    tmp_path: Path,
    function: str,
    arguments: dict[str, Any],
    error: type[Exception],
    message: str,
) -> None:
    if function == "sync":
        call: Any = sync_kinetica
        base = {"table": "people", "to": tmp_path / "out", "increasing_column": "id"}
    else:
        call = read_kinetica if function == "table" else read_kinetica_sql
        base = {"partition_column": "id", "npartitions": 2}
        base |= {"table": "people"} if function == "table" else {"sql": "SELECT id FROM people"}
    if "divisions" in arguments:
        base.pop("npartitions")
    before = sum(people.requests.values())
    with pytest.raises(error, match=message) as caught:
        call(**({"url": people.url} | base | arguments))
    assert type(caught.value) is error
    assert sum(people.requests.values()) == before


def test_a_dask_task_requests_no_page_ahead(
    people: FakeKinetica, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A one-thread worker reads with one thread: its user sized the cluster to the cores.
    from arrowtap.connectors.kinetica import table_source
    from arrowtap.connectors.kinetica.wire.prefetch import prefetched

    depths: list[int] = []

    def recorded(fetch: Any, start: int, limit: int, depth: int = 2) -> Any:
        depths.append(depth)
        return prefetched(fetch, start, limit, depth)

    monkeypatch.setattr(table_source, "prefetched", recorded)
    ddf = read_kinetica(people.url, "people", partition_column="id", npartitions=2, page_size=2)
    assert len(ddf.compute(scheduler="sync")) == len(read_frame(people.url, "people"))
    # The tasks' reads, then the pandas read's.
    assert depths[:-1]
    assert set(depths[:-1]) == {0}
    assert depths[-1] == 2


def test_a_range_of_the_primary_key_comes_sorted_from_the_server(
    fake: FakeKinetica, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Rows stored out of key order: the server sorts a key range, the task does not.
    from arrowtap.connectors.kinetica.table_source import TableSource
    from arrowtap.io import dask as io_dask

    fake.create_table("t", [("id", "long", "primary_key"), ("k", "int"), ("x", "double")])
    ids = [7, 3, 11, 0, 5, 9, 1, 8, 2, 10, 4, 6]
    fake.insert("t", [{"id": i, "k": i % 3, "x": i / 2} for i in ids])
    sorts: list[str | None] = []
    fetch = TableSource._fetch

    def recorded(
        self: TableSource, offset: int, limit: int, options: dict[str, str], **more: Any
    ) -> Any:
        if not more:  # a page of a partition (not the planner's look at the key's range)
            sorts.append(options.get("sort_by"))
        return fetch(self, offset, limit, options, **more)

    takes: list[int] = []
    real_sorted = io_dask._sorted

    def checked(batches: Any, by: Any) -> bool:
        takes.append(0 if real_sorted(batches, by) else 1)
        return real_sorted(batches, by)

    monkeypatch.setattr(TableSource, "_fetch", recorded)
    monkeypatch.setattr(io_dask, "_sorted", checked)
    by_key = read_kinetica(fake.url, "t", partition_column="id", npartitions=3, page_size=2)
    frame = by_key.compute(scheduler="sync")
    assert frame.index.tolist() == sorted(ids)
    assert set(sorts) == {"id"}
    assert takes == [0, 0, 0]  # every task found its rows in order
    # A column that is not the key: the server sends its order, the task sorts.
    sorts.clear()
    takes.clear()
    by_k = read_kinetica(fake.url, "t", partition_column="k", npartitions=2, page_size=2)
    frame = by_k.compute(scheduler="sync")
    assert frame.index.is_monotonic_increasing
    assert sorted(frame["x"].tolist()) == sorted(i / 2 for i in ids)
    assert set(sorts) == {None}
    assert 1 in takes
