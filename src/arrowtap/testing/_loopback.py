"""What every fake shares: a loopback HTTP/1.1 server in a daemon thread, and the CLI run loop.

Handler threads are daemons; open connections are tracked so that stopping a
fake also ends idle keep-alive connections, and a client that went away is
not reported as an error.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import socketserver
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType
from typing import Any

__all__ = [
    "LoopbackHTTPServer",
    "bound_port",
    "serve_in_thread",
    "serve_until_signal",
    "stop_on_signals",
    "stop_server",
]


class LoopbackHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server that tracks its connections.

    Parameters
    ----------
    address : tuple of (str, int)
        Host and port (0 = a free port).
    handler : type
        The request handler class.
    """

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, handler)

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


def serve_in_thread(server: LoopbackHTTPServer, name: str) -> threading.Thread:
    """Start ``server.serve_forever`` in a daemon thread named ``name``."""
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=name, daemon=True
    )
    thread.start()
    return thread


def stop_server(server: LoopbackHTTPServer | None, thread: threading.Thread | None) -> None:
    """Stop serving, close the socket and every open connection, join the thread."""
    if server is None:
        return
    try:
        server.shutdown()
    finally:
        server.server_close()
        server.close_connections()
        if thread is not None:
            thread.join(timeout=10)


def bound_port(server: LoopbackHTTPServer | None, fake: str) -> int:
    """The port ``server`` is bound to; :class:`RuntimeError` naming ``fake`` if not started."""
    if server is None:
        raise RuntimeError(f"{fake} is not started")
    return int(server.server_address[1])


def stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT (install before starting, so neither is missed)."""
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    return stop


def serve_until_signal(ready: str, stop: threading.Event) -> None:
    """Print the ``READY ...`` line a parent process waits for, then block until ``stop``."""
    print(ready, flush=True)
    while not stop.wait(0.2):
        pass
