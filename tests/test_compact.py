"""Compaction: fewer files, the same rows, beside a running sync, after a crash, and rewinds."""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

import arrowtap
from arrowtap.checkpoint import open_checkpoint
from arrowtap.errors import SinkError
from arrowtap.io import compact as compaction
from arrowtap.io import offsets
from arrowtap.io.contract import Page, Partition
from arrowtap.io.sink import ParquetDatasetSink, open_dataset, page_offset_of
from arrowtap.testing.delta import read_delta_table
from arrowtap.testing.kinetica import FakeKinetica
from arrowtap.testing.pvarchiver import FakeArchiver
from arrowtap.testing.pvarchiver.channels import DEFAULT_END_NS

from .conformance.suite import _nan_free, same_rows
from .conformance.test_kinetica import fill

CHANNELS = ["root:ai1", "beam energy", "123"]
START = DEFAULT_END_NS - 1200 * 10**9
KEYS = ["channel", "time"]


@pytest.fixture
def archive() -> Iterator[FakeArchiver]:
    import dataclasses

    from arrowtap.testing.pvarchiver.channels import default_channels

    specs = [s for s in default_channels() if s.name in CHANNELS[:2]]
    specs.append(dataclasses.replace(specs[0], name="123", seed=9))
    with FakeArchiver(specs) as fake:
        yield fake


def _read(to: Path) -> pa.Table:
    return ds.dataset(to, partitioning="hive").to_table()


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_compaction_keeps_the_rows_and_the_numbering(archive: FakeArchiver, tmp_path: Path) -> None:
    to = tmp_path / "out"
    first = arrowtap.sync_archive_samples(
        archive.url, CHANNELS, START, to=to, page_size=40, unit="ns"
    )
    truth = arrowtap.scan_archive_samples(archive.url, CHANNELS, START, unit="ns").read_all()
    dataset = open_dataset(to)
    pages = {key: dataset.files(key) for key in CHANNELS}
    size = max(p.path.stat().st_size for files in pages.values() for p in files)
    summary = arrowtap.compact(to, target_size=4 * size)
    assert summary.merged == first.pages
    assert summary.partitions == len(CHANNELS)
    assert same_rows(_read(to), truth, KEYS)
    for key in CHANNELS:
        files = dataset.files(key)
        assert 1 < len(files) < len(pages[key])
        assert [(f.first, f.last) for f in files][-1][1] == pages[key][-1].last
        assert all(f.path.stat().st_size <= 4 * size for f in files)
    assert arrowtap.sync_archive_samples(archive.url, CHANNELS, START, to=to, unit="ns").rows == 0
    files = sum(len(dataset.files(k)) for k in CHANNELS)
    assert arrowtap.compact(to).merged == files
    assert all(len(dataset.files(key)) == 1 for key in CHANNELS)
    assert same_rows(_read(to), truth, KEYS)


def test_a_merged_file_keeps_the_offset_of_its_last_page(tmp_path: Path) -> None:
    sink = ParquetDatasetSink(tmp_path / "out")
    sink.begin("a", 0)
    for seq in range(5):
        batch = pa.record_batch({"x": [seq]}).replace_schema_metadata(
            {b"arrowtap.offset": str(seq * 10).encode()}
        )
        sink.write("a", seq, batch)
    with open_checkpoint(tmp_path / "out.checkpoint.sqlite", "job") as store:
        offsets.commit(store, {"a": offsets.PartitionState(30, 4)})  # page 4: not committed
    assert arrowtap.compact(tmp_path / "out").merged == 4
    assert _names(sink.folder("a")) == [
        "part-000000000-000000003.parquet",
        "part-000000004.parquet",
    ]
    merged = sink.files("a")[0].path
    assert page_offset_of(pq.read_schema(merged)) == 30
    assert pq.read_table(merged)["x"].to_pylist() == [0, 1, 2, 3]
    with compaction.dataset_lock(sink), pytest.raises(SinkError, match="another compaction"):
        arrowtap.compact(tmp_path / "out")


