"""Listing syncs: one whole, stamped listing per run; a run that dies leaves nothing kept."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from arrowtap.checkpoint import open_checkpoint
from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.finspace import listings as fs
from arrowtap.connectors.finspace.listing_source import ListingSource
from arrowtap.errors import BadRequestError, Interrupted, UnavailableError
from arrowtap.io import offsets
from arrowtap.io.contract import Page, Partition
from arrowtap.testing.finspace import FakeFinSpace

from .normalise import expected_rows, table_rows


def key_of(env: str) -> str:
    return f"finspace:us-east-1:ListKxClusters:environmentId={env}"


def snapshots(to: Path) -> dict[int, list[str]]:
    """The cluster names of each snapshot in the dataset, by snapshot time (ns)."""
    table = pq.read_table(to)
    stamps = table["snapshot_time"].cast(pa.int64()).to_pylist()
    found: dict[int, list[str]] = {}
    for stamp, name in zip(stamps, table["clusterName"].to_pylist(), strict=True):
        found.setdefault(stamp, []).append(name)
    return found


def test_each_run_appends_one_whole_stamped_listing(tmp_path: Path) -> None:
    to = tmp_path / "out"
    with FakeFinSpace(clusters=23) as fake:
        env, world = fake.environment_id, fake.world
        options = fake.options | {"page_size": 5}
        truths = []
        for change in range(3):
            summary = fs.sync_finspace_clusters(env, to=to, **options)
            truth = expected_rows("ListKxClusters", world.clusters[env].values())
            truths.append(sorted(truth, key=lambda r: r["clusterName"]))
            assert summary.rows == len(truth)
            assert summary.pages == -(-len(truth) // 5)
            world.remove_cluster(env, f"cluster-{change:05d}")
            world.add_cluster(env, f"cluster-new-{change}")
    table = pq.read_table(to)
    assert table.schema.field("snapshot_time").type == pa.timestamp("ns", tz="UTC")
    stamps = pc.unique(table["snapshot_time"]).sort()
    assert len(stamps) == 3
    for stamp, truth in zip(stamps, truths, strict=True):
        snapshot = table.filter(pc.equal(table["snapshot_time"], stamp))
        rows = table_rows(snapshot.drop_columns(["snapshot_time"]))
        assert sorted(rows, key=lambda r: r["clusterName"]) == truth
    with open_checkpoint(tmp_path / "out.checkpoint.sqlite", "finspace-listings") as store:
        state = offsets.load(store, key_of(env))
    assert state.offset == {"snapshot": max(snapshots(to))}
    assert state.seq == 3 * 5  # five pages a run, numbered on across runs


def test_columns_and_on_page(tmp_path: Path) -> None:
    pages: list[tuple[Partition, Page]] = []
    with FakeFinSpace(databases=7) as fake:
        summary = fs.sync_finspace_databases(
            fake.environment_id,
            to=tmp_path,
            columns=["databaseName"],
            page_size=3,
            on_page=lambda part, page: pages.append((part, page)),
            **fake.options,
        )
    table = pq.read_table(tmp_path)
    assert table.column_names == ["databaseName", "snapshot_time"]
    assert sorted(table["databaseName"].to_pylist()) == [f"db_{i:03d}" for i in range(7)]
    assert [page.batch.num_rows for _, page in pages] == [3, 3, 1]
    assert summary.rows == 7


SYNC = (
    "from arrowtap.connectors.finspace.listings import sync_finspace_clusters\n"
    "sync_finspace_clusters({env!r}, to={to!r}, page_size=10, region='us-east-1',\n"
    "                       endpoint_url={url!r}, credentials={creds!r})\n"
)


@pytest.mark.parametrize("point", ["before_write:4", "after_write:4", "after_write:30"])
def test_a_sync_killed_mid_listing_then_rerun_gives_one_whole_listing(
    tmp_path: Path, point: str
) -> None:
    to = tmp_path / "out"
    with FakeFinSpace(clusters=300) as fake:
        env = fake.environment_id
        code = SYNC.format(env=env, to=str(to), url=fake.url, creds=fake.credentials)
        environ = {**os.environ, "ARROWTAP_CRASHPOINT": point}
        child = subprocess.run(
            [sys.executable, "-c", code], env=environ, capture_output=True, timeout=120
        )
        assert child.returncode == -9, child.stderr[-2000:]
        with open_checkpoint(tmp_path / "out.checkpoint.sqlite", "finspace-listings") as store:
            assert offsets.load(store, key_of(env)).seq == 0  # nothing committed
        killed_after = fake.stats.operations["ListKxClusters"]
        assert 4 <= killed_after <= 30
        summary = fs.sync_finspace_clusters(env, to=to, page_size=10, **fake.options)
        assert fake.stats.operations["ListKxClusters"] == killed_after + 30  # from the start
    assert summary.rows == 300
    [names] = snapshots(to).values()
    assert sorted(names) == sorted(fake.world.clusters[env])
    assert len(names) == len(set(names)) == 300


def test_a_sync_that_fails_midway_commits_nothing(tmp_path: Path) -> None:
    to = tmp_path / "out"
    with FakeFinSpace(clusters=30) as fake:
        env = fake.environment_id

        def fail_the_second_page(response: httpx.Response) -> None:
            if response.status_code == 200:
                fake.fail_next("InternalServerException")

        failing = httpx.Client(event_hooks={"response": [fail_the_second_page]})
        options: dict[str, Any] = fake.options | {"page_size": 10}
        with failing, pytest.raises(UnavailableError, match="InternalServerException"):
            fs.sync_finspace_clusters(
                env, to=to, client=failing, retry=RetryPolicy(attempts=1), **options
            )
        with open_checkpoint(tmp_path / "out.checkpoint.sqlite", "finspace-listings") as store:
            assert offsets.load(store, key_of(env)).offset is None
        assert fs.sync_finspace_clusters(env, to=to, **options).rows == 30
    [names] = snapshots(to).values()
    assert len(names) == 30


def test_follow_takes_a_snapshot_per_run_until_stopped(tmp_path: Path) -> None:
    runs: list[int] = []

    def stop_at_the_third(part: Partition, page: Page) -> None:
        runs.append(page.batch.num_rows)
        if len(runs) == 3:
            raise KeyboardInterrupt

    with FakeFinSpace(environments=2) as fake, pytest.raises(Interrupted) as info:
        fs.sync_finspace_environments(
            to=tmp_path, follow=True, every=0, on_page=stop_at_the_third, **fake.options
        )
    assert info.value.summary.rows == 2 * 2  # the runs before the stopped one
    table = pq.read_table(tmp_path)
    assert len(table["snapshot_time"].unique()) == 3  # the third was committed before the stop
    assert table.num_rows == 3 * 2


def test_a_checkpoint_object_is_left_open(tmp_path: Path) -> None:
    with FakeFinSpace(clusters=12) as fake, open_checkpoint(tmp_path / "c.db", "mine") as store:
        env = fake.environment_id
        fs.sync_finspace_clusters(env, to=tmp_path / "out", checkpoint=store, **fake.options)
        assert offsets.load(store, key_of(env)).seq == 1
        assert store.is_active


def test_a_listing_resumes_from_a_page_token_and_a_stale_one_fails(
    fake_finspace: FakeFinSpace,
) -> None:
    source = ListingSource("ListKxClusters", page_size=10, **fake_finspace.options)
    part = source.partition(environmentId=fake_finspace.environment_id)
    with source:
        pages = list(source.read(part))
        rest = list(source.read(part, pages[0].offset))
        assert [p.batch for p in rest] == [p.batch for p in pages[1:]]
        assert list(source.read(part, {"nextToken": None})) == []
        with pytest.raises(BadRequestError, match="Invalid nextToken"):
            list(source.read(part, {"nextToken": "Zm9yZ2Vk"}))
