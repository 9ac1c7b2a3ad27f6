"""The HTTP shell: a threading HTTP/1.1 server answering like the archive-access API.

Bodies are streamed with chunked transfer encoding in pieces of at least
256 KiB, gzip-encoded when the client accepts it and the body has at least
2048 bytes (Tomcat's ``compressionMinSize``), and kept in an LRU cache so a
repeated request only costs the socket writes.
"""

from __future__ import annotations

import html
import socket
import struct
import time
import zlib
from collections.abc import Iterable, Iterator
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

from arrowtap.testing._loopback import LoopbackHTTPServer
from arrowtap.testing.pvarchiver.cache import Body
from arrowtap.testing.pvarchiver.routes import Reply, resolve

if TYPE_CHECKING:
    from arrowtap.testing.pvarchiver.fake import FakeArchiver

__all__ = ["ArchiveHTTPServer"]

_CHUNK = 256 * 1024
_GZIP_MIN = 2048
_JSON = "application/json;charset=UTF-8"
_GARBAGE_HTML = (
    b"<!doctype html><html><head><title>Maintenance</title></head>"
    b"<body><h1>The archive is down for maintenance</h1></body></html>"
)
_GARBAGE_JSON = b'<html><body>Proxy error</body></html>\n[{"time":'
_REASONS = {400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}
_REASONS |= {429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}


def _accepts_gzip(header: str | None) -> bool:
    for part in (header or "").split(","):
        name, _, params = part.partition(";")
        if name.strip().lower() == "gzip":
            q = params.strip().lower()
            return not (q.startswith("q=") and float(q[2:] or 0) == 0.0)
    return False


def _gzip(pieces: Iterable[bytes]) -> Iterator[bytes]:
    comp = zlib.compressobj(1, zlib.DEFLATED, 31)
    out: list[bytes] = []
    size = 0
    for piece in pieces:
        data = comp.compress(piece)
        if data:
            out.append(data)
            size += len(data)
        if size >= _CHUNK:
            yield b"".join(out)
            out, size = [], 0
    out.append(comp.flush())
    yield b"".join(out)


def _encode(reply: Reply, accept_gzip: bool) -> tuple[bool, Iterator[bytes]]:
    """Render a reply's body; gzip it when accepted and at least 2048 bytes."""
    assert reply.body is not None
    source = reply.body()
    first = next(source, b"")
    second = next(source, None)

    def pieces() -> Iterator[bytes]:
        yield first
        if second is not None:
            yield second
            yield from source

    if accept_gzip and (second is not None or len(first) >= _GZIP_MIN):
        return True, _gzip(pieces())
    return False, pieces()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ArrowtapFakePVArchiver/1.0"
    disable_nagle_algorithm = True
    timeout = 60.0  # idle keep-alive connections
    server: ArchiveHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output quiet."""

    def _drain(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > 0:
            self.rfile.read(length)

    def do_GET(self) -> None:
        """Answer a GET, injecting a fault when the dice say so."""
        fake = self.server.fake
        fake.stats.record_request(self.path)
        self._drain()
        kind, variant = fake.fault_trigger.draw()
        faults = fake.fault_trigger.faults
        if kind is not None:
            fake.stats.record_fault(kind)
        if kind == "reset" and variant < 0.5:
            self._reset()
            return
        if kind in ("503", "429"):
            retry = faults.retry_after_header()
            self._send_error(int(kind), "Injected fault.", {"Retry-After": retry} if retry else {})
            return
        if kind == "garbage":
            garbage = _GARBAGE_HTML if variant < 0.5 else _GARBAGE_JSON
            self._send_plain(200, garbage, "text/html;charset=UTF-8" if variant < 0.5 else _JSON)
            return
        if kind == "slow":
            time.sleep(faults.slow_delay)
        reply = resolve(self.path, fake.archive, fake.now_ns())
        if reply.body is None:
            self._send_error(reply.status, reply.message)
            return
        accept = _accepts_gzip(self.headers.get("Accept-Encoding"))
        key = None if reply.cache_key is None else (*reply.cache_key, accept)
        cached = None if key is None else fake.cache.get(key)
        fake.stats.record_status(200, cached=cached is not None)
        if cached is not None:
            gzip, pieces = cached.gzip, iter(cached.pieces)
        else:
            gzip, pieces = _encode(reply, accept)
        if kind in ("truncate", "reset", "slow"):
            self._send_broken(kind, gzip, b"".join(pieces), faults.slow_delay)
            return
        self._start_chunked(gzip)
        kept: list[bytes] | None = [] if cached is None and key is not None else None
        size = 0
        for piece in pieces:
            self._write_chunk(piece)
            if kept is not None:
                kept.append(piece)
                size += len(piece)
                if size > fake.cache.max_entry_bytes:
                    kept = None
        self.wfile.write(b"0\r\n\r\n")
        if kept is not None and key is not None:
            fake.cache.put(key, Body(kept, gzip))

    def _method_not_allowed(self) -> None:
        self.server.fake.stats.record_request(self.path)
        self._drain()
        self._send_error(405, "Only GET is supported.", {"Allow": "GET"})

    do_POST = do_PUT = do_DELETE = do_PATCH = _method_not_allowed

    def _start_chunked(self, gzip: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", _JSON)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Vary", "accept-encoding")
        if gzip:
            self.send_header("Content-Encoding", "gzip")
        self.end_headers()

    def _write_chunk(self, data: bytes) -> None:
        if data:
            self.wfile.write(b"%X\r\n%b\r\n" % (len(data), data))

    def _send_broken(self, kind: str, gzip: bool, body: bytes, delay: float) -> None:
        """Send the first half of a body, then break (``truncate``, ``reset``) or stall."""
        cut = max(1, len(body) // 2)
        self._start_chunked(gzip)
        self._write_chunk(body[:cut])
        if kind == "truncate":
            self.close_connection = True  # clean FIN, no terminating chunk
        elif kind == "reset":
            self._reset()
        else:
            time.sleep(delay)
            self._write_chunk(body[cut:])
            self.wfile.write(b"0\r\n\r\n")

    def _reset(self) -> None:
        """Close the connection with a TCP RST (SO_LINGER 0)."""
        self.close_connection = True
        sock = self.connection
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.rfile.close()  # drop the makefile reference so close() is immediate
            sock.close()
        except OSError:
            pass

    def _send_plain(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _send_error(
        self, status: int, message: str = "", headers: dict[str, str] | None = None
    ) -> None:
        self.server.fake.stats.record_status(status)
        reason = _REASONS.get(status, "Error")
        title = f"HTTP Status {status} \u2013 {reason}"
        page = f'<!doctype html><html lang="en"><head><title>{title}</title></head><body>'
        page += f"<h1>{title}</h1><hr><p><b>Message</b> {html.escape(message)}</p></body></html>"
        body = page.encode("utf-8")
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "text/html;charset=utf-8")
        self.send_header("Content-Language", "en")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class ArchiveHTTPServer(LoopbackHTTPServer):
    """The archive-access socket server, a :class:`~arrowtap.testing._loopback.LoopbackHTTPServer`.

    Parameters
    ----------
    address : tuple of (str, int)
        Host and port (0 = a free port).
    fake : FakeArchiver
        The state shared by the handlers (archive, clock, faults, stats, cache).
    handler : type, optional
        The request handler class; default the archive-access API's.
    """

    def __init__(
        self,
        address: tuple[str, int],
        fake: FakeArchiver,
        handler: type[BaseHTTPRequestHandler] | None = None,
    ) -> None:
        self.fake = fake
        super().__init__(address, _Handler if handler is None else handler)
