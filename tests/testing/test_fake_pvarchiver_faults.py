"""The fake's faults, live archive, lifecycle, streaming and command line."""

from __future__ import annotations

import contextlib
import http.client
import json
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest

from arrowtap.testing.pvarchiver import (
    ChannelSpec,
    FakeArchiver,
    FaultKind,
    Faults,
    benchmark_channels,
)

BASE = "/archive-access/api/1.0"
SAMPLES = BASE + "/archive/1/samples/c?start=0&end=4611686018427387904"


def raw_exchange(port: int, target: str, headers: str = "") -> tuple[bytes, BaseException | None]:
    """Send one request on a fresh socket; return every byte received and how reading ended."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\n{headers}\r\n".encode())
        data = bytearray()
        while True:
            try:
                chunk = sock.recv(1 << 16)
            except OSError as exc:
                return bytes(data), exc
            if not chunk:
                return bytes(data), None
            data += chunk
            if data.endswith(b"0\r\n\r\n") or data.endswith(b"</html>"):
                return bytes(data), None


def get(port: int, target: str) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        conn.request("GET", target)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


@pytest.fixture
def fake() -> Iterator[FakeArchiver]:
    with FakeArchiver([ChannelSpec("c", start_ns=0, period_ns=10**9, count=2000)]) as server:
        yield server


@pytest.mark.parametrize(("kind", "retry", "header"), [("503", 0.05, "0.05"), ("429", 2.0, "2")])
def test_unavailable_faults_send_retry_after(
    fake: FakeArchiver, kind: FaultKind, retry: float, header: str
) -> None:
    fake.faults = Faults.permanent(kind, retry_after=retry)
    status, headers, body = get(fake.port, SAMPLES)
    assert status == int(kind)
    assert headers["retry-after"] == header
    assert not body.startswith(b"[")
    fake.faults = Faults.permanent(kind, retry_after=None)
    assert "retry-after" not in get(fake.port, SAMPLES)[1]
    assert fake.stats.faults[kind] == 2
    assert fake.stats.statuses[int(kind)] == 2


def test_reset_faults_reset_the_connection_before_or_inside_the_body(fake: FakeArchiver) -> None:
    fake.faults = Faults.permanent("reset", seed=1)
    got_headers = 0
    for _ in range(10):
        data, error = raw_exchange(fake.port, SAMPLES)
        assert isinstance(error, ConnectionResetError)
        got_headers += data.startswith(b"HTTP/1.1 200")
    assert 0 < got_headers < 10  # both variants happened
    assert fake.stats.faults["reset"] == 10


def test_truncate_faults_end_the_chunked_body_early(fake: FakeArchiver) -> None:
    fake.faults = Faults.permanent("truncate")
    data, error = raw_exchange(fake.port, SAMPLES)
    assert error is None
    assert data.startswith(b"HTTP/1.1 200")
    assert b"Transfer-Encoding: chunked" in data
    assert not data.endswith(b"0\r\n\r\n")
    with pytest.raises(http.client.IncompleteRead):
        get(fake.port, SAMPLES)
    assert fake.stats.faults["truncate"] == 2


def test_slow_faults_delay_but_deliver(fake: FakeArchiver) -> None:
    fake.faults = Faults.permanent("slow", slow_delay=0.2)
    t0 = time.monotonic()
    status, _, body = get(fake.port, SAMPLES)
    assert time.monotonic() - t0 >= 0.4  # before the response and inside the body
    assert status == 200
    assert json.loads(body) == fake.expected_samples("c", 0, 2**62)
    assert fake.stats.faults["slow"] == 1


def test_garbage_faults_are_200s_that_are_not_json(fake: FakeArchiver) -> None:
    fake.faults = Faults.permanent("garbage", seed=2)
    types = set()
    for _ in range(10):
        status, headers, body = get(fake.port, SAMPLES)
        assert status == 200
        types.add(headers["content-type"])
        with pytest.raises(ValueError, match="Expecting value"):
            json.loads(body)
    assert types == {"text/html;charset=UTF-8", "application/json;charset=UTF-8"}
    assert fake.stats.faults["garbage"] == 10


def test_fault_rate_is_seeded_and_counted(fake: FakeArchiver) -> None:
    def statuses(faults: Faults) -> list[int]:
        fake.faults = faults  # setting restarts the seeded sequence
        return [get(fake.port, BASE + "/archive/")[0] for _ in range(40)]

    faults = Faults(rate=0.3, kinds=("503", "429"), seed=5, retry_after=0)
    fake.stats.reset()
    first = statuses(faults)
    assert first == statuses(faults)
    assert {503, 429, 200} == set(first)
    assert fake.stats.requests == 80
    assert fake.stats.faults_total == 2 * sum(s != 200 for s in first)
    fake.faults = None
    assert get(fake.port, BASE + "/archive/")[0] == 200
    with pytest.raises(ValueError, match="rate"):
        Faults(rate=1.5)
    with pytest.raises(ValueError, match="kinds"):
        Faults(kinds=("boom",))  # type: ignore[arg-type]


def test_live_channels_grow_with_the_clock() -> None:
    now = [5 * 10**9]
    spec = ChannelSpec("live", start_ns=0, period_ns=10**9, count=None, decimation=(10,))
    with FakeArchiver([spec], clock=lambda: now[0]) as fake:
        target = BASE + "/archive/1/samples/live?start=0&end=100000000000"
        times = [s["time"] for s in json.loads(get(fake.port, target)[2])]
        assert times == [i * 10**9 for i in range(6)]
        fake.advance(10 * 10**9)
        times = [s["time"] for s in json.loads(get(fake.port, target)[2])]
        assert times == [i * 10**9 for i in range(16)]
        now[0] += 10 * 10**9
        assert len(fake.raw_samples("live")) == 26
        decimated = json.loads(get(fake.port, target + "&count=5")[2])
        assert [s["time"] for s in decimated] == [0, 10 * 10**9]  # complete intervals only
        assert decimated == fake.expected_samples("live", 0, 10**11, 5)


def test_large_bodies_are_written_in_large_chunks() -> None:
    (spec,) = benchmark_channels(20_000, 1)
    with FakeArchiver([spec]) as fake:
        target = f"{BASE}/archive/1/samples/{spec.name}?start=0&end=4611686018427387904"
        for _ in range(2):  # rendered, then from the cache
            data, error = raw_exchange(fake.port, target)
            assert error is None
            body = data.split(b"\r\n\r\n", 1)[1]
            sizes = []
            while True:
                line, body = body.split(b"\r\n", 1)
                size = int(line, 16)
                if size == 0:
                    break
                sizes.append(size)
                body = body[size + 2 :]
            assert len(sizes) > 3
            assert min(sizes[:-1]) >= 256 * 1024
        assert fake.stats.cache_hits == 1


def test_stop_closes_idle_keep_alive_connections_and_the_port() -> None:
    fake = FakeArchiver().start()
    port = fake.port
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", BASE + "/archive/")
        conn.getresponse().read()
        fake.stop()
        with pytest.raises((ConnectionError, http.client.HTTPException)):  # noqa: PT012
            conn.request("GET", BASE + "/archive/")
            conn.getresponse()
    finally:
        conn.close()
        fake.stop()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    with pytest.raises(RuntimeError):
        _ = fake.url


def test_the_plugin_fixture_serves_the_default_archive(fake_archiver: FakeArchiver) -> None:
    assert fake_archiver.url.endswith(f":{fake_archiver.port}/archive-access/api/1.0")
    status, _, body = get(fake_archiver.port, BASE + "/archive/1/channels-by-pattern/*")
    assert status == 200
    assert json.loads(body) == fake_archiver.channel_names


@contextlib.contextmanager
def cli(*args: str) -> Iterator[tuple[subprocess.Popen[str], int]]:
    """Run the fake's command line; yield the process and its port; always reap it."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "arrowtap.testing.pvarchiver", "--port", "0", *args],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    stdout = proc.stdout
    try:
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: lines.put(stdout.readline()), daemon=True).start()
        try:
            line = lines.get(timeout=30)
        except queue.Empty:
            pytest.fail("the fake did not print READY within 30 s")
        assert line.startswith("READY archive=http://127.0.0.1:"), line
        assert line.endswith("/archive-access/api/1.0\n")
        yield proc, int(line.split(":")[2].split("/")[0])
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        stdout.close()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_cli_prints_ready_serves_and_exits_on_signal(sig: signal.Signals) -> None:
    with cli("--samples", "1000", "--channels", "2") as (proc, port):
        status, _, body = get(port, BASE + "/archive/1/channels-by-pattern/*")
        assert json.loads(body) == ["bench:ch00", "bench:ch01"]
        status, _, body = get(
            port, BASE + "/archive/1/samples/bench:ch01?start=0&end=" + str(2**62)
        )
        assert status == 200
        assert len(json.loads(body)) == 500
        proc.send_signal(sig)
        assert proc.wait(timeout=10) == 0


def test_cli_fault_options() -> None:
    with cli("--fault-rate", "1", "--fault-kinds", "429,503", "--retry-after", "0.5") as (
        proc,
        port,
    ):
        statuses = set()
        for _ in range(20):
            status, headers, _ = get(port, BASE + "/archive/")
            assert headers["retry-after"] == "0.5"
            statuses.add(status)
        assert statuses == {429, 503}
        proc.terminate()
        assert proc.wait(timeout=10) == 0
