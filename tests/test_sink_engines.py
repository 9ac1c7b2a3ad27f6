"""Polars, DuckDB, pyarrow and Dask read a synced dataset as it is, as a one-shot read gives it.

Archive samples are Hive directories (``channel=<name>``) whose values are names
that need encoding care: ``:``, ``/``, ``%``, ``=``, spaces, non-ASCII, and values
that look like numbers, dates or booleans, which must come back as the strings
they are. A snapshot source (Kinetica SQL, the fleet) has directories no reader
turns into a column: the rows come back with the one-shot read's columns (and the
snapshot's time).
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import dask.dataframe as dd
import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds
import pytest

import arrowtap
from arrowtap.io.sync import SNAPSHOT_FIELD
from arrowtap.testing.finspace import FakeFinSpace
from arrowtap.testing.kinetica import FakeKinetica
from arrowtap.testing.pvarchiver import FakeArchiver
from arrowtap.testing.pvarchiver.channels import DEFAULT_END_NS, default_channels

from .conformance.suite import same_rows
from .conformance.test_kinetica import fill


def _duckdb(root: Path) -> pa.Table:
    with duckdb.connect() as con:
        query = "SELECT * FROM read_parquet(?, hive_partitioning = true)"
        relation = con.sql(query, params=[f"{root}/**/*.parquet"])
        assert relation is not None
        return relation.to_arrow_table()


def _dask(root: Path) -> pa.Table:
    with warnings.catch_warnings():
        # Dask's own reset_index(inplace=True), which pandas 3.1 deprecates: not ours to fix.
        warnings.filterwarnings("ignore", "The inplace keyword", Warning)
        frame = dd.read_parquet(root).compute()
    return pa.Table.from_pandas(frame, preserve_index=False)


READERS: dict[str, Callable[[Path], pa.Table]] = {
    "polars": lambda root: pl.scan_parquet(root).collect().to_arrow(),
    "duckdb": _duckdb,
    "pyarrow": lambda root: ds.dataset(root, partitioning="hive").to_table(),
    "dask": _dask,
}

NAMES = [
    "root:ai1",
    "123",
    "007",
    "-5",
    "2024-01-01",
    "true",
    "epoch",
    "ring/current",
    "50% full",
    "k=v",
    "a%2Fb",
    "détecteur:état",
    "_hidden",
    ".dot",
    "~tilde",
]
"""Channel names, each a trap for some engine's decoding or typing of a directory."""


def expected(reader: str, truth: pa.Table) -> pa.Table:
    """What ``reader`` should give: the one-shot read (for Dask, through pandas' defaults)."""
    if reader != "dask":
        return truth
    # Dask's frames are pandas' default ones, whose float columns keep no null apart
    # from NaN (arrowtap's read_* keeps both): the same values, NaN and null merged.
    return pa.Table.from_pandas(truth.to_pandas(), preserve_index=False).cast(truth.schema)


def as_read(table: pa.Table, truth: pa.Table) -> pa.Table:
    """``table`` (an engine's read) in the one-shot read's columns and types."""
    extra = {SNAPSHOT_FIELD.name} if SNAPSHOT_FIELD.name in table.column_names else set()
    assert set(table.column_names) == set(truth.column_names) | extra
    table = table.select(truth.column_names)
    return pa.table([c.cast(f.type) for c, f in zip(table.columns, truth.schema, strict=True)],
                    schema=truth.schema.remove_metadata())  # fmt: skip


@pytest.fixture
def archive() -> Iterator[FakeArchiver]:
    double = next(s for s in default_channels() if s.kind == "double")
    specs = [dataclasses.replace(double, name=name, seed=i) for i, name in enumerate(NAMES)]
    with FakeArchiver(specs) as fake:
        yield fake


@pytest.mark.parametrize("reader", sorted(READERS))
def test_archive_samples_read_back_as_a_one_shot_read(
    archive: FakeArchiver, tmp_path: Path, reader: str
) -> None:
    start = DEFAULT_END_NS - 600 * 10**9
    to = tmp_path / "samples"
    arrowtap.sync_archive_samples(archive.url, NAMES, start, to=to, page_size=50, unit="ns")
    assert not (to / "_checkpoint.sqlite").exists()
    assert (tmp_path / "samples.checkpoint.sqlite").is_file()
    assert all(p.name.startswith("channel=") for p in to.iterdir())
    truth = arrowtap.scan_archive_samples(archive.url, NAMES, start, unit="ns").read_all()
    table = as_read(READERS[reader](to), truth)
    assert table.num_rows == truth.num_rows
    assert same_rows(table, expected(reader, truth), ["channel", "time"])
    assert sorted(set(table["channel"].to_pylist())) == sorted(NAMES)  # strings, all of them


@pytest.mark.parametrize("reader", sorted(READERS))
def test_a_dataset_of_numeric_channel_names_keeps_them_strings_or_fails_loudly(
    tmp_path: Path, reader: str
) -> None:
    double = next(s for s in default_channels() if s.kind == "double")
    specs = [dataclasses.replace(double, name=name) for name in ("123", "4567")]
    to = tmp_path / "samples"
    with FakeArchiver(specs) as fake:
        arrowtap.sync_archive_samples(
            fake.url, ["123", "4567"], DEFAULT_END_NS - 60 * 10**9, to=to, unit="ns"
        )
    if reader in ("pyarrow", "dask"):
        # They type the directory values as int32, which the files' string column refuses.
        with pytest.raises(pa.ArrowTypeError, match="channel"):
            READERS[reader](to)
        table = ds.dataset(to).to_table()  # the files' own column
    else:
        table = READERS[reader](to)
    assert sorted(set(table["channel"].to_pylist())) == ["123", "4567"]


@pytest.mark.parametrize("reader", sorted(READERS))
def test_a_kinetica_sql_snapshot_reads_back_with_its_columns(
    fake_kinetica: FakeKinetica, tmp_path: Path, reader: str
) -> None:
    fill(fake_kinetica)
    sql = "SELECT seq, name AS label, x, n FROM events WHERE seq >= 3"
    to = tmp_path / "sql"
    arrowtap.sync_kinetica_sql(fake_kinetica.url, sql, to=to, page_size=7)
    assert not any("=" in p.name for p in to.iterdir())
    truth = arrowtap.scan_kinetica_sql(fake_kinetica.url, sql).read_all()
    table = as_read(READERS[reader](to), truth)
    assert table.num_rows == truth.num_rows
    assert same_rows(table, expected(reader, truth), ["seq"])


@pytest.fixture
def fleet() -> Iterator[dict[str, object]]:
    with (
        FakeFinSpace(clusters=4, environments=2) as finspace,
        FakeArchiver(admin=True, clock=lambda: 1_700_000_000 * 10**9) as archiver,
    ):
        yield {
            "finspace": sorted(finspace.world.environments),
            "finspace_options": dict(finspace.options),
            "pvarchiver": {"beamline": archiver.admin_url},
        }


@pytest.mark.parametrize("reader", ["polars", "duckdb"])
def test_the_fleet_reads_back_with_its_columns(
    fleet: dict[str, object], tmp_path: Path, reader: str
) -> None:
    to = tmp_path / "fleet"
    arrowtap.sync_fleet(to=to, **fleet)  # type: ignore[arg-type]
    truth = arrowtap.scan_fleet(**fleet).read_all()  # type: ignore[arg-type]
    table = as_read(READERS[reader](to), truth)
    assert same_rows(table, truth, ["system", "cluster", "node", "details"])