def test_a_compaction_killed_after_its_rename_is_repaired(
    archive: FakeArchiver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    to = tmp_path / "out"
    arrowtap.sync_archive_samples(archive.url, CHANNELS, START, to=to, page_size=40, unit="ns")
    truth = arrowtap.scan_archive_samples(archive.url, CHANNELS, START, unit="ns").read_all()

    def killed(path: Path) -> None:
        raise KeyboardInterrupt  # stands for a SIGKILL between the rename and the unlinks

    monkeypatch.setattr(compaction, "_unlink", killed)
    with pytest.raises(KeyboardInterrupt):
        arrowtap.compact(to)
    monkeypatch.undo()
    assert _read(to).num_rows > truth.num_rows  # the merged rows are there twice, for now
    arrowtap.sync_archive_samples(
        archive.url, CHANNELS, START, to=to, unit="ns"
    )  # its begin repairs
    assert same_rows(_read(to), truth, KEYS)
    monkeypatch.setattr(compaction, "_unlink", killed)
    with pytest.raises(KeyboardInterrupt):
        arrowtap.compact(to)
    monkeypatch.undo()
    arrowtap.compact(to)  # so does the next compaction
    assert same_rows(_read(to), truth, KEYS)


def test_a_compaction_beside_a_running_sync_loses_and_doubles_nothing(
    archive: FakeArchiver, tmp_path: Path
) -> None:
    to = tmp_path / "out"
    halfway, compacted = threading.Event(), threading.Event()
    seen: dict[str, int] = {}

    def on_page(part: Partition, page: Page) -> None:
        seen[part.key] = seen.get(part.key, 0) + 1
        if seen[part.key] == 5 and not halfway.is_set():
            halfway.set()  # this partition goes on once a compaction ran; the others meanwhile
            assert compacted.wait(120)

    errors: list[BaseException] = []

    def run() -> None:
        try:
            arrowtap.sync_archive_samples(
                archive.url, CHANNELS, START, to=to, page_size=40, max_concurrency=3,
                on_page=on_page, unit="ns",
            )  # fmt: skip
        except BaseException as exc:
            errors.append(exc)

    sync = threading.Thread(target=run)
    sync.start()
    try:
        assert halfway.wait(120)
        merged = arrowtap.compact(to, target_size=2**20).merged
        compacted.set()
        while sync.is_alive():  # and again while the sync goes on
            merged += arrowtap.compact(to, target_size=2**20).merged
    finally:
        compacted.set()
        sync.join()
    assert errors == []
    assert merged >= 5
    truth = arrowtap.scan_archive_samples(archive.url, CHANNELS, START, unit="ns").read_all()
    assert same_rows(_read(to), truth, KEYS)
    assert arrowtap.sync_archive_samples(archive.url, CHANNELS, START, to=to, unit="ns").rows == 0
    arrowtap.compact(to)
    assert same_rows(_read(to), truth, KEYS)


def test_snapshots_compact_into_the_same_rows(fake_kinetica: FakeKinetica, tmp_path: Path) -> None:
    fill(fake_kinetica)
    sql = "SELECT seq, name AS label, x, n FROM events WHERE seq >= 3"
    to = tmp_path / "sql"
    for _ in range(2):
        arrowtap.sync_kinetica_sql(fake_kinetica.url, sql, to=to, page_size=7)
    order = [("snapshot_time", "ascending"), ("seq", "ascending")]
    before = pq.read_table(to).sort_by(order)
    assert arrowtap.compact(to).written == 1
    after = pq.read_table(to).sort_by(order)
    assert _nan_free(after.to_pylist()) == _nan_free(before.to_pylist())


def test_a_delta_table_is_compacted_by_the_delta_destination(tmp_path: Path) -> None:
    delta = importlib.import_module("arrowtap.io.delta")
    if not hasattr(delta, "compact_delta"):
        pytest.skip("arrowtap.io.delta.compact_delta is not there yet")
    with FakeArchiver() as fake:
        to = f"delta:{tmp_path / 'table'}"
        arrowtap.sync_archive_samples(fake.url, ["root:ai1"], START, to=to, page_size=40, unit="ns")
        truth = arrowtap.scan_archive_samples(fake.url, ["root:ai1"], START, unit="ns").read_all()
    summary = arrowtap.compact(to, target_size=2**20)
    assert summary.merged > 1

    assert read_delta_table(tmp_path / "table").num_rows == truth.num_rows
