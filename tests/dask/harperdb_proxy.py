"""A counting HTTP proxy on loopback in front of a HarperDB node, for distributed tests.

Every request goes to the node unchanged and its answer comes back unchanged;
the proxy keeps the JSON body of every operation (:attr:`CountingProxy.bodies`),
so a test can tell from a search's conditions which range of a table it read.

A test can also stop a graph at a chosen answer, whatever the speed of the
machine: after the first answer that :meth:`CountingProxy.hold_after`'s
predicate picks has gone out, every later answer is held back (its request was
served) until :meth:`CountingProxy.refuse` turns the held ones and every later
request into ``400`` errors, so nothing after that answer reaches a client;
:meth:`CountingProxy.forward` goes back to plain forwarding.
"""

from __future__ import annotations

import contextlib
import gzip
import http.client
import json
import socket
import threading
import zlib
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import urlsplit

Picker = Callable[[dict[str, Any], Any], bool]
"""Called with an operation's body and its decoded answer: hold every answer after this one?"""

# Hop-by-hop headers (RFC 9110 7.6.1) and those http.client sets itself.
_HOP = {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding"}
_HOP |= {"upgrade", "host", "content-length"}
_REFUSED = json.dumps({"error": "counting proxy: refused (the test stopped forwarding)"}).encode()


class CountingProxy:
    """Forward ``127.0.0.1:<free port>`` to ``target``; keep every operation's body.

    Parameters
    ----------
    target : str
        The node's operations API, ``http://host:port``.
    """

    def __init__(self, target: str) -> None:
        parts = urlsplit(target)
        if parts.scheme != "http" or parts.hostname is None or parts.port is None:
            raise ValueError(f"counting proxy: target must be http://host:port, not {target!r}")
        self.target = (parts.hostname, parts.port)
        self.bodies: list[dict[str, Any]] = []
        self._state = "forward"  # or "holding", "refusing"
        self._picker: Picker | None = None
        self._changed = threading.Condition()
        self._sockets: set[socket.socket] = set()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Relay)
        self._server.daemon_threads = True
        self._server.proxy = self  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="counting-proxy", daemon=True
        )
        self._thread.start()

    def mark(self) -> int:
        """How many operations came so far (for :meth:`since`)."""
        with self._changed:
            return len(self.bodies)

    def since(self, mark: int) -> list[dict[str, Any]]:
        """The bodies of the operations that came after ``mark``."""
        with self._changed:
            return list(self.bodies[mark:])

    def hold_after(self, picker: Picker) -> None:
        """Hold every answer after the first one ``picker`` picks (that one goes out)."""
        with self._changed:
            self._picker = picker

    def refuse(self) -> None:
        """Answer the held requests and every later one with HTTP 400."""
        self._set("refusing")

    def forward(self) -> None:
        """Forward everything again, picking nothing."""
        self._set("forward")

    def _set(self, state: str) -> None:
        with self._changed:
            self._state = state
            self._picker = None
            self._changed.notify_all()

    def keep(self, body: bytes) -> dict[str, Any]:
        """Record one request's body: an operation, or ``{}`` for another request."""
        try:
            decoded = json.loads(body) if body else {}
        except ValueError:
            decoded = {}
        operation = decoded if isinstance(decoded, dict) else {}
        with self._changed:
            self.bodies.append(operation)
        return operation

    def passes(self, operation: dict[str, Any], answer: bytes, encoding: str | None) -> bool:
        """Whether an answer goes out now; it waits while answers are held."""
        with self._changed:
            # One answer at a time: the first that the picker picks is the last out.
            while self._state == "holding":
                self._changed.wait()
            if self._state == "refusing":
                return False
            if (
                self._picker is not None
                and operation
                and self._picker(operation, _json(answer, encoding))
            ):
                self._state = "holding"
                self._picker = None
            return True

    def opened(self, connection: socket.socket) -> None:
        """Track a client's connection, to end it on :meth:`close`."""
        with self._changed:
            self._sockets.add(connection)

    def ended(self, connection: socket.socket) -> None:
        """Forget a client's connection."""
        with self._changed:
            self._sockets.discard(connection)

    def close(self) -> None:
        """Stop listening and end every connection (a pooled client's included)."""
        self.refuse()
        self._server.shutdown()
        self._server.server_close()
        with self._changed:
            for connection in self._sockets:
                with contextlib.suppress(OSError):  # closed by its client already
                    connection.shutdown(socket.SHUT_RDWR)
        self._thread.join()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _json(answer: bytes, encoding: str | None) -> Any:
    """An answer's JSON, only to judge it (what goes out is the node's bytes as they came)."""
    if encoding == "gzip":
        answer = gzip.decompress(answer)
    elif encoding == "deflate":
        answer = zlib.decompress(answer)
    elif encoding not in (None, "identity"):
        raise ValueError(f"counting proxy: cannot read an answer encoded {encoding!r}")
    try:
        return json.loads(answer)
    except ValueError:
        return None


class _Relay(BaseHTTPRequestHandler):
    """One client connection: each request relayed on one node connection of its own."""

    protocol_version = "HTTP/1.1"  # keep-alive, as the connectors' pools expect
    server: ThreadingHTTPServer

    def setup(self) -> None:
        super().setup()
        self.proxy: CountingProxy = self.server.proxy  # type: ignore[attr-defined]
        self.proxy.opened(self.connection)
        self.node: http.client.HTTPConnection | None = None

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.proxy.ended(self.connection)
            if self.node is not None:
                self.node.close()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: a test reads :attr:`CountingProxy.bodies`, not a log."""

    def do_GET(self) -> None:
        self._relay()

    def do_POST(self) -> None:
        self._relay()

    def _relay(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        operation = self.proxy.keep(body)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
        status, answer_headers, answer = self._ask(body, headers)
        encoding = next((v for k, v in answer_headers if k.lower() == "content-encoding"), None)
        if not self.proxy.passes(operation, answer, encoding):
            status, answer = 400, _REFUSED
            answer_headers = [("Content-Type", "application/json")]
        self.send_response(status)
        for name, value in answer_headers:
            if name.lower() not in _HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def _ask(
        self, body: bytes, headers: dict[str, str]
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        for attempt in (1, 2):
            if self.node is None:
                self.node = http.client.HTTPConnection(*self.proxy.target, timeout=60)
            try:
                self.node.request(self.command, self.path, body, headers)
                response = self.node.getresponse()
                return response.status, response.getheaders(), response.read()
            except (http.client.HTTPException, OSError):
                # The node closed an idle connection: once more on a new one.
                self.node.close()
                self.node = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")
