"""Syncs of Kinetica tables and monitored tables into Parquet datasets, once and following."""

from __future__ import annotations

import _thread
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from arrowtap.checkpoint import open_checkpoint
from arrowtap.connectors.kinetica.monitor import sync_kinetica_monitor
from arrowtap.connectors.kinetica.table_sync import sync_kinetica
from arrowtap.errors import Interrupted, InvalidArgumentError, InvalidTypeError
from arrowtap.io.contract import Page, Partition
from arrowtap.io.offsets import load
from arrowtap.io.sync import SyncSummary
from arrowtap.testing.kinetica import FakeKinetica


def person(i: int) -> dict[str, Any]:
    return {"id": i, "name": f"p{i:02d}", "age": 20 + i % 7, "score": i / 4}


def ids(out: Path) -> list[int]:
    return sorted(pq.read_table(out, columns=["id"])["id"].to_pylist())


@pytest.fixture
def ctrl_c() -> Iterator[threading.Event]:
    """Set the event and the main thread gets a KeyboardInterrupt, as from Ctrl-C."""
    press = threading.Event()
    done = threading.Event()

    def watch() -> None:
        # Bounded: a test whose condition never comes is stopped (and fails) all the same.
        press.wait(timeout=120)
        if not done.is_set():
            _thread.interrupt_main()

    watcher = threading.Thread(target=watch, name="ctrl-c", daemon=True)
    watcher.start()
    yield press
    done.set()
    press.set()
    watcher.join()


