"""``columns=`` on the one-shot readers outside the conformance suite (status views, SQL)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd
import pytest

import arrowtap
import arrowtap.dask
from arrowtap.connectors.harperdb.wire.canned import canned_client
from arrowtap.testing.kinetica import FakeKinetica
from arrowtap.testing.pvarchiver import FakeArchiver

NODES = [{"name": "node2", "url": "ws://10.0.0.2:9933", "replicates": True}]


@pytest.fixture(scope="module")
def archive() -> Iterator[FakeArchiver]:
    with FakeArchiver(admin=True) as fake:
        yield fake


def harperdb(read: Callable[..., pd.DataFrame]) -> Callable[..., pd.DataFrame]:
    answers = {"search_by_value": NODES, "cluster_get_routes": ["wss://10.0.0.2:9933"]}
    return lambda **kw: read("http://node1:9925", client=canned_client(answers), **kw)


def readers(archive: FakeArchiver) -> dict[str, Callable[..., pd.DataFrame]]:
    url = archive.admin_url
    return {
        "read_archive_channel": lambda **kw: arrowtap.read_archive_channel(url, "root:ai1", **kw),
        "read_archive_server_status": lambda **kw: arrowtap.read_archive_server_status(url, **kw),
        "read_harperdb_nodes": harperdb(arrowtap.read_harperdb_nodes),
        "read_harperdb_routes": harperdb(arrowtap.read_harperdb_routes),
    }


@pytest.mark.parametrize(
    "name",
    ["read_archive_channel", "read_archive_server_status", "read_harperdb_nodes",
     "read_harperdb_routes"],
)  # fmt: skip
def test_a_view_gives_the_columns_asked_in_that_order(archive: FakeArchiver, name: str) -> None:
    read = readers(archive)[name]
    whole = read()
    wanted = [whole.columns[-1], whole.columns[0]]
    pd.testing.assert_frame_equal(read(columns=wanted), whole[wanted])
    with pytest.raises(arrowtap.InvalidArgumentError, match=r"no column 'nope' \(the columns are"):
        read(columns=["nope"])


@pytest.fixture
def kinetica() -> Iterator[FakeKinetica]:
    with FakeKinetica() as fake:
        fake.create_table("t", [("id", "long"), ("x", "double"), ("s", "string", "char4")])
        fake.insert("t", [{"id": i, "x": i / 2, "s": f"s{i}"} for i in range(12)])
        yield fake


def test_sql_columns_pick_among_the_result(kinetica: FakeKinetica) -> None:
    sql = "SELECT id, x, s FROM t"
    frame = arrowtap.read_kinetica_sql(kinetica.url, sql, columns=["s", "id"])
    assert list(frame.columns) == ["s", "id"]
    assert frame.equals(arrowtap.read_kinetica_sql(kinetica.url, sql)[["s", "id"]])
    assert arrowtap.scan_kinetica_sql(kinetica.url, sql, columns=["x"]).schema.names == ["x"]
    ddf: Any = arrowtap.dask.read_kinetica_sql(
        kinetica.url, sql, partition_column="id", columns=["s"], npartitions=3
    )
    computed = ddf.compute()
    assert list(computed.columns) == ["s"]
    assert computed.index.name == "id"
    assert sorted(computed["s"]) == sorted(frame["s"])
    with pytest.raises(arrowtap.InvalidArgumentError, match=r"no column 'y' \(the columns are"):
        arrowtap.read_kinetica_sql(kinetica.url, sql, columns=["y"])
