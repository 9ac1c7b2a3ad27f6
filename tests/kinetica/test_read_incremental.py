"""Incremental reads: offsets are values of an increasing column, kept in a checkpoint."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from arrowtap.checkpoint import open_checkpoint
from arrowtap.connectors.kinetica.table import read_kinetica, scan_kinetica
from arrowtap.connectors.kinetica.table_partitions import open_range_partitions
from arrowtap.connectors.kinetica.table_source import TableSource
from arrowtap.connectors.kinetica.wire.incremental import KeyOrder
from arrowtap.connectors.kinetica.wire.types import KineticaColumn
from arrowtap.errors import InvalidArgumentError, ProtocolError
from arrowtap.io.offsets import load
from arrowtap.io.reading import Increment
from arrowtap.testing.kinetica import FakeKinetica

EVENTS = [("seq", "long", "primary_key"), ("ts", "long", "timestamp"), ("v", "double")]


def events(fake: FakeKinetica, rows: list[tuple[int, int]]) -> None:
    fake.insert("events", [{"seq": s, "ts": t, "v": s / 2} for s, t in rows])


@pytest.fixture
def table(fake: FakeKinetica) -> FakeKinetica:
    fake.create_table("events", EVENTS)
    # inserted out of order: the read sorts by the increasing column
    events(fake, [(i, 1000 * (i // 3)) for i in (5, 0, 3, 1, 4, 2, 6, 8, 7)])
    return fake


def test_each_run_returns_the_rows_after_the_last_one(table: FakeKinetica, tmp_path: Path) -> None:
    ckpt = tmp_path / "offsets.db"
    kwargs = {"checkpoint": ckpt, "increasing_column": "seq"}
    with read_kinetica(table.url, "events", page_size=4, **kwargs) as first:  # type: ignore[call-overload]
        assert first["seq"].tolist() == list(range(9))
    assert read_kinetica(table.url, "events", **kwargs).data.empty  # type: ignore[call-overload]
    events(table, [(10, 9000), (9, 9000)])
    second = read_kinetica(table.url, "events", **kwargs)  # type: ignore[call-overload]
    assert second.data["seq"].tolist() == [9, 10]
    second.commit()
    with open_checkpoint(ckpt, "kinetica") as store:
        (key,) = store.keys()
        assert load(store, key).offset == {"value": 10}
        assert load(store, key).seq == 4  # 3 pages of 4 rows, then 1 page
        assert "events" in key
        assert "by=seq" in key


def test_nothing_is_committed_until_the_caller_says_so(table: FakeKinetica, tmp_path: Path) -> None:
    ckpt = tmp_path / "offsets.db"
    kwargs = {"checkpoint": ckpt, "increasing_column": "seq"}
    first = read_kinetica(table.url, "events", **kwargs)  # type: ignore[call-overload]
    assert isinstance(first, Increment)
    assert list(first.pending.values()) == [{"value": 8}]
    again = read_kinetica(table.url, "events", **kwargs)  # type: ignore[call-overload]
    assert again.data["seq"].tolist() == first.data["seq"].tolist()  # nothing committed yet

    def store_then_fail() -> None:
        with read_kinetica(table.url, "events", **kwargs) as frame:  # type: ignore[call-overload]
            assert len(frame) == 9
            raise RuntimeError("not stored")  # a block that fails commits nothing

    with pytest.raises(RuntimeError, match="not stored"):
        store_then_fail()
    assert len(read_kinetica(table.url, "events", **kwargs).data) == 9  # type: ignore[call-overload]
    first.commit()
    assert first.pending == {}
    assert read_kinetica(table.url, "events", **kwargs).data.empty  # type: ignore[call-overload]


def test_ties_on_the_last_value_are_not_lost(table: FakeKinetica, tmp_path: Path) -> None:
    """ts is not unique: rows added later with the last ts come next time, once."""
    ckpt = tmp_path / "offsets.db"
    kwargs = {"checkpoint": ckpt, "increasing_column": "ts", "tie_breaker": "seq", "page_size": 2}
    with read_kinetica(table.url, "events", **kwargs) as first:  # type: ignore[call-overload]
        assert sorted(first["seq"]) == list(range(9))
        assert first["ts"].is_monotonic_increasing
    events(table, [(11, 2000), (12, 3000)])  # 11 shares the last ts, 2000
    with read_kinetica(table.url, "events", **kwargs) as second:  # type: ignore[call-overload]
        assert second["seq"].tolist() == [11, 12]
    assert read_kinetica(table.url, "events", **kwargs).data.empty  # type: ignore[call-overload]


def test_without_a_tie_breaker_the_read_is_strictly_after(table: FakeKinetica) -> None:
    with TableSource(table.url, "events", increasing_column="ts", page_size=4) as source:
        part = source.partition()
        pages = list(source.read(part))
        assert pages[-1].offset == {"value": 2000}
        events(table, [(11, 2000), (12, 3000)])
        rest = [p.batch for p in source.read(part, pages[-1].offset)]
        assert pa.Table.from_batches(rest).column("v").to_pylist() == [6.0]


def test_a_stream_commits_the_batches_taken_when_told(table: FakeKinetica, tmp_path: Path) -> None:
    ckpt = tmp_path / "offsets.db"
    kwargs = {"checkpoint": ckpt, "increasing_column": "seq", "page_size": 3}
    increment = scan_kinetica(table.url, "events", **kwargs)  # type: ignore[call-overload]
    first = increment.data.read_next_batch()
    assert first.column("seq").to_pylist() == [0, 1, 2]
    increment.data.close()  # stops with the first batch taken, not committed
    again = scan_kinetica(table.url, "events", **kwargs)  # type: ignore[call-overload]
    assert again.data.read_next_batch().column("seq").to_pylist() == [0, 1, 2]
    again.commit()  # the one batch taken is stored
    again.data.close()
    with scan_kinetica(table.url, "events", **kwargs) as rest:  # type: ignore[call-overload]
        seen = [b.column("seq").to_pylist() for b in rest]
    assert seen == [[3, 4, 5], [6, 7, 8]]
    done = scan_kinetica(table.url, "events", **kwargs)  # type: ignore[call-overload]
    assert done.data.read_all().num_rows == 0


def test_a_where_and_columns_are_part_of_the_read(table: FakeKinetica, tmp_path: Path) -> None:
    ckpt = tmp_path / "offsets.db"
    with read_kinetica(
        table.url,
        "events",
        columns=["v"],
        where="seq >= 4",
        checkpoint=ckpt,
        increasing_column="seq",
    ) as df:
        assert df["v"].tolist() == [2.0, 2.5, 3.0, 3.5, 4.0]
    other = read_kinetica(table.url, "events", checkpoint=ckpt, increasing_column="seq")
    assert len(other.data) == 9  # another filter, another section


def test_an_offset_that_is_not_one(table: FakeKinetica) -> None:
    with TableSource(table.url, "events", increasing_column="seq") as source:
        with pytest.raises(InvalidArgumentError, match="offset of increasing column 'seq'"):
            list(source.read(source.partition(), {"row": 3}))
        with pytest.raises(InvalidArgumentError, match="is not an integer"):
            list(source.read(source.partition(), {"value": "x"}))


def test_key_order_checks_what_the_server_returns() -> None:
    order = KeyOrder(KineticaColumn("n", "long"), KineticaColumn("k", "string"))
    unsorted = pa.record_batch({"n": pa.array([2, 1], pa.int64()), "k": ["a", "b"]})
    with pytest.raises(ProtocolError, match="did not sort"):
        order.advance(unsorted, None)
    before = pa.record_batch({"n": pa.array([1], pa.int64()), "k": ["a"]})
    with pytest.raises(ProtocolError, match="before the offset"):
        order.advance(before, {"value": 2, "ties": []})
    page = pa.record_batch({"n": pa.array([2, 2, 3, 3], pa.int64()), "k": ["a", "b", "c", "d"]})
    offset = {"value": 2, "ties": ["a"]}
    assert order.undelivered(page, offset).column("k").to_pylist() == ["b", "c", "d"]
    assert order.advance(page, offset) == {"value": 3, "ties": ["c", "d"]}
    assert order.advance(page.slice(0, 2), offset) == {"value": 2, "ties": ["a", "b"]}
    assert order.expression(offset) == "n >= 2"


# -- closed ranges end for good -----------------------------------------------------------


def _gets(fake: FakeKinetica) -> int:
    return fake.requests["/get/records"]


def test_a_closed_range_read_to_its_end_is_complete_and_never_asked_again(
    table: FakeKinetica,
) -> None:
    with TableSource(table.url, "events", increasing_column="seq", page_size=2) as source:
        first, middle, last = open_range_partitions(source, "seq", [3, 6])
        pages = {p.key: list(source.read(p)) for p in (first, middle, last)}
        assert [p.offset for p in pages[first.key]] == [
            {"value": 1},
            {"value": 2, "complete": True},
        ]
        # Three rows, pages of two: the server ends the range on the second page.
        assert [p.offset for p in pages[middle.key]] == [
            {"value": 4},
            {"value": 5, "complete": True},
        ]
        assert [p.offset for p in pages[last.key]] == [{"value": 7}, {"value": 8}]  # open: grows
        events(table, [(9, 9000)])
        before = _gets(table)
        assert list(source.read(middle, pages[middle.key][-1].offset)) == []
        assert _gets(table) == before  # no request
        rest = list(source.read(last, pages[last.key][-1].offset))
        assert [p.batch.column("seq").to_pylist() for p in rest] == [[9]]
        assert rest[-1].offset == {"value": 9}


def test_the_end_of_a_closed_range_is_a_page_even_without_rows(table: FakeKinetica) -> None:
    with TableSource(table.url, "events", increasing_column="seq", page_size=3) as source:
        empty, middle, _ = open_range_partitions(source, "seq", [-5, 3])
        (page,) = source.read(empty)  # a range without rows: its end is all there is
        assert (page.batch.num_rows, page.offset) == (0, {"complete": True})
        assert page.batch.schema == source.schema
        before = _gets(table)
        assert list(source.read(empty, page.offset)) == []
        assert _gets(table) == before
        # Three rows in a page of three: the server says no more on the page itself.
        (whole,) = source.read(middle)
        assert (whole.batch.num_rows, whole.offset) == (3, {"value": 2, "complete": True})
        # An offset at the range's end that does not say so (a page the server had
        # not ended): one request, then an empty page that does.
        (end,) = source.read(middle, {"value": 2})
        assert (end.batch.num_rows, end.offset) == (0, {"value": 2, "complete": True})


def test_ties_are_kept_in_a_complete_offset(table: FakeKinetica) -> None:
    with TableSource(
        table.url, "events", increasing_column="ts", tie_breaker="seq", page_size=4
    ) as source:
        first, _ = open_range_partitions(source, "ts", [2000])
        pages = list(source.read(first))
        last = pages[-1].offset
        assert (last["value"], sorted(last["ties"]), last["complete"]) == (1000, [3, 4, 5], True)
        assert sum(p.batch.num_rows for p in pages) == 6
        assert list(source.read(first, pages[-1].offset)) == []


def test_complete_offsets_are_checked(table: FakeKinetica) -> None:
    with TableSource(table.url, "events", increasing_column="seq") as source:
        closed, opened = open_range_partitions(source, "seq", [3])
        before = _gets(table)
        with pytest.raises(InvalidArgumentError, match="'complete' is true or absent, not False"):
            list(source.read(closed, {"value": 1, "complete": False}))
        with pytest.raises(InvalidArgumentError, match="offset of increasing column 'seq'"):
            list(source.read(closed, {"complete": "yes"}))
        with pytest.raises(InvalidArgumentError, match="has no upper bound: rows may still follow"):
            list(source.read(opened, {"value": 4, "complete": True}))
        with pytest.raises(InvalidArgumentError, match="has no upper bound"):
            list(source.read(source.partition(), {"complete": True}))
        assert _gets(table) == before
    order = KeyOrder(KineticaColumn("n", "long"))
    # A range without rows has no value to follow on from: not an offset to read after.
    with pytest.raises(InvalidArgumentError, match="offset of increasing column 'n'"):
        order.check({"complete": True})
    assert order.finished({"complete": True})
    assert not order.finished({"value": 3})
    assert not order.finished(None)
    assert order.completed(None) == {"complete": True}
    assert order.expression({"value": 3, "complete": True}) == "n > 3"
