"""SQL queries (``/execute/sql``) with dynamic schemas, and Dask reads by column ranges."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from arrowtap import dask as atdask
from arrowtap.connectors.kinetica.sql_source import SqlSource
from arrowtap.connectors.kinetica.table import read_kinetica_sql, scan_kinetica_sql
from arrowtap.connectors.kinetica.wire.pages import dynamic_type
from arrowtap.errors import BadRequestError, InvalidArgumentError, NotFoundError
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


def test_dask_read_by_ranges_of_a_column(people: FakeKinetica) -> None:
    ddf = atdask.read_kinetica(people.url, "people", partition_column="id", npartitions=3)
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
    ddf = atdask.read_kinetica(
        fake.url, "t", ["x"], "x >= 1", partition_column="ts", divisions=divisions
    )
    assert list(ddf.columns) == ["x"]
    assert ddf.divisions[1] == pd.Timestamp("1970-01-01T00:00:05Z")
    df = ddf.compute()
    assert df["x"].tolist() == [i / 2 for i in range(2, 20)]
    assert str(df.index.dtype) == "datetime64[ms, UTC]"
    assert len(ddf.get_partition(0).compute()) == 3


def test_dask_arguments(people: FakeKinetica) -> None:
    with pytest.raises(InvalidArgumentError, match="exactly one of npartitions and divisions"):
        atdask.read_kinetica(people.url, "people", partition_column="id")
    with pytest.raises(InvalidArgumentError, match="give divisions="):
        atdask.read_kinetica(people.url, "people", partition_column="name", npartitions=2)
    with pytest.raises(InvalidArgumentError, match="ascending"):
        atdask.read_kinetica(people.url, "people", partition_column="id", divisions=[5, 1])
    with pytest.raises(NotFoundError):
        atdask.read_kinetica(people.url, "nope", partition_column="id", npartitions=2)
