"""Routing of the administrative API (port 4812): from a request to an :class:`AdminReply`.

No I/O here. The rules follow ``ApiController`` behind Spring Security:

* a wrong ``Authorization`` header is a 403 on any request (reads included);
  a POST without one is read first (a malformed body is a 400), then
  refused with a 403; neither 403 carries a ``WWW-Authenticate`` challenge;
* a trailing slash is optional; channel names in paths use the ``~XX`` codec
  (after Spring's percent-decoding; an encoded slash is a 400 from Tomcat);
* an invalid server UUID, an unknown server without channels and an unknown
  channel are a 404 with an empty body, as is a 503 of a read;
* bodies are compact JSON with members in alphabetical order and every number
  as a string.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from arrowtap.testing.pvarchiver.admin_apply import run_commands
from arrowtap.testing.pvarchiver.admin_parse import BadRequest, parse_commands, parse_import
from arrowtap.testing.pvarchiver.admin_state import THIS_SERVER_ID, AdminRequest, AdminState
from arrowtap.testing.pvarchiver.admin_xml import export_xml, import_commands, parse_xml
from arrowtap.testing.pvarchiver.archive import java_sorted

__all__ = ["ADMIN_BASE_PATH", "AdminReply", "custom_decode", "handle"]

ADMIN_BASE_PATH = "/admin/api/1.0"
"""The path of the administrative API under the server root."""

_ESCAPE = re.compile(rb"~([0-9A-Fa-f]{2})")
_DB_DOWN = "Database access error: All host(s) tried for query failed (fake)"
_REASONS = {400: "Bad Request", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed"}


@dataclass(frozen=True)
class AdminReply:
    """A status and a JSON body (``None``: an empty body)."""

    status: int
    body: bytes | None = None


def custom_decode(text: str) -> str:
    """Decode like the server's ``CustomUrlCodec.decode`` (written apart from the client's).

    Examples
    --------
    >>> custom_decode("root~3Aai1"), custom_decode("~zz~"), custom_decode("é")
    ('root:ai1', '~zz~', '?')
    """
    raw = text.encode("ascii", "replace")
    return _ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), raw).decode("utf-8", "replace")


def _json(status: int, value: Any) -> AdminReply:
    return AdminReply(status, json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def _error(status: int, message: str, path: str) -> AdminReply:
    """Spring Boot's error body."""
    body = {
        "timestamp": int(time.time() * 1000),
        "status": status,
        "error": _REASONS.get(status, "Error"),
        "message": message,
        "path": path,
    }
    return _json(status, body)


