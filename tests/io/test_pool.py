"""The HTTP clients shared per server: reused across calls, closed at exit, never over a user's."""

from __future__ import annotations

import gc
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler
from typing import Any, ClassVar

import httpx
import pandas as pd
import pytest

import arrowtap
from arrowtap._pool import origin, pool_usage, shared_client
from arrowtap.connectors._http import HttpSession
from arrowtap.testing._loopback import LoopbackHTTPServer, serve_in_thread, stop_server
from arrowtap.testing.pvarchiver import FakeArchiver

EVERYTHING = (pd.Timestamp(0, tz="UTC"), pd.Timestamp("2100-01-01", tz="UTC"))


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The client address of every connection the loopback fakes of this test accept."""
    seen: list[Any] = []
    accept = LoopbackHTTPServer.process_request

    def counting(server: LoopbackHTTPServer, request: Any, client_address: Any) -> None:
        seen.append(client_address)
        accept(server, request, client_address)

    monkeypatch.setattr(LoopbackHTTPServer, "process_request", counting)
    return seen


def test_small_reads_share_one_connection(connections: list[Any]) -> None:
    with FakeArchiver() as fake:
        frames = [
            arrowtap.read_archive_samples(fake.url, ["root:ai1"], *EVERYTHING, unit="ns")
            for _ in "abc"
        ]
        names = [arrowtap.find_archive_channels(fake.url, "root:*") for _ in "ab"]
        client = shared_client(fake.url)
        assert not client.is_closed  # the calls ended; their pool stays for the next
    assert all(len(frame) > 0 for frame in frames)
    assert names[0] == names[1]
    assert len(connections) == 1, connections


def test_concurrent_reads_share_the_pool(connections: list[Any]) -> None:
    with FakeArchiver() as fake, ThreadPoolExecutor(4) as pool:
        clients = set(pool.map(lambda _: id(shared_client(fake.url)), range(16)))
        frames = list(
            pool.map(
                lambda _: arrowtap.read_archive_samples(fake.url, "*", *EVERYTHING, unit="ns"),
                range(8),
            )
        )
    assert len(clients) == 1
    assert len({len(frame) for frame in frames}) == 1
    assert 1 <= len(connections) <= 4 * 4  # pooled: at most one per reader thread at once


@pytest.mark.parametrize("channels", [["root:ai1"], ["root:ai1", "ROOT:ai2", "beam energy"]])
def test_a_dropped_stream_holds_no_connection(channels: list[str]) -> None:
    with FakeArchiver() as fake:
        reader = arrowtap.scan_archive_samples(fake.url, channels, *EVERYTHING, page_size=2)
        assert reader.read_next_batch().num_rows == 2
        assert pool_usage(fake.url)[1] >= 1  # a body still being read
        del reader
        deadline = time.monotonic() + 10
        while pool_usage(fake.url)[1] and time.monotonic() < deadline:
            gc.collect()
            time.sleep(0.02)
        # Its body was left half-read, so its connection is closed, not pooled.
        assert pool_usage(fake.url) == (0, 0)
        assert len(arrowtap.read_archive_samples(fake.url, channels, *EVERYTHING)) > 2
        idle, busy = pool_usage(fake.url)  # reads to their end pool their connections
        assert busy == 0
        assert 1 <= idle <= len(channels)


def test_a_users_client_wins_and_stays_open(connections: list[Any]) -> None:
    sent: list[httpx.Request] = []
    with FakeArchiver() as fake, httpx.Client(event_hooks={"request": [sent.append]}) as mine:
        shared = shared_client(fake.url)
        before = len(connections)
        for _ in range(3):
            arrowtap.read_archive_samples(
                fake.url, ["root:ai1"], *EVERYTHING, client=mine, unit="ns"
            )
        assert not mine.is_closed
        assert len(sent) == 3  # every request went through the user's client...
        assert len(connections) == before + 1  # ...over its own one connection
        assert shared_client(fake.url) is shared


def test_clients_are_per_origin() -> None:
    a = shared_client("http://127.0.0.1:9812/archive-access/api/1.0")
    assert a is shared_client("http://127.0.0.1:9812/admin-api")
    assert a is not shared_client("http://127.0.0.1:4812/archive-access/api/1.0")
    assert a is not shared_client("https://127.0.0.1:9812/")
    assert origin("HTTP://Host:1/x") == ("http", "host", 1)


class _CookieHandler(BaseHTTPRequestHandler):
    """Sets a session cookie on every answer; records the Cookie header it was sent."""

    protocol_version = "HTTP/1.1"
    cookies: ClassVar[list[str | None]] = []

    def do_GET(self) -> None:
        type(self).cookies.append(self.headers.get("Cookie"))
        body = b"{}"
        self.send_response(200)
        self.send_header("Set-Cookie", "session=alice-token; Path=/")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def cookie_server() -> Iterator[tuple[str, list[str | None]]]:
    handler = type("Handler", (_CookieHandler,), {"cookies": []})
    server = LoopbackHTTPServer(("127.0.0.1", 0), handler)
    thread = serve_in_thread(server, "cookie-server")
    try:
        yield f"http://127.0.0.1:{server.server_port}", handler.cookies
    finally:
        stop_server(server, thread)


def test_the_shared_client_keeps_no_cookie(cookie_server: tuple[str, list[str | None]]) -> None:
    url, cookies = cookie_server
    alice = HttpSession(url + "/api", system="test", authorization="Basic YWxpY2U6cHc=")
    bob = HttpSession(url + "/api", system="test", authorization="Basic Ym9iOnB3")
    assert alice.client is bob.client
    assert alice.get_json("/x") == {}
    assert bob.get_json("/x") == {}
    assert cookies == [None, None]  # alice's session cookie never rides on bob's request


_AT_EXIT = """
import atexit, os, sys
seen = {}
# Registered before arrowtap is imported, so it runs after arrowtap's own exit hook.
atexit.register(lambda: print("closed at exit:", seen["client"].is_closed, flush=True))
import httpx
from arrowtap._pool import shared_client
url = sys.argv[1]
client = seen["client"] = shared_client(url)
client.get(url + "/archive/1/channels-by-pattern/*").raise_for_status()
pid = os.fork()
if pid == 0:  # a forked child builds its own, never the parent's sockets
    print("child has its own:", shared_client(url) is not client, flush=True)
    os._exit(0)
os.waitpid(pid, 0)
"""


def test_closed_at_exit_and_not_shared_with_a_fork() -> None:
    with FakeArchiver() as fake:
        done = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(_AT_EXIT), fake.url],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
    assert done.stdout.splitlines() == ["child has its own: True", "closed at exit: True"]


def test_threads_get_one_client_per_server() -> None:
    # Many threads asking for many servers at once each get one client per server.
    urls = [f"http://127.0.0.1:{port}" for port in range(20000, 20010)]
    barrier = threading.Barrier(8)

    def ask(_: int) -> list[int]:
        barrier.wait()
        return [id(shared_client(url)) for url in urls]

    with ThreadPoolExecutor(8) as pool:
        seen = list(pool.map(ask, range(8)))
    assert all(found == seen[0] for found in seen)
