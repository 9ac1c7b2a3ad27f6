"""``arrowtap demo``: two fake systems synced exactly once into Delta Lake tables, then a plot.

The story, told on the terminal as it happens:

1. a fake *live* Cassandra PV Archiver is synced into the Delta table ``samples``
   (appended, one partition per channel); a second sync a few seconds later copies
   only the samples recorded since, from the offsets the first committed into the table;
2. a fake Kinetica table with a primary key is synced into the Delta table ``sensors``
   in ``"merge"`` mode; an upsert changes a row, the next sync copies that row alone,
   and the table still holds one row per key;
3. a PNG of a few channels, read back from ``samples``, the second sync's samples marked.

The fakes run as processes of their own (:mod:`arrowtap.cli.demo_fakes`) and are
always stopped. Ctrl-C or SIGTERM end the demo with 130 or 143; during a sync,
after its summary of what was committed.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

import click

from arrowtap.cli.demo_fakes import start_fakes
from arrowtap.cli.demo_merge import TABLE, create_sensors, merged_rows, upsert_one
from arrowtap.cli.demo_read import delta_rows, read_lines
from arrowtap.cli.running import Progress, run_sync
from arrowtap.io.sync import SyncSummary

__all__ = ["OUTPUTS", "run_demo"]

OUTPUTS = ("samples", "sensors", "channels.png")
"""What the demo writes in its directory (and replaces when run again)."""

_LEASES = ("samples.checkpoint.sqlite", "sensors.checkpoint.sqlite")  # beside each table

_MARK = ".arrowtap-demo"
_START = "1970-01-01T00:00:00Z"  # every sample the archive has
_WINDOW = 180.0  # seconds plotted: a few minutes show single samples


def _prepare(to: Path) -> Path:
    """The demo's directory, absolute, emptied of a previous demo's output."""
    out = to.resolve()
    if out.is_dir() and any(out.iterdir()) and not (out / _MARK).exists():
        raise click.BadParameter(
            f"{str(out)!r} holds files that no demo wrote; choose an empty or new directory",
            param_hint="--to",
        )
    for name in OUTPUTS + _LEASES:
        old = out / name
        if old.is_dir():
            shutil.rmtree(old)
        old.unlink(missing_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    (out / _MARK).write_text("written by `arrowtap demo`, which replaces it when run again\n")
    return out


def _synced(label: str, call: Callable[[Progress], SyncSummary]) -> SyncSummary:
    """Run one sync with a progress bar and its summary line; stop the demo if it was stopped."""
    done: list[SyncSummary] = []

    def run(progress: Progress) -> SyncSummary:
        done.append(call(progress))
        return done[-1]

    code = run_sync(label, run)
    if code:
        click.echo("The demo stops here, the fakes with it; run it again to start over.", err=True)
        raise SystemExit(code)
    return done[0]


def _n(count: int, noun: str) -> str:
    """``count`` and ``noun``, plural unless one: ``_n(1, "page")`` is ``'1 page'``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _channels(summary: SyncSummary) -> str:
    return _n(sum(1 for part in summary.partitions if part.rows), "channel")


def _archive(url: str, table: Path, wait: float) -> int:
    """Sync the live archive twice into ``table``; the table's version after the first sync."""
    from arrowtap.connectors.pvarchiver.samples_sync import sync_archive_samples

    def sync(progress: Progress) -> SyncSummary:
        to = f"delta:{table}"
        return sync_archive_samples(url, "*", _START, to=to, on_page=progress)

    click.echo(f"\n1. Archive samples -> Delta table {table} (appended, a partition per channel)")
    first = _synced("sync 1", sync)
    version = delta_rows(table)[1]
    click.echo(
        f"   every sample of {_channels(first)}: {_n(first.rows, 'row')} in "
        f"{_n(first.pages, 'page')}, {first.seconds:.2f} s; each channel's offset is committed "
        "in the table too"
    )
    click.echo(f"   waiting {wait:g} s while the live archive records new samples ...")
    time.sleep(wait)
    second = _synced("sync 2", sync)
    click.echo(
        f"   only the new samples: {_n(second.rows, 'row')} on {_channels(second)} in "
        f"{_n(second.pages, 'page')}, {second.seconds:.2f} s, read on from the committed offsets"
    )
    total, latest = delta_rows(table)
    click.echo(
        f"   the table: {total} rows = {first.rows} + {second.rows} (nothing twice, nothing "
        f"missed), Delta version {latest}"
    )
    click.echo(
        "\n   Read it in Python (.venv/bin/python): the first two lines, then any of the others"
    )
    click.echo("\n".join(read_lines(table)))
    return version


