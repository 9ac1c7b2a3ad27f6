"""``arrowtap demo``: what it prints is true of what it wrote; it always stops its fakes."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pyarrow as pa
import pytest
from click.testing import CliRunner
from deltalake import write_deltalake

from arrowtap.cli import main
from arrowtap.cli.demo import OUTPUTS, _prepare
from arrowtap.cli.demo_fakes import Fakes, start_fakes
from arrowtap.cli.demo_merge import CHANGED_ID
from arrowtap.cli.demo_plot import recent
from arrowtap.cli.demo_read import delta_arrow

CLI = [sys.executable, "-c", "from arrowtap.cli import main; main()"]
ENV = {**os.environ, "PYTHONUNBUFFERED": "1"}

# Runs the printed lines as a user would paste them: the two set-up lines, then each read.
_RUN_LINES = """
import sys
setup, *reads = sys.argv[1:]
scope = {}
exec(setup, scope)
frame, polars_frame, relation = (eval(line, scope) for line in reads)
shown = [repr(value) for value in (frame, polars_frame, relation)]  # as the REPL shows them
for value, rows in ((frame, len(frame)), (polars_frame, polars_frame.height),
                    (relation, relation.count("*").fetchall()[0][0])):
    print(type(value).__module__.split(".")[0], rows)
