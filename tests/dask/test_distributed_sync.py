"""Dask syncs on a cluster of two worker processes survive a dead worker and a dead client.

A worker SIGKILLed in the middle of a task: Dask runs the task again elsewhere, it
resumes from the commits, and the dataset equals a one-shot read. The client killed
in the middle of the graph: its tasks are cancelled (they stop at their next page),
and the graph run again reads only what was not committed (counted at the fake).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import distributed
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pytest

import arrowtap
import arrowtap.dask
from arrowtap.checkpoint import open_checkpoint
from arrowtap.connectors.pvarchiver.samples import checkpoint_name
from arrowtap.io import offsets
from arrowtap.testing.pvarchiver import FakeArchiver
from arrowtap.testing.pvarchiver.channels import DEFAULT_END_NS, default_channels
from arrowtap.testing.pvarchiver.faults import Faults

from .cluster import client_process, local_cluster, wait_idle

CHANNELS = ["root:ai1", "ring/current", "temp+offset", "beam energy", "msg:text", "ROOT:ai2"]
CHANNELS += ["myTest1Example", "myTest2Example"]
END = DEFAULT_END_NS


@pytest.fixture
def fake() -> Iterator[FakeArchiver]:
    with FakeArchiver([s for s in default_channels() if s.name in CHANNELS]) as fake:
        yield fake


def _sorted(table: pa.Table) -> pd.DataFrame:
    table = table.replace_schema_metadata(None).sort_by(
        [("channel", "ascending"), ("time", "ascending")]
    )
    return table.to_pandas(types_mapper=pd.ArrowDtype)


def _assert_equals_one_shot(to: Path, url: str) -> None:
    truth = arrowtap.scan_archive_samples(url, CHANNELS, 0, END, unit="ns").read_all()
    written = ds.dataset(to, partitioning="hive").to_table()  # channel=<name>/ directories
    pd.testing.assert_frame_equal(_sorted(written), _sorted(truth))


def _call(url: str, to: Path) -> str:
    return (
        f"arrowtap.dask.sync_archive_samples({url!r}, {CHANNELS!r}, 0, {END}, unit='ns', "
        f"to={str(to)!r}, npartitions=4, page_size=400)"
    )


def test_a_worker_killed_mid_graph_gives_the_one_shot_dataset(
    fake: FakeArchiver, tmp_path: Path
) -> None:
    marker = tmp_path / "a-worker-died"
    to = tmp_path / "out"
    env = {"ARROWTAP_CRASHPOINT": f"after_commit:3:{marker}"}
    with local_cluster(env) as cluster, distributed.Client(cluster):
        arrowtap.dask.sync_archive_samples(
            fake.url, CHANNELS, 0, END, to=to, npartitions=4, page_size=400, unit="ns"
        )
    assert marker.exists(), "no worker was killed"
    _assert_equals_one_shot(to, fake.url)


def _committed(to: Path, url: str) -> dict[str, int]:
    location = to.with_name(to.name + ".checkpoint.sqlite")  # beside the dataset
    if not location.exists():
        return {}
    with open_checkpoint(location, checkpoint_name(url)) as store:
        return {c: s.offset for c in CHANNELS if (s := offsets.load(store, c)).offset is not None}


def _requested(paths: list[str]) -> set[str]:
    prefix = "/archive-access/api/1.0/archive/1/samples/"
    return {unquote(urlsplit(p).path[len(prefix) :]) for p in paths if prefix in p}


def test_a_client_killed_mid_graph_then_rerun_reads_only_what_was_not_committed(
    fake: FakeArchiver, tmp_path: Path
) -> None:
    to = tmp_path / "out"
    last = {c: int(t.value) for c, t in fake_last_times(fake.url).items()}
    fake.faults = Faults(rate=1.0, kinds=("slow",), slow_delay=0.3, seed=2)
    with local_cluster() as cluster, distributed.Client(cluster) as client:
        proc = client_process(cluster.scheduler_address, _call(fake.url, to))
        try:
            deadline = time.monotonic() + 120
            while not any(last[c] == o for c, o in _committed(to, fake.url).items()):
                assert proc.poll() is None, proc.communicate()
                assert time.monotonic() < deadline, "no channel was committed whole"
                time.sleep(0.05)
        finally:
            proc.kill()
            proc.communicate()
        wait_idle(client)
        done = {c for c, o in _committed(to, fake.url).items() if o == last[c]}
        assert done
        assert done != set(CHANNELS), "kill the client with work left"
        fake.faults = Faults()
        mark = fake.stats.requests
        arrowtap.dask.sync_archive_samples(
            fake.url, CHANNELS, 0, END, to=to, npartitions=4, page_size=400, unit="ns"
        )
        again = _requested(list(fake.stats.paths)[-(fake.stats.requests - mark) :])
    assert again == set(CHANNELS) - done
    _assert_equals_one_shot(to, fake.url)


def fake_last_times(url: str) -> dict[str, pd.Timestamp]:
    table = arrowtap.scan_archive_samples(
        url, CHANNELS, 0, END, columns=["channel", "time"], unit="ns"
    ).read_all()
    frame = table.to_pandas()
    return frame.groupby("channel")["time"].max().to_dict()