def _authorized(state: AdminState, header: str) -> bool:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        user, sep, password = base64.b64decode(token.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return bool(sep) and user in state.users and state.users[user] == password


def _uuid(text: str) -> str | None:
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return None


def handle(
    state: AdminState, method: str, target: str, authorization: str | None, body: bytes
) -> AdminReply:
    """Answer one request on the admin port.

    Examples
    --------
    >>> from arrowtap.testing.pvarchiver.archive import Archive
    >>> state = AdminState(Archive([]), {"admin": "admin"}, lambda: 0)
    >>> handle(state, "GET", ADMIN_BASE_PATH + "/cluster-status/", None, b"").status
    200
    >>> handle(state, "POST", ADMIN_BASE_PATH + "/run-archive-configuration-commands", None,
    ...        b'{"commands":[]}').status
    403
    """
    path = target.partition("?")[0]
    state.log.append(AdminRequest(method, target, authorization is not None))
    if authorization is not None and not _authorized(state, authorization):
        return _error(403, "Access Denied", path)
    if "%2f" in path.lower():  # Tomcat refuses an encoded slash before Spring sees it
        return AdminReply(400)
    if not path.startswith(ADMIN_BASE_PATH + "/"):
        return _error(404, "No message available", path)
    parts = [unquote(p) for p in path[len(ADMIN_BASE_PATH) + 1 :].rstrip("/").split("/")]
    posts = (["run-archive-configuration-commands"],)
    if parts in posts or (
        len(parts) == 4 and parts[:2] == ["channels", "by-server"] and parts[3] == "import"
    ):
        if method != "POST":
            return _error(405, f"Request method '{method}' not supported", path)
        return _post(state, parts, authorization is not None, body, path)
    if parts in (["cluster-status"], ["server-status", "this-server"]):
        return _status(state, parts)
    if parts[0] != "channels" or len(parts) < 2:
        return _error(404, "No message available", path)
    if method != "GET":
        return _error(405, f"Request method '{method}' not supported", path)
    if state.unavailable:
        return AdminReply(503)
    with state.lock:
        return _channels(state, parts, path)


def _status(state: AdminState, parts: list[str]) -> AdminReply:
    if parts == ["cluster-status"]:
        return AdminReply(503) if state.unavailable else _json(200, state.cluster_status())
    return _json(200, state.server_status())  # never a 503: counters are 0 when unknown


def _channels(state: AdminState, parts: list[str], path: str) -> AdminReply:
    if parts == ["channels", "all"]:
        items = [state.summary_item(state.channels[n]) for n in state.names()]
        return _json(200, {"channels": items})
    if len(parts) == 4 and parts[:3] == ["channels", "all", "by-name"]:
        return _one(state, custom_decode(parts[3]), None)
    if parts[1] != "by-server" or len(parts) < 3:
        return _error(404, "No message available", path)
    server = _uuid(parts[2])
    if server is None:
        return AdminReply(404)
    if len(parts) == 5 and parts[3] == "by-name":
        return _one(state, custom_decode(parts[4]), server)
    names = state.names(server)
    if not names and state.server(server) is None:
        return AdminReply(404)
    if len(parts) == 3:
        items = [state.detail_item(state.channels[n], with_server=False) for n in names]
        return _json(200, {"channels": items, "statusAvailable": server == THIS_SERVER_ID})
    if len(parts) == 4 and parts[3] == "export":
        xml = export_xml([state.channels[n] for n in names])
        return _json(200, {"configurationFile": base64.b64encode(xml).decode("ascii")})
    return _error(404, "No message available", path)


def _one(state: AdminState, name: str, server: str | None) -> AdminReply:
    config = state.channels.get(name)
    if config is None or (server is not None and config.server_id != server):
        return AdminReply(404)
    return _json(200, state.detail_item(config, with_server=True))


def _post(
    state: AdminState, parts: list[str], authenticated: bool, body: bytes, path: str
) -> AdminReply:
    try:
        document = json.loads(body)
        if parts[0] == "run-archive-configuration-commands":
            commands = parse_commands(document)
        else:
            data, flags = parse_import(document)
    except (ValueError, BadRequest) as exc:
        return _error(400, f"Could not read document: {exc}", path)
    if not authenticated:
        return _error(403, "Access Denied", path)
    if parts[0] == "run-archive-configuration-commands":
        if state.unavailable:
            return _json(503, {"errorMessage": _DB_DOWN, "results": None})
        results = run_commands(state, commands)
        failed = any(not r["success"] for r in results)
        return _json(500 if failed else 200, {"errorMessage": None, "results": results})
    server = _uuid(parts[2])
    return AdminReply(404) if server is None else _import(state, server, data, flags)


def _import_answer(
    status: int,
    message: str | None,
    outcome: list[tuple[dict[str, Any], bool, str | None]] | None = None,
    *,
    simulated: bool = False,
) -> AdminReply:
    """The import answer: succeeded names and failed names with messages, by operation."""
    succeeded: dict[str, list[str]] = {"add": [], "remove": []}
    failed: dict[str, dict[str, str | None]] = {"add": {}, "remove": {}}
    for command, ok, error in outcome or []:
        kind = "remove" if command["commandType"] == "remove_channel" else "add"
        if ok:
            succeeded[kind].append(command["channelName"])
        else:
            failed[kind][command["channelName"]] = error

    def names(kind: str) -> list[str] | None:
        return None if outcome is None else java_sorted(succeeded[kind])

    def failures(kind: str) -> dict[str, str | None] | None:
        if outcome is None or simulated:  # a simulation reports no failures at all
            return None
        return {n: failed[kind][n] for n in java_sorted(failed[kind])}

    body = {
        "addOrUpdateFailed": failures("add"),
        "addOrUpdateSucceeded": names("add"),
        "errorMessage": message,
        "removeFailed": failures("remove"),
        "removeSucceeded": names("remove"),
    }
    return _json(status, body)


def _import(state: AdminState, server: str, data: bytes, flags: dict[str, bool]) -> AdminReply:
    if not data:
        return _import_answer(503, "Configuration file must have non-zero length.")
    try:
        channels = parse_xml(data)
    except ValueError as exc:
        return _import_answer(400, f"Parsing error: {exc}")
    if state.unavailable:
        return _import_answer(503, _DB_DOWN)
    with state.lock:
        commands = import_commands(channels, flags, server, state.names(server))
        if flags["simulate"]:
            return _import_answer(200, None, [(c, True, None) for c in commands], simulated=True)
        results = run_commands(state, commands)
    outcome = [(r["command"], bool(r["success"]), r.get("errorMessage")) for r in results]
    failed = any(not ok for _, ok, _ in outcome)
    return _import_answer(500 if failed else 200, None, outcome)
