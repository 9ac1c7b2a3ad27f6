"""``arrowtap demo``: the main job on the embedded default, the fake live archiver.

The fake runs as its own process (``python -m arrowtap.testing.pvarchiver``),
as a real archiver would; the library never imports the testing package.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import click
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from arrowtap.cli.running import Progress, run_sync
from arrowtap.errors import ArrowtapError
from arrowtap.io.process import die_with_parent, stop_process

__all__ = ["run_demo"]


@contextlib.contextmanager
def fake_archiver(timeout: float = 60.0) -> Iterator[str]:
    """Start the fake live archiver in a subprocess; yield its URL; always stop it."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "arrowtap.testing.pvarchiver", "--port", "0", "--live"],
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=die_with_parent,
    )
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + timeout
        line = ""
        while time.monotonic() < deadline and not line.startswith("READY"):
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                break
        if not line.startswith("READY archive="):
            raise ArrowtapError(f"demo: the fake archiver did not start (said {line!r})")
        yield line.strip().removeprefix("READY archive=")
    finally:
        stop_process(proc)
        if proc.stdout is not None:
            proc.stdout.close()


def run_demo(to: Path, wait: float) -> None:
    """Sync, wait, sync again (only the new samples), then plot a few channels."""
    dataset = to / "samples"
    checkpoint = to / "checkpoint.sqlite"
    with fake_archiver() as url:
        click.echo(f"fake live archiver at {url}")
        for label in ("first sync", "second sync"):
            if label == "second sync":
                time.sleep(wait)
            code = run_sync(label, lambda progress: _sync(url, dataset, checkpoint, progress))
            if code:
                raise SystemExit(code)
    png = to / "channels.png"
    plot(dataset, png)
    click.echo(f"dataset: {dataset}  plot: {png}")


def _sync(url: str, dataset: Path, checkpoint: Path, progress: Progress) -> object:
    from arrowtap.connectors.pvarchiver.samples_sync import sync_archive_samples

    return sync_archive_samples(
        url, "*", "1970-01-01T00:00:00Z", to=dataset, checkpoint=checkpoint, on_page=progress
    )


def plot(dataset: Path, png: Path, channels: int = 3) -> None:
    """Plot the first value of up to ``channels`` scalar double channels over time."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = pq.read_table(dataset, columns=["channel", "time", "type", "value_double"])
    doubles = table.filter(pc.equal(table["type"], "double"))
    lengths = pc.list_value_length(doubles["value_double"])
    scalars = doubles.filter(pc.equal(lengths, 1))
    names = pc.unique(scalars["channel"]).to_pylist()[:channels]
    fig, axes = plt.subplots(len(names) or 1, 1, figsize=(9, 2.4 * max(len(names), 1)))
    for ax, name in zip(axes if len(names) > 1 else [axes], names, strict=False):
        rows = scalars.filter(pc.equal(scalars["channel"], name))
        values = pc.list_flatten(rows["value_double"])
        ax.plot(rows["time"].to_pandas(), pa.array(values).to_numpy(zero_copy_only=False))
        ax.set_title(name, fontsize=9)
        ax.set_ylabel("value")
    fig.tight_layout()
    fig.savefig(png, dpi=90)
    plt.close(fig)
