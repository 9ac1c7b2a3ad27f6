"""The shared clients' transport: keep-alive, stale connections, bodies, errors, as httpx's."""

from __future__ import annotations

import http.server
import socket
import ssl
import struct
import threading
from collections.abc import Iterator

import httpx
import pytest

from arrowtap._transport import StdlibTransport


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Server

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.server.connections.add(self.client_address)
        if self.path == "/hangup":  # takes the request, never answers
            self.hang_up()
            return
        if self.path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for piece in (b"ab", b"cde", b""):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            return
        if self.path == "/short":  # promises more than it sends, then hangs up
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"only this")
            self.close_connection = True
            return
        if self.path == "/close":
            self.close_connection = True
        body = b"x" * int(self.headers.get("X-Size", "5"))
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def hang_up(self) -> None:
        """Reset the connection (a TCP RST: linger 0) instead of answering."""
        self.server.hangups += 1
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()  # closed for good as the handler ends: no FIN first
        self.close_connection = True

    def do_POST(self) -> None:
        self.server.connections.add(self.client_address)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.path == "/hangup":
            self.hang_up()
            return
        self.send_response(201)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[::-1])


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.connections: set[tuple[str, int]] = set()
        self.hangups = 0
        self.url = f"http://127.0.0.1:{self.server_address[1]}"

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that hung up mid-exchange: what some tests do on purpose


@pytest.fixture
def server() -> Iterator[Server]:
    server = Server()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def transport() -> Iterator[StdlibTransport]:
    transport = StdlibTransport(ssl.create_default_context())
    yield transport
    transport.close()


def test_keep_alive_reuses_one_connection(server: Server, transport: StdlibTransport) -> None:
    with httpx.Client(transport=transport) as client:
        for _ in range(5):
            assert client.get(server.url + "/").content == b"xxxxx"
        assert client.post(server.url + "/", content=b"abc").content == b"cba"
        assert transport.usage() == (1, 0)
    assert len(server.connections) == 1


def test_a_body_read_in_pieces_and_a_chunked_one(
    server: Server, transport: StdlibTransport
) -> None:
    with httpx.Client(transport=transport) as client:
        big = client.get(server.url + "/", headers={"X-Size": str(3 * 2**20)})
        assert big.content == b"x" * 3 * 2**20
        assert client.get(server.url + "/chunked").content == b"abcde"
    assert len(server.connections) == 1


def test_a_body_left_unread_closes_its_connection(
    server: Server, transport: StdlibTransport
) -> None:
    with httpx.Client(transport=transport) as client:
        with client.stream("GET", server.url + "/", headers={"X-Size": "100000"}) as response:
            assert transport.usage() == (0, 1)
            next(response.iter_raw(10))
        assert transport.usage() == (0, 0)
        assert client.get(server.url + "/").content == b"xxxxx"
    assert len(server.connections) == 2


def test_connection_close_is_not_kept(server: Server, transport: StdlibTransport) -> None:
    with httpx.Client(transport=transport) as client:
        assert client.get(server.url + "/close").content == b"xxxxx"
        assert transport.usage() == (0, 0)


def test_a_connection_the_server_closed_while_idle_is_replaced(
    server: Server, transport: StdlibTransport
) -> None:
    with httpx.Client(transport=transport) as client:
        assert client.get(server.url + "/").content == b"xxxxx"
        [idle] = transport._idle[("http", "127.0.0.1", server.server_address[1])]
        assert idle.sock is not None
        idle.sock.shutdown(socket.SHUT_RD)  # as if the server had hung up: readable at EOF
        assert client.get(server.url + "/").content == b"xxxxx"
        assert client.post(server.url + "/", content=b"ab").content == b"ba"
    assert len(server.connections) == 2


def test_errors_are_httpx_errors(server: Server, transport: StdlibTransport) -> None:
    with httpx.Client(transport=transport) as client:
        with pytest.raises(httpx.RemoteProtocolError, match=r"91 bytes missing"):
            client.get(server.url + "/short")
        free = socket.socket()
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
        free.close()  # nothing listens there now
        with pytest.raises(httpx.ConnectError):
            client.get(f"http://127.0.0.1:{port}/")
    assert transport.usage() == (0, 0)


def test_a_silent_server_times_out() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()  # accepts, never answers
    try:
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/"
        transport = StdlibTransport(ssl.create_default_context())
        with (
            httpx.Client(transport=transport, timeout=0.2) as client,
            pytest.raises(httpx.ReadTimeout),
        ):
            client.get(url)
        assert transport.usage() == (0, 0)
    finally:
        listener.close()


def test_a_closed_transport_sends_nothing(server: Server) -> None:
    transport = StdlibTransport(ssl.create_default_context())
    transport.close()
    with httpx.Client(transport=transport) as client, pytest.raises(RuntimeError):
        client.get(server.url + "/")


def test_a_request_taken_but_not_answered_is_sent_again_only_if_idempotent(
    server: Server, transport: StdlibTransport
) -> None:
    with httpx.Client(transport=transport) as client:
        client.get(server.url + "/")  # a connection kept, reused below
        with pytest.raises(httpx.RemoteProtocolError):
            client.post(server.url + "/hangup", content=b"insert once")
        assert server.hangups == 1  # a POST the server took is not sent twice
        client.get(server.url + "/")
        with pytest.raises(httpx.RemoteProtocolError):
            client.get(server.url + "/hangup")
        assert server.hangups == 3  # a GET is: once on the kept connection, once anew
        assert transport.usage() == (0, 0)
