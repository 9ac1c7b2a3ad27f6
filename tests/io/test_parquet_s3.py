"""A Parquet dataset in object storage (``to="s3://lake/..."``), against moto's S3 server.

Each page is PUT under its final name, unique per writer (no rename in S3); the
checkpoint is given (no directory beside the dataset) and holds the lease. A sync
equals a one-shot read through pyarrow and Polars; a resumed one drops the pages
no commit holds and a stale writer's second copy of a committed page.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pytest

import arrowtap
from arrowtap.checkpoint import Lease, open_checkpoint
from arrowtap.connectors.pvarchiver.samples import checkpoint_name
from arrowtap.errors import DestinationHeldError, InvalidArgumentError, TransportError
from arrowtap.io.contract import Partition, Plan
from arrowtap.io.dask import sync_groups
from arrowtap.io.job import sync_job
from arrowtap.io.object_sink import ObjectDatasetSink
from arrowtap.testing.pvarchiver import FakeArchiver

from ..conformance.suite import same_rows
from .conftest import SECRET
from .listsource import ListSource

URL = "s3://lake/samples"


def s3fs() -> pafs.FileSystem:
    return pafs.FileSystem.from_uri(URL)[0]  # from the environment: endpoint, credentials


def read_pyarrow(prefix: str) -> pa.Table:
    return ds.dataset(prefix, filesystem=s3fs(), partitioning="hive").to_table()


def read_polars(url: str, s3: dict[str, str]) -> pa.Table:
    options = {k.lower(): v for k, v in s3.items() if k.startswith("AWS_")}
    frame = pl.scan_parquet(f"{url}/**/*.parquet", hive_partitioning=True, storage_options=options)
    return frame.collect().to_arrow()


def as_read(table: pa.Table, truth: pa.Table) -> pa.Table:
    table = table.select(truth.column_names)
    return pa.table([c.cast(f.type) for c, f in zip(table.columns, truth.schema, strict=True)],
                    schema=truth.schema.remove_metadata())  # fmt: skip


def test_a_sync_into_s3_reads_back_as_a_one_shot_read(
    fake_archiver: FakeArchiver, s3_env: dict[str, str], tmp_path: Path
) -> None:
    ckpt = tmp_path / "ck.sqlite"
    url = fake_archiver.url
    first = arrowtap.sync_archive_samples(url, "*", 0, to=URL, checkpoint=ckpt, page_size=500)
    with (
        open_checkpoint(ckpt, checkpoint_name(url)) as store,
        Lease(store),
        pytest.raises(DestinationHeldError),
    ):
        arrowtap.sync_archive_samples(url, "*", 0, to=URL, checkpoint=ckpt)
    second = arrowtap.sync_archive_samples(url, "*", 0, to=URL, checkpoint=ckpt, page_size=500)
    truth = arrowtap.scan_archive_samples(url, "*", 0).read_all()
    assert (first.rows, second.rows) == (truth.num_rows, 0)
    assert first.pages > len(set(truth["channel"].to_pylist()))  # several pages a channel
    for table in (read_pyarrow("lake/samples"), read_polars(URL, s3_env)):
        assert table.num_rows == truth.num_rows
        assert same_rows(as_read(table, truth), truth, ["channel", "time"])
    infos = s3fs().get_file_info(pafs.FileSelector("lake/samples", recursive=True))
    names = [i.base_name for i in infos if i.type == pafs.FileType.File]
    assert names
    assert all(n.startswith("part-") and n.endswith(".parquet") for n in names)
    assert SECRET not in repr(ObjectDatasetSink(URL))


def test_a_resumed_sync_drops_what_no_commit_holds(s3_env: dict[str, str], tmp_path: Path) -> None:
    ckpt, parts = tmp_path / "ck.sqlite", [Partition("a"), Partition("b")]
    to = "s3://lake/list"
    with pytest.raises(TransportError):  # "a" commits page 0 and fails; "b" never starts
        sync_job(lambda: Plan(ListSource(fail_at=5), parts, "s3"), to=to, checkpoint=ckpt,
                 max_concurrency=1)  # fmt: skip
    stale = ObjectDatasetSink(to, token=0)  # a writer that lost its lease to token 1 and wrote on
    stale.write("a", 0, pa.record_batch({"key": ["a"], "i": [99]}))  # a copy of committed page 0
    stale.write("a", 7, pa.record_batch({"key": ["a"], "i": [98]}))  # a page never committed
    assert len(read_pyarrow("lake/list")) == 3 + 2  # the committed page, and both
    summary = sync_job(lambda: Plan(ListSource(), parts, "s3"), to=to, checkpoint=ckpt)
    assert summary.rows == 7 + 10
    table = read_pyarrow("lake/list")
    rows = sorted(zip(table["key"].to_pylist(), table["i"].to_pylist(), strict=True))
    assert rows == sorted((k, i) for k in ("a", "b") for i in range(10))
    tokens = {page.token for key in ("a", "b") for page in ObjectDatasetSink(to).files(key)}
    assert tokens == {1, 2}  # the pages of each run's lease


def test_a_dataset_in_object_storage_needs_a_checkpoint(tmp_path: Path) -> None:
    def never() -> Plan:
        raise AssertionError("planned")

    with pytest.raises(InvalidArgumentError, match="lease"):
        sync_job(never, to="s3://lake/t", checkpoint=None)
    with pytest.raises(InvalidArgumentError, match="s3://bucket/prefix"):
        sync_job(never, to="gs://lake/t", checkpoint=tmp_path / "c.sqlite")


def test_dask_tasks_sync_into_one_dataset_in_s3(s3_env: dict[str, str], tmp_path: Path) -> None:
    parts = [Partition(k) for k in ("a", "b", "c")]
    plan = Plan(ListSource(), parts, "s3-dask")
    ckpt = tmp_path / "ck.sqlite"  # on a file system every worker sees (or HarperDB)
    summary = sync_groups(plan, [[p] for p in parts], to="s3://lake/dask", checkpoint=ckpt)
    again = sync_groups(plan, [[p] for p in parts], to="s3://lake/dask", checkpoint=ckpt)
    assert (summary.rows, again.rows) == (30, 0)
    table = read_pyarrow("lake/dask")
    rows = sorted(zip(table["key"].to_pylist(), table["i"].to_pylist(), strict=True))
    assert rows == sorted((p.key, i) for p in parts for i in range(10))
