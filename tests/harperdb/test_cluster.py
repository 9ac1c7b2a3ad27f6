"""Two real HarperDB nodes replicating natively: what the views show, and data crossing over."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest

import arrowtap as hdb
from arrowtap.errors import InvalidArgumentError
from arrowtap.testing.harperdb import HarperDBCluster, HarperDBServer

from .conftest import unique

DEADLINE = 60.0  # seconds a replicated write may take here; it took about 0.5 s
TYPES = {"id": pa.string(), "v": pa.float64()}


def creds_of(node: HarperDBServer) -> dict[str, Any]:
    return {"username": node.username, "password": node.password}


def poll(read: Any, done: Any) -> Any:
    """``read()`` until ``done(result)``, at most :data:`DEADLINE` seconds; the last result."""
    deadline = time.monotonic() + DEADLINE
    while True:
        result = read()
        if done(result) or time.monotonic() > deadline:
            return result
        time.sleep(0.25)


def test_status_shows_the_peer_connected(harperdb_cluster: HarperDBCluster) -> None:
    first, second = harperdb_cluster.nodes
    status = hdb.read_harperdb_cluster_status(first.url, **creds_of(first))
    system = status[status["database"] == "system"]
    (row,) = system.itertuples()
    assert (row.node_name, row.peer_name, row.peer_url) == (
        "node1",
        "node2",
        second.replication_url,
    )
    assert row.connected
    assert row.replicates
    assert row.latency_ms >= 0
    assert row.ca_issuer.startswith("CN=HarperDB-Certificate-Authority-node2")
    assert row.ca_valid_to > pd.Timestamp.now(tz="UTC")
    received = row.last_received_local_time  # absent until something was received
    assert pd.isna(received) or received <= pd.Timestamp.now(tz="UTC")
    nodes = hdb.read_harperdb_nodes(first.url, **creds_of(first))
    by_name = nodes.set_index("name")
    assert by_name.loc["node2", "url"] == second.replication_url
    assert bool(by_name.loc["node2", "replicates"])


def test_a_write_on_node1_is_read_on_node2(
    harperdb_cluster: HarperDBCluster, tmp_path: Path
) -> None:
    first, second = harperdb_cluster.nodes
    database, table = unique("rep"), unique("t")
    first.operation({"operation": "create_database", "database": database})
    frame = pd.DataFrame({"id": ["a", "b", "c"], "v": [1.5, 2.5, 3.5]})
    hdb.write_harperdb(frame, first.url, database, table, **creds_of(first))

    def read_second() -> pd.DataFrame:
        try:
            return hdb.read_harperdb(second.url, database, table, schema=TYPES, **creds_of(second))
        except (LookupError, InvalidArgumentError):  # no table, or no attribute 'v', yet
            return pd.DataFrame()

    replicated = poll(read_second, lambda df: len(df) == 3)
    assert sorted(replicated["id"]) == ["a", "b", "c"]
    assert sorted(replicated["v"]) == [1.5, 2.5, 3.5]

    # Incremental reads on node 2 see node 1's later updates, with node 1's times.
    ckpt = tmp_path / "offsets.db"
    hdb.read_harperdb(second.url, database, table, checkpoint=ckpt, **creds_of(second)).commit()
    hdb.write_harperdb(
        pd.DataFrame({"id": ["b"], "v": [20.5]}), first.url, database, table, **creds_of(first)
    )

    def changed() -> pd.DataFrame:
        args = (second.url, database, table)
        return hdb.read_harperdb(*args, since=last_seen, schema=TYPES, **creds_of(second))

    last_seen = replicated["__updatedtime__"].max() + pd.Timedelta(microseconds=1)
    update = poll(changed, lambda df: len(df) == 1)
    assert update["v"].tolist() == [20.5]
    after = hdb.read_harperdb(
        second.url, database, table, checkpoint=ckpt, schema=TYPES, **creds_of(second)
    )
    assert after.data[["id", "v"]].values.tolist() == [["b", 20.5]]
    status = hdb.read_harperdb_cluster_status(second.url, **creds_of(second))
    sockets = status[status["database"] == database]
    assert sockets["connected"].all()
    assert list(sockets["nodes"].iloc[0]) == ["node1"]


def test_a_typed_table_is_not_indexed_on_the_peer(
    harperdb_cluster: HarperDBCluster, tmp_path: Path
) -> None:
    first, second = harperdb_cluster.nodes
    database, table = unique("rep"), unique("t")
    first.operation({"operation": "create_database", "database": database})
    frame = pd.DataFrame({"id": ["a", "b"], "v": [1.5, 2.5]})
    hdb.write_harperdb(frame, first.url, database, table, typed=True, **creds_of(first))
    on_first = hdb.read_harperdb(first.url, database, table, since=0, **creds_of(first))
    assert on_first["v"].tolist() == [1.5, 2.5]  # typed, and incremental, where created

    def read_second() -> pd.DataFrame:
        try:
            return hdb.read_harperdb(second.url, database, table, **creds_of(second))
        except LookupError:
            return pd.DataFrame()

    whole = poll(read_second, lambda df: len(df) == 2)
    assert whole.sort_values("id")["v"].tolist() == [1.5, 2.5]  # read whole, by key
    with pytest.raises(InvalidArgumentError, match="replicates to"):
        hdb.read_harperdb(
            second.url, database, table, checkpoint=tmp_path / "c.db", **creds_of(second)
        )


@pytest.mark.parametrize("node", [0, 1])
def test_both_nodes_answer_routes(harperdb_cluster: HarperDBCluster, node: int) -> None:
    server = harperdb_cluster.nodes[node]
    routes = hdb.read_harperdb_routes(server.url, **creds_of(server))
    assert list(routes.columns) == ["server", "url", "host", "port"]
