"""Dask syncs of a HarperDB table on two worker processes survive a dead worker and a dead client.

The real server, a table of this module's own, ranges of several small pages.
A worker SIGKILLed after a commit: Dask runs its task again elsewhere, it resumes
from the commits, and the dataset equals a one-shot read. The client killed once
one range was committed whole: its tasks stop, and the graph run again asks the
server (counted at a proxy in front of it) only for the ranges not committed whole.
The offsets are in HarperDB itself, or in SQLite on the file system the workers share.
"""

from __future__ import annotations

import bisect
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import distributed
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import arrowtap
import arrowtap.dask
from arrowtap.checkpoint import Checkpoint, open_checkpoint
from arrowtap.connectors.harperdb.table import CHECKPOINT_NAME
from arrowtap.connectors.harperdb.table_source import HarperDBTableSource, is_complete
from arrowtap.io import offsets
from arrowtap.testing.harperdb import HarperDBServer

from .cluster import client_process, local_cluster, wait_idle
from .harperdb_proxy import CountingProxy

pytestmark = pytest.mark.slow

ATTRIBUTES = [
    {"name": "id", "type": "Int"},
    {"name": "price", "type": "Float"},
    {"name": "tag", "type": "String"},
    {"name": "doc", "type": "Any"},  # JSON text
    {"name": "__createdtime__", "type": "Float", "indexed": True},
    {"name": "__updatedtime__", "type": "Float", "indexed": True},
]
PAGE = 4


@pytest.fixture(scope="module")
def database(harperdb_server: HarperDBServer) -> Iterator[str]:
    name = f"dist_{uuid.uuid4().hex[:10]}"
    harperdb_server.operation({"operation": "create_database", "database": name})
    yield name
    if harperdb_server.running:
        harperdb_server.operation({"operation": "drop_database", "database": name})


@pytest.fixture
def table(harperdb_server: HarperDBServer, database: str) -> str:
    name = f"t_{uuid.uuid4().hex[:10]}"
    body = {"operation": "create_table", "database": database, "table": name}
    harperdb_server.operation(body | {"primary_key": "id", "attributes": ATTRIBUTES})
    return name


@pytest.fixture(params=["sqlite", "harperdb"])
def checkpoint(
    request: pytest.FixtureRequest, harperdb_server: HarperDBServer, tmp_path: Path
) -> Iterator[str]:
    """Where every worker keeps its offsets: SQLite on the shared tmp, or HarperDB."""
    if request.param == "sqlite":
        yield str(tmp_path / "offsets.sqlite")
        return
    server, name = harperdb_server, f"ckpt_{uuid.uuid4().hex[:10]}"
    host = server.url.removeprefix("http://")
    yield f"harperdb+http://{server.username}:{quote(server.password, safe='')}@{host}/{name}"
    if server.running:
        server.operation({"operation": "drop_database", "database": name})


def fill(server: HarperDBServer, database: str, table: str, rows: int, per_upsert: int) -> None:
    """``rows`` rows, ``per_upsert`` to an upsert (each upsert's rows share an updated time)."""
    for start in range(0, rows, per_upsert):
        records = [
            {
                "id": i,
                "price": None if i % 4 == 0 else i / 8,
                "tag": f"r{i}",
                "doc": [i, "text", {"a": [i, None]}, None][i % 4],
            }
            for i in range(start, min(start + per_upsert, rows))
        ]
        body = {"operation": "upsert", "database": database, "table": table, "records": records}
        server.operation(body)


def creds(server: HarperDBServer) -> dict[str, Any]:
    return {"username": server.username, "password": server.password}


def _frame(table: pa.Table) -> pd.DataFrame:
    table = table.replace_schema_metadata(None).sort_by([("id", "ascending")])
    # JSON text compares as text; ArrowDtype keeps nulls as nulls (NaN-safe).
    doc = table.schema.get_field_index("doc")
    table = table.set_column(doc, "doc", table["doc"].cast(pa.string()))
    return table.to_pandas(types_mapper=pd.ArrowDtype)


def assert_equals_one_shot(to: Path, server: HarperDBServer, database: str, table: str) -> None:
    truth = arrowtap.scan_harperdb(server.url, database, table, **creds(server)).read_all()
    written = pq.read_table(to)
    assert written.num_rows == truth.num_rows
    pd.testing.assert_frame_equal(_frame(written), _frame(truth))


def test_a_worker_killed_mid_graph_gives_the_one_shot_dataset(
    harperdb_server: HarperDBServer, database: str, table: str, checkpoint: str, tmp_path: Path
) -> None:
    # Three rows to an updated time: pages end inside ties. 15 pages or more in all,
    # so one of the two workers makes a third commit, and dies there.
    fill(harperdb_server, database, table, rows=60, per_upsert=3)
    marker = tmp_path / "a-worker-died"
    to = tmp_path / "out"
    env = {"ARROWTAP_CRASHPOINT": f"after_commit:3:{marker}"}
    with local_cluster(env) as cluster, distributed.Client(cluster):
        arrowtap.dask.sync_harperdb(
            harperdb_server.url,
            database,
            table,
            to=to,
            checkpoint=checkpoint,
            npartitions=4,
            page_size=PAGE,
            **creds(harperdb_server),
        )
    assert marker.exists(), "no worker was killed"
    assert_equals_one_shot(to, harperdb_server, database, table)


