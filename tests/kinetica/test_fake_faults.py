"""The fake Kinetica's fault injection: 503s, resets, delays, failover messages; seeded draws."""

from __future__ import annotations

import httpx
import pytest

from arrowtap.connectors.kinetica.wire.envelope import decode_response, encode_request
from arrowtap.testing.kinetica import FakeKinetica, Faults

BODY = encode_request("/has/table", {"table_name": "t"})


def _statuses(fake: FakeKinetica, n: int) -> list[int]:
    with httpx.Client() as http:
        return [http.post(fake.url + "/has/table", content=BODY).status_code for _ in range(n)]


def test_unavailable_rate_is_seeded_and_spares_system_endpoints() -> None:
    with (
        FakeKinetica(unavailable_rate=0.3, seed=7) as a,
        FakeKinetica(unavailable_rate=0.3, seed=7) as b,
    ):
        first, second = _statuses(a, 200), _statuses(b, 200)
        assert first == second
        assert 30 <= first.count(503) <= 90
        assert first.count(503) + first.count(200) == 200
        with httpx.Client() as http:
            for _ in range(20):
                resp = http.post(a.url + "/show/system/status", content=b"\x00")
                assert resp.status_code == 200
        assert a.statuses[503] == first.count(503)


def test_faults_change_at_runtime(fake: FakeKinetica) -> None:
    fake.faults.set(unavailable_rate=1.0)
    assert set(_statuses(fake, 5)) == {503}
    fake.faults.set(unavailable_rate=0.0)
    assert set(_statuses(fake, 5)) == {200}
    fake.faults.set(unavailable_rate=1.0, system=True)
    with httpx.Client() as http:
        assert http.post(fake.url + "/show/system/status", content=b"\x00").status_code == 503
    fake.faults.clear()
    assert set(_statuses(fake, 3)) == {200}


def test_forced_reset_closes_the_connection(fake: FakeKinetica) -> None:
    fake.faults.force("reset")
    with httpx.Client() as http:
        with pytest.raises(httpx.TransportError):
            http.post(fake.url + "/has/table", content=BODY)
        assert http.post(fake.url + "/has/table", content=BODY).status_code == 200


def test_reset_rate(fake: FakeKinetica) -> None:
    fake.faults.set(reset_rate=1.0)
    with httpx.Client() as http, pytest.raises(httpx.TransportError):
        http.post(fake.url + "/has/table", content=BODY)


def test_forced_slow_reply_reports_its_time(fake: FakeKinetica) -> None:
    fake.faults.force("slow", delay=0.2)
    resp = httpx.post(fake.url + "/has/table", content=BODY)
    assert resp.status_code == 200
    assert float(resp.headers["x-request-time-secs"]) >= 0.2


def test_forced_exiting_is_a_failover_message(fake: FakeKinetica) -> None:
    fake.faults.force("exiting", count=2)
    for _ in range(2):
        resp = httpx.post(fake.url + "/has/table", content=BODY)
        reply = decode_response("/has/table", resp.content)
        assert (resp.status_code, reply.status, reply.message) == (
            400,
            "ERROR",
            "Kinetica is exiting",
        )
    assert httpx.post(fake.url + "/has/table", content=BODY).status_code == 200


def test_zmq_drop_draws_follow_the_rate() -> None:
    faults = Faults(zmq_drop_rate=0.5, seed=3)
    drops = [faults.drop_message() for _ in range(400)]
    assert 120 < sum(drops) < 280
    assert Faults(zmq_drop_rate=0.5, seed=3).drop_message() == drops[0]
    assert not any(Faults().drop_message() for _ in range(50))


@pytest.mark.parametrize(
    "kwargs",
    [{"unavailable_rate": 1.5}, {"reset_rate": -0.1}, {"zmq_drop_rate": 2.0}, {"delay": -1.0}],
)
def test_bad_fault_settings(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        Faults(**kwargs)


def test_unknown_forced_fault() -> None:
    with pytest.raises(ValueError, match="teapot"):
        Faults().force("teapot")
