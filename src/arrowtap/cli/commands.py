"""``arrowtap sync <source>`` and ``arrowtap read <source>``: one command per source, made alike.

Each command is made, when it is asked for, from the signature of the source's
``sync_<source>`` or ``scan_<source>`` (:mod:`arrowtap.cli.params`), so every
source has the same vocabulary on the command line as in Python.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from arrowtap.cli.params import CliParam, params_of, time_value
from arrowtap.cli.running import file_format, run_read, run_sync
from arrowtap.errors import NoMatchWarning
from arrowtap.io.registry import SourceInfo

__all__ = ["SourceCommands"]


def _expand_channels(kwargs: dict[str, Any]) -> None:
    """``--channels`` of the archive are globs: each must match, as the user meant it to."""
    from arrowtap.connectors.pvarchiver.channel_names import find_archive_channels

    globs = kwargs.get("channels") or []
    names: list[str] = []
    for glob in globs:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NoMatchWarning)  # an error here, said once
            found = find_archive_channels(kwargs["url"], glob)
        if not found:
            raise click.ClickException(f"--channels {glob!r} matches no channel")
        names.extend(found)
    # One glob stays a glob, so that a following sync finds channels added later.
    kwargs["channels"] = globs[0] if len(globs) == 1 else list(dict.fromkeys(names))


_HOOKS: dict[str, Callable[[dict[str, Any]], None]] = {"archive_samples": _expand_channels}
"""Per source, what turns command-line values into the function's arguments."""


class SourceCommands(click.Group):
    """A group whose commands are the sources offering ``kind`` (``sync`` or ``read``)."""

    def __init__(self, kind: str, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.kind = kind

    def _sources(self) -> list[SourceInfo]:
        from arrowtap.catalog import sources

        entry = "sync" if self.kind == "sync" else "scan"
        return [info for info in sources() if getattr(info, entry) is not None]

    def list_commands(self, ctx: click.Context) -> list[str]:
        """The command-line names of the sources (listing them imports no connector)."""
        return [info.cli_name for info in self._sources()]

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List the sources from the registry (without importing any connector)."""
        rows = [(info.cli_name, info.description) for info in self._sources()]
        with formatter.section("Sources"):
            formatter.write_dl(rows)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command of one source, made from its function's signature now."""
        for info in self._sources():
            if cmd_name in (info.cli_name, info.name, *info.cli_aliases):
                return _sync_command(info) if self.kind == "sync" else _read_command(info)
        return None


def _check_units(params: list[CliParam], kwargs: dict[str, Any]) -> None:
    """An integer time needs ``--unit``: ``--start 1714521600`` is seconds as much as ns."""
    if kwargs.get("unit") is not None:
        return
    for param in params:
        value = kwargs.get(param.name)
        if param.convert is time_value and isinstance(value, int) and value != 0:
            flag = "--" + param.name.replace("_", "-")
            raise click.UsageError(
                f"{flag} {value} is an integer without a unit: add --unit s, ms, us or ns, "
                "or give an ISO time with an offset (2024-05-01T00:00Z)"
            )


def _values(info: SourceInfo, function: Callable[..., Any], values: dict[str, Any]) -> Any:
    params = params_of(function)
    kwargs = {p.name: p.convert(values.pop(p.name)) for p in params}
    _check_units(params, kwargs)
    hook = _HOOKS.get(info.name)
    if hook is not None:
        hook(kwargs)
    return {k: v for k, v in kwargs.items() if v is not None}


def _sync_command(info: SourceInfo) -> click.Command:
    function = info.entry_point("sync")
    params = [p.param for p in params_of(function)]
    params.append(
        click.Option(
            ["--checkpoint"],
            default=None,
            help="Where offsets are kept: an SQLite file or a harperdb+http(s):// URL "
            "(default: <to>.checkpoint.sqlite).",
        )
    )

    @click.pass_context
    def callback(ctx: click.Context, /, **values: Any) -> None:
        checkpoint = values.pop("checkpoint")

        def call(progress: Any) -> Any:
            # Made here, where errors become clean messages: --channels asks the server.
            kwargs = _values(info, function, values)
            if checkpoint is not None:
                kwargs["checkpoint"] = checkpoint  # a path or a harperdb+http(s):// URL
            return function(**kwargs, on_page=progress)

        ctx.exit(run_sync("sync", call))

    return click.Command(
        info.cli_name,
        callback=callback,
        params=params,
        help=f"Sync {info.description} into a Parquet dataset (--to DIR) or a Delta table"
        " (--to delta:DIR), exactly once.",
        short_help=info.description,
    )


def _read_command(info: SourceInfo) -> click.Command:
    function = info.entry_point("scan")
    params = [p.param for p in params_of(function)]
    params.append(
        click.Option(
            ["--to", "to_file"],
            required=True,
            type=click.Path(dir_okay=False, path_type=Path),
            help="The file to write: .parquet, .arrow (.feather, .ipc) or .csv.",
        )
    )
    incremental = not info.snapshot and "checkpoint" in _parameters(function)
    if incremental:
        params.append(
            click.Option(
                ["--checkpoint"],
                default=None,
                help="Read only what is new since the last read with this checkpoint, "
                "committed once the file is written.",
            )
        )

    @click.pass_context
    def callback(ctx: click.Context, /, **values: Any) -> None:
        to: Path = values.pop("to_file")
        file_format(to)
        checkpoint = values.pop("checkpoint", None)

        def call() -> Any:
            kwargs = _values(info, function, values)
            if checkpoint is not None:
                kwargs["checkpoint"] = checkpoint
            return function(**kwargs)

        ctx.exit(run_read("read", call, to))

    return click.Command(
        info.cli_name,
        callback=callback,
        params=params,
        help=f"Read {info.description} into a file.",
        short_help=info.description,
    )


def _parameters(function: Callable[..., Any]) -> set[str]:
    import inspect

    return set(inspect.signature(function).parameters)
