"""The HTTP shell of the fake: a threading HTTP/1.1 server answering like AWS rest-json.

Every answer carries ``x-amzn-RequestId``; errors carry ``x-amzn-ErrorType``
(``Code:http://internal.amazon.com/coral/...``, as AWS sends it) and the body
``{"message": ...}``. Connections are tracked so :meth:`FinSpaceHTTPServer.close_connections`
can end idle keep-alive ones when the fake stops.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from arrowtap.testing.finspace.fake import FakeFinSpace

__all__ = ["FinSpaceHTTPServer"]

_NAMESPACE = "http://internal.amazon.com/coral/com.amazonaws.finspace/"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ArrowtapFakeFinSpace/1.0"
    disable_nagle_algorithm = True
    timeout = 60.0
    server: FinSpaceHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output quiet."""

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > 0:
            self.rfile.read(length)
        reply = self.server.fake.handle(self.command, self.path, dict(self.headers.items()))
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply.body)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        if reply.code is not None:
            self.send_header("x-amzn-ErrorType", f"{reply.code}:{_NAMESPACE}")
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve


class FinSpaceHTTPServer(ThreadingHTTPServer):
    """The socket server; handler threads are daemons, open connections are tracked.

    Parameters
    ----------
    address : tuple of (str, int)
        Host and port (0 = a free port).
    fake : FakeFinSpace
        What answers the requests.
    """

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], fake: FakeFinSpace) -> None:
        self.fake = fake
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        """Bind without the reverse DNS lookup of ``HTTPServer.server_bind``."""
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def process_request(self, request: Any, client_address: Any) -> None:
        """Track the connection, then serve it in a new thread."""
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        """Forget the connection and close it."""
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Shut down every open client connection (idle keep-alive ones included)."""
        with self._open_lock:
            conns = list(self._open)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Ignore clients that went away; report anything else."""
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)
