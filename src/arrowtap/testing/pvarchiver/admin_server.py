"""The HTTP shell of the administrative API: every method goes to :func:`.admin_routes.handle`."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

from arrowtap.testing.pvarchiver.admin_routes import handle

if TYPE_CHECKING:
    from arrowtap.testing.pvarchiver.server import ArchiveHTTPServer

__all__ = ["AdminHandler"]

_JSON = "application/json;charset=UTF-8"
_REASONS = {500: "Internal Server Error", 503: "Service Unavailable"}


class AdminHandler(BaseHTTPRequestHandler):
    """Answers the admin port; the body of a request is read whole (it is small)."""

    protocol_version = "HTTP/1.1"
    server_version = "ArrowtapFakePVArchiverAdmin/1.0"
    disable_nagle_algorithm = True
    timeout = 60.0
    server: ArchiveHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output quiet."""

    def _serve(self) -> None:
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        reply = handle(
            fake.admin_state, self.command, self.path, self.headers.get("Authorization"), body
        )
        self.send_response(reply.status, _REASONS.get(reply.status))
        payload = b"" if reply.body is None else reply.body
        if reply.body is not None:
            self.send_header("Content-Type", _JSON)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve
