"""The fake Kinetica keeps every /get/records request it answered and holds them at its gate."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import httpx

from arrowtap.connectors.kinetica.wire.envelope import encode_request
from arrowtap.testing.kinetica import FakeKinetica, RecordsRequest


def _until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


def test_each_answered_read_is_kept_as_asked(call, people: FakeKinetica) -> None:
    options = {"expression": "age >= 24", "sort_by": "id", "sort_order": "ascending"}
    status, reply = call(
        "/get/records", {"table_name": "people", "offset": 2, "limit": 3, "options": options}
    )
    assert status == 200
    call("/get/records", {"table_name": "people", "limit": 100})
    call("/get/records", {"table_name": "nobody", "limit": 1})  # refused: not a read
    call("/has/table", {"table_name": "people"})
    total = reply.data["total_number_of_records"]
    assert total > 5
    assert people.reads == [
        RecordsRequest("people", "age >= 24", 2, 3, 3, True),
        RecordsRequest("people", "", 0, 100, 25, False),
    ]
    assert people.requests["/get/records"] == 3


def _read_in_thread(fake: FakeKinetica, http: httpx.Client) -> tuple[threading.Thread, list[int]]:
    statuses: list[int] = []
    body = encode_request("/get/records", {"table_name": "people", "limit": 5})

    def read() -> None:
        try:
            statuses.append(http.post(fake.url + "/get/records", content=body).status_code)
        except httpx.TransportError:
            statuses.append(0)  # the fake stopped: the connection was closed

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread, statuses


def test_the_gate_closes_after_a_matching_answer_and_holds_reads_until_opened(
    call, people: FakeKinetica, http: httpx.Client
) -> None:
    people.gate.close(after=lambda r: not r.has_more)
    call("/get/records", {"table_name": "people", "limit": 5})  # has more: the gate stays open
    assert not people.gate.closed
    call("/get/records", {"table_name": "people", "offset": 20, "limit": 5})  # the last page
    assert people.gate.closed
    status, _ = call("/has/table", {"table_name": "people"})  # only reads are held
    assert status == 200
    thread, statuses = _read_in_thread(people, http)
    _until(lambda: people.gate.held == 1, "the read was not held")
    assert statuses == []
    assert len(people.reads) == 2
    people.gate.open()
    thread.join(30)
    assert statuses == [200]
    assert (len(people.reads), people.gate.held) == (3, 0)


def test_a_closed_gate_holds_from_now_and_a_stopping_fake_opens_it(
    people: FakeKinetica, http: httpx.Client
) -> None:
    people.gate.close()
    thread, statuses = _read_in_thread(people, http)
    _until(lambda: people.gate.held == 1, "the read was not held")
    people.stop()  # it does not wait forever for the held request
    thread.join(30)
    assert not thread.is_alive()
    assert not people.gate.closed
    assert statuses in ([200], [0])  # answered, or cut off by the stop
