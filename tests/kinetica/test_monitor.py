"""Kinetica table monitors against the fake: events of each kind, decode failures, bad input."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pyarrow as pa
import pytest

from arrowtap.connectors.kinetica.callbacks import CallbackKind, KineticaTableMonitor
from arrowtap.connectors.kinetica.monitor import (
    DecodeFailed,
    Deleted,
    Inserted,
    MonitorStream,
    TableAltered,
    TableDropped,
    Updated,
    monitor_kinetica,
)
from arrowtap.connectors.kinetica.wire.client import KineticaClient
from arrowtap.errors import AuthenticationError, DecodeError, InvalidArgumentError, NotFoundError
from arrowtap.testing.kinetica import FakeKinetica

COLUMNS = [
    ("id", "long", "primary_key"),
    ("x", "double"),
    ("s", "string", "nullable"),
    ("n", "int", "int8", "nullable"),
    ("b", "bytes", "nullable"),
]


@pytest.fixture
def table(fake: FakeKinetica) -> Iterator[FakeKinetica]:
    """The fake with an empty table ``t``; no monitor may be left after the test."""
    fake.create_table("t", COLUMNS)
    yield fake
    assert fake.monitors == {}


def rows(start: int, count: int) -> list[dict[str, Any]]:
    return [
        {
            "id": i,
            "x": i / 4,
            "s": None if i % 3 == 0 else f"s{i}",
            "n": None if i % 4 == 0 else i % 100,
            "b": None if i % 5 == 0 else bytes([i % 256]),
        }
        for i in range(start, start + count)
    ]


def follow(fake: FakeKinetica, **options: Any) -> MonitorStream:
    options.setdefault("stop_when_idle", 3.0)
    stream = monitor_kinetica(fake.url, "t", monitor_url=fake.monitor_url, **options)
    assert fake.wait_subscribed(*stream.topics)
    return stream


def take(stream: MonitorStream, n: int) -> list[Any]:
    """At most `n` events (fewer if the stream ends first)."""
    return list(itertools.islice(stream, n))


def call(fake: FakeKinetica, path: str, request: dict[str, Any]) -> dict[str, Any]:
    with KineticaClient(fake.url) as client:
        return client.call(path, request, table="t")


def update(fake: FakeKinetica, expression: str, values: dict[str, str]) -> None:
    request = {
        "table_name": "t",
        "expressions": [expression],
        "new_values_maps": [values],
        "records_to_insert": [],
        "records_to_insert_str": [],
        "record_encoding": "binary",
        "options": {},
    }
    call(fake, "/update/records", request)


def test_inserted_batches_equal_the_inserted_rows(table: FakeKinetica) -> None:
    with follow(table, events=["insert"]) as stream:
        first, second = rows(0, 7), rows(7, 30)
        table.insert("t", first)
        table.insert("t", second)
        events = take(stream, 2)
    assert [type(e) for e in events] == [Inserted, Inserted]
    assert [e.batch.to_pylist() for e in events] == [first, second]  # values and nulls
    assert all(e.batch.schema == stream.schema for e in events)
    assert events[0].batch.schema.field("n").type == pa.int8()


def test_update_and_delete_counts(table: FakeKinetica) -> None:
    table.insert("t", rows(0, 10))
    with follow(table, events=["update", "delete"]) as stream:
        update(table, "id < 4", {"x": "0.5"})
        call(table, "/delete/records", {"table_name": "t", "expressions": ["id >= 7"]})
        events = take(stream, 2)
    assert events == [Updated(4), Deleted(3)]


def test_no_monitor_left_after_the_stream_ends_or_is_closed(table: FakeKinetica) -> None:
    stream = follow(table, stop_when_idle=0.3)
    assert len(table.monitors) == 3
    assert set(table.monitors) == set(stream.topics)
    assert take(stream, 5) == []  # idle: the stream ended and cleared its monitors
    assert table.monitors == {}
    follow(table).close()


def test_dropped_table_is_reported_within_the_inactivity_timeout(table: FakeKinetica) -> None:
    with follow(table, inactivity_timeout=1.0, stop_when_idle=None) as stream:
        call(table, "/clear/table", {"table_name": "t", "authorization": ""})
        events = take(stream, 2)
    assert len(events) == 1
    assert isinstance(events[0], TableDropped)
    assert "'t'" in events[0].message
    assert "does not exist" in events[0].message


def test_skip_yields_decode_failed_and_goes_on(table: FakeKinetica) -> None:
    with follow(table, events=["insert"]) as stream:
        table.publisher.inserted("t", [b"\xff\xff", b"\x00"])  # not rows of the table
        table.insert("t", rows(0, 3))
        events = take(stream, 2)
    assert isinstance(events[0], DecodeFailed)
    assert events[0].frames == (b"\xff\xff", b"\x00")
    assert isinstance(events[0].error, DecodeError)
    assert isinstance(events[1], Inserted)
    assert events[1].batch.to_pylist() == rows(0, 3)


def test_abort_raises_decode_error_naming_the_table_and_clears_the_monitors(
    table: FakeKinetica,
) -> None:
    stream = follow(table, events=["insert"], decode_failure_mode="abort")
    table.publisher.inserted("t", [b"\xff\xff"])
    with pytest.raises(DecodeError, match=r"table monitor of 't'.*row 0") as info:
        take(stream, 1)
    assert "1 frame(s)" in str(info.value)
    assert table.monitors == {}


def test_altered_table_yields_table_altered_then_rows_of_the_new_schema(
    table: FakeKinetica,
) -> None:
    with follow(table, events=["insert"], decode_failure_mode="abort") as stream:
        table.insert("t", rows(0, 2))
        alter = {"table_name": "t", "action": "add_column", "value": "y"}
        call(table, "/alter/table", {**alter, "options": {"column_type": "double"}})
        table.insert("t", [{**r, "y": 1.5} for r in rows(2, 2)])
        events = take(stream, 3)
    assert [type(e) for e in events] == [Inserted, TableAltered, Inserted]
    assert events[1].schema.names == ["id", "x", "s", "n", "b", "y"]
    assert events[2].batch.schema == events[1].schema == stream.schema
    assert events[2].batch.to_pylist() == [{**r, "y": 1.5} for r in rows(2, 2)]


def test_alteration_without_inserts_is_noticed_on_inactivity(table: FakeKinetica) -> None:
    with follow(table, inactivity_timeout=0.5, stop_when_idle=None) as stream:
        request = {"table_name": "t", "action": "add_column", "value": "y"}
        call(table, "/alter/table", {**request, "options": {"column_type": "long"}})
        events = take(stream, 1)
    assert isinstance(events[0], TableAltered)
    assert "y" in events[0].schema.names


def test_callbacks_of_each_kind_run_on_one_thread(table: FakeKinetica) -> None:
    seen: list[tuple[str, Any]] = []

    def record(kind: CallbackKind) -> Callable[[Any], object]:
        return lambda arg: seen.append((kind.value, arg))

    callbacks: dict[CallbackKind | str, Callable[[Any], object]] = {
        kind: record(kind) for kind in CallbackKind
    }
    monitor = KineticaTableMonitor(
        table.url, "t", callbacks, monitor_url=table.monitor_url, inactivity_timeout=1.0
    )
    with monitor:
        assert table.wait_subscribed(*monitor.topics)
        table.insert("t", rows(0, 2))
        update(table, "id = 1", {"x": "9.0"})
        call(table, "/clear/table", {"table_name": "t", "authorization": ""})
        assert monitor.wait_delivered(lambda: any(k == "table_dropped" for k, _ in seen), 20)
    kinds = [k for k, _ in seen]
    assert kinds[:4] == ["insert_raw", "insert_decoded", "updated", "table_dropped"]
    raw, batch = seen[0][1], seen[1][1]
    assert isinstance(raw, list)
    assert len(raw) == 2
    assert all(isinstance(f, bytes) for f in raw)
    assert batch.to_pylist() == rows(0, 2)
    assert seen[2][1] == 1
    assert not monitor.running


def test_an_exception_in_a_callback_stops_the_monitor_and_is_raised_by_stop(
    table: FakeKinetica,
) -> None:
    def boom(batch: pa.RecordBatch) -> None:
        raise RuntimeError(f"callback failed on {batch.num_rows} rows")

    monitor = KineticaTableMonitor(
        table.url, "t", {"insert_decoded": boom}, monitor_url=table.monitor_url
    )
    monitor.start()
    assert table.wait_subscribed(*monitor.topics)
    table.insert("t", rows(0, 3))
    assert monitor.wait_delivered(lambda: not monitor.running, 20)
    with pytest.raises(RuntimeError, match="callback failed on 3 rows"):
        monitor.stop()
    assert table.monitors == {}


def test_callbacks_need_an_event_kind(table: FakeKinetica) -> None:
    with pytest.raises(InvalidArgumentError, match="insert, update or delete callback"):
        KineticaTableMonitor(table.url, "t", {CallbackKind.TABLE_DROPPED: print})
    with pytest.raises(InvalidArgumentError, match="unknown callback kind 'inserted'"):
        KineticaTableMonitor(table.url, "t", {"inserted": print})


def test_unknown_table_is_not_found_and_creates_no_monitor(table: FakeKinetica) -> None:
    with pytest.raises(NotFoundError, match="'nope'"):
        monitor_kinetica(table.url, "nope", monitor_url=table.monitor_url)


@pytest.mark.parametrize(
    ("column", "tie", "message"),
    [
        ("missing", None, "no column 'missing'"),
        ("b", None, "cannot be the increasing column"),
        ("id", "x", "tie-breaker 'x'"),
        ("id or 1", None, "cannot be used in an expression"),
    ],
)
def test_bad_increasing_column(
    table: FakeKinetica, column: str, tie: str | None, message: str
) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        follow(table, increasing_column=column, tie_breaker=tie)


@pytest.mark.parametrize(
    "options",
    [
        {"events": ["upsert"]},
        {"events": "insert"},
        {"decode_failure_mode": "ignore"},
        {"inactivity_timeout": 0},
        {"stop_when_idle": -1.0},
        {"tie_breaker": "id"},
        {"increasing_column": "id", "events": ["update"]},
        {"monitor_url": "http://127.0.0.1:9002"},
    ],
)
def test_bad_settings(table: FakeKinetica, options: dict[str, Any]) -> None:
    settings = {"monitor_url": table.monitor_url, **options}
    with pytest.raises(InvalidArgumentError):
        monitor_kinetica(table.url, "t", **settings)


def test_wrong_password_is_refused_without_the_secret() -> None:
    with FakeKinetica(username="ann", password="right-one") as fake:
        fake.create_table("t", COLUMNS)
        with pytest.raises(AuthenticationError) as info:
            monitor_kinetica(
                fake.url, "t", username="ann", password="wr0ng-s3cret", monitor_url=fake.monitor_url
            )
        assert "wr0ng-s3cret" not in str(info.value)
        assert "wr0ng-s3cret" not in repr(info.value)
        assert fake.monitors == {}
        stream = monitor_kinetica(
            fake.url, "t", username="ann", password="right-one", monitor_url=fake.monitor_url
        )
        assert "right-one" not in repr(stream.client)
        stream.close()
        assert fake.monitors == {}


def test_a_callback_that_returned_commits_its_event(table: FakeKinetica, tmp_path: Any) -> None:
    ckpt = tmp_path / "monitor.sqlite"
    batches: list[pa.RecordBatch] = []
    monitor = KineticaTableMonitor(
        table.url,
        "t",
        {CallbackKind.INSERT_DECODED: batches.append},
        checkpoint=ckpt,
        increasing_column="id",
        monitor_url=table.monitor_url,
    )
    with monitor:
        assert table.wait_subscribed(*monitor.topics)
        table.insert("t", rows(0, 4))
        assert monitor.wait_delivered(lambda: sum(b.num_rows for b in batches) == 4, 20)
    table.insert("t", rows(4, 2))
    with follow(table, checkpoint=ckpt, increasing_column="id", stop_when_idle=0.5) as stream:
        later = take(stream, 2)
    assert [e.batch.column("id").to_pylist() for e in later] == [[4, 5]]
