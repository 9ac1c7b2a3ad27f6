"""SIGKILL `arrowtap sync archive` anywhere; the re-run's dataset equals a one-shot read."""

import random
import sys
import time
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import arrowtap
from arrowtap.connectors.pvarchiver.samples import checkpoint_name
from arrowtap.io.crashpoints import CRASHPOINTS
from arrowtap.io.sink import open_dataset

from .conftest import END, PAGE, dataset, same_rows

pytestmark = pytest.mark.slow


def command(url: str, names: list[str], out: Path) -> list[str]:
    globs = [arg for name in names for arg in ("--channels", name)]
    return [
        sys.executable,
        "-c",
        "from arrowtap.cli import main; main()",
        "sync",
        "archive",
        url,
        *globs,
        "--start",
        "0",
        "--end",
        str(END),
        "--unit",
        "ns",
        "--to",
        str(out),
        "--page-size",
        str(PAGE),
    ]


def assert_checkpoint_not_ahead(url: str, out: Path, names: list[str]) -> None:
    """Every committed page is on disk and the offset is its last sample."""
    location = out.with_name(out.name + ".checkpoint.sqlite")
    if not location.exists():
        return
    with arrowtap.open_checkpoint(location, checkpoint_name(url)) as ck:
        for name in names:
            state = ck.read_json(name)
            if state is None:
                continue
            assert isinstance(state, dict)
            folder = open_dataset(out).folder(name)
            files = [folder / f"part-{i:09d}.parquet" for i in range(state["seq"])]
            assert all(f.exists() for f in files), f"committed page missing for {name}"
            last = pq.read_table(files[-1], columns=["time"])["time"].cast("int64")
            assert pc.max(last).as_py() == state["offset"]


def test_sigkill_at_every_crash_point_of_every_page(setup, crash_injector, tmp_path) -> None:  # type: ignore[no-untyped-def]
    url, names, truth, pages = setup
    for point in CRASHPOINTS:
        for n in range(1, pages + 1):
            out = tmp_path / f"{point}-{n}"
            runner = crash_injector(command(url, names, out))
            killed = runner.run(crashpoint=f"{point}:{n}")
            assert killed.killed, (point, n, killed.stderr[-2000:])
            assert_checkpoint_not_ahead(url, out, names)
            done = runner.run()
            assert done.returncode == 0, done.stderr[-2000:]
            assert same_rows(dataset(out), truth), (point, n)


def test_sigkill_at_random_moments(setup, crash_injector, tmp_path) -> None:  # type: ignore[no-untyped-def]
    url, names, truth, _ = setup
    runner = crash_injector(command(url, names, tmp_path / "timing"))
    began = time.monotonic()
    assert runner.run().returncode == 0
    full = time.monotonic() - began
    rng = random.Random(20261121)
    kills = completions = 0
    for attempt in range(60):  # bounded; stops after 20 kills
        out = tmp_path / f"random-{completions}"
        runner = crash_injector(command(url, names, out))
        run = runner.run(kill_after=rng.uniform(0.05, 0.95) * full)
        assert run.killed or run.returncode == 0, run.stderr[-2000:]
        assert_checkpoint_not_ahead(url, out, names)
        if run.killed:
            kills += 1
        else:  # this chain of runs reached its end: check it, start another
            assert same_rows(dataset(out), truth), attempt
            completions += 1
        if kills >= 20:
            break
    assert kills >= 20
    assert runner.run().returncode == 0
    assert same_rows(dataset(out), truth)
