"""A monitor with an increasing column: back-fill, lost messages filled, checkpoints, the logic."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from arrowtap.checkpoint import open_checkpoint
from arrowtap.connectors.kinetica.monitor import (
    CHECKPOINT_NAME,
    Inserted,
    MonitorStream,
    monitor_kinetica,
)
from arrowtap.connectors.kinetica.monitor_state import monitor_key
from arrowtap.connectors.kinetica.wire.client import KineticaClient
from arrowtap.connectors.kinetica.wire.follow import (
    Gaps,
    fresh,
    gap_expression,
    read_count,
    sort_rows,
)
from arrowtap.connectors.kinetica.wire.incremental import KeyOrder
from arrowtap.connectors.kinetica.wire.types import KineticaColumn
from arrowtap.errors import DecodeError
from arrowtap.io.offsets import load, record
from arrowtap.testing.kinetica import FakeKinetica

COLUMNS = [("id", "long", "primary_key"), ("ts", "long", "timestamp", "nullable"), ("x", "double")]


@pytest.fixture
def table(fake: FakeKinetica) -> Iterator[FakeKinetica]:
    fake.create_table("t", COLUMNS)
    yield fake
    assert fake.monitors == {}


def rows(ids: Any, ts: Any = None) -> list[dict[str, Any]]:
    return [{"id": i, "ts": 1000 * i if ts is None else ts, "x": i / 2} for i in ids]


def lost(fake: FakeKinetica, batch: list[dict[str, Any]]) -> None:
    """Insert `batch` with its monitor message dropped on the way."""
    fake.faults.set(zmq_drop_rate=1.0)
    try:
        fake.insert("t", batch)
    finally:
        fake.faults.set(zmq_drop_rate=0.0)


def follow(fake: FakeKinetica, **options: Any) -> MonitorStream:
    options.setdefault("stop_when_idle", 3.0)
    options.setdefault("increasing_column", "id")
    stream = monitor_kinetica(fake.url, "t", monitor_url=fake.monitor_url, **options)
    assert fake.wait_subscribed(*stream.topics)
    return stream


def ids_of(events: list[Any]) -> list[list[int]]:
    assert all(isinstance(e, Inserted) for e in events), events
    return [e.batch.column("id").to_pylist() for e in events]


def take(stream: MonitorStream, n: int) -> list[Any]:
    return list(itertools.islice(stream, n))


def test_rows_inserted_before_are_read_from_the_table_then_the_monitor_is_followed(
    table: FakeKinetica,
) -> None:
    table.insert("t", rows(range(10)))
    with follow(table, events=["insert"]) as stream:
        first = take(stream, 1)
        table.insert("t", rows(range(10, 15)))
        second = take(stream, 1)
    assert ids_of(first + second) == [list(range(10)), list(range(10, 15))]


@pytest.mark.parametrize("step", [1, 10])  # contiguous ids, and ids that leave room between
def test_a_lost_message_is_read_from_the_table_before_the_next_one(
    table: FakeKinetica, step: int
) -> None:
    with follow(table) as stream:
        table.insert("t", rows(range(0, 5 * step, step)))
        first = take(stream, 1)
        lost(table, rows(range(5 * step, 10 * step, step)))
        table.insert("t", rows(range(10 * step, 15 * step, step)))
        later = take(stream, 2)
    chunks = ids_of(first + later)
    assert chunks == [[i * step for i in range(a, a + 5)] for a in (0, 5, 10)]


def test_lost_messages_of_a_repeating_column_with_a_tie_breaker(table: FakeKinetica) -> None:
    with follow(table, increasing_column="ts", tie_breaker="id") as stream:
        table.insert("t", rows([1, 2], ts=5))
        first = take(stream, 1)
        lost(table, rows([3, 4], ts=5))  # same ts as delivered rows: only the ties tell
        lost(table, rows([5], ts=6))
        table.insert("t", rows([6, 7], ts=6))
        later = take(stream, 5)
    assert sorted(i for chunk in ids_of(first + later) for i in chunk) == [1, 2, 3, 4, 5, 6, 7]
    assert ids_of(first) == [[1, 2]]


def test_a_lost_last_message_is_read_after_the_inactivity_timeout(table: FakeKinetica) -> None:
    with follow(table, inactivity_timeout=0.5, stop_when_idle=None) as stream:
        table.insert("t", rows(range(3)))
        first = take(stream, 1)
        lost(table, rows(range(3, 6)))
        second = take(stream, 1)
    assert ids_of(first + second) == [[0, 1, 2], [3, 4, 5]]


def test_rows_without_a_value_of_the_increasing_column_are_not_delivered(
    table: FakeKinetica,
) -> None:
    with follow(table, increasing_column="ts", events=["insert"]) as stream:
        table.insert("t", [*rows([1]), {"id": 2, "ts": None, "x": 0.0}, *rows([3])])
        events = take(stream, 1)
    assert ids_of(events) == [[1, 3]]


def test_a_checkpointed_stream_resumes_after_what_was_committed(
    table: FakeKinetica, tmp_path: Path
) -> None:
    ckpt = tmp_path / "offsets.sqlite"
    stream = follow(table, checkpoint=ckpt)
    table.insert("t", rows(range(3)))
    assert ids_of(take(stream, 1)) == [[0, 1, 2]]
    stream.commit()  # stored: the next stream starts after 2
    table.insert("t", rows(range(3, 5)))
    assert ids_of(take(stream, 1)) == [[3, 4]]
    stream.close()  # handed out, never committed
    table.insert("t", rows(range(5, 7)))
    with follow(table, checkpoint=ckpt, stop_when_idle=0.5) as stream:
        assert ids_of(take(stream, 1)) == [[3, 4, 5, 6]]  # the block's clean end commits
    with follow(table, checkpoint=ckpt, stop_when_idle=0.5) as stream:
        assert take(stream, 1) == []
    with open_checkpoint(ckpt, CHECKPOINT_NAME) as store:
        state = load(store, monitor_key(table.url, "t", "id"))
    assert (state.offset, state.seq) == ({"value": 6}, 2)


def test_a_block_that_raises_commits_nothing(table: FakeKinetica, tmp_path: Path) -> None:
    ckpt = tmp_path / "offsets.sqlite"
    table.insert("t", rows(range(4)))

    def store_then_fail() -> None:
        with follow(table, checkpoint=ckpt) as stream:
            assert ids_of(take(stream, 1)) == [[0, 1, 2, 3]]
            raise RuntimeError("not stored")

    with pytest.raises(RuntimeError, match="not stored"):
        store_then_fail()
    with follow(table, checkpoint=ckpt, stop_when_idle=0.5) as stream:
        assert ids_of(take(stream, 1)) == [[0, 1, 2, 3]]  # delivered again
        assert take(stream, 1) == []
    stream.commit()  # after the end too: the checkpoint is opened for it
    with follow(table, checkpoint=ckpt, stop_when_idle=0.5) as stream:
        assert take(stream, 1) == []


def test_monitors_left_by_a_killed_run_are_cleared_by_the_next(
    table: FakeKinetica, tmp_path: Path
) -> None:
    ckpt = tmp_path / "offsets.sqlite"
    with KineticaClient(table.url) as client:
        leaked = client.call("/create/tablemonitor", {"table_name": "t"})["topic_id"]
    key = monitor_key(table.url, "t", "id")
    with open_checkpoint(ckpt, CHECKPOINT_NAME) as store:
        record(store, {f"{key}#monitors": [leaked, "f" * 32]})  # the second: gone already
    stream = follow(table, checkpoint=ckpt)
    assert leaked not in table.monitors
    with open_checkpoint(ckpt, CHECKPOINT_NAME) as store:
        assert store.read_json(f"{key}#monitors") == stream.topics
    stream.close()
    with open_checkpoint(ckpt, CHECKPOINT_NAME) as store:
        assert store.read_json(f"{key}#monitors") == []


# -- the logic, without a server ------------------------------------------------------

ID = KineticaColumn("id", "long")
TS = KineticaColumn("ts", "long", ("timestamp",))


def batch(ts: list[int], ids: list[int] | None = None) -> pa.RecordBatch:
    columns = {"ts": pa.array(ts, pa.int64())}
    if ids is not None:
        columns["id"] = pa.array(ids, pa.int64())
    return pa.record_batch(columns)


def test_fresh_drops_rows_up_to_the_offset_and_its_ties() -> None:
    order = KeyOrder(TS, ID)
    wire = batch([4, 5, 5, 5, 6], [1, 2, 3, 4, 5])
    kept = fresh(wire, order, {"value": 5, "ties": [2, 4]})
    assert kept.column("id").to_pylist() == [3, 5]
    assert fresh(wire, KeyOrder(TS), {"value": 5}).column("ts").to_pylist() == [6]
    assert fresh(wire, KeyOrder(TS), None).num_rows == 5


def test_sort_rows_orders_by_the_column_then_the_tie_breaker() -> None:
    wire = batch([3, 1, 3, 2], [9, 8, 7, 6])
    ordered = sort_rows(wire, KeyOrder(TS, ID))
    assert ordered.column("id").to_pylist() == [8, 6, 7, 9]


def test_gap_expression_asks_only_where_rows_may_be_missing() -> None:
    order = KeyOrder(ID)
    contiguous = [batch([5, 6]), batch([7])]
    renamed = [b.rename_columns(["id"]) for b in contiguous]
    assert gap_expression(order, {"value": 4}, renamed) is None
    holes = [b.rename_columns(["id"]) for b in (batch([6]), batch([7, 9]), batch([12]))]
    assert gap_expression(order, {"value": 4}, holes) == (
        "(id > 4) and ((id > 4 and id < 6) or (id > 9 and id < 12))"
    )
    assert gap_expression(order, None, holes[:1]) == "id < 6"
    ties = KeyOrder(TS, ID)
    assert gap_expression(ties, {"value": 5, "ties": [1]}, [batch([5], [2])]) == (
        "(ts >= 5) and ((ts >= 5 and ts <= 5))"
    )


def test_gaps_hand_out_rows_in_order_across_pages() -> None:
    pages = [batch([1, 2, 3]).rename_columns(["id"]), batch([4, 8]).rename_columns(["id"])]
    gaps = Gaps(iter(pages), KeyOrder(ID))
    assert [b.column(0).to_pylist() for b in gaps.through(0)] == []
    assert [b.column(0).to_pylist() for b in gaps.through(4)] == [[1, 2, 3], [4]]
    assert [b.column(0).to_pylist() for b in gaps.rest()] == [[8]]


def test_read_count_rejects_a_record_that_is_not_a_count() -> None:
    assert read_count(b"\x80\x01") == 64
    with pytest.raises(DecodeError, match="too long"):
        read_count(b"\x02\x02")
    with pytest.raises(DecodeError):
        read_count(b"")
