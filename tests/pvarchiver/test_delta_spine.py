"""The spine's crash and fault tests against a Delta table, with no checkpoint store at all.

`arrowtap sync archive --to delta:DIR` SIGKILLed at every crash point of every page and at
20 random moments, and a sync through an archiver failing 20 % of its requests: the table
equals a one-shot read, and nothing but the table is written.
"""

from __future__ import annotations

import random
import subprocess
import time
from pathlib import Path
from subprocess import PIPE
from typing import Any

import pyarrow as pa
import pytest

import arrowtap
from arrowtap.io.crashpoints import CRASHPOINTS
from arrowtap.io.delta_types import delta_schema, table_to_delta
from arrowtap.testing.delta import read_delta_table
from arrowtap.testing.pvarchiver import Faults

from .conftest import END, same_rows
from .test_crash import command
from .test_faults import FAST, KINDS

pytestmark = pytest.mark.slow


def table_of(path: Path) -> pa.Table:
    """The Delta table's rows in (channel, time) order, typed as arrowtap wrote them."""
    table = read_delta_table(path)
    schema = delta_schema(arrowtap.SAMPLE_SCHEMA)
    table = table.select(schema.names).cast(pa.schema([f.with_nullable(True) for f in schema]))
    return table.sort_by([("channel", "ascending"), ("time_ns", "ascending")]).combine_chunks()


def truth_of(url: str, names: list[str]) -> pa.Table:
    truth = table_to_delta(arrowtap.scan_archive_samples(url, names, 0, END).read_all())
    truth = truth.cast(pa.schema([f.with_nullable(True) for f in truth.schema]))
    return truth.sort_by([("channel", "ascending"), ("time_ns", "ascending")]).combine_chunks()


def assert_only_the_table(root: Path) -> None:
    assert not list(root.rglob("*.sqlite")), "a Delta sync keeps no checkpoint store"


def test_sigkill_at_every_crash_point_of_every_page(
    setup: Any, crash_injector: Any, tmp_path: Path
) -> None:
    url, names, _, pages = setup
    truth = truth_of(url, names)
    for point in CRASHPOINTS:
        for n in range(1, pages + 1):
            table = tmp_path / f"{point}-{n}"
            runner = crash_injector(command(url, names, f"delta:{table}"))  # type: ignore[arg-type]
            killed = runner.run(crashpoint=f"{point}:{n}")
            assert killed.killed, (point, n, killed.stderr[-2000:])
            done = runner.run()
            assert done.returncode == 0, done.stderr[-2000:]
            assert same_rows(table_of(table), truth), (point, n)
    assert_only_the_table(tmp_path)


def test_sigkill_at_random_moments(setup: Any, crash_injector: Any, tmp_path: Path) -> None:
    url, names, _, _ = setup
    truth = truth_of(url, names)
    runner = crash_injector(command(url, names, f"delta:{tmp_path / 'timing'}"))  # type: ignore[arg-type]
    began = time.monotonic()
    assert runner.run().returncode == 0
    full = time.monotonic() - began
    rng = random.Random(20261207)
    kills = completions = 0
    table = tmp_path / "random-0"
    for attempt in range(60):  # bounded; stops after 20 kills
        table = tmp_path / f"random-{completions}"
        runner = crash_injector(command(url, names, f"delta:{table}"))  # type: ignore[arg-type]
        run = runner.run(kill_after=rng.uniform(0.05, 0.95) * full)
        assert run.killed or run.returncode == 0, run.stderr[-2000:]
        if run.killed:
            kills += 1
        else:
            assert same_rows(table_of(table), truth), attempt
            completions += 1
        if kills >= 20:
            break
    assert kills >= 20
    assert runner.run().returncode == 0
    assert same_rows(table_of(table), truth)
    assert_only_the_table(tmp_path)


def test_a_sync_through_faults_is_identical(fake_archiver: Any, tmp_path: Path) -> None:
    url = fake_archiver.url
    names = arrowtap.find_archive_channels(url, "*")
    truth = truth_of(url, names)
    fake_archiver.faults = Faults(rate=0.2, kinds=KINDS, retry_after=0.01, slow_delay=0.05, seed=7)
    table = tmp_path / "table"
    summary = arrowtap.sync_archive_samples(
        url, names, 0, END, to=f"delta:{table}", page_size=300, retry=FAST
    )
    assert fake_archiver.stats.faults_total >= 5
    assert summary.rows == truth.num_rows
    assert same_rows(table_of(table), truth)


def test_ten_syncs_at_once_into_one_table_lose_and_double_nothing(
    fake_archiver: Any, tmp_path: Path
) -> None:
    # A Delta sync takes no lease: its fence is each partition's application transaction.
    # Every process either syncs or stops with the typed error of a lost commit.
    url = fake_archiver.url
    names = arrowtap.find_archive_channels(url, "*")[:6]
    table = tmp_path / "table"
    args = command(url, names, f"delta:{table}")  # type: ignore[arg-type]
    for _ in range(3):
        runs = [subprocess.Popen(args, stdout=PIPE, stderr=PIPE, text=True) for _ in range(10)]
        for run in runs:
            _, err = run.communicate(timeout=300)
            assert run.returncode == 0 or "CheckpointNotActiveError" in err, err[-2000:]
    assert subprocess.run(args, capture_output=True, timeout=300).returncode == 0
    written = table_of(table)
    keys = zip(written["channel"].to_pylist(), written["time_ns"].to_pylist(), strict=True)
    assert written.num_rows == len(set(keys)), "a sample twice"
    assert same_rows(written, truth_of(url, names))
