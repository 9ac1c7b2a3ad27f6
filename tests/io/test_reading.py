"""Incremental reads hand the commit to the caller; syncs stop between pages."""

from __future__ import annotations

import _thread
import threading
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from arrowtap.checkpoint import open_checkpoint
from arrowtap.errors import Interrupted, InvalidArgumentError
from arrowtap.io import reading
from arrowtap.io.contract import Partition, Plan
from arrowtap.io.reading import Increment
from arrowtap.io.sink import ParquetDatasetSink
from arrowtap.io.sync import sync

from .listsource import ListSource

PARTS = [Partition("a"), Partition("b")]


def plan(**kw: object) -> Plan:
    return Plan(ListSource(**kw), PARTS, "reads")  # type: ignore[arg-type]


def test_a_plain_read_needs_no_checkpoint() -> None:
    frame = reading.read(plan())
    assert len(frame) == 20
    assert str(frame["i"].dtype) == "Int64"


def test_an_incremental_read_commits_only_when_told(tmp_path: Path) -> None:
    ckpt = tmp_path / "o.db"
    first = reading.read(plan(), checkpoint=ckpt)
    assert isinstance(first, Increment)
    assert len(first.data) == 20
    again = reading.read(plan(), checkpoint=ckpt)  # nothing committed: the same rows
    assert len(again.data) == 20
    first.commit()
    assert first.pending == {}
    assert len(reading.read(plan(), checkpoint=ckpt).data) == 0


def test_a_with_block_commits_on_a_clean_exit_only(tmp_path: Path) -> None:
    ckpt = tmp_path / "o.db"

    def dies_before_saving() -> None:
        with reading.read(plan(n=4), checkpoint=ckpt) as frame:
            assert len(frame) == 8
            raise RuntimeError("the notebook died before saving")

    with pytest.raises(RuntimeError):
        dies_before_saving()
    with reading.read(plan(n=4), checkpoint=ckpt) as frame:
        assert len(frame) == 8
    with reading.read(plan(n=6), checkpoint=ckpt) as frame:
        assert sorted(frame["i"].tolist()) == [4, 4, 5, 5]


def test_a_stream_commits_what_was_taken(tmp_path: Path) -> None:
    ckpt = tmp_path / "o.db"
    increment = reading.scan(plan(n=9, page=3), checkpoint=ckpt, max_concurrency=1)
    taken = [increment.data.read_next_batch() for _ in range(2)]
    assert [b["i"].to_pylist() for b in taken] == [[0, 1, 2], [3, 4, 5]]
    assert increment.pending == {"a": 5}
    increment.commit()
    with open_checkpoint(ckpt, "reads") as store:
        state = store.read_json("a")
    assert isinstance(state, dict)
    assert (state["offset"], state["seq"]) == (5, 2)
    rest = reading.read(plan(n=9, page=3), checkpoint=ckpt)
    assert sorted(rest.data["i"].tolist()) == sorted([6, 7, 8, *range(9)])


def test_columns_are_checked_and_projected() -> None:
    frame = reading.read(Plan(ListSource(n=2), PARTS, "reads", columns=["i"]))
    assert list(frame.columns) == ["i"]
    with pytest.raises(InvalidArgumentError, match="no column 'z'"):
        Plan(ListSource(), PARTS, "reads", columns=["z"])


def test_ctrl_c_stops_a_sync_between_pages_with_a_summary(tmp_path: Path) -> None:
    gate = threading.Event()
    source = ListSource(n=30, page=3, gate=gate)
    timer = threading.Timer(0.3, _thread.interrupt_main)
    timer.start()
    sink = ParquetDatasetSink(tmp_path / "out")
    with open_checkpoint(tmp_path / "ck.sqlite") as ck:
        stop = threading.Event()  # set by the runner when Ctrl-C reaches it
        threading.Thread(target=lambda: (stop.wait(), gate.set()), daemon=True).start()
        try:
            with pytest.raises(Interrupted) as info:
                sync(Plan(source, PARTS, "t"), sink, ck, max_concurrency=2, stop=stop)
        finally:
            gate.set()
            timer.cancel()
        summary = info.value.summary
        states = {key: ck.read_json(key) for key in ("a", "b")}
    assert summary.rows == pq.read_table(tmp_path / "out").num_rows
    committed = sum(s["seq"] for s in states.values() if isinstance(s, dict))
    assert committed == summary.pages
    assert summary.rows < 60


def test_a_stop_event_ends_a_sync_between_pages(tmp_path: Path) -> None:
    stop = threading.Event()
    stop.set()
    with open_checkpoint(tmp_path / "ck.sqlite") as ck:
        summary = sync(plan(), ParquetDatasetSink(tmp_path / "out"), ck, stop=stop)
    assert summary.rows == 0
