"""The dataset layout: partition directories, staged writes, the checkpoint beside the dataset."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

import arrowtap
from arrowtap.checkpoint import open_checkpoint
from arrowtap.errors import CheckpointError, InvalidArgumentError, SinkError
from arrowtap.io import offsets
from arrowtap.io.checkpoint_home import LEGACY_NAME
from arrowtap.io.job import checkpoint_location
from arrowtap.io.layout import hive_value, legacy_dirname, partition_dirname
from arrowtap.io.sink import ParquetDatasetSink, open_dataset
from arrowtap.testing.pvarchiver import FakeArchiver
from arrowtap.testing.pvarchiver.channels import DEFAULT_END_NS

from .conformance.suite import same_rows


def _page(key: str, n: int = 2) -> pa.RecordBatch:
    return pa.record_batch({"channel": [key] * n, "x": list(range(n))})


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


# -- names -------------------------------------------------------------------------------


def test_a_hive_value_is_escaped_where_an_engine_would_type_it() -> None:
    assert hive_value("root:ai1") == "root%3Aai1"
    assert hive_value("123") == "%3123"
    assert hive_value("-5") == "%2D5"
    assert hive_value("true") == "%74rue"
    assert hive_value("_x") == "%5Fx"
    assert hive_value("x=1/2 %") == "x%3D1%2F2%20%25"
    assert hive_value("é") == "%C3%A9"


def test_plain_directories_have_no_equal_sign_and_are_not_hidden() -> None:
    for key in ("a=b", "_x", ".y", "..", "kinetica:SELECT x FROM t"):
        name = partition_dirname(key)
        assert "=" not in name, name
        assert name[0] not in "._", name
    assert partition_dirname("_x") != legacy_dirname("_x")
    with pytest.raises(InvalidArgumentError, match="longer than 255 bytes"):
        partition_dirname("é" * 100, "channel")
    with pytest.raises(InvalidArgumentError, match="partition_column"):
        ParquetDatasetSink("out", partition_column="a=b")


# -- writes ------------------------------------------------------------------------------


def test_a_write_is_staged_beside_the_dataset_under_a_name_of_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sink = ParquetDatasetSink(tmp_path / "out", partition_column="channel")
    assert sink.staging == tmp_path / ".out.staging"
    sink.begin("a", 0)
    renamed: list[tuple[str, str]] = []
    real = os.replace

    def spy(src: str, dst: str) -> None:
        renamed.append((str(src), str(dst)))
        assert _files(tmp_path / "out") == [f"channel=a/part-{i:09d}.parquet" for i in
                                            range(len(renamed) - 1)]  # fmt: skip
        real(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    sink.write("a", 0, _page("a"))
    sink.write("a", 1, _page("a"))
    (first, _), (second, _) = renamed
    assert Path(first).parent == Path(second).parent == tmp_path / ".out.staging" / "channel=a"
    assert Path(first).name != Path(second).name
    assert ds.dataset(tmp_path / "out", partitioning="hive").count_rows() == 4


def test_begin_removes_a_dead_writers_staged_files_and_uncommitted_pages(tmp_path: Path) -> None:
    sink = ParquetDatasetSink(tmp_path / "out", partition_column="channel")
    sink.begin("a", 0)
    for seq in range(3):
        sink.write("a", seq, _page("a"))
    staged = sink.staging / "channel=a"
    (staged / "0123-part-000000003.parquet").write_bytes(b"half")
    (sink.folder("a") / ".tmp-part-000000003.parquet").write_bytes(b"half")  # older layout
    sink.begin("a", 2)
    assert _files(tmp_path / "out") == [f"channel=a/part-{i:09d}.parquet" for i in range(2)]
    assert not staged.exists() or list(staged.iterdir()) == []


def test_a_row_of_another_value_than_its_directory_is_refused(tmp_path: Path) -> None:
    sink = ParquetDatasetSink(tmp_path / "out", partition_column="channel")
    sink.begin("a", 0)
    with pytest.raises(SinkError, match="other channel values"):
        sink.write("a", 0, pa.record_batch({"channel": ["a", "b"], "x": [1, 2]}))
    with pytest.raises(SinkError, match="no column 'channel'"):
        sink.write("a", 0, pa.record_batch({"x": [1]}))
    assert _files(tmp_path / "out") == []


def test_begin_keeps_merged_files_drops_what_they_hold_and_refuses_a_cut_through_one(
    tmp_path: Path,
) -> None:
    sink = ParquetDatasetSink(tmp_path / "out")
    sink.begin("a", 0)
    for seq in range(4):
        sink.write("a", seq, _page("a"))
    folder = sink.folder("a")
    # A compaction that died after its rename: pages 0-2 merged, the old files still there.
    pq.write_table(
        pa.Table.from_batches([_page("a", 6)]), folder / "part-000000000-000000002.parquet"
    )
    sink.begin("a", 4)
    assert sorted(p.name for p in folder.iterdir()) == [
        "part-000000000-000000002.parquet",
        "part-000000003.parquet",
    ]
    assert [(p.first, p.last) for p in sink.files("a")] == [(0, 2), (3, 3)]
    assert [seq for seq, _ in sink.pages("a")] == [2, 3]
    with pytest.raises(SinkError, match="across the 2 committed"):
        sink.begin("a", 2)


def test_a_dataset_of_the_earlier_layout_moves_on_when_synced(tmp_path: Path) -> None:
    channels = ["root:ai1", "beam energy"]
    start, end = DEFAULT_END_NS - 300 * 10**9, DEFAULT_END_NS - 100 * 10**9
    to = tmp_path / "out"
    with FakeArchiver() as fake:
        arrowtap.sync_archive_samples(
            fake.url, channels, start, end, to=to, page_size=40, unit="ns"
        )
        # As the previous release left it: plain directories and the checkpoint inside.
        for name in channels:
            os.rename(open_dataset(to).folder(name), to / legacy_dirname(name))
        os.rename(tmp_path / "out.checkpoint.sqlite", to / LEGACY_NAME)
        assert arrowtap.sync_archive_samples(fake.url, channels, start, to=to, unit="ns").rows > 0
        truth = arrowtap.scan_archive_samples(fake.url, channels, start, unit="ns").read_all()
    assert sorted(p.name for p in to.iterdir()) == ["channel=beam%20energy", "channel=root%3Aai1"]
    assert same_rows(ds.dataset(to, partitioning="hive").to_table(), truth, ["channel", "time"])


# -- the checkpoint beside the dataset ---------------------------------------------------------


def test_the_default_checkpoint_is_beside_the_dataset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert checkpoint_location(tmp_path / "out", None) == tmp_path / "out.checkpoint.sqlite"
    assert checkpoint_location(tmp_path / "out", "mine.sqlite") == "mine.sqlite"
    monkeypatch.chdir(tmp_path / ".")
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    assert checkpoint_location(".", None) == tmp_path / "here.checkpoint.sqlite"


def _old_checkpoint(to: Path) -> None:
    to.mkdir(parents=True)
    with open_checkpoint(to / LEGACY_NAME, "job") as store:
        offsets.commit(store, {"a": offsets.PartitionState(7, 3)})
        # A reader left open keeps the last commit in the WAL, as a killed sync would.
        held = sqlite3.connect(to / LEGACY_NAME)
        held.execute("SELECT * FROM sections").fetchall()
    held.close()


def test_an_old_checkpoint_inside_the_dataset_is_moved_beside_it_once(tmp_path: Path) -> None:
    to = tmp_path / "out"
    _old_checkpoint(to)
    location = checkpoint_location(to, None)
    assert location == tmp_path / "out.checkpoint.sqlite"
    assert list(to.iterdir()) == []  # the file and its -wal and -shm
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    with open_checkpoint(location, "job") as store:
        assert offsets.load(store, "a").offset == 7
    assert os.stat(location).st_mode & 0o777 == 0o600
    assert checkpoint_location(to, None) == location  # nothing left to move


def test_two_checkpoints_of_one_dataset_are_an_error_naming_both(tmp_path: Path) -> None:
    to = tmp_path / "out"
    _old_checkpoint(to)
    (tmp_path / "out.checkpoint.sqlite").write_bytes(b"")
    with pytest.raises(CheckpointError, match="two checkpoints") as caught:
        checkpoint_location(to, None)
    assert str(to / LEGACY_NAME) in str(caught.value)
    assert str(tmp_path / "out.checkpoint.sqlite") in str(caught.value)
    assert (to / LEGACY_NAME).exists()
