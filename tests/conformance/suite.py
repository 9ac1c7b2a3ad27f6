"""The conformance suite every source inherits (one short subclass per source).

A subclass names its source (``source = "<registry name>"``) and provides a ``case``
fixture: a :class:`Case` built on its fakes (or the real HarperDB server). Every test
below then runs against that source through its public entry points, as a user would
call them:

- the schema is declared, and stable across pages and for an empty result;
- pagination ends, and small pages give what one page gives;
- reading from every offset gives exactly the rest;
- ``read_*`` equals ``scan_*`` equals the Dask read, dtypes included;
- ``columns=`` gives those columns, in the order asked, and names an unknown one;
- an incremental read commits only when told;
- a sync killed at each commit point, then run again, equals a one-shot read;
  a second sync adds nothing new (or, for a snapshot, one more snapshot);
- offsets reach a checkpoint from :mod:`arrowtap.io.offsets` only;
- closing leaves no thread, socket or server-side object behind.
"""

from __future__ import annotations

import gc
import inspect
import math
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
import psutil
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from arrowtap._pool import pool_usage
from arrowtap.catalog import source
from arrowtap.checkpoint import Checkpoint
from arrowtap.errors import InvalidArgumentError
from arrowtap.io.crashpoints import CRASHPOINTS
from arrowtap.io.delta_types import table_to_delta
from arrowtap.io.frames import to_pandas
from arrowtap.io.reading import Increment
from arrowtap.io.registry import SourceInfo
from arrowtap.io.sink import open_dataset
from arrowtap.io.stream import projector
from arrowtap.io.sync import SNAPSHOT_FIELD
from arrowtap.testing.delta import read_delta_table


@dataclass
class Case:
    """How to call one source on a prepared fake, and how to judge what it returns.

    ``args`` and ``kwargs`` go to every entry point (plan, read, scan, sync, Dask);
    the ``*_kwargs`` add to them for one kind of call. They must be ``repr``-able:
    a crash run calls the sync in a child process from their ``repr``.
    """

    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    keys: list[str]
    page_kwargs: dict[str, Any] = field(default_factory=dict)
    empty_kwargs: dict[str, Any] | None = None
    incremental_kwargs: dict[str, Any] = field(default_factory=dict)
    sync_kwargs: dict[str, Any] = field(default_factory=dict)
    dask_kwargs: dict[str, Any] = field(default_factory=dict)
    dask_index: str | None = None
    grow: Callable[[], None] | None = None
    server_port: int | None = None
    server_objects: Callable[[], int] | None = None


def canonical(data: pa.Table | pd.DataFrame, keys: list[str]) -> pa.Table:
    """A table sorted by ``keys``, without the snapshot stamp, comparable row for row."""
    table = data if isinstance(data, pa.Table) else pa.Table.from_pandas(data, preserve_index=False)
    if SNAPSHOT_FIELD.name in table.column_names:
        table = table.drop_columns([SNAPSHOT_FIELD.name])
    table = table.combine_chunks()
    return table.sort_by([(k, "ascending") for k in keys]) if table.num_rows else table


def _nan_free(value: object) -> object:
    if isinstance(value, float) and math.isnan(value):
        return "NaN"  # NaN != NaN; two reads of the same NaN must compare equal
    if isinstance(value, list):
        return [_nan_free(v) for v in value]
    if isinstance(value, dict):
        return {k: _nan_free(v) for k, v in value.items()}
    return value


def same_rows(a: pa.Table | pd.DataFrame, b: pa.Table | pd.DataFrame, keys: list[str]) -> bool:
    """Row-for-row equality in key order, NaN equal to NaN, the snapshot stamp left out."""
    left, right = canonical(a, keys), canonical(b, keys)
    if sorted(left.column_names) != sorted(right.column_names):
        return False
    return _nan_free(left.select(right.column_names).to_pylist()) == _nan_free(right.to_pylist())


def _arrowtap_threads() -> set[str]:
    return {t.name for t in threading.enumerate() if t.name.startswith("arrowtap")}