def _keys(database: str, table: str, bounds: list[float]) -> list[str]:
    return [f"harperdb:{database}.{table}@{i}" for i in range(len(bounds))]


def _committed_whole(store: Checkpoint, keys: list[str]) -> set[int]:
    return {i for i, key in enumerate(keys) if is_complete(offsets.load(store, key).offset)}


def _ranges_asked(bodies: list[dict[str, Any]], bounds: list[float]) -> set[int]:
    """The ranges whose rows were asked for: by the lower end of each search's range."""
    asked = set()
    for body in bodies:
        for condition in body.get("conditions", []):
            if condition["search_type"] == "between":
                asked.add(bisect.bisect_right(bounds, condition["search_value"][0]) - 1)
    return asked


def _ends_a_closed_range(latest: float) -> Any:
    """Picks the answer that ends a range before the last one (``latest`` is the last's end).

    With one row to an updated time, no page has a tie: a page's rows come from one
    ``between`` search, and the last page of a range is the one whose answer has
    rows and no row past the page.
    """

    def picks(operation: dict[str, Any], answer: Any) -> bool:
        conditions = operation.get("conditions") or [{}]
        return (
            operation.get("operation") == "search_by_conditions"
            and len(conditions) == 1
            and conditions[0].get("search_type") == "between"
            and conditions[0]["search_value"][1] != latest
            and isinstance(answer, list)
            and 0 < len(answer) < operation["limit"]
        )

    return picks


def _plan(
    server: HarperDBServer, database: str, table: str, checkpoint: str, per_range: int
) -> list[float]:
    """Store a cut of the table at every ``per_range``-th row, as a first run would."""
    search = {"operation": "search_by_conditions", "database": database, "table": table}
    condition = {"search_attribute": "id", "search_type": "greater_than_equal", "search_value": 0}
    rows = server.operation(search | {"conditions": [condition], "get_attributes": ["*"]})
    times = sorted(row["__updatedtime__"] for row in rows)
    assert len(set(times)) == len(times), "one updated time to a row"
    # A bound at a row's time starts the range that holds it: every range gets per_range rows.
    bounds = [0.0, *times[per_range::per_range]]
    with open_checkpoint(checkpoint, CHECKPOINT_NAME) as store:
        section = f"harperdb:{database}.{table}#plan"
        offsets.record(
            store, {section: {"cursor": "__updatedtime__", "wire": "ms", "bounds": bounds}}
        )
    return bounds


def test_a_client_killed_mid_graph_then_rerun_asks_only_for_ranges_not_committed_whole(
    harperdb_server: HarperDBServer, database: str, table: str, checkpoint: str, tmp_path: Path
) -> None:
    server = harperdb_server
    fill(server, database, table, rows=48, per_upsert=1)
    # Cut by the test, not by equal widths of the upserts' times (which a slow moment
    # could leave empty): four ranges of three whole pages each.
    bounds = _plan(server, database, table, checkpoint, per_range=3 * PAGE)
    keys = _keys(database, table, bounds)
    with HarperDBTableSource(server.url, database, table, **creds(server)) as direct:
        latest = direct.edge(last=True)
    assert isinstance(latest, float)
    to = tmp_path / "out"
    with (
        CountingProxy(server.url) as proxy,
        open_checkpoint(checkpoint, CHECKPOINT_NAME) as store,
        local_cluster() as cluster,
        distributed.Client(cluster) as client,
    ):
        args = (proxy.url, database, table)
        kwargs: dict[str, Any] = dict(checkpoint=checkpoint, page_size=PAGE, **creds(server))
        call = f"arrowtap.dask.sync_harperdb(*{args!r}, to={str(to)!r}, **{kwargs!r})"
        # The first range to end goes out whole; every answer after it is held.
        proxy.hold_after(_ends_a_closed_range(latest))
        proc = client_process(cluster.scheduler_address, call)
        try:
            deadline = time.monotonic() + 120
            while not _committed_whole(store, keys):
                assert proc.poll() is None, proc.communicate()
                assert time.monotonic() < deadline, "no range was committed whole"
                time.sleep(0.05)
        finally:
            proc.kill()
            proc.communicate()
        # The tasks left get errors instead of their answers: they commit nothing more.
        proxy.refuse()
        wait_idle(client)
        done = _committed_whole(store, keys)
        assert len(done) == 1, "the answers after the first range's end were held"
        pages = sum(offsets.load(store, key).seq for key in keys)

        proxy.forward()
        mark = proxy.mark()
        rerun = arrowtap.dask.sync_harperdb(*args, to=to, **kwargs)
        asked = _ranges_asked(proxy.since(mark), bounds)
        assert asked == set(range(len(bounds))) - done
        assert sorted(p.key for p in rerun.partitions) == keys, "the stored cut, the same keys"
        assert 0 < rerun.rows == 48 - PAGE * pages, "the rows not committed, and only those"
        assert _committed_whole(store, keys) == set(range(len(bounds) - 1))
        plan = store.read_json(f"harperdb:{database}.{table}#plan")
        assert isinstance(plan, dict)
        assert plan["bounds"] == bounds
    assert_equals_one_shot(to, server, database, table)
