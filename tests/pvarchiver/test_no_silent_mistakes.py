"""Mistakes the library says out loud: a pattern matching nothing, an integer time without a
unit, a start earlier than what the checkpoint already holds."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

import arrowtap
from arrowtap.testing.pvarchiver import DEFAULT_END_NS, FakeArchiver

END = pd.Timestamp(DEFAULT_END_NS, tz="UTC")


def test_a_glob_matching_no_channel_warns(fake_archiver: FakeArchiver) -> None:
    with pytest.warns(arrowtap.NoMatchWarning, match="pattern 'nomatch\\*' matches no channel"):
        assert arrowtap.find_archive_channels(fake_archiver.url, "nomatch*") == []
    with pytest.warns(arrowtap.NoMatchWarning, match="regexp 'nomatch.\\*' matches no channel"):
        assert arrowtap.find_archive_channels(fake_archiver.url, regexp="nomatch.*") == []


def test_a_read_of_a_glob_matching_nothing_warns(fake_archiver: FakeArchiver) -> None:
    start = END - pd.Timedelta(hours=1)
    with pytest.warns(arrowtap.NoMatchWarning, match="'nomatch:\\*'"):
        frame = arrowtap.read_archive_samples(fake_archiver.url, "nomatch:*", start, END)
    assert len(frame) == 0


def test_a_glob_that_matches_is_silent(fake_archiver: FakeArchiver) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert arrowtap.find_archive_channels(fake_archiver.url, "root:*")


@pytest.mark.parametrize(
    ("start", "end"), [(1_699_996_400, None), (pd.Timestamp(0, tz="UTC"), 1_700_000_000)]
)
def test_an_integer_time_without_unit_is_refused_naming_it(
    fake_archiver: FakeArchiver, start: object, end: object
) -> None:
    name = "start" if isinstance(start, int) else "end"
    with pytest.raises(arrowtap.InvalidArgumentError, match=f"^{name}=1.* unit='s'"):
        arrowtap.read_archive_samples(fake_archiver.url, ["root:ai1"], start, end)  # type: ignore[arg-type]


def test_an_integer_time_with_its_unit_is_that_time(fake_archiver: FakeArchiver) -> None:
    url, last = fake_archiver.url, DEFAULT_END_NS // 10**9
    seconds = last - 3600
    by_unit = {
        unit: arrowtap.read_archive_samples(
            url, ["root:ai1"], seconds * scale, last * scale, unit=unit
        )
        for unit, scale in (("s", 1), ("ms", 1_000), ("ns", 10**9))
    }
    stamps = arrowtap.read_archive_samples(
        url, ["root:ai1"], pd.Timestamp(seconds, unit="s", tz="UTC"), END.floor("s")
    )
    assert len(stamps) > 0
    for frame in by_unit.values():
        pd.testing.assert_frame_equal(frame, stamps)
    with pytest.raises(arrowtap.InvalidArgumentError, match="unit"):
        arrowtap.read_archive_samples(url, ["root:ai1"], seconds, unit="h")  # type: ignore[arg-type]


def test_harperdb_since_needs_a_unit_too() -> None:
    # Checked before any request: no server is needed to be told.
    with pytest.raises(arrowtap.InvalidArgumentError, match=r"^since=1714521600 .*unit="):
        arrowtap.read_harperdb("http://127.0.0.1:9", "shop", "items", since=1714521600)


def test_an_earlier_start_on_a_rerun_warns_and_rewind_backfills(
    fake_archiver: FakeArchiver, tmp_path: Path
) -> None:
    url, to = fake_archiver.url, tmp_path / "samples"
    day, hour = END - pd.Timedelta(days=1), END - pd.Timedelta(hours=1)
    first = arrowtap.sync_archive_samples(url, ["root:ai1"], hour, END, to=to)
    assert first.rows > 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the same start again: nothing to say
        arrowtap.sync_archive_samples(url, ["root:ai1"], hour, END, to=to)
    with pytest.warns(arrowtap.CheckpointAheadWarning, match="arrowtap state rewind") as seen:
        again = arrowtap.sync_archive_samples(url, ["root:ai1"], day, END, to=to)
    assert again.rows == 0  # resumed after the offset, as said
    assert "root:ai1" in str(seen[0].message)
    # As the warning says: rewinding the partition to no page reads the earlier start.
    from arrowtap.checkpoint import open_checkpoint
    from arrowtap.connectors.pvarchiver.samples import checkpoint_name
    from arrowtap.io.sink import open_dataset
    from arrowtap.io.state import rewind

    with open_checkpoint(f"{to}.checkpoint.sqlite", checkpoint_name(url)) as store:
        rewind(store, "root:ai1", open_dataset(to), pages=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        backfill = arrowtap.sync_archive_samples(url, ["root:ai1"], day, END, to=to)
    assert backfill.rows > first.rows
