"""The ``arrowtap`` command line: sync, channel search, and the demo."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
from tqdm import tqdm

from arrowtap.errors import ArrowtapError

__all__ = ["main"]


class _Progress:
    """A tqdm bar of samples written, fed by the sync runner's ``on_page``."""

    def __init__(self, label: str) -> None:
        self.bar = tqdm(desc=label, unit=" samples", unit_scale=True, file=sys.stderr, disable=None)

    def __call__(self, partition: Any, page: Any) -> None:
        self.bar.update(page.batch.num_rows)

    def close(self) -> None:
        self.bar.close()


def summary_line(label: str, summary: Any) -> str:
    """The closing line of a sync: channels, samples, bytes, seconds."""
    return (
        f"{label}: channels={len(summary.partitions)} samples={summary.rows} "
        f"bytes={summary.bytes} seconds={summary.seconds:.2f}"
    )


def run_sync(
    url: str,
    channels: Sequence[str],
    start: str,
    end: str | None,
    to: Path,
    checkpoint: Path | None,
    label: str = "sync",
    page_size: int = 65_536,
) -> Any:
    """Sync the channels matching any of the globs ``channels``; print the summary line."""
    from arrowtap.connectors.pvarchiver.samples import find_archive_channels as find_channels
    from arrowtap.connectors.pvarchiver.samples_sync import sync_archive_samples

    names = list(dict.fromkeys(n for glob in channels for n in find_channels(url, glob)))
    progress = _Progress(label)
    try:
        summary = sync_archive_samples(
            url,
            names,
            _time(start),
            _time(end) if end else None,
            to=to,
            checkpoint=checkpoint,
            page_size=page_size,
            on_page=progress,
        )
    finally:
        progress.close()
    click.echo(summary_line(label, summary))
    return summary


def _time(value: str) -> str | int:
    """Ns integers stay integers; anything else is parsed as an ISO time."""
    stripped = value.strip()
    return int(stripped) if stripped.lstrip("-").isdigit() else stripped


@click.group()
@click.version_option(package_name="arrowtap")
def main() -> None:
    """arrowtap: operational systems' data into Arrow, pandas, Dask and Parquet."""


@main.group()
def sync() -> None:
    """Copy new data into a Parquet dataset, exactly once, resuming from a checkpoint."""


@sync.command("archive")
@click.argument("url")
@click.option(
    "--channels",
    required=True,
    multiple=True,
    help="Glob over channel names, e.g. 'ring:*'; repeat for several.",
)
@click.option("--start", required=True, help="ISO time with offset, or ns since the epoch.")
@click.option("--end", default=None, help="ISO time with offset, or ns; default: now.")
@click.option(
    "--to",
    "to",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Dataset directory.",
)
@click.option(
    "--checkpoint",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Checkpoint file; default <to>/_checkpoint.sqlite.",
)
@click.option("--page-size", default=65_536, show_default=True, help="Samples per page.")
def sync_archive(
    url: str,
    channels: tuple[str, ...],
    start: str,
    end: str | None,
    to: Path,
    checkpoint: Path | None,
    page_size: int,
) -> None:
    """Sync Cassandra PV Archiver samples of the channels matching CHANNELS."""
    try:
        run_sync(url, channels, start, end, to, checkpoint, page_size=page_size)
    except ArrowtapError as exc:
        raise click.ClickException(f"{type(exc).__name__}: {exc}") from exc


@main.command()
@click.argument("url")
@click.argument("pattern")
@click.option("--regexp", is_flag=True, help="PATTERN is a regular expression, not a glob.")
def channels(url: str, pattern: str, regexp: bool) -> None:
    """List the archive channels whose names match PATTERN."""
    from arrowtap.connectors.pvarchiver.samples import find_archive_channels as find_channels

    try:
        names = find_channels(url, regexp=pattern) if regexp else find_channels(url, pattern)
    except ArrowtapError as exc:
        raise click.ClickException(f"{type(exc).__name__}: {exc}") from exc
    for name in names:
        click.echo(name)


@main.command()
@click.option(
    "--to",
    "to",
    default="arrowtap-demo",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the demo writes.",
)
@click.option("--wait", default=3.0, show_default=True, help="Seconds between the two syncs.")
def demo(to: Path, wait: float) -> None:
    """Sync a live (fake) archive twice, incrementally, and plot a few channels."""
    from arrowtap.cli.demo import run_demo

    try:
        run_demo(to, wait)
    except ArrowtapError as exc:
        raise click.ClickException(f"{type(exc).__name__}: {exc}") from exc
