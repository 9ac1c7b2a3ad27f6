"""diff_finspace_clusters: added, removed, status or lastModified changed, since the last run."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

from arrowtap.checkpoint import Checkpoint, open_checkpoint
from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.finspace import listings as fs
from arrowtap.connectors.finspace.state import CHUNK_ROWS, diff_schema
from arrowtap.errors import CheckpointError, UnavailableError
from arrowtap.io import offsets
from arrowtap.testing.finspace import FakeFinSpace


def changes(df: pd.DataFrame) -> dict[str, str]:
    return dict(zip(df["clusterName"], df["change"].astype(str), strict=True))


def key_of(env: str) -> str:
    return f"finspace:us-east-1:ListKxClusters:environmentId={env}"


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


def test_a_diff_that_fails_midway_records_nothing(tmp_path: Path) -> None:
    ckpt = tmp_path / "listings.db"
    with FakeFinSpace(clusters=30) as fake:
        env, world = fake.environment_id, fake.world
        options = fake.options | {"page_size": 10}
        fs.diff_finspace_clusters(env, checkpoint=ckpt, **options)  # the baseline
        with open_checkpoint(ckpt, "finspace-listings") as store:
            recorded = {k: store.read_json(k) for k in store.keys()}
        world.update_cluster(env, "cluster-00002", status="UPDATING")
        world.update_cluster(env, "cluster-00025", status="UPDATING")

        def fail_the_second_page(response: httpx.Response) -> None:
            if response.status_code == 200:
                fake.fail_next("InternalServerException")

        failing = httpx.Client(event_hooks={"response": [fail_the_second_page]})
        with failing, pytest.raises(UnavailableError, match="InternalServerException"):
            fs.diff_finspace_clusters(
                env, checkpoint=ckpt, client=failing, retry=RetryPolicy(attempts=1), **options
            )
        with open_checkpoint(ckpt, "finspace-listings") as store:
            assert {k: store.read_json(k) for k in store.keys()} == recorded
        # The changes are still reported: they are measured against the same baseline.
        diff = fs.diff_finspace_clusters(env, checkpoint=ckpt, **options)
        assert changes(diff) == {"cluster-00002": "changed", "cluster-00025": "changed"}
        assert fs.diff_finspace_clusters(env, checkpoint=ckpt, **options).empty


def test_old_baselines_are_forgotten(tmp_path: Path) -> None:
    with FakeFinSpace(clusters=25) as fake, open_checkpoint(tmp_path / "c.db") as store:
        env = fake.environment_id
        for _ in range(3):
            fs.diff_finspace_clusters(env, checkpoint=store, page_size=10, **fake.options)
        key = key_of(env)
        assert store.keys() == [f"{key}#3:0", f"{key}#baseline"]
        assert store.read_json(f"{key}#baseline") == {"gen": 3, "chunks": 1, "rows": 25}
        assert store.is_active  # left open


def test_a_large_baseline_is_chunked_and_shrinks(tmp_path: Path) -> None:
    with (
        FakeFinSpace(clusters=CHUNK_ROWS * 2 + 3) as fake,
        open_checkpoint(tmp_path / "c") as store,
    ):
        env, key = fake.environment_id, key_of(fake.environment_id)
        first = fs.diff_finspace_clusters(env, checkpoint=store, **fake.options)
        assert len(first) == CHUNK_ROWS * 2 + 3
        assert store.keys() == [f"{key}#1:0", f"{key}#1:1", f"{key}#1:2", f"{key}#baseline"]
        for i in range(CHUNK_ROWS + 10):
            fake.world.remove_cluster(env, f"cluster-{i:05d}")
        second = fs.diff_finspace_clusters(env, checkpoint=store, **fake.options)
        assert set(second["change"].astype(str)) == {"removed"}
        assert len(second) == CHUNK_ROWS + 10
        assert store.keys() == [f"{key}#2:0", f"{key}#baseline"]
        assert fs.diff_finspace_clusters(env, checkpoint=store, **fake.options).empty


def test_diffs_of_filtered_listings_are_separate(tmp_path: Path) -> None:
    ckpt = tmp_path / "listings.db"
    with FakeFinSpace(clusters=25) as fake:
        env = fake.environment_id
        hdb = fs.diff_finspace_clusters(env, "HDB", checkpoint=ckpt, **fake.options)
        everything = fs.diff_finspace_clusters(env, checkpoint=ckpt, **fake.options)
    hdbs = [c for c in fake.world.clusters[env].values() if c["clusterType"] == "HDB"]
    assert len(hdb) == len(hdbs) > 0
    assert len(everything) == 25


def _writer_module() -> str:
    for frame in inspect.stack()[2:]:
        module = str(frame.frame.f_globals.get("__name__", ""))
        if not module.startswith("arrowtap.checkpoint"):
            return module
    return "?"


def test_the_checkpoint_is_written_by_io_offsets_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writers: list[str] = []

    def spy(original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            writers.append(_writer_module())
            return original(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(Checkpoint, "write", spy(Checkpoint.write))
    monkeypatch.setattr(Checkpoint, "delete", spy(Checkpoint.delete))
    with FakeFinSpace(clusters=12) as fake:
        for _ in range(2):  # the second one forgets the first baseline
            fs.diff_finspace_clusters(
                fake.environment_id, checkpoint=tmp_path / "c", **fake.options
            )
    assert writers
    assert set(writers) == {"arrowtap.io.offsets"}


def test_a_diff_and_a_sync_share_a_checkpoint(tmp_path: Path) -> None:
    ckpt = tmp_path / "shared.db"
    with FakeFinSpace(clusters=15) as fake:
        env = fake.environment_id
        fs.sync_finspace_clusters(env, to=tmp_path / "out", checkpoint=ckpt, **fake.options)
        with open_checkpoint(ckpt, "finspace-listings") as store:
            state = offsets.load(store, key_of(env))
        assert state.seq == 1
        assert len(fs.diff_finspace_clusters(env, checkpoint=ckpt, **fake.options)) == 15
        assert fs.diff_finspace_clusters(env, checkpoint=ckpt, **fake.options).empty
        with open_checkpoint(ckpt, "finspace-listings") as store:
            assert offsets.load(store, key_of(env)) == state  # the sync's state is untouched
        second = fs.sync_finspace_clusters(
            env, to=tmp_path / "out", checkpoint=ckpt, **fake.options
        )
        assert second.rows == 15


def test_a_foreign_baseline_section_is_refused(tmp_path: Path) -> None:
    with FakeFinSpace(clusters=3) as fake, open_checkpoint(tmp_path / "c.db", "x") as store:
        env = fake.environment_id
        store.write_json({f"{key_of(env)}#baseline": [1, 2]})
        with pytest.raises(CheckpointError, match="does not hold a listing baseline"):
            fs.diff_finspace_clusters(env, checkpoint=store, **fake.options)
        assert fake.stats.requests == 0  # refused before listing
        store.write_json({f"{key_of(env)}#baseline": {"gen": 4, "chunks": 1, "rows": 3}})
        with pytest.raises(CheckpointError, match="lacks the baseline section"):
            fs.diff_finspace_clusters(env, checkpoint=store, **fake.options)


def test_checkpoint_is_required() -> None:
    with pytest.raises(TypeError):
        fs.diff_finspace_clusters("abc")  # type: ignore[call-arg]
