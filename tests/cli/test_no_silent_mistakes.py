"""Mistakes the command line refuses or names: a pattern matching nothing (exit 1), an integer
time without ``--unit``, an earlier ``--start`` than the checkpoint holds (a warning line)."""

from __future__ import annotations

from pathlib import Path

import pyarrow.dataset as ds
from click.testing import CliRunner

from arrowtap.cli import main
from arrowtap.testing.pvarchiver import DEFAULT_END_NS, FakeArchiver

END_S = DEFAULT_END_NS // 10**9


def test_channels_matching_nothing_is_an_error_naming_the_pattern(
    fake_archiver: FakeArchiver,
) -> None:
    result = CliRunner().invoke(main, ["channels", fake_archiver.url, "nomatch*"])
    assert result.exit_code == 1, result.output
    assert "no channel matches the pattern 'nomatch*'" in result.output
    regexp = CliRunner().invoke(main, ["channels", fake_archiver.url, "no.*", "--regexp"])
    assert regexp.exit_code == 1, regexp.output
    assert "no channel matches the regexp 'no.*'" in regexp.output


def test_sync_of_channels_matching_nothing_exits_1(
    fake_archiver: FakeArchiver, tmp_path: Path
) -> None:
    args = ["sync", "archive", fake_archiver.url, "--channels", "nomatch:*"]
    result = CliRunner().invoke(main, [*args, "--start", "0", "--to", str(tmp_path / "d")])
    assert result.exit_code == 1, result.output
    assert "--channels 'nomatch:*' matches no channel" in result.output
    assert not (tmp_path / "d").exists()


def test_an_integer_start_needs_a_unit(fake_archiver: FakeArchiver, tmp_path: Path) -> None:
    args = ["sync", "archive", fake_archiver.url, "--channels", "root:ai1", "--to"]
    start = str(END_S - 600)
    bare = CliRunner().invoke(main, [*args, str(tmp_path / "a"), "--start", start])
    assert bare.exit_code == 2, bare.output
    assert f"--start {start} is an integer without a unit: add --unit" in bare.output
    done = CliRunner().invoke(
        main,
        [*args, str(tmp_path / "b"), "--start", start, "--end", str(END_S), "--unit", "s"],
    )
    assert done.exit_code == 0, done.output
    times = ds.dataset(tmp_path / "b", partitioning="hive").to_table(columns=["time"])["time"]
    assert times.to_pylist()[0].timestamp() >= END_S - 600  # seconds, not ns: ten minutes


def test_an_earlier_start_on_a_rerun_prints_a_warning_naming_the_rewind(
    fake_archiver: FakeArchiver, tmp_path: Path
) -> None:
    args = ["sync", "archive", fake_archiver.url, "--channels", "root:ai1", "--unit", "s"]
    args += ["--end", str(END_S), "--to", str(tmp_path / "d")]
    first = CliRunner().invoke(main, [*args, "--start", str(END_S - 600)])
    assert first.exit_code == 0, first.output
    assert "warning" not in first.output
    again = CliRunner().invoke(main, [*args, "--start", str(END_S - 3600)])
    assert again.exit_code == 0, again.output
    assert "warning: root:ai1: start" in again.output
    assert "arrowtap state rewind" in again.output
    assert "rows=0" in again.output
