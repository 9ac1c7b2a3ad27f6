"""SQL queries (``/execute/sql``): dynamic schemas, paging tables, range partitions, snapshots."""

from __future__ import annotations

import pickle
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from arrowtap.connectors.kinetica.sql import (
    plan_kinetica_sql,
    read_kinetica_sql,
    scan_kinetica_sql,
    sync_kinetica_sql,
)
from arrowtap.connectors.kinetica.sql_source import SqlSource
from arrowtap.connectors.kinetica.wire.pages import dynamic_type
from arrowtap.connectors.kinetica.wire.types import KineticaColumn
from arrowtap.errors import BadRequestError, InvalidArgumentError
from arrowtap.io.sync import SNAPSHOT_FIELD
from arrowtap.testing.kinetica import FakeKinetica


def test_sql_types_come_from_the_result(people: FakeKinetica) -> None:
    reader = scan_kinetica_sql(
        people.url,
        "SELECT id, age AS years, name FROM people WHERE id < 12 ORDER BY id DESC",
        page_size=5,
    )
    assert reader.schema.names == ["id", "years", "name"]
    assert reader.schema.field("years").type == pa.int8()
    sizes = [b.num_rows for b in reader]
    assert sizes == [5, 5, 2]
    df = read_kinetica_sql(people.url, "SELECT id, age FROM people WHERE id < 12 ORDER BY id DESC")
    assert df["id"].tolist() == list(range(11, -1, -1))
    assert str(df["age"].dtype) == "Int8"
    assert df["age"].isna().tolist() == [i % 5 == 0 for i in range(11, -1, -1)]


def test_sql_pages_use_a_paging_table_that_is_cleared(people: FakeKinetica) -> None:
    with SqlSource(people.url, "SELECT * FROM people", page_size=10) as source:
        assert source.schema.names == ["id", "name", "age", "score"]
        pages = list(source.read(source.partition()))
    assert [p.offset for p in pages] == [{"row": 10}, {"row": 20}, {"row": 25}]
    assert people.requests["/execute/sql"] == 3  # the first page is fetched once
    assert people.requests["/clear/table"] == 1
    assert people.store.results == {}  # the paging table was cleared


def test_sql_empty_result_and_count(people: FakeKinetica) -> None:
    df = read_kinetica_sql(people.url, "SELECT name FROM people WHERE id > 99")
    assert df.empty
    assert list(df.columns) == ["name"]
    count = read_kinetica_sql(people.url, "SELECT COUNT(*) AS n FROM people")
    assert count["n"].tolist() == [25]


def test_sql_errors_carry_the_servers_message(people: FakeKinetica) -> None:
    with pytest.raises(BadRequestError, match=r"Kinetica /execute/sql: .*FROB"):
        read_kinetica_sql(people.url, "FROB people")
    with pytest.raises(InvalidArgumentError, match="non-empty"):
        read_kinetica_sql(people.url, "  ")
    with pytest.raises(InvalidArgumentError, match="page_size"):
        read_kinetica_sql(people.url, "SELECT id FROM people", page_size=0)
    with pytest.raises(TypeError, match="checkpoint"):
        read_kinetica_sql(people.url, "SELECT id FROM people", checkpoint="o.db")  # type: ignore[call-arg]


def test_dynamic_type_keeps_what_refines_the_base() -> None:
    ktype = dynamic_type(
        [("long", False), ("string", True), ("int", False), ("string", False)],
        ["a", "b", "c", "a"],
        ["timestamp", "decimal(10,2)", "int16", "no-such-type"],
    )
    assert [(c.name, c.type_name, c.nullable) for c in ktype.columns] == [
        ("a", "timestamp", False),
        ("b", "decimal(10,2)", True),
        ("c", "int16", False),
        ("a_2", "string", False),
    ]


