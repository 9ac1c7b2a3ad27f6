"""Running a sync or a read from the command line: progress, clean stops, one summary line.

Ctrl-C (SIGINT) and SIGTERM stop the work between pages: what was committed stays,
the summary of it is printed, and the exit code is 128 + the signal (130, 143).
Running the same command again resumes. A destination another sync holds (its
checkpoint's lease) ends the command at once, or after ``--wait SECONDS``, with
the holder named and the exit code :data:`HELD` (75, EX_TEMPFAIL: try again later).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import click
import pyarrow as pa
from tqdm import tqdm

from arrowtap.errors import ArrowtapError, DestinationHeldError, Interrupted

__all__ = [
    "HELD",
    "Progress",
    "failure",
    "file_format",
    "run_read",
    "run_sync",
    "stoppable",
    "summary_line",
]

HELD = 75
"""Exit code when another writer holds the destination (sysexits' EX_TEMPFAIL)."""


class _Held(click.ClickException):
    exit_code = HELD


def failure(exc: ArrowtapError) -> click.ClickException:
    """The command-line error of ``exc``: exit code :data:`HELD` for a held destination, else 1.

    Examples
    --------
    >>> failure(ArrowtapError("boom")).exit_code
    1
    """
    kind = _Held if isinstance(exc, DestinationHeldError) else click.ClickException
    return kind(f"{type(exc).__name__}: {exc}")


@contextlib.contextmanager
def stoppable() -> Iterator[None]:
    """Within the block SIGTERM stops the work as Ctrl-C does (an :class:`Interrupted`)."""

    def on_term(signum: int, frame: FrameType | None) -> None:
        raise Interrupted(None, signum)

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class Progress:
    """A bar of rows written (on a terminal), fed by ``on_page``."""

    def __init__(self, label: str) -> None:
        self.bar = tqdm(desc=label, unit=" rows", unit_scale=True, file=sys.stderr, disable=None)

    def __call__(self, partition: Any, page: Any) -> None:
        """Count the rows of a committed page."""
        self.bar.update(page.batch.num_rows)

    def close(self) -> None:
        """Take the bar off the terminal."""
        self.bar.close()


def summary_line(label: str, summary: Any) -> str:
    """The closing line of a sync: partitions, rows, pages, bytes, seconds.

    Examples
    --------
    >>> from arrowtap.io.sync import SyncSummary
    >>> summary_line("sync", SyncSummary(seconds=0.25))
    'sync: partitions=0 rows=0 pages=0 bytes=0 seconds=0.25'
    """
    if summary is None:
        return f"{label}: nothing committed"
    drift = "".join(f"\n{label}: schema drift: {d}" for d in getattr(summary, "drift", ()))
    return (
        f"{label}: partitions={len(summary.partitions)} rows={summary.rows} "
        f"pages={summary.pages} bytes={summary.bytes} seconds={summary.seconds:.2f}{drift}"
    )


def _stopped(label: str, exc: BaseException) -> int:
    signum = exc.signal if isinstance(exc, Interrupted) else signal.SIGINT
    summary = exc.summary if isinstance(exc, Interrupted) else None
    click.echo(summary_line(f"{label} (stopped)", summary))
    name = signal.Signals(signum).name
    click.echo(f"{name}: stopped between pages; run the same command again to resume", err=True)
    return 128 + signum


def run_sync(label: str, call: Callable[[Progress], Any]) -> int:
    """Run ``call(on_page)``; print its summary; the exit code (0, or 128 + a stop signal)."""
    progress = Progress(label)
    try:
        with stoppable():
            summary = call(progress)
    except (Interrupted, KeyboardInterrupt) as exc:
        progress.close()
        return _stopped(label, exc)
    except ArrowtapError as exc:
        raise failure(exc) from exc
    finally:
        progress.close()
    click.echo(summary_line(label, summary))
    return 0


_FORMATS = {".parquet": "parquet", ".arrow": "ipc", ".feather": "ipc", ".ipc": "ipc", ".csv": "csv"}


def file_format(path: Path) -> str:
    """The format a file name asks for, or a usage error naming ``--to``.

    Examples
    --------
    >>> file_format(Path("out/samples.parquet"))
    'parquet'
    """
    found = _FORMATS.get(path.suffix.lower())
    if found is None:
        raise click.BadParameter(
            f"{str(path)!r}: the file name must end in .parquet, .arrow (.feather, .ipc) or .csv",
            param_hint="--to",
        )
    return found


def _writer(path: Path, schema: Any, kind: str) -> Any:
    import pyarrow.csv as csv
    import pyarrow.parquet as pq

    if kind == "parquet":
        return pq.ParquetWriter(path, schema, compression="zstd")
    if kind == "ipc":
        return pa.ipc.new_file(path, schema)
    nested = [f.name for f in schema if pa.types.is_nested(f.type)]
    if nested:
        raise click.BadParameter(
            f"CSV cannot hold the list columns {nested}: choose --columns, or write .parquet",
            param_hint="--to",
        )
    return csv.CSVWriter(path, schema)


def run_read(label: str, open_reader: Callable[[], Any], to: Path) -> int:
    """Stream what ``open_reader()`` gives into ``to`` (whole, or not at all); the exit code.

    ``open_reader`` returns a :class:`pyarrow.RecordBatchReader`, or an
    :class:`~arrowtap.Increment` of one, committed once the file is in place.
    """
    kind = file_format(to)
    tmp = to.with_name(f".{to.name}.tmp-{os.getpid()}")
    began = time.perf_counter()
    rows = 0
    bar = tqdm(desc=label, unit=" rows", unit_scale=True, file=sys.stderr, disable=None)
    try:
        with stoppable():
            opened = open_reader()
            reader = getattr(opened, "data", opened)
            writer = _writer(tmp, reader.schema, kind)
            try:
                for batch in reader:
                    writer.write_batch(batch)
                    rows += batch.num_rows
                    bar.update(batch.num_rows)
            finally:
                writer.close()
            os.replace(tmp, to)
            if opened is not reader:
                opened.commit()
    except (Interrupted, KeyboardInterrupt) as exc:
        bar.close()
        click.echo(f"{label} (stopped): rows={rows}; {to} not written")
        signum = exc.signal if isinstance(exc, Interrupted) else signal.SIGINT
        click.echo(f"{signal.Signals(signum).name}: stopped; nothing committed", err=True)
        return 128 + signum
    except ArrowtapError as exc:
        raise failure(exc) from exc
    except (OSError, pa.ArrowException) as exc:
        raise click.ClickException(f"cannot write {str(to)!r}: {exc}") from exc
    finally:
        bar.close()
        tmp.unlink(missing_ok=True)
    size = to.stat().st_size
    click.echo(f"{label}: rows={rows} bytes={size} seconds={time.perf_counter() - began:.2f} {to}")
    return 0
