"""The fake Kinetica's table monitors: REST side and ZMQ messages, read with a plain SUB socket."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import fastavro
import pytest
import zmq

from arrowtap.testing.kinetica import COUNT_SCHEMA, FakeKinetica


@pytest.fixture
def context() -> Iterator[zmq.Context[zmq.Socket[bytes]]]:
    ctx: zmq.Context[zmq.Socket[bytes]] = zmq.Context()
    try:
        yield ctx
    finally:
        ctx.term()


class Sub:
    """A SUB socket on the fake's monitor port, closed by the test's fixture."""

    def __init__(self, ctx: zmq.Context[zmq.Socket[bytes]], fake: FakeKinetica, topic: str) -> None:
        self.socket = ctx.socket(zmq.SUB)
        self.socket.setsockopt(zmq.LINGER, 0)
        self.socket.connect(fake.monitor_url)
        self.socket.setsockopt_string(zmq.SUBSCRIBE, topic)
        assert fake.wait_subscribed(topic)

    def recv(self, timeout_ms: int = 5000) -> list[bytes]:
        assert self.socket.poll(timeout_ms), "no monitor message arrived"
        return self.socket.recv_multipart()

    def pending(self) -> bool:
        return bool(self.socket.poll(200))


@pytest.fixture
def subscribe(context: zmq.Context[zmq.Socket[bytes]], fake: FakeKinetica) -> Iterator[Any]:
    opened: list[Sub] = []

    def make(topic: str) -> Sub:
        sub = Sub(context, fake, topic)
        opened.append(sub)
        return sub

    try:
        yield make
    finally:
        for sub in opened:
            sub.socket.close(linger=0)


def _monitor(call, event: str | None = None) -> dict[str, Any]:
    options = {} if event is None else {"event": event}
    status, reply = call("/create/tablemonitor", {"table_name": "people", "options": options})
    assert (status, reply.status) == (200, "OK"), reply.message
    return reply.data


def _decode(schema: str, frame: bytes) -> Any:
    return fastavro.schemaless_reader(
        io.BytesIO(frame), fastavro.parse_schema(json.loads(schema)), None
    )


def test_insert_monitor_publishes_rows_with_the_table_schema(
    call, people: FakeKinetica, subscribe
) -> None:
    created = _monitor(call)
    topic = created["topic_id"]
    assert len(topic) == 32
    assert created["info"]["insert_topic_id"] == topic
    assert created["type_schema"] == people.table("people").definition
    sub = subscribe(topic)
    rows = [{"id": 100 + i, "name": "n", "age": None, "score": 1.0} for i in range(3)]
    people.insert("people", rows)
    frames = sub.recv()
    assert frames[0] == topic.encode()
    assert [_decode(created["type_schema"], f) for f in frames[1:]] == rows
    assert people.monitors[topic].published == 1


def test_update_and_delete_monitors_publish_counts(call, people: FakeKinetica, subscribe) -> None:
    upd, dele = _monitor(call, "update"), _monitor(call, "delete")
    assert upd["type_schema"] == dele["type_schema"] == COUNT_SCHEMA
    subs = {"update": subscribe(upd["topic_id"]), "delete": subscribe(dele["topic_id"])}
    call(
        "/update/records",
        {"table_name": "people", "expressions": ["id < 4"], "new_values_maps": [{"name": "u"}]},
    )
    call("/delete/records", {"table_name": "people", "expressions": ["id >= 20"]})
    call("/execute/sql", {"statement": "DELETE FROM people WHERE id = 10", "limit": 10})
    update = subs["update"].recv()
    assert update[0] == upd["topic_id"].encode()
    assert _decode(COUNT_SCHEMA, update[1]) == {"count": 4}
    assert _decode(COUNT_SCHEMA, subs["delete"].recv()[1]) == {"count": 5}
    assert _decode(COUNT_SCHEMA, subs["delete"].recv()[1]) == {"count": 1}
    assert not subs["update"].pending()


def test_upsert_notifies_inserts_and_updates(call, people: FakeKinetica, subscribe) -> None:
    ins, upd = _monitor(call, "insert"), _monitor(call, "update")
    sub_ins, sub_upd = subscribe(ins["topic_id"]), subscribe(upd["topic_id"])
    table = people.table("people")
    rows = [table.codec.encode({"id": i, "name": "x", "age": 1, "score": 0.0}) for i in (1, 99)]
    call(
        "/insert/records",
        {"table_name": "people", "list": rows, "options": {"update_on_existing_pk": "true"}},
    )
    assert sub_ins.recv()[1:] == [rows[1]]
    assert _decode(COUNT_SCHEMA, sub_upd.recv()[1]) == {"count": 1}


def test_clear_show_and_drop(call, people: FakeKinetica) -> None:
    a, b = _monitor(call), _monitor(call, "delete")
    shown = call("/show/tablemonitors", {"monitor_ids": []})[1].data
    assert sorted(shown["monitor_ids"]) == sorted([a["topic_id"], b["topic_id"]])
    assert sorted(shown["events"]) == ["delete", "insert"]
    assert call("/clear/tablemonitor", {"topic_id": a["topic_id"]})[1].status == "OK"
    status, reply = call("/clear/tablemonitor", {"topic_id": a["topic_id"]})
    assert status == 400
    assert "does not exist" in reply.message
    assert list(people.monitors) == [b["topic_id"]]
    call("/clear/table", {"table_name": "people"})
    assert people.monitors == {}
    status, reply = call("/create/tablemonitor", {"table_name": "people"})
    assert reply.message == "Table 'people' does not exist"
    status, reply = call("/create/tablemonitor", {"table_name": "x", "options": {"event": "merge"}})
    assert status == 400


def test_cleared_monitor_stops_publishing(call, people: FakeKinetica, subscribe) -> None:
    topic = _monitor(call)["topic_id"]
    sub = subscribe(topic)
    call("/clear/tablemonitor", {"topic_id": topic})
    people.insert("people", [{"id": 500, "name": "n", "age": None, "score": 1.0}])
    assert not sub.pending()


def test_dropped_messages_fault(call, people: FakeKinetica, subscribe) -> None:
    topic = _monitor(call)["topic_id"]
    sub = subscribe(topic)
    people.faults.set(zmq_drop_rate=1.0)
    people.insert("people", [{"id": 600, "name": "n", "age": None, "score": 1.0}])
    assert not sub.pending()
    people.faults.set(zmq_drop_rate=0.0)
    people.insert("people", [{"id": 601, "name": "n", "age": None, "score": 1.0}])
    assert len(sub.recv()) == 2
    assert people.monitors[topic].published == 1


def test_pub_high_water_mark_drops_for_a_slow_subscriber(context, call) -> None:
    with FakeKinetica(pub_hwm=2) as fake:
        _slow_subscriber(context, fake, call)


def _slow_subscriber(context: Any, fake: FakeKinetica, call: Any) -> None:
    assert fake.pub_hwm == 2
    fake.create_table("blobs", [("b", "bytes")])
    _status, reply = call("/create/tablemonitor", {"table_name": "blobs"}, server=fake)
    topic = reply.data["topic_id"]
    sub = context.socket(zmq.SUB)
    try:
        sub.setsockopt(zmq.RCVHWM, 2)
        sub.connect(fake.monitor_url)
        sub.setsockopt_string(zmq.SUBSCRIBE, topic)
        assert fake.wait_subscribed(topic)
        blob = bytes(256 * 1024)
        for _ in range(400):  # 100 MB: far past the socket buffers and both HWMs
            fake.insert("blobs", [{"b": blob}])
        received = 0
        while sub.poll(300):
            sub.recv_multipart()
            received += 1
        assert 0 < received < 400
        assert fake.monitors[topic].published == 400
    finally:
        sub.close(linger=0)


def test_wait_subscribed_times_out_without_subscriber(call, people: FakeKinetica) -> None:
    topic = _monitor(call)["topic_id"]
    assert people.wait_subscribed(topic, timeout=0.05) is False
