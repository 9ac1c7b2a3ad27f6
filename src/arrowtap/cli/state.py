"""``arrowtap state show|reset|rewind``: what syncs committed, and taking it back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from arrowtap.cli.running import failure
from arrowtap.errors import ArrowtapError

__all__ = ["state"]

_CHECKPOINT = click.option(
    "--checkpoint",
    required=True,
    help="The checkpoint: an SQLite file (a sync's default is <to>.checkpoint.sqlite, "
    "beside the dataset <to>) or a harperdb+http(s):// URL.",
)
_NAME = click.option(
    "--name", default=None, help="Which checkpoint of the location (default: its only one)."
)


def _names(location: str) -> list[str]:
    if "://" in location:
        raise click.UsageError("give --name for a checkpoint at a URL")
    from arrowtap.checkpoint.sqlite import checkpoint_names

    return checkpoint_names(location)


@contextmanager
def _opened(location: str, name: str | None) -> Iterator[object]:
    """The checkpoint, held (its lease) while reset or rewind change it and the dataset."""
    from arrowtap.io import offsets

    if name is None:
        names = _names(location)
        if len(names) != 1:
            raise click.UsageError(f"--name: the checkpoint file holds {names}; name one")
        name = names[0]
    elif "://" not in location and name not in _names(location):
        raise click.BadParameter(f"no checkpoint {name!r} in {location}", param_hint="--name")
    with offsets.opened(location, name, lease=True) as store:
        yield store


@click.group()
def state() -> None:
    """Show, reset or rewind what syncs have committed."""


@state.command()
@_CHECKPOINT
@_NAME
def show(checkpoint: str, name: str | None) -> None:
    """List each partition: its offset, pages committed and when."""
    from arrowtap.checkpoint import open_checkpoint
    from arrowtap.io.state import states

    try:
        names = [name] if name is not None else _names(checkpoint)
        for each in names:
            click.echo(each)
            with open_checkpoint(checkpoint, each) as store:
                for row in states(store):
                    if row.bookkeeping:
                        click.echo(f"  {row.key}  (kept by the connector)")
                    else:
                        offset = json.dumps(row.offset)
                        click.echo(
                            f"  {row.key}  offset={offset}  pages={row.pages}  "
                            f"committed={row.committed}"
                        )
    except ArrowtapError as exc:
        raise failure(exc) from exc


@state.command()
@_CHECKPOINT
@_NAME
@click.option("--partition", "partitions", multiple=True, help="A partition key; repeatable.")
@click.option("--all", "everything", is_flag=True, help="Every partition of the checkpoint.")
@click.option(
    "--dataset",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Also delete the partitions' data from this dataset.",
)
def reset(
    checkpoint: str,
    name: str | None,
    partitions: tuple[str, ...],
    everything: bool,
    dataset: Path | None,
) -> None:
    """Forget partitions: the next sync reads them from the start."""
    from arrowtap.io.sink import open_dataset
    from arrowtap.io.state import reset as forget
    from arrowtap.io.state import states

    if bool(partitions) == everything:
        raise click.UsageError("give --partition (repeatable) or --all")
    try:
        with _opened(checkpoint, name) as store:
            keys = list(partitions) or [r.key for r in states(store) if not r.bookkeeping]  # type: ignore[arg-type]
            sink = open_dataset(dataset) if dataset is not None else None
            forget(store, keys, sink)  # type: ignore[arg-type]
    except ArrowtapError as exc:
        raise failure(exc) from exc
    click.echo(f"reset: partitions={len(keys)}")


@state.command()
@_CHECKPOINT
@_NAME
@click.option("--partition", required=True, help="The partition key.")
@click.option(
    "--dataset",
    required=True,
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="The dataset the partition's pages are in.",
)
@click.option("--pages", type=int, default=None, help="Keep this many pages.")
@click.option("--column", default=None, help="Keep the pages whose COLUMN values are all ...")
@click.option("--to", "to", default=None, help="... at most this (a time: ISO or integer ns).")
def rewind(
    checkpoint: str,
    name: str | None,
    partition: str,
    dataset: Path,
    pages: int | None,
    column: str | None,
    to: str | None,
) -> None:
    """Rewind a partition to the end of an earlier page; later pages are deleted."""
    from arrowtap.io.sink import open_dataset
    from arrowtap.io.state import rewind as back

    try:
        with _opened(checkpoint, name) as store:
            kept = back(
                store,  # type: ignore[arg-type]
                partition,
                open_dataset(dataset),
                pages=pages,
                column=column,
                to=to,
            )
    except ArrowtapError as exc:
        raise failure(exc) from exc
    click.echo(f"rewind: {partition} keeps pages={kept}; the next sync reads on from there")