class SourceSuite:
    """Inherit with ``source = "<name>"`` and a ``case`` fixture returning a :class:`Case`."""

    source: ClassVar[str]

    # -- helpers -----------------------------------------------------------------------

    @property
    def info(self) -> SourceInfo:
        return source(self.source)

    def call(self, kind: str, case: Case, *extra_args: Any, **extra: Any) -> Any:
        function = self.info.entry_point(kind)
        accepted = inspect.signature(function).parameters
        kwargs = {k: v for k, v in (case.kwargs | extra).items() if k in accepted}
        return function(*case.args, *extra_args, **kwargs)

    def truth(self, case: Case) -> pa.Table:
        """The one-shot read, in Arrow (pandas merges null and NaN floats)."""
        table: pa.Table = self.call("scan", case).read_all()
        return table

    def dataset(self, path: Path) -> pa.Table:
        # As pyarrow reads a dataset of Hive directories (tests/test_sink_engines.py: others).
        table = ds.dataset(path, partitioning="hive").to_table()
        # Where it came from, for the checks that read one partition's files again.
        return table.replace_schema_metadata({**(table.schema.metadata or {}), _ROOT: str(path)})

    # -- the schema ---------------------------------------------------------------------

    def test_registry_entry_resolves(self) -> None:
        info = self.info
        for kind in ("plan", *info.offers()):
            assert callable(info.entry_point(kind)), kind
        assert info.sync is not None, "every source syncs"

    def test_schema_is_declared_and_stable(self, case: Case) -> None:
        if self.info.read is None:
            pytest.skip("a stream source: see its own tests")
        plan = self.call("plan", case, **case.page_kwargs)
        reader = self.call("scan", case, **case.page_kwargs)
        assert reader.schema == plan.schema
        if self.info.schema is not None and "columns" not in case.kwargs:
            assert plan.schema.equals(self.info.schema)
        batches = list(reader)
        assert batches, "the case reads no rows: give it some"
        for batch in batches:
            assert batch.schema == plan.schema
        if case.empty_kwargs is not None:
            empty = self.call("scan", case, **case.empty_kwargs)
            assert empty.schema == plan.schema
            assert empty.read_all().num_rows == 0
            frame = self.call("read", case, **case.empty_kwargs)
            assert list(frame.columns) == plan.schema.names
            assert list(frame.dtypes) == list(to_pandas(plan.schema.empty_table()).dtypes)

    # -- pagination and offsets ---------------------------------------------------------

    def test_small_pages_end_and_give_the_same_rows(self, case: Case) -> None:
        if self.info.read is None:
            pytest.skip("a stream source: see its own tests")
        whole = self.truth(case)
        paged = self.call("scan", case, **case.page_kwargs).read_all()
        assert paged.num_rows == whole.num_rows
        assert same_rows(paged, whole, case.keys)

    def test_resume_from_every_offset_gives_exactly_the_rest(self, case: Case) -> None:
        if self.info.read is None:
            pytest.skip("a stream source: see its own tests")
        plan = self.call("plan", case, **case.page_kwargs)
        source = plan.source
        try:
            for part in plan.partitions:
                pages = list(source.read(part))
                last = len(pages) - 1 if plan.snapshot else len(pages)
                for i in range(last):
                    rest = [p.batch for p in source.read(part, pages[i].offset)]
                    expected = [p.batch for p in pages[i + 1 :]]
                    assert same_rows(
                        pa.Table.from_batches(rest, plan.source.schema),
                        pa.Table.from_batches(expected, plan.source.schema),
                        case.keys,
                    ), f"{part.key} after page {i}"
        finally:
            source.close()

    # -- one result, three ways ---------------------------------------------------------

    def test_read_scan_and_dask_agree_dtypes_included(self, case: Case) -> None:
        if self.info.read is None:
            pytest.skip("a stream source: see its own tests")
        frame = self.call("read", case)
        scanned = to_pandas(self.truth(case))
        pd.testing.assert_frame_equal(
            frame.sort_values(case.keys, ignore_index=True),
            scanned.sort_values(case.keys, ignore_index=True),
        )
        if self.info.dask_read is None:
            return
        ddf = self.call("dask_read", case, **case.dask_kwargs)
        computed = ddf.compute()
        if case.dask_index is not None:
            computed = computed.reset_index()[list(frame.columns)]
        pd.testing.assert_series_equal(computed.dtypes, frame.dtypes)
        pd.testing.assert_frame_equal(
            frame.sort_values(case.keys, ignore_index=True),
            computed.sort_values(case.keys, ignore_index=True),
        )

    def test_columns_give_those_columns_in_the_order_asked(self, case: Case) -> None:
        if self.info.read is None:
            pytest.skip("a stream source: see its own tests")
        whole = self.truth(case)
        others = [n for n in whole.column_names if n not in case.keys]
        # The last column first, then the keys: not the schema's order.
        wanted = [others[-1], *case.keys] if others else case.keys[::-1]
        expected = to_pandas(whole.select(wanted)).sort_values(case.keys, ignore_index=True)
        frame = self.call("read", case, columns=wanted)
        assert list(frame.columns) == wanted
        pd.testing.assert_frame_equal(frame.sort_values(case.keys, ignore_index=True), expected)
        reader = self.call("scan", case, columns=wanted)
        assert reader.schema.names == wanted
        with pytest.raises(InvalidArgumentError, match="'no_such_column'"):
            self.call("read", case, columns=[*wanted, "no_such_column"])
        if self.info.dask_read is None:
            return
        ddf = self.call("dask_read", case, **case.dask_kwargs, columns=wanted)
        computed = ddf.compute()
        if case.dask_index is not None:
            computed = computed.reset_index()
        # Every column asked; a Dask read keeps those that tell its partitions apart too
        # (its index, a listing's parent), documented per reader.
        assert sorted(c for c in computed.columns if c in wanted) == sorted(wanted)
        computed = computed[wanted].sort_values(case.keys, ignore_index=True)
        pd.testing.assert_frame_equal(computed, expected)

    # -- incremental reads --------------------------------------------------------------

    def test_an_incremental_read_commits_only_when_told(self, case: Case, tmp_path: Path) -> None:
        if self.info.snapshot or self.info.read is None:
            pytest.skip("no offsets to resume from")
        ckpt = tmp_path / "offsets.sqlite"
        extra = case.incremental_kwargs | {"checkpoint": ckpt}
        first = self.call("read", case, **extra)
        assert isinstance(first, Increment)
        assert len(first.data) > 0
        again = self.call("read", case, **extra)
        assert same_rows(again.data, first.data, case.keys), "nothing committed: the same rows"
        first.commit()
        assert len(self.call("read", case, **extra).data) == 0
        if case.grow is not None:
            case.grow()
            with self.call("read", case, **extra) as new:
                assert len(new) > 0
            assert len(self.call("read", case, **extra).data) == 0

    # -- syncs ----------------------------------------------------------------------------

    def _sync_code(self, case: Case, to: Path | str) -> str:
        function = self.info.entry_point("sync")
        accepted = inspect.signature(function).parameters
        kwargs = {k: v for k, v in (case.kwargs | case.sync_kwargs).items() if k in accepted}
        module, name = function.__module__, function.__name__
        return (
            f"from {module} import {name}\n{name}(*{case.args!r}, to={str(to)!r}, **{kwargs!r})\n"
        )

    def sync(self, case: Case, to: Path | str) -> Any:
        return self.call("sync", case, to=to, **case.sync_kwargs)

    @pytest.mark.parametrize("point", CRASHPOINTS)
    def test_a_sync_killed_at_a_commit_point_then_rerun_equals_a_one_shot_read(
        self, case: Case, tmp_path: Path, point: str
    ) -> None:
        to = tmp_path / "out"
        code = self._sync_code(case, to)
        if _run(code, f"{point}:2") == 0:  # fewer than two pages: kill at the first
            assert _run(code, f"{point}:1") == -9, "the crash point was never reached"
        self.sync(case, to)
        written, truth = self.dataset(to), self.truth(case)
        if self.info.snapshot:
            self._check_whole_snapshots(case, written, truth)
            return
        assert written.num_rows == truth.num_rows
        assert same_rows(written, truth, case.keys)

    @pytest.mark.parametrize("point", CRASHPOINTS)
    def test_a_delta_sync_killed_at_a_commit_point_then_rerun_equals_a_one_shot_read(
        self, case: Case, tmp_path: Path, point: str
    ) -> None:
        # No checkpoint store: the offsets are in the table, committed with the data.
        to = f"delta:{tmp_path / 'table'}"
        code = self._sync_code(case, to)
        if _run(code, f"{point}:2") == 0:
            assert _run(code, f"{point}:1") == -9, "the crash point was never reached"
        self.sync(case, to)

        written = read_delta_table(tmp_path / "table")
        truth = table_to_delta(self.truth(case))
        if not self.info.snapshot:
            assert written.num_rows == truth.num_rows
            assert same_rows(written, truth, case.keys)
            return
        stamps = written[SNAPSHOT_FIELD.name]
        unstamped = [SNAPSHOT_FIELD.name, SNAPSHOT_FIELD.name + "_ns"]
        rerun = written.filter(pc.equal(stamps, pc.max(stamps))).drop_columns(unstamped)
        assert same_rows(rerun, truth, case.keys), "the re-run took a whole snapshot"
        plan = self.call("plan", case, **case.sync_kwargs)
        plan.source.close()
        for stamp in pc.unique(stamps):  # an earlier run kept whole partitions or nothing
            kept = written.filter(pc.equal(stamps, stamp)).drop_columns(unstamped)
            if len(plan.partitions) == 1:
                assert same_rows(kept, truth, case.keys), "a partial snapshot"
            assert kept.num_rows <= truth.num_rows

    def _check_whole_snapshots(self, case: Case, written: pa.Table, truth: pa.Table) -> None:
        """A killed snapshot run leaves nothing partial; a run that committed keeps its snapshot.

        The re-run's snapshot is the one-shot read, and every snapshot of every
        partition in the dataset is that partition's whole result.
        """
        stamps = written[SNAPSHOT_FIELD.name]
        rerun = written.filter(pc.equal(stamps, pc.max(stamps)))
        assert rerun.num_rows == truth.num_rows
        assert same_rows(rerun, truth, case.keys), "the re-run took a whole snapshot"
        plan = self.call("plan", case, **case.sync_kwargs)
        project = projector(plan)
        try:
            for part in plan.partitions:
                pages = [project(page.batch) for page in plan.source.read(part)]
                whole = pa.Table.from_batches(pages, plan.schema)
                kept = pq.read_table(to_dir(written, part.key))
                for stamp in pc.unique(kept[SNAPSHOT_FIELD.name]):
                    snapshot = kept.filter(pc.equal(kept[SNAPSHOT_FIELD.name], stamp))
                    assert same_rows(snapshot, whole, case.keys), f"{part.key}: a partial snapshot"
        finally:
            plan.source.close()

    def test_a_second_sync_adds_only_what_is_new(self, case: Case, tmp_path: Path) -> None:
        to = tmp_path / "out"
        first = self.sync(case, to)
        assert first.rows == self.truth(case).num_rows
        second = self.sync(case, to)
        if self.info.snapshot:
            assert second.rows == first.rows  # one more snapshot
            assert len(self.dataset(to)[SNAPSHOT_FIELD.name].unique()) == 2
            return
        assert second.rows == 0
        if case.grow is not None:
            before = self.truth(case).num_rows
            case.grow()
            third = self.sync(case, to)
            assert third.rows == self.truth(case).num_rows - before
            assert same_rows(self.dataset(to), self.truth(case), case.keys)

    def test_offsets_reach_the_checkpoint_from_io_offsets_only(
        self, case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        writers: list[str] = []

        def spy(original: Callable[..., Any]) -> Callable[..., Any]:
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                writers.append(_caller_outside_the_store())
                return original(*args, **kwargs)

            return wrapper

        monkeypatch.setattr(Checkpoint, "write", spy(Checkpoint.write))
        monkeypatch.setattr(Checkpoint, "delete", spy(Checkpoint.delete))
        self.sync(case, tmp_path / "out")
        if not self.info.snapshot and self.info.read is not None:
            extra = case.incremental_kwargs | {"checkpoint": tmp_path / "o.sqlite"}
            self.call("read", case, **extra).commit()
        assert writers
        assert set(writers) == {"arrowtap.io.offsets"}

    # -- streams ------------------------------------------------------------------------

    def test_a_stream_delivers_every_row_and_commits_on_a_clean_exit(
        self, case: Case, tmp_path: Path
    ) -> None:
        if self.info.monitor is None:
            pytest.skip("not a stream source")
        ckpt = tmp_path / "stream.sqlite"
        with self.call("monitor", case, checkpoint=ckpt) as stream:
            batches = [e.batch for e in stream if getattr(e, "batch", None) is not None]
        delivered = pa.Table.from_batches(batches, self.truth(case).schema)
        assert same_rows(delivered, self.truth(case), case.keys)
        with self.call("monitor", case, checkpoint=ckpt) as stream:
            again = [e for e in stream if getattr(e, "batch", None) is not None]
        assert again == [], "the first stream's clean exit committed what it delivered"

    # -- Dask sync ------------------------------------------------------------------------

    def test_a_dask_sync_equals_a_one_shot_read(self, case: Case, tmp_path: Path) -> None:
        if self.info.dask_sync is None:
            pytest.skip("no Dask sync")
        to = tmp_path / "out"
        self.call("dask_sync", case, to=to, **case.sync_kwargs)
        again = self.call("dask_sync", case, to=to, **case.sync_kwargs)
        assert again.rows == 0
        assert same_rows(self.dataset(to), self.truth(case), case.keys)

    # -- closing ----------------------------------------------------------------------------

    def test_closing_leaves_no_thread_socket_or_server_object(self, case: Case) -> None:
        if self.info.read is None:
            pytest.skip("a stream source: see its own tests")
        objects = case.server_objects() if case.server_objects is not None else 0
        threads = _arrowtap_threads()
        self.truth(case)
        reader = self.call("scan", case, **case.page_kwargs)
        reader.read_next_batch()  # then abandoned mid-stream
        del reader
        for _ in _settle():
            gc.collect()
            leaked = _arrowtap_threads() - threads
            sockets = _sockets(case.server_port)
            # The shared pool keeps its connections open, idle, for the next call.
            idle, busy = _pooled(case.server_port)
            left = case.server_objects() if case.server_objects is not None else 0
            if not leaked and len(sockets) == idle and not busy and left == objects:
                break
        assert leaked == set()
        assert busy == 0, "a connection still in use by the dropped stream"
        assert len(sockets) == idle, sockets
        assert left == objects


def _settle() -> Iterator[int]:
    deadline = time.monotonic() + 10
    i = 0
    while time.monotonic() < deadline:
        yield i
        i += 1
        time.sleep(0.1)


def _pooled(port: int | None) -> tuple[int, int]:
    return (0, 0) if port is None else pool_usage(f"http://127.0.0.1:{port}")


def _sockets(port: int | None) -> list[Any]:
    if port is None:
        return []
    connections = psutil.Process().net_connections(kind="tcp")
    return [
        c
        for c in connections
        if c.raddr and c.raddr.port == port and c.status == psutil.CONN_ESTABLISHED
    ]


def _caller_outside_the_store() -> str:
    for frame in inspect.stack()[2:]:
        module = frame.frame.f_globals.get("__name__", "")
        if not module.startswith("arrowtap.checkpoint"):
            return str(module)
    return "?"


_ROOT = b"arrowtap.test.dataset"


def to_dir(written: pa.Table, key: str) -> Path:
    """The directory of partition ``key`` in the dataset ``written`` was read from."""
    return open_dataset(Path((written.schema.metadata or {})[_ROOT].decode())).folder(key)


def _run(code: str, crash: str) -> int:
    run = subprocess.run(
        [sys.executable, "-c", code],
        env={**_env(), "ARROWTAP_CRASHPOINT": crash},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode in (0, -9), run.stderr[-2000:]
    return run.returncode


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "ARROWTAP_CRASHPOINT"}