"""


def _refused(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=5).close()
    except urllib.error.HTTPError:
        return False  # something answered
    except OSError:
        return True
    return False


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One run of ``arrowtap demo``: its directory and what it printed."""
    to = tmp_path_factory.mktemp("demo")
    done = subprocess.run(
        [*CLI, "demo", "--to", str(to), "--wait", "1.5"],
        capture_output=True,
        text=True,
        timeout=300,
        env=ENV,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return to, done.stdout


@pytest.mark.slow
def test_the_story_names_the_fakes_the_paths_and_the_syncs(demo_run: tuple[Path, str]) -> None:
    to, out = demo_run
    assert re.search(r"fake live Cassandra PV Archiver: +http://127\.0\.0\.1:\d+/", out)
    assert re.search(r"fake Kinetica: +http://127\.0\.0\.1:\d+", out)
    assert f"Delta table {to / 'samples'} " in out
    assert f"Delta table {to / 'sensors'} " in out
    assert f"3. Plot: {to / 'channels.png'}" in out
    assert "arrowtap sync archive " in out
    assert "--follow" in out
    assert "arrowtap sources" in out
    syncs = re.findall(r"^sync (\d): partitions=(\d+) rows=(\d+) pages=(\d+)", out, re.M)
    assert [label for label, *_ in syncs] == ["1", "2", "1", "2"]
    (_, channels, first, _), (_, _, second, _) = syncs[:2]
    assert int(channels) > 1
    assert int(first) > 0
    # Every 1 s channel recorded a sample or more while the demo waited 1.5 s.
    assert f"only the new samples: {second} rows" in out
    assert int(second) > 0
    samples = delta_arrow(to / "samples", columns=["channel", "time_ns"])
    assert samples.num_rows == int(first) + int(second)
    assert f"the table: {samples.num_rows} rows = {first} + {second}" in out
    assert [rows for *_, rows, _ in syncs[2:]] == ["5", "1"]


@pytest.mark.slow
def test_the_merged_kinetica_table_keeps_one_row_per_key(demo_run: tuple[Path, str]) -> None:
    to, out = demo_run
    table = delta_arrow(to / "sensors").sort_by("id").to_pydict()
    assert table["id"] == [1, 2, 3, 4, 5]
    changed = table["id"].index(CHANGED_ID)
    assert table["celsius"][changed] == 6.8
    assert max(table["updated"]) == table["updated"][changed]
    assert "the table has 5 rows for 5 keys, one row per key" in out
    assert re.search(rf"^ +{CHANGED_ID} +cold room +6\.8 .*<- changed by the upsert$", out, re.M)


@pytest.mark.slow
def test_the_printed_read_lines_run_and_read_every_row(demo_run: tuple[Path, str]) -> None:
    to, out = demo_run
    lines = out.splitlines()
    first = lines.index("import deltalake, duckdb, polars as pl, pyarrow.fs as fs")
    setup, reads = "\n".join(lines[first : first + 2]), lines[first + 2 : first + 5]
    assert [line.rsplit("# ", 1)[1] for line in reads] == ["pandas", "Polars", "DuckDB"]
    # In a new interpreter, as pasted; it must also exit cleanly (no hang at exit).
    done = subprocess.run(
        [sys.executable, "-c", _RUN_LINES, setup, *reads],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=to.parent,
    )
    assert done.returncode == 0, done.stderr
    rows = delta_arrow(to / "samples", columns=["channel"]).num_rows
    assert done.stdout.split() == ["pandas", str(rows), "polars", str(rows), "duckdb", str(rows)]


@pytest.mark.slow
def test_the_plot_is_a_png_of_the_channels_it_names(demo_run: tuple[Path, str]) -> None:
    to, out = demo_run
    png = (to / "channels.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width >= 800
    assert height >= 600
    assert re.search(r"the last 180 s of [^\n]+, read back from the Delta table", out)
    assert re.search(r"the ([1-9]\d*) that sync 2 added in orange", out)


def test_the_added_samples_are_those_newer_than_the_first_version(tmp_path: Path) -> None:
    path = tmp_path / "samples"

    def page(channel: str, seconds: list[int]) -> pa.Table:
        ns = [s * 1_000_000_000 for s in seconds]
        return pa.table(
            {
                "channel": [channel] * len(ns),
                "time": pa.array([n // 1000 for n in ns], pa.timestamp("us", tz="UTC")),
                "time_ns": pa.array(ns, pa.int64()),
                "type": ["double"] * len(ns),
                "units": ["mA"] * len(ns),
                "value": [float(s) for s in seconds],
            }
        )

    write_deltalake(str(path), page("a", [1, 2, 3]), partition_by=["channel"])
    write_deltalake(str(path), page("b", [1, 2]), mode="append")
    write_deltalake(str(path), page("a", [4, 5]), mode="append")
    marked = recent(path, first_version=1, count=2, window=600).to_pydict()
    assert list(zip(marked["channel"], marked["time_ns"], marked["added"], strict=True)) == [
        ("a", 1_000_000_000, False),
        ("a", 2_000_000_000, False),
        ("a", 3_000_000_000, False),
        ("a", 4_000_000_000, True),
        ("a", 5_000_000_000, True),
        ("b", 1_000_000_000, False),
        ("b", 2_000_000_000, False),
    ]


def test_the_fakes_are_stopped_whatever_ends_the_block() -> None:
    def fail_while_running() -> Fakes:
        with start_fakes() as fakes:
            assert not _refused(fakes.kinetica)
            raise RuntimeError(fakes)

    with pytest.raises(RuntimeError) as failed:
        fail_while_running()
    fakes = failed.value.args[0]
    assert _refused(fakes.archiver)
    assert _refused(fakes.kinetica)


def test_ctrl_c_stops_the_demo_and_its_fakes_with_130(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [*CLI, "demo", "--to", str(tmp_path), "--wait", "600"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    assert proc.stdout is not None
    said = ""
    try:
        while "waiting 600 s" not in said:  # the first sync is done, the fakes are up
            line = proc.stdout.readline()
            assert line, said + proc.communicate(timeout=30)[1]
            said += line
        proc.send_signal(signal.SIGINT)
        rest, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, said + rest + err
    assert "SIGINT: the demo stopped, and the fakes with it" in err
    urls = re.findall(r"http://127\.0\.0\.1:\d+", said)
    assert len(urls) == 2
    assert all(_refused(url) for url in urls)


def test_another_directory_is_refused_and_a_demo_output_replaced(tmp_path: Path) -> None:
    (tmp_path / "mine.txt").write_text("keep me")
    result = CliRunner().invoke(main, ["demo", "--to", str(tmp_path)])
    assert result.exit_code == 2
    assert "holds files that no demo wrote" in result.output
    assert (tmp_path / "mine.txt").read_text() == "keep me"

    demo = tmp_path / "demo"
    _prepare(demo)
    for name in OUTPUTS[:2]:
        (demo / name).mkdir()
    (demo / "notes.txt").write_text("mine")
    assert _prepare(demo) == demo.resolve()
    assert sorted(p.name for p in demo.iterdir()) == [".arrowtap-demo", "notes.txt"]
