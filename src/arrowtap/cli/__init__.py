"""The ``arrowtap`` command line: every source's sync and read, offsets state, the demo.

``arrowtap sync <source>`` and ``arrowtap read <source>`` exist for every source
(``arrowtap sources`` lists them) and take the arguments of the source's Python
functions; ``arrowtap state`` shows, resets and rewinds what syncs committed; ``arrowtap compact``
merges a dataset's small page files.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from arrowtap.cli.commands import SourceCommands
from arrowtap.cli.state import state
from arrowtap.errors import ArrowtapError, ArrowtapWarning, NoMatchWarning

__all__ = ["main"]


@contextlib.contextmanager
def _warnings_shown() -> Iterator[None]:
    """Show each of arrowtap's warnings as a line on stderr: never raised, no source line."""
    with warnings.catch_warnings():
        warnings.simplefilter("always", ArrowtapWarning)
        previous = warnings.showwarning

        def show(message: Any, category: type[Warning], *where: Any, **more: Any) -> None:
            if issubclass(category, ArrowtapWarning):
                click.echo(f"warning: {message}", err=True)
            else:
                previous(message, category, *where, **more)

        warnings.showwarning = show
        yield


@click.group()
@click.version_option(package_name="arrowtap")
@click.pass_context
def main(ctx: click.Context) -> None:
    """arrowtap: operational systems' data into Arrow, pandas, Dask and Parquet."""
    ctx.with_resource(_warnings_shown())


main.add_command(
    SourceCommands(
        "sync",
        name="sync",
        help="Copy new data of a source into a Parquet dataset, exactly once, resumably.",
    )
)
main.add_command(
    SourceCommands("read", name="read", help="Read a source into a Parquet, Arrow or CSV file.")
)
main.add_command(state)


@main.command()
def sources() -> None:
    """List every source: what it offers and what its offsets are."""
    from arrowtap.catalog import sources as every
    from arrowtap.io.registry import OFFSET_KINDS

    rows = [
        (info.cli_name, " ".join(info.offers()) + (" follow" if info.follow else ""), info.offset)
        for info in every()
    ]
    width = [max(len(row[i]) for row in rows) for i in range(2)]
    click.echo(f"{'SOURCE':<{width[0]}}  {'OFFERS':<{width[1]}}  OFFSET")
    for name, offers, offset in rows:
        click.echo(f"{name:<{width[0]}}  {offers:<{width[1]}}  {offset}")
    click.echo("")
    for kind, meaning in OFFSET_KINDS.items():
        click.echo(f"{kind}: {meaning}")


@main.command()
@click.argument("url")
@click.argument("pattern")
@click.option("--regexp", is_flag=True, help="PATTERN is a regular expression, not a glob.")
def channels(url: str, pattern: str, regexp: bool) -> None:
    """List the archive channels whose names match PATTERN."""
    from arrowtap.connectors.pvarchiver.channel_names import find_archive_channels

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NoMatchWarning)  # an error here, said once
            if regexp:
                names = find_archive_channels(url, regexp=pattern)
            else:
                names = find_archive_channels(url, pattern)
    except ArrowtapError as exc:
        raise click.ClickException(f"{type(exc).__name__}: {exc}") from exc
    if not names:
        kind = "regexp" if regexp else "pattern"
        raise click.ClickException(f"no channel matches the {kind} {pattern!r}")
    for name in names:
        click.echo(name)


@main.command()
@click.option(
    "--to",
    "to",
    default="arrowtap-demo",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the demo writes (a previous demo's output there is replaced).",
)
@click.option(
    "--wait",
    default=3.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Seconds between the two syncs of the live archive.",
)
def demo(to: Path, wait: float) -> None:
    """Sync a fake live archive and a fake Kinetica table into Delta tables; plot the samples.

    The archive is synced twice (the second sync copies only the new samples), the
    Kinetica table is merged on its primary key before and after an upsert, and
    each step prints what it did, where the data is and how to read it.
    Ctrl-C or SIGTERM stop it (exit 130 or 143), the fakes with it.
    """
    import signal

    from arrowtap.cli.demo import run_demo
    from arrowtap.cli.running import stoppable
    from arrowtap.errors import Interrupted

    try:
        with stoppable():
            run_demo(to, wait)
    except (Interrupted, KeyboardInterrupt) as exc:
        signum = exc.signal if isinstance(exc, Interrupted) else signal.SIGINT
        name = signal.Signals(signum).name
        click.echo(f"\n{name}: the demo stopped, and the fakes with it", err=True)
        raise SystemExit(128 + signum) from None
    except ArrowtapError as exc:
        raise click.ClickException(f"{type(exc).__name__}: {exc}") from exc


@main.command()
@click.argument("directory")
@click.option(
    "--target-size",
    type=click.IntRange(min=1),
    default=128 * 2**20,
    show_default=True,
    help="The size, in bytes, merged files aim at.",
)
@click.option(
    "--checkpoint",
    default=None,
    help="The sync's checkpoint, which says what is committed "
    "(default: DIRECTORY.checkpoint.sqlite, beside the dataset).",
)
def compact(directory: str, target_size: int, checkpoint: str | None) -> None:
    """Merge each partition's small committed page files in DIRECTORY (or delta:PATH).

    Safe while a sync of the same dataset runs; rows are unchanged.
    """
    from arrowtap.io.compact import compact as merge

    try:
        summary = merge(directory, target_size=target_size, checkpoint=checkpoint)
    except ArrowtapError as exc:
        raise click.ClickException(f"{type(exc).__name__}: {exc}") from exc
    click.echo(f"compact: {summary}")
