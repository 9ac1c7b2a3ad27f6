"""Kinetica request bodies and ``gpudb_response`` envelopes, in Avro binary or JSON.

A request body is the endpoint's request record: schemaless Avro binary
(``Content-type: application/octet-stream``) or a JSON object with the fields in
schema order (``application/json``). A reply is the ``gpudb_response`` envelope
(``status``, ``message``, ``data_type``, ``data``, ``data_str``): in binary mode the
response record is Avro binary in ``data``; in JSON mode the envelope is a JSON object
and the response record a JSON string in ``data_str`` (``kinetica.md`` §1.2-1.3). An
error envelope has ``status="ERROR"`` and ``data_type="none"``. In JSON, bytes are
strings of code points 0-255, one per byte, as Avro JSON and the official client write
them.

These functions only move values between dicts and bytes. Mapping an ``ERROR`` status
to an exception is the client's business.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from typing import Any, NamedTuple

import fastavro

from arrowtap.connectors.kinetica.wire.endpoints import GPUDB_RESPONSE, endpoint
from arrowtap.errors import DecodeError, InvalidArgumentError

__all__ = [
    "ENCODINGS",
    "Reply",
    "decode_request",
    "decode_response",
    "encode_error",
    "encode_request",
    "encode_response",
]

ENCODINGS = ("binary", "json")
"""The body encodings: Avro binary (``application/octet-stream``) and JSON."""


class Reply(NamedTuple):
    """A decoded ``gpudb_response``: the envelope and the response record.

    Attributes
    ----------
    status : str
        ``"OK"`` or ``"ERROR"``.
    message : str
        The error text (empty on success).
    data_type : str
        The response record name, or ``"none"`` (errors).
    data : dict
        The response record's fields; empty when ``data_type`` is ``"none"``.
    """

    status: str
    message: str
    data_type: str
    data: dict[str, Any]


def _check(encoding: str) -> str:
    if encoding not in ENCODINGS:
        raise InvalidArgumentError(
            f"Kinetica body encoding must be one of {ENCODINGS}, not {encoding!r}"
        )
    return encoding


def _default(field: dict[str, Any]) -> Any:
    """A fresh default value of a field (bytes as bytes, containers new)."""
    if field["type"] == "bytes":
        return b""
    default = field["default"]
    return type(default)() if isinstance(default, dict | list) else default


def _complete(schema: dict[str, Any], record: Mapping[str, Any]) -> Mapping[str, Any]:
    """`record` with the fields it leaves out set to their defaults."""
    missing = [f for f in schema["fields"] if f["name"] not in record]
    if not missing:
        return record
    return {**record, **{f["name"]: _default(f) for f in missing}}


def _write(schema: Any, record: Mapping[str, Any]) -> bytes:
    out = io.BytesIO()
    fastavro.schemaless_writer(out, schema, record)
    return out.getvalue()


def _to_json(avro: Any, value: Any) -> Any:
    """A value as Avro JSON would hold it: bytes as code points 0-255."""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("latin-1")
    if isinstance(avro, dict) and avro["type"] == "array":
        return [_to_json(avro["items"], v) for v in value]
    if isinstance(avro, dict) and avro["type"] == "map":
        return {k: _to_json(avro["values"], v) for k, v in value.items()}
    return value


def _from_json(avro: Any, value: Any) -> Any:
    """The inverse of :func:`_to_json` for a field of Avro type `avro`."""
    if avro == "bytes" and isinstance(value, str):
        return value.encode("latin-1")
    if isinstance(avro, list):
        return value if value is None else _from_json(avro[0], value)
    if isinstance(avro, dict) and avro["type"] == "array" and isinstance(value, list):
        return [_from_json(avro["items"], v) for v in value]
    if isinstance(avro, dict) and avro["type"] == "map" and isinstance(value, dict):
        return {k: _from_json(avro["values"], v) for k, v in value.items()}
    return value


def _record_to_json(schema: dict[str, Any], record: Mapping[str, Any]) -> str:
    out = {}
    for f in schema["fields"]:
        value = record[f["name"]] if f["name"] in record else _default(f)
        out[f["name"]] = _to_json(f["type"], value)
    return json.dumps(out)


def _record_from_json(schema: dict[str, Any], text: str | bytes, what: str) -> dict[str, Any]:
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise DecodeError(f"Kinetica {what}: body is not JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise DecodeError(f"Kinetica {what}: body is not a JSON object: {str(doc)[:100]!r}")
    return {
        f["name"]: _from_json(f["type"], doc.get(f["name"], f["default"])) for f in schema["fields"]
    }


def _read(schema: Any, body: bytes, what: str) -> dict[str, Any]:
    try:
        record = fastavro.schemaless_reader(io.BytesIO(body), schema, None)
    except (EOFError, ValueError, TypeError, IndexError, UnicodeDecodeError) as exc:
        raise DecodeError(f"Kinetica {what}: Avro body does not decode: {exc!r}") from exc
    if not isinstance(record, dict):
        raise DecodeError(f"Kinetica {what}: Avro body is not a record")
    return record


def encode_request(path: str, request: Mapping[str, Any], *, encoding: str = "binary") -> bytes:
    r"""The body of a request to `path`: its request record, in Avro binary or JSON.

    Fields left out take their default (empty string, zero, empty map or list).

    Examples
    --------
    >>> encode_request("/show/system/status", {})
    b'\x00'
    >>> encode_request("/has/table", {"table_name": "t"}, encoding="json")
    b'{"table_name": "t", "options": {}}'
    """
    ep = endpoint(path)
    if _check(encoding) == "json":
        return _record_to_json(ep.request, request).encode()
    return _write(ep.parsed_request, _complete(ep.request, request))


def decode_request(path: str, body: bytes, *, encoding: str = "binary") -> dict[str, Any]:
    """The request record of a request to `path` (what a server reads).

    Raises
    ------
    DecodeError
        If the body is not a request record of that endpoint.

    Examples
    --------
    >>> decode_request("/has/table", encode_request("/has/table", {"table_name": "t"}))
    {'table_name': 't', 'options': {}}
    """
    ep = endpoint(path)
    if _check(encoding) == "json":
        return _record_from_json(ep.request, body, f"request to {path}")
    return _read(ep.parsed_request, body, f"request to {path}")


def encode_response(path: str, response: Mapping[str, Any], *, encoding: str = "binary") -> bytes:
    """An ``OK`` envelope carrying the response record of `path` (what a server sends).

    Examples
    --------
    >>> body = encode_response("/has/table", {"table_name": "t", "table_exists": True})
    >>> decode_response("/has/table", body).data["table_exists"]
    True
    """
    ep = endpoint(path)
    if _check(encoding) == "json":
        inner = _record_to_json(ep.response, response)
        envelope = {"status": "OK", "message": "", "data_type": ep.response_name}
        return json.dumps({**envelope, "data": "", "data_str": inner}).encode()
    data = _write(ep.parsed_response, _complete(ep.response, response))
    return _write(
        GPUDB_RESPONSE,
        {
            "status": "OK",
            "message": "",
            "data_type": ep.response_name,
            "data": data,
            "data_str": "",
        },
    )


def encode_error(message: str, *, encoding: str = "binary") -> bytes:
    """An ``ERROR`` envelope with `message` and no response record.

    Examples
    --------
    >>> decode_response("/show/table", encode_error("Table 'x' does not exist"))
    Reply(status='ERROR', message="Table 'x' does not exist", data_type='none', data={})
    """
    envelope = {"status": "ERROR", "message": message, "data_type": "none"}
    if _check(encoding) == "json":
        return json.dumps({**envelope, "data": "", "data_str": ""}).encode()
    return _write(GPUDB_RESPONSE, {**envelope, "data": b"", "data_str": ""})


def decode_response(path: str, body: bytes, *, encoding: str = "binary") -> Reply:
    """The envelope of a reply from `path` and, unless ``data_type`` is ``"none"``, its record.

    Bytes after the response record inside ``data`` are ignored, as the official client
    ignores them (a newer server may append fields).

    Raises
    ------
    DecodeError
        If the body is not an envelope, or its data not a response record of `path`.

    Examples
    --------
    >>> body = encode_response("/show/system/status", {"status_map": {"system": "{}"}})
    >>> reply = decode_response("/show/system/status", body)
    >>> reply.status, reply.data_type, reply.data
    ('OK', 'show_system_status_response', {'status_map': {'system': '{}'}, 'info': {}})
    """
    ep = endpoint(path)
    what = f"reply from {path}"
    if _check(encoding) == "json":
        envelope = _record_from_json(_ENVELOPE_JSON, body, what)
    else:
        envelope = _read(GPUDB_RESPONSE, body, what)
    status, message, data_type = envelope["status"], envelope["message"], envelope["data_type"]
    if data_type == "none":
        return Reply(status, message, data_type, {})
    if encoding == "json":
        data = _record_from_json(ep.response, envelope["data_str"], what)
    else:
        data = _read(ep.parsed_response, envelope["data"], what)
    return Reply(status, message, data_type, data)


_ENVELOPE_JSON: dict[str, Any] = {
    "fields": [
        {"name": name, "type": "string", "default": ""}
        for name in ("status", "message", "data_type", "data", "data_str")
    ]
}
