"""A Dask sync into a Delta table: each task commits its pages and offsets in one transaction.

No checkpoint store: a worker SIGKILLed in the middle of the graph has its task run
again elsewhere, which reads its offsets from the table and resumes, and the table
equals a one-shot read. A second run of the graph adds nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import distributed
import pandas as pd
import pyarrow as pa
import pytest

import arrowtap
import arrowtap.dask
from arrowtap.checkpoint import open_checkpoint
from arrowtap.connectors.pvarchiver.samples import checkpoint_name
from arrowtap.io.delta_types import table_to_delta
from arrowtap.testing.delta import read_delta_table
from arrowtap.testing.pvarchiver import FakeArchiver
from arrowtap.testing.pvarchiver.channels import DEFAULT_END_NS, default_channels

from .cluster import local_cluster

CHANNELS = ["root:ai1", "ring/current", "temp+offset", "beam energy", "msg:text", "ROOT:ai2"]
END = DEFAULT_END_NS

pytestmark = pytest.mark.slow


@pytest.fixture
def fake() -> Iterator[FakeArchiver]:
    with FakeArchiver([s for s in default_channels() if s.name in CHANNELS]) as fake:
        yield fake


def _sorted(table: pa.Table) -> pd.DataFrame:
    table = table.select(sorted(table.column_names)).replace_schema_metadata(None)
    table = table.cast(pa.schema([f.with_nullable(True) for f in table.schema]))
    return table.sort_by([("channel", "ascending"), ("time_ns", "ascending")]).to_pandas()


def test_a_worker_killed_mid_graph_gives_the_one_shot_table(
    fake: FakeArchiver, tmp_path: Path
) -> None:
    marker = tmp_path / "a-worker-died"
    path = tmp_path / "table"
    env = {"ARROWTAP_CRASHPOINT": f"after_write:3:{marker}"}
    options = dict(to=f"delta:{path}", npartitions=3, page_size=400)
    with local_cluster(env) as cluster, distributed.Client(cluster):
        arrowtap.dask.sync_archive_samples(fake.url, CHANNELS, 0, END, **options, unit="ns")
        again = arrowtap.dask.sync_archive_samples(fake.url, CHANNELS, 0, END, **options, unit="ns")
    assert marker.exists(), "no worker was killed"
    assert again.rows == 0
    truth = arrowtap.scan_archive_samples(fake.url, CHANNELS, 0, END, unit="ns").read_all()
    expected = table_to_delta(truth)
    written = read_delta_table(path)
    # No checkpoint store: beside the table only the lease the client held, with no section.
    assert [p.name for p in tmp_path.rglob("*.sqlite")] == ["table.checkpoint.sqlite"]
    with open_checkpoint(tmp_path / "table.checkpoint.sqlite", checkpoint_name(fake.url)) as store:
        assert store.keys() == []
    pd.testing.assert_frame_equal(_sorted(written), _sorted(expected), check_dtype=False)
