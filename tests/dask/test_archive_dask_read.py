"""arrowtap.dask on a distributed LocalCluster with two worker processes."""

import pandas as pd
import pytest

import arrowtap
import arrowtap.dask

from .cluster import dask_default_port_taken, local_cluster

END = 2**62

pytestmark = pytest.mark.slow


def test_dask_on_two_worker_processes_equals_pandas(fake_archiver) -> None:  # type: ignore[no-untyped-def]
    distributed = pytest.importorskip("distributed")
    url = fake_archiver.url
    lo = min(fake_archiver.raw_samples(n)[0]["time"] for n in fake_archiver.channel_names)
    hi = END
    expected = arrowtap.read_archive_samples(url, "*", lo, hi, unit="ns")
    ddf = arrowtap.dask.read_archive_samples(url, "*", lo, hi, npartitions=6, unit="ns")
    assert ddf.known_divisions
    assert ddf.divisions[0] == pd.Timestamp(lo, tz="UTC")
    with (
        dask_default_port_taken(),  # a busy 8787 once failed this test
        local_cluster() as cluster,
        distributed.Client(cluster) as client,
    ):
        got = client.compute(ddf).result()
    assert got.index.name == "time"
    assert got.index.is_monotonic_increasing
    got = got.reset_index()[list(expected.columns)]
    order = ["channel", "time"]
    left = got.sort_values(order).reset_index(drop=True)
    right = expected.sort_values(order).reset_index(drop=True)
    pd.testing.assert_frame_equal(left, right)


def test_empty_windows_have_the_meta_dtypes(fake_archiver) -> None:  # type: ignore[no-untyped-def]
    ddf = arrowtap.dask.read_archive_samples(
        fake_archiver.url, "*", 0, 10, npartitions=2, unit="ns"
    )
    frame = ddf.compute(scheduler="sync")
    assert len(frame) == 0
    assert list(frame.dtypes) == list(ddf._meta.dtypes)