def test_a_sync_copies_the_rows_after_the_committed_value(
    people: FakeKinetica, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    first = sync_kinetica(people.url, "people", to=out, increasing_column="id", page_size=10)
    assert (first.rows, first.pages) == (25, 3)
    assert sync_kinetica(people.url, "people", to=out, increasing_column="id").rows == 0
    people.insert("people", [person(i) for i in (26, 25)])
    assert sync_kinetica(people.url, "people", to=out, increasing_column="id").rows == 2
    assert ids(out) == list(range(27))
    with open_checkpoint(tmp_path / "out.checkpoint.sqlite", "kinetica") as store:
        (key,) = store.keys()
        assert load(store, key).offset == {"value": 26}
        assert load(store, key).seq == 4


def test_a_sync_with_columns_where_and_its_own_checkpoint(
    people: FakeKinetica, tmp_path: Path
) -> None:
    out, ckpt = tmp_path / "out", tmp_path / "offsets.sqlite"
    summary = sync_kinetica(
        people.url,
        "people",
        to=out,
        checkpoint=ckpt,
        increasing_column="id",
        columns=["score", "id"],
        where="id >= 20",
    )
    assert summary.rows == 5
    assert pq.read_table(out).column_names == ["score", "id"]
    assert ckpt.exists()
    assert not (tmp_path / "out.checkpoint.sqlite").exists()


def test_a_sync_needs_an_increasing_column(people: FakeKinetica, tmp_path: Path) -> None:
    before = sum(people.requests.values())
    with pytest.raises(InvalidArgumentError, match="a sync needs increasing_column="):
        sync_kinetica(people.url, "people", to=tmp_path / "out")
    with pytest.raises(InvalidTypeError, match="increasing_column must be a column name, not 3"):
        sync_kinetica(people.url, "people", to=tmp_path / "out", increasing_column=3)  # type: ignore[arg-type]
    with pytest.raises(InvalidTypeError, match="checkpoint must be"):
        sync_kinetica(people.url, "people", to=tmp_path / "o", increasing_column="id", checkpoint=1)  # type: ignore[arg-type]
    with pytest.raises(InvalidTypeError, match="follow must be a bool"):
        sync_kinetica(people.url, "people", to=tmp_path / "o", increasing_column="id", follow=1)  # type: ignore[arg-type]
    assert sum(people.requests.values()) == before  # refused before any request
    assert not (tmp_path / "out").exists()


def test_following_copies_new_rows_until_ctrl_c(
    people: FakeKinetica, tmp_path: Path, ctrl_c: threading.Event
) -> None:
    out = tmp_path / "out"
    committed: list[int] = []

    def on_page(part: Partition, page: Page) -> None:
        committed.append(page.batch.num_rows)
        if sum(committed) == 25:  # the first run is done: new rows for a later one
            people.insert("people", [person(i) for i in range(25, 30)])
        if sum(committed) == 30:
            ctrl_c.set()

    with pytest.raises(Interrupted) as stopped:
        sync_kinetica(
            people.url, "people", to=out, increasing_column="id", follow=True, every=0.05,
            page_size=25, on_page=on_page,
        )  # fmt: skip
    summary = stopped.value.summary
    assert isinstance(summary, SyncSummary)
    assert summary.rows == 30
    assert summary.runs >= 2
    assert ids(out) == list(range(30))
    # What was committed stays: a run after the stop adds nothing.
    assert sync_kinetica(people.url, "people", to=out, increasing_column="id").rows == 0


def test_a_monitor_sync_that_follows_stops_on_ctrl_c(
    people: FakeKinetica, tmp_path: Path, ctrl_c: threading.Event
) -> None:
    out = tmp_path / "out"
    committed: list[int] = []

    def on_page(part: Partition, page: Page) -> None:
        committed.append(page.batch.num_rows)
        if sum(committed) == 25:  # back-filled: more rows for the monitor
            people.insert("people", [person(i) for i in range(25, 28)])
        if sum(committed) == 28:
            ctrl_c.set()  # while the stream waits for more, forever

    with pytest.raises(Interrupted) as stopped:
        sync_kinetica_monitor(
            people.url, "people", to=out, increasing_column="id", follow=True,
            monitor_url=people.monitor_url, on_page=on_page,
        )  # fmt: skip
    assert isinstance(stopped.value.summary, SyncSummary)
    assert stopped.value.summary.rows == 28
    assert ids(out) == list(range(28))
    assert people.monitors == {}  # the stopped stream cleared its monitor
    again = sync_kinetica_monitor(
        people.url, "people", to=out, increasing_column="id", stop_when_idle=0.3,
        monitor_url=people.monitor_url,
    )  # fmt: skip
    assert again.rows == 0


def test_a_monitor_sync_records_its_monitor_where_it_commits(
    people: FakeKinetica, tmp_path: Path
) -> None:
    out, ckpt = tmp_path / "out", tmp_path / "elsewhere.sqlite"
    summary = sync_kinetica_monitor(
        people.url, "people", to=out, checkpoint=ckpt, increasing_column="id",
        stop_when_idle=0.3, monitor_url=people.monitor_url,
    )  # fmt: skip
    assert summary.rows == 25
    with open_checkpoint(ckpt, "kinetica-monitor") as store:
        keys = store.keys()
        (key,) = [k for k in keys if not k.endswith("#monitors")]
        assert f"{key}#monitors" in keys
        assert store.read_json(f"{key}#monitors") == []  # cleared at the end
        assert load(store, key).offset == {"value": 24}
    assert not (tmp_path / "out.checkpoint.sqlite").exists()


def test_monitor_sync_arguments(people: FakeKinetica, tmp_path: Path) -> None:
    before = sum(people.requests.values())
    with pytest.raises(InvalidArgumentError, match="a monitor sync needs increasing_column="):
        sync_kinetica_monitor(people.url, "people", to=tmp_path, increasing_column=None)  # type: ignore[arg-type]
    with pytest.raises(InvalidTypeError, match="follow must be a bool"):
        sync_kinetica_monitor(
            people.url, "people", to=tmp_path, increasing_column="id", follow="yes"
        )  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="stop_when_idle must be finite seconds > 0"):
        sync_kinetica_monitor(
            people.url, "people", to=tmp_path, increasing_column="id", stop_when_idle=0
        )
    assert sum(people.requests.values()) == before