def _kinetica(url: str, table: Path) -> None:
    """Sync a keyed Kinetica table into ``table`` by merge, upsert a row, sync again."""
    from arrowtap.connectors.kinetica.table_sync import sync_kinetica
    from arrowtap.io.delta import DeltaSink

    sink = DeltaSink(str(table), mode="merge")

    def sync(progress: Progress) -> SyncSummary:
        return sync_kinetica(url, TABLE, to=sink, increasing_column="updated", on_page=progress)

    click.echo(f"\n2. Kinetica table {TABLE} -> Delta table {table} (merged on the primary key)")
    rows = create_sensors(url)
    click.echo(
        f"   wrote {rows.num_rows} rows with arrowtap.write_kinetica "
        "(primary key id; updated: when a row last changed)"
    )
    first = _synced("sync 1", sync)
    click.echo(f"   {_n(first.rows, 'row')} in {_n(first.pages, 'page')}, {first.seconds:.2f} s")
    change = upsert_one(url, rows)
    click.echo(f"   upsert (write_kinetica(..., mode='upsert')): {change.describe()}")
    second = _synced("sync 2", sync)
    lines, keys = merged_rows(table)
    click.echo(
        f"   only the changed row: {_n(second.rows, 'row')}, {second.seconds:.2f} s, merged on id; "
        f"the table has {len(lines) - 1} rows for {keys} keys, one row per key:"
    )
    click.echo("\n".join(f"     {line}" for line in lines))
    click.echo(f"   Read it as above, with table = {str(table)!r}")


def _next_steps(out: Path) -> None:
    click.echo(
        f"""
Try next (commands in .venv/bin, or after `source .venv/bin/activate`):
  arrowtap sources                       # every source: what it reads, how it resumes
  arrowtap sync archive --help           # the options of one source's sync
  # your own live archive, followed until Ctrl-C; run the sync again and it resumes:
  python -m arrowtap.testing.pvarchiver --port 9812 --live &
  arrowtap sync archive http://127.0.0.1:9812/archive-access/api/1.0 --channels 'root:*' \\
      --start 2024-01-01T00:00Z --to delta:{out}/follow --follow --every 2
  kill %1
  notebooks/archive_etl.ipynb, kinetica_etl.ipynb, fleet.ipynb: ETL examples (after `make test`)
  docs/delta.md (the Delta destination), docs/cli.md (the command line)"""
    )


def run_demo(to: Path, wait: float) -> None:
    """Run the demo, writing into ``to``; see the module's docstring.

    Parameters
    ----------
    to : Path
        The directory written: ``samples/`` and ``sensors/`` (Delta tables) and
        ``channels.png``; a previous demo's output there is replaced.
    wait : float
        Seconds between the two syncs of the live archive.
    """
    from arrowtap.cli.demo_plot import plot_channels

    out = _prepare(to)
    samples, sensors, png = (out / name for name in OUTPUTS)
    click.echo(f"arrowtap demo: two fake systems synced exactly once into Delta tables in {out}")
    click.echo("\nStarting the fakes (processes of their own on 127.0.0.1; stopped at the end) ...")
    with start_fakes() as fakes:
        click.echo(f"   fake live Cassandra PV Archiver: {fakes.archiver}")
        click.echo(f"   fake Kinetica:                   {fakes.kinetica}")
        first_version = _archive(fakes.archiver, samples, wait)
        _kinetica(fakes.kinetica, sensors)
    click.echo("\nThe fakes are stopped.")
    drawn = plot_channels(samples, first_version, png, window=_WINDOW)
    click.echo(f"\n3. Plot: {png}")
    click.echo(
        f"   the last {_WINDOW:g} s of {', '.join(drawn.channels)}, read back from the Delta "
        f"table ({drawn.samples} samples); the {drawn.added} that sync 2 added in orange"
    )
    _next_steps(out)
