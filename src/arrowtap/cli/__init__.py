"""The ``arrowtap`` command line: every source's sync and read, offsets state, the demo.

``arrowtap sync <source>`` and ``arrowtap read <source>`` exist for every source
(``arrowtap sources`` lists them) and take the arguments of the source's Python
functions; ``arrowtap state`` shows, resets and rewinds what syncs committed.
"""

from __future__ import annotations

from pathlib import Path

import click

from arrowtap.cli.commands import SourceCommands
from arrowtap.cli.state import state
from arrowtap.errors import ArrowtapError

__all__ = ["main"]


@click.group()
@click.version_option(package_name="arrowtap")
def main() -> None:
    """arrowtap: operational systems' data into Arrow, pandas, Dask and Parquet."""


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
    from arrowtap.connectors.pvarchiver.samples import find_archive_channels

    try:
        if regexp:
            names = find_archive_channels(url, regexp=pattern)
        else:
            names = find_archive_channels(url, pattern)
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
