"""Answering one request to the fake Kinetica: faults, authentication, decoding, routing.

The order a request goes through: the gate (``/get/records`` only, see
:mod:`~arrowtap.testing.kinetica.reads`), a drawn fault (reset, 503, delay, "exiting"), the
credentials (HTTP 401), the endpoint (HTTP 404 if unknown), the body (Avro binary, or
JSON when ``Content-type`` is ``application/json``; an undecodable one is an ``ERROR``
envelope with HTTP 400), then the route, under the store's lock. A route's
:class:`~arrowtap.testing.kinetica.store.KineticaFault` becomes an ``ERROR`` envelope
(``data_type`` ``none``) with its HTTP status. Every reply carries
``x-request-time-secs``, which ``GPUdbTable.insert_records`` needs (``kinetica.md`` §1.3).
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import fastavro

from arrowtap.connectors.kinetica.wire.endpoints import ENDPOINTS, GPUDB_RESPONSE
from arrowtap.connectors.kinetica.wire.envelope import (
    decode_request,
    encode_error,
    encode_response,
)
from arrowtap.errors import DecodeError
from arrowtap.testing.kinetica import (
    routes_monitors,
    routes_read,
    routes_sql,
    routes_system,
    routes_tables,
    routes_write,
)
from arrowtap.testing.kinetica.routes_read import FramedRows, encode_get_records, plain_response
from arrowtap.testing.kinetica.store import KineticaFault

if TYPE_CHECKING:
    from arrowtap.testing.kinetica.fake import FakeKinetica

__all__ = ["ROUTES", "Reply", "answer"]

Route = Callable[["FakeKinetica", dict[str, Any]], dict[str, Any]]

ROUTES: dict[str, Route] = {
    **routes_system.ROUTES,
    **routes_tables.ROUTES,
    **routes_read.ROUTES,
    **routes_write.ROUTES,
    **routes_sql.ROUTES,
    **routes_monitors.ROUTES,
}
"""Every endpoint the fake answers."""


@dataclass
class Reply:
    """What to send back: status, body and headers, or (``reset``) nothing at all."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    reset: bool = False


def _encoding(headers: dict[str, str]) -> str:
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    return "json" if "json" in content_type.lower() else "binary"


def _ok(path: str, resp: dict[str, Any], encoding: str) -> bytes:
    if isinstance(resp.get("records_binary"), FramedRows):
        if encoding == "json":
            return encode_response(path, plain_response(resp), encoding="json")
        out = io.BytesIO()
        envelope = {
            "status": "OK",
            "message": "",
            "data_type": ENDPOINTS[path].response_name,
            "data": encode_get_records(resp),
            "data_str": "",
        }
        fastavro.schemaless_writer(out, GPUDB_RESPONSE, envelope)
        return out.getvalue()
    return encode_response(path, resp, encoding=encoding)


def answer(fake: FakeKinetica, path: str, headers: dict[str, str], body: bytes) -> Reply:
    """Answer one POST to `path`."""
    if path == "/get/records":
        fake.gate.wait()
    started = time.perf_counter()
    fault = fake.faults.draw(path)
    if fault.delay:
        time.sleep(fault.delay)
    encoding = _encoding(headers)
    content_type = "application/json" if encoding == "json" else "application/octet-stream"
    if fault.kind == "reset":
        return Reply(0, reset=True)
    status, reply_body = 200, b""
    if fault.kind == "unavailable":
        status, reply_body = 503, encode_error("Service Unavailable", encoding=encoding)
    elif fault.kind == "exiting":
        status, reply_body = 400, encode_error("Kinetica is exiting", encoding=encoding)
    elif not fake.credentials.accepts(headers):
        status, reply_body = 401, encode_error("Unauthorized", encoding=encoding)
    elif path not in ROUTES:
        status, reply_body = 404, encode_error(f"Endpoint not found: {path}", encoding=encoding)
    else:
        try:
            request = decode_request(path, body, encoding=encoding)
            with fake.store.lock:
                reply_body = _ok(path, ROUTES[path](fake, request), encoding)
        except DecodeError as exc:
            status, reply_body = (
                400,
                encode_error(f"Unable to parse request: {exc}", encoding=encoding),
            )
        except KineticaFault as exc:
            status, reply_body = exc.status, encode_error(exc.message, encoding=encoding)
    fake.count(path, status)
    elapsed = time.perf_counter() - started
    return Reply(
        status,
        reply_body,
        {"Content-Type": content_type, "x-request-time-secs": f"{elapsed:.6f}"},
    )
