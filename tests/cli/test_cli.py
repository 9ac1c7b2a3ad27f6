import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from click.testing import CliRunner

from arrowtap.cli import main


def test_channels_command(fake_archiver) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(main, ["channels", fake_archiver.url, "root:*"])
    assert result.exit_code == 0, result.output
    assert result.output.split() == ["ROOT:ai2", "root:ai1"]


def test_sync_command_summary_and_resume(fake_archiver, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    args = [
        "sync",
        "archive",
        fake_archiver.url,
        "--channels",
        "my*",
        "--channels",
        "root:*",
        "--start",
        "1970-01-01T00:00Z",
        "--end",
        str(2**62),
        "--unit",
        "ns",
        "--to",
        str(tmp_path),
    ]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    assert re.search(r"sync: partitions=4 rows=[1-9]\d* pages=\d+ bytes=\d+ seconds=", first.output)
    again = CliRunner().invoke(main, args)
    assert "partitions=4 rows=0 pages=0 bytes=0" in again.output


def test_sync_command_bad_input_is_a_clean_error(fake_archiver, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(
        main,
        [
            "sync",
            "archive",
            fake_archiver.url,
            "--channels",
            "*",
            "--start",
            "2020-01-01T00:00",
            "--to",
            str(tmp_path),
        ],
    )
    assert result.exit_code != 0
    assert "naive" in result.output


def test_sources_lists_every_source_and_what_it_offers() -> None:
    from arrowtap.catalog import sources

    result = CliRunner().invoke(main, ["sources"])
    assert result.exit_code == 0, result.output
    for info in sources():
        line = next(line for line in result.output.splitlines() if line.startswith(info.cli_name))
        assert line.split()[-1] == info.offset
        assert set(info.offers()) <= set(line.split()[1:-1])


def test_every_source_has_a_sync_command_and_every_readable_one_a_read_command() -> None:
    from arrowtap.catalog import sources

    for info in sources():
        help_ = CliRunner().invoke(main, ["sync", info.cli_name, "--help"])
        assert help_.exit_code == 0, help_.output
        assert "--to" in help_.output
        assert "--checkpoint" in help_.output
        assert ("--follow" in help_.output) == info.follow
        if info.scan is not None:
            read = CliRunner().invoke(main, ["read", info.cli_name, "--help"])
            assert read.exit_code == 0, read.output


def test_a_glob_matching_no_channel_is_an_error(fake_archiver, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    args = ["sync", "archive", fake_archiver.url, "--channels", "nomatch:*", "--start", "0"]
    result = CliRunner().invoke(main, [*args, "--to", str(tmp_path)])
    assert result.exit_code == 1, result.output
    assert "'nomatch:*' matches no channel" in result.output


def test_read_writes_a_file_whole_and_commits_after(fake_archiver, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    base = ["read", "archive", fake_archiver.url, "--channels", "root:*", "--start", "0"]
    ckpt = str(tmp_path / "reads.sqlite")
    out = tmp_path / "samples.parquet"
    first = CliRunner().invoke(main, [*base, "--to", str(out), "--checkpoint", ckpt])
    assert first.exit_code == 0, first.output
    n = pq.read_table(out).num_rows
    assert re.search(rf"read: rows={n} bytes=\d+", first.output)
    again = CliRunner().invoke(
        main, [*base, "--to", str(tmp_path / "more.arrow"), "--checkpoint", ckpt]
    )
    assert "read: rows=0 " in again.output
    bad = CliRunner().invoke(main, [*base, "--to", str(tmp_path / "x.csv")])
    assert bad.exit_code != 0
    assert "CSV cannot hold the list columns" in bad.output
    assert not (tmp_path / "x.csv").exists()


def _dataset(to: Path) -> pa.Table:
    """The dataset as pyarrow reads a Hive directory (channel=<name>/part-....parquet)."""
    return ds.dataset(to, partitioning="hive").to_table()


def test_state_show_rewind_and_reset(fake_archiver, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    to = tmp_path / "out"
    sync = ["sync", "archive", fake_archiver.url, "--channels", "root:ai1", "--start", "0"]
    sync += ["--to", str(to), "--page-size", "1000"]
    assert CliRunner().invoke(main, sync).exit_code == 0
    assert sorted(p.name for p in to.iterdir()) == ["channel=root%3Aai1"]
    whole = _dataset(to).sort_by("time")
    ckpt = ["--checkpoint", str(tmp_path / "out.checkpoint.sqlite")]
    shown = CliRunner().invoke(main, ["state", "show", *ckpt])
    assert shown.exit_code == 0, shown.output
    assert re.search(r"root:ai1  offset=\d+  pages=8  committed=20\d\d-", shown.output)
    cut = str(whole["time"][2500].as_py().isoformat())
    back = ["state", "rewind", *ckpt, "--partition", "root:ai1", "--dataset", str(to)]
    rewound = CliRunner().invoke(main, [*back, "--column", "time", "--to", cut])
    assert rewound.exit_code == 0, rewound.output
    assert "keeps pages=2" in rewound.output
    assert _dataset(to).num_rows == 2000
    resumed = CliRunner().invoke(main, sync)
    assert "rows=5200 " in resumed.output
    assert _dataset(to).sort_by("time")["time"].equals(whole["time"])
    reset = CliRunner().invoke(main, ["state", "reset", *ckpt, "--all", "--dataset", str(to)])
    assert reset.exit_code == 0, reset.output
    assert not list(to.rglob("*.parquet"))
    assert "rows=7200 " in CliRunner().invoke(main, sync).output


def test_compact_then_rewind_and_resume(fake_archiver, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    to = tmp_path / "out"
    sync = ["sync", "archive", fake_archiver.url, "--channels", "root:ai1", "--start", "0"]
    sync += ["--to", str(to), "--page-size", "1000"]
    assert CliRunner().invoke(main, sync).exit_code == 0
    whole = _dataset(to).sort_by("time")
    merged = CliRunner().invoke(main, ["compact", str(to), "--target-size", "100000000"])
    assert merged.exit_code == 0, merged.output
    assert "compact: 1 partitions: 8 files merged into 1," in merged.output
    folder = to / "channel=root%3Aai1"
    assert [p.name for p in folder.iterdir()] == ["part-000000000-000000007.parquet"]
    # Through pandas: NaN equals NaN there (the archive sends NaN limits).
    pd.testing.assert_frame_equal(_dataset(to).sort_by("time").to_pandas(), whole.to_pandas())
    assert "rows=0 " in CliRunner().invoke(main, sync).output  # the numbering goes on
    ckpt = ["--checkpoint", str(tmp_path / "out.checkpoint.sqlite")]
    back = ["state", "rewind", *ckpt, "--partition", "root:ai1", "--dataset", str(to)]
    rewound = CliRunner().invoke(main, [*back, "--pages", "3"])
    assert "keeps pages=0" in rewound.output  # a merged file goes whole
    assert "rows=7200 " in CliRunner().invoke(main, sync).output
    assert _dataset(to).sort_by("time")["time"].equals(whole["time"])
    bad = CliRunner().invoke(main, ["compact", str(tmp_path / "none")])
    assert bad.exit_code != 0
    assert "no dataset at" in bad.output
