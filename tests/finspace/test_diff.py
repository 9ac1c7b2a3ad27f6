"""diff_finspace_clusters: added, removed, status or lastModified changed, since the last run."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from arrowtap.checkpoint import open_checkpoint
from arrowtap.connectors.finspace import listings as fs
from arrowtap.connectors.finspace.state import diff_schema
from arrowtap.testing.finspace import FakeFinSpace


def changes(df: pd.DataFrame) -> dict[str, str]:
    return dict(zip(df["clusterName"], df["change"].astype(str), strict=True))


def test_diff_reports_each_kind_of_change(tmp_path: Path) -> None:
    ckpt = tmp_path / "listings.db"
    with FakeFinSpace(clusters=40) as fake:
        env, world = fake.environment_id, fake.world
        options = fake.options | {"page_size": 7}
        first = fs.diff_finspace_clusters(env, checkpoint=ckpt, **options)
        assert set(first["change"]) == {"added"}
        assert len(first) == 40
        assert first["previousStatus"].isna().all()

        assert fs.diff_finspace_clusters(env, checkpoint=ckpt, **options).empty  # nothing changed

        old = dict(world.clusters[env]["cluster-00003"])
        world.update_cluster(env, "cluster-00003", status="DELETING")
        world.update_cluster(env, "cluster-00011")  # only lastModifiedTimestamp moves
        world.remove_cluster(env, "cluster-00020")
        world.add_cluster(env, "cluster-new", status="CREATING")
        world.update_cluster(env, "cluster-00030", clusterDescription="Changed description")
        diff = fs.diff_finspace_clusters(env, checkpoint=ckpt, **options)
    assert changes(diff) == {
        "cluster-00003": "changed",
        "cluster-00011": "changed",
        "cluster-00020": "removed",
        "cluster-00030": "changed",
        "cluster-new": "added",
    }
    row = diff.set_index("clusterName").loc["cluster-00003"]
    assert (row["status"], row["previousStatus"]) == ("DELETING", old["status"])
    assert (
        row["previousLastModifiedTimestamp"].value
        == round(old["lastModifiedTimestamp"] * 1000) * 10**6
    )
    assert row["lastModifiedTimestamp"] > row["previousLastModifiedTimestamp"]
    removed = diff.set_index("clusterName").loc["cluster-00020"]
    assert pd.isna(removed["status"])
    assert not pd.isna(removed["previousStatus"])
    assert list(diff.columns) == diff_schema("ListKxClusters").names
    assert list(diff["change"].cat.categories) == ["added", "removed", "changed"]
    assert str(diff["status"].dtype) == "category"


def test_diff_finishes_an_interrupted_listing(tmp_path: Path) -> None:
    ckpt = tmp_path / "listings.db"
    with FakeFinSpace(clusters=30) as fake:
        env, world = fake.environment_id, fake.world
        options = fake.options | {"page_size": 10}
        fs.read_finspace_clusters(env, checkpoint=ckpt, **options)  # the baseline
        world.update_cluster(env, "cluster-00002", status="UPDATING")
        world.update_cluster(env, "cluster-00025", status="UPDATING")
        reader = fs.scan_finspace_clusters(env, checkpoint=ckpt, **options)
        reader.read_next_batch()
        reader.read_next_batch()  # the first page is now delivered, the second in hand
        reader.close()
        diff = fs.diff_finspace_clusters(env, checkpoint=ckpt, **options)
        assert changes(diff) == {"cluster-00002": "changed", "cluster-00025": "changed"}
        assert fake.stats.operations["ListKxClusters"] == 3 + 2 + 2


def test_old_snapshots_are_deleted(tmp_path: Path) -> None:
    with FakeFinSpace(clusters=25) as fake, open_checkpoint(tmp_path / "c.db") as store:
        env = fake.environment_id
        for _ in range(3):
            fs.diff_finspace_clusters(env, checkpoint=store, page_size=10, **fake.options)
        key = f"finspace:us-east-1:ListKxClusters:environmentId={env}"
        assert store.keys() == [key, f"{key}#3:0", f"{key}#3:1", f"{key}#3:2"]


def test_diffs_of_filtered_listings_are_separate(tmp_path: Path) -> None:
    ckpt = tmp_path / "listings.db"
    with FakeFinSpace(clusters=25) as fake:
        env = fake.environment_id
        hdb = fs.diff_finspace_clusters(env, "HDB", checkpoint=ckpt, **fake.options)
        everything = fs.diff_finspace_clusters(env, checkpoint=ckpt, **fake.options)
    assert len(hdb) == 5
    assert len(everything) == 25


def test_checkpoint_is_required() -> None:
    with pytest.raises(TypeError):
        fs.diff_finspace_clusters("abc")  # type: ignore[call-arg]
