import re
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
from click.testing import CliRunner

from arrowtap.cli import main


def test_demo_syncs_twice_and_plots(tmp_path: Path) -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "from arrowtap.cli import main; main()",
            "demo",
            "--to",
            str(tmp_path),
            "--wait",
            "1.5",
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=True,
    ).stdout
    first, second = (
        int(re.search(rf"{label}: channels=\d+ samples=(\d+)", out).group(1))  # type: ignore[union-attr]
        for label in ("first sync", "second sync")
    )
    assert first > 0
    assert 0 < second < first
    assert (tmp_path / "channels.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert pq.read_table(tmp_path / "samples").num_rows == first + second


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
        "--to",
        str(tmp_path),
    ]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    assert re.search(r"sync: channels=4 samples=[1-9]\d* bytes=\d+ seconds=", first.output)
    again = CliRunner().invoke(main, args)
    assert "channels=4 samples=0 bytes=0" in again.output


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
