"""The HTTP shell of the fake Kinetica: a threading HTTP/1.1 server that only takes POST.

Bodies go to :func:`~arrowtap.testing.kinetica.routes.answer`; other methods get HTTP
405. A "reset" fault closes the connection with a TCP reset (``SO_LINGER`` 0) instead
of answering.
"""

from __future__ import annotations

import contextlib
import socket
import struct
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

from arrowtap.testing._loopback import LoopbackHTTPServer
from arrowtap.testing.kinetica.routes import answer

if TYPE_CHECKING:
    from arrowtap.testing.kinetica.fake import FakeKinetica

__all__ = ["KineticaHTTPServer"]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ArrowtapFakeKinetica/1.0"
    disable_nagle_algorithm = True
    timeout = 60.0
    server: KineticaHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output quiet."""

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        path = self.path.split("?", 1)[0]
        reply = answer(self.server.fake, path, dict(self.headers.items()), body)
        if reply.reset:
            with contextlib.suppress(OSError):
                linger = struct.pack("ii", 1, 0)
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
            self.close_connection = True
            return
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def _refuse(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > 0:
            self.rfile.read(length)
        self.send_response(405)
        self.send_header("Allow", "POST")
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_PUT = do_DELETE = do_PATCH = do_HEAD = _refuse


class KineticaHTTPServer(LoopbackHTTPServer):
    """The fake's socket server, a :class:`~arrowtap.testing._loopback.LoopbackHTTPServer`.

    Parameters
    ----------
    address : tuple of (str, int)
        Host and port (0 = a free port).
    fake : FakeKinetica
        What answers the requests.
    """

    def __init__(self, address: tuple[str, int], fake: FakeKinetica) -> None:
        self.fake = fake
        super().__init__(address, _Handler)
