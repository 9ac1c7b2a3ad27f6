"""Syncs through a faulty archiver produce the identical dataset; permanent faults are typed."""

from pathlib import Path

import pytest

import arrowtap
from arrowtap.connectors.pvarchiver.samples import checkpoint_name
from arrowtap.testing.pvarchiver import Faults

from .conftest import END, dataset, same_rows, sorted_table

KINDS = ("503", "429", "reset", "truncate", "slow", "garbage")
FAST = arrowtap.RetryPolicy(attempts=8, initial=0.01, maximum=0.05, jitter=0.01)


def test_sync_through_every_kind_of_fault_is_identical(fake_archiver, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url = fake_archiver.url
    names = arrowtap.find_archive_channels(url, "*")
    truth = sorted_table(arrowtap.scan_archive_samples(url, names, 0, END, unit="ns").read_all())
    fake_archiver.faults = Faults(rate=0.2, kinds=KINDS, retry_after=0.01, slow_delay=0.05, seed=7)
    summary = arrowtap.sync_archive_samples(
        url, names, 0, END, to=tmp_path / "out", page_size=300, retry=FAST, unit="ns"
    )
    assert fake_archiver.stats.faults_total >= 5
    assert summary.rows == truth.num_rows
    assert same_rows(dataset(tmp_path / "out"), truth)


def test_reads_through_every_kind_of_fault_are_identical(fake_archiver) -> None:  # type: ignore[no-untyped-def]
    url = fake_archiver.url
    names = arrowtap.find_archive_channels(url, "*")
    truth = sorted_table(arrowtap.scan_archive_samples(url, names, 0, END, unit="ns").read_all())
    seen: set[str] = set()
    for seed in range(12):  # bounded: stop once every kind has happened
        fake_archiver.faults = Faults(
            rate=0.3, kinds=KINDS, retry_after=0.01, slow_delay=0.05, seed=seed
        )
        got = arrowtap.scan_archive_samples(
            url, names, 0, END, page_size=200, retry=FAST, unit="ns"
        )
        assert same_rows(sorted_table(got.read_all()), truth), seed
        seen |= {kind for kind, n in fake_archiver.stats.faults.items() if n}
        if seen == set(KINDS):
            break
    assert seen == set(KINDS)


@pytest.mark.parametrize("kind", ["503", "429", "reset", "garbage"])
def test_permanent_failure_raises_typed_error_and_keeps_the_checkpoint(
    fake_archiver, tmp_path: Path, kind: str
) -> None:  # type: ignore[no-untyped-def]
    url = fake_archiver.url
    names = arrowtap.find_archive_channels(url, "*")[:2]
    out = tmp_path / "out"
    arrowtap.sync_archive_samples(url, names, 0, 10**18, to=out, unit="ns")
    with arrowtap.open_checkpoint(tmp_path / "out.checkpoint.sqlite", checkpoint_name(url)) as ck:
        before = {k: ck.read(k) for k in ck.keys()}
    fake_archiver.faults = Faults.permanent(kind)
    policy = arrowtap.RetryPolicy(attempts=3, initial=0.01, maximum=0.02, jitter=0.0)
    with pytest.raises(arrowtap.ArrowtapError) as info:
        arrowtap.sync_archive_samples(url, names, 0, END, to=out, retry=policy, unit="ns")
    assert isinstance(
        info.value, arrowtap.UnavailableError | arrowtap.TransportError | arrowtap.ProtocolError
    )
    with arrowtap.open_checkpoint(tmp_path / "out.checkpoint.sqlite", checkpoint_name(url)) as ck:
        assert {k: ck.read(k) for k in ck.keys()} == before