def test_the_result_is_kept_by_the_server_while_it_is_paged(people: FakeKinetica) -> None:
    """Rows inserted during a read do not shift its pages: the paging table holds the result."""
    with SqlSource(people.url, "SELECT id FROM people ORDER BY id DESC", page_size=10) as source:
        pages = source.read(source.partition())
        first = next(pages)
        people.insert(
            "people", [{"id": 100 + i, "name": "n", "age": 1, "score": 0.0} for i in range(5)]
        )
        rest = [p.batch for p in pages]
    ids = pa.Table.from_batches([first.batch, *rest]).column("id").to_pylist()
    assert ids == list(range(24, -1, -1))
    assert people.store.results == {}


def test_a_source_travels_without_its_client_or_first_page(people: FakeKinetica) -> None:
    source = SqlSource(people.url, "SELECT id, name FROM people", password="secret", page_size=7)
    schema = source.schema
    copy = pickle.loads(pickle.dumps(source))
    assert "secret" not in repr(copy)
    assert copy.known_schema == schema
    before = people.requests["/execute/sql"]
    rows = sum(p.batch.num_rows for p in copy.read(copy.partition()))
    assert rows == 25
    assert people.requests["/execute/sql"] == before + 4  # no page fetched twice, none reused
    assert len(people.store.results) == 1  # the original's first page, kept for its read
    assert sum(p.batch.num_rows for p in source.read(source.partition())) == 25
    assert people.store.results == {}
    source.close()
    copy.close()


def test_range_partitions_cut_the_result_with_a_subquery(people: FakeKinetica) -> None:
    with SqlSource(
        people.url, "SELECT id, score FROM people WHERE id < 20;", page_size=4
    ) as source:
        col = KineticaColumn("id", "long")
        parts = [
            source.range_partition(col, None, 5, False),
            source.range_partition(col, 5, 10, False),
            source.range_partition(col, 10, 19, True),
        ]
        got = [
            pa.Table.from_batches([p.batch for p in source.read(part)], source.schema)
            for part in parts
        ]
        whole = [p.batch for p in source.read(source.partition())]
        assert len({part.key for part in parts}) == 3
    assert [t.column("id").to_pylist() for t in got] == [
        list(range(5)),
        list(range(5, 10)),
        list(range(10, 20)),
    ]
    assert pa.concat_tables(got).equals(pa.Table.from_batches(whole))
    assert people.store.results == {}  # each read cleared its own paging table


def test_the_plan_is_a_snapshot_plan_with_a_stable_key(people: FakeKinetica) -> None:
    first = plan_kinetica_sql(people.url, "SELECT id FROM people")
    again = plan_kinetica_sql(people.url, "  SELECT id FROM people")
    other = plan_kinetica_sql(people.url, "SELECT id FROM people WHERE id > 1")
    assert first.snapshot
    assert first.partitions[0].key == again.partitions[0].key
    assert first.partitions[0].key != other.partitions[0].key
    assert first.schema.names == ["id"]


def test_each_sync_appends_one_whole_stamped_snapshot(people: FakeKinetica, tmp_path: Path) -> None:
    out = tmp_path / "out"
    statement = "SELECT id, age FROM people WHERE id >= 10"
    first = sync_kinetica_sql(people.url, statement, to=out, page_size=5)
    assert (first.rows, first.pages) == (15, 3)
    people.insert("people", [{"id": 30, "name": "new", "age": 30, "score": 1.0}])
    second = sync_kinetica_sql(people.url, statement, to=out, page_size=5)
    assert second.rows == 16  # the whole result again, as of the second run
    written = pq.read_table(out)
    assert written.schema.field(SNAPSHOT_FIELD.name).type == SNAPSHOT_FIELD.type
    stamps = pc.unique(written[SNAPSHOT_FIELD.name])
    snapshots = [
        sorted(written.filter(pc.equal(written[SNAPSHOT_FIELD.name], stamp))["id"].to_pylist())
        for stamp in stamps
    ]
    assert sorted(snapshots, key=len) == [list(range(10, 25)), [*range(10, 25), 30]]
    assert people.store.results == {}
