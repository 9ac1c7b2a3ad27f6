"""The HTTP shell of the fake: a threading HTTP/1.1 server answering like AWS rest-json.

Every answer carries ``x-amzn-RequestId``; errors carry ``x-amzn-ErrorType``
(``Code:http://internal.amazon.com/coral/...``, as AWS sends it) and the body
``{"message": ...}``. Connections are tracked so :meth:`FinSpaceHTTPServer.close_connections`
can end idle keep-alive ones when the fake stops.
"""

from __future__ import annotations

import uuid
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

from arrowtap.testing._loopback import LoopbackHTTPServer

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


class FinSpaceHTTPServer(LoopbackHTTPServer):
    """The FinSpace socket server, a :class:`~arrowtap.testing._loopback.LoopbackHTTPServer`.

    Parameters
    ----------
    address : tuple of (str, int)
        Host and port (0 = a free port).
    fake : FakeFinSpace
        What answers the requests.
    """

    def __init__(self, address: tuple[str, int], fake: FakeFinSpace) -> None:
        self.fake = fake
        super().__init__(address, _Handler)
